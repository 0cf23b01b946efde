//! Long tails.
//!
//! **What it detects.** An endpoint, or an operation doing the slow work
//! itself, whose slowest requests (p99) take many times longer than the
//! typical one (p50), unusually so against the other endpoints or operations
//! of the same data: a cache that usually hits, a lock that sometimes waits, a
//! query plan that sometimes goes wrong. When heavy tails are the norm (every
//! operation's p99 is 20 times its p50), that is said once, about the system.
//!
//! **Why it matters.** Averages and medians hide it, but one user in a hundred
//! waits that long, and a page that makes many requests hits the tail often.
//! A tail only some groups have has a cause in those groups; a tail all of
//! them have is the system's (garbage collection, a noisy host, the network)
//! and naming each group would bury the ones that stand out.
//!
//! **Rule.** A group with at least `min_count` spans (default 20; for an
//! operation, from at least `min_traces` traces, default 3) has a long
//! tail when p99 ≥ `ratio` × p50 (default 5) and p99 − p50 ≥ `min_gap`
//! (default 100 ms, so fast operations with relative jitter are left alone),
//! and, when its kind (endpoints, or operations) has at least `min_peers`
//! such groups (default 5), its ratio stands out from theirs: ln(p99/p50) at
//! least ln(`peer_factor`) (default 3×) and `peer_deviations` (default 2)
//! robust deviations (1.4826 × the median absolute deviation of the ln
//! ratios) above the median ln ratio. Endpoints are checked on their
//! durations; operations on their self time (time not spent in children), so
//! a tail is reported where it is made, not again by every span that waits
//! for it; a client whose self time is all time between it and its traced
//! callee (network, queue, skew: see [`crate::analysis::self_time`]) is not
//! checked, it has no own work. An endpoint's tail made by an operation's (its slow spans lie in
//! at least half of the endpoint's slowest requests) is one finding, about
//! the operation at that endpoint. When the median ratio of a kind is itself at least `ratio`, one
//! `info` finding says so, counting the long tails of that usual size left
//! unreported (none when there are none). Groups whose p50 is zero (spans
//! their children cover) have no ratio and are left out. Impact: the
//! tail's time above p50 on the critical path (spans at or above p99),
//! summed over the requests it delayed.
//!
//! **Sessions.** A session's whole duration is no latency: it has no
//! endpoint, so no endpoint tail. Its units of work are not grouped as
//! endpoints either: a p99 needs `min_count` runs of one kind, and a session
//! holds a few of each (the .NET call session's busiest handler ran 10
//! times); their operations are judged like any other, counted by trace.
//!
//! **Example.** `GET /api/search` has a long tail: p99 500ms is 12× its p50
//! (42.6ms), over 62 requests; the median endpoint's p99 is 2× its p50.

use super::{Context, Finding, Impact, Severity, Subject};
use crate::analysis::GroupStats;
use crate::stats::DurationSummary;
use crate::time::DurationNs;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::LongTail;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Spans a group needs for its p99 to mean something.
    pub min_count: u64,
    /// Distinct traces an operation's spans must come from.
    pub min_traces: usize,
    /// How many times p50 the p99 must be.
    pub ratio: f64,
    /// How far above p50 the p99 must be.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_gap: DurationNs,
    /// Groups of a kind needed to judge one against the others.
    pub min_peers: usize,
    /// How many times the peers' median ratio a group's ratio must be.
    pub peer_factor: f64,
    /// How many robust deviations above the peers' median ln ratio.
    pub peer_deviations: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_count: 20,
            min_traces: 3,
            ratio: 5.0,
            min_gap: DurationNs(100_000_000),
            min_peers: 5,
            peer_factor: 3.0,
            peer_deviations: 2.0,
        }
    }
}

/// Endpoints or operations: which durations a group is judged on, and how it is named.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Endpoint,
    Operation,
}

impl Kind {
    fn durations(self, group: &GroupStats) -> &DurationSummary {
        match self {
            Kind::Endpoint => &group.durations,
            Kind::Operation => &group.self_time,
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::Endpoint => "endpoints",
            Kind::Operation => "operations",
        }
    }
}

/// One finding per endpoint, and per operation whose own work has the tail,
/// that stands out from its peers; one `info` finding per kind whose typical
/// group has a long tail.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut tails: [Vec<(Finding, Vec<u32>)>; 2] = [Vec::new(), Vec::new()];
    for (k, kind, groups) in [
        (0, Kind::Endpoint, &context.groups.endpoints),
        (1, Kind::Operation, &context.groups.operations),
    ] {
        // A p50 of zero (spans whose children cover them) has no ratio to speak of.
        let judged: Vec<&GroupStats> = groups
            .iter()
            .filter(|g| kind.durations(g).count >= config.min_count && kind.durations(g).p50.0 > 0)
            // A client whose self time is all waiting on its traced callee has no
            // own work to have a tail: the callee's spans show where it is made.
            .filter(|g| kind == Kind::Endpoint || g.wait.is_none_or(|w| w.count != g.self_time.count))
            .collect();
        let peers = Peers::of(config, judged.iter().map(|g| ratio(kind.durations(g))).collect());
        let mut unremarkable = 0usize;
        for group in judged {
            let d = kind.durations(group);
            if !has_long_tail(config, d) {
                continue;
            }
            if !peers.stands_out(config, ratio(d)) {
                unremarkable += 1;
                continue;
            }
            // A p99 of thirty calls inside one request is that request's
            // story, not a tail users meet: it takes several requests.
            if kind == Kind::Operation && traces_of(context, group) < config.min_traces {
                continue;
            }
            tails[k].push(finding(context, kind, group, &peers));
        }
        // Said once, and only when it stands for long tails left unreported.
        if let Some(typical) = peers.typical.filter(|&t| t >= config.ratio && unremarkable > 0) {
            findings.push(system_finding(kind, typical, peers.count, unremarkable));
        }
    }
    let [endpoints, operations] = tails;
    findings.extend(merge_endpoints_into_their_cause(context, endpoints, operations));
    findings
}

/// An endpoint's long tail made by an operation's is one finding, about the
/// operation at that endpoint: the operation's slow spans lie in at least half
/// of the endpoint's slowest requests. Endpoint tails with no such operation
/// stay as they are.
fn merge_endpoints_into_their_cause(
    context: &Context<'_>,
    endpoints: Vec<(Finding, Vec<u32>)>,
    mut operations: Vec<(Finding, Vec<u32>)>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (endpoint, endpoint_traces) in endpoints {
        let shared = |traces: &[u32]| {
            endpoint_traces
                .iter()
                .filter(|t| traces.binary_search(t).is_ok())
                .count()
        };
        let cause = operations
            .iter_mut()
            .map(|(f, traces)| (shared(traces), f))
            .filter(|(n, _)| *n > 0 && 2 * n >= endpoint_traces.len())
            .max_by_key(|(n, f)| (*n, f.impact.time));
        let Some((_, operation)) = cause else {
            findings.push(endpoint);
            continue;
        };
        let name = endpoint.subject.endpoint.clone().unwrap_or_default();
        let tail = endpoint
            .explanation
            .split_once("has a long tail: ")
            .map_or("", |(_, numbers)| numbers);
        operation.explanation.push_str(&format!(
            "; it makes the long tail of `{}`: {tail}",
            super::shown(&name)
        ));
        if operation.subject.endpoint.is_none() {
            operation.subject.endpoint = Some(name.clone());
            operation.impact.of_requests = endpoint.impact.of_requests;
            // Evidence at the endpoint: the operation's slow spans in its requests.
            operation.evidence.retain(|e| {
                let t = context.index.traces.iter().position(|tr| tr.trace_id == e.trace_id);
                t.and_then(|t| context.endpoints.get(t)).and_then(Option::as_deref) == Some(name.as_str())
            });
            if operation.evidence.is_empty() {
                operation.evidence = endpoint.evidence;
            }
        }
    }
    findings.extend(operations.into_iter().map(|(f, _)| f));
    findings
}

fn ratio(d: &DurationSummary) -> f64 {
    d.p99.0 as f64 / d.p50.0.max(1) as f64
}

/// How many distinct traces hold spans of the operation `group` (counted
/// only for the few groups with a remarkable tail).
fn traces_of(context: &Context<'_>, group: &GroupStats) -> usize {
    let set = context.set;
    let (Some(service), Some(name)) = (set.strings.get(&group.service), set.strings.get(&group.name)) else {
        return 0;
    };
    let mut traces: Vec<u32> = set
        .spans
        .iter()
        .enumerate()
        .filter(|(_, s)| s.service == service && s.name == name)
        .map(|(i, _)| context.trace_of(i as u32))
        .collect();
    traces.sort_unstable();
    traces.dedup();
    traces.len()
}

/// What the sentence calls the operation `group`: its span name, or the
/// one route all its spans share when the name is only an HTTP method
/// ([`super::operation_of`]; the spans are looked up only then).
fn operation_named(context: &Context<'_>, group: &GroupStats) -> String {
    let set = context.set;
    if !crate::analysis::groups::is_bare_method(&group.name) {
        return group.name.clone();
    }
    let (Some(service), Some(name)) = (set.strings.get(&group.service), set.strings.get(&group.name)) else {
        return group.name.clone();
    };
    let spans = (0..set.spans.len() as u32).filter(|&i| {
        set.spans
            .get(i as usize)
            .is_some_and(|s| s.service == service && s.name == name)
    });
    super::operation_of(set, spans).into_owned()
}

fn has_long_tail(config: &Config, d: &DurationSummary) -> bool {
    ratio(d) >= config.ratio && d.p99.0.saturating_sub(d.p50.0) >= config.min_gap.0
}

/// The p99/p50 ratios of one kind of group, summarised robustly.
struct Peers {
    /// Groups judged.
    count: usize,
    /// The median ratio, when there are enough groups to speak of one.
    typical: Option<f64>,
    /// The median ln ratio and 1.4826 × the median absolute deviation around it.
    center: f64,
    spread: f64,
}

impl Peers {
    fn of(config: &Config, ratios: Vec<f64>) -> Peers {
        let count = ratios.len();
        let logs: Vec<f64> = ratios.iter().map(|r| r.max(1e-9).ln()).collect();
        let center = super::median_f64(logs.clone());
        let spread = 1.4826 * super::median_f64(logs.iter().map(|l| (l - center).abs()).collect());
        Peers {
            count,
            typical: (count >= config.min_peers.max(1)).then(|| center.exp()),
            center,
            spread,
        }
    }

    /// Whether a group with this ratio is unusual among its peers (always,
    /// when there are too few peers to say what usual is).
    fn stands_out(&self, config: &Config, ratio: f64) -> bool {
        if self.typical.is_none() {
            return true;
        }
        let above = ratio.max(1e-9).ln() - self.center;
        above >= config.peer_factor.max(1.0).ln() && above >= config.peer_deviations * self.spread
    }
}

/// The finding for one group, and the traces (by index, sorted) of its tail.
fn finding(context: &Context<'_>, kind: Kind, group: &GroupStats, peers: &Peers) -> (Finding, Vec<u32>) {
    let d = kind.durations(group);
    let r = ratio(d);
    let tail = match kind {
        Kind::Endpoint => endpoint_tail(context, &group.name, d),
        Kind::Operation => operation_tail(context, group, d),
    };
    let (what, measure, unit) = match kind {
        Kind::Endpoint => (format!("`{}`", super::shown(&group.name)), "", "requests"),
        Kind::Operation => (
            format!(
                "`{}` in `{}`",
                super::shown(&operation_named(context, group)),
                super::shown(&group.service)
            ),
            " of its own work",
            "spans",
        ),
    };
    let peers_said = peers.typical.map_or_else(String::new, |typical| {
        format!("; the median of {} {} is {typical:.0}×", peers.count, kind.plural())
    });
    let finding = Finding {
        detector: NAME,
        severity: Severity::Warning,
        impact: Impact {
            requests: tail.requests,
            of_requests: d.count,
            request_time_share: super::time_share(tail.excess, tail.request_time),
            time: DurationNs(tail.excess),
            ..Default::default()
        },
        subject: Subject {
            endpoint: (kind == Kind::Endpoint).then(|| group.name.clone()),
            service: group.service.clone(),
            operation: group.name.clone(),
            route: None,
            scope: None,
        },
        explanation: format!(
            "{what} has a long tail{measure}: p99 {} is {r:.0}× its p50 ({}), over {} {unit}{peers_said}",
            d.p99, d.p50, d.count,
        ),
        evidence: tail.evidence,
    };
    (finding, tail.traces)
}

/// The slowest requests or spans of a group (at or above its p99): how much
/// of their critical path lies above the typical (p50) one, the requests they
/// delayed and those requests' time, and the slowest few as evidence.
#[derive(Default)]
struct Tail {
    /// The traces (by index, sorted) the tail lies in: for an operation, those of its slow spans (at or above p95).
    traces: Vec<u32>,
    requests: u64,
    excess: u64,
    request_time: u64,
    evidence: Vec<super::Evidence>,
}

fn endpoint_tail(context: &Context<'_>, endpoint: &str, d: &DurationSummary) -> Tail {
    let mut tail = Tail {
        evidence: context.slowest_requests(endpoint, 3),
        ..Tail::default()
    };
    let Some(traces) = context.traces_by_endpoint().get(endpoint) else {
        return tail;
    };
    for &t in traces {
        let duration = context.request_durations.get(t).map_or(0, |d| d.0);
        if duration >= d.p99.0 {
            tail.traces.push(t as u32);
            tail.requests += 1;
            // The entry span holds the whole path: its excess is all on it.
            tail.excess += duration.saturating_sub(d.p50.0);
            tail.request_time += duration;
        }
    }
    tail
}

fn operation_tail(context: &Context<'_>, group: &GroupStats, d: &DurationSummary) -> Tail {
    let set = context.set;
    let (Some(service), Some(name)) = (set.strings.get(&group.service), set.strings.get(&group.name)) else {
        return Tail::default();
    };
    // (trace, span, excess on the critical path) of the spans in the tail
    // (at or above p99); and the traces of the slow spans (at or above p95),
    // which say which endpoints' tails this operation makes: the slowest
    // request of an endpoint need not hold the slowest span of the operation.
    let mut spans: Vec<(u32, u32, u64)> = Vec::new();
    let mut slow_traces: Vec<u32> = Vec::new();
    for (i, span) in set.spans.iter().enumerate() {
        let own = context.self_times.get(i).map_or(0, |d| d.0);
        if span.service != service || span.name != name || own < d.p95.0 || span.start.0 == 0 {
            continue;
        }
        let trace = context.trace_of(i as u32);
        slow_traces.push(trace);
        if own >= d.p99.0 {
            let on_path = context.on_path.get(i).map_or(0, |d| d.0);
            spans.push((trace, i as u32, on_path.min(own).saturating_sub(d.p50.0)));
        }
    }
    spans.sort_unstable();
    slow_traces.sort_unstable();
    slow_traces.dedup();
    let mut tail = Tail::default();
    let mut previous = None;
    for &(trace, _, excess) in &spans {
        if previous != Some(trace) {
            previous = Some(trace);
            tail.requests += 1;
            tail.request_time += context.request_durations.get(trace as usize).map_or(0, |d| d.0);
        }
        tail.excess += excess;
    }
    tail.traces = slow_traces;
    spans.sort_by_key(|&(_, i, _)| std::cmp::Reverse(context.self_times.get(i as usize).copied()));
    tail.evidence = spans
        .iter()
        .take(3)
        .map(|&(_, i, _)| context.span_evidence(i))
        .collect();
    tail
}

/// Heavy tails are the norm for this kind of group: said once.
fn system_finding(kind: Kind, typical: f64, judged: usize, unremarkable: usize) -> Finding {
    Finding {
        detector: NAME,
        severity: Severity::Info,
        impact: Impact::default(),
        subject: Subject {
            endpoint: None,
            service: String::new(),
            operation: format!("all {}", kind.plural()),
            route: None,
            // The report's words, not a name from the data: no backticks.
            scope: Some(format!("all {}", kind.plural())),
        },
        explanation: format!(
            "Latency has a heavy tail across the system: the median of {judged} {} has a p99 {typical:.0}× its p50, so {unremarkable} long tails of that usual size are not reported one by one; only tails well beyond that are reported",
            kind.plural(),
        ),
        evidence: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_stands_out_only_well_above_its_peers() {
        let config = Config::default();
        let peers = Peers::of(&config, vec![20.0, 22.0, 25.0, 26.0, 28.0, 30.0, 35.0]);
        assert_eq!(peers.typical.map(f64::round), Some(26.0));
        assert!(!peers.stands_out(&config, 40.0), "a heavy tail like the others'");
        assert!(peers.stands_out(&config, 200.0));
        // Too few peers to know what is usual: every long tail is reported.
        let few = Peers::of(&config, vec![25.0, 30.0]);
        assert!(few.typical.is_none() && few.stands_out(&config, 6.0));
        // Peers that disagree widely need a bigger lead than the factor alone.
        let spread = Peers::of(&config, vec![1.5, 3.0, 6.0, 12.0, 24.0, 48.0, 96.0]);
        assert!(!spread.stands_out(&config, 40.0));
    }
}
