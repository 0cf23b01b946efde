//! One trace is enough to say something: a person who drops one slow trace
//! from Jaeger learns its critical path, its bottleneck and its unexplained
//! time, on the recorded captures of real systems.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::{Finding, Severity};
use tracelens_core::import::{Format, import_file};
use tracelens_core::model::SpanKind;
use tracelens_core::synth::{SynthSpan, encode};

fn fixture(path: &str) -> Analysis {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(path);
    let mut set = TraceSet::new();
    import_file(&mut set, "input", &std::fs::read(path).unwrap()).unwrap();
    Analysis::of(&set)
}

fn of<'a>(analysis: &'a Analysis, detector: &str) -> Vec<&'a Finding> {
    analysis.findings.iter().filter(|f| f.detector == detector).collect()
}

#[test]
fn a_single_hotrod_trace_names_its_bottleneck_with_n_1() {
    let analysis = fixture("jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json");
    let found = of(&analysis, "bottleneck");
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(
        (finding.subject.service.as_str(), finding.subject.operation.as_str()),
        ("mysql", "SQL SELECT")
    );
    // The lock wait its own log records is said in `captures.rs`.
    assert!(
        finding.explanation.starts_with(
            "`SQL SELECT` in `mysql` holds 76% (1.38s) of the critical path of `GET /dispatch` in its one request (n=1)"
        ),
        "{}",
        finding.explanation
    );
    assert_eq!((finding.impact.requests, finding.impact.of_requests), (1, 1));
    // One request is evidence enough to name it, not to call it critical.
    assert_eq!(finding.severity, Severity::Warning);
}

#[test]
fn the_otel_demo_checkouts_timeout_is_one_finding_with_its_unexplained_wait() {
    let analysis = fixture("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json");
    // The proxy's 504 and the frontend `POST` it waited 15 s on, with no
    // child span, are one cause: one finding, the error, saying both.
    assert!(
        of(&analysis, "uninstrumented_time").is_empty(),
        "{:#?}",
        analysis.findings
    );
    let errors = of(&analysis, "error_hotspot");
    assert_eq!(errors.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(
        errors[0].explanation,
        "`POST /api/checkout` in `frontend-proxy` failed the one `POST /api/checkout` request (n=1) at 2026-08-06 23:53:45 UTC: `HTTP 504` ×1; it spent 15.0s waiting on `POST /api/checkout` in `frontend`, which did not fail, until the proxy's timeout for it ran out (Envoy's response flag `UT`); `POST /api/checkout` in `frontend` had no child span for 15.0s of that wait."
    );
    // One failed request is evidence (n=1), not a failure rate: a warning.
    assert_eq!(errors[0].severity, Severity::Warning);
    let spans: Vec<String> = errors[0].evidence[0].span_ids.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        spans,
        ["247a43490cfe60cd", "909a94f934468e91"],
        "the origin, then the awaited span"
    );
    // One cause, one finding: the bottleneck on the same span is folded too.
    assert!(of(&analysis, "bottleneck").is_empty(), "{:#?}", analysis.findings);
}

#[test]
fn an_unexplained_wait_beside_an_error_is_not_folded_into_it() {
    // The request fails in `validate`; `loadOrders` waits 15 s beside it,
    // not below it: two causes, two findings.
    let mut failing = span(1, 4, Some(2), "api", "validate", SpanKind::Internal, 15_600, 15_700);
    failing.error = Some("invalid order".to_owned());
    let mut spans = request(vec![
        span(1, 3, Some(2), "api", "loadOrders", SpanKind::Internal, 500, 15_500),
        failing,
    ]);
    // The error climbs to the entry span: the request fails.
    for up in spans.iter_mut().take(2) {
        up.error = Some("invalid order".to_owned());
    }
    let analysis = analyse(&spans);
    assert_eq!(
        of(&analysis, "uninstrumented_time").len(),
        1,
        "{:#?}",
        analysis.findings
    );
    let errors = of(&analysis, "error_hotspot");
    assert_eq!(errors.len(), 1, "{:#?}", analysis.findings);
    assert!(
        !errors[0].explanation.contains("no child span"),
        "{}",
        errors[0].explanation
    );
}

#[test]
fn one_n_plus_one_per_statement_whichever_units_run_it() {
    // SmartThings: `auth` runs the same client lookup six times for the
    // login request and six times for a `strongman` handler outside it.
    let analysis = fixture("zipkin-v2/zipkin__smartthings-mobile-web-install.json");
    let found: Vec<&Finding> = of(&analysis, "n_plus_one_queries")
        .into_iter()
        .filter(|f| f.subject.operation == "SELECT * FROM auth.client WHERE id = ?")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].explanation,
        // Where the loop runs: `auth`'s own token handler, which the login
        // request called (half of that handler; the second review).
        "`SELECT * FROM auth.client WHERE id = ?` in `auth` runs 6 times in its one `get /login/tokenauth` in `coreSrv` (n=1), one after another, 17% of its time; inside `post /implicit-tokens/access` in `auth`, 50% of its time; also in `get authorize/finalize` in `strongman` (n=1)"
    );
    assert_eq!(found[0].impact.requests, 2);
    assert_eq!(found[0].evidence.len(), 2, "an example from each unit");
}

#[test]
fn a_single_trace_gets_its_critical_path_described() {
    // HotROD 2019: every part of its path is another finding's (the
    // bottleneck's lookup, the N+1's `GetDriver`, the chatty route calls):
    // nothing is left to describe.
    let analysis = fixture("jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json");
    assert!(of(&analysis, "critical_path").is_empty(), "{:#?}", analysis.findings);
    // The full trace's lookup is no bottleneck (28%): the path names it
    // after the route calls the chatty-calls finding tells.
    let analysis = fixture("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let found = of(&analysis, "critical_path");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].explanation,
        "Besides `GET /route` in `route`, which the chatty calls finding tells, the critical path of `GET /dispatch` \
         (1.12s) runs through `SQL SELECT` in `mysql` (312ms, 28%)"
    );
    assert_eq!(found[0].severity, Severity::Info);
    assert_eq!(
        found[0].evidence[0].span_ids.len(),
        1,
        "the longest span of each operation named"
    );
}

#[test]
fn no_critical_path_where_the_root_answered_before_the_work_ended_or_traces_are_many() {
    // FOLLOWS_FROM: the root returns in 5 ms, the work goes on for seconds.
    let analysis = fixture("jaeger-ui-json/dgurkaynak__stalk__async-follows-from.json");
    assert!(of(&analysis, "critical_path").is_empty(), "{:#?}", analysis.findings);
    assert!(
        of(&analysis, "uninstrumented_time").is_empty(),
        "async waits delay no response"
    );
    // 168 traces: statistics speak, one finding per trace would not.
    let analysis = fixture("otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl");
    assert!(of(&analysis, "critical_path").is_empty());
}

#[test]
fn the_test_runners_sleep_is_neither_unexplained_nor_the_backend_requests_time() {
    // The capture: a Robot Framework run whose `Sleep ${wait}` keyword waits
    // 8 s beside the backend's `GET /*` request, in the same trace.
    let analysis = fixture("otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl");
    let found = of(&analysis, "uninstrumented_time");
    // What is found is the backend's own dark time (the content upload, 88%
    // of its requests with no span running), never the runner's sleep.
    assert!(
        found
            .iter()
            .all(|f| f.subject.service == "essvt-core" && f.subject.endpoint.is_some()),
        "{found:#?}"
    );
    assert!(!found.iter().any(|f| f.explanation.contains("Sleep")), "{found:#?}");
}

/// Milliseconds after a fixed start, in nanoseconds since the epoch.
fn at(ms: u64) -> u64 {
    1_700_000_000_000_000_000 + ms * 1_000_000
}

#[allow(clippy::too_many_arguments)] // one argument per column of a span table reads best here
fn span(
    trace: u128,
    id: u64,
    parent: Option<u64>,
    service: &'static str,
    name: &str,
    kind: SpanKind,
    from_ms: u64,
    to_ms: u64,
) -> SynthSpan {
    SynthSpan {
        trace_id: trace,
        span_id: id,
        parent_span_id: parent,
        service,
        name: name.to_owned(),
        kind,
        start_ns: at(from_ms),
        end_ns: at(to_ms),
        error: None,
        attributes: Vec::new(),
    }
}

fn analyse(spans: &[SynthSpan]) -> Analysis {
    let mut set = TraceSet::new();
    import_file(&mut set, "input", &encode(spans, Format::OtlpJson)).unwrap();
    Analysis::of(&set)
}

/// A request of `GET /orders` in `api` (0–16 s) whose handler holds `handler`
/// (built by the caller, under span 2) below the entry span.
fn request(handler: Vec<SynthSpan>) -> Vec<SynthSpan> {
    let mut spans = vec![
        span(1, 1, None, "api", "GET /orders", SpanKind::Server, 0, 16_000),
        span(
            1,
            2,
            Some(1),
            "api",
            "OrdersController.list",
            SpanKind::Internal,
            10,
            15_990,
        ),
    ];
    spans.extend(handler);
    spans
}

#[test]
fn a_fifteen_second_leaf_in_a_request_is_unexplained_time_of_a_timeout() {
    let analysis = analyse(&request(vec![span(
        1,
        3,
        Some(2),
        "api",
        "loadOrders",
        SpanKind::Internal,
        500,
        15_500,
    )]));
    let found = of(&analysis, "uninstrumented_time");
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(found[0].subject.operation, "loadOrders");
    assert_eq!(found[0].subject.endpoint.as_deref(), Some("GET /orders"));
    assert!(
        found[0].explanation.ends_with(": a timeout of 15 s?"),
        "{}",
        found[0].explanation
    );
    assert!(
        found[0].explanation.contains("in its one request (n=1)"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn children_that_cover_a_span_or_a_sleep_explain_its_time() {
    // A 2 s span whose children cover it: every stretch is explained.
    let mut covered = vec![span(1, 3, Some(2), "api", "loadOrders", SpanKind::Internal, 100, 2_100)];
    for k in 0..4 {
        covered.push(span(
            1,
            10 + k,
            Some(3),
            "api",
            "step",
            SpanKind::Internal,
            100 + k * 500,
            600 + k * 500,
        ));
    }
    // The rest of the handler's time is also spent in a covered child.
    covered.push(span(1, 20, Some(2), "api", "render", SpanKind::Internal, 2_100, 15_980));
    for k in 0..28 {
        covered.push(span(
            1,
            30 + k,
            Some(20),
            "api",
            "chunk",
            SpanKind::Internal,
            2_100 + k * 500,
            2_600 + k * 500,
        ));
    }
    let analysis = analyse(&request(covered));
    assert!(
        of(&analysis, "uninstrumented_time").is_empty(),
        "{:#?}",
        analysis.findings
    );

    for name in ["Sleep ${wait}", "Thread.sleep", "retry backoff"] {
        let analysis = analyse(&request(vec![span(
            1,
            3,
            Some(2),
            "api",
            name,
            SpanKind::Internal,
            500,
            15_500,
        )]));
        assert!(
            of(&analysis, "uninstrumented_time").is_empty(),
            "{name}: {:#?}",
            analysis.findings
        );
    }
}

/// Tempo's queue-and-database capture (AGPL, so built here from its shape):
/// a `requester` client trace calls `GET /:endpoint` (30 ms), whose
/// `pg.query:SELECT` takes 23.8 ms, then goes on for 16 ms and publishes to
/// a queue. The bottleneck's share is of the request's own path, 79%, as
/// the critical-path finding says; it was said as 52% of the requester's
/// whole trace, beside a critical path of 79%.
#[test]
fn a_bottleneck_below_a_client_root_is_sized_against_its_request() {
    let us = |ms_tenths: u64| at(0) + ms_tenths * 100_000;
    let mut spans = vec![
        span(1, 1, None, "requester", "requester", SpanKind::Client, 0, 46),
        span(1, 2, Some(1), "server", "GET /:endpoint", SpanKind::Server, 0, 30),
        span(1, 3, Some(2), "server", "pg.query:SELECT", SpanKind::Client, 3, 27),
        span(1, 4, Some(1), "requester", "log_to_loki", SpanKind::Client, 31, 45),
    ];
    spans[2].start_ns = us(29);
    spans[2].end_ns = us(267);
    let analysis = analyse(&spans);
    let found = of(&analysis, "bottleneck");
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert!(
        found[0]
            .explanation
            .starts_with("`pg.query:SELECT` in `server` holds 79% (23.8ms) of the critical path of `GET /:endpoint`"),
        "{}",
        found[0].explanation
    );
    // The path, against the same 30 ms, leaves the query to the bottleneck.
    let path = of(&analysis, "critical_path");
    assert!(
        path[0].explanation.starts_with(
            "Besides `pg.query:SELECT` in `server`, which the bottleneck finding tells, the critical path of `GET \
             /:endpoint` (30.0ms) runs through"
        ),
        "{}",
        path[0].explanation
    );
}

#[test]
fn time_outside_the_entry_span_is_not_the_requests() {
    // A test runner's trace: its 20 s `Check results` keyword with no child
    // runs beside the backend request (`GET /orders`, 300 ms), not inside it.
    let spans = vec![
        span(1, 1, None, "test-runner", "Suite", SpanKind::Internal, 0, 21_000),
        span(
            1,
            2,
            Some(1),
            "test-runner",
            "Call backend",
            SpanKind::Internal,
            10,
            400,
        ),
        span(1, 3, Some(2), "api", "GET /orders", SpanKind::Server, 50, 350),
        span(1, 4, Some(3), "api", "query", SpanKind::Internal, 60, 340),
        span(
            1,
            5,
            Some(1),
            "test-runner",
            "Check results",
            SpanKind::Internal,
            500,
            20_500,
        ),
    ];
    let analysis = analyse(&spans);
    assert!(
        of(&analysis, "uninstrumented_time").is_empty(),
        "{:#?}",
        analysis.findings
    );
    // The critical path described is the request's, against its 300 ms.
    let found = of(&analysis, "critical_path");
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert!(
        found[0]
            .explanation
            .starts_with("Besides `query` in `api`, which the bottleneck finding tells, the critical path of `GET /orders` (300ms) runs through"),
        "{}",
        found[0].explanation
    );
    assert!(
        !found[0].explanation.contains("test-runner"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn the_critical_path_is_described_for_one_trace_and_not_for_many() {
    let one = request(vec![
        span(1, 3, Some(2), "db", "SELECT orders", SpanKind::Client, 20, 12_000),
        // A call, not a leaf of the handler's own: no unexplained time,
        // which would tell it (a part another finding tells is left out).
        span(1, 4, Some(2), "cache", "render", SpanKind::Client, 12_000, 15_900),
    ]);
    let analysis = analyse(&one);
    let found = of(&analysis, "critical_path");
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(
        found[0].explanation,
        "Besides `SELECT orders` in `db`, which the bottleneck finding tells, the critical path of `GET /orders` (16.0s) runs through `render` in `cache` (3.90s, 24%)"
    );
    // Four traces: statistics speak, one finding per trace would not.
    let many: Vec<SynthSpan> = (1..=4u128)
        .flat_map(|t| {
            one.iter().map(move |s| SynthSpan {
                trace_id: t,
                ..s.clone()
            })
        })
        .collect();
    let analysis = analyse(&many);
    assert!(of(&analysis, "critical_path").is_empty(), "{:#?}", analysis.findings);
}

/// Spans named only by their HTTP method (an Envoy or Zipkin `POST`) are
/// told by their route, as every finding names them: two calls of `POST`
/// to two paths are two operations, each named by its path.
#[test]
fn the_critical_path_names_a_bare_method_by_its_route() {
    let with_path = |mut s: SynthSpan, path: &str| {
        s.attributes = vec![
            (
                "http.request.method",
                tracelens_core::synth::SynthValue::Str("POST".to_owned()),
            ),
            ("url.path", tracelens_core::synth::SynthValue::Str(path.to_owned())),
        ];
        s
    };
    let analysis = analyse(&request(vec![
        with_path(
            span(1, 3, Some(2), "api", "POST", SpanKind::Client, 20, 9_000),
            "/v1/charges",
        ),
        with_path(
            span(1, 4, Some(2), "api", "POST", SpanKind::Client, 9_000, 15_900),
            "/v1/receipts/4711",
        ),
    ]));
    let found = of(&analysis, "critical_path");
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(
        found[0].explanation,
        "Besides `POST /v1/charges` in `api`, which the bottleneck finding tells, the critical path of `GET /orders` \
         (16.0s) runs through `POST /v1/receipts/{id}` in `api` (6.90s, 43%)"
    );
    // The operations table and a finding's subject keep the span name.
    assert_eq!(found[0].subject.operation, "POST");
}

#[test]
fn a_path_through_the_request_span_alone_or_shorter_than_a_millisecond_is_not_described() {
    // The OTLP spec example: one span of 1 s. Its critical path is itself.
    let analysis = fixture("otlp-json/otelproto__examples__trace.json");
    assert!(of(&analysis, "critical_path").is_empty(), "{:#?}", analysis.findings);
    // Jaeger's link fixture: one trace of 2 µs.
    let analysis = fixture("otlp-json/jaeger__integration__link_attributes_trace.json");
    assert!(of(&analysis, "critical_path").is_empty(), "{:#?}", analysis.findings);
    // A path through several operations is still described.
    let analysis = fixture("otlp-jsonl/jaegerui__otlp2jaeger-multi-in.jsonl");
    assert_eq!(of(&analysis, "critical_path").len(), 1, "{:#?}", analysis.findings);
}

#[test]
fn the_genai_leaf_beside_the_agent_call_is_not_unexplained_time() {
    // The GenAI capture: under `Query.assistantReply`, a childless
    // `graphql.execution` (43 s) runs beside `invoke_agent triage-agent` (42 s,
    // the agent doing the work). The parent was busy with the agent: the
    // leaf's time is explained, and it did only 1 s alone, so it is neither
    // unexplained time ("a timeout of 43 s?" before) nor a bottleneck. The
    // agent, walked inside the leaf that ran around it, holds the path: its
    // own 38 s after its last child is the unexplained time.
    let analysis = fixture("jaeger-ui-json/jaegerui__genaiTestTrace.json");
    assert!(of(&analysis, "bottleneck").is_empty(), "{:#?}", analysis.findings);
    let dark = of(&analysis, "uninstrumented_time");
    assert_eq!(dark.len(), 1, "{dark:#?}");
    assert_eq!(dark[0].subject.operation, "invoke_agent triage-agent");
    assert!(
        analysis
            .findings
            .iter()
            .all(|f| !f.explanation.contains("`graphql.execution` in `graphql-gateway` (")),
        "{:#?}",
        analysis.findings
    );
}

#[test]
fn a_leaf_is_unexplained_only_for_the_time_no_sibling_covers() {
    // Shaped like the GenAI capture: a 15 s leaf beside a sibling that does the
    // work for 14.5 s of it: explained.
    let beside = |sibling_to: u64| {
        analyse(&request(vec![
            span(1, 3, Some(2), "api", "execute", SpanKind::Internal, 500, 15_500),
            span(
                1,
                4,
                Some(2),
                "agent",
                "invoke_agent",
                SpanKind::Server,
                500,
                sibling_to,
            ),
            span(1, 5, Some(4), "agent", "chat", SpanKind::Client, 600, sibling_to - 100),
        ]))
    };
    let analysis = beside(15_000);
    assert!(
        of(&analysis, "uninstrumented_time").is_empty(),
        "{:#?}",
        analysis.findings
    );
    // The agent's server span has no client span and lies inside the leaf:
    // the path runs through it, and its call holds the request.
    let bottlenecks: Vec<&str> = of(&analysis, "bottleneck")
        .iter()
        .map(|f| f.subject.operation.as_str())
        .collect();
    assert_eq!(bottlenecks, ["chat"], "{:#?}", analysis.findings);
    // A sibling that ran for 1 s of it explains that second only: 14 s are still unexplained.
    let analysis = beside(1_500);
    let found = of(&analysis, "uninstrumented_time");
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(found[0].subject.operation, "execute");
    assert!(
        found[0].explanation.contains("spends 14.0s"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn a_span_alone_in_its_trace_is_no_unexplained_time() {
    // The OTLP example (and Tempo's copy of it): one server span of exactly
    // 1 s. It is the whole request: nothing was traced around it for time to
    // be missing from ("spends 1.00s with no child span … 100%" was a
    // warning), and how long it took is the endpoint's statistics' to say.
    for path in [
        "otlp-json/otelproto__examples__trace.json",
        "otlp-json-nonconformant/tempo__tempopb__trace__batches.json",
    ] {
        let analysis = fixture(path);
        assert!(
            of(&analysis, "uninstrumented_time").is_empty(),
            "{path}: {:#?}",
            analysis.findings
        );
    }
    // The same 16 s span alone, built: nothing; answered behind a proxy that
    // waited for it, its 16 s with no child span are the request's dark time.
    let alone = [span(1, 1, None, "api", "GET /orders", SpanKind::Server, 0, 16_000)];
    let analysis = analyse(&alone);
    assert!(
        of(&analysis, "uninstrumented_time").is_empty(),
        "{:#?}",
        analysis.findings
    );
    let behind = [
        span(1, 1, None, "proxy", "GET /orders", SpanKind::Server, 0, 16_100),
        span(1, 2, Some(1), "proxy", "egress api", SpanKind::Client, 20, 16_080),
        span(1, 3, Some(2), "api", "GET /orders", SpanKind::Server, 50, 16_050),
    ];
    let analysis = analyse(&behind);
    let found = of(&analysis, "uninstrumented_time");
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(found[0].subject.service, "api");
    assert!(
        found[0]
            .explanation
            .starts_with("`GET /orders` in `api` spends 16.0s with no child span"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn a_call_parented_above_the_span_it_ran_in_is_told_as_that_spans_call() {
    // `gateway` calls `proxy` (10–190 ms); the proxy's process (its calls
    // in `proxy-app`) makes one call to `users` (40–160 ms) that the trace
    // parents to the gateway's request instead of the proxy's span. The
    // critical path runs through the call, inside the proxy: the proxy's
    // own 57 ms are no bottleneck (they read 177 ms, 88%, with the call's
    // time, and a bottleneck said 120 ms of that was the call); the query
    // below the call is (100 ms, 50%).
    let spans = vec![
        span(1, 1, None, "gateway", "POST /login", SpanKind::Server, 0, 200),
        span(1, 2, Some(1), "gateway", "POST proxy", SpanKind::Client, 5, 195),
        span(1, 3, Some(2), "proxy", "proxy login", SpanKind::Server, 10, 190),
        span(1, 4, Some(3), "proxy-app", "cache get", SpanKind::Client, 12, 15),
        span(1, 5, Some(1), "proxy-app", "POST users", SpanKind::Client, 40, 160),
        span(1, 6, Some(5), "users", "POST /users/login", SpanKind::Server, 45, 155),
        span(1, 7, Some(6), "users", "users query", SpanKind::Client, 50, 150),
    ];
    let analysis = analyse(&spans);
    let bottlenecks: Vec<(&str, &str)> = of(&analysis, "bottleneck")
        .iter()
        .map(|f| (f.subject.service.as_str(), f.subject.operation.as_str()))
        .collect();
    assert_eq!(bottlenecks, [("users", "users query")], "{:#?}", analysis.findings);
    let path = of(&analysis, "critical_path");
    assert_eq!(path.len(), 1, "{:#?}", analysis.findings);
    assert!(
        path[0].explanation.ends_with(
            "; `POST users` from `proxy-app` to `users` is counted inside `proxy login` in `proxy`, whose process \
             made it, though the file parents it to `POST /login` in `gateway`, a span above it"
        ),
        "{}",
        path[0].explanation
    );
    // A call of another process keeps its parent: the path never reaches
    // it, and the proxy's own time holds the request.
    let mut other = spans.clone();
    other[4].service = "elsewhere";
    let analysis = analyse(&other);
    let path = of(&analysis, "critical_path");
    assert_eq!(path.len(), 1, "{:#?}", analysis.findings);
    assert!(
        path[0].explanation.starts_with(
            "Besides `proxy login` in `proxy`, which the unexplained time finding tells, the critical path of `POST \
             /login` (200ms)"
        ) && !path[0].explanation.contains("whose process made it"),
        "{}",
        path[0].explanation
    );
}
