//! Call overhead.
//!
//! **What it detects.** Calls to a service that keep their callers waiting
//! far longer than the service's own span of each call: the callee answers
//! in 3 ms, the caller waits 20 ms.
//!
//! **Why it matters.** The time between a call's start and its callee's
//! span (and between that span's end and the call's) is connection setup
//! (a TLS handshake on every call without keep-alive), a connection pool
//! or a thread pool waited for, a gateway or load balancer, the network, or
//! work the callee does before its tracing starts. None of it is the
//! callee's code, so tuning the callee does not help; keep-alive, a larger
//! pool, or calling the callee where it runs (not through a public
//! address or another zone) does. Every caller pays it on every call.
//!
//! **Rule.** Each remote call ([`super::calls`]) whose traced server span
//! lies within it ([`super::callee_wait`]: a server outside its call is
//! clock skew or a one-way call, and is left out) waited the call's
//! duration less the server's outside it. Both durations are timed on one
//! host each, so clock skew between the hosts is none of it. The calls
//! are grouped by what they reached (the callee's service and span name);
//! a group counts when it holds at least `min_calls` calls (default 3),
//! at least three quarters of them waited `min_wait` (default 5 ms) or
//! more outside the callee, and the median call spent at least
//! `min_outside_share` of its time there (default half: the caller waits
//! more for the way to the callee than for its work). One finding per
//! callee service, naming each operation that counts and the callers.
//! Calls a chatty-calls finding already says waited in front of their
//! callee are told there ([`super::consolidate`]).
//!
//! Impact: per unit of work that made the calls ([`super::calls::Units`]),
//! `request_time_share` is the union of the calls' time outside their
//! callee over the units' time; `time` is that wait on the units' critical
//! paths (within each unit of a session, its own path), summed. Severity
//! follows by the shared rules.
//!
//! **Example.** In the SmartThings capture in `tests/fixtures`, 48
//! `post /oauth/check_token` calls from six services to `auth` took a
//! median 20.0 ms, of which auth's own span held 3.3 ms: 16.5 ms a call
//! outside it.

use super::callee_wait::{self, CalleeWait};
use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::time::DurationNs;
use std::collections::{BTreeMap, BTreeSet};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::CallOverhead;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Calls to one operation of the callee from which it is judged.
    pub min_calls: usize,
    /// Wait outside the callee that at least three quarters of the calls
    /// show: less is what the network between two hosts costs anyway.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_wait: DurationNs,
    /// Share of the median call spent outside the callee.
    pub min_outside_share: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_calls: 3,
            min_wait: DurationNs(5_000_000),
            min_outside_share: 0.5,
        }
    }
}

/// One measured call.
#[derive(Clone, Copy)]
struct Call {
    span: u32,
    wait: CalleeWait,
}

/// The findings, one per callee service.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let set = context.set;
    let keys = context.call_keys();
    // Per callee service and server span name, the calls that reached it.
    let mut by_operation: BTreeMap<(Sym, Sym), Vec<Call>> = BTreeMap::new();
    for i in 0..set.spans.len() as u32 {
        if keys.key(i).is_none() {
            continue;
        }
        let Some(wait) = callee_wait::of(context, i) else {
            continue;
        };
        if let Some(server) = set.spans.get(wait.server as usize) {
            by_operation
                .entry((server.service, server.name))
                .or_default()
                .push(Call { span: i, wait });
        }
    }
    let mut by_callee: BTreeMap<Sym, Vec<Vec<Call>>> = BTreeMap::new();
    for ((service, _), calls) in by_operation {
        if waits_consistently(config, &calls) {
            by_callee.entry(service).or_default().push(calls);
        }
    }
    by_callee
        .into_iter()
        .map(|(service, mut operations)| {
            // The operation called most first: it names the finding.
            operations.sort_by_key(|calls| std::cmp::Reverse(calls.len()));
            finding(context, service, &operations)
        })
        .collect()
}

/// Whether the calls to one operation wait outside it as the rule says.
fn waits_consistently(config: &Config, calls: &[Call]) -> bool {
    let long = calls.iter().filter(|c| c.wait.outside_ns >= config.min_wait.0).count();
    let share = super::median_f64(calls.iter().map(|c| c.wait.outside_share()).collect());
    calls.len() >= config.min_calls.max(1) && 4 * long >= 3 * calls.len() && share >= config.min_outside_share
}

/// What the calls cost the units of work that made them.
struct Cost {
    units: u64,
    traces: u64,
    held: u64,
    unit_time: u64,
    on_path: u64,
    /// What one unit and several are: requests, runs, or both.
    noun: (&'static str, &'static str),
    /// The endpoint, when every unit is a request of the same one.
    endpoint: Option<String>,
}

fn cost(context: &Context<'_>, calls: &[&Call]) -> Cost {
    let set = context.set;
    let units = context.units();
    // Per (trace, unit), its calls.
    let mut per_unit: BTreeMap<(u32, u32), Vec<&Call>> = BTreeMap::new();
    for &call in calls {
        if let Some(unit) = units.unit(call.span) {
            per_unit
                .entry((context.trace_of(call.span), unit))
                .or_default()
                .push(call);
        }
    }
    let mut intervals = super::wall_clock::Intervals::default();
    let (mut held, mut unit_time, mut on_path) = (0u64, 0u64, 0u64);
    let (mut endpoints, mut handlers) = (BTreeSet::new(), 0usize);
    for (&(t, unit), calls) in &per_unit {
        let Some(unit_span) = set.spans.get(unit as usize) else {
            continue;
        };
        intervals.clear();
        for call in calls {
            let (Some(span), Some(server)) = (
                set.spans.get(call.span as usize),
                set.spans.get(call.wait.server as usize),
            ) else {
                continue;
            };
            intervals.push(span.start.0, server.start.0);
            intervals.push(server.end().0, span.end().0);
            // The call's own time on its unit's path is the wait on it: its
            // server child covers the rest.
            let path = super::calls::own_path_time(context, t as usize, unit, call.span, call.wait.outside_ns);
            on_path = on_path.saturating_add(path.min(call.wait.outside_ns));
        }
        held = held.saturating_add(intervals.union_within(unit_span.start.0, unit_span.end().0));
        unit_time = unit_time.saturating_add(unit_span.duration.0);
        match units.name(context, t as usize, unit) {
            super::calls::UnitName::Endpoint(endpoint) => {
                endpoints.insert(endpoint);
            }
            super::calls::UnitName::Handler(..) => handlers += 1,
        }
    }
    let noun = super::calls::units_noun(per_unit.keys().map(|&(t, unit)| units.name(context, t as usize, unit)));
    Cost {
        units: per_unit.len() as u64,
        traces: super::distinct(per_unit.keys().map(|&(t, _)| t)),
        held,
        unit_time,
        on_path,
        noun,
        endpoint: (handlers == 0 && endpoints.len() == 1)
            .then(|| endpoints.first().map(|e| (*e).to_owned()))
            .flatten(),
    }
}

fn finding(context: &Context<'_>, service: Sym, operations: &[Vec<Call>]) -> Finding {
    let set = context.set;
    let callee = super::shown(set.str(service));
    let calls: Vec<&Call> = operations.iter().flatten().collect();
    let named = |calls: &[Call]| super::operation_of(set, calls.iter().map(|c| c.wait.server)).into_owned();
    let what = {
        let parts: Vec<String> = operations
            .iter()
            .map(|calls| format!("`{}` ({})", super::shown(&named(calls)), calls.len()))
            .collect();
        super::join(&parts)
    };
    // The callers, those that called most first.
    let mut callers: BTreeMap<Sym, usize> = BTreeMap::new();
    for call in &calls {
        if let Some(span) = set.spans.get(call.span as usize) {
            *callers.entry(span.service).or_default() += 1;
        }
    }
    let mut callers: Vec<(Sym, usize)> = callers.into_iter().collect();
    callers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| set.str(a.0).cmp(set.str(b.0))));
    let from = {
        let mut shown: Vec<String> = callers
            .iter()
            .take(3)
            .map(|(s, _)| format!("`{}`", super::shown(set.str(*s))))
            .collect();
        if callers.len() > 3 {
            shown.push(format!("{} more", callers.len() - 3));
        }
        match callers.len() {
            1 => format!("from {}", shown.join("")),
            n => format!("from {n} services ({})", super::join(&shown)),
        }
    };
    let median = |f: &dyn Fn(&CalleeWait) -> u64| DurationNs(super::median(calls.iter().map(|c| f(&c.wait)).collect()));
    let call_time = median(&|w| w.call_ns);
    let server_time = median(&|w| w.call_ns - w.outside_ns);
    let outside = median(&|w| w.outside_ns);
    let share = super::median_f64(calls.iter().map(|c| c.wait.outside_share()).collect());
    let range = super::duration_range(calls.iter().map(|c| c.wait.outside_ns));
    let cost = cost(context, &calls);
    let unit_share = super::wall_clock::share(cost.held, cost.unit_time);
    let explanation = format!(
        "Calls to `{callee}` wait far longer than `{callee}` works on them: {} {from} to {what} took a median \
         {call_time}, of which `{callee}`'s own span held {server_time}: a median {outside} of each call ({:.0}%; \
         {range}) passed before that span began or after it ended, in connection setup, a pool or a gateway in \
         front of `{callee}`, the network, or work `{callee}` does before its span opens (each duration is timed on \
         its own host, so clock skew is none of it); {} on the critical paths of the {} that made them, {:.0}% of \
         their time",
        super::counted(calls.len() as u64, "call", "calls"),
        share * 100.0,
        DurationNs(cost.on_path),
        super::counted(cost.units, cost.noun.0, cost.noun.1),
        unit_share * 100.0,
    );
    Finding {
        detector: NAME,
        // Judged from the impact by the shared rules in `detect`.
        severity: Severity::Info,
        impact: Impact {
            requests: cost.units,
            traces: Some(cost.traces),
            failed_requests: 0,
            of_requests: cost.units,
            request_time_share: unit_share,
            time: DurationNs(cost.on_path),
            data_at_risk: false,
        },
        subject: Subject {
            endpoint: cost.endpoint,
            service: set.str(service).to_owned(),
            operation: operations.first().map(|calls| named(calls)).unwrap_or_default(),
        },
        explanation,
        evidence: evidence(context, operations),
    }
}

/// A call as evidence sorts it: first of its kind in its trace (`false`
/// first), then the longest wait first, then the span.
type Ranked = (bool, u64, u32);

/// Up to three traces, each with up to six calls: first one of each caller
/// and operation (so `consolidate` sees every kind of call the finding
/// holds), then the calls that waited longest.
fn evidence(context: &Context<'_>, operations: &[Vec<Call>]) -> Vec<Evidence> {
    let set = context.set;
    let mut by_trace: BTreeMap<u32, Vec<Ranked>> = BTreeMap::new();
    let mut seen: BTreeSet<(u32, Sym, usize)> = BTreeSet::new();
    for (op, calls) in operations.iter().enumerate() {
        for call in calls {
            let Some(span) = set.spans.get(call.span as usize) else {
                continue;
            };
            let t = context.trace_of(call.span);
            let first_of_kind = seen.insert((t, span.service, op));
            by_trace
                .entry(t)
                .or_default()
                .push((!first_of_kind, u64::MAX - call.wait.outside_ns, call.span));
        }
    }
    let mut traces: Vec<(u32, Vec<Ranked>)> = by_trace.into_iter().collect();
    traces.sort_by_key(|(t, calls)| (std::cmp::Reverse(calls.len()), *t));
    traces
        .into_iter()
        .take(3)
        .map(|(t, mut calls)| {
            calls.sort_unstable();
            Evidence {
                trace_id: context.trace_id(t as usize),
                span_ids: calls
                    .iter()
                    .take(6)
                    .filter_map(|&(_, _, i)| set.spans.get(i as usize).map(|s| s.span_id))
                    .collect(),
            }
        })
        .collect()
}
