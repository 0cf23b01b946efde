//! Generated trace sets that more than one test file reads.

#![allow(dead_code, clippy::unwrap_used)] // each test file uses part of it

use tracelens_core::TraceSet;
use tracelens_core::import::{Format, import_file};
use tracelens_core::synth::shop::{Pattern, Patterns, ShopConfig};
use tracelens_core::synth::{SynthSpan, encode, shop, stretch};

/// The shop with `patterns`, `traces` traces from `seed`.
pub fn shop(seed: u64, traces: usize, patterns: &[Pattern]) -> Vec<SynthSpan> {
    shop::generate(&ShopConfig {
        seed,
        traces,
        patterns: Patterns::of(patterns),
        ..Default::default()
    })
}

/// `spans` written as OTLP JSON and read into a set.
pub fn import(spans: &[SynthSpan]) -> TraceSet {
    let mut set = TraceSet::new();
    import_file(&mut set, "traces.json", &encode(spans, Format::OtlpJson)).unwrap();
    set
}

/// The spans of two periods of the shop with an N+1 in both, the cart 1.5×
/// slower in the second and an error hotspot new in it: (baseline, current).
pub fn two_periods_spans() -> (Vec<SynthSpan>, Vec<SynthSpan>) {
    let baseline = shop(1, 240, &[Pattern::NPlusOne]);
    let current = stretch(
        &shop(2, 240, &[Pattern::NPlusOne, Pattern::ErrorHotspot]),
        "GET /api/cart",
        1.5,
    );
    (baseline, current)
}

/// [`two_periods_spans`] read: (baseline, current).
pub fn two_periods() -> (TraceSet, TraceSet) {
    let (baseline, current) = two_periods_spans();
    (import(&baseline), import(&current))
}

/// A recorded capture from `tests/fixtures` (path below it), analysed.
pub fn capture(path: &str) -> tracelens_core::analysis::Analysis {
    let path = fixtures_dir().join(path);
    let mut set = TraceSet::new();
    import_file(&mut set, "capture", &std::fs::read(path).unwrap()).unwrap();
    tracelens_core::analysis::Analysis::of(&set)
}

/// Hand-built spans, written as OTLP JSON, read and analysed.
pub fn built(spans: &[SynthSpan]) -> tracelens_core::analysis::Analysis {
    tracelens_core::analysis::Analysis::of(&import(spans))
}

/// The findings of one detector.
pub fn of<'a>(
    analysis: &'a tracelens_core::analysis::Analysis,
    detector: &str,
) -> Vec<&'a tracelens_core::analysis::detectors::Finding> {
    analysis.findings.iter().filter(|f| f.detector == detector).collect()
}

/// Where the recorded fixtures are.
pub fn fixtures_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Every fixture file below `dir` (not the notes about them), sorted.
pub fn fixture_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(fixture_files(&path));
        } else if path.extension().is_some_and(|e| e != "md") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// A hand-built span of trace `trace`, its times in milliseconds from a fixed start.
pub fn span(
    trace: u128,
    id: u64,
    parent: Option<u64>,
    service: &'static str,
    name: &str,
    kind: tracelens_core::model::SpanKind,
    ms: (u64, u64),
) -> SynthSpan {
    const BASE: u64 = 1_700_000_000_000_000_000;
    SynthSpan {
        trace_id: trace,
        span_id: id,
        parent_span_id: parent,
        service,
        name: name.to_owned(),
        kind,
        start_ns: BASE + ms.0 * 1_000_000,
        end_ns: BASE + ms.1 * 1_000_000,
        error: None,
        attributes: Vec::new(),
    }
}
