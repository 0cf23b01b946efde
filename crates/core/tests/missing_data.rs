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
