//! Bottlenecks.
//!
//! **What it detects.** One operation whose own work takes a large share of
//! its endpoint's critical path in most requests: the single place where
//! making the code faster would make the requests faster.
//!
//! **Why it matters.** Only time on the critical path delays a response.
//! When one span holds a third or more of it, request after request, tuning
//! anything else barely shows; tuning it (a cache, an index, a timeout, a
//! faster provider) shows at once.
//!
//! **Rule.** In each trace with an endpoint, a span other than the entry span
//! whose own time on the critical path ([`crate::analysis::critical_path`])
//! is at least `min_share` of the trace's critical path (default 30%) and at
//! least `min_time` (default 10 ms, so fast requests are left alone) is a hit
//! for its operation (service and span name; one hit per trace). An operation
//! with hits in at least `min_trace_share` of its endpoint's traces (default
//! half) and at least `min_requests` traces (default 3), or in every trace of
//! an endpoint with fewer (a single trace is enough to name it, with `n=1`),
//! is a bottleneck. Severity follows from its cost (the share of the
//! requests' time it holds on the critical path). The same operation in
//! several endpoints, and the slow endpoint it causes, are one finding
//! ([`super::consolidate`]).
//!
//! **Example.** `POST /v1/charges` in `payment` holds 92% of the critical path
//! of `POST /api/checkout` (median 118 ms) in 53 of its 53 requests.

use super::{Context, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::time::DurationNs;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::Bottleneck;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Share of a trace's critical path from which a span counts.
    pub min_share: f64,
    /// Time on the critical path from which a span counts.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_time: DurationNs,
    /// Share of the endpoint's traces that must show it.
    pub min_trace_share: f64,
    /// Traces that must show it.
    pub min_requests: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_share: 0.3,
            min_time: DurationNs(10_000_000),
            min_trace_share: 0.5,
            min_requests: 3,
        }
    }
}

/// One trace where an operation held the path: the span, its time on the path, its share.
struct Hit {
    trace: usize,
    span: u32,
    time: u64,
    share: f64,
}

/// One finding per endpoint and operation.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (&endpoint, traces) in context.traces_by_endpoint() {
        let mut hits: HashMap<(Sym, Sym), Vec<Hit>> = HashMap::new();
        for &t in traces {
            for hit in hits_in_trace(context, config, t) {
                let span = &context.set.spans[hit.span as usize];
                hits.entry((span.service, span.name)).or_default().push(hit);
            }
        }
        for ((service, name), hits) in hits {
            // Fewer requests than `min_requests` are enough when every one shows it:
            // one slow trace dropped in alone still has its bottleneck named.
            let enough = (hits.len() >= config.min_requests.max(1) || hits.len() == traces.len())
                && hits.len() as f64 >= config.min_trace_share * traces.len() as f64;
            if enough {
                findings.push(finding(context, endpoint, service, name, hits, traces.len()));
            }
        }
    }
    findings
}

/// The spans holding at least the configured share of trace `t`'s path, at
/// most one per operation (the one with the most time on it).
fn hits_in_trace(context: &Context<'_>, config: &Config, t: usize) -> Vec<Hit> {
    let (set, index) = (context.set, context.index);
    let Some(trace) = index.traces.get(t) else {
        return Vec::new();
    };
    let total = context.path_totals.get(t).copied().unwrap_or(0);
    let entry = context.entries.get(t).copied().flatten();
    let mut best: HashMap<(Sym, Sym), Hit> = HashMap::new();
    for &i in index.spans_of(trace) {
        let time = context.on_path.get(i as usize).map_or(0, |d| d.0);
        if Some(i) == entry || total == 0 || time < config.min_time.0 {
            continue;
        }
        let share = time as f64 / total as f64;
        if share < config.min_share {
            continue;
        }
        let span = &set.spans[i as usize];
        let hit = Hit {
            trace: t,
            span: i,
            time,
            share,
        };
        match best.entry((span.service, span.name)) {
            Entry::Occupied(mut slot) => {
                if slot.get().time < time {
                    slot.insert(hit);
                }
            }
            Entry::Vacant(slot) => {
                slot.insert(hit);
            }
        }
    }
    best.into_values().collect()
}

fn finding(
    context: &Context<'_>,
    endpoint: &str,
    service: Sym,
    name: Sym,
    mut hits: Vec<Hit>,
    requests: usize,
) -> Finding {
    let set = context.set;
    let median_share = super::median_f64(hits.iter().map(|h| h.share).collect());
    let median_time = DurationNs(super::median(hits.iter().map(|h| h.time).collect()));
    let time: u64 = hits.iter().map(|h| h.time).sum();
    let request_time: u64 = hits
        .iter()
        .map(|h| context.request_durations.get(h.trace).map_or(0, |d| d.0))
        .sum();
    let (service, name) = (set.str(service), set.str(name));
    // A client's time on the path outside its traced callee is not its own
    // work: it is the network, a queue or a proxy between them, or the two
    // hosts' clocks disagreeing. Say so, naming the callee.
    let waiting = hits
        .iter()
        .filter(|h| crate::analysis::self_time::waits_on_callee(set, context.index, h.span))
        .count();
    let callee = (2 * waiting > hits.len())
        .then(|| {
            let h = hits.first()?;
            context.index.children_of(h.span).iter().find_map(|&c| {
                let child = set.spans.get(c as usize)?;
                (child.kind == crate::model::SpanKind::Server).then(|| (set.str(child.name), set.str(child.service)))
            })
        })
        .flatten();
    let what = match callee {
        Some((callee, callee_service)) => format!(
            ", waiting outside its traced callee `{}` in `{}` (network, a queue or a proxy between them, or clock skew)",
            super::shown(callee),
            super::shown(callee_service)
        ),
        None => String::new(),
    };
    hits.sort_by_key(|h| std::cmp::Reverse(h.time));
    let evidence = hits.iter().take(3).map(|h| context.span_evidence(h.span)).collect();
    Finding {
        detector: NAME,
        severity: if median_share >= 0.5 {
            Severity::Critical
        } else {
            Severity::Warning
        },
        impact: Impact {
            requests: hits.len() as u64,
            of_requests: requests as u64,
            request_time_share: super::time_share(time, request_time),
            time: DurationNs(time),
            ..Default::default()
        },
        subject: Subject {
            endpoint: Some(endpoint.to_owned()),
            service: service.to_owned(),
            operation: name.to_owned(),
        },
        explanation: format!(
            "`{}` in `{}` holds {:.0}% of the critical path of `{}` ({}{median_time}) {}{what}",
            super::shown(name),
            super::shown(service),
            median_share * 100.0,
            super::shown(endpoint),
            if hits.len() == 1 { "" } else { "median " },
            if requests == 1 {
                "in its one request (n=1)".to_owned()
            } else {
                format!("in {} of its {requests} requests", hits.len())
            },
        ),
        evidence,
    }
}
