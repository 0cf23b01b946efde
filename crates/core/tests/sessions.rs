//! Sessions are not one request: the per-request latency detectors judge the
//! units of work inside them (each handler on its own critical path), never
//! the session whole; on the recorded .NET call session and SmartThings
//! journey, and on a capture-shaped session built here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;
use common::{built, capture, of};
use tracelens_core::analysis::detectors::{Finding, Severity};
use tracelens_core::index::TraceShape;
use tracelens_core::model::SpanKind;
use tracelens_core::synth::SynthSpan;

const STAGING_DOTNET: &str = "jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json";
const SMARTTHINGS: &str = "zipkin-v2/zipkin__smartthings-mobile-web-install.json";
const ASYNC: &str = "jaeger-ui-json/dgurkaynak__stalk__async-follows-from.json";

/// The detectors that judge a request's latency.
const LATENCY: [&str; 3] = ["bottleneck", "slow_endpoint", "long_tail"];

#[test]
fn the_dotnet_call_session_names_what_holds_its_handlers() {
    let analysis = capture(STAGING_DOTNET);
    assert_eq!(analysis.traces[0].shape, TraceShape::Session);
    let bottlenecks = of(&analysis, "bottleneck");
    // No finding is judged against the session or its 1 µs root.
    for f in analysis
        .findings
        .iter()
        .filter(|f| LATENCY.contains(&f.detector.name()))
    {
        assert_eq!(f.subject.endpoint, None, "{f:#?}");
        assert!(!f.explanation.contains("request"), "{}", f.explanation);
    }
    // Checked in the raw file: the call handler's message handlers
    // (`IncomingCall`, `CallWithCustomerEstablished`, `InputCompleted`, …) and
    // the Teams driver's callbacks call Microsoft Graph, which answers in 100
    // to 570 ms: most of each handler's time. One finding, across the
    // handlers (8 runs of 7 of them hold it on their path).
    let graph = bottlenecks
        .iter()
        .find(|f| f.subject.operation == "Client Request: graph.microsoft.com")
        .expect("Graph holds the call handlers");
    assert_eq!(graph.subject.service, "nimbusmsteamsdriver");
    assert_eq!(graph.impact.requests, 8, "{graph:#?}");
    assert!(graph.impact.request_time_share > 0.6, "{graph:#?}");
    assert!(
        graph.explanation.contains("in `nimbuscallhandler`"),
        "{}",
        graph.explanation
    );
    assert!(
        graph
            .explanation
            .contains("`IncomingCall` in `nimbuscallhandler` (1 run)"),
        "{}",
        graph.explanation
    );
    // Eight runs, most of each, seconds in all: but all in one recorded
    // session of staging, one sample of how slow Graph was that day.
    assert_eq!(graph.impact.traces, Some(1), "{graph:#?}");
    assert_eq!(
        graph.severity,
        Severity::Warning,
        "one trace is not enough to be critical"
    );
    // Token fetches hold the Graph callback handler.
    assert!(
        bottlenecks
            .iter()
            .any(|f| f.subject.operation == "Client Request: login.microsoftonline.com"
                && f.explanation.contains("`IncomingGraph` in `nimbusmsteamsdriver`")),
        "{bottlenecks:#?}"
    );
    // Handlers of a few milliseconds are left alone (they were ten warnings
    // at the request floor of 10 ms): every named hold is 100 ms or more.
    for f in &bottlenecks {
        assert!(f.impact.time.0 / f.impact.requests.max(1) >= 100_000_000, "{f:#?}");
    }
    // Handler names fold their IDs, like endpoint names.
    assert!(
        analysis.findings.iter().all(|f| !f.explanation.contains("01003a80")),
        "{:#?}",
        analysis.findings
    );
    assert!(of(&analysis, "slow_endpoint").is_empty() && of(&analysis, "long_tail").is_empty());
}

#[test]
fn the_smartthings_journey_has_no_latency_finding_measured_on_the_session() {
    // 11 install pages of 445 ms at the median: checked, no span holds a third of
    // them in half their runs, and every other unit runs once or twice.
    for path in [SMARTTHINGS, ASYNC] {
        let analysis = capture(path);
        assert_eq!(analysis.traces[0].shape, TraceShape::Session, "{path}");
        let latency: Vec<&Finding> = analysis
            .findings
            .iter()
            .filter(|f| LATENCY.contains(&f.detector.name()))
            .collect();
        assert!(latency.is_empty(), "{path}: {latency:#?}");
    }
}

/// A hand-built span of trace 7: times in milliseconds from a fixed start.
fn span(id: u64, parent: Option<u64>, service: &'static str, name: &str, kind: SpanKind, ms: (u64, u64)) -> SynthSpan {
    let base = 1_700_000_000_000_000_000u64;
    SynthSpan {
        trace_id: 7,
        span_id: id,
        parent_span_id: parent,
        service,
        name: name.to_owned(),
        kind,
        start_ns: base + ms.0 * 1_000_000,
        end_ns: base + ms.1 * 1_000_000,
        error: None,
        attributes: Vec::new(),
    }
}

/// Shaped like the .NET capture: a 1 ms root that publishes messages, then
/// minutes of consumers answering them, each calling a driver that waits on
/// an external API (`slow_ms`) and doing a little work of its own.
fn call_session(slow_ms: u64) -> Vec<SynthSpan> {
    let mut spans = vec![span(1, None, "gateway", "NewCall", SpanKind::Internal, (0, 1))];
    for k in 0..4u64 {
        let at = 10_000 + k * 20_000;
        let id = 10 + k * 10;
        spans.push(span(id + 1, Some(1), "gateway", "Publish", SpanKind::Producer, (0, 1)));
        spans.push(span(
            id + 2,
            Some(id + 1),
            "callhandler",
            "CallUpdated",
            SpanKind::Consumer,
            (at, at + 20 + slow_ms),
        ));
        spans.push(span(
            id + 3,
            Some(id + 2),
            "callhandler",
            "Client Request: driver",
            SpanKind::Client,
            (at + 10, at + 10 + slow_ms),
        ));
        spans.push(span(
            id + 4,
            Some(id + 3),
            "driver",
            "POST /calls/{id}",
            SpanKind::Server,
            (at + 11, at + 9 + slow_ms),
        ));
        spans.push(span(
            id + 5,
            Some(id + 4),
            "driver",
            "Client Request: graph.example.com",
            SpanKind::Client,
            (at + 12, at + 8 + slow_ms),
        ));
    }
    spans
}

#[test]
fn a_built_session_is_judged_per_handler_on_its_own_path() {
    let analysis = built(&call_session(400));
    assert_eq!(analysis.traces[0].shape, TraceShape::Session);
    let bottlenecks = of(&analysis, "bottleneck");
    assert_eq!(bottlenecks.len(), 1, "{bottlenecks:#?}");
    let graph = bottlenecks[0];
    assert_eq!(graph.subject.operation, "Client Request: graph.example.com");
    assert_eq!(graph.subject.endpoint, None);
    // 396 of each handler's 420 ms: its share of the handler, not of the 70 s session.
    assert!(
        (graph.impact.request_time_share - 396.0 / 420.0).abs() < 0.01,
        "{graph:#?}"
    );
    assert_eq!(graph.impact.requests, 4);
    assert!(
        graph.explanation.contains(
            "(median 396ms) of the critical path of `CallUpdated` in `callhandler` in 4 of its 4 runs in sessions"
        ),
        "{}",
        graph.explanation
    );
    // The same handlers at 40 ms: under the session floor, nothing to say.
    assert!(of(&built(&call_session(40)), "bottleneck").is_empty());
}

#[test]
fn the_same_work_as_requests_is_judged_per_request_as_before() {
    // Each handler its own trace, entered by a SERVER span: requests, not a session.
    let mut spans = Vec::new();
    for k in 0..4u64 {
        let id = 10 + k * 10;
        let trace = 100 + u128::from(k);
        let mut request = vec![
            span(id + 2, None, "callhandler", "POST /calls", SpanKind::Server, (0, 420)),
            span(
                id + 3,
                Some(id + 2),
                "callhandler",
                "Client Request: driver",
                SpanKind::Client,
                (10, 410),
            ),
            span(
                id + 4,
                Some(id + 3),
                "driver",
                "POST /calls/{id}",
                SpanKind::Server,
                (11, 409),
            ),
            span(
                id + 5,
                Some(id + 4),
                "driver",
                "Client Request: graph.example.com",
                SpanKind::Client,
                (12, 408),
            ),
        ];
        for s in &mut request {
            s.trace_id = trace;
        }
        spans.extend(request);
    }
    let analysis = built(&spans);
    let bottlenecks = of(&analysis, "bottleneck");
    assert_eq!(bottlenecks.len(), 1, "{bottlenecks:#?}");
    assert_eq!(bottlenecks[0].subject.endpoint.as_deref(), Some("POST /calls"));
    assert!(
        bottlenecks[0].explanation.contains("in 4 of its 4 requests"),
        "{}",
        bottlenecks[0].explanation
    );
}

#[test]
fn calls_in_parallel_under_a_longer_sibling_cost_a_session_unit_nothing_on_its_path() {
    // One handler of a session: a 400 ms archive call, and beside it, all
    // at once, twelve 100 ms item fetches. The handler's path runs through
    // the archive call; the fetches hold 100 ms of its wall clock and none
    // of its path (sizing them by the wall clock made them cost 100 ms).
    let mut spans = vec![
        span(1, None, "gateway", "NewCall", SpanKind::Internal, (0, 1)),
        span(2, Some(1), "gateway", "Publish", SpanKind::Producer, (0, 1)),
        span(3, Some(2), "worker", "Sync", SpanKind::Consumer, (10_000, 10_420)),
        span(
            4,
            Some(3),
            "worker",
            "Client Request: archive",
            SpanKind::Client,
            (10_010, 10_410),
        ),
    ];
    for k in 0..12u64 {
        spans.push(span(
            10 + k,
            Some(3),
            "worker",
            "GET /items",
            SpanKind::Client,
            (10_100, 10_200),
        ));
    }
    let analysis = built(&spans);
    assert_eq!(analysis.traces[0].shape, TraceShape::Session);
    let chatty = of(&analysis, "chatty_calls");
    assert_eq!(chatty.len(), 1, "{chatty:#?}");
    assert!(
        (chatty[0].impact.request_time_share - 100.0 / 420.0).abs() < 0.01,
        "{:#?}",
        chatty[0]
    );
    assert_eq!(chatty[0].impact.time.0, 0, "{:#?}", chatty[0]);
}
