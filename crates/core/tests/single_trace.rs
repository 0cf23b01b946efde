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
