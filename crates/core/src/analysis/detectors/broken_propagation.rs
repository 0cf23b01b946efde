//! Broken propagation.
//!
//! **What it detects.** Trace context lost between two services: a call from
//! `caller` to `S` shows no continuation in its own trace (no child span, or
//! only a SERVER span of `S` with nothing below it), while at the same moment
//! `S` starts a new trace whose root is a SERVER span answering that very
//! request (same method, same path or route).
//!
//! **Why it matters.** Each such request is cut in two: the caller's trace
//! ends at the call and the callee's work sits in a trace of its own, so the
//! caller's critical path, its errors and every per-request number miss what
//! `S` did. Usually the caller does not inject the context (a browser app, a
//! client created without instrumentation) or `S` does not extract it (a
//! different propagator, a proxy that drops the header).
//!
//! **Rule.** A call is a CLIENT span that is not a database call, or a span
//! of another kind carrying an HTTP URL (`url.full`, `http.url`: a browser's
//! `http.request`), with no child or only childless SERVER children. Its
//! match is a trace root that: is a SERVER span with no parent ID and no
//! links (a root linked to another trace, a queue consumer or a FOLLOWS_FROM
//! batch, was cut on purpose); belongs to another service and trace; is the
//! callee the call names when it names a service of the data (the SERVER
//! child's service, `peer.service`, the server host or its first DNS label)
//! and any other service if not;
//! starts and ends within the call, give or take `max_skew` (default 50 ms);
//! answers the same method and path (a prefix a proxy strips, `/api`, and
//! route templates allowed; an RPC method or a `/`-name such as
//! `hipstershop.CartService/GetCart` otherwise). Each root answers one call,
//! the one starting closest before it. Coincidence is ruled out by
//! repetition: the calls of one caller to one path must match in at least
//! `min_share` of cases (default half). Each (caller, callee) pair with at
//! least `min_calls` matched calls (default 1) gets one `warning`, named by
//! the pair (`` `essvt-ui` → `essvt-core` ``; its subject's operation, the
//! first cut's, only keys it, whatever paths the calls asked): it
//! describes the data, not a cost (the registry caps it there), and its
//! impact holds no time (fixing it makes no request faster), so it ranks
//! after the warnings that cost something. Roots are
//! looked up per service by start time (a sorted list and a binary search,
//! at most `max_candidates` roots examined per call): O(n log n).
//!
//! **Example.** Requests to `essvt-core` start new traces: 36 of 36 calls
//! from `essvt-ui` to `essvt-core` lost their trace context (the callee's
//! spans are in separate traces), so those requests' time and errors are
//! split across two traces.

mod address;

use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::SpanKind;
use crate::time::DurationNs;
use address::{Address, AddressKeys};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::BrokenPropagation;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How far a new trace's root may start before the call, or end after it
    /// (clock skew between the two hosts).
    #[serde(serialize_with = "crate::time::as_written")]
    pub max_skew: DurationNs,
    /// Calls from one caller to one callee that must have lost their context.
    pub min_calls: usize,
    /// Share of a caller's unanswered calls to one path that must match a new
    /// trace, so that a chance coincidence is not taken for a cut.
    pub min_share: f64,
    /// Roots examined per call at most, whatever the traffic in its window.
    pub max_candidates: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_skew: DurationNs(50_000_000),
            min_calls: 1,
            min_share: 0.5,
            max_candidates: 64,
        }
    }
}

/// A call with no continuation in its trace, and where it goes.
struct Call<'a> {
    span: u32,
    caller: Sym,
    /// The callee's service when the call names one the data holds.
    callee: Option<Sym>,
    address: Address<'a>,
}

/// One caller's calls to one path: how many had no continuation, and which
/// of them matched a new trace (with its callee's service).
type PathCalls = (usize, Vec<(Sym, Cut)>);

/// One call matched with the root of the trace its callee started.
struct Cut {
    call: u32,
    root: u32,
}

/// One finding per (caller, callee) pair whose calls start new traces.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let set = context.set;
    let keys = AddressKeys::of(set);
    let roots = new_roots(context);
    if roots.is_empty() {
        return Vec::new();
    }
    // Every service of the data: a call naming one without new traces cannot match.
    let services: HashMap<&str, Sym> = set.resources.iter().map(|r| (set.str(r.service), r.service)).collect();
    let mut calls = unanswered_calls(context, &keys, &services, &roots);
    calls.sort_by_key(|c| set.spans.get(c.span as usize).map_or(0, |s| s.start.0));
    let mut taken: HashSet<u32> = HashSet::new();
    // Per (caller, path with IDs folded): calls without continuation, and those matched.
    let mut per_path: HashMap<(Sym, u32), PathCalls> = HashMap::new();
    let mut paths = FoldedPaths::default();
    for call in &calls {
        let cut = match_root(context, config, &keys, &roots, &taken, call);
        let path = paths.id(call.address.path.unwrap_or(""));
        let entry = per_path.entry((call.caller, path)).or_default();
        entry.0 += 1;
        if let Some((callee, root)) = cut {
            taken.insert(root);
            entry.1.push((callee, Cut { call: call.span, root }));
        }
    }
    let mut per_pair: BTreeMap<(&str, &str), Vec<Cut>> = BTreeMap::new();
    for ((caller, _), (unanswered, cuts)) in per_path {
        if (cuts.len() as f64) < config.min_share * unanswered as f64 {
            continue; // a few coincidences among many calls to an untraced callee
        }
        for (callee, cut) in cuts {
            per_pair
                .entry((set.str(caller), set.str(callee)))
                .or_default()
                .push(cut);
        }
    }
    if per_pair.is_empty() {
        return Vec::new();
    }
    let totals = calls_per_pair(context);
    per_pair
        .into_iter()
        .filter(|(_, cuts)| cuts.len() >= config.min_calls.max(1))
        .map(|((caller, callee), cuts)| {
            let propagated = totals.get(&(caller, callee)).copied().unwrap_or(0);
            finding(context, caller, callee, cuts, propagated)
        })
        .collect()
}

/// Paths with their IDs folded (`/v1/charges/{id}`), numbered: calls to one
/// resource count together whatever the ID, with one buffer reused and one
/// string kept per distinct path.
#[derive(Default)]
struct FoldedPaths {
    ids: HashMap<String, u32>,
    buffer: String,
}

impl FoldedPaths {
    fn id(&mut self, path: &str) -> u32 {
        self.buffer.clear();
        super::calls::fold_ids(path, &mut self.buffer);
        if let Some(&id) = self.ids.get(self.buffer.as_str()) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(self.buffer.clone(), id);
        id
    }
}

/// The roots of new traces per service, by start: SERVER spans without a
/// parent ID (an orphan's trace is incomplete, not new) and without links.
fn new_roots(context: &Context<'_>) -> HashMap<Sym, Vec<(u64, u32)>> {
    let set = context.set;
    let mut roots: HashMap<Sym, Vec<(u64, u32)>> = HashMap::new();
    for trace in &context.index.traces {
        let Some(root) = set.spans.get(trace.root as usize) else {
            continue;
        };
        if root.kind != SpanKind::Server
            || root.parent_span_id.is_some()
            || root.start.0 == 0
            || !set.links_of(root).is_empty()
        {
            continue;
        }
        roots.entry(root.service).or_default().push((root.start.0, trace.root));
    }
    for list in roots.values_mut() {
        list.sort_unstable();
    }
    roots
}

/// Calls whose trace does not continue at the callee: no child, or only
/// SERVER children with nothing below them.
fn unanswered_calls<'a>(
    context: &Context<'a>,
    keys: &AddressKeys,
    services: &HashMap<&str, Sym>,
    roots: &HashMap<Sym, Vec<(u64, u32)>>,
) -> Vec<Call<'a>> {
    let (set, index) = (context.set, context.index);
    let mut calls = Vec::new();
    for (i, span) in set.spans.iter().enumerate() {
        let i = i as u32;
        let is_call = match span.kind {
            SpanKind::Client => !context.database.is_call(i),
            SpanKind::Internal | SpanKind::Unspecified => keys.has_url(set, span),
            _ => false,
        };
        if !is_call || span.start.0 == 0 {
            continue;
        }
        let children = index.children_of(i);
        let continued = children.iter().any(|&c| {
            set.spans
                .get(c as usize)
                .is_none_or(|child| child.kind != SpanKind::Server || !index.children_of(c).is_empty())
        });
        if continued {
            continue;
        }
        let reached = children
            .iter()
            .find_map(|&c| set.spans.get(c as usize).map(|child| child.service));
        // Only a service that starts new traces can have answered: most calls
        // are ruled out here, before their address is read.
        if reached.is_some_and(|service| !roots.contains_key(&service))
            || (reached.is_none() && roots.keys().all(|&service| service == span.service))
        {
            continue;
        }
        let address = keys.address(set, span);
        if address.path.is_none() {
            continue; // nothing to match a request by
        }
        // `payments` or `payments.prod.svc.cluster.local` names the service `payments`.
        let named = keys.callee_name(set, span).and_then(|name| {
            services
                .get(name)
                .or_else(|| name.split('.').next().and_then(|label| services.get(label)))
                .copied()
        });
        calls.push(Call {
            span: i,
            caller: span.service,
            callee: reached.or(named),
            address,
        });
    }
    calls
}

/// The new trace's root that answered `call`, if any: the first one not yet
/// taken, of the callee (or of any other service), within the call's window.
fn match_root(
    context: &Context<'_>,
    config: &Config,
    keys: &AddressKeys,
    roots: &HashMap<Sym, Vec<(u64, u32)>>,
    taken: &HashSet<u32>,
    call: &Call<'_>,
) -> Option<(Sym, u32)> {
    let set = context.set;
    let span = set.spans.get(call.span as usize)?;
    let (from, to) = (
        span.start.0.saturating_sub(config.max_skew.0),
        span.end().0.saturating_add(config.max_skew.0),
    );
    let trace = context.trace_of(call.span);
    let candidates = roots.iter().filter(|(service, _)| {
        call.callee
            .map_or(**service != call.caller, |callee| **service == callee)
    });
    let mut best: Option<(u64, Sym, u32)> = None;
    for (&service, list) in candidates {
        let first = list.partition_point(|&(start, _)| start < from);
        let window = list.get(first..).unwrap_or(&[]);
        for &(start, root) in window
            .iter()
            .take_while(|(start, _)| *start <= to)
            .take(config.max_candidates)
        {
            let Some(r) = set.spans.get(root as usize) else {
                continue;
            };
            if taken.contains(&root) || r.end().0 > to || context.trace_of(root) == trace {
                continue;
            }
            if !address::same_request(&call.address, &keys.address(set, r)) {
                continue;
            }
            // The closest to the call's start: the request it sent first.
            let distance = start.abs_diff(span.start.0);
            if best.is_none_or(|(d, _, _)| distance < d) {
                best = Some((distance, service, root));
            }
        }
    }
    best.map(|(_, service, root)| (service, root))
}

/// Calls per (caller, callee) whose context reached the callee: a CLIENT
/// span with a SERVER child in another service that went on.
fn calls_per_pair<'a>(context: &Context<'a>) -> HashMap<(&'a str, &'a str), usize> {
    let (set, index) = (context.set, context.index);
    let mut totals = HashMap::new();
    for (i, span) in set.spans.iter().enumerate() {
        if span.kind == SpanKind::Server || span.kind == SpanKind::Consumer {
            continue;
        }
        for &c in index.children_of(i as u32) {
            let Some(child) = set.spans.get(c as usize) else {
                continue;
            };
            if child.kind == SpanKind::Server && child.service != span.service && !index.children_of(c).is_empty() {
                *totals
                    .entry((set.str(span.service), set.str(child.service)))
                    .or_insert(0) += 1;
            }
        }
    }
    totals
}

fn finding(context: &Context<'_>, caller: &str, callee: &str, mut cuts: Vec<Cut>, propagated: usize) -> Finding {
    let set = context.set;
    // In time order, whatever order the paths were visited in: the same data
    // gives the same sentence and evidence, in the CLI and in the browser.
    cuts.sort_by_key(|c| (set.spans.get(c.call as usize).map_or(0, |s| s.start.0), c.call));
    let lost = cuts.len();
    let all = lost + propagated;
    let mut traces: Vec<u32> = cuts.iter().map(|c| context.trace_of(c.call)).collect();
    traces.sort_unstable();
    traces.dedup();
    let operation = cuts
        .first()
        .and_then(|c| set.spans.get(c.root as usize))
        .map_or_else(String::new, |r| set.str(r.name).to_owned());
    let (caller_shown, callee_shown) = (super::shown(caller), super::shown(callee));
    let how_many = if all == 1 {
        format!("the one call from `{caller_shown}` to `{callee_shown}` (n=1) lost its trace context")
    } else {
        format!("{lost} of {all} calls from `{caller_shown}` to `{callee_shown}` lost their trace context")
    };
    let evidence = cuts
        .iter()
        .take(3)
        .flat_map(|c| [context.span_evidence(c.call), context.span_evidence(c.root)])
        .collect::<Vec<Evidence>>();
    Finding {
        detector: NAME,
        severity: Severity::Warning,
        impact: Impact {
            requests: traces.len() as u64,
            of_requests: all as u64,
            // No time: the calls took as long as they did, and passing the
            // context on saves none of it (their length on the critical
            // path ranked this above findings that cost something).
            time: DurationNs(0),
            ..Default::default()
        },
        subject: Subject {
            endpoint: None,
            service: callee.to_owned(),
            operation,
            route: None,
            // The pair is what it is about: the first cut's operation only keys it.
            scope: Some(format!("`{caller_shown}` → `{callee_shown}`")),
        },
        explanation: format!(
            "Requests to `{callee_shown}` start new traces: {how_many} (the callee's spans are in separate traces), so {} time and errors are split across two traces",
            if all == 1 { "its" } else { "those requests'" }
        ),
        evidence,
    }
}
