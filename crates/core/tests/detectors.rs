//! Detectors on real captures and on hand-built traces, including traces that
//! must not trigger them (the generator's planted patterns are in `planted.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::span;
use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::{Finding, Severity, n_plus_one};
use tracelens_core::import::{Format, import_file};
use tracelens_core::model::SpanKind;
use tracelens_core::synth::{SynthEvent, SynthSpan, SynthValue, encode, encode_with_events, shop};

fn analyse(bytes: &[u8]) -> Analysis {
    let mut set = TraceSet::new();
    import_file(&mut set, "input", bytes).unwrap();
    Analysis::of(&set)
}

fn of<'a>(analysis: &'a Analysis, detector: &str) -> Vec<&'a Finding> {
    analysis.findings.iter().filter(|f| f.detector == detector).collect()
}

#[test]
fn hotrod_redis_lookups_are_an_n_plus_one() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let analysis = analyse(&std::fs::read(path).unwrap());
    let found = of(&analysis, n_plus_one::NAME.name());
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(finding.subject.service, "redis-manual");
    assert_eq!(finding.subject.operation, "GetDriver");
    assert_eq!(finding.subject.endpoint.as_deref(), Some("GET /dispatch"));
    assert_eq!(finding.impact.requests, 1);
    assert!(
        finding.explanation.ends_with("(13 calls, 3 of them retries)"),
        "the three retried lookups are counted apart: {}",
        finding.explanation
    );
    assert!(
        finding.explanation.starts_with(
            "`GetDriver` in `redis-manual` runs 10 times in its one `GET /dispatch` request (n=1), one after another"
        ),
        "{}",
        finding.explanation
    );
    let evidence = &finding.evidence[0];
    assert_eq!(evidence.trace_id.to_string(), "fe65c5beefbe4e96119efbba3da07e99");
    assert_eq!(evidence.span_ids.len(), 6, "the parent and five of the repeated calls");
}

#[test]
fn the_shops_cart_queries_are_found_and_nothing_else() {
    let analysis = analyse(&encode(
        &shop::generate(&shop::ShopConfig {
            traces: 300,
            ..Default::default()
        }),
        Format::OtlpJson,
    ));
    let found = of(&analysis, n_plus_one::NAME.name());
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(finding.subject.endpoint.as_deref(), Some("GET /api/cart"));
    assert_eq!(finding.subject.service, "cart");
    assert_eq!(finding.subject.operation, "SELECT * FROM items WHERE id = ?");
    // The generator issues 3 to 8 item queries per cart: only carts with 5 or more count.
    assert!(finding.impact.requests > 10);
    assert!(
        finding.impact.request_time_share > 0.3 && finding.severity == Severity::Critical,
        "{finding:#?}"
    );
}

/// A parent with `n` children, each a database call with `statement(i)`.
fn parent_with_queries(n: usize, statement: impl Fn(usize) -> String, db: bool) -> Vec<SynthSpan> {
    let base = 1_700_000_000_000_000_000u64;
    let mut spans = vec![SynthSpan {
        trace_id: 9,
        span_id: 1,
        parent_span_id: None,
        service: "api",
        name: "GET /orders".to_owned(),
        kind: SpanKind::Server,
        start_ns: base,
        end_ns: base + 100_000_000,
        error: None,
        attributes: vec![
            ("http.route", SynthValue::Str("/orders".to_owned())),
            ("http.request.method", SynthValue::Str("GET".to_owned())),
        ],
    }];
    for i in 0..n {
        let start = base + 1_000_000 + i as u64 * 10_000_000;
        let mut attributes = vec![("db.statement", SynthValue::Str(statement(i)))];
        if db {
            attributes.push(("db.system", SynthValue::Str("postgresql".to_owned())));
        }
        spans.push(SynthSpan {
            trace_id: 9,
            span_id: 100 + i as u64,
            parent_span_id: Some(1),
            service: "api",
            name: "SELECT orders".to_owned(),
            kind: SpanKind::Client,
            start_ns: start,
            end_ns: start + 8_000_000,
            error: None,
            attributes,
        });
    }
    spans
}

#[test]
fn literals_fold_into_one_statement() {
    let spans = parent_with_queries(6, |i| format!("SELECT * FROM orders WHERE id = {}", 1000 + i), true);
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    let found = of(&analysis, n_plus_one::NAME.name());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject.operation, "SELECT * FROM orders WHERE id = ?");
    assert_eq!(found[0].subject.endpoint.as_deref(), Some("GET /orders"));
    assert_eq!(
        found[0].explanation,
        "`SELECT * FROM orders WHERE id = ?` in `api` runs 6 times in its one `GET /orders` request (n=1), one after another, 48% of its time"
    );
}

#[test]
fn below_the_threshold_different_statements_or_no_database_find_nothing() {
    let cases = [
        (
            "four repeats",
            parent_with_queries(4, |i| format!("SELECT * FROM orders WHERE id = {i}"), true),
        ),
        (
            "different statements",
            parent_with_queries(
                8,
                |i| {
                    format!(
                        "SELECT * FROM table_{} WHERE id = 1",
                        ["a", "b", "c", "d", "e", "f", "g", "h"][i]
                    )
                },
                true,
            ),
        ),
        (
            "HTTP calls, not database calls",
            parent_with_queries(8, |_| String::new(), false)
                .into_iter()
                .map(|mut span| {
                    if span.kind == SpanKind::Client {
                        span.name = "GET".to_owned();
                        span.attributes = vec![("url.full", SynthValue::Str("http://stock:8080/items/7".to_owned()))];
                    }
                    span
                })
                .collect(),
        ),
    ];
    for (case, spans) in cases {
        let analysis = analyse(&encode(&spans, Format::OtlpJson));
        assert!(
            of(&analysis, n_plus_one::NAME.name()).is_empty(),
            "{case}: {:#?}",
            analysis.findings
        );
    }
}

#[test]
fn hotrod_route_calls_are_chatty() {
    use tracelens_core::analysis::detectors::chatty_calls;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let analysis = analyse(&std::fs::read(path).unwrap());
    let found = of(&analysis, chatty_calls::NAME.name());
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(
        (finding.subject.service.as_str(), finding.subject.operation.as_str()),
        ("frontend", "HTTP GET")
    );
    // Ten calls to the route service; the one call to the customer service is another call.
    assert_eq!(
        finding.explanation,
        "`GET /route` to `0.0.0.0:8083` from `frontend` is called 10 times in its one `GET /dispatch` request (n=1), one after another, 50% of its time"
    );
    // The Redis lookups are database calls: reported as N+1, not again as chatty.
    assert!(found.iter().all(|f| f.subject.service != "redis-manual"));
}

#[test]
fn chatty_calls_say_how_many_ask_again_for_the_same_url() {
    // Twelve calls for six devices (each twice), the IDs in the query: the
    // same key (`/devices`), different targets.
    let calls = |ids: &dyn Fn(u64) -> u64| -> Vec<SynthSpan> {
        let mut spans = vec![request(1, "/home", 130)];
        for n in 0..12u64 {
            let mut call = span(1, 10 + n, Some(1), "api", "GET", SpanKind::Client, (n * 10, n * 10 + 9));
            call.attributes = vec![(
                "url.full",
                SynthValue::Str(format!("http://devices:8080/devices?id={}", ids(n))),
            )];
            spans.push(call);
        }
        spans
    };
    let analysis = analyse(&encode(&calls(&|n| n % 6), Format::OtlpJson));
    let chatty = of(&analysis, "chatty_calls");
    assert_eq!(chatty.len(), 1, "{:#?}", analysis.findings);
    assert!(
        chatty[0].explanation.ends_with(
            "; only 6 of them are different (the other 6 ask again for a URL the same request already asked for)"
        ),
        "{}",
        chatty[0].explanation
    );
    // Twelve devices: nothing asked twice, nothing said.
    let analysis = analyse(&encode(&calls(&|n| n), Format::OtlpJson));
    let chatty = of(&analysis, "chatty_calls");
    assert_eq!(chatty.len(), 1, "{:#?}", analysis.findings);
    assert!(
        !chatty[0].explanation.contains("ask again"),
        "{}",
        chatty[0].explanation
    );
}

#[test]
fn one_endpoint_is_never_slow_against_itself() {
    use tracelens_core::analysis::detectors::slow_endpoint;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let analysis = analyse(&std::fs::read(path).unwrap());
    assert!(of(&analysis, slow_endpoint::NAME.name()).is_empty());
}

#[test]
fn names_with_control_characters_are_escaped_in_explanations() {
    // A Zipkin capture (SmartThings) names 120 calls by a newline; here, 12 of them.
    let mut spans = parent_with_queries(12, |_| String::new(), false);
    for span in spans.iter_mut().skip(1) {
        span.name = "\n".to_owned();
        span.attributes.clear();
    }
    let analysis = analyse(&encode(&spans, Format::OtlpJson));
    assert!(analysis.findings.iter().all(|f| !f.explanation.contains('\n')));
    let chatty = of(&analysis, "chatty_calls");
    assert_eq!(chatty.len(), 1, "{:#?}", analysis.findings);
    assert!(
        // Two of the twelve start after the request answered: not part of it.
        chatty[0].explanation.starts_with("`\\n` from `api` is called 10 times"),
        "{}",
        chatty[0].explanation
    );
}

/// The entry span of request `trace` to `GET {route}` in `api`, from 0 to `end` ms.
fn request(trace: u128, route: &str, end: u64) -> SynthSpan {
    let mut root = span(
        trace,
        1,
        None,
        "api",
        &format!("GET {route}"),
        SpanKind::Server,
        (0, end),
    );
    root.attributes = vec![
        ("http.route", SynthValue::Str(route.to_owned())),
        ("http.request.method", SynthValue::Str("GET".to_owned())),
    ];
    root
}

fn findings_of(spans: &[SynthSpan], detector: &str) -> Vec<Finding> {
    let analysis = analyse(&encode(spans, Format::OtlpJson));
    analysis
        .findings
        .into_iter()
        .filter(|f| f.detector == detector)
        .collect()
}

#[test]
fn a_call_holding_half_the_critical_path_is_a_bottleneck_a_smaller_or_faster_one_is_not() {
    let requests = |call: (u64, u64), end: u64| -> Vec<SynthSpan> {
        (1..=5u128)
            .flat_map(|t| {
                [
                    request(t, "/x", end),
                    span(t, 2, Some(1), "api", "GET pricing", SpanKind::Client, call),
                ]
            })
            .collect()
    };
    let found = findings_of(&requests((10, 60), 100), "bottleneck");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.operation, "GET pricing");
    assert_eq!(found[0].subject.endpoint.as_deref(), Some("GET /x"));
    assert!(
        found[0].explanation.starts_with(
            "`GET pricing` in `api` holds 50% (median 50.0ms) of the critical path of `GET /x` in 5 of its 5 requests"
        ),
        "{}",
        found[0].explanation
    );
    assert!(
        findings_of(&requests((10, 30), 100), "bottleneck").is_empty(),
        "20% of the path"
    );
    assert!(
        findings_of(&requests((1, 6), 10), "bottleneck").is_empty(),
        "half of a 10 ms request is 5 ms"
    );
}

/// One call holding most of one request is a sample of that call, not a
/// pattern: info under 100 ms on the path (the Tempo service-graph
/// example's one 24 ms SELECT, 79% of a 30 ms request, was a warning), a
/// warning from it (HotROD's one 1.38 s lookup), and the shared rules alone
/// once it is seen in more requests.
#[test]
fn a_bottleneck_seen_once_is_a_warning_only_when_it_is_long() {
    let requests = |n: u128, call: (u64, u64), end: u64| -> Vec<SynthSpan> {
        (1..=n)
            .flat_map(|t| {
                [
                    request(t, "/x", end),
                    span(t, 2, Some(1), "api", "SELECT orders", SpanKind::Client, call),
                ]
            })
            .collect()
    };
    let severity = |spans: &[SynthSpan]| {
        let found = findings_of(spans, "bottleneck");
        assert_eq!(found.len(), 1, "{found:#?}");
        found[0].severity
    };
    assert_eq!(severity(&requests(1, (3, 27), 30)), Severity::Info, "24 ms once");
    assert_eq!(severity(&requests(1, (10, 160), 200)), Severity::Warning, "150 ms once");
    assert_eq!(
        severity(&requests(3, (3, 27), 30)),
        Severity::Warning,
        "24 ms in 3 of 3 requests"
    );
}

/// Calls on a route that wait a fixed time outside their callee's span,
/// whatever the callee does, are call overhead: five requests each check a
/// token (a 20 ms call for 3 ms of the callee's span) and read a profile (a
/// 40 ms call for 23 ms of it). Both routes wait 17 ms: one finding about
/// both. A server span outside its call (clock skew) or a wait under 10 ms
/// is none.
#[test]
fn calls_waiting_a_fixed_time_outside_their_callee_are_call_overhead() {
    let requests = |server: (u64, u64), profile: bool| -> Vec<SynthSpan> {
        (1..=5u128)
            .flat_map(|t| {
                let mut spans = token_check(t, (5, 25), server, 80);
                if profile {
                    spans.push(span(t, 4, Some(1), "api", "GET /profile", SpanKind::Client, (30, 70)));
                    spans.push(span(t, 5, Some(4), "users", "get /profile", SpanKind::Server, (40, 63)));
                }
                spans
            })
            .collect()
    };
    let found = findings_of(&requests((15, 18), false), "call_overhead");
    assert_eq!(found.len(), 1, "{found:#?}");
    // Keyed by its route: the caller that waits, and `caller → callee`.
    assert_eq!(found[0].subject.service, "api");
    assert_eq!(found[0].subject.operation, "api → auth");
    assert_eq!(found[0].subject.scope.as_deref(), Some("`api` → `auth`"));
    assert_eq!(found[0].subject.endpoint.as_deref(), Some("GET /x"));
    assert_eq!(found[0].severity, Severity::Warning, "85 ms in all: short of critical");
    assert!(
        found[0].explanation.starts_with(
            "Calls from `api` to `auth` wait a median 17.0ms each outside `auth`'s span (which holds a median \
             3.00ms of each): 5 calls (17.0ms in all), about 10.0ms before the callee's span began and 7.00ms after \
             it ended as the hosts' clocks place them: a round trip of about 17.0ms between `api` and `auth`"
        ),
        "{}",
        found[0].explanation
    );
    assert!(
        found[0]
            .explanation
            .ends_with("; 85.0ms on the critical paths of the 5 requests that made them, 21% of their time"),
        "{}",
        found[0].explanation
    );
    let both = findings_of(&requests((15, 18), true), "call_overhead");
    assert_eq!(both.len(), 1, "one fixed wait on two routes: {both:#?}");
    assert!(
        both[0].explanation.starts_with(
            "Calls on 2 routes between services wait about 17.0ms each outside their callee's span, whatever the \
             callee's work takes"
        ),
        "{}",
        both[0].explanation
    );
    assert_eq!(both[0].severity, Severity::Critical, "170 ms in all, 42% of 5 requests");
    assert!(
        findings_of(&requests((22, 28), false), "call_overhead").is_empty(),
        "skew"
    );
    assert!(
        findings_of(&requests((8, 20), false), "call_overhead").is_empty(),
        "8 ms a call"
    );
}

/// Request `t` to `GET /x` (`end` ms long) in which `api` checks a token
/// with `auth`: the call at `client`, the callee's span at `server`.
fn token_check(t: u128, client: (u64, u64), server: (u64, u64), end: u64) -> Vec<SynthSpan> {
    vec![
        request(t, "/x", end),
        span(
            t,
            2,
            Some(1),
            "api",
            "POST /oauth/check_token",
            SpanKind::Client,
            client,
        ),
        span(
            t,
            3,
            Some(2),
            "auth",
            "post /oauth/check_token",
            SpanKind::Server,
            server,
        ),
    ]
}

/// One call that waited 24 times its route's usual 17 ms is a stall, not
/// the overhead every call pays: told in a clause of its own and left out
/// of the finding's time and severity (with it, 502 ms made it critical).
#[test]
fn a_one_off_stall_is_told_apart_from_the_overhead_paid_on_every_call() {
    let mut spans: Vec<SynthSpan> = (1..=5u128)
        .flat_map(|t| token_check(t, (5, 25), (15, 18), 80))
        .collect();
    spans.extend(token_check(6, (5, 425), (215, 218), 440));
    let found = findings_of(&spans, "call_overhead");
    assert_eq!(found.len(), 1, "{found:#?}");
    let overhead = &found[0];
    assert_eq!(overhead.impact.time.0, 85_000_000, "{overhead:#?}");
    assert_eq!(overhead.impact.requests, 5, "{overhead:#?}");
    assert_eq!(overhead.severity, Severity::Warning, "{overhead:#?}");
    assert!(
        overhead.explanation.contains(": 5 calls (17.0ms in all)"),
        "{}",
        overhead.explanation
    );
    assert!(
        overhead.explanation.ends_with(
            "; 85.0ms on the critical paths of the 5 requests that made them, 21% of their time; plus one 417ms \
             stall on `api` → `auth` (24× that route's median wait, 210ms of it before the callee's span began), on \
             the critical path, not in that total"
        ),
        "{}",
        overhead.explanation
    );
}

/// Database calls at one consistency level, each slower than every call the
/// service makes at its others, are a consistency cost: two `QUORUM` writes
/// of 50 ms beside twelve `ONE` reads of 1 ms. One `QUORUM` call as fast as
/// a `ONE` call, or too few calls to compare with, is none.
#[test]
fn calls_slow_at_one_consistency_level_are_its_cost() {
    let calls = |quorum: [(u64, u64); 2], reads: u64| -> Vec<SynthSpan> {
        let mut spans = vec![request(1, "/login", 200)];
        let mut at = 1;
        let mut call = |name: &str, level: &str, ms: (u64, u64)| {
            at += 1;
            let mut span = span(1, at, Some(1), "api", name, SpanKind::Client, ms);
            span.attributes = vec![
                ("db.system", SynthValue::Str("cassandra".to_owned())),
                ("db.statement", SynthValue::Str(format!("{name} WHERE code = ?"))),
                ("cassandra.consistency_level", SynthValue::Str(level.to_owned())),
            ];
            span
        };
        for r in 0..reads {
            spans.push(call("SELECT * FROM client", "ONE", (2 + 2 * r, 3 + 2 * r)));
        }
        spans.push(call("INSERT INTO code", "QUORUM", quorum[0]));
        spans.push(call("DELETE FROM code", "QUORUM", quorum[1]));
        spans
    };
    let found = findings_of(&calls([(40, 90), (100, 150)], 12), "consistency_cost");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.service, "api");
    assert!(
        found[0].explanation.starts_with(
            "`api`'s 2 database calls at consistency `QUORUM` (`DELETE FROM code WHERE code = ?` and `INSERT INTO \
             code WHERE code = ?`) took 50.0ms, while its 12 calls at `ONE` took a median 1.00ms (1.00ms at most): \
             `QUORUM` counts the replicas of every data center (are some in another? `LOCAL_QUORUM` waits only for \
             the local ones, but check what these calls need before relaxing it: a row they delete could still be \
             read in another data center)"
        ),
        "{}",
        found[0].explanation
    );
    // What a local quorum risks follows what the statements do.
    let restated = |statement: &str| {
        let mut spans = calls([(40, 90), (100, 150)], 12);
        if let Some(last) = spans.last_mut() {
            last.attributes[1] = ("db.statement", SynthValue::Str(statement.to_owned()));
        }
        let found = findings_of(&spans, "consistency_cost");
        assert_eq!(found.len(), 1, "{found:#?}");
        found[0].explanation.clone()
    };
    let writes = restated("UPDATE code SET used = true WHERE code = ?");
    assert!(
        writes.contains("relaxing it: another data center could read a row before their write arrives)"),
        "{writes}"
    );
    let mut reads = calls([(40, 90), (100, 150)], 12);
    for span in reads.iter_mut().rev().take(2) {
        span.attributes[1] = (
            "db.statement",
            SynthValue::Str("SELECT * FROM code WHERE code = ?".to_owned()),
        );
    }
    let found = findings_of(&reads, "consistency_cost");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .explanation
            .contains("relaxing it: they could miss a row just written in another data center)"),
        "{}",
        found[0].explanation
    );
    assert!(
        found[0].explanation.ends_with(
            "; 100ms on the critical paths of the 1 request that made them (`GET /login`: 50% of it), 50% of their time"
        ),
        "{}",
        found[0].explanation
    );
    assert!(
        findings_of(&calls([(40, 90), (100, 101)], 12), "consistency_cost").is_empty(),
        "one QUORUM call as fast as a ONE call"
    );
    assert!(
        findings_of(&calls([(40, 90), (100, 150)], 9), "consistency_cost").is_empty(),
        "nine calls to compare with"
    );
}

/// A statement that logs it waited for a lock, then got it, spent that time
/// queueing, and the bottleneck says so with the log's own words. A span
/// that only logs it got the lock (HotROD's full trace: "Acquired lock; 0
/// transactions waiting behind") or only that it waits keeps the plain sentence.
#[test]
fn a_wait_the_span_logs_is_told_as_a_wait() {
    const BASE: u64 = 1_700_000_000_000_000_000;
    let spans: Vec<SynthSpan> = (1..=3u128)
        .flat_map(|t| {
            [
                request(t, "/dispatch", 100),
                span(t, 2, Some(1), "mysql", "SQL SELECT", SpanKind::Client, (5, 95)),
            ]
        })
        .collect();
    let event = |t: u128, ms: u64, name: &'static str| SynthEvent {
        trace_id: t,
        span_id: 2,
        time_ns: BASE + ms * 1_000_000,
        name,
        attributes: Vec::new(),
    };
    let sentence = |events: &[SynthEvent]| -> String {
        let analysis = analyse(&encode_with_events(&spans, events, Format::JaegerJson));
        let found: Vec<&Finding> = analysis
            .findings
            .iter()
            .filter(|f| f.detector == "bottleneck")
            .collect();
        assert_eq!(found.len(), 1, "{found:#?}");
        found[0].explanation.clone()
    };
    let both: Vec<SynthEvent> = (1..=3u128)
        .flat_map(|t| {
            [
                event(t, 5, "Waiting for lock behind 2 transactions"),
                event(t, 75, "Acquired lock with 0 transactions waiting behind"),
            ]
        })
        .collect();
    let told = sentence(&both);
    assert!(
        told.contains(
            ", but 70.0ms of it is a wait their own logs record: \"Waiting for lock behind 2 transactions\", then \
             \"Acquired lock with 0 transactions waiting behind\""
        ),
        "{told}"
    );
    let acquired_only: Vec<SynthEvent> = (1..=3u128)
        .map(|t| event(t, 6, "Acquired lock; 0 transactions waiting behind"))
        .collect();
    assert!(!sentence(&acquired_only).contains("a wait"));
    let waiting_only: Vec<SynthEvent> = (1..=3u128)
        .map(|t| event(t, 6, "Waiting for lock behind 2 transactions"))
        .collect();
    assert!(!sentence(&waiting_only).contains("a wait"));
}

/// Two messages of one service: the second's handler starts while the first
/// is being handled and does nothing traced until 200 ms after the first
/// ended. That is a queue, told once for the service and not as the
/// handler's bottleneck, with what the first waited on while the second
/// waited (its `UPDATE`); a second message that starts as the first ends
/// (Kafka's handlers of one poll, one after another) is not.
#[test]
fn a_handler_waiting_behind_another_is_a_queue_one_after_another_is_not() {
    let messages = |second_start: u64| -> Vec<SynthSpan> {
        let handler = |id, parent, name: &str, kind, ms| span(1, id, Some(parent), "handler", name, kind, ms);
        vec![
            // A 1 ms poll: the messages are handled after it, as a session.
            span(1, 1, None, "worker", "poll", SpanKind::Internal, (0, 1)),
            handler(2, 1, "on-message a", SpanKind::Consumer, (10, 600)),
            handler(3, 2, "UPDATE account", SpanKind::Client, (11, 590)),
            handler(4, 1, "on-message b", SpanKind::Consumer, (second_start, 1200)),
            handler(5, 4, "handle b", SpanKind::Internal, (second_start + 1, 1199)),
            handler(6, 5, "UPDATE account", SpanKind::Client, (800, 1150)),
        ]
    };
    let found = findings_of(&messages(300), "queued_handlers");
    assert_eq!(found.len(), 1, "{found:#?}");
    let told = &found[0].explanation;
    assert!(
        told.starts_with(
            "In `handler`, 1 handler started while another of the service's handlers was running and did nothing \
             traced until after it ended: it waited 499ms before its first child, 200ms of it after the other had \
             ended, with nothing else of the service running meanwhile (a lock retried on a timer, or a fixed delay?)"
        ) && told.ends_with(
            ": `handle b` behind `on-message a`; the handler ahead ran while waiting on `UPDATE account` in \
             `handler`: 579ms of `on-message a`'s 590ms"
        ),
        "{told}"
    );
    let bottlenecks = findings_of(&messages(300), "bottleneck");
    assert!(
        bottlenecks.iter().all(|f| f.subject.operation != "handle b"),
        "{bottlenecks:#?}"
    );
    assert!(findings_of(&messages(600), "queued_handlers").is_empty());
}

/// Two calls of one request served side by side by one service are a
/// fan-out, not a queue: the slower server's long start is its own (or
/// untraced) work, never "waiting behind" its sibling, which belongs to the
/// same request. A server span's own time beside a span under a running
/// parent is not "traced elsewhere" either.
#[test]
fn a_fan_out_in_one_request_is_not_told_as_a_queue() {
    let spans: Vec<SynthSpan> = (1..=5u128)
        .flat_map(|t| {
            [
                request(t, "/x", 100),
                span(t, 2, Some(1), "api", "GET stock a", SpanKind::Client, (1, 40)),
                span(t, 3, Some(1), "api", "GET stock b", SpanKind::Client, (1, 90)),
                span(t, 4, Some(2), "stock", "GET /a", SpanKind::Server, (2, 39)),
                span(t, 5, Some(3), "stock", "GET /b", SpanKind::Server, (3, 89)),
                span(t, 6, Some(5), "stock", "SELECT b", SpanKind::Client, (60, 85)),
            ]
        })
        .collect();
    let found = findings_of(&spans, "bottleneck");
    let b = found
        .iter()
        .find(|f| f.subject.operation == "GET /b")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(!b.explanation.contains("nothing traced"), "{}", b.explanation);
    assert!(!b.explanation.contains("older context"), "{}", b.explanation);
    assert_eq!(b.evidence[0].span_ids.len(), 1);
}

#[test]
fn errors_are_reported_where_they_start_not_where_they_propagate() {
    let mut spans = Vec::new();
    for t in 1..=4u128 {
        let mut root = request(t, "/orders", 50);
        let mut call = span(t, 2, Some(1), "api", "GET stock", SpanKind::Client, (5, 40));
        let mut db = span(t, 3, Some(2), "stock", "SELECT stock", SpanKind::Client, (10, 30));
        if t <= 3 {
            root.error = Some("internal error".to_owned());
            call.error = Some("upstream failed".to_owned());
            db.error = Some("deadlock detected".to_owned());
            db.attributes
                .push(("error.type", SynthValue::Str("DeadlockError".to_owned())));
        }
        spans.extend([root, call, db]);
    }
    let found = findings_of(&spans, "error_hotspot");
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = &found[0];
    assert_eq!(
        (finding.subject.service.as_str(), finding.subject.operation.as_str()),
        ("stock", "SELECT stock")
    );
    assert_eq!(finding.impact.requests, 3);
    assert_eq!(
        finding.explanation,
        "`SELECT stock` in `stock` failed 3 `GET /orders` requests (3 of 4, 75%) at 2023-11-14 22:13:20 UTC: `DeadlockError` ×3 (\"deadlock detected\" ×3); the 2 spans above it failed with it, up to `api`."
    );
    // Errors the requests survived are reported from three on: two are below the minimum.
    let survived: Vec<SynthSpan> = spans
        .iter()
        .filter(|s| s.trace_id != 3)
        .cloned()
        .map(|mut s| {
            if s.parent_span_id.is_none() {
                s.error = None;
            }
            s
        })
        .collect();
    assert!(findings_of(&survived, "error_hotspot").is_empty());
}

/// Requests to `/home` calling `calls` (name, start, end in ms) from the entry span.
fn home_requests(calls: &[(&str, u64, u64)], requests: u128) -> Vec<SynthSpan> {
    (1..=requests)
        .flat_map(|t| {
            std::iter::once(request(t, "/home", 100)).chain(calls.iter().zip(2u64..).map(
                move |(&(name, start, end), id)| span(t, id, Some(1), "api", name, SpanKind::Client, (start, end)),
            ))
        })
        .collect()
}

#[test]
fn independent_calls_in_a_row_are_sequential_unless_they_overlap_or_are_only_two() {
    let calls = [("GET /a", 0, 30), ("GET /b", 30, 60), ("GET /c", 60, 90)];
    let found = findings_of(&home_requests(&calls, 3), "sequential_calls");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].explanation.starts_with("`GET /home` in `api` makes 3 reads one after another (`GET /a`, `GET /b`, `GET /c`) in 3 `GET /home` requests; if none needs another's result, made at once they would save 60.0ms per request (median, 60% of its time)"),
        "{}",
        found[0].explanation
    );
    // Evidence: the parent, then the calls in order.
    assert_eq!(
        found[0].evidence[0]
            .span_ids
            .iter()
            .map(|s| s.get())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );

    let overlapping = [("GET /a", 0, 30), ("GET /b", 20, 60), ("GET /c", 60, 90)];
    assert!(findings_of(&home_requests(&overlapping, 3), "sequential_calls").is_empty());
    let two = [("GET /a", 0, 45), ("GET /b", 45, 90)];
    assert!(
        findings_of(&home_requests(&two, 3), "sequential_calls").is_empty(),
        "a read, then a write using it"
    );
    let repeated = [("GET /a", 0, 30), ("GET /a", 30, 60), ("GET /a", 60, 90)];
    assert!(
        findings_of(&home_requests(&repeated, 3), "sequential_calls").is_empty(),
        "chatty, not sequential"
    );
}

#[test]
fn a_workflow_of_writes_is_not_sequential_calls() {
    // Checkout: charge, ship, mail. Each step is after the one before for a
    // reason; no saving is promised.
    let steps = [("POST /charge", 0, 30), ("POST /ship", 30, 60), ("POST /mail", 60, 90)];
    assert!(findings_of(&home_requests(&steps, 3), "sequential_calls").is_empty());
    let rpc = [
        ("hipstershop.PaymentService/Charge", 0, 30),
        ("hipstershop.ShippingService/ShipOrder", 30, 60),
        ("hipstershop.CartService/EmptyCart", 60, 90),
    ];
    assert!(findings_of(&home_requests(&rpc, 3), "sequential_calls").is_empty());
    // A write between reads splits them: two reads on each side are not enough.
    let split = [
        ("GET /a", 0, 15),
        ("GET /b", 15, 30),
        ("POST /c", 30, 45),
        ("GET /d", 45, 60),
        ("GET /e", 60, 75),
    ];
    assert!(findings_of(&home_requests(&split, 3), "sequential_calls").is_empty());
    // Three reads by RPC verb, after a write, are a row.
    let reads = [
        ("hipstershop.CartService/EmptyCart", 0, 10),
        ("hipstershop.CartService/GetCart", 10, 40),
        ("hipstershop.ProductCatalogService/ListProducts", 40, 70),
        ("hipstershop.AdService/GetAds", 70, 100),
    ];
    let found = findings_of(&home_requests(&reads, 3), "sequential_calls");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].explanation.contains("makes 3 reads"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn an_endpoint_with_many_different_queries_stands_out_from_its_siblings() {
    let requests = |statement: &dyn Fn(u64) -> String| -> Vec<SynthSpan> {
        let mut spans = Vec::new();
        for t in 1..=5u128 {
            spans.push(request(t, "/report", 100));
            for q in 0..12u64 {
                let mut db = span(
                    t,
                    10 + q,
                    Some(1),
                    "api",
                    "SELECT",
                    SpanKind::Client,
                    (q * 5, q * 5 + 4),
                );
                db.attributes = vec![
                    ("db.system", SynthValue::Str("postgresql".to_owned())),
                    ("db.statement", SynthValue::Str(statement(q))),
                ];
                spans.push(db);
            }
            spans.push(request(100 + t, "/status", 10));
        }
        spans
    };
    let found = findings_of(&requests(&|q| format!("SELECT * FROM table_{q}")), "many_queries");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.endpoint.as_deref(), Some("GET /report"));
    assert!(
        found[0].explanation.starts_with("`GET /report` runs 12 database queries per request (median of 5 requests), where the other `api` endpoints run none (median)"),
        "{}",
        found[0].explanation
    );
    // One statement repeated: an N+1, reported as such.
    let same = requests(&|q| format!("SELECT * FROM items WHERE id = {q}"));
    assert!(findings_of(&same, "many_queries").is_empty());
}

#[test]
fn data_quality_names_skew_orphans_and_rootless_traces() {
    let client = |t: u128| span(t, 2, Some(1), "api", "GET /pay", SpanKind::Client, (10, 50));
    let server =
        |t: u128, start: u64, end: u64| span(t, 3, Some(2), "payments", "POST /pay", SpanKind::Server, (start, end));
    // Three calls: a pair of services needs at least three skewed calls.
    let skewed: Vec<SynthSpan> = (1..=3)
        .flat_map(|t| [request(t, "/buy", 60), client(t), server(t, 5, 45)])
        .collect();
    let found = findings_of(&skewed, "data_quality");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].subject.service.as_str(), found[0].subject.operation.as_str()),
        ("payments", "clock skew")
    );
    assert!(
        found[0].explanation.contains("by 5.00ms (median)"),
        "{}",
        found[0].explanation
    );
    // Within a millisecond: network timing, not skew.
    let mut close = vec![request(1, "/buy", 60), client(1), server(1, 10, 50)];
    close[2].start_ns -= 500_000;
    assert!(findings_of(&close, "data_quality").is_empty());

    // A lost span: its child is an orphan in a trace that still has its root.
    let orphan = vec![request(1, "/buy", 60), server(1, 12, 48)];
    let found = findings_of(&orphan, "data_quality");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.operation, "orphan spans");
    // Only orphans: the trace lost its root, reported once as such.
    let rootless = vec![server(1, 12, 48)];
    let found = findings_of(&rootless, "data_quality");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject.operation, "traces without a root");
}

/// Requests to `GET /x` (0–100 ms) in `api`, each calling
/// `http://{host}:9000/integrate` from `call.0` to `call.1` ms, and a
/// traced `pricing` service (its server span under the api's client call).
fn calling_a_host(host: &str, call: (u64, u64), db: bool) -> Vec<SynthSpan> {
    (1..=5u128)
        .flat_map(|t| {
            let mut out = span(t, 3, Some(1), "api", "POST /integrate", SpanKind::Client, call);
            out.attributes
                .push(("http.url", SynthValue::Str(format!("http://{host}:9000/integrate"))));
            if db {
                out.attributes
                    .push(("db.system", SynthValue::Str("postgresql".to_owned())));
            }
            [
                request(t, "/x", 100),
                span(t, 2, Some(1), "api", "GET pricing", SpanKind::Client, (5, 50)),
                span(t, 4, Some(2), "pricing", "GET /price", SpanKind::Server, (6, 49)),
                out,
            ]
        })
        .collect()
}

#[test]
fn a_call_to_a_host_that_sends_no_spans_holding_a_fifth_of_the_path_is_an_untraced_callee() {
    let found = findings_of(&calling_a_host("partner", (60, 85), false), "untraced_callee");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].explanation,
        "`POST /integrate` in `api` waits a median 25.0ms on `partner`, which sends no spans: a median 25% of \
         the critical path of `GET /x` in 5 of its 5 requests, 5 calls; what the callee does in that time no span \
         says (trace it, or ask its owners) and whether the request must wait for its answer is worth checking"
    );
    // Under a fifth of the path, a traced callee, or a database: nothing.
    assert!(findings_of(&calling_a_host("partner", (60, 75), false), "untraced_callee").is_empty());
    assert!(findings_of(&calling_a_host("pricing", (60, 85), false), "untraced_callee").is_empty());
    assert!(findings_of(&calling_a_host("partner", (60, 85), true), "untraced_callee").is_empty());
    // A lone client span is the request itself, not a wait inside one.
    let lone: Vec<SynthSpan> = (1..=3u128)
        .map(|t| {
            let mut call = span(t, 1, None, "api", "POST /integrate", SpanKind::Client, (0, 100));
            call.attributes
                .push(("http.url", SynthValue::Str("http://partner:9000/integrate".to_owned())));
            call
        })
        .collect();
    assert!(findings_of(&lone, "untraced_callee").is_empty());
}

/// A Robot Framework keyword span of test run `trace`: `name` with its
/// arguments as the span name, as the Robot tracing listener writes it.
fn keyword(trace: u128, id: u64, parent: u64, keyword: &str, args: &str, status: &str, ms: (u64, u64)) -> SynthSpan {
    let name = if args.is_empty() {
        keyword.to_owned()
    } else {
        format!("{keyword} {args}")
    };
    let mut out = span(trace, id, Some(parent), "runner", &name, SpanKind::Internal, ms);
    out.attributes = vec![
        ("rf.keyword.name", SynthValue::Str(keyword.to_owned())),
        ("rf.keyword.args", SynthValue::Str(args.to_owned())),
        ("rf.keyword.lineno", SynthValue::Str("12".to_owned())),
        ("rf.status", SynthValue::Str(status.to_owned())),
    ];
    out
}

/// A test run `Tests` (0–`end` ms) whose one test case runs `Wait For Job`
/// twice; each sleeps `Sleep 2s` (PASS) and, in a loop that found the job
/// done at once, has a `Sleep 1s` that did not run. With `beside`, the
/// second sleep runs beside a longer `Run Process` keyword.
fn test_run(end: u64, beside: bool) -> Vec<SynthSpan> {
    let mut root = span(1, 1, None, "runner", "Tests", SpanKind::Internal, (0, end));
    root.attributes = vec![("rf.suite.name", SynthValue::Str("Tests".to_owned()))];
    let mut spans = vec![
        root,
        span(1, 2, Some(1), "runner", "Job Finishes", SpanKind::Internal, (0, end)),
        keyword(1, 3, 2, "Wait For Job", "", "PASS", (10, 2020)),
        keyword(1, 4, 3, "Sleep", "2s", "PASS", (15, 2015)),
        keyword(1, 5, 3, "Sleep", "1s", "NOT RUN", (2015, 2016)),
        keyword(1, 6, 2, "Wait For Job", "", "PASS", (2100, 4600)),
        keyword(1, 7, 6, "Sleep", "2s", "PASS", (2110, 4110)),
        keyword(1, 8, 6, "Sleep", "1s", "NOT RUN", (4110, 4111)),
    ];
    if beside {
        spans.push(keyword(1, 9, 6, "Run Process", "job", "PASS", (2105, 4590)));
    }
    spans
}

#[test]
fn a_robot_sleep_on_the_critical_path_is_a_fixed_wait_one_beside_longer_work_is_not() {
    let found = findings_of(&test_run(5000, false), "fixed_waits");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].explanation,
        "2 `Sleep 2s` steps in `runner` (2.00s each), inside `Wait For Job`, hold 4.00s of the 5.00s test run \
         `Tests` on its critical path (80%): fixed waits last their full length however soon what they wait for is ready; \
         wait for the condition instead (`Wait Until Keyword Succeeds`, or a poll with a timeout)"
    );
    assert_eq!(found[0].severity, Severity::Warning, "one run: a sample, not critical");
    assert_eq!(found[0].impact.time.0, 4_000_000_000);
    // The sleeps that did not run are not counted, and are no site of their own.
    assert_eq!(found[0].subject.operation, "Sleep 2s");
    assert_eq!(found[0].evidence[0].span_ids.len(), 2);

    // The second sleep ran beside a longer keyword: only the first holds the path.
    let found = findings_of(&test_run(5000, true), "fixed_waits");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .explanation
            .starts_with("1 `Sleep 2s` step in `runner` (2.00s), inside `Wait For Job`, holds 2.00s")
            && found[0]
                .explanation
                .ends_with("; 1 more step ran beside longer work, off the critical path"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn a_sleep_is_read_from_attributes_only_and_holds_nothing_beside_longer_work() {
    let sleep = |t: u128, kind: SpanKind, function: Option<&str>, ms: (u64, u64)| {
        let mut out = span(t, 3, Some(1), "api", "sleep", kind, ms);
        if let Some(function) = function {
            out.attributes
                .push(("code.function", SynthValue::Str(function.to_owned())));
        }
        out
    };
    let requests = |kind: SpanKind, function: Option<&str>, sleep_ms: (u64, u64), sibling: (u64, u64)| {
        (1..=5u128)
            .flat_map(|t| {
                [
                    request(t, "/x", 100),
                    span(t, 2, Some(1), "api", "GET pricing", SpanKind::Client, sibling),
                    sleep(t, kind, function, sleep_ms),
                ]
            })
            .collect::<Vec<_>>()
    };
    // `time.sleep` after the call, on the path: half of each request.
    let found = findings_of(
        &requests(SpanKind::Internal, Some("time.sleep"), (45, 95), (5, 40)),
        "fixed_waits",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].explanation.starts_with(
            "5 `sleep` calls in `api` (50.0ms each), inside `GET /x`, hold 250ms of the critical paths of 5 \
             `GET /x` requests (50% of their 500ms)"
        ),
        "{}",
        found[0].explanation
    );
    assert_eq!(found[0].severity, Severity::Critical);
    // The same sleep while a longer call runs beside it holds none of the path.
    assert!(
        findings_of(
            &requests(SpanKind::Internal, Some("time.sleep"), (45, 95), (5, 98)),
            "fixed_waits"
        )
        .is_empty()
    );
    // A span named `sleep` says nothing by its name, nor a call by its function.
    assert!(findings_of(&requests(SpanKind::Internal, None, (45, 95), (5, 40)), "fixed_waits").is_empty());
    assert!(
        findings_of(
            &requests(SpanKind::Client, Some("sleep"), (45, 95), (5, 40)),
            "fixed_waits"
        )
        .is_empty()
    );
    assert!(
        findings_of(
            &requests(SpanKind::Internal, Some("sleep_until_ready"), (45, 95), (5, 40)),
            "fixed_waits"
        )
        .is_empty()
    );
}
