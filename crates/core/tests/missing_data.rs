//! Missing data is unknown, not zero: spans without a duration, skew judged
//! only where both spans are placed in time, data quality as one finding per
//! kind, spans loaded twice, traces that are not one request, and the wait
//! between a caller and its callee. On the recorded captures in
//! `tests/fixtures/` and on hand-built traces shaped like them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::{FileReport, WarningKind, import_file};

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(path),
    )
    .unwrap()
}

fn load(files: &[(&str, &[u8])]) -> (TraceSet, Vec<FileReport>) {
    let mut set = TraceSet::new();
    let reports = files
        .iter()
        .map(|(name, bytes)| import_file(&mut set, name, bytes).unwrap())
        .collect();
    (set, reports)
}

const SMARTTHINGS: &str = "zipkin-v2/zipkin__smartthings-mobile-web-install.json";

/// A Zipkin one-way message, as the SmartThings capture records it: the
/// sender's CLIENT span and the receivers' SERVER spans have a timestamp and
/// no duration; the receiver's work under it is timed.
fn one_way_message() -> String {
    r#"[
      {"traceId":"00000000000000aa","id":"0000000000000001","name":"post /events","kind":"SERVER",
       "timestamp":1000000,"duration":50000,"localEndpoint":{"serviceName":"bouncer"}},
      {"traceId":"00000000000000aa","parentId":"0000000000000001","id":"0000000000000002","name":"send events",
       "kind":"CLIENT","timestamp":1010000,"localEndpoint":{"serviceName":"bouncer"}},
      {"traceId":"00000000000000aa","parentId":"0000000000000001","id":"0000000000000002","name":"receive events",
       "kind":"SERVER","shared":true,"timestamp":1009000,"localEndpoint":{"serviceName":"pusher"}},
      {"traceId":"00000000000000aa","parentId":"0000000000000002","id":"0000000000000003","name":"process",
       "timestamp":1008000,"duration":30000,"localEndpoint":{"serviceName":"pusher"}}
    ]"#
    .to_owned()
}

#[test]
fn a_span_without_a_duration_is_unknown_not_zero() {
    let (set, reports) = load(&[("one-way.json", one_way_message().as_bytes())]);
    assert_eq!(reports[0].warnings.get(&WarningKind::MissingDuration), Some(&2));
    let by_name = |name: &str| set.spans.iter().find(|s| set.str(s.name) == name).unwrap();
    assert!(!by_name("send events").duration_known());
    assert_eq!(by_name("send events").known_duration(), None);
    assert!(by_name("process").duration_known());

    let analysis = Analysis::of(&set);
    let operations: Vec<&str> = analysis.groups.operations.iter().map(|g| g.name.as_str()).collect();
    // No percentile of 0 ns for the sends and receives: they are left out.
    assert!(!operations.contains(&"send events"), "{operations:?}");
    assert!(!operations.contains(&"receive events"), "{operations:?}");
    assert!(operations.contains(&"process"), "{operations:?}");
    // `process` starts 1 ms before the receive that is its parent: with the
    // receive's end unknown, that is not judged as clock skew.
    assert_eq!(analysis.link_warnings.child_starts_before_parent, 0);
    assert!(
        analysis.findings.iter().all(|f| f.subject.operation != "clock skew"),
        "{:#?}",
        analysis.findings
    );
}

#[test]
fn untimed_spans_are_left_out_of_self_time_and_the_critical_path() {
    let (set, _) = load(&[("one-way.json", one_way_message().as_bytes())]);
    let index = tracelens_core::index::TraceIndex::build(&set);
    let self_times = tracelens_core::analysis::self_time::self_times(&set, &index);
    let on_path = tracelens_core::analysis::critical_path::on_path_times(&set, &index);
    for (i, span) in set.spans.iter().enumerate() {
        if !span.duration_known() {
            assert_eq!(self_times[i].0, 0, "{}", set.str(span.name));
            assert_eq!(on_path[i].0, 0, "{}", set.str(span.name));
        }
    }
    let root = set
        .spans
        .iter()
        .position(|s| set.str(s.name) == "post /events")
        .unwrap();
    // The root's 50 ms are all its own: the send it made has no known extent.
    assert_eq!(self_times[root].0, 50_000_000);
    assert_eq!(on_path[root].0, 50_000_000);
}

#[test]
fn smartthings_has_no_zero_percentiles_from_unknown_durations() {
    let (set, reports) = load(&[("smartthings.json", &fixture(SMARTTHINGS))]);
    assert_eq!(reports[0].warnings.get(&WarningKind::MissingDuration), Some(&91));
    let unknown = set.spans.iter().filter(|s| !s.duration_known()).count();
    assert_eq!(unknown, 91);
    let analysis = Analysis::of(&set);
    // Before, `receive iot-events360` in `pusher` read p50 0 ns over 5 spans
    // that have no duration at all; `get` in `platformapi` had a p50 of 0 ns.
    for group in analysis.groups.operations.iter().chain(&analysis.groups.endpoints) {
        assert!(
            group.durations.p50.0 > 0,
            "{} {} p50 {}",
            group.service,
            group.name,
            group.durations.p50
        );
    }
    assert!(
        !analysis
            .groups
            .operations
            .iter()
            .any(|g| g.service == "pusher" && g.name == "receive iot-events360")
    );
}

// ---- data quality: one finding per kind ----

use tracelens_core::analysis::detectors::{Finding, Severity};
use tracelens_core::import::Format;
use tracelens_core::model::SpanKind;
use tracelens_core::synth::{SynthSpan, encode, shop};

const BASE: u64 = 1_700_000_000_000_000_000;

fn span(trace: u128, id: u64, parent: Option<u64>, service: &'static str, kind: SpanKind, ms: (u64, u64)) -> SynthSpan {
    SynthSpan {
        trace_id: trace,
        span_id: id,
        parent_span_id: parent,
        service,
        name: format!("{service} op"),
        kind,
        start_ns: BASE + ms.0 * 1_000_000,
        end_ns: BASE + ms.1 * 1_000_000,
        error: None,
        attributes: Vec::new(),
    }
}

/// A request from `web` that calls `callee` (the server span moved by
/// `skew_ms` when skewed) and, under it, a database call.
fn call(trace: u128, callee: &'static str, skew_ms: u64) -> Vec<SynthSpan> {
    vec![
        span(trace, 1, None, "web", SpanKind::Server, (0, 100)),
        span(trace, 2, Some(1), "web", SpanKind::Client, (20, 80)),
        span(
            trace,
            3,
            Some(2),
            callee,
            SpanKind::Server,
            (25 - skew_ms, 75 - skew_ms),
        ),
        span(
            trace,
            4,
            Some(3),
            callee,
            SpanKind::Client,
            (30 - skew_ms, 40 - skew_ms),
        ),
    ]
}

fn data_quality(spans: &[SynthSpan]) -> Vec<Finding> {
    data_quality_of_file(&encode(spans, Format::OtlpJson))
}

#[test]
fn skew_in_two_pairs_orphans_and_untimed_spans_in_two_services_are_one_finding_each() {
    let mut spans = Vec::new();
    for t in 1..=20u128 {
        // Every call to `payment` and one in four to `stock` skewed by 15 ms.
        spans.extend(call(t, "payment", 15));
        spans.extend(call(100 + t, "stock", if t % 4 == 0 { 15 } else { 0 }));
    }
    // Lost server spans in two services: their database calls are orphans.
    spans.retain(|s| !(s.trace_id % 5 == 1 && s.span_id == 3));
    // Spans without an end (OTLP end 0) in two services.
    for s in spans.iter_mut().filter(|s| s.trace_id % 10 == 2 && s.span_id == 4) {
        s.end_ns = 0;
    }
    let found = data_quality(&spans);
    let kinds: Vec<&str> = found.iter().map(|f| f.subject.operation.as_str()).collect();
    let mut sorted = kinds.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["clock skew", "missing times", "orphan spans"], "{found:#?}");

    let skew = found.iter().find(|f| f.subject.operation == "clock skew").unwrap();
    // `payment` is the most affected; both pairs are named, worst first.
    assert_eq!(skew.subject.service, "payment");
    assert_eq!(skew.severity, Severity::Warning);
    assert!(
        skew.explanation.starts_with(
            "Clock skew: in 16 of 16 calls from `web` to `payment` the `payment` span lies outside its caller, by 10.0ms (median) and in 4 of 16 calls from `web` to `stock`"
        ),
        "{}",
        skew.explanation
    );
    let orphans = found.iter().find(|f| f.subject.operation == "orphan spans").unwrap();
    assert!(
        orphans
            .explanation
            .starts_with("8 spans (in 8 traces) name a parent that is not in the data (`payment` 4 and `stock` 4)"),
        "{}",
        orphans.explanation
    );
}

#[test]
fn one_skewed_call_in_many_is_not_a_finding() {
    // 300 calls, two skewed: under the minimum count and share.
    let spans: Vec<SynthSpan> = (1..=300u128)
        .flat_map(|t| call(t, "payment", if t <= 2 { 15 } else { 0 }))
        .collect();
    assert!(data_quality(&spans).is_empty());
    // Three skewed of the 300 calls is 1%: reported.
    let spans: Vec<SynthSpan> = (1..=300u128)
        .flat_map(|t| call(t, "payment", if t <= 3 { 15 } else { 0 }))
        .collect();
    let found = data_quality(&spans);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Info, "1% of the pair's calls");
}

#[test]
fn recorded_captures_with_a_stray_skewed_call_have_no_skew_finding() {
    // OpenTelemetry Demo: one span of 26 starts before its parent.
    let (set, _) = load(&[(
        "otel-demo.json",
        &fixture("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json"),
    )]);
    let analysis = Analysis::of(&set);
    assert_eq!(analysis.link_warnings.child_starts_before_parent, 1);
    assert!(analysis.findings.iter().all(|f| f.detector != "data_quality"));

    // SmartThings: before, three skew findings (`bouncer` → `pusher` between
    // spans without durations, and two pairs of one call each); now none, and
    // its 91 untimed spans are one finding naming the services.
    let (set, _) = load(&[("smartthings.json", &fixture(SMARTTHINGS))]);
    let found: Vec<Finding> = Analysis::of(&set)
        .findings
        .into_iter()
        .filter(|f| f.detector == "data_quality")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.operation, "missing times");
    assert_eq!(found[0].subject.service, "platformapi");
    // None of the 91 loses time: 83 are unfinished copies of finished calls,
    // 8 are one-way messages. Told, but not a warning.
    assert_eq!(found[0].severity, Severity::Info);
    assert!(
        found[0].explanation.starts_with(
            "91 of 957 spans have no duration, and none of them loses time: 83 in `platformapi` were never finished (each carries `brave.flush`"
        ),
        "{}",
        found[0].explanation
    );
    assert!(
        found[0]
            .explanation
            .contains("`platformapi` traced 83 of its 84 calls twice (a second tracing interceptor on its client?), and 8 are the spans of 2 one-way calls, with no answer to end them (`redirect` from `coreSrv`, received in `strongman`; `send iot-events360` from `bouncer`, received 5 times in `pusher`)"),
        "{}",
        found[0].explanation
    );
}

/// A request whose HTTP call was traced twice, as SmartThings' `platformapi`
/// records its calls: the copy named `get` never finished (Brave flushed it),
/// its twin, `post` of the same URL, begun 1 ms later, did; then the Zipkin
/// one-way message. `twin_path` is the URL of the finished copy.
fn call_traced_twice(twin_path: &str) -> String {
    let messages = one_way_message();
    let messages = messages.trim().trim_start_matches('[').trim_end_matches(']');
    format!(
        r#"[
      {{"traceId":"00000000000000bb","id":"0000000000000010","name":"post /install","kind":"SERVER",
       "timestamp":2000000,"duration":90000,"localEndpoint":{{"serviceName":"platformapi"}}}},
      {{"traceId":"00000000000000bb","parentId":"0000000000000010","id":"0000000000000011","name":"get",
       "kind":"CLIENT","timestamp":2010000,"localEndpoint":{{"serviceName":"platformapi"}},
       "annotations":[{{"timestamp":4000000,"value":"brave.flush"}}],"tags":{{"http.path":"/app-execute"}}}},
      {{"traceId":"00000000000000bb","parentId":"0000000000000010","id":"0000000000000012","name":"post",
       "kind":"CLIENT","timestamp":2011000,"duration":60000,"localEndpoint":{{"serviceName":"platformapi"}},
       "tags":{{"http.path":"{twin_path}"}}}},
      {messages}
    ]"#
    )
}

/// The data quality findings of one file's bytes.
fn data_quality_of_file(bytes: &[u8]) -> Vec<Finding> {
    let (set, _) = load(&[("hand-built.json", bytes)]);
    Analysis::of(&set)
        .findings
        .into_iter()
        .filter(|f| f.detector == "data_quality")
        .collect()
}

#[test]
fn a_call_traced_twice_and_one_way_messages_lose_no_time() {
    let found = data_quality_of_file(call_traced_twice("/app-execute").as_bytes());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Info);
    assert_eq!(
        found[0].explanation,
        "3 of 7 spans have no duration, and none of them loses time: 1 in `platformapi` was never finished \
         (each carries `brave.flush`, the tracer's mark of a span it sent unfinished), each beside a finished twin \
         (the same call under the same parent, begun 1.00ms apart at most), so the call's time is in the twin: \
         `platformapi` traced its one call twice (a second tracing interceptor on its client?), and 2 are the spans \
         of 1 one-way call, with no answer to end them (`send events` from `bouncer`, received in `pusher`)"
    );
}

#[test]
fn an_unfinished_call_without_a_finished_twin_has_lost_its_time() {
    // The finished call asked for another URL: not a copy of the unfinished one.
    let found = data_quality_of_file(call_traced_twice("/app-install").as_bytes());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(
        found[0].explanation.starts_with(
            "1 of 7 spans has no start time or no duration (`platformapi` 1 of 3): its duration is unknown"
        ),
        "{}",
        found[0].explanation
    );
    assert!(
        found[0].explanation.ends_with(
            "; another 2 are the spans of 1 one-way call, with no answer to end them (`send events` from `bouncer`, received in `pusher`)"
        ),
        "{}",
        found[0].explanation
    );
}

#[test]
fn the_shop_gives_at_most_one_data_quality_finding_per_kind() {
    for seed in [1, 2, 3, 7] {
        let spans = shop::generate(&shop::ShopConfig {
            seed,
            patterns: shop::Patterns::of(&shop::Pattern::ALL),
            ..Default::default()
        });
        let found = data_quality(&spans);
        let mut kinds: Vec<&str> = found.iter().map(|f| f.subject.operation.as_str()).collect();
        kinds.sort_unstable();
        assert_eq!(kinds, ["clock skew", "orphan spans"], "seed {seed}: {found:#?}");
    }
}

// ---- spans loaded twice ----

use tracelens_core::import::RejectReason;

const HOTROD: &str = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";

#[test]
fn a_capture_loaded_twice_is_merged_and_counted_not_doubled() {
    let bytes = fixture(HOTROD);
    let (once, _) = load(&[("hotrod.json", &bytes)]);
    let (twice, reports) = load(&[("hotrod.json", &bytes), ("hotrod copy.json", &bytes)]);
    assert_eq!(reports[0].spans_kept, 40);
    let second = &reports[1];
    assert_eq!((second.spans_read, second.spans_kept), (40, 0));
    assert_eq!(second.rejected[&RejectReason::DuplicateSpan].count, 40);
    assert!(
        second.rejected[&RejectReason::DuplicateSpan]
            .example
            .ends_with("the same span as in hotrod.json"),
        "{:?}",
        second.rejected
    );
    assert_eq!(twice.files[1], *second, "the set keeps the same report");
    assert_eq!(twice.spans.len(), 40);

    let (a, b) = (Analysis::of(&once), Analysis::of(&twice));
    assert_eq!(b.link_warnings.duplicate_span_ids, 0);
    assert_eq!(a.findings, b.findings, "the N+1 is not counted twice");
    assert_eq!(a.groups, b.groups);
}

#[test]
fn copies_are_found_among_spans_whose_ids_look_alike_by_chance() {
    // Candidates for copies are found in a bit set of a few bits per span:
    // among 20,000 spans hundreds share a bit by chance. None of those may
    // merge; every real copy, of an earlier file or within the file, must.
    let spans = shop::generate(&shop::ShopConfig::with_spans(20_000));
    let mut half = spans[..spans.len() / 2].to_vec();
    half.push(half[0].clone());
    let (all, half_bytes) = (encode(&spans, Format::OtlpJson), encode(&half, Format::OtlpJson));
    let (set, reports) = load(&[("all.json", &all), ("half.json", &half_bytes)]);
    assert!(!reports[0].rejected.contains_key(&RejectReason::DuplicateSpan));
    assert_eq!(reports[0].spans_kept as usize, spans.len());
    assert_eq!(
        reports[1].rejected[&RejectReason::DuplicateSpan].count as usize,
        half.len()
    );
    assert_eq!(set.spans.len(), spans.len());
}

#[test]
fn one_trace_in_two_formats_is_loaded_once() {
    // The same 19 spans as OTLP JSON Lines and as protobuf.
    let (set, reports) = load(&[
        (
            "traces.jsonl",
            &fixture("otlp-jsonl/otlp2parquet__traces__protobuf-json-mapping.jsonl"),
        ),
        ("traces.pb", &fixture("otlp-protobuf/otlp2parquet__traces.pb")),
    ]);
    assert_eq!(reports[1].rejected[&RejectReason::DuplicateSpan].count, 19);
    assert_eq!(set.spans.len(), 19);
}

#[test]
fn identical_copies_in_one_file_merge_and_differing_ones_are_kept_and_flagged() {
    // The Jaeger `/api/transform` output holds the same span twice.
    let (set, reports) = load(&[(
        "envelope.json",
        &fixture("jaeger-ui-json/jaeger__query__otlp2jaeger-out__api-envelope.json"),
    )]);
    assert_eq!(reports[0].rejected[&RejectReason::DuplicateSpan].count, 1);
    assert_eq!(set.spans.len(), 1);

    // Two spans with one ID but a different name: both kept, one finding.
    let mut spans = call(1, "payment", 0);
    let mut other = spans[3].clone();
    other.name = "another query".to_owned();
    spans.push(other);
    let (set, reports) = load(&[("differing.json", &encode(&spans, Format::OtlpJson))]);
    assert!(reports[0].rejected.is_empty());
    assert_eq!(set.spans.len(), 5);
    let analysis = Analysis::of(&set);
    assert_eq!(analysis.link_warnings.duplicate_span_ids, 1);
    let found: Vec<&Finding> = analysis
        .findings
        .iter()
        .filter(|f| f.detector == "data_quality")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].subject.service.as_str(), found[0].subject.operation.as_str()),
        ("payment", "duplicate span IDs")
    );
}

// ---- traces that are not one request ----

use tracelens_core::index::TraceShape;

#[test]
fn sessions_are_recognised_and_kept_out_of_endpoint_latency() {
    // A 5 ms call followed by 43 s of FOLLOWS_FROM work; a 37 ms login followed
    // by five minutes of a user's clicks; a 1 µs root over a 174 s workflow.
    for file in [
        "jaeger-ui-json/dgurkaynak__stalk__async-follows-from.json",
        SMARTTHINGS,
        "jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json",
    ] {
        let (set, _) = load(&[(file, &fixture(file))]);
        let analysis = Analysis::of(&set);
        assert_eq!(analysis.traces.len(), 1, "{file}");
        assert_eq!(analysis.traces[0].shape, TraceShape::Session, "{file}");
        assert_eq!(
            (analysis.overview.sessions, analysis.overview.streams),
            (1, 0),
            "{file}"
        );
        assert!(
            analysis.groups.endpoints.is_empty(),
            "{file}: {:?}",
            analysis.groups.endpoints
        );
        // No "per `get /login/tokenauth` request" for calls made over minutes.
        assert!(
            analysis.findings.iter().all(|f| f.subject.endpoint.is_none()),
            "{file}: {:#?}",
            analysis.findings
        );
    }
    // Requests stay requests.
    for file in [
        HOTROD,
        "jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json",
    ] {
        let (set, _) = load(&[(file, &fixture(file))]);
        let analysis = Analysis::of(&set);
        assert!(analysis.traces.iter().all(|t| t.shape == TraceShape::Request), "{file}");
        assert_eq!(analysis.groups.endpoints.len(), 1, "{file}");
    }
}

/// One OTLP span with `messages` gRPC `message` events of type SENT.
fn grpc_call(trace: &str, span: &str, seconds: u64, messages: usize) -> String {
    let start = BASE;
    let events: Vec<String> = (0..messages)
        .map(|i| {
            format!(
                r#"{{"timeUnixNano":"{}","name":"message","attributes":[{{"key":"message.type","value":{{"stringValue":"SENT"}}}},{{"key":"message.id","value":{{"intValue":"{}"}}}}]}}"#,
                start + i as u64 * 1_000_000,
                i + 1
            )
        })
        .collect();
    format!(
        r#"{{"traceId":"{trace}","spanId":"{span}","name":"quotes.Feed/Subscribe","kind":2,"startTimeUnixNano":"{start}","endTimeUnixNano":"{}","attributes":[{{"key":"rpc.service","value":{{"stringValue":"quotes.Feed"}}}},{{"key":"rpc.method","value":{{"stringValue":"Subscribe"}}}}],"events":[{}]}}"#,
        start + seconds * 1_000_000_000,
        events.join(",")
    )
}

#[test]
fn a_server_streaming_call_is_a_stream_not_a_slow_request() {
    let spans = [
        grpc_call("0000000000000000000000000000000a", "000000000000000a", 600, 40),
        grpc_call("0000000000000000000000000000000b", "000000000000000b", 1, 1),
        grpc_call("0000000000000000000000000000000c", "000000000000000c", 2, 1),
    ];
    let file = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"quotes"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    );
    let (set, _) = load(&[("stream.json", file.as_bytes())]);
    let analysis = Analysis::of(&set);
    let shapes: Vec<TraceShape> = analysis.traces.iter().map(|t| t.shape).collect();
    assert_eq!(
        shapes,
        [TraceShape::Streaming, TraceShape::Request, TraceShape::Request]
    );
    assert_eq!(analysis.overview.streams, 1);
    // The endpoint's latency is that of its two unary calls, not a 10-minute stream.
    let endpoint = &analysis.groups.endpoints[0];
    assert_eq!(endpoint.durations.count, 2);
    assert_eq!(endpoint.durations.max.0, 2_000_000_000);
}

// ---- the wait between a caller and its callee ----

use tracelens_core::analysis::self_time::{split, waits_on_callee};

#[test]
fn a_clients_time_outside_its_traced_server_is_wait_not_own_work() {
    // HotROD 2019: `frontend` calls `route` over HTTP; the client spans last
    // 0.5 to 3.6 ms longer than the server spans they reached.
    let file = "jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json";
    let (set, _) = load(&[(file, &fixture(file))]);
    let index = tracelens_core::index::TraceIndex::build(&set);
    let self_times = tracelens_core::analysis::self_time::self_times(&set, &index);
    let mut checked = 0;
    for (i, span) in set.spans.iter().enumerate() {
        let children = index.children_of(i as u32);
        let server = children
            .iter()
            .map(|&c| &set.spans[c as usize])
            .find(|c| c.kind == SpanKind::Server);
        match (span.kind, server) {
            (SpanKind::Client, Some(server)) if children.len() == 1 => {
                assert!(waits_on_callee(&set, &index, i as u32));
                let gap = span.duration.0 - server.duration.0;
                assert_eq!(self_times[i].0, gap, "the client's self time is the gap");
                let parts = split(&set, &index, i as u32, self_times[i]);
                assert_eq!((parts.own_work.0, parts.wait.0), (0, gap));
                checked += 1;
            }
            (SpanKind::Client, None) => {
                // A call to an untraced callee (redis here): its time is its own.
                assert!(!waits_on_callee(&set, &index, i as u32));
                assert_eq!(split(&set, &index, i as u32, self_times[i]).own_work, self_times[i]);
            }
            _ => {}
        }
    }
    assert!(checked >= 12, "{checked}");
    let analysis = Analysis::of(&set);
    let calls = analysis
        .groups
        .operations
        .iter()
        .find(|g| g.service == "frontend" && g.name == "HTTP GET")
        .unwrap();
    let wait = calls.wait.expect("labelled as wait");
    assert_eq!(wait.count, calls.self_time.count);
    assert!(wait.p50.0 > 0);
}

#[test]
fn a_client_whose_self_time_is_all_wait_has_no_tail_of_its_own_work() {
    // Every 20th call waits 300 ms in a queue before its server span starts:
    // the client's self time has a long tail, but it is a wait, not its work.
    let spans: Vec<SynthSpan> = (1..=60u128)
        .flat_map(|t| {
            let queued = if t % 20 == 0 { 300 } else { 0 };
            vec![
                span(t, 1, None, "web", SpanKind::Server, (0, 400)),
                SynthSpan {
                    name: "GET stock".to_owned(),
                    ..span(t, 2, Some(1), "web", SpanKind::Client, (10, 40 + queued))
                },
                span(t, 3, Some(2), "stock", SpanKind::Server, (11 + queued, 39 + queued)),
            ]
        })
        .collect();
    let (set, _) = load(&[("queued.json", &encode(&spans, Format::OtlpJson))]);
    let analysis = Analysis::of(&set);
    let client = analysis
        .groups
        .operations
        .iter()
        .find(|g| g.service == "web" && g.name == "GET stock")
        .unwrap();
    assert!(client.self_time.p99.0 >= 300_000_000, "{:?}", client.self_time);
    assert_eq!(client.wait.map(|w| w.count), Some(60));
    assert!(
        analysis.findings.iter().all(|f| f.detector != "long_tail"),
        "{:#?}",
        analysis.findings
    );
}

#[test]
fn the_baseline_comparison_leaves_unknown_durations_and_sessions_out_too() {
    let (set, _) = load(&[("smartthings.json", &fixture(SMARTTHINGS))]);
    let (baseline, _) = load(&[("smartthings.json", &fixture(SMARTTHINGS))]);
    let index = tracelens_core::index::TraceIndex::build(&set);
    let analysis = Analysis::with_baseline(&set, &index, Some(&baseline), &Default::default());
    let rows = &analysis.comparison.as_ref().unwrap().rows;
    assert!(!rows.is_empty());
    // The session's login is no endpoint, and no row compares p50s of 0 ns
    // made of spans without a duration.
    assert!(rows.iter().all(|r| r.endpoint.is_none()), "{rows:#?}");
    assert!(
        rows.iter().all(|r| r.baseline.p50.0 > 0 && r.current.p50.0 > 0),
        "{rows:#?}"
    );
}
