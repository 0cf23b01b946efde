//! Detectors on real captures and on hand-built traces, including traces that
//! must not trigger them (the generator's planted patterns are in `planted.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::{Finding, Severity, n_plus_one};
use tracelens_core::import::{Format, import_file};
use tracelens_core::model::SpanKind;
use tracelens_core::synth::{SynthSpan, SynthValue, encode, shop};

fn analyse(bytes: &[u8]) -> Analysis {
    let mut set = TraceSet::new();
    import_file(&mut set, "input", bytes).unwrap();
    Analysis::of(&set)
}

fn of<'a>(analysis: &'a Analysis, detector: &str) -> Vec<&'a Finding> {
    analysis.findings.iter().filter(|f| f.detector == detector).collect()
}

#[test]
fn hotrod_redis_lookups_are_an_n_plus_one() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let analysis = analyse(&std::fs::read(path).unwrap());
    let found = of(&analysis, n_plus_one::NAME);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(finding.subject.service, "redis-manual");
    assert_eq!(finding.subject.operation, "GetDriver");
    assert_eq!(finding.subject.endpoint.as_deref(), Some("GET /dispatch"));
    assert_eq!(finding.impact.requests, 1);
    assert!(
        finding
            .explanation
            .starts_with("`GetDriver` runs 13 times per `GET /dispatch` request"),
        "{}",
        finding.explanation
    );
    let evidence = &finding.evidence[0];
    assert_eq!(evidence.trace_id.to_string(), "fe65c5beefbe4e96119efbba3da07e99");
    assert_eq!(evidence.span_ids.len(), 6, "the parent and five of the repeated calls");
}

#[test]
fn the_shops_cart_queries_are_found_and_nothing_else() {
    let analysis = analyse(&encode(
        &shop::generate(&shop::ShopConfig {
            traces: 300,
            ..Default::default()
        }),
        Format::OtlpJson,
    ));
    let found = of(&analysis, n_plus_one::NAME);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(finding.subject.endpoint.as_deref(), Some("GET /api/cart"));
    assert_eq!(finding.subject.service, "cart");
    assert_eq!(finding.subject.operation, "SELECT * FROM items WHERE id = ?");
    // The generator issues 3 to 8 item queries per cart: only carts with 5 or more count.
    assert!(finding.impact.requests > 10);
    assert!(
        finding.impact.request_time_share > 0.3 && finding.severity == Severity::Critical,
        "{finding:#?}"
    );
}

/// A parent with `n` children, each a database call with `statement(i)`.
fn parent_with_queries(n: usize, statement: impl Fn(usize) -> String, db: bool) -> Vec<SynthSpan> {
    let base = 1_700_000_000_000_000_000u64;
    let mut spans = vec![SynthSpan {
        trace_id: 9,
        span_id: 1,
        parent_span_id: None,
        service: "api",
        name: "GET /orders".to_owned(),
        kind: SpanKind::Server,
        start_ns: base,
        end_ns: base + 100_000_000,
        error: None,
        attributes: vec![
            ("http.route", SynthValue::Str("/orders".to_owned())),
            ("http.request.method", SynthValue::Str("GET".to_owned())),
        ],
    }];
    for i in 0..n {
        let start = base + 1_000_000 + i as u64 * 10_000_000;
        let mut attributes = vec![("db.statement", SynthValue::Str(statement(i)))];
        if db {
            attributes.push(("db.system", SynthValue::Str("postgresql".to_owned())));
        }
        spans.push(SynthSpan {
            trace_id: 9,
            span_id: 100 + i as u64,
            parent_span_id: Some(1),
            service: "api",
            name: "SELECT orders".to_owned(),
            kind: SpanKind::Client,
            start_ns: start,
            end_ns: start + 8_000_000,
            error: None,
            attributes,
        });
    }
    spans
}

#[test]
fn literals_fold_into_one_statement() {
    let spans = parent_with_queries(6, |i| format!("SELECT * FROM orders WHERE id = {}", 1000 + i), true);
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = of(&analysis, n_plus_one::NAME);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject.operation, "SELECT * FROM orders WHERE id = ?");
    assert_eq!(found[0].subject.endpoint.as_deref(), Some("GET /orders"));
    assert!(found[0].explanation.starts_with("`SELECT * FROM orders WHERE id = ?` runs 6 times per `GET /orders` request (median of 1 requests), 48% of their time"), "{}", found[0].explanation);
}

#[test]
fn below_the_threshold_different_statements_or_no_database_find_nothing() {
    let cases = [
        (
            "four repeats",
            parent_with_queries(4, |i| format!("SELECT * FROM orders WHERE id = {i}"), true),
        ),
        (
            "different statements",
            parent_with_queries(
                8,
                |i| {
                    format!(
                        "SELECT * FROM table_{} WHERE id = 1",
                        ["a", "b", "c", "d", "e", "f", "g", "h"][i]
                    )
                },
                true,
            ),
        ),
        (
            "not database calls",
            parent_with_queries(8, |_| "SELECT 1".to_owned(), false),
        ),
    ];
    for (case, spans) in cases {
        let analysis = analyse(&encode(&spans, Format::OtlpJson));
        assert!(
            of(&analysis, n_plus_one::NAME).is_empty(),
            "{case}: {:#?}",
            analysis.findings
        );
    }
}

#[test]
fn hotrod_route_calls_are_chatty() {
    use tracelens_core::analysis::detectors::chatty_calls;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let analysis = analyse(&std::fs::read(path).unwrap());
    let found = of(&analysis, chatty_calls::NAME);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(
        (finding.subject.service.as_str(), finding.subject.operation.as_str()),
        ("frontend", "HTTP GET")
    );
    assert!(
        finding
            .explanation
            .starts_with("`HTTP GET` from `frontend` is called 11 times per `GET /dispatch` request"),
        "{}",
        finding.explanation
    );
    // The Redis lookups are database calls: reported as N+1, not again as chatty.
    assert!(found.iter().all(|f| f.subject.service != "redis-manual"));
}

#[test]
fn one_endpoint_is_never_slow_against_itself() {
    use tracelens_core::analysis::detectors::slow_endpoint;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let analysis = analyse(&std::fs::read(path).unwrap());
    assert!(of(&analysis, slow_endpoint::NAME).is_empty());
}

#[test]
fn names_with_control_characters_are_escaped_in_explanations() {
    // A Zipkin capture (SmartThings) names 120 calls by a newline; here, 12 of them.
    let mut spans = parent_with_queries(12, |_| String::new(), false);
    for span in spans.iter_mut().skip(1) {
        span.name = "\n".to_owned();
        span.attributes.clear();
    }
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    assert!(analysis.findings.iter().all(|f| !f.explanation.contains('\n')));
    let chatty = of(&analysis, "chatty_calls");
    assert_eq!(chatty.len(), 1, "{:#?}", analysis.findings);
    assert!(
        chatty[0].explanation.starts_with("`\\n` from `api` is called 12 times"),
        "{}",
        chatty[0].explanation
    );
}
