//! Two traces compared: spans matched by path (repeated children by their
//! ordinal), subtrees present on one side reported once, totals, and the
//! typical trace of an endpoint.

#![allow(clippy::unwrap_used)]

mod common;

use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::ids::TraceId;
use tracelens_core::import::import_file;
use tracelens_core::index::TraceIndex;
use tracelens_core::model::SpanKind;
use tracelens_core::query::{
    GroupKey, SortKey, TraceCatalog, TraceComparison, TraceFilter, TraceQuery, TraceSort, compare_traces,
};
use tracelens_core::synth::SynthSpan;
use tracelens_core::time::DurationNs;

const MS: u64 = 1_000_000;

/// A span of `trace`: the root a SERVER span, the rest INTERNAL.
fn span(trace: u128, id: u64, parent: Option<u64>, service: &'static str, name: &str, ms: (u64, u64)) -> SynthSpan {
    let kind = if parent.is_none() {
        SpanKind::Server
    } else {
        SpanKind::Internal
    };
    common::span(trace, id, parent, service, name, kind, ms)
}

fn compare(spans: &[SynthSpan], a: u128, b: u128) -> TraceComparison {
    let set = common::import(spans);
    let index = TraceIndex::build(&set);
    compare_traces(&set, &index, TraceId(a), TraceId(b)).unwrap()
}

/// A dispatch that calls `route` `routes` times one after another (each 10
/// ms, the `slow`-th taking `extra` ms more), then a database query with
/// `rows` fetches under it when `query` is set.
fn dispatch(trace: u128, routes: u64, slow: u64, extra: u64, query: Option<u64>) -> Vec<SynthSpan> {
    let mut spans = Vec::new();
    let mut at = 1;
    for r in 0..routes {
        let took = 10 + if r == slow { extra } else { 0 };
        spans.push(span(trace, 10 + r, Some(1), "route", "GET /route", (at, at + took)));
        at += took;
    }
    if let Some(rows) = query {
        spans.push(span(trace, 100, Some(1), "mysql", "SQL SELECT", (at, at + 5)));
        for f in 0..rows {
            spans.push(span(trace, 200 + f, Some(100), "mysql", "fetch", (at + 1, at + 2)));
        }
        at += 5;
    }
    spans.insert(0, span(trace, 1, None, "frontend", "GET /dispatch", (0, at + 1)));
    spans
}

#[test]
fn repeated_children_match_by_ordinal_and_a_missing_subtree_is_reported_once() {
    // A: eleven serial route calls and a query with 3 fetches; B: the fourth
    // route call (ordinal 3, written #4) 30 ms slower, and no query.
    let mut spans = dispatch(1, 11, 99, 0, Some(3));
    spans.extend(dispatch(2, 11, 3, 30, None));
    let cmp = compare(&spans, 1, 2);
    assert_eq!((cmp.a.spans, cmp.b.spans), (16, 12));
    assert_eq!((cmp.a.matched, cmp.b.matched), (12, 12));
    // Largest difference first: route #4 (30 ms slower), then the root (25
    // ms: the slower route, less the 5 ms query B did not run), then the
    // other routes (no difference).
    let top: Vec<String> = cmp.matched.iter().take(2).map(|m| m.step.to_string()).collect();
    assert_eq!(top, ["route: GET /route #4", "frontend: GET /dispatch"]);
    assert_eq!(cmp.matched[1].difference_ns, Some(25 * MS as i64));
    assert!(cmp.matched[2..].iter().all(|m| m.difference_ns == Some(0)));
    let route = &cmp.matched[0];
    assert_eq!((route.step.ordinal, route.difference_ns), (3, Some(30 * MS as i64)));
    assert_eq!(route.a.get(), 13);
    assert_eq!(route.b.get(), 13);
    let path: Vec<String> = cmp.path(0).iter().map(|s| s.to_string()).collect();
    assert_eq!(path, ["frontend: GET /dispatch", "route: GET /route #4"]);
    // The query is missing in B: once, with its subtree of 4 spans.
    assert!(cmp.only_b.is_empty());
    assert_eq!(cmp.only_a.len(), 1);
    let missing = &cmp.only_a[0];
    assert_eq!(
        (missing.step.to_string(), missing.spans),
        ("mysql: SQL SELECT".to_owned(), 4)
    );
    assert_eq!(missing.duration, Some(DurationNs(5 * MS)));
    let path: Vec<String> = cmp.path_of_unmatched(missing).iter().map(|s| s.to_string()).collect();
    assert_eq!(path, ["frontend: GET /dispatch", "mysql: SQL SELECT"]);
    // 25 ms longer: route #4's self time +30 ms; the root's self time is 2 ms
    // on both sides (the gaps at its start and end), so the matched spans
    // explain 30 / 25 of it and the missing query the rest (−5 ms).
    assert_eq!(cmp.difference_ns, 25 * MS as i64);
    assert_eq!(cmp.explained_ns, 30 * MS as i64);
    assert!((cmp.explained_share.unwrap() - 1.2).abs() < 1e-12);
}

#[test]
fn a_trace_against_itself_matches_every_span_with_no_difference() {
    let mut set = TraceSet::new();
    let path = common::fixtures_dir().join("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    import_file(&mut set, "hotrod", &std::fs::read(path).unwrap()).unwrap();
    let index = TraceIndex::build(&set);
    let trace = index.traces[0].trace_id;
    let cmp = compare_traces(&set, &index, trace, trace).unwrap();
    assert_eq!(cmp.a.spans, 40);
    assert_eq!((cmp.a.matched, cmp.matched.len()), (40, 40));
    assert!(cmp.only_a.is_empty() && cmp.only_b.is_empty());
    assert!(cmp.matched.iter().all(|m| m.difference_ns == Some(0) && m.a == m.b));
    assert_eq!((cmp.difference_ns, cmp.explained_ns, cmp.explained_share), (0, 0, None));
    // The frontend's eleven serial `HTTP GET` calls (the customer lookup,
    // then ten route calls) are siblings told apart by their ordinal, 0 to 10.
    let mut calls: Vec<u32> = cmp
        .matched
        .iter()
        .filter(|m| m.step.service == "frontend" && m.step.name == "HTTP GET")
        .map(|m| m.step.ordinal)
        .collect();
    calls.sort_unstable();
    assert_eq!(calls, (0..11).collect::<Vec<_>>());
    let route: Vec<String> = cmp
        .path(cmp.matched.iter().position(|m| m.step.service == "route").unwrap() as u32)
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(route[0], "frontend: GET /dispatch");
    assert!(route[1].starts_with("frontend: HTTP GET #"), "{route:?}");
    assert_eq!(route[2], "route: GET /route");
    assert!(compare_traces(&set, &index, trace, TraceId(12345)).is_none());
}

#[test]
fn a_slow_request_against_a_typical_one_of_its_endpoint() {
    // The Robot Framework capture: many requests of each UI endpoint. The
    // slowest request of the busiest endpoint against its typical one.
    let mut set = TraceSet::new();
    let path = "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl";
    import_file(
        &mut set,
        path,
        &std::fs::read(common::fixtures_dir().join(path)).unwrap(),
    )
    .unwrap();
    let index = TraceIndex::build(&set);
    let analysis = Analysis::with_index(&set, &index);
    let catalog = TraceCatalog::new(&set, &index, &analysis);
    let busiest = &analysis.groups.endpoints[0];
    let endpoint = GroupKey {
        service: busiest.service.clone(),
        name: busiest.name.clone(),
    };
    let typical = catalog.typical(&set, &endpoint).unwrap();
    let query = TraceQuery {
        filter: TraceFilter {
            endpoint: Some(endpoint.clone()),
            ..TraceFilter::default()
        },
        sort: TraceSort {
            key: SortKey::Duration,
            descending: true,
        },
        limit: 1,
        ..TraceQuery::default()
    };
    let slowest = catalog.query(&set, &index, &query).rows[0].trace_id;
    // Both are requests to the endpoint, as the catalog says of each.
    assert_eq!(catalog.endpoint_of(&set, typical), Some(endpoint.clone()));
    assert_eq!(catalog.endpoint_of(&set, slowest), Some(endpoint.clone()));
    assert_eq!(catalog.endpoint_of(&set, TraceId(12345)), None);
    let cmp = compare_traces(&set, &index, typical, slowest).unwrap();
    // `GET /v2/executions`: the typical request ran four `SELECT essvt`
    // queries; the slowest ran three and two `SELECT essvt.runner_t`.
    assert_eq!(endpoint.name, "GET /v2/executions");
    assert_eq!((cmp.a.spans, cmp.b.spans, cmp.matched.len()), (5, 6, 4));
    let steps = |list: &[tracelens_core::query::compare::Unmatched]| -> Vec<String> {
        list.iter().map(|u| u.step.to_string()).collect()
    };
    // The fourth of them (ordinal 3), written counting from 1.
    assert_eq!(steps(&cmp.only_a), ["essvt-core: SELECT essvt #4"]);
    let mut only_b = steps(&cmp.only_b);
    only_b.sort();
    assert_eq!(
        only_b,
        [
            "essvt-core: SELECT essvt.runner_t",
            "essvt-core: SELECT essvt.runner_t #2"
        ]
    );
    assert_eq!(cmp.matched[0].step.to_string(), "essvt-core: GET /v2/executions");
    assert_eq!(
        cmp.matched[0].difference_ns,
        Some(cmp.difference_ns),
        "the root is the whole trace here"
    );
    assert!(cmp.difference_ns > 0 && cmp.explained_share.is_some_and(|s| s > 0.0 && s < 1.0));
    let spans_a: u32 = cmp.only_a.iter().map(|u| u.spans).sum();
    let spans_b: u32 = cmp.only_b.iter().map(|u| u.spans).sum();
    assert_eq!(
        cmp.a.matched + spans_a,
        cmp.a.spans,
        "every span of A is matched or in one reported subtree"
    );
    assert_eq!(cmp.b.matched + spans_b, cmp.b.spans);
    // Sorted by absolute difference, unknown last.
    let sizes: Vec<u64> = cmp
        .matched
        .iter()
        .filter_map(|m| m.difference_ns)
        .map(i64::unsigned_abs)
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]));
    // Round trip as JSON, as it crosses to the page.
    let json = serde_json::to_string(&cmp).unwrap();
    assert_eq!(serde_json::from_str::<TraceComparison>(&json).unwrap(), cmp);
}

#[test]
fn the_typical_trace_is_the_one_at_the_median_the_earliest_of_equals() {
    // Five requests of one endpoint lasting 50, 30, 10, 30, 40 ms, started in
    // that order: the median (rank ⌈0.5 · 5⌉ = 3 of 10, 30, 30, 40, 50) is
    // 30 ms, and of the two 30 ms traces the earlier (trace 2) is typical.
    let mut spans = Vec::new();
    for (t, ms) in [50u64, 30, 10, 30, 40].into_iter().enumerate() {
        let start = t as u64 * 1_000;
        spans.push(span(t as u128 + 1, 1, None, "shop", "GET /cart", (start, start + ms)));
    }
    spans.push(span(9, 1, None, "shop", "GET /other", (9_000, 9_001)));
    let set = common::import(&spans);
    let index = TraceIndex::build(&set);
    let catalog = TraceCatalog::new(&set, &index, &Analysis::with_index(&set, &index));
    let key = |name: &str| GroupKey {
        service: "shop".to_owned(),
        name: name.to_owned(),
    };
    assert_eq!(catalog.typical(&set, &key("GET /cart")), Some(TraceId(2)));
    assert_eq!(catalog.typical(&set, &key("GET /other")), Some(TraceId(9)));
    assert_eq!(catalog.typical(&set, &key("GET /nothing")), None);
}
