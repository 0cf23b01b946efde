//! The findings on each recorded multi-service capture, pinned: what a
//! performance engineer signed off (TESTING.md says why each is right). A
//! change to any detector that alters one of these lists must say why in its
//! commit and update TESTING.md's table with it.
//!
//! Each row: severity, detector, the subject's service and the start of its
//! operation, in the order the analysis ranks them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::import_file;

/// The analysis of a recorded capture in `tests/fixtures/`.
fn analyse(path: &str) -> Analysis {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(path);
    let mut set = TraceSet::new();
    import_file(&mut set, "capture", &std::fs::read(path).unwrap()).unwrap();
    Analysis::of(&set)
}

fn findings(path: &str) -> Vec<(String, String, String, String)> {
    rows_of(&analyse(path))
}

/// An analysis' findings as rows.
fn rows_of(analysis: &Analysis) -> Vec<(String, String, String, String)> {
    analysis
        .findings
        .iter()
        .map(|f| {
            (
                format!("{:?}", f.severity).to_lowercase(),
                f.detector.name().to_owned(),
                f.subject.service.clone(),
                f.subject.operation.chars().take(40).collect(),
            )
        })
        .collect()
}

fn rows(expected: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    expected
        .iter()
        .map(|(a, b, c, d)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned(), (*d).to_owned()))
        .collect()
}

#[test]
fn hotrod_2019() {
    assert_eq!(
        findings("jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json"),
        rows(&[
            ("warning", "bottleneck", "mysql", "SQL SELECT"),
            ("warning", "n_plus_one_queries", "redis", "GetDriver"),
            ("warning", "chatty_calls", "frontend", "HTTP GET"),
            ("info", "retries", "redis", "GetDriver"),
            // No critical path: its three parts, `SQL SELECT` (76%),
            // `GetDriver` ×13 (11%) and the route calls (11%), are the
            // bottleneck's, the N+1's and the chatty calls' costs, each told
            // above (the strict review: one cost read twice).
        ])
    );
}

#[test]
fn hotrod_full_serial() {
    assert_eq!(
        findings("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json"),
        rows(&[
            ("warning", "chatty_calls", "frontend", "HTTP GET"),
            ("warning", "n_plus_one_queries", "redis-manual", "GetDriver"),
            ("info", "retries", "redis-manual", "GetDriver"),
            // The route calls and `GetDriver` are told above: the path names
            // the lookup (28%) besides them.
            ("info", "critical_path", "mysql", "SQL SELECT"),
        ])
    );
}

#[test]
fn otel_demo_proxy_timeout() {
    assert_eq!(
        findings("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json"),
        rows(&[
            // The path ran only through the frontend's 15 s wait, which the
            // error hotspot tells: no critical path.
            ("warning", "error_hotspot", "frontend-proxy", "POST"),
        ])
    );
}

/// The proxy's and the frontend's spans are all named `POST` (the proxy
/// also answered a `POST /api/cart` that did not fail): each sentence names
/// them by the path they served, as the endpoint is named, while the
/// subject keeps the span name the operations table keys on (above).
#[test]
fn otel_demo_names_each_post_by_its_path() {
    let path = "otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json";
    let error = sentence(path, "error_hotspot", "HTTP 504");
    assert!(
        error.starts_with("`POST /api/checkout` in `frontend-proxy` failed the one `POST /api/checkout` request"),
        "{error}"
    );
    assert!(
        error.contains("waiting on `POST /api/checkout` in `frontend`, which did not fail"),
        "{error}"
    );
    assert!(
        error.ends_with("; `POST /api/checkout` in `frontend` had no child span for 15.0s of that wait."),
        "{error}"
    );
}

/// The report names the proxy's failing `POST` by its route, as the finding
/// does, and sizes the failure by the 15 s the request spent in it before
/// the proxy gave up, not by the proxy's own 556 µs on the critical path.
#[test]
fn otel_demo_report_names_the_route_and_sizes_the_hang() {
    use tracelens_core::report::{self, BaselineInput, Options};
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json");
    let mut set = TraceSet::new();
    import_file(&mut set, "capture", &std::fs::read(path).unwrap()).unwrap();
    let (_, report) = report::generate(&set, BaselineInput::None, &Options::default());
    let error = &report.findings[0];
    assert_eq!(error.subject.operation, "POST", "the operations table's key stays");
    assert_eq!(error.subject.route.as_deref(), Some("POST /api/checkout"));
    assert_eq!(
        report.headlines[0].text,
        "Warning finding: Error hotspot `POST /api/checkout` in `frontend-proxy` (1 request, 1 failed, 15.0s in the failing spans)."
    );
    let markdown = report::render::markdown(&report);
    assert!(
        markdown.contains("- **Where:** `POST /api/checkout` in `frontend-proxy`\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- **Cost:** 1 of 1 request (1 failed), 15.0s of their time (100%) in the failing spans\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| `HTTP 504` | `POST /api/checkout` in `frontend-proxy` |"),
        "{markdown}"
    );
    assert!(!markdown.contains("556µs"), "{markdown}");
}

#[test]
fn kafka_report_names_each_example_trace_once() {
    use tracelens_core::report::{self, BaselineInput, Options};
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/zipkin-v2/zipkin__messaging-kafka.json");
    let mut set = TraceSet::new();
    import_file(&mut set, "capture", &std::fs::read(path).unwrap()).unwrap();
    let (_, report) = report::generate(&set, BaselineInput::None, &Options::default());
    // Three handler runs of one recorded session: one trace, named once.
    let dark = report
        .findings
        .iter()
        .find(|f| f.detector == "uninstrumented_time")
        .expect("the dark handler runs");
    assert_eq!(dark.example_trace_ids, ["00000000000000000562809467078eab"]);
}

#[test]
fn hipster_shop_behind_envoy() {
    assert_eq!(
        findings("jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json"),
        // The checkout's nine calls in a row are a workflow (charge, ship,
        // empty the cart, store and mail the order): only its three reads
        // could run at once, and they would save 13 ms of 363. No sequential
        // calls finding.
        rows(&[
            // Placing one order rewrites 16 other customers' orders (bound
            // parameters): 3% of the time, but data written wrong is a
            // warning whatever it costs (the second review).
            (
                "warning",
                "n_plus_one_queries",
                "orderservice",
                "update shop.order set created=?, shippin"
            ),
            // After storing the order, the checkout calls
            // `partnerintegrationservice`, which sends no spans, through two
            // Envoy hops: 96.1 ms, 26% of its path, said before only in the
            // critical path's info (the strict review). Seen in one request
            // and under 100 ms: a sample, info (`warning_min_time_once`).
            ("info", "untraced_callee", "checkoutservice", "Sent./integrate"),
            // Five products fetched one after another: 44 ms, 12%, in the
            // one recorded checkout: info by the same rule.
            (
                "info",
                "chatty_calls",
                "frontend",
                "Sent.hipstershop.ProductCatalogService.G"
            ),
            ("info", "n_plus_one_queries", "dataservice", "reactive.redis.exit"),
            // Named by its first part no other finding tells.
            (
                "info",
                "critical_path",
                "checkoutservice",
                "Recv.hipstershop.CheckoutService.PlaceOr"
            ),
        ])
    );
    assert_eq!(
        finding_about(
            "jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json",
            "untraced_callee",
            "partnerintegrationservice"
        )
        .explanation,
        "`Sent./integrate` in `checkoutservice` waits 96.1ms on `partnerintegrationservice`, which sends no spans: \
         26% of the critical path of `POST /cart/checkout` in its one request (n=1), 1 call; what the callee does \
         in that time no span says (trace it, or ask its owners) and whether the request must wait for its answer \
         is worth checking"
    );
}

#[test]
fn staging_dotnet_session() {
    assert_eq!(
        findings("jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json"),
        // One recorded session: its seven handlers' slow Graph calls are one
        // sample of staging, a warning, not a critical finding.
        rows(&[
            // Four handlers of one call waited behind each other, 3.1 s in all.
            (
                "warning",
                "queued_handlers",
                "nimbuscallhandler",
                "InternalTransferOnUserExitStartedMessage"
            ),
            (
                "warning",
                "bottleneck",
                "nimbusmsteamsdriver",
                "Client Request: graph.microsoft.com"
            ),
            // A token fetched once at start (506 ms) and a timer that fired
            // once (122 ms), each the only such span of the 174 s session:
            // work done once, sized against the session.
            (
                "info",
                "bottleneck",
                "nimbusmsteamsdriver",
                "Client Request: login.microsoftonline.co"
            ),
            (
                "info",
                "bottleneck",
                "nimbuscallhandler",
                "WebApi.V1.Controllers.CallsController.Ro"
            ),
            // Ten serial reads of Azure App Configuration, all 304, in 1 of
            // the 14 messages `collector` handled: a refresh that came due,
            // 5% of the time those messages took.
            (
                "info",
                "chatty_calls",
                "collector",
                "Client Request: luappcsstagenimbuseuwe00"
            ),
            // Five serial Redis reads, most of a 7 ms handler: 6 ms a run.
            ("info", "n_plus_one_queries", "live-data", "Redis: GetSetMembers"),
            (
                "info",
                "chatty_calls",
                "organization-unit-manager",
                "Client Request: ravendb-0.ravendb"
            ),
        ])
    );
}

#[test]
fn kafka_consumers() {
    assert_eq!(
        findings("zipkin-v2/zipkin__messaging-kafka.json"),
        rows(&[
            // Three failed messages of one poll, in one recorded trace:
            // evidence, not yet a rate.
            ("warning", "error_hotspot", "serviceb", "on-message"),
            // `servicea` handled a poll's 3 messages one after another, each
            // 153-213 ms (85-90%) dark before its first child (`handle`):
            // found by the strict review, missed while the trace was judged
            // whole (a session under a 26 µs poll) and not per message.
            ("warning", "uninstrumented_time", "servicea", "on-message"),
        ])
    );
    let analysis = analyse("zipkin-v2/zipkin__messaging-kafka.json");
    let dark = analysis
        .findings
        .iter()
        .find(|f| f.detector == "uninstrumented_time")
        .expect("the dark handler runs");
    assert_eq!(
        dark.explanation,
        "`on-message` in `servicea` spends 153ms–213ms without any child span running in 3 of the 6 runs it \
         appears in, 90% of the critical path of those runs"
    );
    // Each failed message is sized by its handling (poll to handler's end),
    // not by the 1 µs poll that ended before its handler ran ("0% of their
    // time" before): the three handlers' 826 µs of 1.82 ms.
    let failed = analysis
        .findings
        .iter()
        .find(|f| f.detector == "error_hotspot")
        .expect("the failed messages");
    assert_eq!(
        tracelens_core::report::findings::time_cost(&failed.impact).as_deref(),
        Some("826µs of their time (45%) in the failing spans")
    );
}

#[test]
fn one_dark_run_in_a_session_is_one_sample_not_a_finding() {
    // An orphaned 2.6 s `send-confirm-transfer`, a unit of work of its own in
    // a session, with no child: one run says nothing about the handler.
    assert!(
        findings("zipkin-v2/zipkin__messaging2.json")
            .iter()
            .all(|(_, detector, _, _)| detector != "uninstrumented_time")
    );
    // SmartThings' `get authorize/confirm` in `strongman`: 108 ms with
    // nothing traced, once in the session (its install pages' dark tails,
    // in 10 of 11 runs, are a finding).
    assert!(
        findings("zipkin-v2/zipkin__smartthings-mobile-web-install.json")
            .iter()
            .all(|(_, detector, _, operation)| detector != "uninstrumented_time"
                || !operation.contains("authorize/confirm"))
    );
}

#[test]
fn async_follows_from_session() {
    assert_eq!(
        findings("jaeger-ui-json/dgurkaynak__stalk__async-follows-from.json"),
        // The session ended on one failed countdown: too rare for an error
        // hotspot, but the one error in the data is said.
        rows(&[("info", "rare_errors", "orchestrator", "waiting:initialize")])
    );
}

#[test]
fn robotframework_backend_and_test_runner() {
    assert_eq!(
        findings("otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl"),
        rows(&[
            // Four 8 s `Sleep ${wait}` keywords hold 32.0 s of the 35.7 s
            // test run (90%): the run's largest cost, in one run.
            ("warning", "fixed_waits", "essvt-test-runner", "Sleep ${wait}"),
            // 244 and 304 ms with no span running in a 272 and 352 ms upload.
            (
                "warning",
                "uninstrumented_time",
                "essvt-core",
                "PUT /v1/projects/{projectId}/content"
            ),
            // It costs no time (the calls take as long whoever traces them):
            // after the warning that does.
            ("warning", "broken_propagation", "essvt-core", "GET /v2/executions"),
            (
                "info",
                "error_hotspot",
                "essvt-test-runner",
                "POST ${CLICKHOUSE_URL}, data=${query}, e"
            ),
            // 13 serial inserts, but 3.3 ms and 2.1 ms in all: worth knowing.
            (
                "info",
                "n_plus_one_queries",
                "essvt-core",
                "insert into project_settings_t (project_"
            ),
            // The missing traces file, once: the handled `File Should
            // Exist` check is said in the `Fail` that followed it.
            (
                "info",
                "error_hotspot",
                "essvt-test-runner",
                "Fail Traces file not found at ${TRACES_F"
            ),
            // Four one-off failing steps, among them the two 403s ("The
            // runner [robot-runner] can not be used by the project"): led
            // by the call that answered 403, where a team acts, not by the
            // step that checked the answer (which it says it was seen in).
            ("info", "rare_errors", "essvt-core", "POST /v2/executions"),
        ])
    );
}

#[test]
fn smartthings_session() {
    assert_eq!(
        findings("zipkin-v2/zipkin__smartthings-mobile-web-install.json"),
        rows(&[
            // Each install page runs 140–195 ms after its last call returned
            // with no span running, in 10 of its 11 runs (31–43% of each;
            // one run 875 ms): 2.36 s, once under the "half of the request"
            // a stretch under 1 s needed.
            ("warning", "uninstrumented_time", "strongman", "post pages/install/page"),
            // 127 calls on 9 routes wait about 15 ms each outside their
            // callee, whatever the callee does: 2.08 s on the critical paths
            // of 18 runs, 25% of their time, in one recorded session; keyed
            // by its busiest route, the one its headline names first. One
            // more call, on `platformapi` → `execution`, stalled 352 ms (26×
            // that route's median): told apart, not in the total (it made
            // it 2.43 s, 29%, and ranked it above the dark tails).
            ("warning", "call_overhead", "strongman", "strongman → platformapi"),
            // In the one `GET /api/oauth/authorize` of `stLogin` (its `get`
            // server spans are told apart by path). The last device fetch,
            // 42% of that handler's path, is no bottleneck of its own: it is
            // one of the 52 calls this finding counts.
            ("warning", "chatty_calls", "stLogin", "get"),
            // The two writes at QUORUM, 77 ms each beside 0.9 ms at ONE:
            // 66% of the login's `POST /oauth/authorize`, 8% of the
            // finalize page (the review's "77 ms DELETE").
            (
                "warning",
                "consistency_cost",
                "auth",
                "DELETE FROM auth.oauth_code WHERE code ="
            ),
            // `account` and `coreSrv` check a token with `auth` again below
            // a `bookie` request that had checked one before calling them:
            // 23 checks in 11 install pages, all on their critical paths
            // (483 ms, 16–30 ms each), 8% of the pages' time: info; 401 ms
            // of it the round trips the call overhead counts too, said so.
            ("info", "repeated_along_chain", "auth", "post /oauth/check_token"),
            (
                "info",
                "n_plus_one_queries",
                "auth",
                "SELECT * FROM auth.client WHERE id = ?"
            ),
            // 83 unfinished copies of finished calls and 8 one-way messages:
            // no time lost, so not a warning.
            ("info", "data_quality", "platformapi", "missing times"),
            // `alice`'s circuit-breaker lookup answered 404 once. A later `get`
            // to another URL under the same parent succeeded, which once
            // dropped the error as "retried", though no retries finding had it.
            (
                "info",
                "rare_errors",
                "alice",
                "get circuitbreakers/_entitytype_/_entity"
            ),
        ])
    );
}

/// The calls between SmartThings' services wait a fixed 12–21 ms outside
/// their callee on nine routes, whatever the callee does (the strict
/// review): one round trip, told per route from the durations alone, which
/// no clock skew enters, beside the routes that wait 2–3 ms; the device
/// fetches' wait in front of `platformapi` (91 ms, a queue) stays the
/// chatty-calls finding's, not told twice.
#[test]
fn smartthings_calls_wait_a_round_trip_on_nine_routes() {
    let path = "zipkin-v2/zipkin__smartthings-mobile-web-install.json";
    let overhead = sentence(path, "call_overhead", "round trip");
    assert!(
        overhead.starts_with(
            "Calls on 9 routes between services wait about 14.8ms each outside their callee's span, whatever the \
             callee's work takes (a median 21.4ms): 127 calls (`strongman` → `platformapi` (30), `platformapi` → \
             `bookie` (17), `bookie` → `account` (15) and 6 more), a median 12.4ms–20.8ms per route (6.23ms–46.8ms \
             in all)"
        ),
        "{overhead}"
    );
    assert!(
        overhead.contains(
            "while `platformapi` → `gizmo`, `execution` → `bookie`, `execution` → `guardian` and 1 more wait \
             2.03ms–3.04ms: a round trip of about 14.8ms between these services"
        ),
        "{overhead}"
    );
    assert!(
        overhead.ends_with(
            "; 2.08s on the critical paths of the 18 runs that made them, 25% of their time; plus one 352ms stall \
             on `platformapi` → `execution` (26× that route's median wait, 345ms of it before the callee's span \
             began), on the critical path, not in that total"
        ),
        "{overhead}"
    );
    let analysis = analyse(path);
    let overheads: Vec<_> = analysis
        .findings
        .iter()
        .filter(|f| f.detector == "call_overhead")
        .collect();
    assert_eq!(overheads.len(), 1, "{overheads:#?}");
    // The install pages' dark tails: after their last call returned,
    // though the next page is parented to each (begun seconds later).
    let tail = sentence(path, "uninstrumented_time", "post pages/install/page");
    assert_eq!(
        tail,
        "`post pages/install/page` in `strongman` spends 159ms (median) after its last child span ended, with no \
         span running in 10 of the 11 runs it appears in, 43% of the critical path of those runs"
    );
    // The GenAI trace's three vector-store calls wait 50 ms after their
    // callee's span, but beside the agent's work, on no critical path.
    let genai = analyse("jaeger-ui-json/jaegerui__genaiTestTrace.json");
    assert!(
        genai.findings.iter().all(|f| f.detector != "call_overhead"),
        "{:#?}",
        genai.findings
    );
}

/// The 77 ms DELETE the review found unreported, and its twin INSERT: both
/// at `QUORUM`, every other statement of `auth` at `ONE` or `LOCAL_ONE`
/// under 8 ms; both on the path of the page that waited for them.
#[test]
fn smartthings_quorum_writes_cost_the_login() {
    let quorum = sentence(
        "zipkin-v2/zipkin__smartthings-mobile-web-install.json",
        "consistency_cost",
        "auth",
    );
    assert_eq!(
        quorum,
        "`auth`'s 2 database calls at consistency `QUORUM` (`DELETE FROM auth.oauth_code WHERE code = ?;` and \
         `INSERT INTO auth.oauth_code (code, authentication) VALUES (?…`) took 77.0ms–77.9ms, while its 128 calls \
         at `LOCAL_ONE` and `ONE` took a median 938µs (7.74ms at most): `QUORUM` counts the replicas of every data \
         center (are some in another? `LOCAL_QUORUM` waits only for the local ones, but check what these calls need \
         before relaxing it: a row they delete could still be read in another data center); 155ms on the critical paths \
         of the 2 runs that made them (`POST /oauth/authorize` in `stLogin`: 66% of it; `get authorize/finalize` \
         in `strongman`: 8% of it), 14% of their time"
    );
}

/// Tempo's service-graph example (AGPL, read from the shared corpus when it
/// is there): its one `pg.query:SELECT`, 23.8 ms of the one 30 ms request,
/// is a sample of one query, told as info, not a warning.
#[test]
fn tempo_service_graph_one_select_is_no_warning() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/otlp-json-nonconformant/tempo__servicegraphs__trace-with-queue-database.json");
    let Ok(bytes) = std::fs::read(path) else {
        eprintln!("skipped: ../shared/fixtures is not present");
        return;
    };
    let mut set = TraceSet::new();
    import_file(&mut set, "capture", &bytes).unwrap();
    assert_eq!(
        rows_of(&Analysis::of(&set)),
        rows(&[
            ("info", "bottleneck", "mythical-server", "pg.query:SELECT"),
            ("info", "critical_path", "mythical-server", "GET /:endpoint"),
        ])
    );
    // The query is the bottleneck's; the path keeps the endpoint's own
    // 6.13 ms beside it, which nothing else says.
    let path = Analysis::of(&set)
        .findings
        .into_iter()
        .find(|f| f.detector == "critical_path")
        .unwrap();
    assert_eq!(
        path.explanation,
        "Besides `pg.query:SELECT` in `mythical-server`, which the bottleneck finding tells, the critical path of \
         `GET /:endpoint` (30.0ms) runs through `GET /:endpoint` in `mythical-server` (6.13ms, 20%)"
    );
    assert_eq!(path.impact.time.0, 6_127_104);
}

#[test]
fn the_same_data_gives_the_same_findings_every_time() {
    // Every hash map gets its own random seed, so an order that leaks from one
    // into a sentence, a subject or the ranking shows up as a difference here.
    for path in [
        "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl",
        "zipkin-v2/zipkin__smartthings-mobile-web-install.json",
        "jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json",
        "jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json",
    ] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(path);
        let mut set = TraceSet::new();
        import_file(&mut set, "capture", &std::fs::read(&path).unwrap()).unwrap();
        let first = Analysis::of(&set).findings;
        for _ in 0..4 {
            assert_eq!(Analysis::of(&set).findings, first, "{}", path.display());
        }
    }
}

#[test]
fn zipkin_skew_one_distorting_call_is_named_and_its_skew_is_no_bottleneck() {
    // The server half starts 65 ms before its 95 ms client: one call, but a
    // skew a quarter of the call's length makes its numbers wrong.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/zipkin-v2/zipkin__skew.json");
    let mut set = TraceSet::new();
    import_file(&mut set, "capture", &std::fs::read(path).unwrap()).unwrap();
    let analysis = Analysis::of(&set);
    let skew: Vec<_> = analysis
        .findings
        .iter()
        .filter(|f| f.detector == "data_quality" && f.subject.operation == "clock skew")
        .collect();
    assert_eq!(skew.len(), 1, "{:#?}", analysis.findings);
    assert!(
        skew[0]
            .explanation
            .contains("in 1 of 1 call from `servicea` to `serviceb`"),
        "{}",
        skew[0].explanation
    );
    // The client's 66 ms around its callee is the skew itself (the server,
    // shifted by 65 ms, fits inside it with a millisecond to spare): no
    // bottleneck says it waited there, and the critical path counts the
    // server inside its call, as the data-quality finding places it, and
    // says so (it gave the client 66.4 ms, 67%, as recorded).
    assert!(
        !analysis
            .findings
            .iter()
            .any(|f| f.detector == "bottleneck" && f.subject.service == "servicea"),
        "{:#?}",
        analysis.findings
    );
    let path = analysis
        .findings
        .iter()
        .find(|f| f.detector == "critical_path")
        .unwrap();
    // `async` (65%) is the bottleneck's: the path names the rest (the
    // data-quality finding's evidence is the server `post`, but it tells a
    // skew, not that span's time, so `post` stays).
    assert_eq!(
        path.explanation,
        "Besides `async` in `serviceb`, which the bottleneck finding tells, the critical path of `get` (99.4ms) \
         runs through `post` in `serviceb` (28.6ms, 29%); `post` in `serviceb` is counted inside the call that \
         waited for it, where its host's clock put it 65.4ms outside (a clock skew of 65.4ms to 66.4ms)"
    );
    // The path never runs longer than the root (99.4 ms).
    let index = tracelens_core::index::TraceIndex::build(&set);
    let total: u64 = tracelens_core::analysis::critical_path::on_path_times(&set, &index)
        .iter()
        .map(|d| d.0)
        .sum();
    assert!(total <= 99_411_000, "{total}");
}

/// The explanation of the finding of `detector` whose sentence contains `about`.
fn finding_about(path: &str, detector: &str, about: &str) -> tracelens_core::analysis::detectors::Finding {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(path);
    let mut set = TraceSet::new();
    import_file(&mut set, "capture", &std::fs::read(&path).unwrap()).unwrap();
    let analysis = Analysis::of(&set);
    analysis
        .findings
        .iter()
        .find(|f| f.detector == detector && f.explanation.contains(about))
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{}: no {detector} about {about}: {:#?}",
                path.display(),
                analysis.findings
            )
        })
}

fn sentence(path: &str, detector: &str, about: &str) -> String {
    finding_about(path, detector, about).explanation
}

/// Sentences agree with their counts on the captures (the strict review):
/// a bottleneck's time follows its share, one rootless trace has one topmost span, a median of one call is not
/// called a median, consumed messages are messages, handler runs are runs,
/// and "that did not fail" no longer reads as said of "a request".
#[test]
fn sentences_agree_with_their_counts() {
    let rootless = sentence(
        "jaeger-ui-json/jaeger__query__otlp2jaeger-out__api-envelope.json",
        "data_quality",
        "no root span",
    );
    assert!(
        rootless.starts_with(
            "1 of 1 trace has no root span (every span names a parent; its topmost span is in `telemetrygen`): its request's"
        ),
        "{rootless}"
    );
    let skew = sentence("zipkin-v2/zipkin__skew.json", "data_quality", "Clock skew");
    // How far outside is the least the skew can be, and said so.
    assert!(
        skew.contains("by 65.4ms; the services' clocks differ by at least as much, so durations"),
        "{skew}"
    );
    let kafka = sentence("zipkin-v2/zipkin__messaging-kafka.json", "error_hotspot", "on-message");
    assert!(
        kafka.contains("failed all 3 messages of `serviceb: poll messages`"),
        "{kafka}"
    );
    // The time stands beside the share it is, not after the handler as if
    // the handler took 490 ms; the merged handlers are still named.
    let graph = sentence(
        "jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json",
        "bottleneck",
        "graph.microsoft.com",
    );
    assert!(
        graph.starts_with(
            "`Client Request: graph.microsoft.com` in `nimbusmsteamsdriver` holds 83% (490ms) of the critical path of \
             `CallWithCustomerEstablished` in `nimbuscallhandler` in its one run in a session (n=1); also in \
             `InputCompleted` in `nimbuscallhandler` (1 run), "
        ),
        "{graph}"
    );
    let redis = sentence(
        "jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json",
        "n_plus_one_queries",
        "GetSetMembers",
    );
    assert!(redis.contains("(median of 4 runs)"), "{redis}");
    let survived = sentence(
        "otlp-json/jaeger__memory__otel_traces_01.json",
        "error_hotspot",
        "test-general-conversion-3",
    );
    assert!(
        survived.ends_with(", and erred without failing them in 1 trace outside a request."),
        "{survived}"
    );
}

/// Robot Framework's `Run Keyword And Return Status` sets OK over the
/// `File Should Exist` that failed under it: that error was handled there
/// and climbed no further. The keyword above failed because of the explicit
/// `Fail` beside it, whose finding alone says how far it climbed, and says
/// the handled check that came first: one missing file, one finding (it was
/// two, one per origin).
#[test]
fn a_handled_check_is_told_in_the_failure_it_led_to() {
    let path = "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl";
    let failed = sentence(path, "error_hotspot", "`Fail Traces file not found");
    assert!(
        failed.ends_with(
            "; the 7 spans above it failed with it, up to `essvt-test-runner`; each followed a failed check its caller \
             handled, `File Should Exist ${TRACES_FILE}`: \"File '<value>' does not exist.\" ×4."
        ),
        "{failed}"
    );
    // That it makes no finding of its own, the Robot capture's list of findings says.
}

/// SmartThings' 52 device calls from `stLogin` each reach `platformapi`,
/// which calls its backend for that device: one fan-out, seen one hop down,
/// said as what each call does, not as a second repeated call.
#[test]
fn a_fan_out_seen_one_hop_down_is_told_as_what_each_call_does() {
    let chatty = sentence(
        "zipkin-v2/zipkin__smartthings-mobile-web-install.json",
        "chatty_calls",
        "`stLogin` is called 52 times",
    );
    assert!(
        chatty.ends_with("; each call in turn makes `GET /devices/{id}` from `platformapi`"),
        "{chatty}"
    );
    // 32 at once, each reached `platformapi` 88–180 ms after it began, for
    // about 50 ms of work there: the strict review's queue in front of it.
    assert!(
        chatty.contains(
            "; the callee's span began a median 89.6ms after each call did (63% of the call, up to 181ms): a \
             connection pool, a gateway or a queue in front of the callee"
        ),
        "{chatty}"
    );
    assert!(!chatty.contains("also repeated"), "{chatty}");
}

/// The .NET call handler runs one call's handlers one at a time: the three
/// `EntryPoint - …` spans that started while another was running did nothing
/// traced for 612–896 ms, long past the other's end, where the twelve that
/// started alone reached their first child within 10 ms. Their own time is a
/// wait, and the sentence says behind what. `RonaTimerTicked`'s own time is
/// `EntryPoint - RonaMessage`, which ran inside it and ended with it but
/// hangs under a `NewCall` marker of 1 µs that ended 28 s before.
#[test]
fn own_time_that_the_service_explains_is_told_as_such() {
    let path = "jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json";
    // The queued handlers are one finding for the service, the largest wait
    // (a message consumer that waited 975 ms behind the handler that sent
    // it) included; none of them is told as a bottleneck any more.
    let queued = sentence(path, "queued_handlers", "nimbuscallhandler");
    assert!(
        queued.starts_with(
            "In `nimbuscallhandler`, 4 handlers started while another of the service's handlers was running and \
             did nothing traced until after it ended: they waited 612ms–975ms before their first child (3.11s in \
             all, 2.46s of it after the other had ended), with nothing else of the service running meanwhile; \
             their own logs say \"Unable to lock document. UnifiedSessionId = '<value>'. Another operation in \
             progress.\", then \"Lock acquired. UnifiedSessionId = '<value>'.\"; each waited behind the handler \
             that sent it (a lock retried on a timer?): `InternalTransferOnUserExitStartedMessage` behind \
             `EntryPoint - TransferOnUserExitStarted`"
        ),
        "{queued}"
    );
    assert!(
        queued.contains("`EntryPoint - UserInvited` behind `EntryPoint - PlayMediaCompleted`"),
        "{queued}"
    );
    // What the handlers ahead held the lock for (the strict review): Graph
    // calls, `playPrompt` 450 ms of `InputCompleted`, `playPrompt` 125 ms
    // and `invite` 228 ms of `PlayMediaCompleted`.
    assert!(
        queued.ends_with(
            "; 2 of the 4 handlers ahead held the lock while waiting on `Client Request: graph.microsoft.com` in \
             `nimbusmsteamsdriver`: 450ms of `EntryPoint - InputCompleted`'s 554ms, 353ms of `EntryPoint - \
             PlayMediaCompleted`'s 562ms"
        ),
        "{queued}"
    );
    let rona = sentence(path, "bottleneck", "RonaTimerTicked");
    assert!(
        rona.ends_with(
            ", but its own time is `EntryPoint - RonaMessage` in the same service, which ran inside it and ended \
             with it, traced under `NewCall`, which had ended before it began: its work, parented to an older \
             context instead of to it; it ran once in the 2m 53s session (0.1% of it): work done once, not on \
             every run"
        ),
        "{rona}"
    );
    let login = sentence(path, "bottleneck", "login.microsoftonline.com");
    assert!(
        login.ends_with("(n=1); it ran once in the 2m 53s session (0.3% of it): work done once, not on every run"),
        "{login}"
    );
    // The evidence holds both spans, so the trace view highlights the pair.
    let finding = finding_about(path, "bottleneck", "RonaTimerTicked");
    assert_eq!(finding.evidence[0].span_ids.len(), 2, "{:?}", finding.evidence);
    // Handlers that started alone keep their plain sentence.
    let graph = sentence(path, "bottleneck", "graph.microsoft.com");
    assert!(
        !graph.contains("nothing traced") && !graph.contains("older context"),
        "{graph}"
    );
}

/// Every span of the hipster shop's Envoy sidecars is `ingress` or `egress
/// <host>`: 54 proxy hops between callers and callees. They are not
/// operations of their own but where calls went: 92 ms of the checkout's
/// path is one childless `ingress` in front of the partner service, which
/// sends no spans (told by the URL's host, not the downstream peer's
/// address), and the proxy's other hops add up to a quarter of the path
/// (the network, the proxies, and callees' work outside their own spans),
/// 16.5 ms of it the cart service's, which sends no spans: its three
/// `egress` hops have no child.
#[test]
fn a_sidecars_spans_on_the_critical_path_are_told_by_where_they_went() {
    let path = sentence(
        "jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json",
        "critical_path",
        "POST /cart/checkout",
    );
    // The hops in front of the partner service are the untraced callee's
    // 96.1 ms, and those under the five product fetches the chatty calls':
    // said there, not again (they read "… (92.5ms, 25%; …), the same proxy
    // in front of 22 other places (95.2ms, 26%; …)").
    assert_eq!(
        path,
        "Besides the proxy `proxy` in front of `partnerintegrationservice:9397/integrate`, which the untraced \
         callee finding tells, the critical path of `POST /cart/checkout` (363ms) runs through the proxy `proxy` in \
         front of 18 other places (66.4ms, 18%; 16.5ms of it in front of `cartservice`, which sends no spans) and \
         `Recv.hipstershop.CheckoutService.PlaceOrder` in `checkoutservice` (20.0ms, 6%)"
    );
}

/// An error too rare for an error hotspot is still said, as written: the
/// Robot run's 403s are about a runner the project may not use, which the
/// folded "returned <n>: {"detail":"<value>"…" hid.
///
/// They are two errors, not one told twice (checked in the raw file): two
/// `POST /v2/executions` requests 1.3 s apart, each answered 403 by the
/// backend (traces eff2e684… and 948b465d…), in two test cases. In
/// `Otel Execution E2E` the `POST` keyword takes `expected_status=any` and
/// passes, and its sibling check `Should Be True … == 201` fails; in
/// `Otel Functional` the `POST` takes `expected_status=201` and fails itself,
/// its `Create Execution` keyword failing above it (one origin: a failing
/// span above a failing one only passes the error on). But they are one
/// cause (the strict review): the backend refused both of the run's
/// execution requests, traced apart from the steps (the test runner passes
/// no context), so the two are told as one item that names the answer first,
/// with the backend's spans in the evidence.
#[test]
fn rare_errors_are_told_as_written() {
    let rare = sentence(
        "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl",
        "rare_errors",
        "too rare",
    );
    assert!(
        rare.starts_with(
            // Not "failing no endpoint's request": the backend refused both.
            "4 errors too rare for an error hotspot (fewer than 3 of a kind) between"
        ),
        "{rare}"
    );
    assert!(
        rare.contains("\"Execution creation returned 403: {\"detail\":\"The runner [robot-runner] can not be used"),
        "{rare}"
    );
    assert!(
        rare.contains("\"Url: http://essvt-nginx:8080/api/v2/executions Expected status: 403 != 201\" ×1"),
        "{rare}"
    );
    assert!(
        rare.contains(
            " UTC: `POST /v2/executions` in `essvt-core` refused every request made to it (HTTP 403 to 2 of 2), \
             and each step that made one failed on the answer, traced apart from it (`Should Be True \
             ${resp.status_code} == 201, "
        ),
        "{rare}"
    );
    let rare_finding = finding_about(
        "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl",
        "rare_errors",
        "too rare",
    );
    let traces: Vec<String> = rare_finding.evidence.iter().map(|e| e.trace_id.to_string()).collect();
    assert!(
        traces.iter().any(|t| t.starts_with("eff2e684")) && traces.iter().any(|t| t.starts_with("948b465d")),
        "{traces:?}"
    );
    let pods = sentence(
        "jaeger-ui-json/jaegerui__genaiTestTrace.json",
        "rare_errors",
        "too rare",
    );
    assert!(
        pods.ends_with(": `GET /api/v1/pods` in `k8s-api`: `HTTP 500` ×1."),
        "{pods}"
    );
    let kafka = sentence("zipkin-v2/zipkin__messaging-kafka.json", "error_hotspot", "on-message");
    assert!(kafka.contains(": \"some error\" ×2, 1 without a message."), "{kafka}");
    let countdown = sentence(
        "jaeger-ui-json/dgurkaynak__stalk__async-follows-from.json",
        "rare_errors",
        "too rare",
    );
    assert!(
        countdown.ends_with(": `waiting:initialize` in `orchestrator`: \"Countdown failed\" ×1."),
        "{countdown}"
    );
}

/// HotROD's MySQL call logs "Waiting for lock behind 4 transactions" at its
/// start and "Acquired lock" 1.07 s later: 1.07 of its 1.38 s is queueing
/// behind other requests, not a slow query.
#[test]
fn hotrods_lock_wait_is_told_from_the_spans_own_log() {
    let bottleneck = sentence(
        "jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json",
        "bottleneck",
        "SQL SELECT",
    );
    assert!(
        bottleneck.ends_with(
            "in its one request (n=1), but 1.07s of it is a wait its own log records: \"Waiting for lock behind 4 \
             transactions\", then \"Acquired lock with 0 transactions waiting behind\" (queueing for what other \
             requests hold, not its own work)"
        ),
        "{bottleneck}"
    );
}

/// The hipster frontend's 5 product fetches each pass the callee's sidecar
/// and make one `/product/{id}` call: what each call goes on to do, not
/// more repeated calls, even though a sixth fetch, from checkout, passes the
/// same sidecar.
#[test]
fn what_each_repeated_call_goes_on_to_do_is_said_as_such() {
    let chatty = sentence(
        "jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json",
        "chatty_calls",
        "GetProduct",
    );
    // A sidecar's `ingress` passes the call on: it is no call of its own.
    assert!(
        chatty.ends_with(
            "; each call in turn makes `Sent./product/{id}` to `dataservice:9394/product/{id}` from \
             `productcatalogservice`"
        ),
        "{chatty}"
    );
    assert!(
        !chatty.contains("also repeated") && !chatty.contains("`proxy`"),
        "{chatty}"
    );
}

/// The Robot capture's two content uploads each spend a dark stretch
/// between their queries (304 ms and 244 ms): a median of two would say
/// only the lower; two or three stretches are told as their range.
#[test]
fn a_few_dark_stretches_are_told_as_their_range() {
    let dark = sentence(
        "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl",
        "uninstrumented_time",
        "PUT /v1/projects",
    );
    assert!(
        dark.starts_with(
            "`PUT /v1/projects/{projectId}/content` in `essvt-core` spends 244ms–304ms without any child span running in 2 \
             of the 2 requests it appears in, "
        ),
        "{dark}"
    );
}

#[test]
fn yelp_the_proxys_call_parented_to_routing_is_told_as_the_proxys() {
    let path = "zipkin-v2/zipkin__yelp.json";
    // `post` from `yelp-main` to `mobile_api` (49.6–105.6 ms) runs inside
    // the proxy's span (27.6–116.6 ms), beside the proxy's cache calls in
    // `yelp-main`, but names `routing`'s request as its parent. The path
    // runs through it, inside the proxy (it held 84.1 ms, 64%, as the
    // proxy's own time, and was a bottleneck whose sentence said 56 ms of
    // that was this call): the proxy's own 28.1 ms is 21%, no bottleneck.
    assert_eq!(findings(path), rows(&[("info", "critical_path", "unknown", "post")]));
    // The `unknown` client's 36.1 ms is no operation: it is the wait
    // before the proxy's span began (1.646 → 27.641 ms) and after it ended
    // (116.576 → 126.646 ms), told as such (the strict review).
    assert_eq!(
        finding_about(path, "critical_path", "post").explanation,
        "The critical path of `post /location/update/v4` (132ms) runs through a 36.1ms wait (27%) between \
         `routing`'s call and `yelp_main/api_proxy`'s answer (outside `post api proxy proxy`'s span: 26.0ms before \
         it began, 10.1ms after it ended), `post api proxy proxy` in `yelp_main/api_proxy` (28.1ms, 21%) and `post \
         /location/update/v4` in `mobile_api` (22.6ms, 17%); `post` from `yelp-main` to `mobile_api` is counted \
         inside `post api proxy proxy` in `yelp_main/api_proxy`, whose process made it, though the file parents it \
         to `post /location/update/v4` in `routing`, a span above it"
    );
}

/// The GenAI test trace's agent (`invoke_agent triage-agent`, a server span
/// of `coding-agent`, 0.003–42.003 s, no client span in the file) lies inside
/// the childless `graphql.execution` (0.002–43.002 s) but is parented to the
/// gateway's request above it: the path went down the leaf, "through
/// `graphql.execution` in `graphql-gateway` (43.0s, 98%)". Walked inside the
/// span around it, the agent holds the path, and its 38 s after its last
/// child ended (4.049 s) is unexplained time, which the path does not tell
/// again.
#[test]
fn genai_the_agent_answering_inside_the_gateways_leaf_holds_the_path() {
    let path = "jaeger-ui-json/jaegerui__genaiTestTrace.json";
    assert_eq!(
        findings(path),
        rows(&[
            (
                "warning",
                "uninstrumented_time",
                "coding-agent",
                "invoke_agent triage-agent"
            ),
            ("info", "critical_path", "summarizer-agent", "POST /v1/messages"),
            ("info", "rare_errors", "k8s-api", "GET /api/v1/pods"),
        ])
    );
    assert_eq!(
        sentence(path, "uninstrumented_time", "invoke_agent"),
        "`invoke_agent triage-agent` in `coding-agent` spends 38.0s after its last child span ended, with no span \
         running in its one request (n=1), 86% of the critical path of `POST /api/graphql`"
    );
    assert_eq!(
        sentence(path, "critical_path", "critical path"),
        "Besides `invoke_agent triage-agent` in `coding-agent`, which the unexplained time finding tells, the \
         critical path of `POST /api/graphql` (44.0s) runs through `POST /v1/messages` in `summarizer-agent` (3.45s, \
         8%); `invoke_agent triage-agent` in `coding-agent`, a server span with no client span, is counted inside \
         `graphql.execution` in `graphql-gateway`, which ran around it, though the file parents it to \
         `Query.assistantReply` in `graphql-gateway`, a span above it"
    );
}

/// jaeger-ui's short-IDs trace: `api-gateway`'s `GET /owners` client
/// (0.376–3.353 ms) waits 640 µs before `customers-service`'s span
/// (1.016–2.712 ms) and 641 µs after it: a wait between them, not an
/// operation of the gateway's.
#[test]
fn a_calls_time_outside_its_answer_is_told_as_a_wait() {
    let path = sentence(
        "jaeger-ui-json/jaegerui__spanAmongEachOtherGroupedAndSpans__short-ids.json",
        "critical_path",
        "critical path",
    );
    assert!(
        path.contains(
            ", a 1.28ms wait (34%) between `api-gateway`'s call and `customers-service`'s answer (outside `GET \
             /owners`'s span: 640µs before it began, 641µs after it ended) and "
        ),
        "{path}"
    );
}

/// The Robot test run `Tests` (35.7 s) sleeps `Sleep ${wait}` four times, 8.0
/// s each, inside `Trigger Core API Call And Wait`: 32.0 s of its critical
/// path. The polling loop's five `Sleep ${WAIT_INTERVAL}s` keywords were
/// never run (`rf.status` NOT RUN, 0.02 ms each): not counted, no site.
#[test]
fn a_test_runs_fixed_sleeps_are_told_as_what_they_cost_it() {
    let path = "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl";
    let sleeps = finding_about(path, "fixed_waits", "Sleep");
    assert_eq!(
        sleeps.explanation,
        "4 `Sleep ${wait}` steps in `essvt-test-runner` (8.00s each), inside `Trigger Core API Call And Wait`, hold \
         32.0s of the 35.7s test run `Tests` on its critical path (90%): fixed waits last their full length however \
         soon what they wait for is ready; wait for the condition instead (`Wait Until Keyword Succeeds`, or a poll with a timeout)"
    );
    assert_eq!(sleeps.impact.requests, 1);
    assert_eq!(sleeps.evidence.len(), 1);
    assert_eq!(sleeps.evidence[0].span_ids.len(), 4);
}
