//! Every pattern the generator can plant is found where it was planted, at
//! the right endpoint and spans, and nothing is reported anywhere else; the
//! healthy shop (nothing planted) gives no finding at all.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{BTreeSet, HashMap};
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::Finding;
use tracelens_core::import::{Format, import_file};
use tracelens_core::synth::shop::{Pattern, Patterns, ShopConfig, generate};
use tracelens_core::synth::{SynthSpan, encode};

/// What a planted pattern must produce: detector, endpoint, service,
/// operation, and the name of a span the evidence must point at (or several,
/// separated by `|`).
type Expected = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
);

fn expected(pattern: Pattern) -> Vec<Expected> {
    match pattern {
        Pattern::NPlusOne => vec![(
            "n_plus_one_queries",
            Some("GET /api/cart"),
            "cart",
            "SELECT * FROM items WHERE id = ?",
            "SELECT items",
        )],
        // A slow provider call: the checkout is slow, and the call is why. One
        // cause, one finding: the bottleneck, whose sentence says how slow it
        // makes the endpoint (it was also a slow_endpoint finding before).
        Pattern::Bottleneck => vec![(
            "bottleneck",
            Some("POST /api/checkout"),
            "payment",
            "POST /v1/charges",
            "POST /v1/charges",
        )],
        // The tail is reported where it is made, at the endpoint whose tail it
        // makes: one finding (it was one on the endpoint and one on the query before).
        Pattern::LongTail => vec![(
            "long_tail",
            Some("GET /api/search"),
            "catalog",
            "SELECT product_search",
            "SELECT product_search",
        )],
        Pattern::ErrorHotspot => vec![(
            "error_hotspot",
            Some("POST /api/checkout"),
            "payment",
            "POST /v1/charges",
            "POST /v1/charges",
        )],
        Pattern::ChattyCalls => vec![(
            "chatty_calls",
            Some("GET /api/recommendations"),
            "recommendations",
            "GET /products/{id}/card",
            "GET /products/{id}/card",
        )],
        Pattern::SequentialCalls => vec![(
            "sequential_calls",
            Some("GET /api/home"),
            "frontend",
            "GET /api/home",
            "GET /accounts/me",
        )],
        Pattern::ManyQueries => vec![(
            "many_queries",
            Some("GET /api/orders"),
            "frontend",
            "GET /api/orders",
            "GET /api/orders",
        )],
        Pattern::Scaling => vec![(
            "scaling",
            Some("POST /api/cart/items"),
            "frontend",
            "POST /api/cart/items",
            "POST /api/cart/items",
        )],
        Pattern::ClockSkew => vec![("data_quality", None, "payment", "clock skew", "POST /charge")],
        // The orphans are the lost server spans' children: whichever queries they made.
        Pattern::LostSpans => vec![(
            "data_quality",
            None,
            "cart",
            "orphan spans",
            "SELECT cart_items|SELECT items|UPDATE cart_items",
        )],
        // `catalog` and `pricing` check the token again below the frontend,
        // which had checked it: the evidence is the checks.
        Pattern::RepeatedTokenCheck => vec![(
            "repeated_along_chain",
            Some("GET /api/products/{id}"),
            "accounts",
            "POST /oauth/check_token",
            "POST /oauth/check_token",
        )],
    }
}

fn analyse(spans: &[SynthSpan]) -> Analysis {
    let mut set = TraceSet::new();
    import_file(&mut set, "shop", &encode(spans, Format::OtlpJson)).unwrap();
    Analysis::of(&set)
}

/// Checks the findings are exactly `expected`, and that each one's evidence
/// points at traces of its endpoint and at a span named as expected.
fn check(spans: &[SynthSpan], findings: &[Finding], expected: &[Expected], case: &str) {
    let found: BTreeSet<(&str, Option<&str>, &str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f.detector.name(),
                f.subject.endpoint.as_deref(),
                f.subject.service.as_str(),
                f.subject.operation.as_str(),
            )
        })
        .collect();
    let wanted: BTreeSet<(&str, Option<&str>, &str, &str)> = expected.iter().map(|e| (e.0, e.1, e.2, e.3)).collect();
    assert_eq!(found, wanted, "{case}: {findings:#?}");
    assert_eq!(
        findings.len(),
        expected.len(),
        "{case}: one finding each: {findings:#?}"
    );

    let by_id: HashMap<(u128, u64), &SynthSpan> = spans.iter().map(|s| ((s.trace_id, s.span_id), s)).collect();
    let roots: HashMap<u128, &str> = spans
        .iter()
        .filter(|s| s.parent_span_id.is_none())
        .map(|s| (s.trace_id, s.name.as_str()))
        .collect();
    for (finding, expected) in findings.iter().map(|f| {
        (
            f,
            expected
                .iter()
                .find(|e| e.0 == f.detector && e.3 == f.subject.operation)
                .unwrap(),
        )
    }) {
        assert!(!finding.evidence.is_empty(), "{case}: {finding:#?}");
        for evidence in &finding.evidence {
            let trace = evidence.trace_id.0;
            if let Some(endpoint) = expected.1 {
                assert_eq!(roots.get(&trace).copied(), Some(endpoint), "{case}: {finding:#?}");
            }
            let names: Vec<&str> = evidence
                .span_ids
                .iter()
                .map(|id| by_id[&(trace, id.get())].name.as_str())
                .collect();
            let wanted: Vec<&str> = expected.4.split('|').collect();
            assert!(
                names.iter().any(|n| wanted.contains(n)),
                "{case}: evidence {names:?} of {finding:#?}"
            );
        }
    }
}

const SEEDS: [u64; 3] = [1, 2, 3];

fn shop(seed: u64, patterns: Patterns) -> Vec<SynthSpan> {
    generate(&ShopConfig {
        seed,
        traces: 400,
        patterns,
        ..ShopConfig::default()
    })
}

#[test]
fn the_healthy_shop_has_no_finding() {
    for seed in SEEDS {
        let spans = shop(seed, Patterns::NONE);
        let analysis = analyse(&spans);
        assert!(analysis.findings.is_empty(), "seed {seed}: {:#?}", analysis.findings);
    }
}

#[test]
fn each_pattern_alone_is_found_where_it_was_planted_and_nothing_else() {
    for pattern in Pattern::ALL {
        for seed in SEEDS {
            let spans = shop(seed, Patterns::of(&[pattern]));
            let analysis = analyse(&spans);
            check(
                &spans,
                &analysis.findings,
                &expected(pattern),
                &format!("{pattern:?}, seed {seed}"),
            );
        }
    }
}

#[test]
fn the_default_patterns_together_are_each_found_once() {
    let planted: Vec<Pattern> = Pattern::ALL
        .into_iter()
        .filter(|p| Patterns::default().contains(*p))
        .collect();
    let all: Vec<Expected> = planted.iter().flat_map(|&p| expected(p)).collect();
    for seed in SEEDS {
        let spans = shop(seed, Patterns::default());
        let analysis = analyse(&spans);
        check(
            &spans,
            &analysis.findings,
            &all,
            &format!("default patterns, seed {seed}"),
        );
    }
}
