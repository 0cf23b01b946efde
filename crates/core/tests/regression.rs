//! The regression detector against a baseline: noise between two periods of
//! the same shop is no finding; a planted slowdown or speed-up of one endpoint
//! is, at that endpoint only; changes below 10% or 10 µs are not.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::regression::{self, RowKind, Verdict};
use tracelens_core::analysis::detectors::{Detector, Finding, Severity};
use tracelens_core::import::{Format, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::model::SpanKind;
use tracelens_core::synth::{SynthSpan, SynthValue, encode, shop, stretch};

fn shop(seed: u64, traces: usize) -> Vec<SynthSpan> {
    shop::generate(&shop::ShopConfig {
        seed,
        traces,
        ..Default::default()
    })
}

fn import(spans: &[SynthSpan]) -> TraceSet {
    let mut set = TraceSet::new();
    import_file(&mut set, "input", &encode(spans, Format::OtlpJson)).unwrap();
    set
}

fn compare(baseline: &[SynthSpan], current: &[SynthSpan]) -> Analysis {
    let (baseline, current) = (import(baseline), import(current));
    Analysis::with_baseline(
        &current,
        &TraceIndex::build(&current),
        Some(&baseline),
        &Default::default(),
    )
}

fn changes(analysis: &Analysis) -> Vec<&Finding> {
    analysis
        .findings
        .iter()
        .filter(|f| f.detector == regression::NAME || f.detector == regression::IMPROVEMENT)
        .collect()
}

#[test]
fn noise_between_two_periods_is_not_a_regression() {
    let mut smallest_raw = f64::INFINITY;
    let mut smallest_adjusted = f64::INFINITY;
    for (baseline, current) in [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)] {
        let analysis = compare(&shop(baseline, 300), &shop(current, 300));
        assert_eq!(
            changes(&analysis),
            Vec::<&Finding>::new(),
            "seeds {baseline} → {current}"
        );
        let comparison = analysis.comparison.as_ref().unwrap();
        assert!(comparison.rows.iter().any(|r| r.kind == RowKind::Endpoint));
        for row in &comparison.rows {
            assert!(
                matches!(row.verdict, Verdict::Unchanged | Verdict::TooFewSamples),
                "{row:?}"
            );
            smallest_raw = smallest_raw.min(row.p_value.unwrap_or(1.0));
            smallest_adjusted = smallest_adjusted.min(row.p_value_adjusted.unwrap_or(1.0));
        }
    }
    // Printed for the record (`cargo test -- --nocapture`): how close noise came.
    eprintln!("noise: smallest p {smallest_raw:.4}, smallest Holm-adjusted p {smallest_adjusted:.4}");
}

#[test]
fn a_slower_cart_is_a_regression_there_and_nowhere_else() {
    let current = stretch(&shop(12, 300), "GET /api/cart", 1.5);
    let analysis = compare(&shop(11, 300), &current);
    let found = changes(&analysis);
    assert_eq!(
        found.len(),
        1,
        "one finding for the endpoint and its operations: {found:#?}"
    );
    let finding = found[0];
    assert_eq!(finding.detector, regression::NAME);
    assert_eq!(finding.subject.endpoint.as_deref(), Some("GET /api/cart"));
    assert_eq!(finding.subject.service, "frontend");
    assert!(
        finding
            .explanation
            .starts_with("`GET /api/cart` got slower: p50 rose from "),
        "{}",
        finding.explanation
    );
    assert!(
        finding.explanation.contains("; slower inside: "),
        "{}",
        finding.explanation
    );
    assert!(finding.explanation.contains("in `cart`"), "{}", finding.explanation);
    let carts = current
        .iter()
        .filter(|s| s.parent_span_id.is_none() && s.name == "GET /api/cart")
        .count();
    assert_eq!(finding.impact.requests, carts as u64, "every cart request is affected");
    assert!(finding.impact.request_time_share > 0.2 && finding.impact.request_time_share < 0.45);
    assert!(!finding.evidence.is_empty());
    assert!(
        finding.evidence.iter().all(|e| e.span_ids.len() > 1),
        "{:?}",
        finding.evidence
    );

    let rows = &analysis.comparison.as_ref().unwrap().rows;
    let cart = rows
        .iter()
        .find(|r| r.kind == RowKind::Endpoint && r.name == "GET /api/cart")
        .unwrap();
    assert_eq!(cart.verdict, Verdict::Regression);
    let change = cart.p50_change.unwrap();
    assert!((0.3..0.8).contains(&change), "p50 change {change}");
    assert!(cart.p_value_adjusted.unwrap() < 1e-6);
    assert!(cart.probability_slower.unwrap() > 0.7);
    // A quarter of the shop's requests: critical when the median rose by half or
    // more. 1.5× plus noise between seeds lands on either side of that line.
    let expected = if change >= 0.5 {
        Severity::Critical
    } else {
        Severity::Warning
    };
    assert_eq!(finding.severity, expected, "{finding:#?}");
    // Every operation under the cart changed the same way; nothing elsewhere did.
    for row in rows {
        let at_cart = row.endpoint.as_deref() == Some("GET /api/cart");
        if at_cart && row.kind == RowKind::Operation {
            assert_eq!(row.verdict, Verdict::Regression, "{row:?}");
        } else if !at_cart {
            assert_eq!(row.verdict, Verdict::Unchanged, "{row:?}");
        }
    }
}

#[test]
fn a_faster_product_page_is_an_improvement() {
    let current = stretch(&shop(14, 300), "GET /api/products/{id}", 0.6);
    let analysis = compare(&shop(13, 300), &current);
    let found = changes(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(finding.detector, regression::IMPROVEMENT);
    assert_eq!(finding.severity, Severity::Info);
    assert_eq!(finding.subject.endpoint.as_deref(), Some("GET /api/products/{id}"));
    assert!(
        finding
            .explanation
            .starts_with("`GET /api/products/{id}` got faster: p50 fell from "),
        "{}",
        finding.explanation
    );
    assert!(
        finding.explanation.contains("; faster inside: "),
        "{}",
        finding.explanation
    );
}

#[test]
fn slower_and_faster_in_one_comparison() {
    let current = stretch(
        &stretch(&shop(16, 300), "GET /api/cart", 1.5),
        "GET /api/products/{id}",
        0.6,
    );
    let analysis = compare(&shop(15, 300), &current);
    let mut found: Vec<(&str, Option<&str>)> = changes(&analysis)
        .iter()
        .map(|f| (f.detector.name(), f.subject.endpoint.as_deref()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (regression::IMPROVEMENT.name(), Some("GET /api/products/{id}")),
            (regression::NAME.name(), Some("GET /api/cart")),
        ]
    );
    // Regressions come before improvements: findings are sorted by severity.
    let at = |name: Detector| analysis.findings.iter().position(|f| f.detector == name).unwrap();
    assert!(at(regression::NAME) < at(regression::IMPROVEMENT));
}

#[test]
fn five_percent_slower_is_not_flagged() {
    // The same requests, the cart 5% slower: no noise at all between the two sets.
    let baseline = shop(17, 300);
    let analysis = compare(&baseline, &stretch(&baseline, "GET /api/cart", 1.05));
    assert_eq!(changes(&analysis), Vec::<&Finding>::new());
}

/// `n` requests to `GET /ping` on one service, each with one child call;
/// durations `base_ns` plus a small spread, times `factor`.
fn pings(n: u64, base_ns: u64, factor: f64) -> Vec<SynthSpan> {
    let start = 1_700_000_000_000_000_000u64;
    let mut spans = Vec::new();
    for i in 0..n {
        let t0 = start + i * 1_000_000_000;
        let duration = ((base_ns + (i * 7919) % 97 * base_ns / 1000) as f64 * factor) as u64;
        let route = vec![
            ("http.request.method", SynthValue::Str("GET".to_owned())),
            ("http.route", SynthValue::Str("/ping".to_owned())),
        ];
        let span = |id: u64, parent: Option<u64>, name: &str, kind, end: u64, attributes| SynthSpan {
            trace_id: u128::from(i) + 1,
            span_id: id,
            parent_span_id: parent,
            service: "pinger",
            name: name.to_owned(),
            kind,
            start_ns: t0,
            end_ns: t0 + end,
            error: None,
            attributes,
        };
        spans.push(span(1, None, "GET /ping", SpanKind::Server, duration, route));
        spans.push(span(2, Some(1), "lookup", SpanKind::Internal, duration / 2, Vec::new()));
    }
    spans
}

#[test]
fn certain_changes_below_ten_percent_or_ten_microseconds_are_not_flagged() {
    // 10 ms requests, 5% slower: the rank test is certain, the change too small.
    let analysis = compare(&pings(60, 10_000_000, 1.0), &pings(60, 10_000_000, 1.05));
    assert_eq!(changes(&analysis), Vec::<&Finding>::new());
    let row = &analysis.comparison.as_ref().unwrap().rows[0];
    assert!(
        row.p_value_adjusted.unwrap() < 1e-6 && row.verdict == Verdict::Unchanged,
        "{row:?}"
    );

    // 15 µs requests, 50% slower: certain, but only 7.5 µs.
    let analysis = compare(&pings(60, 15_000, 1.0), &pings(60, 15_000, 1.5));
    assert_eq!(changes(&analysis), Vec::<&Finding>::new());
    let row = &analysis.comparison.as_ref().unwrap().rows[0];
    assert!(
        row.p_value_adjusted.unwrap() < 1e-6 && row.verdict == Verdict::Unchanged,
        "{row:?}"
    );

    // The same shapes 20% slower at 10 ms are flagged: the floors, not the test, spared the above.
    let analysis = compare(&pings(60, 10_000_000, 1.0), &pings(60, 10_000_000, 1.2));
    let found = changes(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].explanation.contains("(+20%)"), "{}", found[0].explanation);
    assert!(found[0].explanation.contains("slower inside: `lookup` in `pinger`"));
}

#[test]
fn too_few_requests_are_compared_but_not_judged() {
    let analysis = compare(&pings(9, 10_000_000, 1.0), &pings(9, 10_000_000, 3.0));
    assert_eq!(changes(&analysis), Vec::<&Finding>::new());
    let rows = &analysis.comparison.as_ref().unwrap().rows;
    assert_eq!(rows.len(), 2, "the endpoint and its operation: {rows:?}");
    assert!(
        rows.iter()
            .all(|r| r.verdict == Verdict::TooFewSamples && r.p_value.is_none())
    );
}

#[test]
fn without_a_baseline_nothing_changes() {
    let set = import(&shop(1, 100));
    let plain = Analysis::of(&set);
    assert_eq!(plain.comparison, None);
    assert_eq!(
        plain,
        Analysis::with_baseline(&set, &TraceIndex::build(&set), None, &Default::default())
    );
}

#[test]
fn an_operation_that_changed_under_a_steady_endpoint_gets_its_own_finding() {
    // Only the `lookup` child of each ping gets faster (5 ms → 0.3 ms); the
    // request keeps its duration, as when the time moved to other work.
    let baseline = pings(80, 10_000_000, 1.0);
    let mut current = pings(80, 10_000_000, 1.0);
    for span in current.iter_mut().filter(|s| s.name == "lookup") {
        span.end_ns = span.start_ns + (span.end_ns - span.start_ns) / 10 * 3 / 5;
    }
    let analysis = compare(&baseline, &current);
    let found = changes(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].detector, regression::IMPROVEMENT);
    assert!(
        found[0]
            .explanation
            .starts_with("`lookup` in `pinger` under `GET /ping` got faster"),
        "{}",
        found[0].explanation
    );
}
