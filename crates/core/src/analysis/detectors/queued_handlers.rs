//! Handlers queued behind each other.
//!
//! **What it detects.** A service whose handlers (requests or messages it
//! answers) start while another of its handlers is running, and then do
//! nothing traced until after that one has ended: work for one entity run one
//! at a time, behind a lock, a queue or an actor
//! ([`super::own_time_cause`]'s "queued behind").
//!
//! **Why it matters.** The waiting handler's time looks like its own work:
//! told as a bottleneck, it sends a team to tune code that does not run. And
//! the waits add up along a chain: in the staging .NET call session, four
//! handlers of one call waited 612–975 ms each, 3.1 s in all, where the
//! handlers that started alone began their work within 10 ms. When the
//! service runs nothing at all between the other's end and the wait's end,
//! the wait is not for that work to finish: a lock retried on a timer, or a
//! fixed delay, is the thing to look at.
//!
//! **Rule.** A span whose first child starts at least [`MIN_WAIT`] after it
//! (and at least half its duration in), that started while a span of
//! another unit of work of the same service was running, which ended before
//! that first child: one wait per unit of work (its longest). Waits are told
//! per service, one finding each, named by its first handler and how many
//! others ("`A` and 3 other handlers in `svc`") when their names differ.
//! Impact: the waits, over the waiting units' durations; severity by the
//! shared rules. Bottleneck leaves these spans to this detector, so one wait
//! is told once.
//!
//! **Example.** In `nimbuscallhandler`, 4 handlers started while another of
//! the service's handlers was running and did nothing traced until after it
//! ended: they waited 612ms–975ms before their first child (3.11s in all,
//! 2.46s of it after the other had ended), with nothing else of the service
//! running meanwhile; their own logs say "Unable to lock document. …", then
//! "Lock acquired. …"; each waited behind the handler that sent it (a lock
//! retried on a timer?): … (the staging .NET capture).

use super::own_time_cause::{self, Cause};
use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::time::{DurationNs, sum_ns};
use std::collections::{BTreeMap, HashMap};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::QueuedHandlers;

/// The shortest wait before a first child that counts: shorter waits are
/// scheduling noise, and a bottleneck below it keeps its plain sentence.
pub(super) const MIN_WAIT: DurationNs = DurationNs(100_000_000);

/// One handler's wait behind another.
struct Wait {
    span: u32,
    other: u32,
    lead: u64,
    after: u64,
    /// Whether nothing else of the service ran between the other's end and the wait's end.
    idle: bool,
}

/// Whether span `i`'s own time is a wait behind another handler that this
/// detector tells (so others leave it alone).
pub(super) fn told_here(context: &Context<'_>, i: u32) -> bool {
    matches!(own_time_cause::beside(context, i), Some(Cause::QueuedBehind { lead, .. }) if lead >= MIN_WAIT.0)
}

/// One finding per service whose handlers waited behind each other.
pub fn detect(context: &Context<'_>) -> Vec<Finding> {
    let set = context.set;
    let units = context.units();
    // The longest wait per unit of work.
    let mut per_unit: HashMap<u32, Wait> = HashMap::new();
    for (i, span) in set.spans.iter().enumerate() {
        let i = i as u32;
        // Cheap checks first: only spans with a long wait before their first child.
        let first_child = context
            .index
            .children_of(i)
            .iter()
            .filter_map(|&c| set.spans.get(c as usize))
            .filter(|c| c.duration_known())
            .map(|c| c.start.0)
            .min();
        let Some(first_child) = first_child else { continue };
        if !span.duration_known() || first_child < span.start.0.saturating_add(MIN_WAIT.0) {
            continue;
        }
        let Some(Cause::QueuedBehind { other, lead, after }) = own_time_cause::beside(context, i) else {
            continue;
        };
        if lead < MIN_WAIT.0 {
            continue;
        }
        let Some(unit) = units.unit(i) else { continue };
        let wait = Wait {
            span: i,
            other,
            lead,
            after,
            idle: idle_between(context, i, other, span.start.0 + lead),
        };
        match per_unit.get(&unit) {
            Some(kept) if kept.lead >= lead => {}
            _ => {
                per_unit.insert(unit, wait);
            }
        }
    }
    let mut by_service: BTreeMap<&str, (Sym, Vec<Wait>)> = BTreeMap::new();
    for wait in per_unit.into_values() {
        let service = set.spans[wait.span as usize].service;
        by_service
            .entry(set.str(service))
            .or_insert_with(|| (service, Vec::new()))
            .1
            .push(wait);
    }
    by_service
        .into_values()
        .map(|(service, waits)| finding(context, service, waits))
        .collect()
}

/// Whether no span of the waiting span's service, other than it, its
/// ancestors and the one it waited behind, ran between `other`'s end and `until`.
fn idle_between(context: &Context<'_>, waiting: u32, other: u32, until: u64) -> bool {
    let set = context.set;
    let (Some(span), Some(behind)) = (set.spans.get(waiting as usize), set.spans.get(other as usize)) else {
        return false;
    };
    let from = behind.end().0;
    let Some(trace) = context.index.traces.get(context.trace_of(waiting) as usize) else {
        return false;
    };
    let mut ancestors: Vec<u32> = Vec::new();
    let mut at = context.index.parent.get(waiting as usize).copied().flatten();
    while let Some(p) = at {
        if ancestors.len() > set.spans.len() || ancestors.contains(&p) {
            break;
        }
        ancestors.push(p);
        at = context.index.parent.get(p as usize).copied().flatten();
    }
    !context.index.spans_of(trace).iter().any(|&o| {
        o != waiting
            && o != other
            && !ancestors.contains(&o)
            && set.spans.get(o as usize).is_some_and(|s| {
                s.service == span.service && s.duration_known() && s.start.0 < until && s.end().0 > from
            })
    })
}

fn finding(context: &Context<'_>, service: Sym, mut waits: Vec<Wait>) -> Finding {
    let set = context.set;
    waits.sort_by_key(|w| std::cmp::Reverse(w.lead));
    let name = |i: u32| crate::analysis::groups::operation_name(set, i);
    let total = sum_ns(waits.iter().map(|w| w.lead));
    let durations = sum_ns(waits.iter().map(|w| set.spans[w.span as usize].duration.0));
    let n = waits.len();
    let idle = waits.iter().filter(|w| w.idle).count();
    let meanwhile = if idle == n {
        ", with nothing else of the service running meanwhile"
    } else if idle > 0 {
        ", in some with nothing else of the service running meanwhile"
    } else {
        ""
    };
    // What the waiting spans' own logs say, when most of them log the wait.
    let logged: Vec<(Sym, Sym)> = waits
        .iter()
        .filter_map(
            |w| match own_time_cause::logged_wait(set, set.spans.get(w.span as usize)?) {
                Some(Cause::LoggedWait { began, ended, .. }) => Some((began, ended)),
                _ => None,
            },
        )
        .collect();
    let quoted = |text: Sym| {
        let text = super::error_hotspot::message::normalise(set.str(text));
        super::error_hotspot::message::shortened(&super::error_hotspot::message::readable(&text), 100)
    };
    let logs = match logged.first() {
        Some(&(began, ended)) if 2 * logged.len() > n => format!(
            "; {} own logs say \"{}\", then \"{}\"",
            if n == 1 { "its" } else { "their" },
            super::shown(&quoted(began)),
            super::shown(&quoted(ended)),
        ),
        _ => String::new(),
    };
    // A handler waiting behind the one that sent its message: the sender
    // holds what its own message's handler needs until it ends.
    let sent = waits
        .iter()
        .filter(|w| own_time_cause::is_ancestor(context, w.other, w.span))
        .count();
    let sent = match sent {
        0 => String::new(),
        k if k == n && n == 1 => "; the handler it waited behind is the one that sent it".to_owned(),
        k if k == n => "; each waited behind the handler that sent it".to_owned(),
        k => format!("; {k} of them waited behind the handler that sent them"),
    };
    let guess = match (idle == n, logs.is_empty()) {
        (true, false) => " (a lock retried on a timer?)",
        (true, true) => " (a lock retried on a timer, or a fixed delay?)",
        _ => " (a lock or a queue that runs them one at a time?)",
    };
    let pairs: Vec<String> = waits
        .iter()
        .take(3)
        .map(|w| {
            format!(
                "`{}` behind `{}`",
                super::shown(&name(w.span)),
                super::shown(&name(w.other))
            )
        })
        .collect();
    let more = n.saturating_sub(pairs.len());
    let pairs = if more > 0 {
        format!("{} and {more} more", pairs.join(", "))
    } else {
        pairs.join(", ")
    };
    let held = held_for(context, &waits, !logs.is_empty());
    let after_total = sum_ns(waits.iter().map(|w| w.after));
    let (counted, wait_words, their) = if n == 1 {
        ("1 handler".to_owned(), "it waited", "its")
    } else {
        (format!("{n} handlers"), "they waited", "their")
    };
    let in_all = if n == 1 {
        format!(", {} of it after the other had ended", DurationNs(after_total))
    } else {
        format!(
            " ({} in all, {} of it after the other had ended)",
            DurationNs(total),
            DurationNs(after_total)
        )
    };
    let explanation = format!(
        "In `{}`, {counted} started while another of the service's handlers was running and did nothing traced \
         until after it ended: {wait_words} {} before {their} first child{in_all}{meanwhile}{logs}{sent}{guess}: \
         {pairs}{held}",
        super::shown(set.str(service)),
        super::duration_range(waits.iter().map(|w| w.lead)),
    );
    let lead = &set.spans[waits[0].span as usize];
    let requests = n as u64;
    Finding {
        detector: NAME,
        severity: Severity::Info,
        impact: Impact {
            requests,
            traces: Some(super::distinct(
                waits.iter().map(|w| set.spans[w.span as usize].trace_id),
            )),
            failed_requests: 0,
            of_requests: requests,
            request_time_share: super::time_share(total, durations),
            time: DurationNs(total),
            data_at_risk: false,
            request_time: DurationNs(0),
        },
        subject: Subject {
            endpoint: None,
            service: set.str(service).to_owned(),
            operation: set.str(lead.name).to_owned(),
            route: None,
            // Handlers of several names are named together, not by the first.
            scope: waits
                .iter()
                .any(|w| set.spans.get(w.span as usize).is_some_and(|s| s.name != lead.name))
                .then(|| {
                    format!(
                        "`{}` and {} in `{}`",
                        super::shown(set.str(lead.name)),
                        super::counted(n as u64 - 1, "other handler", "other handlers"),
                        super::shown(set.str(service))
                    )
                }),
        },
        explanation,
        evidence: evidence(context, &waits),
    }
}

/// "; 2 of the 4 handlers ahead held the lock while waiting on `Client
/// Request: graph…` in `driver`: 450ms of `InputCompleted`'s 554ms, …": what
/// the handlers waited behind spent most of their time on, when it was one
/// remote call (the deepest calls below each, begun while it ran, clipped to
/// it) holding half of it or more; "" when none did. A lock held across a
/// slow call makes the call's time everyone's wait.
fn held_for(context: &Context<'_>, waits: &[Wait], locked: bool) -> String {
    let set = context.set;
    let mut holders: Vec<u32> = waits.iter().map(|w| w.other).collect();
    holders.sort_unstable();
    holders.dedup();
    // Per remote call, the holders it held half of or more: "450ms of `X`'s 554ms".
    let mut by_call: BTreeMap<(Sym, Sym), Vec<String>> = BTreeMap::new();
    for &holder in &holders {
        let Some(span) = set.spans.get(holder as usize) else {
            continue;
        };
        let end = span.end().0;
        let mut calls: BTreeMap<(Sym, Sym), u64> = BTreeMap::new();
        let mut stack: Vec<u32> = context.index.children_of(holder).to_vec();
        while let Some(i) = stack.pop() {
            stack.extend_from_slice(context.index.children_of(i));
            let Some(call) = set.spans.get(i as usize) else {
                continue;
            };
            // The deepest calls, begun while the holder ran, clipped to it.
            if call.kind != crate::model::SpanKind::Client
                || !call.duration_known()
                || call.start.0 < span.start.0
                || call.start.0 >= end
                || has_client_below(context, i)
            {
                continue;
            }
            *calls.entry((call.service, call.name)).or_default() += call.end().0.min(end) - call.start.0;
        }
        if let Some((&key, &time)) = calls.iter().max_by_key(|(_, t)| **t)
            && 2 * time >= span.duration.0
        {
            by_call.entry(key).or_default().push(format!(
                "{} of `{}`'s {}",
                DurationNs(time),
                super::shown(&crate::analysis::groups::operation_name(set, holder)),
                span.duration
            ));
        }
    }
    let Some(((service, name), parts)) = by_call.into_iter().max_by_key(|(_, parts)| parts.len()) else {
        return String::new();
    };
    let who = match (parts.len(), holders.len()) {
        (1, 1) => "the handler ahead".to_owned(),
        (k, n) if k == n => "the handlers ahead".to_owned(),
        (k, n) => format!("{k} of the {n} handlers ahead"),
    };
    // "The lock" only where the waiting handlers' own logs name one.
    let held = if locked { "held the lock" } else { "ran" };
    format!(
        "; {who} {held} while waiting on `{}` in `{}`: {}",
        super::shown(set.str(name)),
        super::shown(set.str(service)),
        parts.join(", ")
    )
}

/// Whether a client span lies anywhere below span `i`.
fn has_client_below(context: &Context<'_>, i: u32) -> bool {
    let mut stack: Vec<u32> = context.index.children_of(i).to_vec();
    while let Some(j) = stack.pop() {
        if context
            .set
            .spans
            .get(j as usize)
            .is_some_and(|s| s.kind == crate::model::SpanKind::Client)
        {
            return true;
        }
        stack.extend_from_slice(context.index.children_of(j));
    }
    false
}

/// Each wait's span and the span it waited behind, grouped by trace: up to three traces.
fn evidence(context: &Context<'_>, waits: &[Wait]) -> Vec<Evidence> {
    let set = context.set;
    let mut evidence: Vec<Evidence> = Vec::new();
    for wait in waits {
        let (Some(span), Some(other)) = (set.spans.get(wait.span as usize), set.spans.get(wait.other as usize)) else {
            continue;
        };
        let at = match evidence.iter().position(|e| e.trace_id == span.trace_id) {
            Some(at) => at,
            None if evidence.len() < 3 => {
                evidence.push(Evidence {
                    trace_id: span.trace_id,
                    span_ids: Vec::new(),
                });
                evidence.len() - 1
            }
            None => continue,
        };
        for id in [span.span_id, other.span_id] {
            if !evidence[at].span_ids.contains(&id) {
                evidence[at].span_ids.push(id);
            }
        }
    }
    evidence
}
