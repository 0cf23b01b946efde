//! Broken propagation: a call whose callee's work sits in a trace of its own,
//! on the recorded capture where a browser app's requests lose their context
//! and on capture-shaped traces built by hand, with the cases that must not
//! count (another time, another URL, a trace linked to its cause).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::{Finding, Severity};
use tracelens_core::import::{Format, import_file};
use tracelens_core::model::SpanKind;
use tracelens_core::synth::{SynthSpan, SynthValue, encode};

fn analyse(bytes: &[u8]) -> Analysis {
    let mut set = TraceSet::new();
    import_file(&mut set, "input", bytes).unwrap();
    Analysis::of(&set)
}

fn fixture(path: &str) -> Analysis {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(path);
    analyse(&std::fs::read(path).unwrap())
}

fn broken(analysis: &Analysis) -> Vec<&Finding> {
    analysis
        .findings
        .iter()
        .filter(|f| f.detector == "broken_propagation")
        .collect()
}

#[test]
fn the_browser_apps_requests_to_the_backend_start_new_traces() {
    // essvt-ui's `http.request` spans (GET /api/v2/executions, no child) and
    // essvt-core's `GET /v2/executions` roots a few milliseconds later,
    // inside each call: the browser does not send the trace context.
    let analysis = fixture("otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl");
    let found = broken(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(
        finding.explanation,
        "Requests to `essvt-core` start new traces: 36 of 36 calls from `essvt-ui` to `essvt-core` lost their trace context (the callee's spans are in separate traces), so those requests' time and errors are split across two traces"
    );
    assert_eq!(finding.subject.service, "essvt-core");
    assert_eq!(finding.severity, Severity::Warning);
    assert_eq!((finding.impact.requests, finding.impact.of_requests), (36, 36));
    // Both halves of each example: the call, then the root of the callee's trace.
    assert_eq!(finding.evidence.len(), 6);
    assert_ne!(finding.evidence[0].trace_id, finding.evidence[1].trace_id);
}

#[test]
fn no_broken_propagation_in_captures_whose_context_travels() {
    for path in [
        "jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json",
        "jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json",
        "jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json",
        "jaeger-ui-json/dgurkaynak__stalk__async-follows-from.json",
        "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json",
        "otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json",
        "zipkin-v2/zipkin__smartthings-mobile-web-install.json",
    ] {
        let analysis = fixture(path);
        assert!(broken(&analysis).is_empty(), "{path}: {:#?}", broken(&analysis));
    }
}

/// Nanoseconds since the epoch, `ms` milliseconds after a fixed start.
fn at(ms: u64) -> u64 {
    1_700_000_000_000_000_000 + ms * 1_000_000
}

fn str(text: &str) -> SynthValue {
    SynthValue::Str(text.to_owned())
}

/// Trace `trace`: `shop`'s checkout handler calls `payments` at `url`
/// (a CLIENT span with no child) from `from_ms` to `from_ms + 100`.
fn caller(trace: u128, from_ms: u64, url: &str) -> Vec<SynthSpan> {
    vec![
        SynthSpan {
            trace_id: trace,
            span_id: 1,
            parent_span_id: None,
            service: "shop",
            name: "POST /checkout".to_owned(),
            kind: SpanKind::Server,
            start_ns: at(from_ms),
            end_ns: at(from_ms + 150),
            error: None,
            attributes: vec![("http.request.method", str("POST")), ("url.path", str("/checkout"))],
        },
        SynthSpan {
            trace_id: trace,
            span_id: 2,
            parent_span_id: Some(1),
            service: "shop",
            name: "POST".to_owned(),
            kind: SpanKind::Client,
            start_ns: at(from_ms + 20),
            end_ns: at(from_ms + 120),
            error: None,
            attributes: vec![
                ("http.request.method", str("POST")),
                ("url.full", str(url)),
                ("server.address", str("payments")),
            ],
        },
    ]
}

/// Trace `trace`: `payments` answers `POST /v1/charges/{id}` as a new trace
/// from `from_ms` to `from_ms + 80`, with its own work below.
fn callee(trace: u128, from_ms: u64) -> Vec<SynthSpan> {
    vec![
        SynthSpan {
            trace_id: trace,
            span_id: 10,
            parent_span_id: None,
            service: "payments",
            name: "POST /v1/charges/{id}".to_owned(),
            kind: SpanKind::Server,
            start_ns: at(from_ms),
            end_ns: at(from_ms + 80),
            error: None,
            attributes: vec![
                ("http.request.method", str("POST")),
                ("url.path", str("/v1/charges/4711")),
                ("http.route", str("/v1/charges/{id}")),
            ],
        },
        SynthSpan {
            trace_id: trace,
            span_id: 11,
            parent_span_id: Some(10),
            service: "payments",
            name: "charge card".to_owned(),
            kind: SpanKind::Internal,
            start_ns: at(from_ms + 5),
            end_ns: at(from_ms + 75),
            error: None,
            attributes: Vec::new(),
        },
    ]
}

const CHARGE: &str = "http://payments:8080/v1/charges/4711?currency=EUR";

/// Three checkouts a second apart, and what `payments` recorded for each:
/// the callee's trace starts `offset_ms` after the checkout.
fn checkouts(url: &str, offset_ms: u64) -> Vec<SynthSpan> {
    (0..3u64)
        .flat_map(|k| {
            let mut spans = caller(1 + k as u128, k * 1_000, url);
            spans.extend(callee(100 + k as u128, k * 1_000 + offset_ms));
            spans
        })
        .collect()
}

#[test]
fn a_call_and_a_new_root_at_the_same_time_and_url_are_one_request_cut_in_two() {
    let analysis = analyse(&encode(&checkouts(CHARGE, 30), Format::OtlpJson));
    let found = broken(&analysis);
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(
        found[0].explanation,
        "Requests to `payments` start new traces: 3 of 3 calls from `shop` to `payments` lost their trace context (the callee's spans are in separate traces), so those requests' time and errors are split across two traces"
    );
    assert_eq!(found[0].subject.operation, "POST /v1/charges/{id}");
    let evidence = &found[0].evidence;
    assert_eq!(evidence.len(), 6);
    assert_eq!(evidence[0].trace_id.to_string(), format!("{:032x}", 1));
    assert_eq!(evidence[1].trace_id.to_string(), format!("{:032x}", 100));
}

#[test]
fn one_cut_request_says_n_1() {
    let mut spans = caller(1, 0, CHARGE);
    spans.extend(callee(2, 30));
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = broken(&analysis);
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert!(
        found[0]
            .explanation
            .contains("the one call from `shop` to `payments` (n=1) lost its trace context"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn a_new_trace_at_another_time_or_for_another_url_is_a_request_of_its_own() {
    // The callee's traces start 500 ms after each call, long after it ended.
    let later = checkouts(CHARGE, 500);
    // The callee's traces answer another path at the right time.
    let elsewhere = checkouts("http://payments:8080/v1/refunds/4711", 30);
    for (case, spans) in [("later", later), ("elsewhere", elsewhere)] {
        let analysis = analyse(&encode(&spans, Format::OtlpJson));
        assert!(broken(&analysis).is_empty(), "{case}: {:#?}", broken(&analysis));
    }
}

#[test]
fn a_callee_that_continues_the_callers_trace_is_not_cut() {
    // The same request with the context passed on: the SERVER span is a child of the call.
    let spans: Vec<SynthSpan> = (0..3u64)
        .flat_map(|k| {
            let mut spans = caller(1 + k as u128, k * 1_000, CHARGE);
            spans.extend(callee(1 + k as u128, k * 1_000 + 30).into_iter().map(|mut s| {
                if s.parent_span_id.is_none() {
                    s.parent_span_id = Some(2);
                }
                s
            }));
            spans
        })
        .collect();
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    assert!(broken(&analysis).is_empty(), "{:#?}", broken(&analysis));
}

#[test]
fn a_new_trace_linked_to_its_cause_was_cut_on_purpose() {
    // A batch or queue consumer links its trace to the one that caused it.
    let json = String::from_utf8(encode(&checkouts(CHARGE, 30), Format::OtlpJson)).unwrap();
    let mut document: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut linked = 0;
    for resource in document["resourceSpans"].as_array_mut().unwrap() {
        for scope in resource["scopeSpans"].as_array_mut().unwrap() {
            for span in scope["spans"].as_array_mut().unwrap() {
                if span["name"] == "POST /v1/charges/{id}" {
                    span["links"] = serde_json::json!([{
                        "traceId": format!("{:032x}", 1),
                        "spanId": format!("{:016x}", 2),
                    }]);
                    linked += 1;
                }
            }
        }
    }
    assert_eq!(linked, 3);
    let analysis = analyse(serde_json::to_string(&document).unwrap().as_bytes());
    assert!(broken(&analysis).is_empty(), "{:#?}", broken(&analysis));
}

#[test]
fn many_calls_to_an_untraced_service_are_not_cut_by_a_chance_root() {
    // `shop` calls an untraced `payments` ten times at one path (one charge
    // ID each); once, another client's request to `payments` happens to
    // start inside a call.
    let mut spans: Vec<SynthSpan> = (0..10u64)
        .flat_map(|k| {
            let url = format!("http://payments:8080/v1/charges/{}", 4711 + k * 7);
            caller(1 + k as u128, k * 1_000, &url)
        })
        .collect();
    spans.extend(callee(100, 30));
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    assert!(broken(&analysis).is_empty(), "{:#?}", broken(&analysis));
}
