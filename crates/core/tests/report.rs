//! The feedback-meeting report: its JSON for a fixed generated set with a
//! baseline (snapshot), a report read back equals itself, a report used as
//! the baseline judges like the trace files it was made from, fingerprints
//! stay put across seeds, and statuses follow a finding from report to report.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{import, shop, two_periods};
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::regression::Verdict;
use tracelens_core::report::{self, BaselineInput, Options, Report, Section, Status, Tracking, WorkState};
use tracelens_core::synth::shop::Pattern;

fn report(set: &TraceSet, baseline: BaselineInput<'_>) -> (Analysis, Report) {
    report::generate(set, baseline, &Options::default())
}

/// The report's JSON with each summary sample replaced by its length: the
/// durations are pinned by the comparison tests below, not line by line.
fn pinned_json(report: &Report) -> serde_json::Value {
    let mut value = serde_json::to_value(report).unwrap();
    for group in value["summary"]["groups"].as_array_mut().unwrap() {
        let n = group["sample"].as_array().unwrap().len();
        group["sample"] = serde_json::json!(format!("{n} durations"));
    }
    value
}

#[test]
fn the_report_of_two_periods_is_pinned() {
    let (baseline, current) = two_periods();
    let (_, report) = report(&current, BaselineInput::Traces(&baseline));
    insta::assert_snapshot!(
        "two_periods",
        serde_json::to_string_pretty(&pinned_json(&report)).unwrap()
    );
}

#[test]
fn the_report_says_what_changed() {
    let (baseline, current) = two_periods();
    let (analysis, report) = report(&current, BaselineInput::Traces(&baseline));
    // The first headline is the planted regression, linking to the latency section.
    let first = &report.headlines[0];
    assert!(first.text.starts_with("`GET /api/cart` got slower: p50 "), "{first:?}");
    assert_eq!(first.section, Section::Latency);
    assert!((3..=7).contains(&report.headlines.len()), "{:#?}", report.headlines);
    let cart = report
        .latency
        .endpoints
        .iter()
        .find(|e| e.endpoint.name == "GET /api/cart")
        .unwrap();
    let change = cart.change.as_ref().unwrap();
    assert_eq!(change.verdict, Verdict::Regression);
    // The same numbers as the analysis' comparison.
    let row = analysis
        .comparison
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .find(|r| r.name == "GET /api/cart")
        .unwrap();
    assert_eq!((change.baseline_p50, cart.p50), (row.baseline.p50, row.current.p50));
    assert_eq!(change.p_value, row.p_value_adjusted);
    let histogram = cart.histogram.as_ref().unwrap();
    assert_eq!(histogram.current.iter().sum::<u64>(), cart.requests);
    assert_eq!(
        histogram.baseline.as_ref().unwrap().iter().sum::<u64>(),
        change.baseline_requests
    );
    // The declined cards are a new error type, with a question about them.
    assert!(!report.errors.new.is_empty(), "{:#?}", report.errors);
    assert!(report.errors.new.iter().all(|e| e.baseline_count == Some(0)));
    assert!(report.questions.questions.iter().any(|q| q.section == Section::Errors));
    assert!(
        report.questions.questions[0]
            .text
            .contains("`GET /api/cart` got slower")
    );
    // The N+1 was there before: still open; the error hotspot is new.
    let status = |detector: &str| {
        report
            .findings
            .iter()
            .find(|f| f.detector == detector)
            .unwrap_or_else(|| panic!("no {detector} in {:#?}", report.findings))
            .status
    };
    assert_eq!(status("n_plus_one_queries"), Some(Status::StillOpen));
    assert_eq!(status("error_hotspot"), Some(Status::New));
    assert_eq!(report.header.current.spans, current.spans.len() as u64);
    assert_eq!(
        report.header.baseline.as_ref().unwrap().spans,
        baseline.spans.len() as u64
    );
}

#[test]
fn a_report_read_back_is_the_same_report() {
    let (baseline, current) = two_periods();
    let (_, mut report) = report(&current, BaselineInput::Traces(&baseline));
    report.findings[0].tracking = Tracking {
        notes: "Batch it: \"items\" in one query <b>".to_owned(),
        owner: "ana".to_owned(),
        state: WorkState::Fixing,
    };
    let json = report.to_json();
    assert_eq!(Report::from_json(json.as_bytes()).unwrap(), report);
    assert!(Report::looks_like(json.as_bytes()));
    let newer = json.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1);
    let error = Report::from_json(newer.as_bytes()).unwrap_err().to_string();
    assert!(error.contains("schema_version 99 is not supported"), "{error}");
    assert!(Report::from_json(b"{\"resourceSpans\": []}").is_err());
}

#[test]
fn a_report_as_baseline_judges_like_its_trace_files() {
    let (baseline, current) = two_periods();
    let (_, earlier) = report(&baseline, BaselineInput::None);
    let earlier = Report::from_json(earlier.to_json().as_bytes()).unwrap();
    let (from_files, by_files) = report(&current, BaselineInput::Traces(&baseline));
    let (from_report, by_report) = report(&current, BaselineInput::Report(&earlier));
    let rows = |a: &Analysis| a.comparison.as_ref().unwrap().rows.clone();
    let (files, reports) = (rows(&from_files), rows(&from_report));
    assert!(files.len() > 20, "{}", files.len());
    assert_eq!(files, reports, "every row, verdict and p-value the same");
    let changes = |a: &Analysis| {
        a.findings
            .iter()
            .filter(|f| f.detector.name() == "regression" || f.detector.name() == "improvement")
            .map(|f| f.explanation.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(changes(&from_files), changes(&from_report));
    assert_eq!(by_files.usage, by_report.usage);
    assert_eq!(by_files.latency, by_report.latency);
    assert_eq!(by_files.errors, by_report.errors);
}

/// Sets whose entry spans and endpoints are easy to get wrong: the shop with
/// a regression, a session, a stream of messages, Zipkin's unknown durations.
fn sets_with_requests() -> Vec<TraceSet> {
    let (baseline, current) = two_periods();
    let mut sets = vec![baseline, current];
    for path in [
        "jaeger-ui-json/dgurkaynak__stalk__async-follows-from.json",
        "jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json",
        "zipkin-v2/zipkin__messaging-kafka.json",
        "zipkin-v2/zipkin__smartthings-mobile-web-install.json",
        "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl",
    ] {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(path);
        let mut set = TraceSet::new();
        tracelens_core::import::import_file(&mut set, "fixture", &std::fs::read(path).unwrap()).unwrap();
        sets.push(set);
    }
    sets
}

#[test]
fn what_the_report_takes_from_the_analysis_equals_what_it_would_find_afresh() {
    use tracelens_core::analysis::Requests;
    use tracelens_core::analysis::detectors::{Config, regression::Samples};
    use tracelens_core::index::TraceIndex;
    use tracelens_core::report::errors::ErrorTypes;
    for set in sets_with_requests() {
        let index = TraceIndex::build(&set);
        let afresh = Samples::of(&set, &index);
        assert!(afresh.groups().next().is_some());
        let analysis = Analysis::with_samples(&set, &index, None, &Config::default());
        assert_eq!(analysis.requests(), &Requests::of(&set, &index));
        assert_eq!(Samples::of_requests(&set, &index, analysis.requests()), afresh);
        assert_eq!(
            ErrorTypes::of_requests(&set, &index, analysis.requests()),
            ErrorTypes::of(&set, &index)
        );
        // Compared with itself: the current samples gathered inside the analysis are the same too.
        let (compared, gathered) = Analysis::against_samples(&set, &index, &afresh, &Config::default());
        assert_eq!(gathered, afresh);
        assert_eq!(compared.groups, analysis.groups);
    }
}

#[test]
fn a_sampled_baseline_keeps_exact_counts_and_percentiles() {
    let (baseline, current) = two_periods();
    let (_, mut earlier) = report(&baseline, BaselineInput::None);
    // Far fewer durations than the groups have: the sample stands in for them.
    let index = tracelens_core::index::TraceIndex::build(&baseline);
    let samples = tracelens_core::analysis::detectors::regression::Samples::of(&baseline, &index);
    earlier.summary = report::summary::summarise(&samples, 40);
    let (by_files, _) = report(&current, BaselineInput::Traces(&baseline));
    let (by_sample, _) = report(&current, BaselineInput::Report(&earlier));
    let (files, sampled) = (by_files.comparison.unwrap().rows, by_sample.comparison.unwrap().rows);
    assert_eq!(files.len(), sampled.len());
    for (f, s) in files.iter().zip(&sampled) {
        assert_eq!((&f.name, f.baseline), (&s.name, s.baseline), "exact sides");
    }
    let cart = sampled.iter().find(|r| r.name == "GET /api/cart").unwrap();
    assert_eq!(cart.verdict, Verdict::Regression, "a 1.5× change survives sampling");
}

#[test]
fn fingerprints_are_the_same_for_the_same_pattern_across_seeds() {
    let fingerprints: Vec<Vec<String>> = [3, 4, 5]
        .into_iter()
        .map(|seed| {
            let (_, report) = report(&import(&shop(seed, 200, &[Pattern::NPlusOne])), BaselineInput::None);
            let mut found: Vec<String> = report.findings.iter().map(|f| f.fingerprint.clone()).collect();
            found.sort();
            found
        })
        .collect();
    assert!(
        fingerprints[0].iter().any(|f| f.starts_with("n_plus_one_queries:")),
        "{fingerprints:?}"
    );
    assert_eq!(fingerprints[0], fingerprints[1]);
    assert_eq!(fingerprints[1], fingerprints[2]);
}

#[test]
fn statuses_follow_findings_from_report_to_report() {
    let first = import(&shop(6, 200, &[Pattern::NPlusOne, Pattern::Bottleneck]));
    let (_, mut earlier) = report(&first, BaselineInput::None);
    assert!(earlier.findings.iter().all(|f| f.status.is_none()));
    let n_plus_one = earlier
        .findings
        .iter_mut()
        .find(|f| f.detector == "n_plus_one_queries")
        .unwrap();
    n_plus_one.tracking = Tracking {
        notes: "one query per item".to_owned(),
        owner: "ana".to_owned(),
        state: WorkState::Fixing,
    };
    let earlier = Report::from_json(earlier.to_json().as_bytes()).unwrap();

    let second = import(&shop(7, 200, &[Pattern::NPlusOne, Pattern::ChattyCalls]));
    let (_, later) = report(&second, BaselineInput::Report(&earlier));
    let find = |detector: &str| later.findings.iter().find(|f| f.detector == detector).unwrap();
    let still = find("n_plus_one_queries");
    assert_eq!(still.status, Some(Status::StillOpen));
    assert_eq!(still.tracking.owner, "ana");
    assert_eq!(still.tracking.state, WorkState::Fixing);
    assert_eq!(find("chatty_calls").status, Some(Status::New));
    let resolved = find("bottleneck");
    assert_eq!(resolved.status, Some(Status::Resolved));
    // Resolved ones come after every open one.
    let first_resolved = later
        .findings
        .iter()
        .position(|f| f.status == Some(Status::Resolved))
        .unwrap();
    assert!(
        later.findings[first_resolved..]
            .iter()
            .all(|f| f.status == Some(Status::Resolved))
    );

    // A resolved finding is not carried into the report after that.
    let (_, third) = report(&second, BaselineInput::Report(&later));
    assert!(
        third.findings.iter().all(|f| f.detector != "bottleneck"),
        "{:#?}",
        third.findings
    );
    assert_eq!(
        third
            .findings
            .iter()
            .find(|f| f.detector == "n_plus_one_queries")
            .unwrap()
            .tracking
            .owner,
        "ana"
    );
}

#[test]
fn the_biggest_regression_comes_first_in_headlines_and_questions() {
    // The cart 1.3× slower and the search 3× slower: the search is the bigger
    // change, though the cart is busier, so it leads in both places.
    let baseline = import(&shop(1, 300, &[]));
    let current = import(&tracelens_core::synth::stretch(
        &tracelens_core::synth::stretch(&shop(2, 300, &[]), "GET /api/cart", 1.3),
        "GET /api/search",
        3.0,
    ));
    let (_, report) = report(&current, BaselineInput::Traces(&baseline));
    let slower = |texts: Vec<&str>| -> Vec<String> {
        texts
            .into_iter()
            .filter(|t| t.contains("got slower"))
            .filter_map(|t| t.split('`').nth(1).map(str::to_owned))
            .collect()
    };
    let from_headlines = slower(report.headlines.iter().map(|h| h.text.as_str()).collect());
    let from_questions = slower(report.questions.questions.iter().map(|q| q.text.as_str()).collect());
    assert_eq!(
        from_headlines.first().map(String::as_str),
        Some("GET /api/search"),
        "{from_headlines:?}"
    );
    assert_eq!(from_questions.first(), from_headlines.first(), "{from_questions:?}");
    assert!(
        from_questions.iter().any(|e| e == "GET /api/cart"),
        "{from_questions:?}"
    );
}
