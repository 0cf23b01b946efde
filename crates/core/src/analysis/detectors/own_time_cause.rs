//! What a span's own time was, when the rest of its service says.
//!
//! A span's own time (what its children do not cover) reads as its own code
//! running. Three shapes in recorded traces say otherwise; the first two show
//! only beside the other spans of the same service in the same trace:
//!
//! - **Queued behind another unit of work.** The span started while a span
//!   of another request or message of its service (another unit of work,
//!   [`super::calls::Units`]) was running, and did nothing traced until after
//!   that one ended: most of its own time is a wait before its first child.
//!   Work for one entity run one at a time (a lock, a queue, an actor). The
//!   other must have been running for more than a millisecond after it
//!   started: handlers that follow each other overlap by a rounding. The
//!   staging .NET capture: 4 handlers of one call that started while another
//!   was running waited 612–975 ms before their first child, 378–863 ms past
//!   the other's end; the EntryPoints that started alone reached theirs
//!   within 10 ms.
//! - **Its work traced under another parent.** A span of the same service
//!   started inside it, ended with it (within 2% of its duration, at least
//!   1 ms) and covers most of its own time, but hangs under a parent that had
//!   already ended when it started, or under none: an async hand-off that
//!   carried an older context, so the work left the span's subtree. The .NET
//!   capture: `RonaTimerTicked` (128 ms, own time 122 ms) and
//!   `EntryPoint - RonaMessage` (122 ms, under a `NewCall` marker that had
//!   ended 28 s before), 6 ms apart and ending together.
//! - **Its call hung on its caller's context.** An outbound call (CLIENT or
//!   PRODUCER) of its process (its service, or the service its own children
//!   are in) ran inside it, outside its subtree, and covers half its own time
//!   or more, but the file parents the call to a span of another service
//!   above it: a call is made in its own process, so its parent there is
//!   lost, and the incoming request's context was passed on instead of the
//!   span's. Zipkin's yelp capture: `post api proxy proxy` (88.9 ms, own
//!   time 84.1 ms) runs 56 ms of `post` from `yelp-main` to `mobile_api`,
//!   which hangs under `routing`'s request, the proxy's caller.
//! - **A wait its own log records.** The span logged that it began waiting
//!   (an event naming a wait for a lock, a queue, a pool or a semaphore) and,
//!   later, that it got it ("acquired", "granted", "obtained"): the time
//!   between is a wait, whatever ran meanwhile. HotROD's `SQL SELECT` (1.38 s)
//!   logs "Waiting for lock behind 4 transactions", then 1.07 s later
//!   "Acquired lock with 0 transactions waiting behind": the query is not
//!   slow, the requests queue for a lock. This one is read first: a span's own
//!   word beats what its neighbours suggest.
//!
//! The first two look at one span against its trace's spans: detectors ask
//! only for the few spans they are about to report.

use super::Context;
use crate::intern::Sym;
use crate::model::{Span, SpanKind};

/// Why a span's own time is not its own work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cause {
    /// It waited behind `other` (another unit's span of the same service):
    /// nothing traced for its first `lead` ns, `after` ns of it after
    /// `other` ended.
    QueuedBehind { other: u32, lead: u64, after: u64 },
    /// Its work is `other`, a span of the same service traced under a parent
    /// that had ended (or none); `covered` ns of its own time.
    TracedElsewhere { other: u32, covered: u64 },
    /// `other`, an outbound call of its process that ran inside it, is
    /// parented to a span of another service above it; `covered` ns of its
    /// own time of `own` ns.
    CallAbove { other: u32, covered: u64, own: u64 },
    /// It logged `began` (a wait for a lock, a queue, …), then `ended` (it
    /// got it) `waited` ns later: event names, as the span's log gives them.
    LoggedWait { began: Sym, ended: Sym, waited: u64 },
}

impl Cause {
    /// The other span the cause names, if any.
    pub(super) fn other(self) -> Option<u32> {
        match self {
            Cause::QueuedBehind { other, .. }
            | Cause::TracedElsewhere { other, .. }
            | Cause::CallAbove { other, .. } => Some(other),
            Cause::LoggedWait { .. } => None,
        }
    }
}

/// How long the other handler must still have been running when the
/// waiting one started: less is timestamps rounded to the millisecond.
const MIN_OVERLAP_NS: u64 = 1_000_000;

/// Words of an event that says a wait began: a wait (or block) for one of
/// the things requests queue for.
const WAIT_WORDS: [&str; 6] = ["waiting", "wait for", "blocked", "unable to", "could not", "failed to"];
const WAITED_FOR: [&str; 6] = ["lock", "queue", "pool", "semaphore", "connection", "mutex"];
/// Words of an event that says the wait ended.
const GOT_WORDS: [&str; 4] = ["acquired", "granted", "obtained", "got lock"];

/// The wait span `span`'s own events record, if one began and later ended.
pub(super) fn logged_wait(set: &crate::model::TraceSet, span: &Span) -> Option<Cause> {
    // What an event says: its `message` (the .NET capture's logs: "Unable
    // to lock document. …", in events a Jaeger log without `event` names
    // `log`), else its name (HotROD's `event`: "Waiting for lock …").
    let message_keys: Vec<Sym> = ["message", "msg", "log.message"]
        .iter()
        .filter_map(|k| set.strings.get(k))
        .collect();
    let text_of = |e: &crate::model::Event| -> Option<Sym> {
        set.attributes(e.attributes)
            .iter()
            .find_map(|a| match a.value {
                crate::model::AttrValue::Str(text) if message_keys.contains(&a.key) => Some(text),
                _ => None,
            })
            .or_else(|| Some(e.name).filter(|&name| !set.str(name).trim().is_empty()))
    };
    let says = |text: Sym, words: &[&str]| {
        let text = set.str(text).to_ascii_lowercase();
        words.iter().any(|w| text.contains(w))
    };
    let events = set.events_of(span);
    let (began_at, began) = events.iter().find_map(|e| {
        let text = text_of(e)?;
        (says(text, &WAIT_WORDS) && says(text, &WAITED_FOR)).then_some((e.time, text))
    })?;
    let (ended_at, ended) = events.iter().find_map(|e| {
        let text = text_of(e)?;
        (e.time >= began_at && text != began && says(text, &GOT_WORDS)).then_some((e.time, text))
    })?;
    let waited = ended_at.0.checked_sub(began_at.0)?;
    (waited > 0).then_some(Cause::LoggedWait { began, ended, waited })
}

/// The cause of span `i`'s own time, when one of the three shapes fits:
/// what its own log says first.
pub(super) fn of(context: &Context<'_>, i: u32) -> Option<Cause> {
    let span = context.set.spans.get(i as usize).filter(|s| s.duration_known())?;
    logged_wait(context.set, span).or_else(|| beside(context, i))
}

/// The cause of span `i`'s own time that its service's other spans show
/// (queued behind one, its work traced under another parent, or its call
/// parented above it).
pub(super) fn beside(context: &Context<'_>, i: u32) -> Option<Cause> {
    let set = context.set;
    let span = set.spans.get(i as usize).filter(|s| s.duration_known())?;
    let stretches = crate::analysis::self_time::uncovered(set, context.index, i);
    let own: u64 = stretches.iter().map(|(from, to)| to - from).sum();
    if own == 0 {
        return None;
    }
    let trace = context.index.traces.get(context.trace_of(i) as usize)?;
    let same_service = context
        .index
        .spans_of(trace)
        .iter()
        .copied()
        .filter(|&o| o != i)
        .filter_map(|o| Some((o, set.spans.get(o as usize)?)))
        .filter(|(_, o)| o.service == span.service && o.duration_known());
    // The wait before the first child, when the span has children at all.
    let lead = stretches
        .first()
        .filter(|&&(from, to)| from == span.start.0 && to < span.end().0)
        .map(|&(from, to)| to - from);
    let mut queued: Option<(u32, &Span)> = None;
    let mut elsewhere: Option<(u32, u64)> = None;
    for (o, other) in same_service {
        if let Some(lead) = lead.filter(|&lead| 2 * lead >= span.duration.0) {
            let first_child = span.start.0 + lead;
            // Running when it started by more than a rounding: Kafka's
            // handlers of one poll follow each other with 0.1 ms of overlap.
            let waited_behind = other.start < span.start
                && other.end().0 > span.start.0.saturating_add(MIN_OVERLAP_NS)
                && other.end().0 <= first_child
                && !matches!(other.kind, SpanKind::Client | SpanKind::Producer)
                // Its own message's sender counts: a handler that published
                // the message, then held the lock until it ended.
                && another_unit(context, i, o);
            if waited_behind && queued.is_none_or(|(q, best)| later_or_closer(context, span, other, best, o, q)) {
                queued = Some((o, other));
            }
        }
        let tolerance = (span.duration.0 / 50).max(1_000_000);
        let ends_with_it =
            other.start >= span.start && other.end() <= span.end() && other.end().0 + tolerance >= span.end().0;
        if ends_with_it && detached(context, o) && !is_ancestor(context, i, o) && !is_ancestor(context, o, i) {
            let covered = overlap(&stretches, other.start.0, other.end().0);
            if 2 * covered >= own && elsewhere.is_none_or(|(_, best)| covered > best) {
                elsewhere = Some((o, covered));
            }
        }
    }
    if let Some((other, covered)) = elsewhere {
        return Some(Cause::TracedElsewhere { other, covered });
    }
    if let Some(cause) = call_above(context, i, &stretches, own) {
        return Some(cause);
    }
    let (other, behind) = queued?;
    let lead = lead?;
    Some(Cause::QueuedBehind {
        other,
        lead,
        after: (span.start.0 + lead).saturating_sub(behind.end().0),
    })
}

/// The outbound call of span `i`'s process that covers half its own time or
/// more (the longest such) and is parented to a span of another service
/// above `i`. `stretches` are `i`'s own time, `own` ns in all.
fn call_above(context: &Context<'_>, i: u32, stretches: &[(u64, u64)], own: u64) -> Option<Cause> {
    let (set, index) = (context.set, context.index);
    let span = set.spans.get(i as usize)?;
    // The services its process writes under: its own, and its children's
    // (yelp's proxy span is `yelp_main/api_proxy`, its cache calls `yelp-main`).
    let mut process: Vec<Sym> = vec![span.service];
    process.extend(index.children_of(i).iter().filter_map(|&c| {
        let child = set.spans.get(c as usize)?;
        (!matches!(child.kind, SpanKind::Server | SpanKind::Consumer)).then_some(child.service)
    }));
    let trace = index.traces.get(context.trace_of(i) as usize)?;
    let mut best: Option<(u32, u64)> = None;
    for &o in index.spans_of(trace) {
        let Some(call) = set.spans.get(o as usize) else {
            continue;
        };
        let inside = call.duration_known() && call.start >= span.start && call.end() <= span.end();
        if o == i
            || !inside
            || !matches!(call.kind, SpanKind::Client | SpanKind::Producer)
            || !process.contains(&call.service)
        {
            continue;
        }
        let Some(parent) = index.parent.get(o as usize).copied().flatten() else {
            continue;
        };
        let hung_above = parent != i
            && set
                .spans
                .get(parent as usize)
                .is_some_and(|p| p.service != call.service)
            && is_ancestor(context, parent, i);
        if !hung_above {
            continue;
        }
        let covered = overlap(stretches, call.start.0, call.end().0);
        if 2 * covered >= own && best.is_none_or(|(_, b)| covered > b) {
            best = Some((o, covered));
        }
    }
    best.map(|(other, covered)| Cause::CallAbove { other, covered, own })
}

/// Whether `candidate` should replace `best` as the span waited behind: it
/// ended later, or as late (within 1 ms) and inside it (the handler's own
/// span, `EntryPoint - PlayMediaCompleted`, not the message span around it),
/// or else with a name closer to the waiting span's.
fn later_or_closer(
    context: &Context<'_>,
    span: &Span,
    candidate: &Span,
    best: &Span,
    candidate_index: u32,
    best_index: u32,
) -> bool {
    let (c, b) = (candidate.end().0, best.end().0);
    if c.abs_diff(b) > 1_000_000 {
        return c > b;
    }
    if is_ancestor(context, best_index, candidate_index) {
        return true;
    }
    if is_ancestor(context, candidate_index, best_index) {
        return false;
    }
    let set = context.set;
    let name = set.str(span.name);
    let shared = |other: &Span| common_prefix(name, set.str(other.name));
    (shared(candidate), std::cmp::Reverse(candidate_index)) > (shared(best), std::cmp::Reverse(best_index))
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Whether spans `a` and `b` belong to different units of work (requests or
/// messages): spans of one request running side by side are a fan-out, not a queue.
fn another_unit(context: &Context<'_>, a: u32, b: u32) -> bool {
    let units = context.units();
    match (units.unit(a), units.unit(b)) {
        (Some(x), Some(y)) => x != y,
        _ => false,
    }
}

/// Whether `above` is `below` or one of its ancestors.
pub(super) fn is_ancestor(context: &Context<'_>, above: u32, below: u32) -> bool {
    let mut at = Some(below);
    // A parent cycle in bad data ends the walk after as many steps as spans.
    for _ in 0..=context.set.spans.len() {
        match at {
            Some(span) if span == above => return true,
            Some(span) => at = context.index.parent.get(span as usize).copied().flatten(),
            None => return false,
        }
    }
    false
}

/// Whether span `o` hangs under no parent, or under one that had ended
/// before it started: async work whose context came from elsewhere.
fn detached(context: &Context<'_>, o: u32) -> bool {
    let set = context.set;
    let Some(span) = set.spans.get(o as usize) else {
        return false;
    };
    match context.index.parent.get(o as usize).copied().flatten() {
        None => true,
        Some(p) => set
            .spans
            .get(p as usize)
            .is_some_and(|parent| parent.duration_known() && parent.end() <= span.start),
    }
}

/// Time of `stretches` inside `[from, to)`.
fn overlap(stretches: &[(u64, u64)], from: u64, to: u64) -> u64 {
    stretches
        .iter()
        .map(|&(a, b)| b.min(to).saturating_sub(a.max(from)))
        .sum()
}
