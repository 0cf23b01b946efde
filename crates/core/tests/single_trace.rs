//! One trace is enough to say something: a person who drops one slow trace
//! from Jaeger learns its critical path, its bottleneck and its unexplained
//! time, on the recorded captures of real systems.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::{Finding, Severity};
use tracelens_core::import::import_file;

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
    assert_eq!(
        finding.explanation,
        "`SQL SELECT` in `mysql` holds 76% of the critical path of `GET /dispatch` (1.38s) in its one request (n=1)"
    );
    assert_eq!((finding.impact.requests, finding.impact.of_requests), (1, 1));
    // One request is evidence enough to name it, not to call it critical.
    assert_eq!(finding.severity, Severity::Warning);
}

#[test]
fn the_otel_demo_checkout_waits_fifteen_seconds_with_no_child() {
    let analysis = fixture("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json");
    let found = of(&analysis, "uninstrumented_time");
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(
        found[0].explanation,
        "`POST` in `frontend` spends 15.0s with no child span in its one request (n=1), 99% of the critical path of `POST /api/checkout`: a timeout of 15 s?"
    );
    assert_eq!(found[0].subject.endpoint.as_deref(), Some("POST /api/checkout"));
    assert!(found[0].impact.request_time_share > 0.99, "{:?}", found[0].impact);
    // One cause, one finding: the bottleneck on the same span is folded into it.
    assert!(of(&analysis, "bottleneck").is_empty(), "{:#?}", analysis.findings);
}

#[test]
fn a_single_trace_gets_its_critical_path_described() {
    let analysis = fixture("jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json");
    let found = of(&analysis, "critical_path");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].explanation,
        "The critical path of `GET /dispatch` (1.81s) runs through `SQL SELECT` in `mysql` (1.38s, 76%), `GetDriver` in `redis` ×13 (204ms, 11%) and `HTTP GET /route` in `route` ×6 (192ms, 11%)"
    );
    assert_eq!(found[0].severity, Severity::Info);
    assert_eq!(
        found[0].evidence[0].span_ids.len(),
        3,
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
