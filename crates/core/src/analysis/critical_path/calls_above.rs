//! Calls the file parents above the span whose process made them, and
//! answers to calls recorded without their client parented above the span
//! that waited for them.
//!
//! A call is made in its own process. When a process passes on the context
//! of the request it received rather than its own span's, its outbound call
//! hangs under a span of another service above it: Zipkin's yelp capture
//! has `post` from `yelp-main` to `mobile_api` (49.6–105.6 ms) run inside
//! the proxy's `post api proxy proxy` (27.6–116.6 ms), beside the proxy's
//! own cache calls in `yelp-main`, yet parented to `routing`'s request, the
//! proxy's caller. Walked as recorded, the path never reaches the call (it
//! starts after the path has gone down into the proxy), and the proxy's
//! span holds the call's 56 ms as its own time.
//!
//! The walk treats such a call as a child of the span it ran in, when:
//! - it is an outbound call (CLIENT or PRODUCER) with a known duration,
//!   whose parent is a span of another service;
//! - a span below that parent (not the call, nor under it) contains it in
//!   time, and the call's service is that span's process: its own service,
//!   or the service its own outbound children are in (the proxy span is
//!   `yelp_main/api_proxy`, its cache calls `yelp-main`); the innermost such
//!   span is taken;
//! - the call covers half of that span's own time or more (what its
//!   children do not cover), as the bottleneck's account of the same span
//!   says (`detectors::own_time_cause`, "its call hung on its caller's
//!   context").
//!
//! The same holds for the other half of a call recorded without a client
//! span: a SERVER span of another service whose parent is no client, lying
//! inside a span of its parent's process below that parent. jaeger-ui's
//! GenAI test trace parents `invoke_agent triage-agent` (`coding-agent`,
//! 0.003–42.003 s) to `graphql-gateway`'s `Query.assistantReply`, beside the
//! childless `graphql.execution` (0.002–43.002 s) that ran around it: walked
//! as recorded, the path goes down `graphql.execution` and gives its 43 s to
//! a span with no work of its own. Such a server span is walked as the
//! child of the innermost span of the parent's service (no server or
//! consumer: those answer calls, they make none) that contains it, under the
//! same rule of half its own time. A server span whose parent is a client,
//! or whose parent is itself the span around it (`mcp-gateway`'s tool calls
//! under `coding-agent`'s `execute_tool`), is a call as recorded and is left
//! alone.
//!
//! Anything else keeps its recorded parent. Calls whose parent is in their
//! own service (nearly all) are never looked at, so most sets adopt nothing
//! and pay one pass over their spans.

use crate::index::TraceIndex;
use crate::model::{Span, SpanKind, TraceSet};
use std::collections::HashMap;

/// How many spans the search for one call's span may look at: containing
/// spans are few (a path down the tree), so this only ends a pathological
/// search.
const MAX_LOOKS_PER_CALL: usize = 4096;

/// How many spans all searches of a set may look at, per span of the set
/// (and a floor for small sets): the pass stays linear in the set's size
/// whatever its shape (a million calls under one parent of another
/// service); calls past it keep their recorded parents.
const LOOKS_PER_SPAN: usize = 64;
const MIN_LOOKS: usize = 1 << 20;

/// A count of spans still allowed to be looked at.
struct Budget(usize);

impl Budget {
    /// Takes `n` looks, or `None` when fewer are left.
    fn spend(&mut self, n: usize) -> Option<()> {
        self.0 = self.0.checked_sub(n)?;
        Some(())
    }
}

/// The calls the walk places under the span that made them.
#[derive(Default)]
pub(crate) struct CallsAbove {
    /// Per adopted call, the span that made it.
    maker: HashMap<u32, u32>,
    /// Per span, the calls it made that the file parents above it.
    made: HashMap<u32, Vec<u32>>,
}

impl CallsAbove {
    /// Every such call of `set`.
    pub(crate) fn of(set: &TraceSet, index: &TraceIndex) -> CallsAbove {
        let mut found = CallsAbove::default();
        let mut all = Budget(set.spans.len().saturating_mul(LOOKS_PER_SPAN).max(MIN_LOOKS));
        for c in 0..set.spans.len() as u32 {
            let allowed = MAX_LOOKS_PER_CALL.min(all.0);
            let mut budget = Budget(allowed);
            let maker = made_by(set, index, c, &mut budget);
            // What the search looked at, whether it found a span or not.
            all.0 = all.0.saturating_sub(allowed.saturating_sub(budget.0));
            if let Some(maker) = maker {
                found.maker.insert(c, maker);
                found.made.entry(maker).or_default().push(c);
            }
            if all.0 == 0 {
                break;
            }
        }
        found
    }

    /// Whether no call is placed elsewhere (most sets).
    pub(crate) fn is_empty(&self) -> bool {
        self.maker.is_empty()
    }

    /// The span that made call `c`, when the walk places it there.
    pub(crate) fn maker(&self, c: u32) -> Option<u32> {
        self.maker.get(&c).copied()
    }

    /// The calls span `span` made that the file parents above it.
    pub(crate) fn made_by(&self, span: u32) -> &[u32] {
        self.made.get(&span).map_or(&[], Vec::as_slice)
    }
}

/// The span that made call `c`, when the walk places `c` under it rather
/// than under the span of another service the file parents it to.
fn made_by(set: &TraceSet, index: &TraceIndex, c: u32, budget: &mut Budget) -> Option<u32> {
    let call = set.spans.get(c as usize)?;
    if !call.duration_known() {
        return None;
    }
    let parent = index.parent.get(c as usize).copied().flatten()?;
    let above = set.spans.get(parent as usize)?;
    if above.service == call.service {
        return None;
    }
    let maker = match call.kind {
        SpanKind::Client | SpanKind::Producer => Maker::OfCall,
        // A server span under a client is a call as recorded.
        SpanKind::Server if above.kind != SpanKind::Client => Maker::OfAnswer(above.service),
        _ => return None,
    };
    maker_of(set, index, c, call, parent, maker, budget)
}

/// Whose span may have made a call, by the call's kind.
#[derive(Clone, Copy)]
enum Maker {
    /// An outbound call: a span of the call's own process ([`in_process`]).
    OfCall,
    /// A server span recorded without its client: a span of the caller's
    /// service (its recorded parent's) that answers no call itself.
    OfAnswer(crate::intern::Sym),
}

/// The innermost span below `parent` (outside the call's own subtree) that
/// contains `call` in time, that could have made it (`maker`), and half of
/// whose own time or more the call covers; `None` when the budget runs out.
fn maker_of(
    set: &TraceSet,
    index: &TraceIndex,
    c: u32,
    call: &Span,
    parent: u32,
    maker: Maker,
    budget: &mut Budget,
) -> Option<u32> {
    let contains = |s: &Span| s.duration_known() && s.start <= call.start && call.end() <= s.end();
    let mut best: Option<(u32, usize)> = None;
    // (span, depth below the parent); only spans containing the call are
    // descended into: a span that does not contain it cannot have made it.
    let mut stack: Vec<(u32, usize)> = vec![(parent, 0)];
    while let Some((above, depth)) = stack.pop() {
        let children = index.children_of(above);
        budget.spend(children.len())?;
        for &s in children {
            let Some(span) = set.spans.get(s as usize).filter(|span| s != c && contains(span)) else {
                continue;
            };
            let made_here = match maker {
                Maker::OfCall => in_process(set, index, s, span, call, budget)?,
                Maker::OfAnswer(caller) => {
                    span.service == caller && !matches!(span.kind, SpanKind::Server | SpanKind::Consumer)
                }
            };
            if best.is_none_or(|(_, d)| depth + 1 > d) && made_here {
                best = Some((s, depth + 1));
            }
            stack.push((s, depth + 1));
        }
    }
    let (maker, _) = best?;
    budget.spend(index.children_of(maker).len())?;
    let own = crate::analysis::self_time::uncovered(set, index, maker);
    let own_ns: u64 = own.iter().map(|(from, to)| to - from).sum();
    let covered: u64 = own
        .iter()
        .map(|&(from, to)| to.min(call.end().0).saturating_sub(from.max(call.start.0)))
        .sum();
    (own_ns > 0 && 2 * covered >= own_ns).then_some(maker)
}

/// Whether `call`'s service is the process of span `s`: its own service, or
/// that of one of its children that is no server or consumer (those are
/// another process answering it); `None` when the budget runs out.
fn in_process(
    set: &TraceSet,
    index: &TraceIndex,
    s: u32,
    span: &Span,
    call: &Span,
    budget: &mut Budget,
) -> Option<bool> {
    if span.service == call.service {
        return Some(true);
    }
    let children = index.children_of(s);
    budget.spend(children.len())?;
    Some(children.iter().any(|&child| {
        set.spans.get(child as usize).is_some_and(|child| {
            child.service == call.service && !matches!(child.kind, SpanKind::Server | SpanKind::Consumer)
        })
    }))
}
