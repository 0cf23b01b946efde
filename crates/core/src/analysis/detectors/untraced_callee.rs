//! Calls to a service that sends no spans, holding a share of a request.
//!
//! **What it detects.** A request that waits, on its critical path, on calls
//! to a host no span of the data comes from: the callee is not traced, so
//! what it does with that time shows nowhere else.
//!
//! **Why it matters.** The time is real, on the path the user waits on, and
//! no other detector can say where it goes: there are no spans of the
//! callee to hold a bottleneck or a query. The critical path of one trace
//! names it in passing; a team wants it said as a cost: tracing the callee
//! (or asking its owners) is the only way to see inside it.
//!
//! **Rule.** A call is a childless span (not a server's) on the critical
//! path of a request (not a session or a stream) whose
//! callee ([`super::calls::AttributeKeys::callee`]: a URL, a peer, a proxy's
//! upstream) names a host that is no service of the data and no address (and
//! it is no database call, no message sent or received: a database or a
//! broker sends no spans by nature, and what it is asked is told elsewhere); the
//! spans above it calling the same host (the caller's client span, the
//! sidecars' `egress` and `ingress` hops) are the same call, and its time is
//! the whole chain's time on the path; a call that is its trace's root is no
//! wait inside a request (a lone client span). Per request and host, the calls' time
//! must be at least `min_time` (default 10 ms) and `min_share` (default a
//! fifth) of the request's critical path. Requests of one endpoint calling
//! one host are one finding; its severity follows from its cost.
//!
//! **Example.** The hipster shop's checkout (363 ms) calls
//! `partnerintegrationservice:9397/integrate` once, through two Envoy hops,
//! after the order is stored: 96.1 ms (26%), and `partnerintegrationservice`
//! sends no spans.

use super::{Context, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::SpanKind;
use crate::time::DurationNs;
// hashbrown's hasher: the set of services is built from every span.
use hashbrown::HashSet;
use std::collections::BTreeMap;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::UntracedCallee;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Share of a request's critical path its calls to one untraced host must hold.
    pub min_share: f64,
    /// Time on a request's critical path its calls to one untraced host must hold.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_time: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_share: 0.2,
            min_time: DurationNs(10_000_000),
        }
    }
}

/// One request's calls to one untraced host.
struct Hit {
    /// The topmost span of its longest call: the caller's own span.
    call: u32,
    calls: usize,
    time: u64,
    share: f64,
    trace: usize,
}

/// One finding per endpoint (or trace root name) and untraced host.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let set = context.set;
    let keys = super::calls::AttributeKeys::of(set);
    let services: HashSet<Sym> = set.spans.iter().map(|s| s.service).collect();
    let mut target = String::new();
    let mut host_of = |i: u32| -> Option<String> {
        target.clear();
        keys.callee(set, context.index, i, &mut target);
        let host = target.split([':', '/']).next().unwrap_or("");
        // A peer and an RPC service ("cart CartService") name no one host.
        let is_address = host.is_empty()
            || host.contains(char::is_whitespace)
            || host.chars().all(|c| c.is_ascii_digit() || c == '.');
        // A host that is no string of the set names no service.
        let traced = set.strings.get(host).is_some_and(|h| services.contains(&h));
        (!is_address && !traced).then(|| host.to_owned())
    };
    let mut hits: BTreeMap<(String, String), Vec<Hit>> = BTreeMap::new();
    for (t, trace) in context.index.traces.iter().enumerate() {
        // A session's or a stream's path is no request's latency.
        if trace.shape != crate::index::TraceShape::Request {
            continue;
        }
        let total = context.path_totals.get(t).copied().unwrap_or(0);
        if total == 0 {
            continue;
        }
        let on_path = |i: u32| context.on_path.get(i as usize).map_or(0, |d| d.0);
        // Per host: (its calls' top spans, time on the path).
        let mut by_host: BTreeMap<String, (Vec<(u64, u32)>, u64)> = BTreeMap::new();
        for &i in context.index.spans_of(trace) {
            // A database, a cache or a broker sends no spans by nature: its
            // calls are told by what they ask (the database detectors).
            // A call waits on another host: no SERVER span (it answers).
            let is_store = context.database.is_call(i)
                || set
                    .spans
                    .get(i as usize)
                    .is_some_and(|s| matches!(s.kind, SpanKind::Producer | SpanKind::Consumer | SpanKind::Server));
            if on_path(i) == 0 || !context.index.children_of(i).is_empty() || is_store {
                continue;
            }
            let Some(host) = host_of(i) else { continue };
            // Climb the spans calling the same host: one call, several records.
            let (mut top, mut time) = (i, on_path(i));
            let bound = trace.span_count();
            for _ in 0..bound {
                let Some(parent) = context.index.parent.get(top as usize).copied().flatten() else {
                    break;
                };
                if host_of(parent).as_deref() != Some(host.as_str()) {
                    break;
                }
                top = parent;
                time += on_path(parent);
            }
            // A call that is the trace's root is the request, not a wait inside one.
            if top == trace.root {
                continue;
            }
            let entry = by_host.entry(host).or_default();
            entry.0.push((time, top));
            entry.1 += time;
        }
        let endpoint = context
            .endpoints
            .get(t)
            .cloned()
            .flatten()
            .unwrap_or_else(|| crate::analysis::groups::operation_name(set, trace.root).to_string());
        for (host, (calls, time)) in by_host {
            let share = time as f64 / total as f64;
            if time < config.min_time.0 || share < config.min_share {
                continue;
            }
            let Some(&(_, call)) = calls.iter().max() else { continue };
            hits.entry((endpoint.clone(), host)).or_default().push(Hit {
                call,
                calls: calls.len(),
                time,
                share,
                trace: t,
            });
        }
    }
    hits.into_iter()
        .filter_map(|((endpoint, host), hits)| finding(context, &endpoint, &host, &hits))
        .collect()
}

fn finding(context: &Context<'_>, endpoint: &str, host: &str, hits: &[Hit]) -> Option<Finding> {
    let set = context.set;
    let first = hits.first()?;
    let caller = set.spans.get(first.call as usize)?;
    let time: u64 = hits.iter().map(|h| h.time).sum();
    let share = super::median_f64(hits.iter().map(|h| h.share).collect());
    let median = DurationNs(super::median(hits.iter().map(|h| h.time).collect()));
    let requests = context
        .traces_by_endpoint()
        .get(endpoint)
        .map_or(hits.len(), |traces| traces.len().max(hits.len()));
    let calls: usize = hits.iter().map(|h| h.calls).sum();
    let (median_word, counted) = if hits.len() == 1 && requests == 1 {
        ("", "in its one request (n=1)".to_owned())
    } else {
        ("a median ", format!("in {} of its {requests} requests", hits.len()))
    };
    let explanation = format!(
        "`{}` in `{}` waits {median_word}{median} on `{}`, which sends no spans: {median_word}{:.0}% of the \
         critical path of `{}` {counted}, {calls} call{}; what the callee does in that time no span says \
         (trace it, or ask its owners) and whether the request must wait for its answer is worth checking",
        super::shown(&crate::analysis::groups::operation_name(set, first.call)),
        super::shown(set.str(caller.service)),
        super::shown(host),
        share * 100.0,
        super::shown(endpoint),
        if calls == 1 { "" } else { "s" },
    );
    Some(Finding {
        detector: NAME,
        severity: Severity::Info,
        impact: Impact {
            requests: hits.len() as u64,
            traces: Some(super::distinct(hits.iter().map(|h| h.trace))),
            of_requests: requests as u64,
            request_time_share: share,
            time: DurationNs(time),
            ..Default::default()
        },
        subject: Subject {
            endpoint: Some(endpoint.to_owned()).filter(|e| !e.is_empty()),
            service: set.str(caller.service).to_owned(),
            operation: set.str(caller.name).to_owned(),
            route: None,
            scope: None,
        },
        explanation,
        evidence: hits.iter().take(3).map(|h| context.span_evidence(h.call)).collect(),
    })
}
