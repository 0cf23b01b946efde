//! Calls repeated along a call chain.
//!
//! **What it detects.** Services along one call chain each asking the same
//! server operation the same question in one request: `bookie` checks the
//! request's token with `auth`, then calls `account` and `coreSrv`, which
//! each check a token with `auth` again before answering it. Each service
//! is right to want the caller verified; the chain as a whole pays for one
//! verification per hop, in series, on the request's critical path.
//!
//! **Why it matters.** Every repeated call is a round trip the request waits
//! for (SmartThings' token checks take 3 ms in `auth` and 16–30 ms at the
//! caller), and it grows with the depth of the chain, not with the work
//! asked for. The service called is loaded once per hop too. Checked once
//! where the request enters, the verified identity or claims can travel
//! down with the request (a signed internal token, or headers the services
//! behind the edge trust), or the answer can be cached for the request.
//!
//! **Rule.** A call *repeats* one made above it when, in one trace:
//! - both are remote calls ([`super::calls::calls_out`], not database calls:
//!   those are [`super::n_plus_one`]'s) that reached a traced server span of
//!   the same service and name: the same server operation;
//! - both asked the same question, as far as the data can tell:
//!   - reads ([`super::call_effect`]: a reading HTTP method or RPC verb) of
//!     the same exact target (their URL or path, IDs and query included,
//!     [`super::calls::CallKeys::target`]): the same operation asked about
//!     two resources is two questions, and a read that records no target
//!     (an RPC's arguments are not traced) is not known to ask the same;
//!   - or checks of a credential, whose subject no call records (a token
//!     travels in a body or a header): a path or RPC method whose last
//!     segment opens with a verb of checking (`check_token`, `introspect`,
//!     `Check`, `validate`) and that names a credential (a token, `auth`, a
//!     session: `call_effect::checks_credential`), sent by `POST` as often
//!     as not. What each asked is then read from the chain (the credential
//!     the request carries), and the sentence says so.
//!
//!   A write along a chain (each service recording its own event) is each
//!   service's own work, not a question asked twice;
//! - they are made by different services, in the same unit of work, and the
//!   earlier one by the service's request (its spans entered by one call)
//!   that lies above the later call: it had the answer in hand, and ended
//!   before that request's call that leads down to the later one began (one
//!   host's clock, so skew between hosts does not decide it);
//! - the earlier call did not fail (a call after a failure is a retry, or a
//!   new question), and the later one is no retry of a failed call under its
//!   own parent ([`super::retries`]).
//!
//! A request (the unit of work, [`super::calls::Units`]) shows the pattern
//! for an operation when its repeats reach `min_chain_services` services
//! down one chain (default 3: A asks, B below it asks again, C below B asks
//! again), or when at least `min_repeating_services` services (default 2)
//! repeat a call made above them. One service repeating its caller once is
//! left alone: two services may verify for reasons of their own. One
//! finding per server operation, over every request that shows it.
//!
//! Impact: `time` is the repeated calls' time on their unit's critical path
//! (their own and their subtrees' on-path time; inside a session, the unit's
//! own path, see [`super::session_units`]; in a handler that is not its
//! trace's root, their wall-clock union within it), summed over the
//! requests: what passing the answer down would save, at most, not the
//! calls' summed duration. `request_time_share` is that time over the
//! requests' durations; `of_requests` the requests of the units concerned.
//! Severity follows by the shared rules. Where a call-overhead finding
//! counts the same calls' wait outside their callee
//! ([`super::call_overhead::Counted`]), the sentence says how much of the
//! time that is (each call's own time on its unit's path, at most its
//! wait), so that the two are not added up; it stays in the time, since
//! passing the answer down saves the round trip with the call.
//!
//! **Example.** In the SmartThings capture (`tests/fixtures/zipkin-v2`),
//! `bookie` calls `post /oauth/check_token` in `auth` in 12 requests, then
//! `account` (12 times) and `coreSrv` (11) below it call it again: 23 calls
//! of 48, all of them on the critical path of the install pages they slow.

use super::call_effect::{self, CallEffects};
use super::calls::{CallKeys, UnitName, Units};
use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::TraceSet;
use crate::time::DurationNs;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::RepeatedAlongChain;

/// How far up a chain is walked: a parent cycle in bad data ends here.
const MAX_DEPTH: usize = 1024;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Services down one chain making the same call, the first included,
    /// from which a request shows the pattern.
    pub min_chain_services: usize,
    /// Services repeating a call made above them in one request, from which
    /// it shows the pattern however deep the chain.
    pub min_repeating_services: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_chain_services: 3,
            min_repeating_services: 2,
        }
    }
}

/// One call that takes part: a remote call that asks a traced server operation.
#[derive(Clone, Copy)]
struct Call {
    span: u32,
    /// The server operation reached: its service and span name.
    operation: (Sym, Sym),
    /// The calling service.
    service: Sym,
    /// The top of the calling service's request this call was made in.
    top: u32,
    /// What it asked, as far as the call says.
    question: Question,
}

/// What a call asked, which two calls must share to be the same question.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Question {
    /// A read of this exact target (its URL or path, IDs and query
    /// included, interned): what the answer is about is all in it.
    Target(Sym),
    /// A check of a credential (a token, a session) whose subject the call
    /// does not record: the one the request carries, read from the chain.
    Credential,
}

/// One request's repeats of one server operation.
struct Occurrence {
    trace: u32,
    unit: u32,
    /// Each repeated call and the call above it that it repeats.
    repeats: Vec<(u32, u32)>,
    /// What each repeat asked, as `repeats`.
    questions: Vec<Question>,
    /// The repeats' time on the unit's critical path.
    time: u64,
}

/// The findings, one per server operation.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    detect_beside(context, config, &super::call_overhead::Counted::new())
}

/// [`detect`], saying how much of each finding's time is the repeated calls'
/// wait outside their callee that a call-overhead finding counts too
/// (`overhead`), so that a reader adding the two up does not count it twice.
pub fn detect_beside(context: &Context<'_>, config: &Config, overhead: &super::call_overhead::Counted) -> Vec<Finding> {
    let (set, index) = (context.set, context.index);
    let keys = context.call_keys();
    let units = context.units();
    let effects = CallEffects::of(set);
    // Retries of a failed call under one parent, from the repeats shared with chatty calls.
    let retries: HashSet<u32> = context
        .repeats()
        .iter()
        .filter(|r| r.key >= super::repeats::CALL_KEY)
        .flat_map(|r| r.retried.iter().map(|&(_, retry)| retry))
        .collect();
    let mut by_operation: BTreeMap<(Sym, Sym), Vec<Occurrence>> = BTreeMap::new();
    let mut calls: Vec<Call> = Vec::new();
    let mut walk = Walk::new(set.spans.len());
    for (t, trace) in index.traces.iter().enumerate() {
        calls.clear();
        for &i in index.spans_of(trace) {
            if let Some(mut call) = taking_part(context, keys, &effects, &retries, i) {
                call.top = walk.top(context, i);
                calls.push(call);
            }
        }
        calls.sort_by_key(|c| (c.operation, c.span));
        for group in calls.chunk_by(|a, b| a.operation == b.operation) {
            if distinct_services(group) < 2 {
                continue;
            }
            for occurrence in occurrences(context, units, config, &mut walk, t as u32, group) {
                by_operation.entry(group[0].operation).or_default().push(occurrence);
            }
        }
    }
    by_operation
        .into_iter()
        .map(|(operation, occurrences)| {
            let shared = overhead_in(context, overhead, &occurrences);
            finding(context, units, operation, &occurrences, shared)
        })
        .collect()
}

/// How the sentence says the part of its time a call-overhead finding also
/// counts; `consolidate` takes it out when it drops that finding.
pub(super) const OVERHEAD_TOLD: &str =
    " of it the calls' wait outside their callee, which the call-overhead finding counts too";

/// ", 325ms of it the calls' wait outside their callee, which …", or
/// nothing when none of it is.
fn overhead_told(time: u64) -> String {
    match time {
        0 => String::new(),
        t => format!(", {}{OVERHEAD_TOLD}", DurationNs(t)),
    }
}

/// The repeats' critical-path time that is their wait outside the callee
/// and that `overhead` counts: each counted call's own time on its unit's
/// path (its server child holds the rest), at most its wait.
fn overhead_in(context: &Context<'_>, overhead: &super::call_overhead::Counted, occurrences: &[Occurrence]) -> u64 {
    occurrences
        .iter()
        .flat_map(|o| o.repeats.iter().map(move |&(later, _)| (o, later)))
        .filter_map(|(o, call)| {
            let wait = *overhead.get(&call)?;
            let path = super::calls::own_path_time(context, o.trace as usize, o.unit, call, wait);
            Some(path.min(wait))
        })
        .fold(0, u64::saturating_add)
}

/// Call `i` as it takes part, if it does: a remote call with a known
/// duration, no retry, that reached a traced server operation and asks it
/// something two calls can be seen to share ([`Question`]).
fn taking_part(
    context: &Context<'_>,
    keys: &CallKeys,
    effects: &CallEffects,
    retries: &HashSet<u32>,
    i: u32,
) -> Option<Call> {
    let (set, index) = (context.set, context.index);
    let key = keys.key(i)?;
    let span = set.spans.get(i as usize).filter(|s| s.duration_known())?;
    if retries.contains(&i) {
        return None;
    }
    let server = keys.reached(set, index, i)?;
    let reached = set.spans.get(server as usize)?;
    let target = keys.target(set, i).and_then(|t| set.strings.get(t));
    let question = match target {
        Some(target) if effects.reads(set, index, i) => Question::Target(target),
        _ if call_effect::checks_credential(keys.callee(key))
            || call_effect::checks_credential(set.str(reached.name)) =>
        {
            Question::Credential
        }
        _ => return None,
    };
    Some(Call {
        span: i,
        operation: (reached.service, reached.name),
        service: span.service,
        // Set by the caller, which keeps what it found of the chain.
        top: i,
        question,
    })
}

/// What walking up chains costs, shared by every call of a set: each span's
/// request top, found once, and a count of steps left, so that a set of
/// any shape (a million calls a million spans deep) is walked in time
/// linear in its size; calls past the count are not judged.
struct Walk {
    /// Per span, the top of its service's request ([`NONE`]: not found yet).
    tops: Vec<u32>,
    steps: usize,
}

/// Marks a span whose request top is not found yet.
const NONE: u32 = u32::MAX;

/// Steps of walking up chains per span of the set, and a floor for small sets.
const STEPS_PER_SPAN: usize = 64;
const MIN_STEPS: usize = 1 << 20;

/// Calls above one request looked at for each call below it: those that
/// ended earliest come first, and one of them is the answer or none is.
const MAX_LOOKED_AT: usize = 64;

impl Walk {
    fn new(spans: usize) -> Walk {
        Walk {
            tops: Vec::new(),
            steps: spans.saturating_mul(STEPS_PER_SPAN).max(MIN_STEPS),
        }
    }

    /// Takes a step, or `None` when none is left.
    fn step(&mut self) -> Option<()> {
        self.steps = self.steps.checked_sub(1)?;
        Some(())
    }

    /// The top of the calling service's request span `i` is in: the highest
    /// span above it, itself included, reached without leaving its service.
    fn top(&mut self, context: &Context<'_>, i: u32) -> u32 {
        let set = context.set;
        if self.tops.len() != set.spans.len() {
            self.tops = vec![NONE; set.spans.len()];
        }
        let service = |s: u32| set.spans.get(s as usize).map(|s| s.service);
        let mut path: Vec<u32> = Vec::new();
        let mut at = i;
        let top = loop {
            match self.tops.get(at as usize) {
                Some(&known) if known != NONE => break known,
                None => break at,
                Some(_) => {}
            }
            path.push(at);
            match parent(context, at) {
                Some(p) if service(p) == service(at) && path.len() < MAX_DEPTH => at = p,
                _ => break at,
            }
        };
        for s in path {
            if let Some(slot) = self.tops.get_mut(s as usize) {
                *slot = top;
            }
        }
        top
    }
}

fn parent(context: &Context<'_>, i: u32) -> Option<u32> {
    context.index.parent.get(i as usize).copied().flatten()
}

/// How many services make the calls of `group`.
fn distinct_services(group: &[Call]) -> u64 {
    super::distinct(group.iter().map(|c| c.service))
}

/// The call of `group` that `call` repeats, if any: one made in the same
/// unit of work (a session's login long over is no request the later work
/// is part of) by a service's request above it (in another service), ended
/// before that request's call leading down to `call` began, not failed, and
/// asking the same question. The nearest such request's, first to end.
/// `by_top` holds the calls of each request top, first to end first.
fn repeated(
    context: &Context<'_>,
    units: &Units,
    walk: &mut Walk,
    group: &[Call],
    by_top: &HashMap<u32, Vec<usize>>,
    call: &Call,
) -> Option<u32> {
    let set = context.set;
    let unit = units.unit(call.span)?;
    let span = |s: u32| set.spans.get(s as usize);
    // Request by request up the chain: `exit` is where the chain left each
    // (its call leading down), its top where it was entered.
    let mut at = parent(context, call.span);
    for _ in 0..MAX_DEPTH {
        let exit = at?;
        walk.step()?;
        let exit_span = span(exit)?;
        let top = walk.top(context, exit);
        if exit_span.service != call.service
            && let Some(made) = by_top.get(&top)
        {
            let first = made
                .iter()
                .filter_map(|&k| group.get(k))
                .take_while(|earlier| span(earlier.span).is_some_and(|e| e.end() <= exit_span.start))
                .take(MAX_LOOKED_AT)
                .find(|earlier| {
                    units.unit(earlier.span) == Some(unit)
                        && !context.failures.span(earlier.span)
                        && earlier.question == call.question
                });
            if let Some(first) = first {
                return Some(first.span);
            }
        }
        at = parent(context, top);
    }
    None
}

/// The requests of trace `t` that show the pattern for the operation of
/// `group` (calls of one server operation in one trace).
fn occurrences(
    context: &Context<'_>,
    units: &Units,
    config: &Config,
    walk: &mut Walk,
    t: u32,
    group: &[Call],
) -> Vec<Occurrence> {
    let set = context.set;
    let mut by_top: HashMap<u32, Vec<usize>> = HashMap::new();
    for (k, call) in group.iter().enumerate() {
        by_top.entry(call.top).or_default().push(k);
    }
    for made in by_top.values_mut() {
        made.sort_by_key(|&k| {
            let span = group.get(k).map_or(0, |c| c.span);
            (set.spans.get(span as usize).map(|s| s.end()), span)
        });
    }
    let repeats: HashMap<u32, u32> = group
        .iter()
        .filter_map(|call| Some((call.span, repeated(context, units, walk, group, &by_top, call)?)))
        .collect();
    let service_of: HashMap<u32, Sym> = group.iter().map(|c| (c.span, c.service)).collect();
    let question_of: HashMap<u32, Question> = group.iter().map(|c| (c.span, c.question)).collect();
    // Per unit of work, its repeats, in span order so the findings are stable.
    let mut per_unit: BTreeMap<u32, Vec<(u32, u32)>> = BTreeMap::new();
    for (&later, &earlier) in &repeats {
        if let Some(unit) = units.unit(later) {
            per_unit.entry(unit).or_default().push((later, earlier));
        }
    }
    let mut found = Vec::new();
    for (unit, mut pairs) in per_unit {
        pairs.sort_unstable();
        let repeating = super::distinct(pairs.iter().filter_map(|(later, _)| service_of.get(later)));
        let deep_enough = config.min_chain_services.max(2);
        let enough = (repeating as usize) >= config.min_repeating_services.max(1)
            || pairs
                .iter()
                .any(|&(later, _)| chain_services(&repeats, &service_of, later, deep_enough, walk) >= deep_enough);
        if !enough {
            continue;
        }
        let later: Vec<u32> = pairs.iter().map(|&(later, _)| later).collect();
        found.push(Occurrence {
            trace: t,
            unit,
            time: path_time(context, t as usize, unit, &later),
            questions: later.iter().filter_map(|c| question_of.get(c).copied()).collect(),
            repeats: pairs,
        });
    }
    found
}

/// The services down the chain of repeats that ends at `call`: `call`'s,
/// the one it repeats, the one that one repeats, … each counted once, and
/// no more than `enough` (what the threshold asks) or the walk allows.
fn chain_services(
    repeats: &HashMap<u32, u32>,
    service_of: &HashMap<u32, Sym>,
    call: u32,
    enough: usize,
    walk: &mut Walk,
) -> usize {
    let mut services: Vec<Sym> = Vec::new();
    let mut at = Some(call);
    for _ in 0..MAX_DEPTH {
        let Some(c) = at else { break };
        if services.len() >= enough || walk.step().is_none() {
            break;
        }
        if let Some(&service) = service_of.get(&c)
            && !services.contains(&service)
        {
            services.push(service);
        }
        at = repeats.get(&c).copied();
    }
    services.len()
}

/// The time `calls` (and what they called) held on the critical path of
/// their unit of work: a session's unit has its own path, a request trace's
/// root the trace's; a handler that is not its trace's root has none, so
/// there it is their wall-clock union within it.
fn path_time(context: &Context<'_>, t: usize, unit: u32, calls: &[u32]) -> u64 {
    let set = context.set;
    let Some(trace) = context.index.traces.get(t) else {
        return 0;
    };
    let in_session = trace.shape == crate::index::TraceShape::Session;
    if !in_session && trace.root != unit {
        let mut intervals = super::wall_clock::Intervals::default();
        for &c in calls {
            intervals.push_span(set, c);
        }
        let Some(unit) = set.spans.get(unit as usize) else {
            return 0;
        };
        return intervals.union_within(unit.start.0, unit.end().0);
    }
    if in_session {
        super::calls::subtree_time(context, calls, |span| context.session_units().on_path(span))
    } else {
        super::calls::path_time(context, calls)
    }
}

/// The services that called again (below) under each service that had
/// already called (above), with how many repeats each made: busiest first.
type Repeaters<'s> = Vec<(&'s str, Vec<(&'s str, u64)>)>;

fn repeaters<'s>(set: &'s TraceSet, occurrences: &[Occurrence]) -> Repeaters<'s> {
    let service = |s: u32| set.spans.get(s as usize).map_or("", |s| set.str(s.service));
    // Per service above, per service below it, the repeats.
    let mut pairs: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
    for occurrence in occurrences {
        for &(later, earlier) in &occurrence.repeats {
            *pairs
                .entry(service(earlier))
                .or_default()
                .entry(service(later))
                .or_default() += 1;
        }
    }
    let mut groups: Vec<(&str, Vec<(&str, u64)>)> = pairs
        .into_iter()
        .map(|(above, below)| {
            let mut below: Vec<(&str, u64)> = below.into_iter().collect();
            below.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            (above, below)
        })
        .collect();
    groups.sort_by(|a, b| total(&b.1).cmp(&total(&a.1)).then_with(|| a.0.cmp(b.0)));
    groups
}

/// The repeats a group's services below made.
fn total(below: &[(&str, u64)]) -> u64 {
    below.iter().map(|b| b.1).sum()
}

/// "`account` (12 times) and `coreSrv` (11) below `bookie`": who called
/// again, below whom, the busiest hops of a long chain named.
fn who_repeated(groups: &Repeaters<'_>) -> String {
    let mut first = true;
    // A chain of a dozen services is told by its busiest hops.
    let mut shown: Vec<String> = groups
        .iter()
        .take(SHOWN)
        .map(|(above, below)| {
            let mut names: Vec<String> = below
                .iter()
                .take(SHOWN)
                .map(|&(later, count)| {
                    let unit = if first {
                        super::agrees(count, " time", " times")
                    } else {
                        ""
                    };
                    first = false;
                    format!("`{}` ({count}{unit})", super::shown(later))
                })
                .collect();
            if below.len() > SHOWN {
                names.push(format!("{} more", below.len() - SHOWN));
            }
            format!("{} below `{}`", super::join(&names), super::shown(above))
        })
        .collect();
    if groups.len() > SHOWN {
        let more: u64 = groups.iter().skip(SHOWN).map(|(_, below)| total(below)).sum();
        shown.push(format!(
            "{} below {} other services",
            super::counted(more, "call", "calls"),
            groups.len() - SHOWN
        ));
    }
    super::join(&shown)
}

/// What the finding is about, as the report's place and headline name it:
/// the services that call again, the operation they call and where
/// (`` `account`, `coreSrv` → `post /oauth/check_token` in `auth`, below
/// `bookie` ``). The callee's team cannot make its callers ask once; the
/// callers' can. Only names the sentence says ([`who_repeated`]): the
/// busiest group's callers and the service above them.
fn scope(groups: &Repeaters<'_>, operation: &str) -> Option<String> {
    let (above, below) = groups.first()?;
    let named: Vec<String> = below
        .iter()
        .take(SHOWN)
        .map(|(later, _)| format!("`{}`", super::shown(later)))
        .collect();
    let mut callers = named.join(", ");
    if below.len() > SHOWN {
        callers.push_str(&format!(" and {} more", below.len() - SHOWN));
    }
    let others = match groups.len() - 1 {
        0 => String::new(),
        n => format!(" and {}", super::counted(n as u64, "other service", "other services")),
    };
    Some(format!(
        "{callers} → {operation}, below `{}`{others}",
        super::shown(above)
    ))
}

/// How many services a sentence names in a list before "and N more".
const SHOWN: usize = 3;

/// Where the occurrences were, for the sentence ("in 9 of the 11 runs of
/// `post pages/install/page` in `strongman`", or over several units "in 11
/// runs of 3 handlers (9 of the 11 runs of …)"), the requests they are
/// judged against, the endpoint when they are all of one, and what one
/// unit is called ("run", "request").
struct Seen {
    words: String,
    of_requests: u64,
    endpoint: Option<String>,
    noun: &'static str,
}

fn where_seen(context: &Context<'_>, units: &Units, occurrences: &[Occurrence]) -> Seen {
    let set = context.set;
    let mut per_name: BTreeMap<UnitName<'_>, u64> = BTreeMap::new();
    for occurrence in occurrences {
        let name = units.name(context, occurrence.trace as usize, occurrence.unit);
        *per_name.entry(name).or_default() += 1;
    }
    let requests = occurrences.len() as u64;
    let of_requests: u64 = per_name
        .iter()
        .map(|(&name, &n)| units.count(context, name).max(n))
        .sum();
    let (one, many) = super::calls::units_noun(per_name.keys().copied());
    let endpoint = match per_name.keys().next() {
        Some(&UnitName::Endpoint(e)) if per_name.len() == 1 => Some(e.to_owned()),
        _ => None,
    };
    let places = {
        let endpoints = per_name.keys().any(|n| matches!(n, UnitName::Endpoint(_)));
        let handlers = per_name.keys().any(|n| matches!(n, UnitName::Handler(..)));
        match (endpoints, handlers) {
            (true, false) => "endpoints",
            (true, true) => "endpoints and handlers",
            _ => "handlers",
        }
    };
    let mut names: Vec<(UnitName<'_>, u64)> = per_name.into_iter().collect();
    names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let of = |name: UnitName<'_>, n: u64| {
        let all = units.count(context, name).max(n);
        let what = match name {
            UnitName::Endpoint(e) => format!("`{}` {}", super::shown(e), super::agrees(all, "request", "requests")),
            UnitName::Handler(service, name) => format!(
                "{} of `{}` in `{}`",
                super::agrees(all, "run", "runs"),
                super::shown(name),
                super::shown(set.str(service))
            ),
        };
        if all == 1 {
            format!("its one {what}")
        } else {
            format!("{n} of the {all} {what}")
        }
    };
    let words = match names.as_slice() {
        [(name, n)] => format!("in {}", of(*name, *n)),
        [(name, n), ..] => format!(
            "in {} of {} {places} ({})",
            super::counted(requests, one, many),
            names.len(),
            of(*name, *n)
        ),
        [] => String::new(),
    };
    Seen {
        words,
        of_requests: of_requests.max(requests),
        endpoint,
        noun: one,
    }
}

/// The target every repeat of `occurrences` asked for, when they all read
/// one ([`Question::Target`]); `None` when they checked a credential.
fn same_target<'s>(set: &'s TraceSet, occurrences: &[Occurrence]) -> Option<&'s str> {
    let mut questions = occurrences.iter().flat_map(|o| o.questions.iter().copied());
    let Some(Question::Target(first)) = questions.next() else {
        return None;
    };
    questions.all(|q| q == Question::Target(first)).then(|| set.str(first))
}

fn finding(
    context: &Context<'_>,
    units: &Units,
    (service, name): (Sym, Sym),
    occurrences: &[Occurrence],
    overhead: u64,
) -> Finding {
    let set = context.set;
    let repeated: u64 = occurrences.iter().map(|o| o.repeats.len() as u64).sum();
    let all_calls = set
        .spans
        .iter()
        .filter(|s| s.service == service && s.name == name)
        .count() as u64;
    let time: u64 = occurrences.iter().map(|o| o.time).fold(0, u64::saturating_add);
    let unit_time: u64 = occurrences
        .iter()
        .filter_map(|o| set.spans.get(o.unit as usize))
        .map(|s| s.duration.0)
        .fold(0, u64::saturating_add);
    let per_request = super::median(occurrences.iter().map(|o| o.time).collect());
    let share = super::wall_clock::share(time, unit_time);
    let seen = where_seen(context, units, occurrences);
    let groups = repeaters(set, occurrences);
    let operation = format!(
        "`{}` in `{}`",
        super::shown(set.str(name)),
        super::shown(set.str(service))
    );
    let asked = match same_target(set, occurrences) {
        Some(target) => format!("each asked for the same URL (`{}`)", super::shown(target)),
        None => "the calls record no arguments (a token travels in a body or a header), so that each asked what \
                 the call above it asked is read from the chain, not recorded"
            .to_owned(),
    };
    let requests = occurrences.len() as u64;
    let held = if requests == 1 {
        format!(
            "{} on its critical path ({:.0}% of its time){}",
            DurationNs(time),
            share * 100.0,
            overhead_told(overhead),
        )
    } else {
        format!(
            "{} on their critical paths, a median {} a {} ({:.0}% of their time){}",
            DurationNs(time),
            DurationNs(per_request),
            seen.noun,
            share * 100.0,
            overhead_told(overhead),
        )
    };
    let explanation = format!(
        "{operation} is called again below a service that had already called it in the same request: by {}, {repeated} \
         of its {all_calls} calls, {}; {held}; {asked}: make the call once where the request enters and pass its \
         answer (the verified identity or claims) down with the request, or cache it for the request",
        who_repeated(&groups),
        seen.words,
    );
    let mut examples: Vec<&Occurrence> = occurrences.iter().collect();
    examples.sort_by_key(|o| std::cmp::Reverse(o.time));
    Finding {
        detector: NAME,
        // Judged from the impact by the shared rules in `detect`.
        severity: Severity::Info,
        impact: Impact {
            requests,
            traces: Some(super::distinct(occurrences.iter().map(|o| o.trace))),
            failed_requests: 0,
            of_requests: seen.of_requests,
            request_time_share: share,
            time: DurationNs(time),
            data_at_risk: false,
            request_time: DurationNs(0),
        },
        subject: Subject {
            endpoint: seen.endpoint,
            service: set.str(service).to_owned(),
            operation: set.str(name).to_owned(),
            route: None,
            // The callee above only keys it: the callers are who can fix it.
            scope: scope(&groups, &operation),
        },
        explanation,
        evidence: examples
            .iter()
            .take(3)
            .map(|o| Evidence {
                trace_id: context.trace_id(o.trace as usize),
                span_ids: {
                    // Each call above, then the calls that repeat it.
                    let mut spans: Vec<u32> = Vec::new();
                    for &(later, earlier) in o.repeats.iter().take(4) {
                        for s in [earlier, later] {
                            if !spans.contains(&s) {
                                spans.push(s);
                            }
                        }
                    }
                    spans
                        .into_iter()
                        .filter_map(|s| set.spans.get(s as usize).map(|s| s.span_id))
                        .collect()
                },
            })
            .collect(),
    }
}
