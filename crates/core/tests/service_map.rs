//! The service map: its edges, nodes and untraced peers on recorded captures
//! (counted by hand from the files), on hand-built traces, against a
//! baseline, and laid out.

#![allow(clippy::unwrap_used)]

mod common;

use tracelens_core::TraceSet;
use tracelens_core::analysis::service_map::{NodeKind, Presence, Shift, layout};
use tracelens_core::analysis::{Requests, ServiceMap};
use tracelens_core::import::import_file;
use tracelens_core::index::TraceIndex;
use tracelens_core::model::SpanKind;
use tracelens_core::synth::{SynthSpan, SynthValue};
use tracelens_core::time::DurationNs;

/// The map of a recorded capture below `tests/fixtures`.
fn map_of(path: &str) -> ServiceMap {
    let mut set = TraceSet::new();
    import_file(
        &mut set,
        path,
        &std::fs::read(common::fixtures_dir().join(path)).unwrap(),
    )
    .unwrap();
    map_of_set(&set)
}

fn map_of_set(set: &TraceSet) -> ServiceMap {
    let index = TraceIndex::build(set);
    ServiceMap::of(set, &index, Requests::of(set, &index).failures())
}

/// Every edge as (caller, callee, calls, errors), in the map's order.
fn edges(map: &ServiceMap) -> Vec<(&str, &str, u64, u64)> {
    map.edges
        .iter()
        .map(|e| (e.caller.as_str(), e.callee.as_str(), e.calls, e.errors))
        .collect()
}

#[test]
fn hotrod_edges_are_the_cross_service_parent_links_of_the_file() {
    // Counted in the file: each span whose parent (CHILD_OF) is in another
    // service. The driver's 14 Redis calls (3 tagged error=true, the ~30 ms
    // timeouts), the frontend's 10 serial route calls, one customer lookup
    // and its MySQL query, one driver search.
    let map = map_of("jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json");
    assert_eq!(
        edges(&map),
        [
            ("driver", "redis", 14, 3),
            ("frontend", "route", 10, 0),
            ("customer", "mysql", 1, 0),
            ("frontend", "customer", 1, 0),
            ("frontend", "driver", 1, 0),
        ]
    );
    // HotROD reports its databases as services (`redis`, `mysql`) whose spans
    // are CLIENT spans: those are the calls, not calls to a further peer.
    assert!(map.nodes.iter().all(|n| n.traced), "{:?}", map.nodes);
    let redis = map.node("redis").unwrap();
    assert_eq!((redis.spans, redis.requests, redis.errors), (14, 14, 3));
    let frontend = map.node("frontend").unwrap();
    assert_eq!((frontend.spans, frontend.requests, frontend.errors), (24, 1, 0));
    // Busiest first: redis (14 requests), route (10), then the single ones by spans.
    let names: Vec<&str> = map.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["redis", "route", "frontend", "customer", "driver", "mysql"]);
}

#[test]
fn otel_demo_calls_leaving_the_traces_become_database_nodes() {
    let map = map_of("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json");
    assert_eq!(
        edges(&map),
        [
            ("cart", "valkey-cart", 4, 0),
            ("frontend-proxy", "frontend", 3, 0),
            ("load-generator", "frontend-proxy", 3, 1),
            ("frontend", "cart", 2, 0),
            ("frontend", "product-catalog", 1, 0),
            ("product-catalog", "astronomy-db", 1, 0),
        ]
    );
    // The cart's four `valkey-cart:6379` CLIENT spans name `db.system` redis
    // and `server.address` valkey-cart, and have no child.
    let valkey = map.node("valkey-cart").unwrap();
    assert!(!valkey.traced);
    assert_eq!(
        (valkey.kind, valkey.system.as_deref()),
        (NodeKind::Database, Some("redis"))
    );
    assert_eq!((valkey.spans, valkey.requests), (0, 4));
    // Durations 273.4, 194.5, 272.0, 239.1 µs: nearest rank 2 and 4 of 4.
    assert_eq!(valkey.p50, Some(DurationNs(239_100)));
    assert_eq!(valkey.p95, Some(DurationNs(273_400)));
    let db = map.node("astronomy-db").unwrap();
    assert_eq!(
        (db.kind, db.system.as_deref()),
        (NodeKind::Database, Some("postgresql"))
    );
    // The load generator's calls: what its CLIENT spans waited (45.76 ms
    // twice: one add-to-cart span has two proxy children; 15.08 s once), and
    // the proxy's 504 with an error status fails one.
    let calls = map.edge("load-generator", "frontend-proxy").unwrap();
    assert_eq!(calls.p50, Some(DurationNs(45_757_255)));
    assert_eq!(calls.p95, Some(DurationNs(15_080_701_963)));
    assert!((calls.error_rate - 1.0 / 3.0).abs() < 1e-12);
    let proxy = map.node("frontend-proxy").unwrap();
    assert_eq!((proxy.requests, proxy.errors), (3, 1));
}

#[test]
fn a_producer_without_a_traced_consumer_calls_the_broker() {
    let map = map_of("zipkin-v2/zipkin__messaging-kafka.json");
    let kafka = map.node("kafka").unwrap();
    assert!(!kafka.traced);
    assert_eq!(kafka.kind, NodeKind::Messaging);
    assert_eq!(map.edge("servicea", "kafka").unwrap().calls, 6);
    assert_eq!(map.edge("servicea", "serviceb").unwrap().calls, 3);
}

/// A span of trace 1 named `op<id>`.
fn span(id: u64, parent: Option<u64>, service: &'static str, kind: SpanKind, ms: (u64, u64)) -> SynthSpan {
    common::span(1, id, parent, service, &format!("op{id}"), kind, ms)
}

fn with(mut span: SynthSpan, key: &'static str, value: &str) -> SynthSpan {
    span.attributes.push((key, SynthValue::Str(value.to_owned())));
    span
}

#[test]
fn hand_built_calls_whose_latency_and_failure_follow_the_rules() {
    let mut failed_server = span(3, Some(2), "api", SpanKind::Server, (12, 28));
    failed_server.error = Some("boom".to_owned());
    let spans = vec![
        span(1, None, "web", SpanKind::Server, (0, 100)),
        // A CLIENT call to a traced server: latency is what the client waited.
        span(2, Some(1), "web", SpanKind::Client, (10, 30)),
        failed_server,
        // An uninstrumented caller: the callee's own span is the latency.
        span(4, Some(1), "api", SpanKind::Server, (40, 45)),
        // A gRPC client over an HTTP client: one call, the innermost, to its host.
        span(5, Some(3), "api", SpanKind::Client, (14, 20)),
        with(
            span(6, Some(5), "api", SpanKind::Client, (15, 19)),
            "url.full",
            "https://pay.example.com:443/charge",
        ),
        // Named by peer.service like a traced service: an edge to that service.
        with(
            span(7, Some(1), "web", SpanKind::Client, (50, 60)),
            "peer.service",
            "api",
        ),
        // A database by its statement, named by its database (Redis numbers are no name).
        with(
            with(
                span(8, Some(4), "api", SpanKind::Client, (41, 42)),
                "db.statement",
                "SELECT 1",
            ),
            "db.name",
            "orders",
        ),
        with(
            span(9, Some(4), "api", SpanKind::Client, (42, 43)),
            "db.system",
            "redis",
        ),
        with(
            with(
                span(10, Some(4), "api", SpanKind::Client, (43, 44)),
                "db.system",
                "redis",
            ),
            "db.namespace",
            "0",
        ),
        // A CLIENT span that names no peer is left off.
        span(11, Some(1), "web", SpanKind::Client, (70, 80)),
    ];
    let map = map_of_set(&common::import(&spans));
    assert_eq!(
        edges(&map),
        [
            ("web", "api", 3, 1),
            ("api", "redis", 2, 0),
            ("api", "orders", 1, 0),
            ("api", "pay.example.com", 1, 0),
        ]
    );
    let web_api = map.edge("web", "api").unwrap();
    // Latencies 20 ms (client 2), 5 ms (server 4 under a server), 10 ms (client 7).
    assert_eq!(web_api.p50, Some(DurationNs(10_000_000)));
    assert_eq!(web_api.p95, Some(DurationNs(20_000_000)));
    let api = map.node("api").unwrap();
    assert!(api.traced, "a peer named like a service is that service");
    assert_eq!((api.requests, api.errors), (2, 1));
    assert_eq!(map.node("pay.example.com").unwrap().kind, NodeKind::External);
    assert_eq!(map.node("orders").unwrap().kind, NodeKind::Database);
    assert_eq!(map.node("redis").unwrap().system.as_deref(), Some("redis"));
}

#[test]
fn the_map_crosses_the_worker_boundary_as_json_without_its_samples() {
    let map = map_of("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json");
    let json = serde_json::to_string(&map).unwrap();
    assert!(!json.contains("durations"), "the samples stay in the engine");
    let back: ServiceMap = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    // And it is the same on every run.
    assert_eq!(
        map,
        map_of("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json")
    );
}

#[test]
fn against_itself_nothing_moved() {
    let (_, current) = common::two_periods();
    let mut map = map_of_set(&current);
    let same = map.clone();
    map.compare(&same);
    for change in map.nodes.iter().filter_map(|n| n.baseline.as_ref()) {
        assert_eq!(change.presence, Presence::Both);
        assert!(!change.changed(), "{change:?}");
    }
    assert!(
        map.edges
            .iter()
            .all(|e| e.baseline.as_ref().is_some_and(|c| !c.changed()))
    );
    assert_eq!(map.nodes.len(), same.nodes.len());
}

#[test]
fn the_slower_cart_is_marked_where_the_data_shows_it_and_nowhere_else() {
    // The shop's `GET /api/cart` made 1.5× slower: its database calls (the
    // edge cart → shop) are clearly slower. The edge frontend → cart mixes
    // the stretched requests with three other cart endpoints and its rank
    // test does not clear Holm's bar; no edge the stretch did not touch moves.
    let (baseline, current) = common::two_periods();
    let mut map = map_of_set(&current);
    map.compare(&map_of_set(&baseline));
    let queries = map.edge("cart", "shop").unwrap().baseline.clone().unwrap();
    assert_eq!(queries.latency, Shift::Higher, "{queries:?}");
    assert!(queries.latency_p_value.unwrap() < 1e-6);
    let moved: Vec<(&str, &str)> = map
        .edges
        .iter()
        .filter(|e| e.baseline.as_ref().is_some_and(|c| c.moved()))
        .map(|e| (e.caller.as_str(), e.callee.as_str()))
        .collect();
    assert_eq!(moved, [("cart", "shop")]);
}

/// Traces of `web` calling `api` (which queries `db`) `n` times: each call
/// lasts `ms` plus a little jitter, and every `fail_every`-th query fails.
fn calls(n: u64, ms: u64, fail_every: u64) -> TraceSet {
    let mut spans = Vec::new();
    for t in 0..n {
        let jitter = (t * 37) % 11;
        let root = span(1, None, "web", SpanKind::Server, (0, 100));
        let client = span(2, Some(1), "web", SpanKind::Client, (1, 2 + ms + jitter));
        let server = span(3, Some(2), "api", SpanKind::Server, (2, 1 + ms + jitter));
        let mut query = with(
            span(4, Some(3), "api", SpanKind::Client, (3, 4)),
            "db.system",
            "postgresql",
        );
        if fail_every > 0 && t % fail_every == 0 {
            query.error = Some("deadlock".to_owned());
        }
        for s in [root, client, server, query] {
            spans.push(SynthSpan {
                trace_id: u128::from(t) + 1,
                ..s
            });
        }
    }
    common::import(&spans)
}

#[test]
fn slower_calls_and_more_failures_pass_the_tests_and_noise_does_not() {
    let baseline = map_of_set(&calls(60, 20, 0));
    // 20 → 30 ms: slower; the queries now fail one in five.
    let mut map = map_of_set(&calls(60, 30, 5));
    map.compare(&baseline);
    let web_api = map.edge("web", "api").unwrap().baseline.clone().unwrap();
    assert_eq!((web_api.latency, web_api.errors), (Shift::Higher, Shift::TooFewSamples));
    let queries = map.edge("api", "postgresql").unwrap().baseline.clone().unwrap();
    assert_eq!(
        (queries.latency, queries.errors),
        (Shift::Unchanged, Shift::Higher),
        "{queries:?}"
    );
    assert_eq!(
        map.node("api").unwrap().baseline.as_ref().unwrap().latency,
        Shift::Higher
    );
    // The other way round: faster and failing less.
    let mut back = baseline.clone();
    back.compare(&map_of_set(&calls(60, 30, 5)));
    let web_api = back.edge("web", "api").unwrap().baseline.clone().unwrap();
    assert_eq!(web_api.latency, Shift::Lower);
    assert_eq!(
        back.edge("api", "postgresql")
            .unwrap()
            .baseline
            .as_ref()
            .unwrap()
            .errors,
        Shift::Lower
    );
    // One failure in sixty against none, or 9 calls a side: not enough to say.
    let mut few = map_of_set(&calls(60, 20, 60));
    few.compare(&baseline);
    assert_eq!(
        few.edge("api", "postgresql").unwrap().baseline.as_ref().unwrap().errors,
        Shift::TooFewSamples
    );
    let mut small = map_of_set(&calls(9, 30, 0));
    small.compare(&map_of_set(&calls(9, 20, 0)));
    assert_eq!(
        small.edge("web", "api").unwrap().baseline.as_ref().unwrap().latency,
        Shift::TooFewSamples
    );
}

#[test]
fn new_and_gone_nodes_and_edges_are_marked() {
    let before = vec![
        span(1, None, "web", SpanKind::Server, (0, 100)),
        span(2, Some(1), "old", SpanKind::Server, (10, 20)),
    ];
    let after = vec![
        span(1, None, "web", SpanKind::Server, (0, 100)),
        span(2, Some(1), "new", SpanKind::Server, (10, 20)),
    ];
    let mut map = map_of_set(&common::import(&after));
    map.compare(&map_of_set(&common::import(&before)));
    let presence = |name: &str| map.node(name).unwrap().baseline.as_ref().unwrap().presence;
    assert_eq!(
        (presence("web"), presence("new"), presence("old")),
        (Presence::Both, Presence::New, Presence::Gone)
    );
    let gone = map.edge("web", "old").unwrap();
    assert_eq!((gone.calls, gone.baseline.as_ref().unwrap().count), (0, 1));
    assert_eq!(
        map.edge("web", "new").unwrap().baseline.as_ref().unwrap().presence,
        Presence::New
    );
    assert_eq!(
        map.edges.last().unwrap().callee,
        "old",
        "gone edges have no calls: last"
    );
}

/// A generated map of `n` services: a chain, fan-outs, and cycles back to
/// earlier services, with names of many lengths.
fn generated(n: usize) -> TraceSet {
    const NAMES: [&str; 8] = [
        "a",
        "api",
        "checkout",
        "payment-gateway",
        "db",
        "recommendation-engine-v2",
        "x",
        "frontend",
    ];
    let names: Vec<&'static str> = (0..n)
        .map(|i| &*Box::leak(format!("{}-{i}", NAMES[i % NAMES.len()]).into_boxed_str()))
        .collect();
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for callee in 1..n {
        // Each service is called by an earlier one; every 7th calls back
        // to its caller's caller, closing a cycle.
        let caller = (callee * 5 + 3) % callee;
        calls.push((caller, callee));
        if callee % 7 == 0 {
            calls.push((callee, (caller * 5 + 3) % caller.max(1)));
        }
    }
    let mut spans = Vec::new();
    for (t, &(from, to)) in calls.iter().enumerate() {
        let trace = t as u128 + 1;
        spans.push(common::span(
            trace,
            1,
            None,
            names[from],
            "call",
            SpanKind::Server,
            (0, 10),
        ));
        spans.push(common::span(
            trace,
            2,
            Some(1),
            names[to],
            "answer",
            SpanKind::Server,
            (1, 5),
        ));
    }
    if n == 1 {
        spans.push(span(1, None, names[0], SpanKind::Server, (0, 10)));
    }
    common::import(&spans)
}

#[test]
fn layouts_have_no_overlaps_and_edges_run_from_caller_to_callee() {
    for n in [1, 2, 5, 50, 60] {
        let map = map_of_set(&generated(n));
        assert_eq!(map.nodes.len(), n);
        let placed = layout(&map);
        assert_eq!(
            (placed.nodes.len(), placed.edges.len()),
            (map.nodes.len(), map.edges.len())
        );
        assert_eq!(placed, layout(&map), "deterministic");
        if n >= 50 {
            assert!(placed.edges.iter().any(|e| e.backward), "the generated map has cycles");
        }
        for (i, a) in placed.nodes.iter().enumerate() {
            assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= placed.width && a.y + a.h <= placed.height);
            for b in &placed.nodes[i + 1..] {
                let apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
                assert!(apart, "{n} services: {a:?} overlaps {b:?}");
            }
        }
        for (edge, path) in map.edges.iter().zip(&placed.edges) {
            let (from, to) = (
                map.nodes.iter().position(|v| v.name == edge.caller).unwrap(),
                map.nodes.iter().position(|v| v.name == edge.callee).unwrap(),
            );
            let (from, to) = (placed.nodes[from], placed.nodes[to]);
            assert!(path.points.len() >= 2);
            if !path.backward {
                assert!(from.layer < to.layer, "callers left of callees");
                assert_eq!(path.points[0].x, from.x + from.w);
                assert_eq!(path.points.last().unwrap().x, to.x);
            }
        }
    }
}

#[test]
fn a_cycle_is_broken_and_the_widest_label_widens_its_box() {
    let spans = vec![
        span(1, None, "a", SpanKind::Server, (0, 100)),
        span(2, Some(1), "b", SpanKind::Server, (1, 90)),
        span(3, Some(2), "a-very-long-service-name", SpanKind::Server, (2, 80)),
        span(4, Some(3), "a", SpanKind::Server, (3, 70)),
    ];
    let map = map_of_set(&common::import(&spans));
    let placed = layout(&map);
    assert_eq!(
        placed.edges.iter().filter(|e| e.backward).count(),
        1,
        "one edge closes the cycle"
    );
    let width = |name: &str| placed.nodes[map.nodes.iter().position(|n| n.name == name).unwrap()].w;
    assert!(width("a-very-long-service-name") > width("b"));
}
