//! Fuzzes the analysis over arbitrary trace sets, not only what the readers
//! make of arbitrary bytes. The sets are built as values
//! (`tracelens_core::import::values`: the importers' own builder, no format
//! in between): span and parent IDs from a small range, so duplicate IDs,
//! self-parents, parent cycles (A→B→A) and orphans are common; times
//! anywhere in 64 bits (none, 0, the maximum, ends before starts, missing
//! ends) but mostly near each other, so spans also overlap the way real
//! ones do; services, names, attribute keys and values from small pools of
//! what the detectors read, some of them hostile to Markdown and HTML; a
//! baseline set or none.
//!
//! On each it runs what the CLI and the page run: the index, the analysis
//! (alone and against the baseline), the report in JSON, Markdown and HTML
//! (and read back, then used as a baseline), the trace list's queries, the
//! service map and its layout, and for a few traces the trace view (rows,
//! header, details, search) and the comparison of two traces. Nothing may
//! panic, and the counts must agree with the set (see the `check_` functions).
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use tracelens_core::TraceSet;
use tracelens_core::analysis::detectors::Config;
use tracelens_core::analysis::service_map::{ServiceMap, layout};
use tracelens_core::analysis::{Analysis, Requests};
use tracelens_core::ids::{SpanId, TraceId};
use tracelens_core::import::values::{EventValues, SpanValues, Value, import_values};
use tracelens_core::index::TraceIndex;
use tracelens_core::model::{SpanKind, StatusCode};
use tracelens_core::query::trace_view::{OperationDurations, RowsQuery, TraceTree};
use tracelens_core::query::{
    GroupKey, MAX_LIMIT, SortKey, TraceCatalog, TraceFilter, TraceQuery, TraceSort, compare_traces,
};
use tracelens_core::report::{self, BaselineInput, Options, Report};
use tracelens_core::time::TimestampNs;

/// Spans per set at most: enough for deep trees, cycles and fan-outs, few
/// enough that one run stays in the milliseconds.
const MAX_SPANS: usize = 64;
/// Traces opened in the trace view and compared, per run.
const VIEWED: usize = 3;

/// Trace IDs: 0 is invalid (the span is rejected), the largest is valid.
const TRACE_IDS: [u128; 5] = [0, 1, 2, 3, u128::MAX];
/// Span and parent IDs are 1 to this: small, so they collide.
const MAX_SPAN_ID: u64 = 8;
/// Times near each other are this plus up to 65 ms, in microseconds.
const BASE_NS: u64 = 1_700_000_000_000_000_000;

// Empty strings, markup and Markdown among the names: the report must show them as text.
const SERVICES: [&str; 5] = ["frontend", "cart", "mysql", "", "<b>a|b</b> `x` *y*"];
const NAMES: [&str; 7] = [
    "GET /api/cart",
    "POST /v1/charges",
    "SELECT * FROM items WHERE id = ?",
    "GetDriver",
    "poll",
    "",
    "[x](javascript:alert(1)) | <img src=x>\n# h",
];
/// The keys the detectors and the trace list read.
const KEYS: [&str; 16] = [
    "http.status_code",
    "http.response.status_code",
    "http.method",
    "http.route",
    "url.full",
    "http.url",
    "db.system",
    "db.statement",
    "peer.service",
    "server.address",
    "rpc.service",
    "messaging.system",
    "messaging.destination.name",
    "error",
    "http.request.resend_count",
    "exception.message",
];
const TEXTS: [&str; 12] = [
    "500",
    "200",
    "GET",
    "redis",
    "mysql",
    "kafka",
    "SELECT * FROM items WHERE id = 1",
    "http://cart:8080/api/cart?id=1",
    "/api/{id}",
    "",
    "true",
    "é\u{0}<script>|`",
];
const EVENT_NAMES: [&str; 4] = ["exception", "retry", "message", ""];
const MESSAGES: [&str; 4] = ["", "timeout", "redis timeout", "<i>boom</i>"];
/// What the trace list and the trace view are searched for (a span ID too).
const SEARCHES: [&str; 5] = ["", "cart", "0000000000000003", "500", "<"];

/// One run's input: the sets and what is asked of them.
#[derive(Arbitrary, Debug)]
struct Input {
    current: Vec<SpanDesc>,
    baseline: Option<Vec<SpanDesc>>,
    asks: Asks,
}

#[derive(Arbitrary, Debug)]
struct SpanDesc {
    #[arbitrary(with = pick::<5>)]
    trace: usize,
    #[arbitrary(with = span_id)]
    id: u64,
    #[arbitrary(with = parent_id)]
    parent: Option<u64>,
    #[arbitrary(with = pick::<5>)]
    service: usize,
    #[arbitrary(with = pick::<7>)]
    name: usize,
    #[arbitrary(with = pick::<6>)]
    kind: usize,
    #[arbitrary(with = pick::<3>)]
    status: usize,
    #[arbitrary(with = pick::<4>)]
    message: usize,
    start: Time,
    end: End,
    attributes: Vec<(Key, ValueDesc)>,
    events: Vec<EventDesc>,
    links: Vec<LinkDesc>,
}

/// A time: mostly near [`BASE_NS`], sometimes at the edges of 64 bits.
#[derive(Arbitrary, Clone, Copy, Debug)]
enum Time {
    /// 0: none given.
    Missing,
    Near(u16),
    Max,
    Any(u64),
}

#[derive(Arbitrary, Clone, Copy, Debug)]
enum End {
    At(Time),
    /// This many microseconds after the start (saturating).
    After(u16),
}

#[derive(Arbitrary, Clone, Copy, Debug)]
struct Key(#[arbitrary(with = pick::<16>)] usize);

#[derive(Arbitrary, Clone, Copy, Debug)]
enum ValueDesc {
    Text(#[arbitrary(with = pick::<12>)] usize),
    /// A status code or a small count: what detectors compare with.
    Small(u16),
    Int(i64),
    Bool(bool),
    Double(f64),
}

#[derive(Arbitrary, Debug)]
struct EventDesc {
    time: Time,
    #[arbitrary(with = pick::<4>)]
    name: usize,
    attributes: Vec<(Key, ValueDesc)>,
}

#[derive(Arbitrary, Clone, Copy, Debug)]
struct LinkDesc {
    #[arbitrary(with = pick::<5>)]
    trace: usize,
    #[arbitrary(with = span_id)]
    id: u64,
}

/// What the page and the CLI ask of the analysed set.
#[derive(Arbitrary, Debug)]
struct Asks {
    #[arbitrary(with = pick::<4>)]
    sort: usize,
    descending: bool,
    offset: u8,
    limit: u8,
    #[arbitrary(with = pick::<5>)]
    service: usize,
    filter_by_service: bool,
    errors_only: bool,
    min_duration_us: Option<u16>,
    #[arbitrary(with = pick::<5>)]
    search: usize,
    /// Rows folded and revealed in the trace view, and whether only the critical path shows.
    collapsed: Vec<u8>,
    reveal: Option<u8>,
    critical_only: bool,
    /// The baseline given to the report as a previous report's JSON instead of as traces.
    baseline_as_report: bool,
}

fn pick<const N: usize>(u: &mut Unstructured<'_>) -> arbitrary::Result<usize> {
    u.choose_index(N)
}

fn span_id(u: &mut Unstructured<'_>) -> arbitrary::Result<u64> {
    u.int_in_range(1..=MAX_SPAN_ID)
}

/// `None` for a root; also 0 (no parent, as OTLP reads an all-zero parent
/// ID), and any span's ID: its own, one making a cycle, one never loaded.
fn parent_id(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<u64>> {
    Ok(match u.int_in_range(0..=MAX_SPAN_ID + 1)? {
        0 => None,
        id => Some(id - 1),
    })
}

impl Time {
    fn ns(self) -> u64 {
        match self {
            Time::Missing => 0,
            Time::Near(us) => BASE_NS + u64::from(us) * 1_000,
            Time::Max => u64::MAX,
            Time::Any(ns) => ns,
        }
    }
}

impl ValueDesc {
    fn value(self) -> Value<'static> {
        match self {
            ValueDesc::Text(i) => Value::Str(TEXTS[i]),
            ValueDesc::Small(n) => Value::Int(i64::from(n)),
            ValueDesc::Int(n) => Value::Int(n),
            ValueDesc::Bool(b) => Value::Bool(b),
            ValueDesc::Double(d) => Value::Double(d),
        }
    }
}

fn attributes(list: &[(Key, ValueDesc)]) -> Vec<(&'static str, Value<'static>)> {
    list.iter().map(|&(Key(k), v)| (KEYS[k], v.value())).collect()
}

fn span_values(desc: &SpanDesc) -> Option<SpanValues<'static>> {
    let start = desc.start.ns();
    let end = match desc.end {
        End::At(time) => time.ns(),
        End::After(us) => start.saturating_add(u64::from(us) * 1_000),
    };
    Some(SpanValues {
        trace_id: TraceId(TRACE_IDS[desc.trace]),
        span_id: SpanId::new(desc.id)?,
        parent_span_id: desc.parent.and_then(SpanId::new),
        service: SERVICES[desc.service],
        name: NAMES[desc.name],
        kind: SpanKind::from_otlp(desc.kind as i64)?,
        start: TimestampNs(start),
        end: TimestampNs(end),
        status: [StatusCode::Unset, StatusCode::Ok, StatusCode::Error][desc.status],
        status_message: MESSAGES[desc.message],
        attributes: attributes(&desc.attributes),
        events: desc
            .events
            .iter()
            .map(|e| EventValues {
                time: TimestampNs(e.time.ns()),
                name: EVENT_NAMES[e.name],
                attributes: attributes(&e.attributes),
            })
            .collect(),
        links: desc
            .links
            .iter()
            .filter_map(|l| Some((TraceId(TRACE_IDS[l.trace]), SpanId::new(l.id)?)))
            .collect(),
    })
}

/// The set the spans make, as one file; the import's own counts checked.
fn build(spans: &[SpanDesc]) -> TraceSet {
    let values: Vec<SpanValues<'static>> = spans.iter().take(MAX_SPANS).filter_map(span_values).collect();
    let mut set = TraceSet::new();
    let report = import_values(&mut set, "fuzz", &values);
    assert_eq!(report.spans_read, values.len() as u64);
    assert_eq!(report.spans_read, report.spans_kept + report.spans_rejected());
    assert_eq!(set.spans.len() as u64, report.spans_kept);
    set
}

fuzz_target!(|input: Input| {
    let set = build(&input.current);
    let baseline = input.baseline.as_deref().map(build);
    let config = Config::default();

    // `tracelens analyze`, with and without the baseline.
    let index = TraceIndex::build(&set);
    let alone = Analysis::with_baseline(&set, &index, None, &config);
    check_analysis(&set, &alone);
    let analysis = match &baseline {
        Some(b) => {
            let against = Analysis::with_baseline(&set, &index, Some(b), &config);
            check_analysis(&set, &against);
            against
        }
        None => alone,
    };

    check_report(&set, baseline.as_ref(), input.asks.baseline_as_report);
    check_service_map(&set, &index, &analysis, baseline.as_ref());
    check_trace_list(&set, &index, &analysis, &input.asks);
    check_trace_view(&set, &index, &analysis, &input.asks);
});

/// Totals agree with the set: every span in one trace, no count above the spans.
fn check_analysis(set: &TraceSet, analysis: &Analysis) {
    assert_eq!(analysis.overview.spans, set.spans.len() as u64);
    assert_eq!(analysis.overview.traces, analysis.traces.len() as u64);
    let spans: u64 = analysis.traces.iter().map(|t| u64::from(t.span_count)).sum();
    assert_eq!(spans, set.spans.len() as u64);
    for trace in &analysis.traces {
        assert!(trace.error_count <= trace.span_count, "{trace:?}");
        let in_set = set.spans.iter().filter(|s| s.trace_id == trace.trace_id).count();
        assert_eq!(trace.span_count as usize, in_set);
    }
    for group in analysis.groups.endpoints.iter().chain(&analysis.groups.operations) {
        assert!(group.durations.count <= set.spans.len() as u64, "{group:?}");
        assert!(group.errors <= set.spans.len() as u64, "{group:?}");
    }
}

/// `tracelens report` in each format, against the baseline's traces or its
/// report (`tracelens check` against a previous report); the JSON reads back
/// equal, and the Markdown fits a GitHub comment.
fn check_report(set: &TraceSet, baseline: Option<&TraceSet>, baseline_as_report: bool) {
    let options = Options::default();
    // Declared here so the baseline input can borrow it past the match.
    let earlier;
    let baseline = match baseline {
        Some(b) if baseline_as_report => {
            earlier = read_back(&report::generate(b, BaselineInput::None, &options).1);
            BaselineInput::Report(&earlier)
        }
        Some(b) => BaselineInput::Traces(b),
        None => BaselineInput::None,
    };
    let (_, report) = report::generate(set, baseline, &options);
    read_back(&report);
    let markdown = report::render::markdown(&report);
    assert!(markdown.encode_utf16().count() <= report::render::MARKDOWN_BUDGET);
    let _ = report::render::html(&report);
}

/// `report` written as JSON and read back, which must give it again.
fn read_back(report: &Report) -> Report {
    let json = report.to_json();
    match Report::from_json(json.as_bytes()) {
        Ok(back) => {
            assert_eq!(&back, report);
            back
        }
        Err(error) => panic!("the report does not read back: {error}\n{json}"),
    }
}

/// The map as the page draws it, against the baseline's when there is one.
fn check_service_map(set: &TraceSet, index: &TraceIndex, analysis: &Analysis, baseline: Option<&TraceSet>) {
    let mut map = ServiceMap::of(set, index, analysis.requests().failures());
    if let Some(b) = baseline {
        let b_index = TraceIndex::build(b);
        let requests = Requests::of(b, &b_index);
        map.compare(&ServiceMap::of(b, &b_index, requests.failures()));
    }
    for edge in &map.edges {
        assert!(
            map.node(&edge.caller).is_some() && map.node(&edge.callee).is_some(),
            "{edge:?}"
        );
        assert!(edge.errors <= edge.calls, "{edge:?}");
    }
    for node in &map.nodes {
        assert!(node.errors <= node.requests, "{node:?}");
    }
    let drawn = layout(&map);
    assert_eq!(
        (drawn.nodes.len(), drawn.edges.len()),
        (map.nodes.len(), map.edges.len())
    );
}

/// The trace list: a page is its part of the whole list, a filter never
/// matches more than there are, each trace's row is found by its ID.
fn check_trace_list(set: &TraceSet, index: &TraceIndex, analysis: &Analysis, asks: &Asks) {
    let catalog = TraceCatalog::new(set, index, analysis);
    let total = analysis.traces.len() as u64;
    let _ = catalog.facets(3);
    let sort = TraceSort {
        key: [SortKey::Start, SortKey::Duration, SortKey::Spans, SortKey::Errors][asks.sort],
        descending: asks.descending,
    };
    let filter = TraceFilter {
        service: asks.filter_by_service.then(|| SERVICES[asks.service].to_owned()),
        errors_only: asks.errors_only,
        min_duration: asks
            .min_duration_us
            .map(|us| tracelens_core::time::DurationNs(u64::from(us) * 1_000)),
        text: Some(SEARCHES[asks.search].to_owned()),
        ..TraceFilter::default()
    };
    let whole = catalog.query(
        set,
        index,
        &TraceQuery {
            filter: filter.clone(),
            sort,
            offset: 0,
            limit: MAX_LIMIT,
        },
    );
    assert_eq!(whole.total, total);
    assert!(whole.matched <= total);
    assert_eq!(whole.rows.len() as u64, whole.matched);
    let (offset, limit) = (u64::from(asks.offset), u64::from(asks.limit));
    let page = catalog.query(
        set,
        index,
        &TraceQuery {
            filter,
            sort,
            offset,
            limit,
        },
    );
    let expected: Vec<_> = whole.rows.iter().skip(offset as usize).take(limit as usize).collect();
    assert_eq!(page.rows.iter().collect::<Vec<_>>(), expected);
    for trace in &analysis.traces {
        let row = catalog.trace(set, index, trace.trace_id);
        assert_eq!(row.map(|r| r.trace_id), Some(trace.trace_id));
        if let Some(endpoint) = catalog.endpoint_of(set, trace.trace_id) {
            assert!(catalog.typical(set, &endpoint).is_some(), "{endpoint:?}");
        }
    }
    let none = GroupKey {
        service: "none".to_owned(),
        name: "none".to_owned(),
    };
    assert_eq!(catalog.typical(set, &none), None);
}

/// The trace view of a few traces: each span of the trace one row, folding
/// and revealing within bounds, details for each row, search among them;
/// and those traces compared with each other and with themselves.
fn check_trace_view(set: &TraceSet, index: &TraceIndex, analysis: &Analysis, asks: &Asks) {
    let durations = OperationDurations::of(set);
    let viewed: Vec<TraceId> = analysis.traces.iter().take(VIEWED).map(|t| t.trace_id).collect();
    for &trace_id in &viewed {
        let Some(tree) = TraceTree::build(set, index, trace_id) else {
            panic!("trace {trace_id} is in the analysis but cannot be opened");
        };
        let mut spans: BTreeMap<SpanId, usize> = BTreeMap::new();
        for span in set.spans.iter().filter(|s| s.trace_id == trace_id) {
            *spans.entry(span.span_id).or_default() += 1;
        }
        assert_eq!(tree.len(), spans.values().sum::<usize>());

        let all = tree.rows(
            set,
            index,
            &durations,
            &RowsQuery {
                limit: u32::MAX,
                ..RowsQuery::default()
            },
        );
        assert_eq!(all.visible as usize, tree.len());
        let mut rows: BTreeMap<SpanId, usize> = BTreeMap::new();
        for row in &all.rows {
            *rows.entry(row.span_id).or_default() += 1;
            assert!((row.descendants as usize) < tree.len(), "{row:?}");
        }
        assert_eq!(rows, spans, "the rows are not the trace's spans, each once");

        let header = tree.header(set, &[]);
        assert_eq!(header.spans as usize, tree.len());
        assert!(header.failed <= header.spans && header.on_path <= header.spans && header.skewed <= header.spans);

        let query = RowsQuery {
            collapsed: asks.collapsed.iter().map(|&r| u32::from(r)).collect(),
            critical_only: asks.critical_only,
            reveal: asks.reveal.map(u32::from),
            offset: 0,
            limit: u32::MAX,
            minimap: true,
        };
        let folded = tree.rows(set, index, &durations, &query);
        assert!(folded.visible as usize <= tree.len());
        assert_eq!(folded.rows.len(), folded.visible as usize);

        for row in 0..tree.len() as u32 {
            assert!(tree.details(set, index, &durations, row).is_some(), "row {row}");
        }
        assert!(tree.details(set, index, &durations, tree.len() as u32).is_none());
        let hits = tree.search(set, SEARCHES[asks.search]);
        assert!(hits.total as usize <= tree.len());
        assert!(hits.rows.iter().all(|&r| (r as usize) < tree.len()));
    }
    for &a in &viewed {
        for &b in &viewed {
            let Some(comparison) = compare_traces(set, index, a, b) else {
                panic!("traces {a} and {b} are loaded but cannot be compared");
            };
            let most = comparison.a.spans.min(comparison.b.spans) as usize;
            assert!(comparison.matched.len() <= most);
            if a == b {
                assert!(
                    comparison.only_a.is_empty() && comparison.only_b.is_empty(),
                    "{comparison:?}"
                );
                assert_eq!(comparison.difference_ns, 0);
                assert_eq!(comparison.explained_ns, 0);
            }
        }
    }
}
