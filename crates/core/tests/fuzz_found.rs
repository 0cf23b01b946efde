//! What the `analysis` fuzz target (`crates/core/fuzz`, see TESTING.md)
//! found, each cut down to a small reproducer and read from a file as a
//! person would load it (OTLP protobuf, which carries any 64-bit time), then
//! run through what the CLI and the page run on it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::Detector;
use tracelens_core::import::{Format, import_file};
use tracelens_core::model::SpanKind;
use tracelens_core::report::{self, BaselineInput, Options};
use tracelens_core::synth::shop::{self, Patterns, ShopConfig};
use tracelens_core::synth::{SynthSpan, encode, stretch};

/// `spans` written as OTLP protobuf and read.
fn load(spans: &[SynthSpan]) -> TraceSet {
    let mut set = TraceSet::new();
    import_file(&mut set, "found.pb", &encode(spans, Format::OtlpProtobuf)).unwrap();
    set
}

/// A failed server span of its own trace, from `start_ns` to `end_ns`.
fn failed(trace: u128, start_ns: u64, end_ns: u64) -> SynthSpan {
    SynthSpan {
        trace_id: trace,
        span_id: 1,
        parent_span_id: None,
        service: "cart",
        name: "GET /api/cart".to_owned(),
        kind: SpanKind::Server,
        start_ns,
        end_ns,
        error: Some("boom".to_owned()),
        attributes: Vec::new(),
    }
}

/// Failures whose time together does not fit in 64 bits of nanoseconds
/// (about 584 years). The fuzz target found two failures each lasting most
/// of 64 bits (a corrupt end time: year 2554); the error hotspot's time
/// added them up unchecked (a panic in a debug build, a wrapped, tiny time
/// in a release one); it saturates. The importers now take no duration
/// over a year (`limits::MAX_DURATION_NS`), so the sum is made here of 600
/// failures of 364 days each: still past 64 bits.
#[test]
fn failures_lasting_most_of_64_bits_add_up_to_the_largest_time_not_a_wrapped_one() {
    const DAYS_364_NS: u64 = 364 * 24 * 3600 * 1_000_000_000;
    let failures: Vec<SynthSpan> = (1..=600)
        .map(|trace| failed(trace, 1_000, 1_000 + DAYS_364_NS))
        .collect();
    assert!(
        600u128 * u128::from(DAYS_364_NS) > u128::from(u64::MAX),
        "past 64 bits together"
    );
    let set = load(&failures);
    let analysis = Analysis::of(&set);
    let hotspot = analysis
        .findings
        .iter()
        .find(|f| f.detector == Detector::ErrorHotspot)
        .expect("the two failures are a hotspot");
    assert_eq!(hotspot.impact.time.0, u64::MAX);
    let (_, report) = report::generate(&set, BaselineInput::None, &Options::default());
    assert!(!report.findings.is_empty());
}

/// The shop with every pattern planted, each request stretched to years
/// (5·10¹⁰ times as long, still ending before 2300), against the shop as
/// it is: times across requests add up past 64 bits of nanoseconds wherever
/// a detector sums them. The whole pipeline runs (a debug build panicked
/// where a sum overflowed), and no finding's time wrapped around to less
/// than the shortest time the stretched shop can state.
#[test]
fn the_shop_stretched_to_years_per_request_runs_everything() {
    const FACTOR: f64 = 5e10;
    let spans = shop::generate(&ShopConfig {
        traces: 120,
        patterns: Patterns::all(),
        ..Default::default()
    });
    let mut roots: Vec<&str> = spans
        .iter()
        .filter(|s| s.parent_span_id.is_none())
        .map(|s| s.name.as_str())
        .collect();
    roots.sort_unstable();
    roots.dedup();
    let stretched = roots
        .iter()
        .fold(spans.clone(), |stretched, root| stretch(&stretched, root, FACTOR));
    assert!(stretched.iter().all(|s| s.end_ns < u64::MAX));
    let set = load(&stretched);

    let analysis = Analysis::of(&set);
    assert!(!analysis.findings.is_empty());
    // The shop's times are whole microseconds apart.
    let shortest = (1_000.0 * FACTOR) as u64 - 1;
    for finding in &analysis.findings {
        let time = finding.impact.time.0;
        assert!(time == 0 || time >= shortest, "{finding:?}");
    }
    let (_, report) = report::generate(&set, BaselineInput::Traces(&load(&spans)), &Options::default());
    assert!(!report.findings.is_empty());
}
