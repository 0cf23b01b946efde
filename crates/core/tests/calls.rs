//! Repeated calls on the recorded captures and on capture-shaped cases: time
//! shares are wall-clock unions within the request that made the calls,
//! remote calls are keyed on their callee, databases are recognised without
//! `db.system`, and retries are told from N+1 loops.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;
use common::{built, capture, of};
use tracelens_core::analysis::detectors::Severity;
use tracelens_core::model::SpanKind;
use tracelens_core::synth::{SynthSpan, SynthValue};

const CALL_DETECTORS: [&str; 5] = [
    "n_plus_one_queries",
    "chatty_calls",
    "retries",
    "sequential_calls",
    "many_queries",
];

const HOTROD_2019: &str = "jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json";
const HOTROD_PR9263: &str = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";
const HIPSTER_SHOP: &str = "jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json";
const STAGING_DOTNET: &str = "jaeger-ui-json/CroixANI__tempo-trace-viewer__jaeger-trace-staging-dotnet.json";
const ROBOT: &str = "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl";
const SMARTTHINGS: &str = "zipkin-v2/zipkin__smartthings-mobile-web-install.json";

#[test]
fn every_share_is_a_union_within_the_request_on_every_capture() {
    for path in [
        HOTROD_2019,
        HOTROD_PR9263,
        HIPSTER_SHOP,
        STAGING_DOTNET,
        ROBOT,
        SMARTTHINGS,
    ] {
        let analysis = capture(path);
        for finding in analysis
            .findings
            .iter()
            .filter(|f| CALL_DETECTORS.contains(&f.detector.name()))
        {
            let impact = &finding.impact;
            assert!((0.0..=1.0).contains(&impact.request_time_share), "{path}: {finding:#?}");
            assert!(
                impact.requests >= 1 && impact.of_requests >= impact.requests,
                "{path}: {finding:#?}"
            );
            assert!(
                !finding.explanation.contains("100% of"),
                "{path}: {}",
                finding.explanation
            );
            if impact.requests == 1 {
                assert!(
                    // "(n=1)", or "(1 of its 10 runs, n=1)".
                    finding.explanation.contains("n=1)") && !finding.explanation.contains("median of 1 "),
                    "{path}: {}",
                    finding.explanation
                );
            }
        }
    }
}

#[test]
fn hotrod_2019_redis_lookups_are_found_without_db_system_and_retries_counted_apart() {
    let analysis = capture(HOTROD_2019);
    let found = of(&analysis, "n_plus_one_queries");
    assert_eq!(found.len(), 1, "{found:#?}");
    let n_plus_one = found[0];
    assert_eq!(
        (
            n_plus_one.subject.service.as_str(),
            n_plus_one.subject.operation.as_str()
        ),
        ("redis", "GetDriver")
    );
    assert_eq!(n_plus_one.subject.endpoint.as_deref(), Some("GET /dispatch"));
    assert_eq!(
        n_plus_one.explanation,
        "`GetDriver` in `redis` runs 10 times in its one `GET /dispatch` request (n=1), one after another, 11% of its time (13 calls, 3 of them retries)"
    );
    // All thirteen lookups hold the critical path one after another: about 204 ms of 1.81 s.
    assert!(
        (200_000_000..210_000_000).contains(&n_plus_one.impact.time.0),
        "{n_plus_one:#?}"
    );

    let found = of(&analysis, "retries");
    assert_eq!(found.len(), 1, "{found:#?}");
    let retries = found[0];
    assert_eq!(
        retries.explanation,
        "`GetDriver` in `redis` failed 3 times with \"redis timeout\" (91.0ms on the critical path) and was retried in its one `GET /dispatch` request (n=1); the request still succeeded"
    );
    assert_eq!(retries.severity, Severity::Info, "every request recovered");
    assert_eq!(retries.impact.failed_requests, 0);
    // The three timeouts of about 30 ms each.
    assert!(
        (90_000_000..92_000_000).contains(&retries.impact.time.0),
        "{retries:#?}"
    );
}

#[test]
fn hotrod_2019_route_calls_are_keyed_on_their_callee_and_measured_as_a_union() {
    let analysis = capture(HOTROD_2019);
    let found = of(&analysis, "chatty_calls");
    assert_eq!(found.len(), 1, "{found:#?}");
    let chatty = found[0];
    // Ten calls to the route service, up to three at once; the customer call is another call.
    assert_eq!(
        chatty.explanation,
        "`GET /route` to `0.0.0.0:8083` from `frontend` is called 10 times in its one `GET /dispatch` request (n=1), up to 3 at once, 11% of its time"
    );
    // 199.6 ms of wall clock (1610.6 ms to 1810.3 ms), not the 528 ms their durations add up to.
    assert!((0.10..0.12).contains(&chatty.impact.request_time_share), "{chatty:#?}");
}

#[test]
fn hotrod_pr9263_keeps_its_n_plus_one_and_its_serial_route_calls() {
    let analysis = capture(HOTROD_PR9263);
    let n_plus_one = of(&analysis, "n_plus_one_queries");
    assert_eq!(n_plus_one.len(), 1, "{n_plus_one:#?}");
    assert_eq!(n_plus_one[0].subject.service, "redis-manual");
    let chatty = of(&analysis, "chatty_calls");
    assert_eq!(chatty.len(), 1, "{chatty:#?}");
    assert!(
        chatty[0].explanation.contains("is called 10 times")
            && chatty[0].explanation.contains("one after another, 50% of its time"),
        "{}",
        chatty[0].explanation
    );
    let retries = of(&analysis, "retries");
    assert_eq!(retries.len(), 1, "{retries:#?}");
    assert!(
        retries[0].explanation.contains("failed 3 times with \"redis timeout\""),
        "{}",
        retries[0].explanation
    );
}

#[test]
fn smartthings_calls_are_judged_against_the_request_that_made_them() {
    let analysis = capture(SMARTTHINGS);
    let chatty = of(&analysis, "chatty_calls");
    // The 36.7 ms `GET /login/tokenAuth` redirects to minutes of later requests:
    // none of their calls is charged to it.
    assert!(
        chatty
            .iter()
            .all(|f| f.subject.endpoint.as_deref() != Some("GET /login/tokenAuth")),
        "{chatty:#?}"
    );
    // The device list fetched one device per call, many at once, inside the
    // one `GET api/oauth/authorize` of `stLogin` (whose 10 server spans are all
    // named `get`: the page, its assets and this API call are told apart by path).
    assert_eq!(chatty.len(), 1, "{chatty:#?}");
    let devices = chatty[0];
    assert_eq!(devices.subject.endpoint, None);
    assert!(
        devices.explanation.starts_with(
            "`GET /devices/{id}` from `stLogin` is called 52 times in its one `GET /api/oauth/authorize` in `stLogin` (n=1), up to "
        ),
        "{}",
        devices.explanation
    );
    // For 20 devices: the same URLs, asked for again (checked in the raw file:
    // 12 devices three times, 8 twice).
    assert!(
        devices.explanation.contains(
            "; only 20 of them are different (the other 32 ask again for a URL the same request already asked for)"
        ),
        "{}",
        devices.explanation
    );
    // Six lookups of one client row in one token request: a small N+1 in Cassandra (no db.system).
    let n_plus_one = of(&analysis, "n_plus_one_queries");
    assert!(
        n_plus_one
            .iter()
            // The capture is a session (minutes of work after a 37 ms login), so
            // its units are named by their spans rather than by an endpoint.
            .any(|f| f.subject.operation == "SELECT * FROM auth.client WHERE id = ?"
                && f.subject.endpoint.is_none()
                && f.explanation
                    .contains("in its one `get /login/tokenauth` in `coreSrv` (n=1)")),
        "{n_plus_one:#?}"
    );
}

#[test]
fn staging_dotnet_redis_loop_is_reported_per_message_handler() {
    let analysis = capture(STAGING_DOTNET);
    let n_plus_one = of(&analysis, "n_plus_one_queries");
    assert_eq!(n_plus_one.len(), 1, "{n_plus_one:#?}");
    let finding = n_plus_one[0];
    assert_eq!(
        (finding.subject.service.as_str(), finding.subject.operation.as_str()),
        ("live-data", "Redis: GetSetMembers")
    );
    assert_eq!((finding.impact.requests, finding.impact.of_requests), (4, 4));
    assert!(
        finding
            .explanation
            .starts_with("`Redis: GetSetMembers` in `live-data` runs 5 times per `UserPickupAvailabilityChanged` in `live-data` (median of 4 runs), one after another"),
        "{}",
        finding.explanation
    );
    // RavenDB and Azure Table are reached over HTTP: calls, never database queries.
    assert!(
        analysis
            .findings
            .iter()
            .filter(|f| f.detector == "n_plus_one_queries" || f.detector == "many_queries")
            .all(|f| !f.subject.operation.starts_with("Client Request")),
        "{:#?}",
        analysis.findings
    );
    // A 60 s call session is no request: its 2 ms entry is charged with none
    // of its calls. Its handlers are: the collector's 10 serial Azure App
    // Configuration reads in one `AfterCallWorkFinished`, 46% of it: 8 list
    // `/kv` by label, 2 read one key each (`/kv/Nimbus.RefreshSentinel`, the
    // largest at 17.9 ms): one store, ten round trips (it said 8 and 25%).
    // All answered 304, in 1 of the 14 messages `collector` handled: a
    // refresh that came due (the review: "a cache that asks on every use"
    // was not what the data shows), sized against all 14 (5% of their
    // time: info, not a warning).
    let chatty = of(&analysis, "chatty_calls");
    assert!(chatty.iter().all(|f| f.subject.endpoint.is_none()), "{chatty:#?}");
    let config = chatty
        .iter()
        .find(|f| f.subject.service == "collector")
        .expect("the configuration reads");
    assert!(
        config.explanation.contains(
            "`luappcsstagenimbuseuwe00.azconfig.io/kv` and 2 paths under it (`…/kv/Nimbus.RefreshSentinel`, \
             `…/kv/Nimbus.TenantGroups%3AGroups`) from `collector` is called 10 times in its one \
             `AfterCallWorkFinished` in `collector` (n=1), one after another, 46% of its time; every call \
             answered 304 Not Modified: the caller's cached copy was current each time, and `collector` made \
             them in 1 of the 14 messages it handled (the others made none): a refresh that came due, run \
             inline, not a read on every use (refresh it in the background, off the handler's path?)"
        ),
        "{}",
        config.explanation
    );
    assert_eq!(config.severity, Severity::Info);
    assert_eq!(config.impact.of_requests, 14);
    // The RavenDB reads, in 8 of the 10 requests `organization-unit-manager`
    // answered, are a cache that asks on every use.
    assert!(
        chatty.iter().any(|f| f.subject.service == "organization-unit-manager"
            && f.explanation
                .contains("(a cache that asks on every use: trust it longer")),
        "{chatty:#?}"
    );
    // Said only when every call answered 304: not of hipster's product fetches (200).
    let hipster = capture(HIPSTER_SHOP);
    assert!(
        of(&hipster, "chatty_calls")
            .iter()
            .all(|f| !f.explanation.contains("304")),
        "{:#?}",
        hipster.findings
    );
}

#[test]
fn hipster_shop_jdbc_runs_count_once_and_pipelined_redis_reads_are_sized_by_their_union() {
    let analysis = capture(HIPSTER_SHOP);
    let n_plus_one = of(&analysis, "n_plus_one_queries");
    let update = n_plus_one
        .iter()
        .find(|f| f.subject.operation.starts_with("update shop.order"))
        .expect("the order updates");
    // 17 updates, each a `prepare` and an `execute` span: 17 runs, one after another.
    assert!(
        update
            .explanation
            .contains("runs 17 times in its one `POST /cart/checkout` request (n=1), one after another"),
        "{}",
        update.explanation
    );
    // Their bound parameters (`sql.params`, read leniently: its nested quotes
    // are unescaped) say what the loop writes: 17 orders, right after the
    // insert of the one being placed, which the last update rewrites (its
    // other parameters are the insert's). The other 16 the request never made,
    // each another customer's (16 `user_id`s, parameter 6, none the insert's).
    assert!(
        update.explanation.ends_with(
            "; each with a different last parameter: 17 values, 330, 287, 333 and 14 more; after one insert into \
             `shop.order` under the same parent, it writes 16 rows of `shop.order` the request did not create \
             (for 16 other `user_id` values) besides rewriting the one it inserted: check why (an ORM saving a whole collection?) rather than only \
             batching the writes"
        ),
        "{}",
        update.explanation
    );
    let redis = n_plus_one
        .iter()
        .find(|f| f.subject.operation == "reactive.redis.exit")
        .expect("the product reads");
    assert!(redis.explanation.contains("runs 50 times"), "{}", redis.explanation);
    // All 50 run at +2.0 ms: starts rounded to whole milliseconds do not
    // cut the count once they overlap beyond the rounding (it said 43).
    assert!(redis.explanation.contains("up to 50 at once"), "{}", redis.explanation);
    assert!(redis.impact.request_time_share < 0.05, "{redis:#?}");
    assert_eq!(redis.severity, Severity::Info);
    // Redis and JDBC are database calls: never reported as chatty. What is:
    // the frontend's five product fetches, one after another, to the
    // service behind the Envoy sidecars; what each goes on to call is the
    // catalogue's fetch from the data service, not a sidecar's `ingress`.
    let chatty = of(&analysis, "chatty_calls");
    assert_eq!(chatty.len(), 1, "{chatty:#?}");
    assert_eq!(
        chatty[0].explanation,
        "`Sent.hipstershop.ProductCatalogService.GetProduct` to `productcatalogservice` from `frontend` is called 5 \
         times in its one `POST /cart/checkout` request (n=1), one after another, 12% of its time; each call in turn \
         makes `Sent./product/{id}` to `dataservice:9394/product/{id}` from `productcatalogservice`"
    );
}

#[test]
fn robot_backend_inserts_stay_an_n_plus_one() {
    let analysis = capture(ROBOT);
    let found = of(&analysis, "n_plus_one_queries");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.endpoint.as_deref(), Some("POST /v1/projects"));
    assert_eq!((found[0].impact.requests, found[0].impact.of_requests), (2, 2));
    assert!(
        found[0]
            .explanation
            .contains("runs 13 times per `POST /v1/projects` request (median of 2 requests), one after another"),
        "{}",
        found[0].explanation
    );
}

/// A hand-built span: times in milliseconds from a fixed start.
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

fn str(text: &str) -> SynthValue {
    SynthValue::Str(text.to_owned())
}

/// HotROD-shaped: `/dispatch` in `frontend` whose `driver` span looks drivers up in a
/// service named `redis` one after another; `failures` lists lookups that time out
/// and are asked again with the same driver ID.
fn dispatch(lookups: u64, failures: &[u64], retry: bool) -> Vec<SynthSpan> {
    let mut root = span(1, None, "frontend", "GET /dispatch", SpanKind::Server, (0, 1000));
    root.attributes = vec![("http.route", str("/dispatch")), ("http.request.method", str("GET"))];
    let mut spans = vec![
        root,
        span(2, Some(1), "driver", "FindNearest", SpanKind::Server, (0, 900)),
    ];
    let (mut at, mut id) = (10, 100);
    for driver in 0..lookups {
        let attempts = if failures.contains(&driver) { 2 } else { 1 };
        for attempt in 0..attempts {
            let mut lookup = span(id, Some(2), "redis", "GetDriver", SpanKind::Client, (at, at + 10));
            let asked = if attempt == 1 && !retry { driver + 1000 } else { driver };
            lookup.attributes = vec![("param.driverID", str(&format!("T{asked}")))];
            if attempt == 0 && attempts == 2 {
                lookup.error = Some("redis timeout".to_owned());
            }
            spans.push(lookup);
            (at, id) = (at + 10, id + 1);
        }
    }
    spans
}

#[test]
fn a_failed_call_asked_again_is_a_retry_and_a_different_item_is_not() {
    let analysis = built(&dispatch(6, &[1, 4], true));
    let n_plus_one = of(&analysis, "n_plus_one_queries");
    assert_eq!(n_plus_one.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(
        n_plus_one[0].explanation,
        "`GetDriver` in `redis` runs 6 times in its one `GET /dispatch` request (n=1), one after another, 8% of its time (8 calls, 2 of them retries)"
    );
    let retries = of(&analysis, "retries");
    assert_eq!(retries.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(
        retries[0].explanation,
        "`GetDriver` in `redis` failed 2 times with \"redis timeout\" (20.0ms on the critical path) and was retried in its one `GET /dispatch` request (n=1); the request still succeeded"
    );
    assert_eq!(retries[0].severity, Severity::Info);

    // The call after a failure asks for another driver: the loop moved on, no retry.
    let moved_on = built(&dispatch(6, &[1, 4], false));
    assert!(of(&moved_on, "retries").is_empty(), "{:#?}", moved_on.findings);
    assert!(
        of(&moved_on, "n_plus_one_queries")[0]
            .explanation
            .contains("runs 8 times"),
        "{:#?}",
        moved_on.findings
    );
    // Four lookups and one retry stay below the N+1 threshold of five runs.
    let few = built(&dispatch(4, &[1], true));
    assert!(of(&few, "n_plus_one_queries").is_empty(), "{:#?}", few.findings);
    assert_eq!(of(&few, "retries").len(), 1);
}

#[test]
fn a_request_that_failed_after_retrying_makes_the_retries_a_warning() {
    let mut spans = dispatch(3, &[2], true);
    spans[0].error = Some("no driver".to_owned());
    if let Some(last) = spans.last_mut() {
        last.error = Some("redis timeout".to_owned());
    }
    let analysis = built(&spans);
    let retries = of(&analysis, "retries");
    assert_eq!(retries.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(retries[0].severity, Severity::Warning);
    assert_eq!(retries[0].impact.failed_requests, 1);
    // The error incident the last attempt started is the same cause: told
    // here (when, and how far it climbed), not as an error hotspot too.
    assert!(
        retries[0]
            .explanation
            .contains("the request failed all the same, its last attempt failing too, 2 failures in all (at ")
            && retries[0]
                .explanation
                .ends_with("; the span above it failed with it, in `frontend`)"),
        "{}",
        retries[0].explanation
    );
    assert!(of(&analysis, "error_hotspot").is_empty(), "{:#?}", analysis.findings);
}

#[test]
fn a_service_named_redis_is_a_database_but_an_http_call_is_not() {
    let mut spans = dispatch(6, &[], true);
    // The same loop made over HTTP to a service that happens to be called `redis-gateway`.
    let http: Vec<SynthSpan> = spans
        .iter()
        .cloned()
        .map(|mut s| {
            if s.service == "redis" {
                s.service = "driver";
                s.name = "GET".to_owned();
                s.attributes = vec![
                    ("http.request.method", str("GET")),
                    (
                        "url.full",
                        str(&format!("http://redis-gateway:6380/drivers/{}", s.span_id)),
                    ),
                ];
            }
            s
        })
        .collect();
    let analysis = built(&http);
    assert!(
        of(&analysis, "n_plus_one_queries").is_empty(),
        "{:#?}",
        analysis.findings
    );
    // As a database call (service `redis`, no db.system) it is one.
    spans.truncate(7);
    assert_eq!(of(&built(&spans), "n_plus_one_queries").len(), 1);
}

#[test]
fn calls_to_different_callees_are_different_calls() {
    // Eleven `HTTP GET` calls: ten to the route service, one to the customer service.
    let mut root = span(1, None, "frontend", "GET /dispatch", SpanKind::Server, (0, 200));
    root.attributes = vec![("http.route", str("/dispatch")), ("http.request.method", str("GET"))];
    let mut spans = vec![root];
    for i in 0..11u64 {
        let mut call = span(
            10 + i,
            Some(1),
            "frontend",
            "HTTP GET",
            SpanKind::Client,
            (i * 15, i * 15 + 12),
        );
        let url = if i == 0 {
            "http://0.0.0.0:8081/customer?customer=123".to_owned()
        } else {
            format!("http://0.0.0.0:8083/route?pickup={i}")
        };
        call.attributes = vec![("http.url", str(&url))];
        spans.push(call);
    }
    let found = of(&built(&spans), "chatty_calls")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .explanation
            .starts_with("`GET /route` to `0.0.0.0:8083` from `frontend` is called 10 times"),
        "{}",
        found[0].explanation
    );
    // Ten to ten different customers' IDs in the path are still one callee.
    for call in spans.iter_mut().skip(1) {
        call.attributes = vec![(
            "url.full",
            str(&format!("http://customers/customer/{}", call.span_id * 7919)),
        )];
    }
    let found = of(&built(&spans), "chatty_calls")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .explanation
            .starts_with("`GET /customer/{id}` to `customers` from `frontend`"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn calls_at_once_are_said_to_overlap_and_hold_their_union() {
    // Ten calls of 40 ms all at once in a 50 ms request: 80% of it, not 800%.
    let mut root = span(1, None, "api", "GET /feed", SpanKind::Server, (0, 50));
    root.attributes = vec![("http.route", str("/feed")), ("http.request.method", str("GET"))];
    let mut spans = vec![root];
    for i in 0..10u64 {
        let mut call = span(10 + i, Some(1), "api", "GET", SpanKind::Client, (5, 45));
        call.attributes = vec![("url.full", str(&format!("http://profiles/users/{i}")))];
        spans.push(call);
    }
    let found = of(&built(&spans), "chatty_calls")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].explanation,
        "`GET /users/{id}` to `profiles` from `api` is called 10 times in its one `GET /feed` request (n=1), up to 10 at once, 80% of its time"
    );
    assert!((found[0].impact.request_time_share - 0.8).abs() < 1e-9);
    // On the critical path only the last to finish counts: 40 ms, not 400 ms.
    assert_eq!(found[0].impact.time.0, 40_000_000, "{:#?}", found[0]);
}

/// A checkout in `orders` that inserts one order, then runs one UPDATE per
/// order ID in `updated`, with OTel's `db.query.parameter.<key>` attributes
/// when `with_params`.
fn checkout_saving(updated: &[i64], with_params: bool) -> Vec<SynthSpan> {
    let mut root = span(1, None, "orders", "POST /checkout", SpanKind::Server, (0, 100));
    root.attributes = vec![("http.route", str("/checkout")), ("http.request.method", str("POST"))];
    let mut insert = span(2, Some(1), "orders", "INSERT", SpanKind::Client, (1, 3));
    insert.attributes = vec![
        ("db.system", str("mysql")),
        (
            "db.query.text",
            str("INSERT INTO orders (user_id, total) VALUES (?, ?)"),
        ),
    ];
    if with_params {
        insert.attributes.push(("db.query.parameter.0", str("u1")));
        insert.attributes.push(("db.query.parameter.1", SynthValue::Int(30)));
    }
    let mut spans = vec![root, insert];
    for (n, &order) in updated.iter().enumerate() {
        let at = 4 + 3 * n as u64;
        let mut update = span(
            10 + n as u64,
            Some(1),
            "orders",
            "UPDATE",
            SpanKind::Client,
            (at, at + 2),
        );
        update.attributes = vec![
            ("db.system", str("mysql")),
            (
                "db.query.text",
                str("UPDATE orders SET user_id = ?, total = ? WHERE id = ?"),
            ),
        ];
        if with_params {
            // The order just inserted (ID 9) carries the insert's values.
            let (user, total) = if order == 9 { ("u1", 30) } else { ("u2", 5) };
            update.attributes.push(("db.query.parameter.0", str(user)));
            update.attributes.push(("db.query.parameter.1", SynthValue::Int(total)));
            update.attributes.push(("db.query.parameter.2", SynthValue::Int(order)));
        }
        spans.push(update);
    }
    spans
}

#[test]
fn bound_parameters_say_which_rows_a_loop_of_writes_touched() {
    let analysis = built(&checkout_saving(&[4, 5, 6, 7, 8, 9], true));
    let found = of(&analysis, "n_plus_one_queries");
    assert_eq!(found.len(), 1, "{:#?}", analysis.findings);
    assert!(
        found[0].explanation.contains(
            "; each with a different last parameter: 6 values, 4, 5, 6 and 3 more; after one insert into `orders` under \
             the same parent, it writes 5 rows of `orders` the request did not create (for 1 other `user_id` value) \
             besides rewriting the one it inserted: check why"
        ),
        "{}",
        found[0].explanation
    );
    // The owner column's value is read by its `?`'s place, from 0 as OTel's
    // `db.query.parameter.<key>` counts: the five other orders are all `u2`'s.
    // One row written again and again is said as such, with no insert to compare.
    let same = built(&checkout_saving(&[4, 4, 4, 4, 4], true));
    let found = of(&same, "n_plus_one_queries");
    assert!(
        found[0]
            .explanation
            .contains("; each with the same last parameter (4): one row written 5 times; after one insert"),
        "{}",
        found[0].explanation
    );
    // Without parameters the sentence is what it was: the statement alone cannot tell rows apart.
    let bare = built(&checkout_saving(&[4, 5, 6, 7, 8, 9], false));
    let found = of(&bare, "n_plus_one_queries");
    assert!(
        found[0].explanation.ends_with("% of its time"),
        "{}",
        found[0].explanation
    );
}

/// Conditional reads that all answered 304 are a cache asking whether its
/// copy is current. Made in one of eight messages a service handled, they
/// are a refresh that came due, sized against all eight (info); made in six
/// of them, a cache that asks on every use.
#[test]
fn revalidations_in_few_of_a_services_messages_are_a_refresh_that_came_due() {
    let messages = |refreshing: u64| -> Vec<SynthSpan> {
        (1..=8u64)
            .flat_map(|m| {
                let (start, handler) = (m * 1_000, m * 100);
                let mut spans = vec![common::span(
                    1,
                    handler,
                    None,
                    "collector",
                    "on-message",
                    SpanKind::Consumer,
                    (start, start + 40),
                )];
                if m <= refreshing {
                    spans.extend((0..5u64).map(|c| {
                        let mut call = common::span(
                            1,
                            handler + 1 + c,
                            Some(handler),
                            "collector",
                            "GET config",
                            SpanKind::Client,
                            (start + 1 + 4 * c, start + 4 + 4 * c),
                        );
                        call.attributes = vec![
                            ("url.full", SynthValue::Str(format!("https://config.example/kv/{c}"))),
                            ("http.response.status_code", SynthValue::Int(304)),
                        ];
                        call
                    }));
                }
                spans
            })
            .collect()
    };
    let once = built(&messages(1));
    let chatty = of(&once, "chatty_calls");
    assert_eq!(chatty.len(), 1, "{:#?}", once.findings);
    assert!(
        chatty[0].explanation.ends_with(
            "and `collector` made them in 1 of the 8 messages it handled (the others made none): a refresh that \
             came due, run inline, not a read on every use (refresh it in the background, off the handler's path?)"
        ),
        "{}",
        chatty[0].explanation
    );
    assert_eq!(chatty[0].severity, Severity::Info, "15 ms of 320 ms of messages");
    let often = built(&messages(6));
    let chatty = of(&often, "chatty_calls");
    assert_eq!(chatty.len(), 1, "{:#?}", often.findings);
    assert!(
        chatty[0]
            .explanation
            .contains("(a cache that asks on every use: trust it longer"),
        "{}",
        chatty[0].explanation
    );
}
