//! Import speed per format at 10k, 100k and 1M spans, next to the bare cost of
//! reading the same bytes as JSON (`serde_json` into `IgnoredAny`), in one run
//! so the ratios in BENCHMARKS.md compare like with like.
//!
//! `cargo bench -p tracelens-core --bench import` (add `-- 100000` to run one size).

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use tracelens_core::TraceSet;
use tracelens_core::import::{Format, import_file};
use tracelens_core::synth::{encode, shop};

const SPANS: &[usize] = &[10_000, 100_000, 1_000_000];

fn main() {
    divan::main();
}

/// An encoded input and how many spans it holds.
type Input = Arc<(Vec<u8>, usize)>;

/// Generated inputs, made once per (format, size) and shared by the benchmarks.
static INPUTS: LazyLock<Mutex<HashMap<(Format, usize), Input>>> = LazyLock::new(Default::default);

fn input(format: Format, spans: usize) -> Input {
    let mut inputs = INPUTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    inputs
        .entry((format, spans))
        .or_insert_with(|| {
            let synthetic = shop::generate(&shop::ShopConfig::with_spans(spans));
            Arc::new((encode(&synthetic, format), synthetic.len()))
        })
        .clone()
}

fn import(bencher: Bencher, format: Format, spans: usize) {
    let input = input(format, spans);
    let (bytes, span_count) = (&input.0, input.1);
    bencher
        .counter(BytesCount::of_slice(bytes))
        .counter(ItemsCount::new(span_count))
        .bench(|| {
            let mut set = TraceSet::new();
            import_file(&mut set, "bench", bytes).map(|_| set.spans.len())
        });
}

#[divan::bench(args = SPANS, sample_count = 10, sample_size = 1)]
fn otlp_json(bencher: Bencher, spans: usize) {
    import(bencher, Format::OtlpJson, spans);
}

#[divan::bench(args = SPANS, sample_count = 10, sample_size = 1)]
fn otlp_json_lines(bencher: Bencher, spans: usize) {
    import(bencher, Format::OtlpJsonLines, spans);
}

#[divan::bench(args = SPANS, sample_count = 10, sample_size = 1)]
fn otlp_protobuf(bencher: Bencher, spans: usize) {
    import(bencher, Format::OtlpProtobuf, spans);
}

#[divan::bench(args = SPANS, sample_count = 10, sample_size = 1)]
fn jaeger_json(bencher: Bencher, spans: usize) {
    import(bencher, Format::JaegerJson, spans);
}

#[divan::bench(args = SPANS, sample_count = 10, sample_size = 1)]
fn zipkin_json(bencher: Bencher, spans: usize) {
    import(bencher, Format::ZipkinJson, spans);
}

/// The floor: parsing the OTLP JSON bytes and throwing everything away.
#[divan::bench(args = SPANS, sample_count = 10, sample_size = 1)]
fn baseline_ignored_any_otlp_json(bencher: Bencher, spans: usize) {
    let input = input(Format::OtlpJson, spans);
    let bytes = &input.0;
    bencher
        .counter(BytesCount::of_slice(bytes))
        .counter(ItemsCount::new(input.1))
        .bench(|| serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok());
}
