//! Errors: which spans and requests failed, where each error starts, and one
//! finding per incident; on the recorded captures that have errors and on
//! hand-built traces shaped like them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::{Detector, Finding, Severity};
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

fn hotspots(analysis: &Analysis) -> Vec<&Finding> {
    analysis
        .findings
        .iter()
        .filter(|f| f.detector == "error_hotspot")
        .collect()
}

/// A hand-built span: times in milliseconds from a fixed start, shifted by
/// one second per trace so traces do not all start at once.
fn span(trace: u128, id: u64, parent: Option<u64>, service: &'static str, name: &str, kind: SpanKind) -> SynthSpan {
    let base = 1_700_000_000_000_000_000u64 + trace as u64 * 1_000_000_000;
    SynthSpan {
        trace_id: trace,
        span_id: id,
        parent_span_id: parent,
        service,
        name: name.to_owned(),
        kind,
        start_ns: base + id * 1_000_000,
        end_ns: base + (100 - id) * 1_000_000,
        error: None,
        attributes: Vec::new(),
    }
}

fn text(value: &str) -> SynthValue {
    SynthValue::Str(value.to_owned())
}

/// The entry span of a request to `METHOD route` in `frontend`.
fn entry(trace: u128, method: &str, route: &str) -> SynthSpan {
    let mut root = span(
        trace,
        1,
        None,
        "frontend",
        &format!("{method} {route}"),
        SpanKind::Server,
    );
    root.attributes = vec![("http.route", text(route)), ("http.request.method", text(method))];
    root
}

/// Hipster shop behind Envoy, as in the recorded capture: the frontend's
/// client span, then the sidecar's egress and ingress spans (no status, no
/// kind, `http.status_code` as text), then the cart's server span (no status,
/// an integer code), then its Redis call. Requests 1 to 3 fail at Redis with a
/// 503 all the way up; request 4 succeeds.
fn envoy_requests() -> Vec<SynthSpan> {
    let mut spans = Vec::new();
    for t in 1..=4u128 {
        let failed = t <= 3;
        let code = if failed { "503" } else { "200" };
        let mut root = entry(t, "GET", "/cart");
        let mut client = span(
            t,
            2,
            Some(1),
            "frontend",
            "Sent.hipstershop.CartService.GetCart",
            SpanKind::Client,
        );
        let mut egress = span(t, 3, Some(2), "proxy", "egress cartservice:7070", SpanKind::Unspecified);
        egress.attributes = vec![("http.status_code", text(code)), ("component", text("proxy"))];
        let mut ingress = span(t, 4, Some(3), "proxy", "ingress", SpanKind::Unspecified);
        ingress.attributes = vec![("http.status_code", text(code)), ("component", text("proxy"))];
        let mut server = span(t, 5, Some(4), "cartservice", "Recv.GetCart", SpanKind::Server);
        server
            .attributes
            .push(("http.status_code", SynthValue::Int(if failed { 503 } else { 200 })));
        let mut redis = span(t, 6, Some(5), "cartservice", "HGET", SpanKind::Client);
        redis.attributes = vec![("db.system", text("redis")), ("server.address", text("redis-cart"))];
        if failed {
            root.error = Some("could not retrieve cart".to_owned());
            client.error = Some("rpc error: code = Unavailable".to_owned());
            redis.error = Some(format!("dial tcp 10.0.0.{t}:6379: connect: connection refused"));
        }
        spans.extend([root, client, egress, ingress, server, redis]);
    }
    spans
}

/// `checkout` requests whose call to `payment` fails at a server span named
/// only `POST`, each with the path given.
fn payments_failing_at(paths: &[&str]) -> Vec<SynthSpan> {
    let mut spans = Vec::new();
    for (t, path) in (1u128..).zip(paths) {
        let root = entry(t, "POST", "/api/checkout");
        let client = span(t, 2, Some(1), "checkout", "charge", SpanKind::Client);
        let mut server = span(t, 3, Some(2), "payment", "POST", SpanKind::Server);
        server.attributes = vec![("http.request.method", text("POST")), ("url.path", text(path))];
        server.error = Some("card declined".to_owned());
        spans.extend([root, client, server]);
    }
    spans
}

#[test]
fn an_origin_named_only_by_its_method_is_named_by_its_route() {
    let analysis = analyse(&encode(
        &payments_failing_at(&["/v1/charges/17", "/v1/charges/18", "/v1/charges/19"]),
        Format::OtlpJson,
    ));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .explanation
            .starts_with("`POST /v1/charges/{id}` in `payment` "),
        "{}",
        found[0].explanation
    );
    // What the finding is keyed on stays the operations table's: service and span name.
    assert_eq!(found[0].subject.operation, "POST");
    // One message from two routes is one incident: no one route speaks for it.
    let analysis = analyse(&encode(
        &payments_failing_at(&["/v1/charges/17", "/v1/refunds/18", "/v1/charges/19"]),
        Format::OtlpJson,
    ));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].explanation.starts_with("`POST` in `payment` "),
        "{}",
        found[0].explanation
    );
}

#[test]
fn an_envoy_hop_without_status_does_not_make_the_caller_a_second_origin() {
    let analysis = analyse(&encode(&envoy_requests(), Format::JaegerJson));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(
        (finding.subject.service.as_str(), finding.subject.operation.as_str()),
        ("cartservice", "HGET"),
        "the error starts at Redis, not at the frontend's call above the sidecar"
    );
    assert_eq!(finding.subject.endpoint.as_deref(), Some("GET /cart"));
    assert_eq!(
        (
            finding.impact.requests,
            finding.impact.failed_requests,
            finding.impact.of_requests
        ),
        (3, 3, 4)
    );
    assert_eq!(finding.severity, Severity::Critical);
    assert!(
        finding.explanation.starts_with(
            "`HGET` in `cartservice` failed 3 `GET /cart` requests (3 of 4, 75%) between 2023-11-14 22:13:21 and 22:13:23 UTC, all 3 requests that endpoint had in that time: \"dial tcp <ip>: connect: connection refused\" ×3; the 3 spans above it failed with it, up to `frontend`"
        ),
        "{}",
        finding.explanation
    );
}

#[test]
fn the_endpoint_table_and_the_trace_list_count_5xx_servers_as_failed() {
    let mut spans = envoy_requests();
    // The frontend answers 502 without setting an error status, as Envoy-fronted servers do.
    for span in spans.iter_mut().filter(|s| s.span_id == 1) {
        if span.error.take().is_some() {
            span.attributes.push(("http.status_code", text("502")));
        }
    }
    for format in [Format::JaegerJson, Format::OtlpJson] {
        let analysis = analyse(&encode(&spans, format));
        let endpoint = analysis
            .groups
            .endpoints
            .iter()
            .find(|e| e.name == "GET /cart")
            .unwrap();
        assert_eq!((endpoint.errors, endpoint.error_rate), (3, 0.75), "{format:?}");
        let cart = analysis
            .groups
            .operations
            .iter()
            .find(|o| o.name == "Recv.GetCart")
            .unwrap();
        assert_eq!(cart.errors, 3, "an unset server span answering 503 failed ({format:?})");
        let proxy = analysis.groups.operations.iter().find(|o| o.name == "ingress").unwrap();
        assert_eq!(
            proxy.errors, 0,
            "a span of no kind is not judged by its code ({format:?})"
        );
        // Entry (502), the client call, the cart server (503) and Redis.
        let errors: Vec<u32> = analysis.traces.iter().map(|t| t.error_count).collect();
        assert_eq!(errors, [4, 4, 4, 0], "{format:?}");
        assert_eq!(hotspots(&analysis)[0].impact.failed_requests, 3, "{format:?}");
    }
}

#[test]
fn hotrod_redis_timeouts_retried_to_success_are_not_an_error_hotspot() {
    for path in [
        "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json",
        "jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json",
    ] {
        let analysis = fixture(path);
        assert!(hotspots(&analysis).is_empty(), "{path}: {:#?}", hotspots(&analysis));
        // The three timeouts are still failed spans in the trace list...
        assert_eq!(analysis.traces[0].error_count, 3, "{path}");
        // ...but the request answered 200.
        let dispatch = &analysis.groups.endpoints[0];
        assert!(dispatch.name.ends_with("/dispatch"), "{path}: {}", dispatch.name);
        assert_eq!(dispatch.errors, 0, "{path}");
    }
}

/// A HotROD-shaped request: `GetDriver` fails with a Redis timeout and is
/// called again, as HotROD retries it.
fn get_driver_retried(request_fails: bool, retry_succeeds: bool) -> Vec<SynthSpan> {
    let mut root = entry(1, "GET", "/dispatch");
    let finder = span(1, 2, Some(1), "driver", "FindNearest", SpanKind::Server);
    let mut first = span(1, 3, Some(2), "redis", "GetDriver", SpanKind::Client);
    first.error = Some("redis timeout".to_owned());
    first.end_ns = first.start_ns + 30_000_000;
    let mut retry = span(1, 40, Some(2), "redis", "GetDriver", SpanKind::Client);
    if !retry_succeeds {
        retry.error = Some("redis timeout".to_owned());
    }
    if request_fails {
        root.error = Some("dispatch failed".to_owned());
    }
    vec![root, finder, first, retry]
}

/// A retried call is one cause whether or not the request recovered: the
/// retries finding tells it, and when the last attempt failed the request
/// too, the error incident starting at that call is folded into it (its
/// failed request, its time and how far it climbed), not a second finding.
#[test]
fn a_retried_error_is_told_by_the_retries_finding_even_when_the_request_failed() {
    let recovered = analyse(&encode(&get_driver_retried(false, true), Format::OtlpJson));
    assert!(hotspots(&recovered).is_empty(), "{:#?}", hotspots(&recovered));

    let failed = analyse(&encode(&get_driver_retried(true, false), Format::OtlpJson));
    assert!(hotspots(&failed).is_empty(), "{:#?}", failed.findings);
    let retries: Vec<&Finding> = failed
        .findings
        .iter()
        .filter(|f| f.detector == Detector::Retries)
        .collect();
    assert_eq!(retries.len(), 1, "{:#?}", failed.findings);
    let retries = retries[0];
    assert_eq!((retries.impact.failed_requests, retries.impact.of_requests), (1, 1));
    // One failed request is evidence, not a rate: a warning.
    assert_eq!(retries.severity, Severity::Warning);
    assert!(
        retries.explanation.starts_with(
            "`GetDriver` in `redis` failed 1 time with \"redis timeout\" (30.0ms on the critical path) and was retried in its one \
             `GET /dispatch` request (n=1); the request failed all the same, its last attempt failing too, 2 failures in all (at "
        ),
        "{}",
        retries.explanation
    );
}

#[test]
fn an_error_the_caller_survived_is_reported_without_failed_requests_and_not_critical() {
    let mut spans = Vec::new();
    for t in 1..=10u128 {
        let root = entry(t, "GET", "/home");
        let mut cache = span(t, 2, Some(1), "frontend", "GET recommendations", SpanKind::Client);
        cache.end_ns = cache.start_ns + 2_000_000;
        if t <= 4 {
            cache.error = Some(format!("deadline exceeded after {t}ms"));
        }
        spans.extend([root, cache]);
    }
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(
        (
            finding.impact.requests,
            finding.impact.failed_requests,
            finding.impact.of_requests
        ),
        (4, 0, 10)
    );
    assert_ne!(finding.severity, Severity::Critical);
    assert!(
        finding
            .explanation
            .contains("failed 4 of its 10 calls in 4 requests between 2023-11-14 22:13:21 and 22:13:24 UTC, but no request failed (the caller handled it): \"deadline exceeded after <n>ms\" ×4"),
        "{}",
        finding.explanation
    );
}

/// Requests to `METHOD route` numbered from a multiple of 100, the first
/// `failing` of them failing at the cart's `GetCart` with `message(t)`.
fn cart_requests(
    traces: std::ops::Range<u128>,
    method: &str,
    route: &str,
    failing: u128,
    message: impl Fn(u128) -> String,
) -> Vec<SynthSpan> {
    traces
        .flat_map(|t| {
            let mut root = entry(t, method, route);
            let mut call = span(t, 2, Some(1), "frontend", "GetCart", SpanKind::Client);
            let mut server = span(t, 3, Some(2), "cart", "GetCart", SpanKind::Server);
            if t % 100 < failing {
                root.error = Some("failed".to_owned());
                call.error = Some("upstream failed".to_owned());
                server.error = Some(message(t));
                server.attributes.push(("error.type", text("RpcException")));
            }
            [root, call, server]
        })
        .collect()
}

#[test]
fn one_origin_failing_several_endpoints_with_varying_messages_is_one_incident() {
    let message = |t: u128| format!("Can't access cart storage: Connection refused to 10.0.{t}.7:6379 (request {t})");
    let mut spans = cart_requests(100..140, "POST", "/api/checkout", 12, message);
    spans.extend(cart_requests(200..290, "GET", "/api/cart", 3, message));
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(finding.subject.endpoint, None, "two endpoints");
    assert_eq!(
        (finding.subject.service.as_str(), finding.subject.operation.as_str()),
        ("cart", "GetCart")
    );
    assert_eq!(
        (
            finding.impact.requests,
            finding.impact.failed_requests,
            finding.impact.of_requests
        ),
        (15, 15, 130)
    );
    assert!(
        finding.explanation.starts_with(
            "`GetCart` in `cart` failed 12 `POST /api/checkout` requests (12 of 40, 30%) and 3 `GET /api/cart` requests (3 of 90, 3%) between 2023-11-14 "
        ),
        "{}",
        finding.explanation
    );
    assert!(
        finding.explanation.contains(
            ": `RpcException` ×15 (\"Can't access cart storage: Connection refused to <ip> (request <n>)\" ×15); the 2 spans above it failed with it, up to `frontend`."
        ),
        "{}",
        finding.explanation
    );
}

#[test]
fn messages_are_grouped_whole_not_cut_at_a_length_first() {
    let stem = "Failed to process the order because the downstream inventory service rejected it";
    let message = move |t: u128| {
        if t.is_multiple_of(2) {
            format!("{stem}: out of stock")
        } else {
            format!("{stem}: invalid sku")
        }
    };
    let analysis = analyse(&encode(
        &cart_requests(100..110, "POST", "/api/checkout", 8, message),
        Format::OtlpJson,
    ));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 2, "two messages differing past 80 characters: {found:#?}");
    assert!(found.iter().all(|f| f.impact.failed_requests == 4));
}

/// Requests to `GET /stock` calling Redis through `op` at `second` seconds,
/// failing with `message`.
fn redis_failure(trace: u128, op: &str, second: u64, message: &str) -> Vec<SynthSpan> {
    let mut spans = vec![entry(trace, "GET", "/stock")];
    let mut call = span(trace, 2, Some(1), "inventory", op, SpanKind::Client);
    call.attributes = vec![("db.system", text("redis")), ("server.address", text("redis-stock"))];
    call.error = Some(message.to_owned());
    spans.push(call);
    spans[0].error = Some("stock unavailable".to_owned());
    for span in &mut spans {
        span.start_ns += second * 1_000_000_000;
        span.end_ns += second * 1_000_000_000;
    }
    spans
}

#[test]
fn failures_of_one_peer_that_overlap_in_time_are_one_incident() {
    let dns = "lookup redis-stock on 10.96.0.10:53: no such host";
    let refused = "dial tcp 10.1.2.3:6379: connect: connection refused";
    // DNS fails for three seconds, then the connection is refused for three more.
    let mut spans: Vec<SynthSpan> = (1..=3u128).flat_map(|t| redis_failure(t, "GET", 0, dns)).collect();
    spans.extend((4..=6u128).flat_map(|t| redis_failure(t, "MGET", 0, refused)));
    let found_together = hotspots(&analyse(&encode(&spans, Format::OtlpJson)))
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(found_together.len(), 1, "{found_together:#?}");
    let finding = &found_together[0];
    assert_eq!(finding.impact.failed_requests, 6);
    assert!(
        finding
            .explanation
            .starts_with("`GET` in `inventory` and 1 other operation calling `redis-stock` failed 6 `GET /stock` requests (6 of 6, 100%)"),
        "{}",
        finding.explanation
    );

    // The same two failures an hour apart are two incidents.
    let mut apart: Vec<SynthSpan> = (1..=3u128).flat_map(|t| redis_failure(t, "GET", 0, dns)).collect();
    apart.extend((4..=6u128).flat_map(|t| redis_failure(t, "MGET", 3600, refused)));
    assert_eq!(hotspots(&analyse(&encode(&apart, Format::OtlpJson))).len(), 2);
}

#[test]
fn without_an_endpoint_the_denominator_is_every_call_of_the_operation() {
    let spans: Vec<SynthSpan> = (1..=10u128)
        .flat_map(|t| {
            let mut job = span(t, 1, None, "worker", "process batch", SpanKind::Internal);
            let mut upload = span(t, 2, Some(1), "worker", "PUT object", SpanKind::Client);
            if t <= 3 {
                job.error = Some("batch failed".to_owned());
                upload.error = Some("access denied".to_owned());
            }
            [job, upload]
        })
        .collect();
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.endpoint, None);
    assert_eq!(
        (found[0].impact.failed_requests, found[0].impact.of_requests),
        (3, 10),
        "3 failed of the operation's 10 calls, not of the 3 failed traces"
    );
    assert!(
        found[0]
            .explanation
            .starts_with("`PUT object` in `worker` failed 3 requests without an endpoint"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn the_test_runners_own_failures_are_not_failed_backend_requests() {
    // A test-runner trace carries context into the backend (so its endpoint is
    // the backend's `GET /*`, which answered 404), and 57 of its spans failed:
    // test steps, outside any backend request.
    let analysis = fixture("otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl");
    assert_eq!(analysis.traces.iter().map(|t| t.error_count).sum::<u32>(), 57);
    let found = hotspots(&analysis);
    let mut subjects: Vec<&str> = found.iter().map(|f| f.subject.operation.as_str()).collect();
    subjects.sort_unstable();
    assert_eq!(
        subjects,
        [
            "Fail Traces file not found at ${TRACES_FILE} — is the otel-traces volume mounted and collector file expor...",
            "POST ${CLICKHOUSE_URL}, data=${query}, expected_status=200",
        ],
        "{found:#?}"
    );
    for finding in &found {
        assert_eq!(finding.subject.endpoint, None, "outside the `GET /*` requests");
        assert_eq!(finding.impact.failed_requests, 0);
        assert_eq!(finding.impact.request_time_share, 0.0);
        assert_ne!(finding.severity, Severity::Critical);
        assert!(
            finding.explanation.contains("in 1 trace between")
                && finding.explanation.contains(", outside any endpoint's request"),
            "{}",
            finding.explanation
        );
    }
    let clickhouse = found.iter().find(|f| f.subject.operation.starts_with("POST")).unwrap();
    assert_eq!((clickhouse.impact.requests, clickhouse.impact.of_requests), (1, 5));
    assert!(
        clickhouse.explanation.contains(
            "\"Url: <url> Expected status: 404 != 200\" ×5; the 8 spans above it failed with it, up to `essvt-test-runner`."
        ),
        "{}",
        clickhouse.explanation
    );
}

#[test]
fn a_proxy_timeout_is_told_with_the_call_it_waited_on() {
    // OpenTelemetry demo: the proxy answered 504 after its 15 s upstream
    // timeout; the frontend below it answered 200 and has no error status.
    let analysis = fixture("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json");
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(
        (finding.subject.service.as_str(), finding.subject.operation.as_str()),
        ("frontend-proxy", "POST")
    );
    assert_eq!((finding.impact.failed_requests, finding.impact.of_requests), (1, 1));
    assert!(
        finding.impact.time.0 < 1_000_000,
        "the proxy's own time, not the 15 s wait: {:?}",
        finding.impact.time
    );
    for part in [
        "request (n=1) at 2026-08-06 23:53:45 UTC: `HTTP 504` ×1",
        // The sentence goes on with the frontend's unexplained wait
        // (consolidate.rs), and why the proxy stopped waiting: Envoy's
        // `response_flags` say `UT`, its upstream timeout.
        "it spent 15.0s waiting on `POST /api/checkout` in `frontend`, which did not fail, until the proxy's timeout for it ran out (Envoy's response flag `UT`)",
    ] {
        assert!(finding.explanation.contains(part), "{part}: {}", finding.explanation);
    }
    let endpoint = analysis
        .groups
        .endpoints
        .iter()
        .find(|e| e.service == "frontend-proxy")
        .unwrap();
    assert_eq!(endpoint.errors, 1);
}

#[test]
fn a_single_handled_404_in_the_smartthings_capture_is_not_a_hotspot() {
    // Zipkin `error=404` tags on a client span and its shared server half: one
    // origin (the server), in a request that answered 302.
    let analysis = fixture("zipkin-v2/zipkin__smartthings-mobile-web-install.json");
    assert_eq!(analysis.traces.iter().map(|t| t.error_count).sum::<u32>(), 2);
    assert!(hotspots(&analysis).is_empty(), "{:#?}", hotspots(&analysis));
}

#[test]
fn failing_spans_in_a_parent_cycle_do_not_hang_or_panic() {
    let mut a = span(1, 2, Some(3), "api", "a", SpanKind::Client);
    let mut b = span(1, 3, Some(2), "api", "b", SpanKind::Client);
    a.error = Some("x".to_owned());
    b.error = Some("x".to_owned());
    let mut root = entry(1, "GET", "/x");
    root.error = Some("x".to_owned());
    let analysis = analyse(&encode(&[root, a, b], Format::OtlpJson));
    assert_eq!(analysis.traces[0].error_count, 3);
}

#[test]
fn requests_that_survived_the_error_are_named_beside_those_it_failed() {
    // 3 checkouts fail at `GetCart`; in 2 cart views the same error was survived.
    let message = |_| "cart storage unavailable".to_owned();
    let mut spans = cart_requests(100..110, "POST", "/api/checkout", 3, message);
    let mut views = cart_requests(200..210, "GET", "/api/cart", 2, message);
    for span in views.iter_mut().filter(|s| s.parent_span_id.is_none()) {
        span.error = None;
    }
    spans.extend(views);
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (
            found[0].impact.requests,
            found[0].impact.failed_requests,
            found[0].impact.of_requests
        ),
        (5, 3, 20)
    );
    assert!(
        found[0].explanation.starts_with(
            "`GetCart` in `cart` failed 3 `POST /api/checkout` requests (3 of 10, 30%) between 2023-11-14 22:15:00 and 22:16:41 UTC, and erred without failing them in 2 `GET /api/cart` requests:"
        ),
        "{}",
        found[0].explanation
    );
}

#[test]
fn kafka_consumers_whose_processing_failed_are_failed_messages() {
    // Zipkin's Kafka capture: `serviceb` consumes 3 messages from the topic
    // `messages` (a 1 µs CONSUMER `poll`, then the handler's `on-message` as
    // its child), and each `on-message` fails (two say "some error", one has
    // an empty error tag). Before, no finding: no request failed and each
    // message group had fewer than 3 errors.
    let analysis = fixture("zipkin-v2/zipkin__messaging-kafka.json");
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = found[0];
    assert_eq!(
        (f.subject.service.as_str(), f.subject.operation.as_str()),
        ("serviceb", "on-message")
    );
    assert_eq!(f.subject.endpoint.as_deref(), Some("serviceb: poll messages"));
    assert_eq!((f.impact.failed_requests, f.impact.of_requests), (3, 3), "{f:#?}");
    assert!(
        f.explanation
            .contains("failed all 3 messages of `serviceb: poll messages`"),
        "{}",
        f.explanation
    );
    assert_eq!(f.impact.traces(), 1, "{f:#?}");
    assert_eq!(
        f.severity,
        Severity::Warning,
        "every message the service read failed, but all from one poll in one recorded trace"
    );
}

/// A message sent by `orders` and consumed by `billing`, whose handler calls
/// a payment API: `handler_fails` / `call_fails` say which of them failed.
fn consumed(trace: u128, handler_fails: bool, call_fails: bool) -> Vec<SynthSpan> {
    let mut spans = vec![
        span(trace, 1, None, "orders", "POST /orders", SpanKind::Server),
        span(trace, 2, Some(1), "orders", "orders publish", SpanKind::Producer),
        span(trace, 3, Some(2), "billing", "orders process", SpanKind::Consumer),
        span(trace, 4, Some(3), "billing", "charge", SpanKind::Internal),
        span(trace, 5, Some(4), "billing", "POST /payments", SpanKind::Client),
    ];
    spans[2].attributes.push(("messaging.destination.name", text("orders")));
    if handler_fails {
        spans[3].error = Some("card declined".to_owned());
    }
    if call_fails {
        spans[4].error = Some("payment API unavailable".to_owned());
    }
    spans
}

#[test]
fn a_consumer_is_an_entry_of_its_own_and_its_failure_a_failed_message() {
    let mut spans = Vec::new();
    for t in 1..=10u128 {
        spans.extend(consumed(t, t <= 2, false));
    }
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    // The message's own endpoint, not the HTTP request that sent it (which answered).
    assert_eq!(found[0].subject.endpoint.as_deref(), Some("billing: orders process"));
    assert_eq!((found[0].impact.failed_requests, found[0].impact.of_requests), (2, 10));
    assert!(
        found[0]
            .explanation
            .contains("failed 2 of the 10 messages of `billing: orders process` (20%)"),
        "{}",
        found[0].explanation
    );
    // A failed outbound call the handler survived does not fail the message.
    let mut spans = Vec::new();
    for t in 1..=10u128 {
        spans.extend(consumed(t, false, t <= 3));
    }
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].impact.failed_requests, 0, "{found:#?}");
    assert!(
        found[0].explanation.contains("but no request failed"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn a_failed_message_is_sized_by_its_handler_not_its_poll() {
    // Brave's Kafka shape: a 1 µs CONSUMER poll that ends before its
    // handler (a child in the same service) runs 4 ms and fails. The
    // failing handler is the message's time; clipped to the poll it was 0%.
    let mut spans = Vec::new();
    for t in 1..=3u128 {
        let mut root = span(t, 1, None, "orders", "POST /orders", SpanKind::Server);
        root.end_ns = root.start_ns + 2_000_000;
        let mut send = span(t, 2, Some(1), "orders", "orders publish", SpanKind::Producer);
        send.end_ns = send.start_ns + 100_000;
        let mut poll = span(t, 3, Some(2), "billing", "poll", SpanKind::Consumer);
        poll.end_ns = poll.start_ns + 1_000;
        let mut handler = span(t, 4, Some(3), "billing", "on-message", SpanKind::Internal);
        handler.start_ns = poll.end_ns + 1_000_000;
        handler.end_ns = handler.start_ns + 4_000_000;
        handler.error = Some("bad message".to_owned());
        spans.extend([root, send, poll, handler]);
    }
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = hotspots(&analysis);
    assert_eq!(found.len(), 1, "{found:#?}");
    let impact = &found[0].impact;
    assert_eq!(impact.request_time.0, 12_000_000, "{impact:#?}");
    // 4 ms of each message's 5.001 ms, from its poll to its handler's end.
    assert!((impact.request_time_share - 4.0 / 5.001).abs() < 1e-3, "{impact:#?}");
}

/// A test step shaped like Robot Framework's: a check run under `Run Keyword
/// And Return Status` (which sets its status OK: it handled the failure),
/// then, when `then_fail`, an explicit `Fail` beside it that fails the step.
/// Three tests, one trace each, in OTLP JSON (the status OK needs it).
fn checked_steps(then_fail: bool) -> Vec<u8> {
    let status = |code: u8, message: &str| format!(r#"{{"code":{code},"message":"{message}"}}"#);
    let span = |trace: u8, id: u8, parent: Option<u8>, name: &str, ms: (u64, u64), status: String| {
        let start = 1_700_000_000_000_000_000u64 + trace as u64 * 1_000_000_000 + ms.0 * 1_000_000;
        let end = 1_700_000_000_000_000_000u64 + trace as u64 * 1_000_000_000 + ms.1 * 1_000_000;
        format!(
            r#"{{"traceId":"{trace:032x}","spanId":"{id:016x}",{}"name":"{name}","kind":1,"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}","status":{status}}}"#,
            parent.map_or(String::new(), |p| format!(r#""parentSpanId":"{p:016x}","#))
        )
    };
    let mut spans = Vec::new();
    for t in 1..=3u8 {
        let failed = if then_fail { status(2, "") } else { status(0, "") };
        spans.push(span(t, 1, None, "Test", (0, 50), failed.clone()));
        spans.push(span(t, 2, Some(1), "Read File", (1, 40), failed));
        spans.push(span(
            t,
            3,
            Some(2),
            "Run Keyword And Return Status",
            (2, 10),
            status(1, ""),
        ));
        spans.push(span(
            t,
            4,
            Some(3),
            "File Should Exist",
            (3, 9),
            status(2, "File 'x' does not exist."),
        ));
        if then_fail {
            spans.push(span(
                t,
                5,
                Some(2),
                "Fail",
                (11, 12),
                status(2, "Traces file not found"),
            ));
        }
    }
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"runner"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
    .into_bytes()
}

/// The handled check and the failure it led to are one cause: the failure's
/// finding says the check, which makes none of its own. A handled check
/// whose caller went on fine is still said: it happened.
#[test]
fn a_handled_check_is_said_in_the_failure_it_led_to_and_alone_otherwise() {
    let led = analyse(&checked_steps(true));
    let found = hotspots(&led);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.operation, "Fail");
    assert!(
        found[0].explanation.ends_with(
            "; each followed a failed check its caller handled, `File Should Exist`: \"File '<value>' does not exist.\" ×3."
        ),
        "{}",
        found[0].explanation
    );

    let alone = analyse(&checked_steps(false));
    let found = hotspots(&alone);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.operation, "File Should Exist");
    assert!(!found[0].explanation.contains("followed"), "{}", found[0].explanation);
}

/// Two test steps that failed on a 403 from a backend whose spans are traced
/// apart (no context passed) are one refusal: told as one item naming the
/// backend's answer. A backend answer outside the steps, or a message that
/// does not say the status, ties nothing.
#[test]
fn steps_failing_on_one_refusal_are_told_as_one() {
    use common::span as timed;
    let run = |answers_at: [u64; 2], says_status: bool| -> Vec<SynthSpan> {
        let mut spans = vec![timed(1, 1, None, "runner", "Run Tests", SpanKind::Internal, (0, 5_000))];
        for (n, (step, answer)) in [(1_000u64, answers_at[0]), (3_000, answers_at[1])]
            .into_iter()
            .enumerate()
        {
            let id = 10 * (n as u64 + 1);
            let mut keyword = timed(
                1,
                id,
                Some(1),
                "runner",
                "Create Execution",
                SpanKind::Internal,
                (step, step + 40),
            );
            keyword.error = Some("failed".to_owned());
            let mut check = timed(
                1,
                id + 1,
                Some(id),
                "runner",
                &format!("Check {n}"),
                SpanKind::Internal,
                (step + 30, step + 35),
            );
            check.error = Some(if says_status {
                format!("Execution creation returned 403 (try {n})")
            } else {
                format!("Execution creation refused (try {n})")
            });
            let mut server = timed(
                100 + n as u128,
                1,
                None,
                "backend",
                "POST /v2/executions",
                SpanKind::Server,
                (answer, answer + 20),
            );
            server.attributes = vec![
                ("http.route", SynthValue::Str("/v2/executions".to_owned())),
                ("http.request.method", SynthValue::Str("POST".to_owned())),
                ("http.response.status_code", SynthValue::Int(403)),
            ];
            spans.extend([keyword, check, server]);
        }
        spans
    };
    let rare = |spans: &[SynthSpan]| -> String {
        let analysis = analyse(&encode(spans, Format::OtlpJson));
        analysis
            .findings
            .iter()
            .find(|f| f.detector == Detector::RareErrors)
            .map(|f| f.explanation.clone())
            .unwrap_or_default()
    };
    let tied = rare(&run([1_005, 3_005], true));
    assert!(
        tied.contains(
            ": `POST /v2/executions` in `backend` refused every request made to it (HTTP 403 to 2 of 2), and each step \
             that made one failed on the answer, traced apart from it (`Check 0` in `runner`: \"Execution creation returned 403 (try 0)\" ×1; \
             `Check 1` in `runner`: \"Execution creation returned 403 (try 1)\" ×1)."
        ),
        "{tied}"
    );
    let outside = rare(&run([1_100, 3_100], true));
    assert!(!outside.contains("HTTP 403 to"), "{outside}");
    assert!(outside.contains("`Check 0` in `runner`"), "{outside}");
    let unsaid = rare(&run([1_005, 3_005], false));
    assert!(!unsaid.contains("HTTP 403 to"), "{unsaid}");
}
