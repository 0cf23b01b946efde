//! Chatty calls.
//!
//! **What it detects.** The same remote call made many times within one
//! request, whether from one loop or from all over the request's code. The
//! same call means the same caller service, span name and callee
//! ([`super::calls`]: `peer.service`, server address and port, URL path with
//! IDs folded, RPC method, or the server span reached), so ten calls to
//! `:8083/route` and one to `:8081/customer` are two calls, not eleven of
//! `HTTP GET`.
//!
//! **Why it matters.** Every remote call pays network latency, serialisation
//! and load on the callee; many small calls where one batched call would do
//! make a request slow and fragile (any one of them failing fails it), and the
//! callee busier than it needs to be.
//!
//! **Rule.** Per unit of work (the endpoint's request: the spans under its
//! entry that started before it ended; else the handler that made them, see
//! [`super::calls`]), CLIENT spans that are not database calls (those are
//! [`super::n_plus_one`]'s) are counted by key. Retries of a failed call
//! ([`super::retries`]) are counted apart and not toward the threshold. A call
//! made at least `min_calls` times (default 10) in a request, or at least
//! `min_serial_calls` times (default 5) strictly one after another, is an
//! occurrence. Occurrences are reported per unit, service and call, with the
//! median calls per affected request and whether they ran one after another
//! or at once. One finding per endpoint (or handler): the costliest chatty
//! call, naming the others; those made only below its calls (the callee
//! calling on for each call) as what each call goes on to do. When the calls
//! say what they asked for (their URL, IDs and query included) and some ask
//! again for a URL their request already asked for, the sentence says how
//! many are different: a cache or a de-duplication saves the rest. When most
//! calls reached a traced server that began a median 30% or more (and 5 ms)
//! into the call and answered within it, the sentence says the wait sat in
//! front of the callee (a pool, a gateway, a queue): batching is not then
//! the only fix. When every call answered 304 Not Modified (a cache asking
//! whether its copy is current), the sentence says so; and when the calling
//! service made them in a quarter or less of the requests and messages it
//! handled ([`super::cache_refresh`]), they are a refresh that came due, not
//! a read on every use: their share is then of all that work's time, which
//! the refresh's cost is spread over.
//!
//! Impact: `request_time_share` is the union of the calls' time within each
//! affected request over those requests' time (ten calls at once hold their
//! span once); `time` the calls' critical-path time (their own and their
//! subtrees' time on the path: in a session, the path of their own unit of
//! work; in a handler that is not its trace's root, their union within
//! it), summed over requests; `of_requests` the
//! endpoint's requests. Severity follows by the shared rules.
//!
//! **Example.** `GET /route` to `0.0.0.0:8083` from `frontend` is called 10
//! times in its one `GET /dispatch` request (n=1), up to 3 at once, 11% of
//! its time (the HotROD 2019 capture in `tests/fixtures`, whose spans are
//! named `HTTP GET`: a bare method, named by the path it called).

use super::calls::{self, CallKeys, UnitName, Units};
use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::time::DurationNs;
// hashbrown's hasher: these hold span numbers of every repeated call.
use hashbrown::{HashMap, HashSet};
use std::collections::BTreeMap;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::ChattyCalls;

/// How far up a nested call is looked for under another.
const MAX_DEPTH: usize = 1024;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Calls within one request (retries left out) from which a call counts as chatty.
    pub min_calls: usize,
    /// Fewer calls count too when they ran strictly one after another: each
    /// waited for the one before (the hipster shop's frontend fetching five
    /// products, 44 ms of its request).
    pub min_serial_calls: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_calls: 10,
            min_serial_calls: 5,
        }
    }
}

/// One request's repeated call.
struct Occurrence {
    trace: u32,
    unit: u32,
    spans: Vec<u32>,
    retries: usize,
    /// Keys of the calls to paths under the call's, counted with it (see [`with_paths_under`]).
    under: Vec<u32>,
}

/// What one finding is about before merging: unit, calling service, call key.
type Key<'a> = (UnitName<'a>, Sym, u32);

/// A trace's calls of one unit, service and key; then the keys of calls to
/// paths under it, counted with them (see [`with_paths_under`]).
type Group = ((u32, Sym, u32), Vec<u32>, Vec<u32>);

/// The findings, one per endpoint (or handler).
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let (set, index) = (context.set, context.index);
    let keys = context.call_keys();
    let units = context.units();
    // Retried remote calls, from the repeats shared with N+1 queries and retries.
    let retries: HashSet<u32> = context
        .repeats()
        .iter()
        .filter(|r| r.key >= super::repeats::CALL_KEY)
        .flat_map(|r| r.retried.iter().map(|&(_, retry)| retry))
        .collect();
    let min = config.min_calls.max(2);
    let mut by_subject: BTreeMap<Key<'_>, Vec<Occurrence>> = BTreeMap::new();
    let mut calls: HashMap<(u32, Sym, u32), Vec<u32>> = HashMap::new();
    for (t, trace) in index.traces.iter().enumerate() {
        calls.clear();
        for &i in index.spans_of(trace) {
            if let (Some(key), Some(unit)) = (keys.key(i), units.unit(i)) {
                calls
                    .entry((unit, set.spans[i as usize].service, key))
                    .or_default()
                    .push(i);
            }
        }
        for ((unit, service, key), spans, under) in with_paths_under(set, keys, &mut calls) {
            let retried = spans.iter().filter(|s| retries.contains(*s)).count();
            let made = spans.len() - retried;
            if made >= min || (made >= config.min_serial_calls.max(2) && one_after_another(set, &spans)) {
                by_subject
                    .entry((units.name(context, t, unit), service, key))
                    .or_default()
                    .push(Occurrence {
                        trace: t as u32,
                        unit,
                        spans,
                        retries: retried,
                        under,
                    });
            }
        }
    }
    // Per unit name, its chatty calls, costliest first.
    let mut per_unit: BTreeMap<UnitName<'_>, Vec<(Finding, String, Vec<u32>)>> = BTreeMap::new();
    for ((unit, service, key), occurrences) in by_subject {
        per_unit
            .entry(unit)
            .or_default()
            .push(finding(context, units, keys, unit, service, key, &occurrences));
    }
    per_unit
        .into_values()
        .filter_map(|findings| one_per_unit(context, findings))
        .collect()
}

/// A trace's calls per (unit, service, key), drained, with the calls to a
/// path under another call's path (same unit, service and span name) counted
/// with it, and their keys: a configuration client that lists
/// `host/kv?label=…` eight times and reads `host/kv/Nimbus.RefreshSentinel`
/// and one more key in between made ten round trips to one store, not eight
/// (the .NET capture's `AfterCallWorkFinished`). Deterministic: the groups
/// are taken shortest callee first, whatever the map's order.
fn with_paths_under(
    set: &crate::model::TraceSet,
    keys: &CallKeys,
    calls: &mut HashMap<(u32, Sym, u32), Vec<u32>>,
) -> Vec<Group> {
    let mut groups: Vec<((u32, Sym, u32), Vec<u32>)> = calls.drain().collect();
    groups.sort_by(|((u1, s1, k1), _), ((u2, s2, k2), _)| {
        (u1, s1, keys.callee(*k1).len(), k1).cmp(&(u2, s2, keys.callee(*k2).len(), k2))
    });
    let mut merged: Vec<Group> = Vec::with_capacity(groups.len());
    // Per unit, service and span name, the merged groups that may take others.
    let mut parents: HashMap<(u32, Sym, &str), Vec<usize>> = HashMap::new();
    for ((unit, service, key), spans) in groups {
        let candidates = parents.entry((unit, service, keys.name(key))).or_default();
        let parent = candidates
            .iter()
            .copied()
            .find(|&at| merged.get(at).is_some_and(|((_, _, k), _, _)| keys.is_under(key, *k)));
        match parent.and_then(|at| merged.get_mut(at)) {
            Some((_, calls, under)) => {
                calls.extend(spans);
                under.push(key);
            }
            None => {
                candidates.push(merged.len());
                merged.push(((unit, service, key), spans, Vec::new()));
            }
        }
    }
    for (_, spans, under) in &mut merged {
        if !under.is_empty() {
            spans.sort_by_key(|&i| (set.spans.get(i as usize).map(|s| s.start), i));
        }
    }
    merged
}

/// Whether no two of `spans` overlap in time.
fn one_after_another(set: &crate::model::TraceSet, spans: &[u32]) -> bool {
    let mut times: Vec<(u64, u64)> = spans
        .iter()
        .filter_map(|&s| set.spans.get(s as usize))
        .map(|s| (s.start.0, s.end().0))
        .collect();
    times.sort_unstable();
    times.windows(2).all(|w| w[1].0 >= w[0].1)
}

/// Whether `spans` are what the calls `above` go on to make: every one lies
/// below one of them, or every call of `above` has one below it and most of
/// `spans` do (a walk up the parents, at most `MAX_DEPTH` steps, so a parent
/// cycle in bad data ends soon; deeper means "not below", which keeps the
/// call named apart).
fn made_by_each(context: &Context<'_>, spans: &[u32], above: &HashSet<u32>) -> bool {
    let parent = |i: u32| context.index.parent.get(i as usize).copied().flatten();
    // The call of `above` each span lies under, if any.
    let caller = |s: u32| {
        let mut at = parent(s);
        for _ in 0..MAX_DEPTH {
            match at {
                Some(p) if above.contains(&p) => return Some(p),
                Some(p) => at = parent(p),
                None => return None,
            }
        }
        None
    };
    let callers: Vec<Option<u32>> = spans.iter().map(|&s| caller(s)).collect();
    let below = callers.iter().flatten().count();
    let making: HashSet<u32> = callers.iter().flatten().copied().collect();
    // All of them below those calls; or every call making one, and most of
    // them below (the hipster shop's 5 product fetches each pass the callee's
    // sidecar, which a sixth fetch from elsewhere passes too).
    !spans.is_empty() && (below == spans.len() || (making.len() == above.len() && 2 * below >= spans.len()))
}

/// Keeps the costliest chatty call of a unit as its finding and names the
/// others in it: a long session trace can repeat a dozen calls, and a dozen
/// findings about one request bury everything else. A call made only below
/// the costliest one's calls (each of SmartThings' 52 device calls reaches
/// `platformapi`, which calls its backend once) is the same fan-out one hop
/// down: said as what each call goes on to do, not as another repeated call.
/// Each finding comes with the call as its sentence names it and its spans.
fn one_per_unit(context: &Context<'_>, mut findings: Vec<(Finding, String, Vec<u32>)>) -> Option<Finding> {
    findings.sort_by(|(a, _, _), (b, _, _)| {
        b.impact
            .time
            .cmp(&a.impact.time)
            .then_with(|| b.impact.request_time_share.total_cmp(&a.impact.request_time_share))
            .then_with(|| a.explanation.cmp(&b.explanation))
    });
    let mut findings = findings.into_iter();
    let (mut first, _, first_spans) = findings.next()?;
    let first_spans: HashSet<u32> = first_spans.into_iter().collect();
    let (nested, others): (Vec<_>, Vec<_>) =
        findings.partition(|(_, _, spans)| made_by_each(context, spans, &first_spans));
    // The impact stays the costliest call's: the others' time may lie inside
    // it (a service called in a loop calling another in a loop), so adding
    // it would count the same wall clock twice.
    let names = |calls: &[(Finding, String, Vec<u32>)]| {
        let shown: Vec<&str> = calls.iter().take(3).map(|(_, call, _)| call.as_str()).collect();
        let more = calls.len().saturating_sub(shown.len());
        format!(
            "{}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    if !nested.is_empty() {
        first
            .explanation
            .push_str(&format!("; each call in turn makes {}", names(&nested)));
    }
    if !others.is_empty() {
        first.explanation.push_str(&format!(
            "; {} other call{} also repeated: {}",
            others.len(),
            if others.len() == 1 { " is" } else { "s are" },
            names(&others)
        ));
    }
    Some(first)
}

/// How a sentence says the calls waited in front of their callee
/// ([`queued_before_callee`]): `consolidate` reads it, so the call-overhead
/// finding on the same calls is not told again.
pub(super) const WAIT_TOLD: &str = "the callee's span began a median";

/// "; the callee's span began a median 97.0ms after each call did (65% of
/// the call, up to 180ms): …" when most calls reached a traced server that
/// started well after them and answered within them (so the clocks agree):
/// the wait sat in front of the callee, in a connection pool, a gateway or a
/// queue, which the call count alone does not say. SmartThings' 52 device
/// calls, 32 at once, reached `platformapi` 88–180 ms after they began, for
/// about 50 ms of its work.
fn queued_before_callee(context: &Context<'_>, occurrences: &[Occurrence]) -> String {
    let calls: Vec<u32> = occurrences.iter().flat_map(|o| o.spans.iter().copied()).collect();
    // A server outside its call is clock skew, not a wait (`callee_wait`).
    let waits: Vec<(u64, f64)> = calls
        .iter()
        .filter_map(|&c| super::callee_wait::of(context, c))
        .map(|w| (w.before_ns, w.before_ns as f64 / w.call_ns as f64))
        .collect();
    if waits.is_empty() || 2 * waits.len() < calls.len() {
        return String::new();
    }
    let gap = super::median(waits.iter().map(|w| w.0).collect());
    let share = super::median_f64(waits.iter().map(|w| w.1).collect());
    let most = waits.iter().map(|w| w.0).max().unwrap_or(0);
    if share < 0.3 || gap < 5_000_000 {
        return String::new();
    }
    format!(
        "; {WAIT_TOLD} {} after each call did ({:.0}% of the call, up to {}): a connection pool, a gateway or a \
         queue in front of the callee",
        DurationNs(gap),
        share * 100.0,
        DurationNs(most)
    )
}

/// " and 2 paths under it (`…/kv/Nimbus.RefreshSentinel`, …)" when calls
/// to paths under the call's were counted with it; else nothing.
fn paths_under(keys: &CallKeys, key: u32, occurrences: &[Occurrence]) -> String {
    let mut under: Vec<u32> = occurrences.iter().flat_map(|o| o.under.iter().copied()).collect();
    under.sort_unstable();
    under.dedup();
    if under.is_empty() {
        return String::new();
    }
    let above = keys.callee(key);
    let host_len = above.find('/').unwrap_or(0);
    let mut shown: Vec<String> = under
        .iter()
        .map(|&k| format!("`…{}`", super::shown(keys.callee(k).get(host_len..).unwrap_or(""))))
        .collect();
    shown.sort();
    let more = shown.len().saturating_sub(3);
    shown.truncate(3);
    format!(
        " and {} {} under it ({}{})",
        under.len(),
        if under.len() == 1 { "path" } else { "paths" },
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// Calls that repeat one their request already made with the same target
/// (the same URL, IDs and query included: a cache or a de-duplication
/// saves them), and the distinct targets, over all occurrences; `None`
/// when no call repeats or a call's target is unknown (an RPC).
fn asked_again(set: &crate::model::TraceSet, keys: &CallKeys, occurrences: &[Occurrence]) -> Option<(usize, usize)> {
    let (mut again, mut distinct) = (0, 0);
    for occurrence in occurrences {
        let mut targets: Vec<&str> = Vec::with_capacity(occurrence.spans.len());
        for &span in &occurrence.spans {
            targets.push(keys.target(set, span)?);
        }
        let made = targets.len();
        targets.sort_unstable();
        targets.dedup();
        distinct += targets.len();
        again += made - targets.len();
    }
    // Retries ask again by design: they are counted apart.
    let retries: usize = occurrences.iter().map(|o| o.retries).sum();
    let again = again.saturating_sub(retries);
    (again > 0).then_some((again, distinct))
}

/// Whether every call answered HTTP 304 Not Modified: conditional requests
/// that found their copy current (the .NET collector's 10 configuration
/// reads), so what they cost buys nothing new.
fn all_not_modified(set: &crate::model::TraceSet, occurrences: &[Occurrence]) -> bool {
    let status = crate::analysis::failure::HttpStatusKeys::of(set);
    occurrences
        .iter()
        .flat_map(|o| &o.spans)
        .all(|&i| set.spans.get(i as usize).and_then(|span| status.code(set, span)) == Some(304))
}

fn finding(
    context: &Context<'_>,
    units: &Units,
    keys: &CallKeys,
    unit: UnitName<'_>,
    service: Sym,
    key: u32,
    occurrences: &[Occurrence],
) -> (Finding, String, Vec<u32>) {
    let set = context.set;
    let call = format!(
        "{}{} from `{}`",
        keys.shown(key),
        paths_under(keys, key, occurrences),
        super::shown(set.str(service))
    );
    let calls::Held {
        held,
        unit_time,
        time,
        layout,
    } = calls::held(
        context,
        occurrences
            .iter()
            .map(|o| (o.trace as usize, o.unit, o.spans.as_slice())),
    );
    let share = super::wall_clock::share(held, unit_time);
    let requests = occurrences.len();
    let median = super::median(occurrences.iter().map(|o| o.spans.len() - o.retries).collect());
    let retries: usize = occurrences.iter().map(|o| o.retries).sum();
    let calls: usize = occurrences.iter().map(|o| o.spans.len()).sum();
    let how_often = if requests == 1 {
        format!(
            "is called {median} times in {}",
            unit.the_one(set, units.count(context, unit))
        )
    } else {
        format!(
            "is called {median} times {} (median of {requests} {})",
            unit.per(set),
            unit.units_noun()
        )
    };
    let retried = if retries > 0 {
        format!(" ({calls} calls, {retries} of them retries)")
    } else {
        String::new()
    };
    let asked_again = asked_again(set, keys, occurrences)
        .map(|(again, distinct)| {
            if requests == 1 {
                format!("; only {distinct} of them are different (the other {again} ask again for a URL the same request already asked for)")
            } else {
                format!("; {again} of the {calls} calls ask again for a URL the same request already asked for")
            }
        })
        .unwrap_or_default();
    // Revalidations made in only a few of the service's handlers are a
    // refresh that came due: its cost is shared by all of them.
    let all_current = all_not_modified(set, occurrences);
    let refresh = all_current
        .then(|| {
            let made: Vec<u32> = occurrences.iter().flat_map(|o| o.spans.iter().copied()).collect();
            super::cache_refresh::made_in_few(context, service, &made)
        })
        .flatten();
    let not_modified = match &refresh {
        _ if !all_current => String::new(),
        None => "; every call answered 304 Not Modified: the caller's cached copy was current each time (a cache \
                 that asks on every use: trust it longer, or refresh it in the background?)"
            .to_owned(),
        Some(refresh) => format!(
            "; every call answered 304 Not Modified: the caller's cached copy was current each time, and `{}` made \
             them in {} of the {} {} it handled (the others made none): a refresh that came due, run inline, not a \
             read on every use (refresh it in the background, off the handler's path?)",
            super::shown(set.str(service)),
            refresh.made_in,
            refresh.handled,
            refresh.noun
        ),
    };
    let queued = queued_before_callee(context, occurrences);
    let mut examples: Vec<&Occurrence> = occurrences.iter().collect();
    examples.sort_by_key(|o| std::cmp::Reverse(o.spans.len()));
    let finding = Finding {
        detector: NAME,
        // Judged from the impact by the shared rules in `detect`.
        severity: Severity::Info,
        impact: Impact {
            requests: requests as u64,
            traces: Some(super::distinct(occurrences.iter().map(|o| o.trace))),
            failed_requests: 0,
            of_requests: refresh
                .as_ref()
                .map_or(units.count(context, unit).max(requests as u64), |r| r.handled),
            request_time_share: refresh
                .as_ref()
                .map_or(share, |r| super::wall_clock::share(held, r.handled_ns)),
            time: DurationNs(time),
            data_at_risk: false,
            request_time: DurationNs(0),
        },
        subject: Subject {
            endpoint: unit.endpoint(),
            service: set.str(service).to_owned(),
            operation: keys.name(key).to_owned(),
            route: None,
            scope: None,
        },
        explanation: format!(
            "{call} {how_often}, {}, {:.0}% of {} time{retried}{asked_again}{not_modified}{queued}",
            layout.words(),
            share * 100.0,
            if requests == 1 { "its" } else { "their" },
        ),
        evidence: examples
            .iter()
            .take(3)
            .map(|o| Evidence {
                trace_id: context.trace_id(o.trace as usize),
                span_ids: o
                    .spans
                    .iter()
                    .take(6)
                    .filter_map(|&s| set.spans.get(s as usize).map(|s| s.span_id))
                    .collect(),
            })
            .collect(),
    };
    let spans = occurrences.iter().flat_map(|o| o.spans.iter().copied()).collect();
    (finding, call, spans)
}
