//! The trace list as a query (`tracelens_core::query`): on the shipped shop
//! example and a recorded capture, every filter gives the traces a plain
//! walk over the spans finds, filters compose as an intersection, each sort
//! orders with its tie-break, pages put together are the whole list, and
//! the filter menus count what the tables count.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::collections::BTreeSet;
use tracelens_core::TraceSet;
use tracelens_core::analysis::{Analysis, TraceSummary};
use tracelens_core::ids::TraceId;
use tracelens_core::import::import_file;
use tracelens_core::index::TraceIndex;
use tracelens_core::model::{AttrValue, Span};
use tracelens_core::query::{
    GroupKey, MAX_LIMIT, ServiceCall, SortKey, TraceCatalog, TraceFilter, TracePage, TraceQuery, TraceSort,
};
use tracelens_core::time::DurationNs;

const SHIPPED: &str = include_str!("../../../www/examples/shop.otlp.json");
const CAPTURE: &str = "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl";

/// A set, its index, analysis and catalog.
struct Loaded {
    set: TraceSet,
    index: TraceIndex,
    analysis: Analysis,
    catalog: TraceCatalog,
}

impl Loaded {
    fn of(name: &str, bytes: &[u8]) -> Loaded {
        let mut set = TraceSet::new();
        import_file(&mut set, name, bytes).unwrap();
        let index = TraceIndex::build(&set);
        let analysis = Analysis::with_index(&set, &index);
        let catalog = TraceCatalog::new(&set, &index, &analysis);
        Loaded {
            set,
            index,
            analysis,
            catalog,
        }
    }

    fn shop() -> Loaded {
        Loaded::of("shop.otlp.json", SHIPPED.as_bytes())
    }

    fn capture() -> Loaded {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(CAPTURE);
        Loaded::of("capture.jsonl", &std::fs::read(path).unwrap())
    }

    fn page(&self, query: &TraceQuery) -> TracePage {
        self.catalog.query(&self.set, &self.index, query)
    }

    /// Every matching trace's ID, in the query's order.
    fn ids(&self, filter: &TraceFilter, sort: TraceSort) -> Vec<TraceId> {
        let query = TraceQuery {
            filter: filter.clone(),
            sort,
            offset: 0,
            limit: MAX_LIMIT,
        };
        let page = self.page(&query);
        assert!(page.matched <= MAX_LIMIT, "test data fits one page");
        assert_eq!(page.rows.len() as u64, page.matched);
        page.rows.iter().map(|r| r.trace_id).collect()
    }

    fn matching(&self, filter: &TraceFilter) -> BTreeSet<TraceId> {
        self.ids(filter, TraceSort::default()).into_iter().collect()
    }

    /// Traces with a span for which `keep` holds, found by walking every span.
    fn with_span(&self, keep: impl Fn(&Span) -> bool) -> BTreeSet<TraceId> {
        self.set.spans.iter().filter(|s| keep(s)).map(|s| s.trace_id).collect()
    }

    /// Analysis rows for which `keep` holds.
    fn rows(&self, keep: impl Fn(&TraceSummary) -> bool) -> BTreeSet<TraceId> {
        self.analysis
            .traces
            .iter()
            .filter(|r| keep(r))
            .map(|r| r.trace_id)
            .collect()
    }

    fn service_filter(&self, service: &str) -> TraceFilter {
        TraceFilter {
            service: Some(service.to_owned()),
            ..TraceFilter::default()
        }
    }

    /// Whether `needle` (lowercase) is in a span as a person reads it, the
    /// slow way: every string lowercased, every integer written out.
    fn span_says(&self, span: &Span, needle: &str) -> bool {
        let has = |text: &str| text.to_lowercase().contains(needle);
        let value = |v: &AttrValue| match v {
            AttrValue::Str(s) => has(self.set.str(*s)),
            AttrValue::Int(i) => has(&i.to_string()),
            AttrValue::Bool(b) => has(&b.to_string()),
            _ => false,
        };
        let resource = self.set.resource_of(span).unwrap();
        has(self.set.str(span.service))
            || has(self.set.str(span.name))
            || span.status_message.is_some_and(|m| has(self.set.str(m)))
            || self.set.attributes_of(span).iter().any(|a| value(&a.value))
            || self.set.attributes(resource.attributes).iter().any(|a| value(&a.value))
            || self
                .set
                .events_of(span)
                .iter()
                .any(|e| has(self.set.str(e.name)) || self.set.attributes(e.attributes).iter().any(|a| value(&a.value)))
    }
}

fn text(text: &str) -> TraceFilter {
    TraceFilter {
        text: Some(text.to_owned()),
        ..TraceFilter::default()
    }
}

#[test]
fn the_first_page_unfiltered_is_the_analysis_list_in_start_order() {
    for loaded in [Loaded::shop(), Loaded::capture()] {
        let page = loaded.page(&TraceQuery::default());
        assert_eq!(page.total, loaded.analysis.overview.traces);
        assert_eq!(page.matched, page.total);
        let first = loaded.analysis.traces.iter().take(200).cloned().collect::<Vec<_>>();
        assert_eq!(page.rows, first);
    }
}

#[test]
fn each_sort_orders_by_its_key_then_start_then_id_in_both_directions() {
    let loaded = Loaded::shop();
    let all = TraceFilter::default();
    for key in [SortKey::Start, SortKey::Duration, SortKey::Spans, SortKey::Errors] {
        let value = |r: &TraceSummary| match key {
            SortKey::Start => r.start.0,
            SortKey::Duration => r.duration.0,
            SortKey::Spans => u64::from(r.span_count),
            SortKey::Errors => u64::from(r.error_count),
        };
        for descending in [false, true] {
            let mut expected = loaded.analysis.traces.clone();
            expected.sort_by(|a, b| {
                let by_key = value(a).cmp(&value(b));
                let by_key = if descending { by_key.reverse() } else { by_key };
                by_key.then((a.start, a.trace_id).cmp(&(b.start, b.trace_id)))
            });
            let expected: Vec<TraceId> = expected.iter().map(|r| r.trace_id).collect();
            assert_eq!(
                loaded.ids(&all, TraceSort { key, descending }),
                expected,
                "{key:?} {descending}"
            );
        }
    }
}

#[test]
fn pages_put_together_are_the_whole_list() {
    let loaded = Loaded::shop();
    let sort = TraceSort {
        key: SortKey::Duration,
        descending: true,
    };
    let filter = loaded.service_filter("cart");
    let whole = loaded.ids(&filter, sort);
    let mut joined = Vec::new();
    let mut offset = 0;
    loop {
        let page = loaded.page(&TraceQuery {
            filter: filter.clone(),
            sort,
            offset,
            limit: 37,
        });
        assert_eq!((page.matched, page.offset), (whole.len() as u64, offset));
        if page.rows.is_empty() {
            break;
        }
        assert!(page.rows.len() <= 37);
        joined.extend(page.rows.iter().map(|r| r.trace_id));
        offset += 37;
    }
    assert_eq!(joined, whole);
    // Past the end: no rows, the same count; a limit above the cap is capped.
    let past = loaded.page(&TraceQuery {
        offset: u64::MAX,
        ..TraceQuery::default()
    });
    assert!(past.rows.is_empty() && past.matched == past.total);
    let capped = loaded.page(&TraceQuery {
        limit: u64::MAX,
        ..TraceQuery::default()
    });
    assert_eq!(capped.rows.len() as u64, capped.total.min(MAX_LIMIT));
}

#[test]
fn a_service_filter_keeps_the_traces_with_a_span_of_it() {
    for loaded in [Loaded::shop(), Loaded::capture()] {
        for service in &loaded.analysis.overview.services {
            let expected = loaded.with_span(|s| loaded.set.str(s.service) == service);
            assert!(!expected.is_empty());
            assert_eq!(loaded.matching(&loaded.service_filter(service)), expected, "{service}");
        }
        assert!(loaded.matching(&loaded.service_filter("no such service")).is_empty());
    }
}

#[test]
fn an_endpoint_filter_keeps_the_requests_the_endpoint_table_counts() {
    for loaded in [Loaded::shop(), Loaded::capture()] {
        let endpoints = &loaded.analysis.groups.endpoints;
        assert!(!endpoints.is_empty());
        for group in endpoints {
            let filter = TraceFilter {
                endpoint: Some(GroupKey {
                    service: group.service.clone(),
                    name: group.name.clone(),
                }),
                ..TraceFilter::default()
            };
            // One request per trace, every duration known in these sets.
            assert_eq!(
                loaded.matching(&filter).len() as u64,
                group.durations.count,
                "{}",
                group.name
            );
        }
        // The right name under another service is another endpoint.
        let group = &endpoints[0];
        let elsewhere = TraceFilter {
            endpoint: Some(GroupKey {
                service: "no such service".into(),
                name: group.name.clone(),
            }),
            ..TraceFilter::default()
        };
        assert!(loaded.matching(&elsewhere).is_empty());
    }
}

#[test]
fn an_operation_filter_keeps_the_traces_with_a_span_of_it() {
    let loaded = Loaded::capture();
    for group in loaded.analysis.groups.operations.iter().take(40) {
        let filter = TraceFilter {
            operation: Some(GroupKey {
                service: group.service.clone(),
                name: group.name.clone(),
            }),
            ..TraceFilter::default()
        };
        let expected =
            loaded.with_span(|s| loaded.set.str(s.service) == group.service && loaded.set.str(s.name) == group.name);
        assert_eq!(loaded.matching(&filter), expected, "{} {}", group.service, group.name);
    }
}

#[test]
fn a_call_filter_keeps_the_traces_where_one_service_calls_the_other() {
    for loaded in [Loaded::shop(), Loaded::capture()] {
        // Every caller → callee pair, found by walking each span's parent by ID.
        let by_id: std::collections::HashMap<_, _> =
            loaded.set.spans.iter().map(|s| ((s.trace_id, s.span_id), s)).collect();
        let mut pairs = BTreeSet::new();
        for span in &loaded.set.spans {
            if let Some(parent) = span.parent_span_id.and_then(|p| by_id.get(&(span.trace_id, p))) {
                let (caller, callee) = (loaded.set.str(parent.service), loaded.set.str(span.service));
                if caller != callee {
                    pairs.insert((caller.to_owned(), callee.to_owned()));
                }
            }
        }
        assert!(!pairs.is_empty(), "the data has calls between services");
        for (caller, callee) in &pairs {
            let expected: BTreeSet<TraceId> = loaded
                .set
                .spans
                .iter()
                .filter(|s| {
                    loaded.set.str(s.service) == callee
                        && s.parent_span_id
                            .and_then(|p| by_id.get(&(s.trace_id, p)))
                            .is_some_and(|p| loaded.set.str(p.service) == caller)
                })
                .map(|s| s.trace_id)
                .collect();
            let filter = TraceFilter {
                call: Some(ServiceCall {
                    caller: caller.clone(),
                    callee: callee.clone(),
                }),
                ..TraceFilter::default()
            };
            assert_eq!(loaded.matching(&filter), expected, "{caller} → {callee}");
        }
    }
}

#[test]
fn a_call_filter_to_an_untraced_peer_keeps_the_traces_that_call_it() {
    use tracelens_core::analysis::service_map::ServiceMap;
    for loaded in [Loaded::shop(), Loaded::capture()] {
        let map = ServiceMap::of(&loaded.set, &loaded.index, loaded.analysis.requests().failures());
        let untraced: Vec<_> = map
            .edges
            .iter()
            .filter(|e| map.node(&e.callee).is_some_and(|n| !n.traced))
            .collect();
        assert!(
            !untraced.is_empty(),
            "the data calls databases or other peers that send no spans"
        );
        for edge in untraced {
            // The slow way: a span of the caller that names the peer in one of
            // its attributes (as a value, or as a URL's host).
            let names_peer = |s: &Span| {
                loaded.set.str(s.service) == edge.caller
                    && loaded.set.attributes_of(s).iter().any(|a| match a.value {
                        AttrValue::Str(v) => {
                            let v = loaded.set.str(v).trim();
                            v == edge.callee || v.contains(&format!("://{}", edge.callee))
                        }
                        _ => false,
                    })
            };
            let expected = loaded.with_span(names_peer);
            let filter = TraceFilter {
                call: Some(ServiceCall {
                    caller: edge.caller.clone(),
                    callee: edge.callee.clone(),
                }),
                ..TraceFilter::default()
            };
            let matched = loaded.matching(&filter);
            assert!(!matched.is_empty(), "{} → {}", edge.caller, edge.callee);
            assert!(matched.is_subset(&expected), "{} → {}", edge.caller, edge.callee);
            // Each call of the edge is in a matched trace: as many traces as
            // the edge has calls, at most.
            assert!(matched.len() as u64 <= edge.calls, "{} → {}", edge.caller, edge.callee);
        }
    }
}

#[test]
fn duration_range_and_errors_only_keep_what_the_rows_say() {
    for loaded in [Loaded::shop(), Loaded::capture()] {
        let mut durations: Vec<DurationNs> = loaded.analysis.traces.iter().map(|r| r.duration).collect();
        durations.sort_unstable();
        let (low, high) = (durations[durations.len() / 4], durations[durations.len() * 3 / 4]);
        let range = TraceFilter {
            min_duration: Some(low),
            max_duration: Some(high),
            ..TraceFilter::default()
        };
        let expected = loaded.rows(|r| r.duration >= low && r.duration <= high);
        assert_eq!(loaded.matching(&range), expected);
        let errors = TraceFilter {
            errors_only: true,
            ..TraceFilter::default()
        };
        let failed = loaded.rows(|r| r.error_count > 0);
        assert!(!failed.is_empty());
        assert_eq!(loaded.matching(&errors), failed);
    }
}

#[test]
fn text_is_found_ignoring_case_in_names_services_and_values() {
    let shop = Loaded::shop();
    let capture = Loaded::capture();
    // A service, a word in statements and routes, a status code written as
    // an integer, a value of a resource attribute, and words in neither.
    for (loaded, needle) in [
        (&shop, "CART"),
        (&shop, "select"),
        (&shop, "502"),
        (&shop, "SYNTH"),
        (&capture, "clickhouse"),
        (&capture, "404"),
        (&capture, "Project_Settings"),
    ] {
        let lower = needle.to_lowercase();
        let expected = loaded.with_span(|s| loaded.span_says(s, &lower));
        assert!(!expected.is_empty(), "{needle} is in the data");
        assert_eq!(loaded.matching(&text(needle)), expected, "{needle}");
    }
    assert!(shop.matching(&text("no trace says this")).is_empty());
    // Blank text is no condition.
    assert_eq!(shop.matching(&text("  ")).len() as u64, shop.analysis.overview.traces);
}

#[test]
fn filters_compose_as_their_intersection() {
    let loaded = Loaded::shop();
    let service = loaded.service_filter("payment");
    let errors = TraceFilter {
        errors_only: true,
        ..TraceFilter::default()
    };
    let words = text("checkout");
    let both = TraceFilter {
        service: service.service.clone(),
        errors_only: true,
        text: words.text.clone(),
        ..TraceFilter::default()
    };
    let expected: BTreeSet<TraceId> = loaded
        .matching(&service)
        .intersection(&loaded.matching(&errors))
        .copied()
        .collect::<BTreeSet<_>>()
        .intersection(&loaded.matching(&words))
        .copied()
        .collect();
    assert!(!expected.is_empty());
    assert!(expected.len() < loaded.matching(&service).len());
    assert_eq!(loaded.matching(&both), expected);
}

#[test]
fn a_findings_example_trace_is_found_by_its_id() {
    let loaded = Loaded::shop();
    let example = loaded.analysis.findings[0].evidence[0].trace_id;
    let row = loaded.catalog.trace(&loaded.set, &loaded.index, example).unwrap();
    let expected = loaded.analysis.traces.iter().find(|r| r.trace_id == example).unwrap();
    assert_eq!(&row, expected);
    let page = loaded.page(&TraceQuery {
        filter: TraceFilter::trace(example),
        ..TraceQuery::default()
    });
    assert_eq!((page.matched, page.rows.len()), (1, 1));
    // With a condition it does not meet, it is not listed.
    let mut elsewhere = TraceFilter::trace(example);
    elsewhere.min_duration = Some(DurationNs(row.duration.0 + 1));
    assert!(loaded.matching(&elsewhere).is_empty());
    assert!(loaded.catalog.trace(&loaded.set, &loaded.index, TraceId(1)).is_none());
}

#[test]
fn the_menus_count_what_the_filters_match() {
    for loaded in [Loaded::shop(), Loaded::capture()] {
        let facets = loaded.catalog.facets(usize::MAX);
        assert_eq!(facets.services.items.len(), loaded.analysis.overview.services.len());
        assert_eq!(facets.endpoints.items.len(), loaded.analysis.groups.endpoints.len());
        assert_eq!(facets.operations.items.len(), loaded.analysis.groups.operations.len());
        for facet in &facets.services.items {
            assert_eq!(
                facet.traces as usize,
                loaded.matching(&loaded.service_filter(&facet.service)).len()
            );
        }
        for facet in &facets.operations.items {
            let filter = TraceFilter {
                operation: Some(GroupKey {
                    service: facet.service.clone(),
                    name: facet.name.clone(),
                }),
                ..TraceFilter::default()
            };
            assert_eq!(facet.traces as usize, loaded.matching(&filter).len());
        }
        let counts: Vec<u64> = facets.endpoints.items.iter().map(|f| f.traces).collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "most traces first");
        let cut = loaded.catalog.facets(2);
        assert_eq!(cut.operations.items, facets.operations.items[..2]);
        assert_eq!(cut.operations.left_out as usize, facets.operations.items.len() - 2);
    }
}

#[test]
fn a_catalog_of_an_analysis_read_back_answers_the_same() {
    let loaded = Loaded::shop();
    let json = serde_json::to_string(&loaded.analysis).unwrap();
    let read_back: Analysis = serde_json::from_str(&json).unwrap();
    let catalog = TraceCatalog::new(&loaded.set, &loaded.index, &read_back);
    let failing = loaded.analysis.groups.endpoints.iter().find(|g| g.errors > 0).unwrap();
    let query = TraceQuery {
        filter: TraceFilter {
            endpoint: Some(GroupKey {
                service: failing.service.clone(),
                name: failing.name.clone(),
            }),
            errors_only: true,
            ..TraceFilter::default()
        },
        ..TraceQuery::default()
    };
    let page = catalog.query(&loaded.set, &loaded.index, &query);
    assert!(page.matched > 0);
    assert_eq!(page, loaded.page(&query));
    assert_eq!(catalog.facets(50), loaded.catalog.facets(50));
}

#[test]
fn queries_and_pages_cross_as_json_with_any_field_left_out() {
    let query: TraceQuery = serde_json::from_str("{}").unwrap();
    assert_eq!(query, TraceQuery::default());
    let query: TraceQuery = serde_json::from_str(
        r#"{"filter": {"service": "cart", "min_duration": "10ms", "trace_id": "00f067aa0ba902b7"},
            "sort": {"key": "duration", "descending": true}, "limit": 20}"#,
    )
    .unwrap();
    assert_eq!(query.filter.min_duration, Some(DurationNs(10_000_000)));
    assert_eq!(query.filter.trace_id, Some(TraceId(0x00f0_67aa_0ba9_02b7)));
    assert_eq!(
        (query.sort.key, query.sort.descending, query.offset),
        (SortKey::Duration, true, 0)
    );
    let loaded = Loaded::shop();
    let page = loaded.page(&TraceQuery::default());
    let back: TracePage = serde_json::from_str(&serde_json::to_string(&page).unwrap()).unwrap();
    assert_eq!(back, page);
    let facets = loaded.catalog.facets(10);
    assert_eq!(
        serde_json::from_value::<tracelens_core::query::Facets>(serde_json::to_value(&facets).unwrap()).unwrap(),
        facets
    );
}
