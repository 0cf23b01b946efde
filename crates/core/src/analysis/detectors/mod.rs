//! Detectors: each finds one pattern a team should talk about, and explains
//! every finding with numbers and example traces. One module per detector,
//! named after what it finds; each documents what it detects, why it matters,
//! its rule and default thresholds, and an example.
//!
//! Detectors read the shared [`Context`] (the index, self times, the critical
//! path, endpoints) and never the files: they work the same on every format.

pub mod bottleneck;
mod bound_params;
pub mod broken_propagation;
mod cache_refresh;
mod call_effect;
pub mod call_overhead;
mod callee_wait;
mod calls;
pub mod chatty_calls;
pub mod consistency_cost;
pub mod consolidate;
pub mod critical_path;
pub mod data_quality;
pub mod database;
pub mod error_hotspot;
pub mod fixed_waits;
pub mod long_tail;
pub mod many_queries;
pub mod n_plus_one;
mod own_time_cause;
mod proxies;
pub mod queued_handlers;
pub mod registry;
pub mod regression;
pub mod repeated_along_chain;
mod repeats;
pub mod retries;
pub mod scaling;
pub mod sequential_calls;
mod session_units;
mod skew_corrected;
pub mod slow_endpoint;
pub mod statement;
pub mod uninstrumented_time;
mod untimed;
pub mod untraced_callee;
mod wall_clock;

use crate::ids::{SpanId, TraceId};
use crate::index::TraceIndex;
use crate::model::TraceSet;
use crate::time::DurationNs;
pub use registry::Detector;
use serde::Serialize;
use std::collections::BTreeMap;

/// How urgent a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Worth fixing.
    Warning,
    /// Costs a large share of request time: fix first.
    Critical,
}

/// What a finding is about.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Subject {
    /// The endpoint whose requests show it, if the traces have one.
    pub endpoint: Option<String>,
    /// The service where it happens.
    pub service: String,
    /// The operation or statement concerned: the span name, the operations
    /// table's key (and the fingerprint's); for a call overhead, its busiest
    /// route between services, `caller → callee`.
    pub operation: String,
    /// What the finding's sentence calls that operation when its span name
    /// is only an HTTP method: the route or path its spans served
    /// (`POST /api/checkout` for the OTel demo proxy's `POST`, which also
    /// served `POST /api/cart`), from [`operation_of`] over the finding's
    /// evidence ([`name_routes`]). `None` when the span name says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// What the finding is about, when that is more than the one operation
    /// above: routes between services (`` `strongman` → `platformapi` and 8
    /// other routes between services ``), a pair of services, several
    /// statements, handlers or services, or one operation under several
    /// endpoints. Written as the sentence writes names, with backticks; the
    /// report's headlines, place and actions name the finding by it, not by
    /// one of its members. `None`: the operation, service and endpoint say it.
    /// The fields above stay the finding's key (its fingerprint, merges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Subject {
    /// The operation as a person reads it: its route when it has one, else
    /// its span name.
    pub fn operation_shown(&self) -> &str {
        self.route.as_deref().unwrap_or(&self.operation)
    }

    /// What a headline or an action item calls the finding: its scope, or
    /// "`op` in `service` under `endpoint`" (the endpoint when it is not the
    /// operation itself), names in backticks.
    pub fn named(&self) -> String {
        if let Some(scope) = &self.scope {
            return scope.clone();
        }
        let operation = self.operation_shown();
        let mut text = format!("`{operation}` in `{}`", self.service);
        if let Some(endpoint) = self.endpoint.as_ref().filter(|e| **e != operation) {
            text.push_str(&format!(" under `{endpoint}`"));
        }
        text
    }
}

/// How much a finding costs, in the same units for every detector, so
/// findings of different kinds can be ranked against each other.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Impact {
    /// Requests that show it: traces with an endpoint, or runs of a handler
    /// inside sessions.
    pub requests: u64,
    /// Distinct traces among them, when fewer than `requests`: runs inside
    /// sessions (one recorded session holds many runs), or several parents in
    /// one request. `None`: one trace per request. Traces are the independent
    /// samples: one recording, however many runs it holds, is not enough to
    /// be `critical`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traces: Option<u64>,
    /// Of those, requests that failed at their entry span because of it.
    pub failed_requests: u64,
    /// The requests it is judged against: all requests of the endpoints (or,
    /// without one, all calls of the operation) concerned; 0 when not known.
    pub of_requests: u64,
    /// Of the affected requests' wall-clock time, the share the pattern holds
    /// (0 to 1): a union of its spans' time, never a sum of overlapping spans.
    pub request_time_share: f64,
    /// Time on the affected requests' critical path held by the pattern,
    /// summed over them: at most what fixing it would save. For errors, the
    /// failing origin spans' own time; for a regression, the time it added.
    pub time: DurationNs,
    /// Of the affected requests' wall-clock time, what the pattern holds
    /// (`request_time_share` of it), summed over them, when a detector sizes
    /// it so: the error hotspot's failing spans, which is how long a request
    /// that timed out kept its caller waiting (15 s behind the OTel demo's
    /// proxy, whose own time, on the critical path, is 556 µs). 0 when not
    /// measured.
    #[serde(default, skip_serializing_if = "no_time")]
    pub request_time: DurationNs,
    /// It says data may be written wrong (a loop of writes that rewrites
    /// rows its request did not create): at least a warning, whatever its
    /// cost, which sizes only what a fix saves in time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub data_at_risk: bool,
}

/// Whether a time is zero: not written in JSON (a field not measured).
fn no_time(time: &DurationNs) -> bool {
    time.0 == 0
}

impl Impact {
    /// The distinct traces that show it.
    pub fn traces(&self) -> u64 {
        self.traces.map_or(self.requests, |t| t.min(self.requests))
    }
}

/// "612ms–975ms", or "628ms" when the values read the same: the spread of
/// some durations, as sentences give it.
pub(super) fn duration_range(values: impl IntoIterator<Item = u64>) -> String {
    let (mut low, mut high) = (u64::MAX, 0u64);
    for value in values {
        low = low.min(value);
        high = high.max(value);
    }
    if low > high {
        return String::new();
    }
    let (low, high) = (DurationNs(low).to_string(), DurationNs(high).to_string());
    if low == high { low } else { format!("{low}–{high}") }
}

/// How many different values `items` holds.
pub(super) fn distinct<T: Ord>(items: impl IntoIterator<Item = T>) -> u64 {
    let mut items: Vec<T> = items.into_iter().collect();
    items.sort_unstable();
    items.dedup();
    items.len() as u64
}

/// How many traces these spans are in.
pub(super) fn distinct_traces(context: &Context<'_>, spans: &[u32]) -> u64 {
    distinct(
        spans
            .iter()
            .filter_map(|&i| context.set.spans.get(i as usize))
            .map(|s| s.trace_id),
    )
}

/// A trace that shows the pattern, and the spans to look at.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Evidence {
    /// The trace.
    pub trace_id: TraceId,
    /// The spans, first the parent, then a few of the repeated children.
    pub span_ids: Vec<SpanId>,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Finding {
    /// The detector, serialised as its stable name, e.g. `n_plus_one_queries`.
    pub detector: Detector,
    /// How urgent.
    pub severity: Severity,
    /// How much it costs.
    pub impact: Impact,
    /// Where.
    pub subject: Subject,
    /// One sentence with the numbers.
    pub explanation: String,
    /// A few example traces.
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// What a team does about this finding: its detector's usual step, unless
    /// the finding says something that step would make worse. A loop of
    /// writes that rewrites rows its request did not create
    /// ([`Impact::data_at_risk`]: the hipster shop's 17 `update shop.order`,
    /// 16 of them other users' orders) is not fixed by fetching or writing the
    /// rows in one query: a batch rewrites the same rows, only faster.
    pub fn next_step(&self) -> &'static str {
        if self.impact.data_at_risk {
            "Restrict the write to the rows the request owns: check that its WHERE clause binds the request's own \
             key (its order or user ID) and why the loop reaches other rows (an ORM saving a whole collection?); \
             batch the writes only after that, or the batch rewrites the same rows faster."
        } else {
            self.detector.next_step()
        }
    }
}

/// Thresholds of every detector; defaults as documented in each module. Read
/// from a TOML file by the CLI's `--config` (a section per detector, any
/// field left out keeps its default) and echoed in its JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// N+1 queries.
    pub n_plus_one: n_plus_one::Config,
    /// Chatty remote calls.
    pub chatty_calls: chatty_calls::Config,
    /// Calls on a route that wait a fixed time outside their callee.
    pub call_overhead: call_overhead::Config,
    /// Database calls slow for the consistency level they ask.
    pub consistency_cost: consistency_cost::Config,
    /// Calls retried after they failed.
    pub retries: retries::Config,
    /// Slow endpoints.
    pub slow_endpoint: slow_endpoint::Config,
    /// Long tails.
    pub long_tail: long_tail::Config,
    /// Bottlenecks on the critical path.
    pub bottleneck: bottleneck::Config,
    /// Calls to hosts that send no spans, on the critical path.
    pub untraced_callee: untraced_callee::Config,
    /// Deliberate fixed waits (sleeps) on a run's critical path.
    pub fixed_waits: fixed_waits::Config,
    /// The same call repeated by services down one call chain.
    pub repeated_along_chain: repeated_along_chain::Config,
    /// Where errors start.
    pub error_hotspot: error_hotspot::Config,
    /// Remote calls made one after another.
    pub sequential_calls: sequential_calls::Config,
    /// Endpoints with many more queries than their siblings.
    pub many_queries: many_queries::Config,
    /// Duration growing with load.
    pub scaling: scaling::Config,
    /// Long stretches no child span explains.
    pub uninstrumented_time: uninstrumented_time::Config,
    /// The critical path of each trace, when there are few.
    pub critical_path: critical_path::Config,
    /// Trace context lost between services.
    pub broken_propagation: broken_propagation::Config,
    /// Skew, orphans, missing roots and times.
    pub data_quality: data_quality::Config,
    /// Regressions and improvements against a baseline.
    pub regression: regression::Config,
    /// How severity follows from cost.
    pub severity: SeverityRules,
}

/// How severity follows from a finding's cost: the same fixed rules for every
/// detector that measures a cost to requests ([`Detector::judged_by_cost`]).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeverityRules {
    /// `critical` when at least this share of an endpoint's requests fail because of it...
    pub critical_failed_share: f64,
    /// ...and at least this many failed, in as many distinct traces: one or
    /// two failed requests are evidence (n=1), not a rate, and stay a
    /// `warning` at most, as do three failed messages of one recorded poll.
    pub critical_min_failed_requests: u64,
    /// `critical` when it holds at least this share of the affected requests' time...
    pub critical_time_share: f64,
    /// ...over at least this many requests, in as many distinct traces...
    pub critical_min_requests: u64,
    /// ...and at least this much critical-path time in all: a pattern that
    /// holds most of a few fast requests (5 Redis calls, 25 ms in a whole
    /// capture) is worth fixing, not urgent.
    #[serde(serialize_with = "crate::time::as_written")]
    pub critical_min_time: DurationNs,
    /// `warning` from this share of requests failing.
    pub warning_failed_share: f64,
    /// `warning` from this share of the affected requests' time...
    pub warning_time_share: f64,
    /// ...when it holds at least this much time per affected request (on
    /// average): 13 serial inserts of 3 ms in all hold 10% of a 23 ms
    /// request, and 5 serial Redis reads hold 83% of a 7 ms message handler
    /// (6 ms a run, 25 ms in a whole recorded session): worth knowing, not
    /// worth a warning (the strict review: what a fix saves is what sizes it).
    #[serde(serialize_with = "crate::time::as_written")]
    pub warning_min_time_per_request: DurationNs,
    /// ...and, when it was seen in one request only, at least this much
    /// time: one call of one request is a sample of its latency, not yet a
    /// pattern (the Tempo service-graph example's one 24 ms SELECT, 79% of
    /// its one 30 ms request, says little; HotROD's one 1.38 s lookup is
    /// worth a look even once). Failures are judged by their share alone.
    #[serde(serialize_with = "crate::time::as_written")]
    pub warning_min_time_once: DurationNs,
}

impl Default for SeverityRules {
    fn default() -> SeverityRules {
        SeverityRules {
            critical_failed_share: 0.10,
            critical_min_failed_requests: 3,
            critical_time_share: 0.30,
            critical_min_requests: 3,
            critical_min_time: DurationNs(100_000_000),
            warning_failed_share: 0.01,
            warning_time_share: 0.10,
            warning_min_time_per_request: DurationNs(10_000_000),
            warning_min_time_once: DurationNs(100_000_000),
        }
    }
}

impl SeverityRules {
    /// The severity an impact earns.
    pub fn judge(&self, impact: &Impact) -> Severity {
        let by_cost = self.judge_cost(impact);
        if impact.data_at_risk {
            by_cost.max(Severity::Warning)
        } else {
            by_cost
        }
    }

    /// The severity an impact's failures and time earn.
    fn judge_cost(&self, impact: &Impact) -> Severity {
        let failed_share = if impact.of_requests == 0 {
            0.0
        } else {
            impact.failed_requests as f64 / impact.of_requests as f64
        };
        let fails = impact.failed_requests > 0;
        if (fails
            && failed_share >= self.critical_failed_share
            && impact.failed_requests >= self.critical_min_failed_requests
            && impact.traces() >= self.critical_min_failed_requests)
            || (impact.request_time_share >= self.critical_time_share
                && impact.requests >= self.critical_min_requests
                && impact.traces() >= self.critical_min_requests
                && impact.time >= self.critical_min_time)
        {
            Severity::Critical
        } else if (fails && failed_share >= self.warning_failed_share)
            || (impact.request_time_share >= self.warning_time_share
                && impact.time.0
                    >= self
                        .warning_min_time_per_request
                        .0
                        .saturating_mul(impact.requests.max(1))
                && (impact.requests > 1 || impact.time >= self.warning_min_time_once))
        {
            Severity::Warning
        } else {
            Severity::Info
        }
    }
}

/// What detectors read.
pub struct Context<'a> {
    /// The spans.
    pub set: &'a TraceSet,
    /// Traces, parents and children.
    pub index: &'a TraceIndex,
    /// The endpoint name of each trace (by index in `index.traces`), if it has one.
    pub endpoints: &'a [Option<String>],
    /// The duration of each trace's entry span (or its root), by trace; the
    /// whole trace's for a session or stream.
    pub request_durations: Vec<DurationNs>,
    /// The entry server span of each trace, if it has one.
    pub entries: &'a [Option<u32>],
    /// Which spans and requests failed.
    pub failures: &'a super::failure::Failures,
    /// Time each span spent on its trace's critical path, by span.
    pub on_path: &'a [DurationNs],
    /// Each span's own time (not covered by its children), by span.
    pub self_times: &'a [DurationNs],
    /// The trace (index in `index.traces`) of each span.
    trace_of: &'a [u32],
    /// Total critical-path time of each trace.
    pub path_totals: &'a [u64],
    /// Which spans are database calls, and their statements.
    pub database: database::DatabaseCalls,
    /// Which spans are a proxy's record of a call passing through it.
    pub(crate) proxies: proxies::ProxyHops,
    /// Traces (by index) per endpoint name, for the traces that have one.
    by_endpoint: BTreeMap<&'a str, Vec<usize>>,
    /// Statistics per endpoint, service and operation.
    pub groups: &'a super::Groups,
    /// The comparison with a baseline, when one was loaded.
    pub comparison: Option<&'a regression::Comparison>,
    /// Units of work and remote-call keys, found once on first use and
    /// shared by the detectors that need them (six read the units).
    units: std::cell::OnceCell<calls::Units>,
    call_keys: std::cell::OnceCell<calls::CallKeys>,
    /// Repeated calls under one parent, found once for N+1 queries, chatty
    /// calls and retries (each walked every span's children on its own).
    repeats: std::cell::OnceCell<Vec<repeats::Repeat>>,
    /// The units of work inside sessions, each with its own critical path.
    session_units: std::cell::OnceCell<session_units::SessionUnits>,
    /// The spans a walk of subtrees has visited ([`calls::path_time`]),
    /// kept from walk to walk so each starts without allocating.
    visits: std::cell::RefCell<calls::Visits>,
}

impl<'a> Context<'a> {
    /// Gathers the per-trace facts detectors share.
    /// Reuses the entry spans and endpoint names the group statistics found.
    pub fn new(facts: &'a super::groups::SpanFacts<'a>, groups: &'a super::Groups) -> Context<'a> {
        let (set, index) = (facts.set, facts.index);
        let request_durations = index
            .traces
            .iter()
            .zip(&facts.entries)
            .map(|(trace, entry)| {
                // A session or stream is measured whole: its entry span is
                // a small part of what its findings count.
                if trace.shape != crate::index::TraceShape::Request {
                    return trace.duration();
                }
                let request = entry.unwrap_or(trace.root);
                set.spans.get(request as usize).map_or(trace.duration(), |s| s.duration)
            })
            .collect();
        Context {
            set,
            index,
            endpoints: &facts.endpoint_names,
            request_durations,
            entries: &facts.entries,
            failures: &facts.failures,
            on_path: facts.on_path,
            self_times: facts.self_times,
            trace_of: &facts.trace_of,
            path_totals: &facts.trace_path_total,
            database: database::DatabaseCalls::of(set),
            proxies: proxies::ProxyHops::of(set),
            by_endpoint: by_endpoint(&facts.endpoint_names),
            groups,
            comparison: None,
            units: std::cell::OnceCell::new(),
            call_keys: std::cell::OnceCell::new(),
            repeats: std::cell::OnceCell::new(),
            session_units: std::cell::OnceCell::new(),
            visits: std::cell::RefCell::default(),
        }
    }

    /// Up to `n` traces of `endpoint`, slowest request first, as evidence.
    pub fn slowest_requests(&self, endpoint: &str, n: usize) -> Vec<Evidence> {
        let mut traces: Vec<usize> = (0..self.index.traces.len())
            .filter(|&t| self.endpoints[t].as_deref() == Some(endpoint))
            .collect();
        traces.sort_by_key(|&t| std::cmp::Reverse(self.request_durations[t]));
        traces
            .into_iter()
            .take(n)
            .map(|t| {
                let trace = &self.index.traces[t];
                let root = self.set.spans.get(trace.root as usize).map(|s| s.span_id);
                Evidence {
                    trace_id: trace.trace_id,
                    span_ids: root.into_iter().collect(),
                }
            })
            .collect()
    }

    /// Up to `n` of the slowest spans of an operation, as evidence.
    pub fn slowest_spans(&self, service: &str, name: &str, n: usize) -> Vec<Evidence> {
        let set = self.set;
        let mut spans: Vec<usize> = (0..set.spans.len())
            .filter(|&i| set.str(set.spans[i].service) == service && set.str(set.spans[i].name) == name)
            .collect();
        spans.sort_by_key(|&i| std::cmp::Reverse(set.spans[i].duration));
        spans
            .into_iter()
            .take(n)
            .map(|i| self.span_evidence(i as u32))
            .collect()
    }

    /// Span `i` alone, as evidence in its trace.
    pub fn span_evidence(&self, i: u32) -> Evidence {
        let span = &self.set.spans[i as usize];
        Evidence {
            trace_id: span.trace_id,
            span_ids: vec![span.span_id],
        }
    }

    /// The trace ID of the trace at `t` in `index.traces`.
    pub fn trace_id(&self, t: usize) -> TraceId {
        self.index.traces.get(t).map_or(TraceId(0), |trace| trace.trace_id)
    }

    /// The trace (index in `index.traces`) of span `i`.
    pub fn trace_of(&self, i: u32) -> u32 {
        self.trace_of.get(i as usize).copied().unwrap_or(0)
    }

    /// Each span's unit of work (see [`calls::Units`]), found once.
    fn units(&self) -> &calls::Units {
        self.units.get_or_init(|| calls::Units::of(self))
    }

    /// The callee key of each remote call (see [`calls::CallKeys`]), found once.
    fn call_keys(&self) -> &calls::CallKeys {
        self.call_keys.get_or_init(|| calls::CallKeys::of(self))
    }

    /// Every parent's repeated calls (see [`repeats::shared`]), found once.
    fn repeats(&self) -> &[repeats::Repeat] {
        self.repeats.get_or_init(|| repeats::shared(self))
    }

    /// The units of work inside sessions (see [`session_units`]), found once.
    fn session_units(&self) -> &session_units::SessionUnits {
        self.session_units.get_or_init(|| session_units::SessionUnits::of(self))
    }

    /// Traces (by index) per endpoint name, for the traces that have one.
    pub fn traces_by_endpoint(&self) -> &BTreeMap<&'a str, Vec<usize>> {
        &self.by_endpoint
    }
}

/// Traces (by index) per endpoint name, for the traces that have one.
fn by_endpoint(endpoints: &[Option<String>]) -> BTreeMap<&str, Vec<usize>> {
    let mut by_endpoint: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (t, endpoint) in endpoints.iter().enumerate() {
        if let Some(endpoint) = endpoint {
            by_endpoint.entry(endpoint.as_str()).or_default().push(t);
        }
    }
    by_endpoint
}

/// `text` as it can stand inside an explanation: control characters (a span
/// named by a newline exists in the wild) and backslashes escaped.
/// Quotes stay as they are (`I'm a server span`, not `I\'m`).
pub fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || c == '\\' {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a finding calls the operation of `spans`, spans of one service and
/// span name: the span name, or, when it is only an HTTP method, the route
/// or path they all share ([`crate::analysis::groups::operation_name`]:
/// "`POST /api/checkout` in `frontend-proxy`", not "`POST`"). Spans of one
/// bare method that went to different routes keep the method: no one route
/// speaks for them. Only names that are a bare method cost more than a look.
pub(super) fn operation_of(set: &TraceSet, spans: impl IntoIterator<Item = u32>) -> std::borrow::Cow<'_, str> {
    use crate::analysis::groups::{is_bare_method, operation_name};
    use std::borrow::Cow;
    let mut spans = spans.into_iter();
    let Some(first) = spans.next() else {
        return Cow::Borrowed("");
    };
    let name = set.spans.get(first as usize).map_or("", |s| set.str(s.name));
    if !is_bare_method(name) {
        return Cow::Borrowed(name);
    }
    let named = operation_name(set, first);
    if spans.all(|i| operation_name(set, i) == named) {
        named
    } else {
        Cow::Borrowed(name)
    }
}

/// `sentence` with `clause` (which brings its own "; ") before its final
/// full stop, or at its end when it has none.
pub(super) fn with_clause(sentence: &str, clause: &str) -> String {
    match sentence.strip_suffix('.') {
        Some(body) => format!("{body}{clause}."),
        None => format!("{sentence}{clause}"),
    }
}

/// "a", "a and b", "a, b and c".
pub(super) fn join(items: &[String]) -> String {
    match items.split_last() {
        Some((last, first)) if !first.is_empty() => format!("{} and {last}", first.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Finding sentences agree a noun with its count through the one helper.
pub(crate) use crate::numbers::{agrees, counted};

/// `time` as a share of `request_time`, capped at 1 (calls that overlap are
/// counted in full, so they can add up to more than the request); 0 when
/// there is no request time.
fn time_share(time: u64, request_time: u64) -> f64 {
    if request_time == 0 {
        0.0
    } else {
        (time as f64 / request_time as f64).min(1.0)
    }
}

/// The nearest-rank median of `values` (sorted here), like every percentile in
/// Tracelens; the default (zero) when empty. Generic so durations stay `u64`:
/// a cast to `usize` wraps at 2³² ns (4.29 s) on wasm32, and the browser and
/// the CLI would disagree.
fn median<T: Ord + Copy + Default>(mut values: Vec<T>) -> T {
    values.sort_unstable();
    values
        .get(values.len().div_ceil(2).saturating_sub(1))
        .copied()
        .unwrap_or_default()
}

/// The nearest-rank median of fractions or other real values (0 when empty).
fn median_f64(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values
        .get(values.len().div_ceil(2).saturating_sub(1))
        .copied()
        .unwrap_or(0.0)
}

/// Runs every detector; findings most severe and costly first.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let mut findings = n_plus_one::detect(context, &config.n_plus_one);
    findings.extend(chatty_calls::detect(context, &config.chatty_calls));
    let (overheads, overhead_calls) = call_overhead::detect_counting(context, &config.call_overhead);
    findings.extend(overheads);
    findings.extend(consistency_cost::detect(context, &config.consistency_cost));
    findings.extend(retries::detect(context, &config.retries));
    findings.extend(slow_endpoint::detect(context, &config.slow_endpoint));
    findings.extend(long_tail::detect(context, &config.long_tail));
    findings.extend(bottleneck::detect(context, &config.bottleneck));
    // A call a bottleneck already names (the shop's payment provider, 93% of
    // checkout) is told once, by the bottleneck.
    let untraced = untraced_callee::detect(context, &config.untraced_callee);
    let bottlenecks: Vec<&Subject> = findings
        .iter()
        .filter(|f| f.detector == Detector::Bottleneck)
        .map(|f| &f.subject)
        .collect();
    let untraced: Vec<Finding> = untraced
        .into_iter()
        .filter(|f| !bottlenecks.contains(&&f.subject))
        .collect();
    findings.extend(untraced);
    findings.extend(fixed_waits::detect(context, &config.fixed_waits));
    findings.extend(repeated_along_chain::detect_beside(
        context,
        &config.repeated_along_chain,
        &overhead_calls,
    ));
    findings.extend(queued_handlers::detect(context));
    findings.extend(error_hotspot::detect(context, &config.error_hotspot));
    findings.extend(sequential_calls::detect(context, &config.sequential_calls));
    findings.extend(many_queries::detect(context, &config.many_queries));
    findings.extend(scaling::detect(context, &config.scaling));
    findings.extend(uninstrumented_time::detect(context, &config.uninstrumented_time));
    findings.extend(broken_propagation::detect(context, &config.broken_propagation));
    findings.extend(data_quality::detect(context, &config.data_quality));
    findings.extend(regression::detect(context, &config.regression));
    // Routes first, so a finding merged across endpoints is named by its
    // operation as its sentence names it; again after, for merged evidence.
    name_routes(context, &mut findings);
    let mut findings = consolidate::consolidate(context, &config.severity, findings);
    // Last, so a trace's path leaves out what the other findings, merged,
    // already tell (a team should not read one cost twice).
    let paths = critical_path::detect(context, &config.critical_path, &findings);
    findings.extend(paths);
    for finding in &mut findings {
        // Said only when it differs from the requests.
        finding.impact.traces = finding.impact.traces.filter(|&t| t < finding.impact.requests);
        if finding.detector.judged_by_cost() {
            finding.severity = config.severity.judge(&finding.impact);
        }
        finding.severity = finding.severity.min(finding.detector.max_severity());
    }
    name_routes(context, &mut findings);
    skew_corrected::note(context, &mut findings);
    rank(&mut findings);
    findings
}

/// Gives each finding whose operation is only an HTTP method the route its
/// spans in the evidence served ([`Subject::route`]), as its sentence names
/// it: the report's headline, place and actions say "`POST /api/checkout`
/// in `frontend-proxy`", not "`POST`". Spans of one method that served
/// several routes keep the method ([`operation_of`]).
fn name_routes(context: &Context<'_>, findings: &mut [Finding]) {
    let set = context.set;
    for finding in findings.iter_mut() {
        let subject = &finding.subject;
        if !crate::analysis::groups::is_bare_method(&subject.operation) {
            continue;
        }
        let mut spans: Vec<u32> = Vec::new();
        for evidence in &finding.evidence {
            let Some(trace) = context.index.traces.iter().find(|t| t.trace_id == evidence.trace_id) else {
                continue;
            };
            spans.extend(context.index.spans_of(trace).iter().copied().filter(|&i| {
                set.spans.get(i as usize).is_some_and(|s| {
                    evidence.span_ids.contains(&s.span_id)
                        && set.str(s.service) == subject.service
                        && set.str(s.name) == subject.operation
                })
            }));
        }
        if spans.is_empty() {
            continue;
        }
        let named = operation_of(set, spans);
        if named != subject.operation {
            finding.subject.route = Some(named.into_owned());
        }
    }
}

/// Most costly first: by severity, then failed user requests, then the
/// critical-path time a fix would save; ties in a fixed order.
pub fn rank(findings: &mut [Finding]) {
    // Within a severity: findings that name a cause, then a request's
    // critical path told whole (an overview of the parts the others name;
    // its time is all its parts'), then the rare errors, what is left when
    // every other finding is read.
    let read_later = |f: &Finding| match f.detector {
        Detector::CriticalPath => 1,
        Detector::RareErrors => 2,
        _ => 0,
    };
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| read_later(a).cmp(&read_later(b)))
            .then_with(|| b.impact.failed_requests.cmp(&a.impact.failed_requests))
            .then_with(|| b.impact.time.cmp(&a.impact.time))
            .then_with(|| a.detector.cmp(&b.detector))
            .then_with(|| a.explanation.cmp(&b.explanation))
    });
}

#[cfg(test)]
mod severity_tests {
    use super::*;

    fn impact(requests: u64, failed: u64, of: u64, share: f64, time_ms: u64) -> Impact {
        Impact {
            requests,
            traces: None,
            failed_requests: failed,
            of_requests: of,
            request_time_share: share,
            time: DurationNs(time_ms * 1_000_000),
            data_at_risk: false,
            request_time: DurationNs(0),
        }
    }

    #[test]
    fn severity_follows_the_documented_rules() {
        let rules = SeverityRules::default();
        // 10% of an endpoint's requests failing is critical however little time it takes.
        assert_eq!(rules.judge(&impact(5, 5, 50, 0.0, 0)), Severity::Critical);
        assert_eq!(rules.judge(&impact(5, 1, 50, 0.0, 0)), Severity::Warning);
        assert_eq!(rules.judge(&impact(5, 0, 50, 0.05, 0)), Severity::Info);
        // One or two failed requests are evidence, not a rate: a warning at most.
        assert_eq!(rules.judge(&impact(1, 1, 1, 0.0, 0)), Severity::Warning, "1 of 1");
        assert_eq!(rules.judge(&impact(2, 2, 3, 0.0, 0)), Severity::Warning, "2 of 3");
        assert_eq!(rules.judge(&impact(3, 3, 3, 0.0, 0)), Severity::Critical, "3 of 3");
        // 30% of the time over 3 requests and 100 ms: critical; short of any of them: warning.
        assert_eq!(rules.judge(&impact(3, 0, 3, 0.3, 100)), Severity::Critical);
        assert_eq!(rules.judge(&impact(2, 0, 2, 0.9, 900)), Severity::Warning, "n=2");
        // Most of four short runs, 6 ms each: worth knowing, not a warning.
        assert_eq!(rules.judge(&impact(4, 0, 4, 0.83, 25)), Severity::Info, "25 ms in all");
        // Data written wrong is a warning however little time it takes.
        let at_risk = Impact {
            data_at_risk: true,
            ..impact(1, 0, 1, 0.03, 11)
        };
        assert_eq!(rules.judge(&impact(1, 0, 1, 0.03, 11)), Severity::Info);
        assert_eq!(rules.judge(&at_risk), Severity::Warning);
        assert_eq!(
            rules.judge(&impact(4, 0, 4, 0.83, 40)),
            Severity::Warning,
            "40 ms in all"
        );
        assert_eq!(rules.judge(&impact(9, 0, 9, 0.29, 900)), Severity::Warning);
        assert_eq!(rules.judge(&impact(9, 0, 9, 0.09, 900)), Severity::Info);
        // Seven runs of handlers in one recorded session are one sample.
        let one_session = Impact {
            traces: Some(1),
            ..impact(7, 0, 7, 0.83, 3_000)
        };
        assert_eq!(rules.judge(&one_session), Severity::Warning, "one trace");
        // Seen in one request: a sample, a warning only from 100 ms; a
        // failure is judged by its share, whatever its time.
        assert_eq!(rules.judge(&impact(1, 0, 1, 0.26, 96)), Severity::Info, "96 ms once");
        assert_eq!(
            rules.judge(&impact(1, 0, 1, 0.26, 100)),
            Severity::Warning,
            "100 ms once"
        );
        assert_eq!(
            rules.judge(&impact(2, 0, 2, 0.26, 96)),
            Severity::Warning,
            "96 ms twice"
        );
        assert_eq!(rules.judge(&impact(1, 1, 1, 0.0, 1)), Severity::Warning, "one failure");
    }

    #[test]
    fn names_in_sentences_keep_quotes_and_escape_control_characters() {
        assert_eq!(shown("I'm a \"server\" span"), "I'm a \"server\" span");
        assert_eq!(shown("a\nb\\c"), "a\\nb\\\\c");
    }
}
