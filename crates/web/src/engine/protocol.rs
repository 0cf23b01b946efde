//! What the page and the engine say to each other: requests one way,
//! replies the other, each a plain serde value sent as JSON text (see
//! [`encode`]). The files of a load
//! travel beside the request as `Blob`s (a `File` is one), which the browser
//! hands over without copying them.
//!
//! The engine answers requests in the order they arrive, one at a time, so a
//! clear sent after a load applies after it. Loads carry a number and
//! queries a ticket, so the page can match answers and drop the answers of a
//! load it has given up on (cancelled, or made stale by a clear).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::GroupStats;
use tracelens_core::analysis::detectors::Finding;
use tracelens_core::analysis::service_map::{Layout, ServiceMap};
use tracelens_core::ids::{SpanId, TraceId};
use tracelens_core::import::FileReport;
use tracelens_core::query::compare::TraceComparison;
use tracelens_core::query::trace_view::{RowsPage, RowsQuery, SearchHits, SpanDetails, TraceHeader};
use tracelens_core::query::{Facets, GroupKey, TracePage, TraceQuery};
use tracelens_core::report::{Report, Tracking};
use tracelens_core::time::{DurationNs, TimestampNs};

/// Numbers a load; the page counts them up.
pub type LoadId = u64;

/// Numbers a query, to match its answer.
pub type Ticket = u64;

/// Which of the two trace sets a file goes into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    /// The traces being looked at: everything the page shows is about them.
    Current,
    /// Traces of an earlier period, used only to compare with.
    Baseline,
}

/// From the page to the engine.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Request {
    /// Read the files sent beside this request, in order, into `period`;
    /// `names` are their names (a `Blob` has none). `list` is the trace
    /// list's query as the page stands: its first page comes with the
    /// answer, so the list draws with the findings, not a round trip later.
    Load {
        load: LoadId,
        period: Period,
        names: Vec<String>,
        list: TraceQuery,
    },
    /// Forget both trace sets and the previous report.
    Clear,
    /// Forget the baseline traces.
    ClearBaseline,
    /// The previous report the report compares with (`None`: the baseline
    /// traces, if any). Sent whenever the page's choice changes.
    SetReportBaseline { report: Option<Box<Report>> },
    /// A page of the trace list.
    Traces { ticket: Ticket, query: TraceQuery },
    /// The report of what is loaded, with these choices of the person's.
    Report { ticket: Ticket, choices: ReportChoices },
    /// Rows of the endpoint or operation table beyond those in the summary;
    /// with `service`, only that service's rows (the service map's panel).
    Groups {
        ticket: Ticket,
        grouping: Grouping,
        service: Option<String>,
        offset: usize,
        limit: usize,
    },
    /// The service map of the current traces (marked against the baseline
    /// traces when loaded), laid out for drawing.
    ServiceMap { ticket: Ticket },
    /// Two traces compared span by span.
    Compare { ticket: Ticket, a: TraceId, b: TraceId },
    /// Something about one trace, for the trace view. The engine keeps the
    /// last trace opened laid out, so the rows of a scroll cost a page.
    Trace {
        ticket: Ticket,
        trace_id: TraceId,
        ask: TraceAsk,
    },
}

/// What the trace view asks about its trace.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum TraceAsk {
    /// Open it: the header and the first rows. The rows of the `focus`
    /// spans (a finding's evidence) come in the header, and the first of
    /// them is revealed unless `rows` reveals another.
    Open { focus: Vec<SpanId>, rows: RowsQuery },
    /// A page of its visible rows.
    Rows(RowsQuery),
    /// One span in full.
    Details { row: u32 },
    /// The rows matching a text.
    Search { text: String },
}

/// The engine's answer about a trace.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum TraceAnswer {
    /// No loaded trace has that ID.
    Missing,
    Opened {
        header: TraceHeader,
        rows: RowsPage,
        /// The endpoint it is a request to, and that endpoint's typical
        /// trace (nearest its median), to compare with.
        endpoint: Option<(GroupKey, Option<TraceId>)>,
    },
    Rows(RowsPage),
    Details(Option<Box<SpanDetails>>),
    Search(SearchHits),
}

/// Two traces compared, and the endpoint each is a request to (a
/// comparison of two endpoints' requests says less, and the page says so).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Compared {
    pub comparison: TraceComparison,
    pub endpoints: (Option<GroupKey>, Option<GroupKey>),
}

/// The tables of group statistics that can be long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grouping {
    Endpoints,
    Operations,
}

/// What a person chose for the report (the options the page can set; the
/// detectors run with their default thresholds, as on the analysis page).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportChoices {
    pub title: Option<String>,
    pub period_names: Option<(String, String)>,
    pub tracking: BTreeMap<String, Tracking>,
}

/// From the engine to the page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Reply {
    /// The engine has started and takes requests.
    Ready,
    /// How far a load has got; sent at most every 50 ms or so while it runs.
    Progress(Progress),
    /// A load's files are read and analysed but for the detectors: each
    /// file's outcome, and what the page shows now. When `summary` holds
    /// current traces, its analysis has no findings yet: they follow in
    /// [`Reply::Findings`] for the same load, so the page can draw the list
    /// while the detectors run.
    Loaded {
        load: LoadId,
        period: Period,
        outcomes: Vec<FileOutcome>,
        /// What the page shows; `None` when no trace set changed.
        summary: Option<Summary>,
        /// The trace list's page for the query the load was sent with.
        list: Option<Box<(TraceQuery, TracePage)>>,
    },
    /// What the detectors found in a load's traces, most severe first:
    /// the findings its [`Reply::Loaded`] left out.
    Findings { load: LoadId, findings: Vec<Finding> },
    /// After a clear of the baseline: what the page shows now, findings
    /// included.
    Summary(Summary),
    /// A page of the trace list.
    Traces { ticket: Ticket, page: TracePage },
    /// The report; `None` without traces.
    Report {
        ticket: Ticket,
        report: Option<Box<Report>>,
    },
    /// Rows of a group table, busiest first from the offset asked.
    Groups { ticket: Ticket, rows: Vec<GroupStats> },
    /// About one trace.
    Trace { ticket: Ticket, answer: TraceAnswer },
    /// Two traces compared; `None` when either is not loaded.
    Compare {
        ticket: Ticket,
        compared: Option<Box<Compared>>,
    },
    /// The service map and its layout; `None` without traces.
    ServiceMap {
        ticket: Ticket,
        map: Option<Box<(ServiceMap, Layout)>>,
    },
    /// The engine panicked: it is gone, and says why before it goes.
    Panicked { message: String },
    /// What a load and an opened trace answer, on the engine's warm-up
    /// set, sent once at start for the page to read and drop while it is
    /// idle: the browser compiles a wasm function the first time it runs,
    /// and reading these types the first time took 50–140 ms of the first
    /// load's answer.
    Sample(Box<Sample>),
}

/// The answers of [`Reply::Sample`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sample {
    pub summary: Option<Summary>,
    pub list: TracePage,
    pub opened: TraceAnswer,
}

/// How far a load has got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub load: LoadId,
    /// The file being read: its position among the load's files, and name.
    pub file: usize,
    pub name: String,
    /// Bytes of the load's files read so far, and in all.
    pub bytes_read: u64,
    pub bytes_total: u64,
    /// Spans read so far in this load.
    pub spans: u64,
    /// What the engine is doing now, for the page to say.
    pub stage: Stage,
}

/// The steps of a load, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Reading,
    Analysing,
}

/// What came of one file of a load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FileOutcome {
    /// Its spans were added.
    Added,
    /// It could not be read; the message names the file and says why.
    Failed(String),
    /// It is a Tracelens report, not traces (for the page to open or use as
    /// the report's baseline).
    Report { name: String, report: Box<Report> },
}

/// Everything the page shows about what is loaded, short of the traces
/// themselves (those it asks for a page at a time).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `None` until current traces load (a baseline alone shows no analysis).
    pub current: Option<CurrentSummary>,
    /// `None` until a baseline loads.
    pub baseline: Option<BaselineSummary>,
}

/// The current traces, as the page shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentSummary {
    /// The analysis of the current traces, with its per-trace rows left out
    /// (`analysis.traces` is empty: see [`Request::Traces`]), and only the
    /// busiest [`SUMMARY_GROUP_ROWS`] endpoints and operations (see
    /// [`Request::Groups`]): a trace set can have thousands of operations,
    /// each row a kilobyte with its histogram, and the page draws a hundred.
    pub analysis: Analysis,
    /// Endpoints and operations in all.
    pub endpoints: usize,
    pub operations: usize,
    /// The shortest and longest duration in the endpoints' and in the
    /// operations' histograms, all rows included: the axis each table draws
    /// on (see `histogram::shared_range`).
    pub endpoint_range: Option<(DurationNs, DurationNs)>,
    pub operation_range: Option<(DurationNs, DurationNs)>,
    /// The choices of the trace list's filter menus.
    pub facets: Facets,
    /// How many traces the analysis found.
    pub traces: u64,
    /// The fingerprint of the current trace set (its span count and trace
    /// IDs): the key of the report edits kept for it.
    pub fingerprint: String,
    /// The files read into it.
    pub files: Vec<FileReport>,
}

/// Endpoints and operations a summary carries (the rest on request).
pub const SUMMARY_GROUP_ROWS: usize = 100;

/// What the baseline holds, so the page can say what it compares with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineSummary {
    pub files: Vec<FileReport>,
    pub spans: u64,
    pub traces: u64,
    /// Earliest span start (spans without a start time left out, as in the overview).
    pub start: Option<TimestampNs>,
    /// Latest span end.
    pub end: Option<TimestampNs>,
}

/// A message as it crosses between page and worker: JSON text. Measured on
/// a 1 MB trace's summary (groups, histograms, findings), building it as
/// JavaScript objects field by field (serde-wasm-bindgen) cost more on each
/// side than writing and reading the text, which crosses as one string; and
/// text keeps 64-bit times exact, which JavaScript numbers do not.
pub fn encode<T: Serialize>(message: &T) -> Result<wasm_bindgen::JsValue, String> {
    serde_json::to_string(message)
        .map(|text| wasm_bindgen::JsValue::from_str(&text))
        .map_err(|e| e.to_string())
}

/// A message from its JSON text (see [`encode`]).
pub fn decode<T: serde::de::DeserializeOwned>(value: &wasm_bindgen::JsValue) -> Result<T, String> {
    let text = value.as_string().ok_or("not a message")?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}
