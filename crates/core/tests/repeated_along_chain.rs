//! The same call repeated by services down one call chain: found in the
//! SmartThings capture (token checks by `account` and `coreSrv` below
//! `bookie`, which had checked already), sized by the critical path, and
//! left alone where the calls ask different things, change something,
//! follow a failure, ran beside the call above, or repeat it only once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;
use common::{built, capture, of};
use tracelens_core::analysis::detectors::Severity;
use tracelens_core::model::SpanKind;
use tracelens_core::synth::{SynthSpan, SynthValue};

const DETECTOR: &str = "repeated_along_chain";
const SMARTTHINGS: &str = "zipkin-v2/zipkin__smartthings-mobile-web-install.json";

fn str(s: &str) -> SynthValue {
    SynthValue::Str(s.to_owned())
}

/// A span of trace 1, its times in milliseconds from a fixed start.
fn span(id: u64, parent: Option<u64>, service: &'static str, name: &str, kind: SpanKind, ms: (u64, u64)) -> SynthSpan {
    common::span(1, id, parent, service, name, kind, ms)
}

/// A call from span `parent` of `from` to `to`, answered by `to`'s server span
/// (IDs `id` and `id + 1`), asking `method` `url`.
fn call(
    id: u64,
    parent: u64,
    from: &'static str,
    to: &'static str,
    method: &str,
    url: &str,
    ms: (u64, u64),
) -> [SynthSpan; 2] {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| &rest[rest.find('/').unwrap_or(0)..]);
    let path = path.split('?').next().unwrap_or(path);
    // Servers name their spans by route: `/users/42` is `/users/{id}`.
    let route: Vec<&str> = path
        .split('/')
        .map(|part| {
            if part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
                "{id}"
            } else {
                part
            }
        })
        .collect();
    let route = route.join("/");
    let mut client = span(id, Some(parent), from, method, SpanKind::Client, ms);
    client.attributes = vec![("http.request.method", str(method)), ("url.full", str(url))];
    let mut server = span(
        id + 1,
        Some(id),
        to,
        &format!("{method} {route}"),
        SpanKind::Server,
        (ms.0 + 1, ms.1 - 1),
    );
    server.attributes = vec![("http.request.method", str(method)), ("url.path", str(path))];
    [client, server]
}

/// `gateway` → `orders` → `billing`, each asking `users` for `urls[k]`
/// (`method`) before calling the next: 8 ms each, one after another.
fn chain(method: &str, urls: [&str; 3]) -> Vec<SynthSpan> {
    let mut root = span(1, None, "gateway", "GET /checkout", SpanKind::Server, (0, 100));
    root.attributes = vec![("http.route", str("/checkout")), ("http.request.method", str("GET"))];
    let mut spans = vec![root];
    spans.extend(call(2, 1, "gateway", "users", method, urls[0], (2, 10)));
    spans.extend(call(
        4,
        1,
        "gateway",
        "orders",
        "GET",
        "http://orders/orders/7",
        (12, 90),
    ));
    spans.extend(call(6, 5, "orders", "users", method, urls[1], (15, 23)));
    spans.extend(call(
        8,
        5,
        "orders",
        "billing",
        "GET",
        "http://billing/invoices/7",
        (25, 80),
    ));
    spans.extend(call(10, 9, "billing", "users", method, urls[2], (28, 36)));
    spans
}

const SAME_USER: [&str; 3] = [
    "http://users/users/42?fields=roles",
    "http://users/users/42?fields=roles",
    "http://users/users/42?fields=roles",
];

#[test]
fn a_lookup_repeated_three_services_deep_is_found_and_sized_by_the_path() {
    let analysis = built(&chain("GET", SAME_USER));
    let found = of(&analysis, DETECTOR);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(finding.subject.service, "users");
    assert_eq!(finding.subject.operation, "GET /users/{id}");
    assert_eq!(finding.subject.endpoint.as_deref(), Some("GET /checkout"));
    assert_eq!(
        finding.explanation,
        "`GET /users/{id}` in `users` is called again below a service that had already called it in the same \
         request: by `orders` (1 time) below `gateway` and `billing` (1) below `orders`, 2 of its 3 calls, in its \
         one `GET /checkout` request; 16.0ms on its critical path (16% of its time); each asked for the same URL \
         (`http://users/users/42?fields=roles`): make the call once where the request enters and pass its answer \
         (the verified identity or claims) down with the request, or cache it for the request"
    );
    // The two repeats, 8 ms each, one after another on the path; the first
    // call is the one kept, so it is not counted.
    assert_eq!(finding.impact.time.0, 16_000_000, "{finding:#?}");
    assert_eq!(finding.impact.requests, 1);
    // One request, 16 ms: a sample, under the 100 ms a single request needs.
    assert_eq!(finding.severity, Severity::Info);
}

#[test]
fn the_same_operation_asked_about_different_resources_is_no_repeat() {
    let urls = [
        "http://users/users/42?fields=roles",
        "http://users/users/43?fields=roles",
        "http://users/users/44?fields=roles",
    ];
    let analysis = built(&chain("GET", urls));
    assert!(of(&analysis, DETECTOR).is_empty(), "{:#?}", of(&analysis, DETECTOR));
}

#[test]
fn a_write_made_by_every_service_is_each_ones_own_work() {
    let urls = ["http://users/events", "http://users/events", "http://users/events"];
    let analysis = built(&chain("POST", urls));
    assert!(of(&analysis, DETECTOR).is_empty(), "{:#?}", of(&analysis, DETECTOR));
}

/// [`chain`] with its three lookups made as gRPC calls of `method` on
/// `service` in `users`, which record no arguments.
fn rpc_chain(service: &str, method: &str) -> Vec<SynthSpan> {
    let mut spans = chain("GET", SAME_USER);
    for s in spans
        .iter_mut()
        .filter(|s| matches!(s.span_id, 2 | 3 | 6 | 7 | 10 | 11))
    {
        s.name = format!("{service}/{method}");
        s.attributes = vec![
            ("rpc.system", str("grpc")),
            ("rpc.service", str(service)),
            ("rpc.method", str(method)),
        ];
    }
    spans
}

#[test]
fn a_read_that_records_no_arguments_is_not_known_to_ask_the_same() {
    // `GetUser` three services deep: which user each asked for is not in the
    // data, so nothing says the second and third asked what the first did.
    let analysis = built(&rpc_chain("users.UserService", "GetUser"));
    assert!(of(&analysis, DETECTOR).is_empty(), "{:#?}", of(&analysis, DETECTOR));
    // A check of a credential asks about the one the request carries.
    let analysis = built(&rpc_chain("users.AuthService", "CheckToken"));
    let found = of(&analysis, DETECTOR);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .explanation
            .starts_with("`users.AuthService/CheckToken` in `users` is called again"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn a_call_after_the_one_above_failed_asks_anew() {
    let mut spans = chain("GET", SAME_USER);
    // The gateway's lookup failed: `orders` asking again is no repeat of an
    // answer in hand, and `billing` repeating `orders` is one service once.
    spans[1].error = Some("timeout".to_owned());
    let analysis = built(&spans);
    assert!(of(&analysis, DETECTOR).is_empty(), "{:#?}", of(&analysis, DETECTOR));
}

#[test]
fn a_call_made_beside_the_call_down_the_chain_had_no_answer_to_pass() {
    let mut spans = chain("GET", SAME_USER);
    // The gateway's lookup runs until 20 ms, beside its call to `orders` (from 12 ms).
    spans[1].end_ns += 10_000_000;
    spans[2].end_ns += 10_000_000;
    let analysis = built(&spans);
    assert!(of(&analysis, DETECTOR).is_empty(), "{:#?}", of(&analysis, DETECTOR));
}

#[test]
fn one_service_repeating_its_caller_once_is_left_alone() {
    // `billing` makes no lookup: `orders` repeating the gateway's is the
    // only repeat, two services deep.
    let spans: Vec<SynthSpan> = chain("GET", SAME_USER).into_iter().filter(|s| s.span_id < 10).collect();
    let analysis = built(&spans);
    assert!(of(&analysis, DETECTOR).is_empty(), "{:#?}", of(&analysis, DETECTOR));
    // With the threshold lowered to two services deep, it is found.
    let mut set = tracelens_core::TraceSet::new();
    tracelens_core::import::import_file(
        &mut set,
        "traces.json",
        &tracelens_core::synth::encode(&spans, tracelens_core::import::Format::OtlpJson),
    )
    .unwrap();
    let mut config = tracelens_core::analysis::detectors::Config::default();
    config.repeated_along_chain.min_chain_services = 2;
    let index = tracelens_core::index::TraceIndex::build(&set);
    let analysis = tracelens_core::analysis::Analysis::with_baseline(&set, &index, None, &config);
    assert_eq!(of(&analysis, DETECTOR).len(), 1);
}

#[test]
fn two_services_checking_a_token_their_caller_checked_are_found() {
    // `bookie` checks the token, then calls `account` and `coreSrv`, which
    // each check it again: a POST whose path says it checks.
    let mut root = span(1, None, "bookie", "PUT /configs", SpanKind::Server, (0, 100));
    root.attributes = vec![("http.route", str("/configs")), ("http.request.method", str("PUT"))];
    let mut spans = vec![root];
    spans.extend(call(
        2,
        1,
        "bookie",
        "auth",
        "POST",
        "http://auth/oauth/check_token",
        (2, 20),
    ));
    spans.extend(call(
        4,
        1,
        "bookie",
        "account",
        "GET",
        "http://account/locations/",
        (22, 45),
    ));
    spans.extend(call(
        6,
        5,
        "account",
        "auth",
        "POST",
        "http://auth/oauth/check_token",
        (24, 42),
    ));
    spans.extend(call(
        8,
        1,
        "bookie",
        "coresrv",
        "POST",
        "http://coresrv/api/devices/validateownership",
        (47, 80),
    ));
    spans.extend(call(
        10,
        9,
        "coresrv",
        "auth",
        "POST",
        "http://auth/oauth/check_token",
        (49, 69),
    ));
    let analysis = built(&spans);
    let found = of(&analysis, DETECTOR);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].explanation.starts_with(
            "`POST /oauth/check_token` in `auth` is called again below a service that had already called it in the \
             same request: by `account` (1 time) and `coresrv` (1) below `bookie`, 2 of its 3 calls"
        ),
        "{}",
        found[0].explanation
    );
    assert!(
        found[0].explanation.contains("; the calls record no arguments"),
        "a POST's body is not in the URL: {}",
        found[0].explanation
    );
    assert_eq!(found[0].impact.time.0, 38_000_000, "18 + 20 ms: {:#?}", found[0]);
}

/// SmartThings: `bookie` checks the request's token with `auth`, then
/// `account` and `coreSrv`, which it calls, check one again, in 11 of the
/// session's install pages (checked in the raw file: 12 account and 11
/// coreSrv checks under a `bookie` request that had checked before calling
/// them). Every repeated check lies on its page's critical path: 483 ms, the
/// sum of their 23 client spans (16–30 ms each, 3 ms of it in `auth`), 8% of
/// the pages' time: info by the shared rules (under 10%). 401 ms of it is
/// the calls' wait outside `auth`'s span (12.7–26.3 ms each, summed from the
/// raw file), which the call-overhead finding counts in its 2.08 s too: the
/// sentence says so, so that a reader adding the two does not count it twice.
/// It is not taken out: passing the answer down saves the round trip with
/// the call, all 483 ms.
#[test]
fn smartthings_token_checks_repeated_below_bookie() {
    let analysis = capture(SMARTTHINGS);
    let found = of(&analysis, DETECTOR);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(
        finding.explanation,
        "`post /oauth/check_token` in `auth` is called again below a service that had already called it in the \
         same request: by `account` (12 times) and `coreSrv` (11) below `bookie`, 23 of its 48 calls, in 11 runs \
         of 3 handlers (9 of the 11 runs of `post pages/install/page` in `strongman`); 483ms on their critical \
         paths, a median 43.9ms a run (8% of their time), 401ms of it the calls' wait outside their callee, which the \
         call-overhead finding counts too; the calls record no arguments (a token travels in a body or a header), \
         so that each asked what the call above it asked is read from the chain, not recorded: make the call once \
         where the request enters and pass its answer (the verified identity or claims) down with the request, or \
         cache it for the request"
    );
    assert_eq!(finding.severity, Severity::Info);
    assert_eq!((finding.impact.requests, finding.impact.traces), (11, Some(1)));
    assert!(
        (482_000_000..484_000_000).contains(&finding.impact.time.0),
        "{finding:#?}"
    );
}

/// A chain 2,000 services deep (three services in turn), each checking the
/// token before calling the next: one finding, every check but the first a
/// repeat, found without walking the whole chain again for each call.
#[test]
fn a_chain_thousands_of_services_deep_is_one_finding() {
    const LEVELS: u64 = 2_000;
    const SERVICES: [&str; 3] = ["a", "b", "c"];
    let mut spans = Vec::new();
    for k in 0..LEVELS {
        let service = SERVICES[(k % 3) as usize];
        let (id, end) = (10 * k + 1, 100_000 - 10 * k);
        // The server span of level k, under the call down from level k - 1.
        let mut server = span(
            id,
            (k > 0).then(|| id - 7),
            service,
            "GET /next",
            SpanKind::Server,
            (10 * k, end),
        );
        server.attributes = vec![("http.route", str("/next")), ("http.request.method", str("GET"))];
        spans.push(server);
        spans.extend(call(
            id + 1,
            id,
            service,
            "auth",
            "POST",
            "http://auth/oauth/check_token",
            (10 * k + 1, 10 * k + 5),
        ));
        spans.push(span(
            id + 3,
            Some(id),
            service,
            "GET",
            SpanKind::Client,
            (10 * k + 6, end - 1),
        ));
    }
    let analysis = built(&spans);
    let found = of(&analysis, DETECTOR);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .explanation
            .contains(", 1999 of its 2000 calls, in its one `GET /next` request"),
        "{}",
        found[0].explanation
    );
}
