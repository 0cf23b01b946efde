//! The report's data: what the feedback meeting reads, as plain serde types.
//!
//! Everything here is data, computed by the sibling modules from an
//! [`crate::analysis::Analysis`] and written by renderers (JSON here;
//! HTML and Markdown elsewhere) without any analysis of their own. The JSON
//! of [`Report`] is versioned by [`Report::schema_version`] and reads back to
//! an equal value, so a saved report can be opened again or used as the next
//! period's baseline ([`PeriodSummary`]).
//!
//! Units: durations are [`DurationNs`] (nanoseconds in JSON), instants are
//! `_ns` fields (nanoseconds since the Unix epoch), relative changes are
//! fractions (0.1 is 10% more).

use crate::analysis::detectors::Severity;
use crate::analysis::detectors::regression::{RowKind, Verdict};
pub use crate::analysis::detectors::{Impact, Subject};
use crate::time::DurationNs;
use serde::{Deserialize, Serialize};

/// The version of the report JSON. Raised when a field changes meaning or
/// goes away; a reader refuses a version it does not know.
pub const SCHEMA_VERSION: u32 = 1;

/// One feedback-meeting report: a period, optionally against a baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// [`SCHEMA_VERSION`] when written.
    pub schema_version: u32,
    /// Title, periods, what was read, data-quality notes.
    pub header: Header,
    /// Three to seven sentences, most important first.
    pub headlines: Vec<Headline>,
    /// Is anyone using it: requests per endpoint, new and gone names, callers.
    pub usage: Usage,
    /// Did it get faster or slower: the endpoint table and its changes.
    pub latency: Latency,
    /// What the detectors found, most costly first, then those resolved
    /// since the previous report.
    pub findings: Vec<ReportFinding>,
    /// What broke: error types new, recurring and gone.
    pub errors: Errors,
    /// Questions for the meeting and action items, made from the data.
    pub questions: Questions,
    /// What the next period's report compares with.
    pub summary: PeriodSummary,
}

/// Where a headline or question points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// [`Report::usage`].
    Usage,
    /// [`Report::latency`].
    Latency,
    /// [`Report::findings`].
    Findings,
    /// [`Report::errors`].
    Errors,
    /// [`Report::questions`].
    Questions,
}

impl Section {
    /// The anchor renderers give the section (`#latency`), stable across versions.
    pub fn id(self) -> &'static str {
        match self {
            Section::Usage => "usage",
            Section::Latency => "latency",
            Section::Findings => "findings",
            Section::Errors => "errors",
            Section::Questions => "questions",
        }
    }
}

// ---------------------------------------------------------------- header

/// Title, the two periods and what was read for each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// As given, else a default naming the current period.
    pub title: String,
    /// The period the report is about.
    pub current: Period,
    /// The period compared with; `None` without a baseline.
    pub baseline: Option<Period>,
    /// Services seen in the current period, sorted.
    pub services: Vec<String>,
    /// What a reader should know about the data before trusting the numbers.
    pub data_quality: Vec<DataNote>,
}

/// One side of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// As given, else from the time range (`1–14 Dec 2026`).
    pub name: String,
    /// Earliest span start, ns since the epoch; `None` when nothing was timed.
    pub start_ns: Option<u64>,
    /// Latest span end.
    pub end_ns: Option<u64>,
    /// Where the data came from.
    pub source: Source,
    /// The files read (for a report baseline: the files that report read).
    pub files: Vec<FileRead>,
    /// Spans kept.
    pub spans: u64,
    /// Traces.
    pub traces: u64,
}

/// Where a period's numbers come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Trace files read now.
    Traces,
    /// A previous report's JSON (its summaries; see [`PeriodSummary::approximate`]).
    Report,
}

/// One file read for a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRead {
    /// The name as given.
    pub name: String,
    /// The format it was read as (`otlp_json`, …).
    pub format: String,
    /// Spans found in it.
    pub spans_read: u64,
    /// Spans kept.
    pub spans_kept: u64,
}

/// Which side of the comparison something belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The period the report is about.
    Current,
    /// The period compared with.
    Baseline,
}

/// One data-quality note from the import reports or the linking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataNote {
    /// Which period's data it is about.
    pub side: Side,
    /// The file, when it is about one.
    pub file: Option<String>,
    /// One sentence with the numbers.
    pub text: String,
}

// ---------------------------------------------------------------- headlines

/// A sentence made from the numbers, linking to its section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Headline {
    /// The sentence (names from traces in backticks, not escaped: renderers escape).
    pub text: String,
    /// The section that has the details.
    pub section: Section,
}

// ---------------------------------------------------------------- usage

/// Is anyone using it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    /// Every endpoint of either period, busiest now first.
    pub endpoints: Vec<EndpointUsage>,
    /// Endpoints with requests now and none in the baseline (empty without one).
    pub new_endpoints: Vec<Name>,
    /// Endpoints with requests in the baseline and none now.
    pub gone_endpoints: Vec<Name>,
    /// Operations seen now and not in the baseline.
    pub new_operations: Vec<Name>,
    /// Operations seen in the baseline and not now.
    pub gone_operations: Vec<Name>,
    /// Who uses each of the busiest operations.
    pub callers: Vec<OperationCallers>,
    /// Operations left out of `callers` (only the busiest are listed).
    pub callers_omitted: u64,
}

/// A service and an endpoint or operation name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Name {
    /// The service.
    pub service: String,
    /// The endpoint or span name.
    pub name: String,
}

/// Requests of one endpoint in each period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointUsage {
    /// The service and endpoint.
    #[serde(flatten)]
    pub endpoint: Name,
    /// Requests now (with a known duration).
    pub requests: u64,
    /// Requests in the baseline; `None` without one.
    pub baseline_requests: Option<u64>,
    /// `requests / baseline_requests − 1`; `None` without a baseline or from 0.
    pub change: Option<f64>,
}

/// The endpoints whose requests reach an operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationCallers {
    /// The operation.
    #[serde(flatten)]
    pub operation: Name,
    /// Its spans now.
    pub spans: u64,
    /// Busiest first.
    pub callers: Vec<Caller>,
    /// Callers left out (only the busiest are listed).
    pub omitted: u64,
}

/// One endpoint whose requests reach an operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caller {
    /// The endpoint; `None` for traces without one (sessions, streams,
    /// background work with no server span).
    pub endpoint: Option<String>,
    /// The endpoint's service, when known.
    pub service: Option<String>,
    /// The operation's spans in these requests.
    pub spans: u64,
    /// The requests (traces).
    pub requests: u64,
}

// ---------------------------------------------------------------- latency

/// Did it get faster or slower.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    /// How changes are judged (the rank test's description); `None` without a baseline.
    pub method: Option<String>,
    /// Every endpoint of the current period, busiest first.
    pub endpoints: Vec<EndpointLatency>,
}

/// One endpoint's latency now, and its change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointLatency {
    /// The service and endpoint.
    #[serde(flatten)]
    pub endpoint: Name,
    /// Requests with a known duration.
    pub requests: u64,
    /// Failed requests over all requests, 0 to 1.
    pub error_rate: f64,
    /// Median.
    pub p50: DurationNs,
    /// 95th percentile.
    pub p95: DurationNs,
    /// 99th percentile.
    pub p99: DurationNs,
    /// Against the baseline; `None` without one or when the endpoint is new.
    pub change: Option<LatencyChange>,
    /// Durations now and in the baseline on the same bins, to draw.
    pub histogram: Option<SharedHistogram>,
}

/// An endpoint against the baseline, as the comparison judged it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyChange {
    /// Requests in the baseline.
    pub baseline_requests: u64,
    /// Baseline median.
    pub baseline_p50: DurationNs,
    /// Baseline 95th percentile.
    pub baseline_p95: DurationNs,
    /// `p50 / baseline_p50 − 1`; `None` from 0.
    pub p50_change: Option<f64>,
    /// `p95 / baseline_p95 − 1`; `None` from 0.
    pub p95_change: Option<f64>,
    /// Which way the durations moved, whatever the verdict.
    pub direction: Direction,
    /// The rank test's verdict (with the 10% / 10 µs floors).
    pub verdict: Verdict,
    /// Holm-adjusted p-value; `None` with too few samples.
    pub p_value: Option<f64>,
}

/// Which way durations moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Longer.
    Slower,
    /// Shorter.
    Faster,
    /// Neither median nor p95 moved.
    Same,
}

/// Two histograms on shared log-scale bins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedHistogram {
    /// Bin edges, ascending: bin `i` is `[bounds[i], bounds[i+1])`, the last closed.
    pub bounds: Vec<DurationNs>,
    /// Current durations per bin.
    pub current: Vec<u64>,
    /// Baseline durations per bin: of its sample when the baseline is a
    /// report (compare shapes, not heights); `None` without a baseline.
    pub baseline: Option<Vec<u64>>,
}

// ---------------------------------------------------------------- findings

/// A finding as the meeting discusses it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFinding {
    /// Detector and subject, hashed: the same problem next period has the same one.
    pub fingerprint: String,
    /// New, still open or resolved against the previous report; `None` when
    /// there is none to compare with.
    pub status: Option<Status>,
    /// The detector's stable name (`n_plus_one_queries`).
    pub detector: String,
    /// Its label for people.
    pub label: String,
    /// How urgent.
    pub severity: Severity,
    /// Where.
    pub subject: Subject,
    /// One sentence with the numbers.
    pub explanation: String,
    /// The cost, in the analysis' units.
    pub impact: Impact,
    /// A few traces to open (hex IDs).
    pub example_trace_ids: Vec<String>,
    /// The registry's suggested next step.
    pub next_step: String,
    /// What people wrote about it, carried from report to report.
    pub tracking: Tracking,
}

/// A finding's place across periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not in the previous report.
    New,
    /// In the previous report and still found.
    StillOpen,
    /// In the previous report, not found now.
    Resolved,
}

/// Notes, owner and state a person gave a finding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tracking {
    /// Free text.
    pub notes: String,
    /// Who looks after it.
    pub owner: String,
    /// Where the work stands.
    pub state: WorkState,
}

/// Where the work on a finding stands, as a person set it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkState {
    /// Nobody has decided yet.
    #[default]
    Open,
    /// Being fixed.
    Fixing,
    /// Decided not to fix.
    WontFix,
    /// Fixed.
    Done,
}

// ---------------------------------------------------------------- errors

/// What broke, by error type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Errors {
    /// Seen now, not in the baseline (every type, without a baseline).
    pub new: Vec<ErrorType>,
    /// Seen in both periods.
    pub recurring: Vec<ErrorType>,
    /// Seen in the baseline, not now.
    pub gone: Vec<ErrorType>,
}

/// One kind of error where it starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorType {
    /// Service of the span where it starts (a failing span with no failing child).
    pub service: String,
    /// That span's name.
    pub operation: String,
    /// Exception type, `error.type`, or `HTTP 503`; `error` when nothing says.
    pub kind: String,
    /// The most common message, with IDs, numbers and addresses folded.
    pub message: Option<String>,
    /// Spans where it started, now.
    pub count: u64,
    /// The same in the baseline; `None` without one.
    pub baseline_count: Option<u64>,
    /// Requests that failed at their entry span with it, now.
    pub failed_requests: u64,
    /// Endpoints whose requests it happened in, busiest first (at most five).
    pub endpoints: Vec<String>,
}

impl ErrorType {
    /// What `kind` says when nothing on the span names its error.
    pub const UNTYPED: &'static str = "error";

    /// Whether `kind` is a name from the data (an exception type, an
    /// `error.type`, a status), shown as a name; the [`Self::UNTYPED`]
    /// stand-in is the report's own word, shown as plain text.
    pub fn kind_is_named(&self) -> bool {
        self.kind != Self::UNTYPED
    }
}

// ---------------------------------------------------------------- questions

/// For the meeting.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questions {
    /// Questions the numbers raise, most important first.
    pub questions: Vec<Question>,
    /// Findings someone took on or should take on.
    pub action_items: Vec<ActionItem>,
}

/// A question the numbers raise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The question, with its numbers.
    pub text: String,
    /// The section with the details.
    pub section: Section,
}

/// Something to do after the meeting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionItem {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Who (empty: nobody yet).
    pub owner: String,
    /// What: the finding's next step, for its subject.
    pub text: String,
}

// ---------------------------------------------------------------- summary

/// The current period reduced to what a later comparison needs: durations
/// per endpoint and per operation under each endpoint, with a bounded sample.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodSummary {
    /// What is exact and what is approximate when this is a baseline.
    pub approximate: String,
    /// Most durations kept per group.
    pub sample_limit: u64,
    /// Spans in the period.
    pub spans: u64,
    /// Traces in the period.
    pub traces: u64,
    /// Endpoints, then operations under each endpoint.
    pub groups: Vec<GroupSummary>,
}

/// One endpoint, or one operation under an endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSummary {
    /// Endpoint or operation.
    pub kind: RowKind,
    /// The endpoint (for an operation, of the traces it ran in).
    pub endpoint: Option<String>,
    /// The service.
    pub service: String,
    /// The endpoint name, or the operation's span name.
    pub name: String,
    /// Spans with a known duration (exact).
    pub count: u64,
    /// Traces they belong to (exact).
    pub traces: u64,
    /// Median (exact).
    pub p50: DurationNs,
    /// 95th percentile (exact).
    pub p95: DurationNs,
    /// 99th percentile (exact).
    pub p99: DurationNs,
    /// Durations, ascending: all of them when `count <= sample_limit`, else
    /// `sample_limit` of them at evenly spaced ranks.
    pub sample: Vec<DurationNs>,
}
