//! The trace list as a query: which traces match a filter, in which order,
//! one page of them at a time, so a page showing 200 rows of 100,000 traces
//! never holds the other 99,800 (issue 11: the engine moves into a Web
//! Worker and the page gets small answers).
//!
//! A [`TraceCatalog`] is built once per analysis from the trace set, its
//! index and its [`Analysis`](crate::analysis::Analysis); it keeps per trace
//! only what filters and sorts read (start, duration, span and error counts,
//! endpoint, services) and the trace orders for every sort, so a query is
//! one pass over the traces in the requested order and no sort. Rows are
//! made only for the page asked for. The text filter is the one that reads
//! spans: it matches each distinct string of the set once per query (they
//! are interned), then only compares handles span by span.
//!
//! It lives beside the analysis, not in it: it computes no statistic, it
//! answers the page's questions about what the analysis already found (the
//! endpoint of each trace is the one the groups use, its failed spans the
//! one notion of [`crate::analysis::failure`]).
//!
//! Every type that crosses to the page is `Serialize` and `Deserialize`;
//! every field of the filter and the query may be left out.

mod catalog;
pub mod compare;
mod order;
mod text;
pub mod trace_view;

pub use catalog::TraceCatalog;
pub use compare::{TraceComparison, compare_traces};

use crate::analysis::TraceSummary;
use crate::ids::TraceId;
use crate::time::DurationNs;
use serde::{Deserialize, Serialize};

/// Most rows one query returns, whatever `limit` asks: a virtualised list
/// asks for what is on screen and a little around it.
pub const MAX_LIMIT: u64 = 10_000;

/// Rows returned when a query names no limit.
pub const DEFAULT_LIMIT: u64 = 200;

/// An endpoint or an operation: a service and a name, as in
/// [`crate::analysis::GroupStats`] (an endpoint's name is the one the groups
/// give it, e.g. `GET /api/cart`; an operation's is its span name).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GroupKey {
    /// The service.
    pub service: String,
    /// The endpoint or span name.
    pub name: String,
}

/// A call from one service to another, as the service map draws it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ServiceCall {
    /// The calling service.
    pub caller: String,
    /// The called service.
    pub callee: String,
}

/// Which traces to list; every condition given must hold (none given: all).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TraceFilter {
    /// Only this trace (a finding's example trace).
    pub trace_id: Option<TraceId>,
    /// Traces with at least one span from this service.
    pub service: Option<String>,
    /// Traces that are requests to this endpoint (sessions and streams have
    /// none, as in the endpoint table).
    pub endpoint: Option<GroupKey>,
    /// Traces with at least one span of this service and name.
    pub operation: Option<GroupKey>,
    /// Traces lasting at least this long (end to end).
    pub min_duration: Option<DurationNs>,
    /// Traces lasting at most this long.
    pub max_duration: Option<DurationNs>,
    /// Only traces with a failed span (an error status, or a server answering 5xx).
    pub errors_only: bool,
    /// Traces where this service calls that one: a span of the second whose
    /// parent is a span of the first (an arrow of the service map).
    pub call: Option<ServiceCall>,
    /// Text found in the trace, ignoring case: in a span's service, name or
    /// status message, in a value of its attributes (numbers and booleans as
    /// written in decimal, `true`, `false`), of its resource's attributes, or
    /// in its events' names and attribute values. Blank: no condition.
    pub text: Option<String>,
}

impl TraceFilter {
    /// The filter for one trace.
    pub fn trace(trace_id: TraceId) -> TraceFilter {
        TraceFilter {
            trace_id: Some(trace_id),
            ..TraceFilter::default()
        }
    }
}

/// What the list is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Earliest span start.
    #[default]
    Start,
    /// End-to-end duration.
    Duration,
    /// Number of spans.
    Spans,
    /// Number of failed spans.
    Errors,
}

/// The order of the list. Traces equal in the key are always listed by start,
/// then trace ID, both ascending, in either direction: a page boundary never
/// moves between two queries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct TraceSort {
    /// The key.
    pub key: SortKey,
    /// Largest first.
    pub descending: bool,
}

/// One page of the trace list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TraceQuery {
    /// Which traces.
    pub filter: TraceFilter,
    /// In which order.
    pub sort: TraceSort,
    /// Matching traces to skip.
    pub offset: u64,
    /// Rows wanted, at most [`MAX_LIMIT`].
    pub limit: u64,
}

impl Default for TraceQuery {
    fn default() -> TraceQuery {
        TraceQuery {
            filter: TraceFilter::default(),
            sort: TraceSort::default(),
            offset: 0,
            limit: DEFAULT_LIMIT,
        }
    }
}

/// The answer to a [`TraceQuery`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TracePage {
    /// The rows from `offset` on, at most `limit` of them.
    pub rows: Vec<TraceSummary>,
    /// The endpoint each row's trace is a request to, in row order (`None`
    /// for a trace with no endpoint: a session, a job): two traces are
    /// compared within one endpoint.
    #[serde(default)]
    pub endpoints: Vec<Option<GroupKey>>,
    /// The offset of the first row (as asked).
    pub offset: u64,
    /// Traces matching the filter, on every page.
    pub matched: u64,
    /// Traces loaded.
    pub total: u64,
}

/// One choice of a filter menu, with the traces it would match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    /// The service.
    pub service: String,
    /// The endpoint or operation name; empty for a service.
    pub name: String,
    /// Traces it matches alone.
    pub traces: u64,
}

/// The choices of one menu, most traces first (then by service and name),
/// cut at a length a menu can show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetList {
    /// The choices shown.
    pub items: Vec<Facet>,
    /// Choices cut off after the last shown (the rarest).
    pub left_out: u64,
}

/// What the trace list's filter menus offer: the services, endpoints and
/// operations present, each with the traces it matches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Services (a trace counts once per service it has spans of).
    pub services: FacetList,
    /// Endpoints (a request counts once, under the endpoint it entered through).
    pub endpoints: FacetList,
    /// Operations (a trace counts once per operation it has spans of).
    pub operations: FacetList,
}
