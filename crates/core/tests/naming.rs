//! What a finding is called by (the report's headlines, its place and its
//! action items: [`Subject::named`]) against what its sentence says, on every
//! recorded capture; and the clause a finding adds when its numbers rest on
//! times the critical path corrected for clock skew.
//!
//! A finding about many routes or operations was headlined by one of them:
//! SmartThings' call overhead on nine routes as `post /oauth/check_token` in
//! `auth`, the Robot Framework capture's 36 lost contexts (30 to
//! `/api/v2/executions`, 6 to `/api/v1/users/notifications/system`) as
//! `GET /v2/executions`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{fixture_files, fixtures_dir, span};
use std::path::{Path, PathBuf};
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::{Finding, Subject};
use tracelens_core::import::import_file;
use tracelens_core::model::SpanKind;
use tracelens_core::report::{self, BaselineInput, Options, Report};

/// The recorded captures: `tests/fixtures`, and the multi-service ones in
/// `../shared/fixtures` when that folder is there.
fn captures() -> Vec<PathBuf> {
    let mut files = fixture_files(&fixtures_dir());
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if shared.is_dir() {
        files.extend(fixture_files(&shared));
    }
    files
}

fn read(path: &Path) -> Option<TraceSet> {
    let mut set = TraceSet::new();
    import_file(&mut set, "capture", &std::fs::read(path).unwrap()).ok()?;
    Some(set)
}

fn report_of(path: &str) -> Report {
    let set = read(&fixtures_dir().join(path)).unwrap();
    report::generate(&set, BaselineInput::None, &Options::default()).1
}

fn analysis_of(path: &str) -> Analysis {
    Analysis::of(&read(&fixtures_dir().join(path)).unwrap())
}

fn headlines(report: &Report) -> Vec<&str> {
    report.headlines.iter().map(|h| h.text.as_str()).collect()
}

/// The names (between backticks) in `text`.
fn names(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The finding of `detector` whose subject's operation starts with `operation`.
fn finding<'a>(analysis: &'a Analysis, detector: &str, operation: &str) -> &'a Finding {
    analysis
        .findings
        .iter()
        .find(|f| f.detector == detector && f.subject.operation.starts_with(operation))
        .unwrap_or_else(|| panic!("no {detector} on {operation}: {:#?}", analysis.findings))
}

/// Every name a finding is called by is one its sentence says: a headline
/// never names a member the finding's sentence does not. One name is the
/// finding's own, not the sentence's: the service a critical path's request
/// entered (its sentence names the request alone). A data-quality finding's
/// problem ("clock skew") is the report's word, not a name: never in
/// backticks, as if it were an operation of the data.
#[test]
fn every_name_a_finding_is_called_by_is_in_its_sentence() {
    let mut checked = 0;
    for path in captures() {
        let Some(set) = read(&path) else { continue };
        for finding in Analysis::of(&set).findings {
            let named = finding.subject.named();
            for name in names(&named) {
                let own_words = finding.detector == "critical_path" && name == finding.subject.scope_service();
                assert!(
                    own_words || finding.explanation.contains(&format!("`{name}`")),
                    "{}: {} is called {named}, but its sentence never says `{name}`: {}",
                    path.display(),
                    finding.detector,
                    finding.explanation
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

/// What the critical path's scope names as the request's service: the last
/// name of "`GET /dispatch` in `frontend`".
trait ScopeService {
    fn scope_service(&self) -> &str;
}

impl ScopeService for Subject {
    fn scope_service(&self) -> &str {
        self.scope
            .as_deref()
            .and_then(|s| names(s).last().copied())
            .unwrap_or("")
    }
}

#[test]
fn smartthings_call_overhead_is_named_by_its_nine_routes() {
    let report = report_of("zipkin-v2/zipkin__smartthings-mobile-web-install.json");
    assert_eq!(
        headlines(&report),
        [
            "Warning finding: Unexplained time `post pages/install/page` in `strongman` (10 requests, 2.36s on \
             the critical path).",
            "Warning finding: Call overhead `strongman` → `platformapi` and 8 other routes between services \
             (18 requests, 2.08s on the critical path).",
        ]
    );
    let overhead = &report.findings[1];
    assert!(
        overhead.explanation.starts_with("Calls on 9 routes between services"),
        "{}",
        overhead.explanation
    );
    // Keyed (its JSON subject, its fingerprint) by the route the headline
    // names first, not by `auth`'s `post /oauth/check_token`, the callee
    // most calls reach, which the JSON named though the headline did not.
    assert_eq!(
        (overhead.subject.service.as_str(), overhead.subject.operation.as_str()),
        ("strongman", "strongman → platformapi")
    );
    let markdown = report::render::markdown(&report);
    for place in [
        "- **Where:** `strongman` → `platformapi` and 8 other routes between services\n",
        // Two statements at one consistency level, not the first of them.
        "- **Where:** 2 statements at `QUORUM` in `auth`\n",
        // Untimed spans in five services, not the most affected alone.
        "- **Where:** missing times in `platformapi` and 4 other services\n",
    ] {
        assert!(markdown.contains(place), "{place}\n{markdown}");
    }
    assert!(
        report.questions.action_items[1]
            .text
            .starts_with("Call overhead `strongman` → `platformapi` and 8 other routes between services: "),
        "{:?}",
        report.questions.action_items
    );
}

#[test]
fn robot_frameworks_lost_contexts_are_named_by_the_pair_of_services() {
    let report = report_of("otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl");
    // Its place (no longer a headline: the test run's sleeps and the dark
    // uploads cost more), not the endpoint of 30 of the 36 calls.
    let markdown = report::render::markdown(&report);
    assert!(
        markdown.contains("- **Where:** `essvt-ui` → `essvt-core`\n"),
        "{markdown}"
    );
    assert!(
        !headlines(&report).iter().any(|h| h.contains("GET /v2/executions")),
        "{:?}",
        headlines(&report)
    );
    // Four failing steps of the test runner, led by the call two of them
    // failed on (`POST /v2/executions` answering 403, traced apart from
    // them): that is where a team acts; the steps say where it was seen.
    assert!(
        markdown.contains(
            "- **Where:** `POST /v2/executions` in `essvt-core` answering HTTP 403 (seen in `Should Be True \
             ${resp.status_code} == 201, msg=Execution creation returned ${resp.status_code}: ${resp.text}` in \
             `essvt-test-runner` and 1 other operation) and 2 other operations\n"
        ),
        "{markdown}"
    );
}

#[test]
fn findings_of_several_services_handlers_or_operations_name_them_all() {
    let cases = [
        (
            "zipkin-v2/zipkin__messaging2.json",
            "data_quality",
            "orphan spans",
            "orphan spans in `transfer-service` and 1 other service",
        ),
        (
            "otlp-protobuf/otlp2parquet__traces.pb",
            "data_quality",
            "traces without a root",
            "traces without a root in `product-catalog` and 6 other services",
        ),
        (
            "zipkin-v2/zipkin__skew.json",
            "data_quality",
            "clock skew",
            "clock skew on `servicea` → `serviceb`",
        ),
        (
            "jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json",
            "queued_handlers",
            "InternalTransferOnUserExitStartedMessage",
            "`InternalTransferOnUserExitStartedMessage` and 3 other handlers in `nimbuscallhandler`",
        ),
        (
            "otlp-json/jaeger__memory__otel_traces_01.json",
            "error_hotspot",
            "test-general-conversion-3",
            "`test-general-conversion-3` in `service-x` and 2 other operations calling `service-y`",
        ),
        (
            "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json",
            "critical_path",
            "SQL SELECT",
            "`GET /dispatch` in `frontend`",
        ),
        // Tokens checked again by the services below one that had checked
        // them: named by those callers, who can fix it, not by `auth`.
        (
            "zipkin-v2/zipkin__smartthings-mobile-web-install.json",
            "repeated_along_chain",
            "post /oauth/check_token",
            "`account`, `coreSrv` → `post /oauth/check_token` in `auth`, below `bookie`",
        ),
        // One operation of one service: its name, as before.
        (
            "jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json",
            "bottleneck",
            "SQL SELECT",
            "`SQL SELECT` in `mysql` under `GET /dispatch`",
        ),
        (
            "jaeger-ui-json/jaeger__uimodel__ui_01.json",
            "data_quality",
            "duplicate span IDs",
            // The problem is the report's word, not a name from the data:
            // no backticks, even where one service has it.
            "duplicate span IDs in `service-x`",
        ),
    ];
    for (path, detector, operation, named) in cases {
        let analysis = analysis_of(path);
        assert_eq!(finding(&analysis, detector, operation).subject.named(), named, "{path}");
    }
}

/// The hipster shop's loop of updates is a warning because it rewrites 16
/// orders its request did not create, not for its 10.8 ms: the headline and
/// the cost line say the risk before the time, so a reader does not pass a
/// 10.8 ms item by. A finding of time alone says its time only.
#[test]
fn a_finding_that_rewrites_others_rows_says_so_before_its_time() {
    let report = report_of("jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json");
    let headline = headlines(&report)
        .into_iter()
        .find(|h| h.contains("N+1 queries `update shop.order"))
        .expect("the updates are headlined");
    assert!(
        headline.ends_with("(rewrites rows the request did not create; 1 request, 10.8ms on the critical path)."),
        "{headline}"
    );
    let markdown = report::render::markdown(&report);
    assert!(
        markdown.contains(
            "- **Cost:** rewrites rows the request did not create; 1 of 1 request, 3% of their time, 10.8ms on the \
             critical path\n"
        ),
        "{markdown}"
    );
    let others = report.findings.iter().filter(|f| !f.impact.data_at_risk).count();
    assert!(others > 0);
    assert_eq!(
        markdown.matches("rewrites rows the request did not create;").count(),
        2,
        "{markdown}"
    );
}

/// Zipkin's skew capture: `async` holds 65% of the path only once its
/// server half, recorded 65.4 ms before its call, is placed inside it; the
/// bottleneck says so. The critical path says which callee it placed in its
/// own words, once; the data-quality finding reports the raw skew.
#[test]
fn a_bottleneck_on_skew_corrected_times_says_so() {
    let analysis = analysis_of("zipkin-v2/zipkin__skew.json");
    assert_eq!(
        finding(&analysis, "bottleneck", "async").explanation,
        "`async` in `serviceb` holds 65% (65.0ms) of the critical path of `get` in its one request (n=1); times \
         corrected for a clock skew of 65.4ms to 66.4ms between `servicea` and `serviceb`"
    );
    for (detector, operation) in [("critical_path", "post"), ("data_quality", "clock skew")] {
        let sentence = &finding(&analysis, detector, operation).explanation;
        assert!(!sentence.contains("times corrected"), "{sentence}");
    }
}

/// No other capture has a finding on corrected times: SmartThings' one
/// placed callee (`alice`'s `get`, ending 1.08 ms after its 3.86 ms call
/// from `execution`) is under no finding's example spans, and its one-way
/// sends, recorded without a duration, are never placed.
#[test]
fn only_the_skew_capture_has_findings_on_corrected_times() {
    for path in captures() {
        let Some(set) = read(&path) else { continue };
        let skew = path.ends_with("zipkin__skew.json");
        for finding in Analysis::of(&set).findings {
            let corrected = finding.explanation.contains("times corrected for");
            assert_eq!(
                corrected,
                skew && finding.detector == "bottleneck",
                "{}: {}",
                path.display(),
                finding.explanation
            );
        }
    }
}

/// Three requests whose `GET /a` calls `b` and holds most of its time in
/// `b`'s `work`, with `b`'s clock `skew_ms` behind: recorded, `b`'s server
/// half starts before the call does.
fn skewed_requests(skew_ms: u64) -> Vec<tracelens_core::synth::SynthSpan> {
    let mut spans = Vec::new();
    for t in 0..3u64 {
        let at = 1_000 * t + 100;
        let id = 10 * t;
        spans.push(span(
            u128::from(t) + 1,
            id + 1,
            None,
            "front",
            "GET /a",
            SpanKind::Server,
            (at, at + 300),
        ));
        spans.push(span(
            u128::from(t) + 1,
            id + 2,
            Some(id + 1),
            "front",
            "call b",
            SpanKind::Client,
            (at + 10, at + 260),
        ));
        let (start, end) = (at + 15 - skew_ms, at + 255 - skew_ms);
        spans.push(span(
            u128::from(t) + 1,
            id + 3,
            Some(id + 2),
            "b",
            "handle",
            SpanKind::Server,
            (start, end),
        ));
        spans.push(span(
            u128::from(t) + 1,
            id + 4,
            Some(id + 3),
            "b",
            "work",
            SpanKind::Internal,
            (start + 5, end - 5),
        ));
    }
    spans
}

#[test]
fn a_finding_under_a_placed_callee_says_its_times_were_corrected() {
    let skewed = common::built(&skewed_requests(60));
    let work = finding(&skewed, "bottleneck", "work");
    // The skew is 60 ms: each callee lies 55 ms outside its call, and has
    // 10 ms to spare in it, so 55 to 65 ms fits the spans; "up to" is the
    // most (it said "up to 55.0ms", the least, under the true skew).
    assert!(
        work.explanation
            .ends_with("; times corrected for clock skews of up to 65.0ms between `front` and `b`"),
        "{}",
        work.explanation
    );
    // The same requests on one clock: nothing corrected, nothing said.
    let true_clock = common::built(&skewed_requests(0));
    let work = finding(&true_clock, "bottleneck", "work");
    assert!(!work.explanation.contains("times corrected"), "{}", work.explanation);
}

/// HotROD's frontend names its calls as OTel did before 2023, `HTTP GET`:
/// a method and nothing of where the call went. The chatty calls were
/// headlined "`HTTP GET` in `frontend`"; like a bare `GET`, they are named
/// by the path their `http.url` says (`/route`, all ten of them).
#[test]
fn an_old_otel_http_method_name_is_named_by_its_route() {
    let report = report_of("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    assert!(
        headlines(&report).contains(
            &"Warning finding: Chatty calls `GET /route` in `frontend` under `GET /dispatch` (1 request, 559ms on the \
              critical path)."
        ),
        "{:?}",
        headlines(&report)
    );
    let chatty = finding(
        &analysis_of("jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json"),
        "chatty_calls",
        "HTTP GET",
    )
    .subject
    .clone();
    // The key stays the span name (the operations table's, the fingerprint's).
    assert_eq!(
        (chatty.operation.as_str(), chatty.route.as_deref()),
        ("HTTP GET", Some("GET /route"))
    );
}

/// The next step follows the finding, not only its detector: the hipster
/// shop's loop of 17 `update shop.order`, 16 of them other users' orders,
/// is not fixed by fetching the rows in one query (a batch rewrites the
/// same rows, faster); HotROD's loop of reads is.
#[test]
fn a_finding_that_rewrites_others_rows_is_told_to_restrict_the_write() {
    let report = report_of("jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json");
    let updates = report
        .findings
        .iter()
        .find(|f| f.detector == "n_plus_one_queries" && f.subject.operation.starts_with("update shop.order"))
        .expect("the updates are a finding");
    assert!(updates.impact.data_at_risk);
    assert!(
        updates
            .next_step
            .starts_with("Restrict the write to the rows the request owns: check that its WHERE clause binds"),
        "{}",
        updates.next_step
    );
    let item = report
        .questions
        .action_items
        .iter()
        .find(|i| i.text.starts_with("N+1 queries `update shop.order"))
        .expect("the updates are an action item");
    assert!(item.text.ends_with(&updates.next_step), "{}", item.text);
    assert!(!item.text.contains("Fetch the rows"), "{}", item.text);
    let markdown = report::render::markdown(&report);
    assert!(markdown.contains("- **Next step:** Restrict the write"), "{markdown}");
    // A loop of reads keeps its detector's step.
    let reads = report_of("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let redis = reads
        .findings
        .iter()
        .find(|f| f.detector == "n_plus_one_queries")
        .expect("HotROD's reads are a finding");
    assert!(
        redis.next_step.starts_with("Fetch the rows in one query"),
        "{}",
        redis.next_step
    );
}

/// An error no attribute names (HotROD's `redis timeout`, its span says
/// only that it failed) gets the report's stand-in `error` as its kind: the
/// report's word, written plain in the errors table, not set in code type
/// like a name from the data, which an exception type is.
#[test]
fn an_untyped_errors_stand_in_is_no_name() {
    let report = report_of("jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json");
    let untyped = report
        .errors
        .new
        .iter()
        .find(|e| e.operation == "GetDriver")
        .expect("the redis timeouts are an error type");
    assert_eq!(untyped.kind, tracelens_core::report::ErrorType::UNTYPED);
    assert!(!untyped.kind_is_named());
    let markdown = report::render::markdown(&report);
    assert!(markdown.contains("| error | `GetDriver` in `redis` |"), "{markdown}");
    assert!(!markdown.contains("`error`"), "{markdown}");
}
