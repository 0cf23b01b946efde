//! Call overhead.
//!
//! **What it detects.** Calls from one service to another (a route) that
//! keep their callers waiting a fixed time outside the callee's own span of
//! each call, whatever the callee's work takes: the callee answers in 3 ms
//! or in 150 ms, the caller waits 13 ms more either way.
//!
//! **Why it matters.** The time between a call's start and its callee's
//! span (and between that span's end and the call's) is the network between
//! the two hosts, a gateway or public address on the way, connection setup
//! (a TLS handshake on every call without keep-alive), or a pool waited
//! for. None of it is the callee's code, so tuning the callee does not
//! help; calling it where it runs (not across regions or through a public
//! address), keep-alive, or caching the answers does. Every caller pays it
//! on every call. The same wait on several routes is one cause (the way
//! between those services), not one slow callee.
//!
//! **Rule.** Each remote call ([`super::calls`]) whose traced server span
//! lies within it ([`super::callee_wait`]: a server outside its call is
//! clock skew or a one-way call, and is left out) waited the call's
//! duration less the server's. Both durations are timed on one host each,
//! so clock skew between the hosts is none of it. The calls are grouped by
//! route (caller service, callee service); a route counts when it holds at
//! least `min_calls` calls (default 3) and at least three quarters of them
//! waited `min_wait` (default 10 ms: two hosts in one data center answer
//! each other within a few) or more. Routes whose median waits are alike
//! (the largest at most twice the smallest) are one finding: one fixed
//! round trip; a queue in front of one callee, many times longer, is
//! another. The sentence names the routes, the split before and after the
//! callee's span (which does depend on the clocks), and the routes with as
//! many calls that wait under `min_wait`: the way the other services reach
//! each other. Calls a chatty-calls finding already says waited in front
//! of their callee are told there ([`super::consolidate`]).
//!
//! Impact: per unit of work that made the calls ([`super::calls::Units`]),
//! `request_time_share` is the union of the calls' time outside their
//! callee over the units' time; `time` is that wait on the units' critical
//! paths (within each unit of a session, its own path), summed; routes whose
//! wait lies on no critical path are no finding. Severity
//! follows by the shared rules. A route's call that waited `stall_factor`
//! (default 5) times its route's median and `min_stall` (default 50 ms)
//! more is a one-off stall, not the overhead paid on every call: told in a
//! clause of its own, outside the time, share and severity above. The
//! finding is keyed (its subject's service and operation, its fingerprint)
//! by the route with the most calls, the one its headline names first: its
//! caller, and `caller → callee` (`strongman`, `strongman → platformapi`),
//! with all its routes as its scope ("`strongman` → `platformapi` and 8
//! other routes between services"). It was keyed by the callee most calls
//! reach (`auth`'s `post /oauth/check_token`), which its JSON then named
//! though the headline did not.
//!
//! **Example.** In the SmartThings capture in `tests/fixtures`, 127 calls
//! on nine routes (`platformapi` → `bookie` 12.3–14.2 ms for callee spans
//! of about 150 ms, `bookie` → `auth` 15.5–18.0 ms for 3 ms token checks)
//! wait about 15 ms each outside their callee, while `platformapi` →
//! `gizmo` and `execution` → `bookie` wait 2 ms; one more call, on
//! `platformapi` → `execution` (whose 13 others wait 12.5–14.3 ms), waited
//! 352 ms, 345 ms of it before its callee's span began: a stall, told apart.

use super::callee_wait::{self, CalleeWait};
use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::time::DurationNs;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::CallOverhead;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Calls on one route (caller service to callee service) from which it
    /// is judged.
    pub min_calls: usize,
    /// Wait outside the callee that at least three quarters of the calls
    /// show: less is what the network between two hosts costs anyway.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_wait: DurationNs,
    /// A call that waited more than this many times its route's median wait
    /// (and `min_stall` more than it) is a one-off stall, not the overhead
    /// paid on every call: told apart, outside the finding's total.
    pub stall_factor: u32,
    /// How much longer than its route's median a call must wait to be a
    /// stall: a few milliseconds over a 1 ms median is still the route.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_stall: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_calls: 3,
            min_wait: DurationNs(10_000_000),
            stall_factor: 5,
            min_stall: DurationNs(50_000_000),
        }
    }
}

/// One measured call.
#[derive(Clone, Copy)]
struct Call {
    span: u32,
    wait: CalleeWait,
}

/// The calls from one service to another, and the median wait among them.
struct Route {
    caller: Sym,
    callee: Sym,
    /// The calls that paid the route's overhead.
    calls: Vec<Call>,
    /// Calls that waited many times the route's median ([`is_stall`]).
    stalls: Vec<Call>,
    median_wait: u64,
}

/// The calls whose wait outside their callee a call-overhead finding counts
/// in its time (its routes' calls, stalls left out), each with that wait:
/// another finding that sizes the same calls' time says how much of it is
/// this ([`super::repeated_along_chain`]).
pub type Counted = HashMap<u32, u64>;

/// The findings, one per group of routes that wait alike.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    detect_counting(context, config).0
}

/// [`detect`], with the calls its findings count ([`Counted`]).
pub fn detect_counting(context: &Context<'_>, config: &Config) -> (Vec<Finding>, Counted) {
    let set = context.set;
    let keys = context.call_keys();
    // Per caller service and callee service, the calls measured.
    let mut by_route: BTreeMap<(Sym, Sym), Vec<Call>> = BTreeMap::new();
    for i in 0..set.spans.len() as u32 {
        if keys.key(i).is_none() {
            continue;
        }
        let Some(wait) = callee_wait::of(context, i) else {
            continue;
        };
        if let (Some(span), Some(server)) = (set.spans.get(i as usize), set.spans.get(wait.server as usize)) {
            by_route
                .entry((span.service, server.service))
                .or_default()
                .push(Call { span: i, wait });
        }
    }
    let (mut waiting, mut quick) = (Vec::new(), Vec::new());
    for ((caller, callee), calls) in by_route {
        if calls.len() < config.min_calls.max(1) {
            continue;
        }
        let median_wait = super::median(calls.iter().map(|c| c.wait.outside_ns).collect());
        let (calls, stalls): (Vec<Call>, Vec<Call>) = calls
            .into_iter()
            .partition(|c| !is_stall(config, c.wait.outside_ns, median_wait));
        let route = Route {
            caller,
            callee,
            calls,
            stalls,
            median_wait,
        };
        if waits_consistently(config, &route.calls) {
            waiting.push(route);
        } else if median_wait < config.min_wait.0 {
            quick.push(route);
        }
    }
    quick.sort_by_key(|r| std::cmp::Reverse(r.calls.len()));
    let mut counted = Counted::new();
    let findings = group(waiting)
        .into_iter()
        .filter_map(|routes| {
            let finding = finding(context, &routes, &quick)?;
            counted.extend(
                routes
                    .iter()
                    .flat_map(|r| &r.calls)
                    .map(|c| (c.span, c.wait.outside_ns)),
            );
            Some(finding)
        })
        .collect();
    (findings, counted)
}

/// Whether a call that waited `outside` is a one-off stall on a route whose
/// calls wait a median `median`: `stall_factor` times that and `min_stall`
/// more. SmartThings' `platformapi` → `execution` waits 12.5–14.3 ms on 13
/// calls and 352 ms on one: a stall, which would have been a seventh of the
/// time the finding calls paid on every call.
fn is_stall(config: &Config, outside: u64, median: u64) -> bool {
    outside > median.saturating_mul(u64::from(config.stall_factor.max(1)))
        && outside.saturating_sub(median) >= config.min_stall.0
}

/// Whether the calls on one route wait outside their callee as the rule
/// says: three quarters of them `min_wait` or more.
fn waits_consistently(config: &Config, calls: &[Call]) -> bool {
    let long = calls.iter().filter(|c| c.wait.outside_ns >= config.min_wait.0).count();
    4 * long >= 3 * calls.len()
}

/// Routes whose median waits are alike (the largest at most twice the
/// smallest), each group ordered by calls, most first: one fixed cost
/// between services shows as one group; a queue in front of one callee,
/// waiting many times longer, as another.
fn group(mut routes: Vec<Route>) -> Vec<Vec<Route>> {
    routes.sort_by_key(|r| r.median_wait);
    let mut groups: Vec<Vec<Route>> = Vec::new();
    for route in routes {
        match groups.last_mut() {
            Some(last)
                if last
                    .first()
                    .is_some_and(|f| route.median_wait <= f.median_wait.saturating_mul(2)) =>
            {
                last.push(route)
            }
            _ => groups.push(vec![route]),
        }
    }
    for routes in &mut groups {
        routes.sort_by_key(|r| std::cmp::Reverse(r.calls.len()));
    }
    groups
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

/// "`a` → `b`".
fn route_name(context: &Context<'_>, route: &Route) -> String {
    let set = context.set;
    format!(
        "`{}` → `{}`",
        super::shown(set.str(route.caller)),
        super::shown(set.str(route.callee))
    )
}

/// Up to three routes named (with their calls when `counts`), then how many more.
fn routes_named(context: &Context<'_>, routes: &[Route], counts: bool) -> String {
    let mut shown: Vec<String> = routes
        .iter()
        .take(3)
        .map(|r| match counts {
            true => format!("{} ({})", route_name(context, r), r.calls.len()),
            false => route_name(context, r),
        })
        .collect();
    if routes.len() > 3 {
        shown.push(format!("{} more", routes.len() - 3));
    }
    super::join(&shown)
}

/// The finding of one group of routes; none when none of their wait lies
/// on a critical path (calls made beside the work that answers, whose wait
/// costs no one).
fn finding(context: &Context<'_>, routes: &[Route], quick: &[Route]) -> Option<Finding> {
    let set = context.set;
    let calls: Vec<&Call> = routes.iter().flat_map(|r| &r.calls).collect();
    let median = |f: &dyn Fn(&CalleeWait) -> u64| DurationNs(super::median(calls.iter().map(|c| f(&c.wait)).collect()));
    let outside = median(&|w| w.outside_ns);
    let before = median(&|w| w.before_ns.min(w.outside_ns));
    let after = median(&|w| w.outside_ns - w.before_ns.min(w.outside_ns));
    let work = median(&|w| w.call_ns - w.outside_ns);
    let route_range = super::duration_range(routes.iter().map(|r| r.median_wait));
    let cost = cost(context, &calls);
    if cost.on_path == 0 {
        return None;
    }
    let unit_share = super::wall_clock::share(cost.held, cost.unit_time);
    let (what, between) = match routes {
        [route] => {
            let (caller, callee) = (super::shown(set.str(route.caller)), super::shown(set.str(route.callee)));
            (
                format!(
                    "Calls from `{caller}` to `{callee}` wait a median {outside} each outside `{callee}`'s span (which \
                     holds a median {work} of each): {}",
                    super::counted(calls.len() as u64, "call", "calls"),
                ),
                format!("`{caller}` and `{callee}`"),
            )
        }
        _ => (
            format!(
                "Calls on {} routes between services wait about {outside} each outside their callee's span, whatever \
                 the callee's work takes (a median {work}): {} ({}), a median {route_range} per route",
                routes.len(),
                super::counted(calls.len() as u64, "call", "calls"),
                routes_named(context, routes, true),
            ),
            "these services".to_owned(),
        ),
    };
    let contrast = match quick {
        [] => String::new(),
        [route] => format!(
            ", while {} waits {}",
            route_name(context, route),
            DurationNs(route.median_wait)
        ),
        _ => format!(
            ", while {} wait {}",
            routes_named(context, quick, false),
            super::duration_range(quick.iter().map(|r| r.median_wait))
        ),
    };
    let explanation = format!(
        "{what} ({} in all), about {before} before the callee's span began and {after} after it ended as the hosts' \
         clocks place them{contrast}: a round trip of about {outside} between {between} (across hosts or regions, or \
         through a public address or gateway?), paid on every call and timed by each side's own clock (no skew in \
         it); co-locate them, keep connections alive, or cache the answers; {} on the critical paths of the {} that \
         made them, {:.0}% of their time{}",
        super::duration_range(calls.iter().map(|c| c.wait.outside_ns)),
        DurationNs(cost.on_path),
        super::counted(cost.units, cost.noun.0, cost.noun.1),
        unit_share * 100.0,
        stalls_told(context, routes),
    );
    // The route with the most calls keys the finding, as the headline
    // names it first: its caller (who waits) and the route itself.
    let (service, operation) = routes.first().map_or_else(Default::default, |r| {
        let (caller, callee) = (set.str(r.caller), set.str(r.callee));
        (caller.to_owned(), format!("{caller} → {callee}"))
    });
    Some(Finding {
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
            request_time: DurationNs(0),
        },
        subject: Subject {
            endpoint: cost.endpoint,
            service,
            operation,
            route: None,
            // All the routes it is about, as the headline names them.
            scope: match routes {
                [] => None,
                [route] => Some(route_name(context, route)),
                [first, rest @ ..] => Some(format!(
                    "{} and {} between services",
                    route_name(context, first),
                    super::counted(rest.len() as u64, "other route", "other routes")
                )),
            },
        },
        explanation,
        evidence: evidence(context, routes, outside.0),
    })
}

/// The routes' one-off stalls ([`is_stall`]), told apart from the overhead
/// paid on every call and left out of its total and severity: "; plus one
/// 352ms stall on `platformapi` → `execution` (26× that route's median wait,
/// 345ms of it before the callee's span began), on the critical path, not in
/// that total". Empty when there is none.
fn stalls_told(context: &Context<'_>, routes: &[Route]) -> String {
    let stalled: Vec<&Route> = routes.iter().filter(|r| !r.stalls.is_empty()).collect();
    let stalls: Vec<&Call> = stalled.iter().flat_map(|r| &r.stalls).collect();
    let Some(longest) = stalls.iter().max_by_key(|c| (c.wait.outside_ns, c.span)) else {
        return String::new();
    };
    let outside = longest.wait.outside_ns;
    let on_path = cost(context, &stalls).on_path;
    let total: u64 = stalls.iter().map(|c| c.wait.outside_ns).sum();
    let path = match on_path {
        0 => ", off the critical path".to_owned(),
        t if t >= total => ", on the critical path".to_owned(),
        t => format!(", {} of it on the critical path", DurationNs(t)),
    };
    // How far out of its route's run the longest stall lies.
    let times = stalled
        .iter()
        .find(|r| r.stalls.iter().any(|c| c.span == longest.span))
        .map_or(0, |r| outside / r.median_wait.max(1));
    match stalled.as_slice() {
        [route] if stalls.len() == 1 => format!(
            "; plus one {} stall on {} ({times}× that route's median wait, {} of it before the callee's span \
             began){path}, not in that total",
            DurationNs(outside),
            route_name(context, route),
            DurationNs(longest.wait.before_ns.min(outside)),
        ),
        _ => format!(
            "; plus {} stalls ({} in all, up to {}: {times}× that route's median wait) on {}{path}, not in that \
             total",
            stalls.len(),
            DurationNs(total),
            DurationNs(outside),
            super::join(&stalled.iter().map(|r| route_name(context, r)).collect::<Vec<_>>()),
        ),
    }
}

/// A call as evidence sorts it: first of its route in its trace (`false`
/// first), then the nearest to the typical wait first, then the span.
type Ranked = (bool, u64, u32);

/// Up to three traces, each with up to six calls: first one of each route
/// (so `consolidate` sees every kind of call the finding holds), then the
/// calls whose wait is nearest the typical one: the finding's case, not
/// its outliers.
fn evidence(context: &Context<'_>, routes: &[Route], typical: u64) -> Vec<Evidence> {
    let set = context.set;
    let mut by_trace: BTreeMap<u32, Vec<Ranked>> = BTreeMap::new();
    for (r, route) in routes.iter().enumerate() {
        let mut calls: Vec<&Call> = route.calls.iter().collect();
        calls.sort_by_key(|c| (c.wait.outside_ns.abs_diff(typical), c.span));
        let mut seen: BTreeSet<(u32, usize)> = BTreeSet::new();
        for call in calls {
            let t = context.trace_of(call.span);
            let first_of_route = seen.insert((t, r));
            by_trace
                .entry(t)
                .or_default()
                .push((!first_of_route, call.wait.outside_ns.abs_diff(typical), call.span));
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
