//! Full analysis (index, self times, critical paths, statistics, histograms
//! and every detector) at 10k, 100k and 1M spans, next to the OTLP JSON
//! import of the same data, in one run so BENCHMARKS.md can give the ratio.
//! The aim: analysis faster than the import it follows.
//!
//! `cargo bench -p tracelens-core --bench analysis` (add `-- 100000` to run one size).

use divan::Bencher;
use divan::counter::ItemsCount;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::{Format, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::synth::{encode, shop};

const SPANS: &[usize] = &[10_000, 100_000, 1_000_000];

fn main() {
    divan::main();
}

/// The shop's OTLP JSON at a size, and the model imported from it.
struct Input {
    bytes: Vec<u8>,
    set: TraceSet,
}

static INPUTS: LazyLock<Mutex<HashMap<usize, Arc<Input>>>> = LazyLock::new(Default::default);

fn input(spans: usize) -> Arc<Input> {
    let mut inputs = INPUTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    inputs
        .entry(spans)
        .or_insert_with(|| {
            let synthetic = shop::generate(&shop::ShopConfig::with_spans(spans));
            let bytes = encode(&synthetic, Format::OtlpJson);
            let mut set = TraceSet::new();
            if let Err(error) = import_file(&mut set, "bench", &bytes) {
                panic!("the generator's output must import: {error}");
            }
            set.shrink_to_fit();
            Arc::new(Input { bytes, set })
        })
        .clone()
}

/// What the analysis follows: reading the file into the model.
#[divan::bench(args = SPANS, sample_count = 5, sample_size = 1)]
fn import_otlp_json(bencher: Bencher, spans: usize) {
    let input = input(spans);
    bencher.counter(ItemsCount::new(input.set.spans.len())).bench(|| {
        let mut set = TraceSet::new();
        import_file(&mut set, "bench", &input.bytes).map(|_| set.spans.len())
    });
}

/// Everything the page and the CLI show after a drop.
#[divan::bench(args = SPANS, sample_count = 5, sample_size = 1)]
fn analyse(bencher: Bencher, spans: usize) {
    let input = input(spans);
    bencher
        .counter(ItemsCount::new(input.set.spans.len()))
        .bench(|| Analysis::of(&input.set).findings.len());
}

/// The index alone (traces, parents, children): the first step of the analysis.
#[divan::bench(args = SPANS, sample_count = 5, sample_size = 1)]
fn index(bencher: Bencher, spans: usize) {
    let input = input(spans);
    bencher
        .counter(ItemsCount::new(input.set.spans.len()))
        .bench(|| TraceIndex::build(&input.set).traces.len());
}
