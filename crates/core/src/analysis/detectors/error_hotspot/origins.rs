//! Where each error starts: failing spans with no failing descendant.
//!
//! A span between two failing spans may have no status of its own (an Envoy
//! sidecar's span, an uninstrumented hop): looking only at direct children
//! would make both ends origins and count the same failed request twice. A
//! failing span above another failing span only passes the error on.
//!
//! Two passes per trace that has a failed span, each O(spans):
//! 1. from every failing span up, mark its ancestors as having a failing
//!    descendant (stopping at the first already marked);
//! 2. from the roots down, carry what each span has above it: how many
//!    failing spans (counted again from zero below a span whose status
//!    says OK: it handled the error), the highest of them, whether the trace's request span is
//!    among them (is the span part of the request), and whether one of its
//!    failing ancestors, or itself, was retried (followed by a later call of
//!    the same service and operation under the same parent that succeeded
//!    and asked the same thing: a retry as `retries::is_retry` says), and
//!    the nearest span above that handled it (its status OK).

use super::super::Context;
use crate::intern::Sym;
use crate::model::StatusCode;
use std::collections::HashMap;

/// One place an error started.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    /// The trace, by index in `index.traces`.
    pub trace: usize,
    /// The failing span.
    pub span: u32,
    /// Whether it lies in its trace's request: the entry span (else the root) or below it.
    pub in_request: bool,
    /// Whether that request failed, so failed because of it.
    pub failed_request: bool,
    /// Failing spans above it: how far the error climbed.
    pub climbed: u32,
    /// The highest failing span above it, if any.
    pub top: Option<u32>,
    /// Whether it, or a failing span above it, was retried with success.
    pub retried: bool,
    /// The message entry it lies in, when it is in a message rather than
    /// its trace's request (see `messages.rs`; set after the walk).
    pub message: Option<u32>,
    /// The nearest span above it that set its status to OK: it handled the
    /// error (Robot Framework's `Run Keyword And Return Status`).
    pub handler: Option<u32>,
}

/// What a span has above it, carried from the roots down.
#[derive(Clone, Copy, Default)]
struct Above {
    failing: u32,
    top: Option<u32>,
    in_request: bool,
    retried: bool,
    handler: Option<u32>,
}

/// Every origin of every failed span, in trace order.
pub fn origins(context: &Context<'_>) -> Vec<Origin> {
    let (set, index, failures) = (context.set, context.index, context.failures);
    let failing_traces: Vec<usize> = (0..index.traces.len())
        .filter(|&t| failures.spans_in_trace(t) > 0)
        .collect();
    if failing_traces.is_empty() {
        return Vec::new();
    }
    let n = set.spans.len();
    let mut has_failing_below = vec![false; n];
    let mut above = vec![Above::default(); n];
    let mut stack: Vec<u32> = Vec::new();
    let mut succeeded_later: HashMap<(Sym, Sym), Vec<u32>> = HashMap::new();
    let slack = super::super::retries::Config::default().start_slack;
    let mut origins = Vec::new();
    for t in failing_traces {
        let Some(trace) = index.traces.get(t) else { continue };
        let spans = index.spans_of(trace);
        let parent = |i: u32| index.parent.get(i as usize).copied().flatten();
        for &i in spans.iter().filter(|&&i| failures.span(i)) {
            let mut at = parent(i);
            // Bounded by the trace's size, so a parent cycle in bad data cannot loop.
            for _ in 0..spans.len() {
                let Some(p) = at else { break };
                match has_failing_below.get_mut(p as usize) {
                    Some(mark) if !*mark => *mark = true,
                    _ => break,
                }
                at = parent(p);
            }
        }
        let request = context.entries.get(t).copied().flatten().unwrap_or(trace.root);
        stack.clear();
        for &root in spans.iter().filter(|&&i| parent(i).is_none()) {
            if let Some(slot) = above.get_mut(root as usize) {
                *slot = Above {
                    in_request: root == request,
                    ..Above::default()
                };
            }
            stack.push(root);
        }
        // Each span has one parent, so walking down from the roots visits it
        // at most once; spans caught in a parent cycle are never reached.
        while let Some(node) = stack.pop() {
            let here = above.get(node as usize).copied().unwrap_or_default();
            let node_failed = failures.span(node);
            // A span that set its status to OK handled what failed below it
            // (Robot Framework's `Run Keyword And Return Status`): an error
            // does not climb past it, so a failing span above is another
            // error's, not this one's. Unset statuses (proxies) pass it on.
            let handled = !node_failed && set.spans.get(node as usize).is_some_and(|s| s.status == StatusCode::Ok);
            let carried = if handled {
                Above {
                    failing: 0,
                    top: None,
                    handler: Some(node),
                    ..here
                }
            } else {
                Above {
                    failing: here.failing + u32::from(node_failed),
                    top: here.top.or(node_failed.then_some(node)),
                    ..here
                }
            };
            let children = index.children_of(node);
            let any_failed = children.iter().any(|&c| failures.span(c));
            succeeded_later.clear();
            // Latest first, so each failed call knows whether a later one succeeded.
            for &child in children.iter().rev() {
                let Some(span) = set.spans.get(child as usize) else {
                    continue;
                };
                let key = (span.service, span.name);
                let failed = failures.span(child);
                // A retry as the retries detector sees one (same request asked
                // again), so an error is either a retry it reports or an
                // origin here: SmartThings' 404 from `get` to one URL was
                // dropped as "retried" by a later `get` to another.
                let retried_here = failed
                    && succeeded_later.get(&key).is_some_and(|later| {
                        later
                            .iter()
                            .any(|&next| super::super::retries::is_retry(set, child, next, slack))
                    });
                if any_failed && !failed {
                    succeeded_later.entry(key).or_default().push(child);
                }
                if let Some(slot) = above.get_mut(child as usize) {
                    *slot = Above {
                        in_request: carried.in_request || child == request,
                        retried: carried.retried || retried_here,
                        ..carried
                    };
                }
                stack.push(child);
            }
            if node_failed && !has_failing_below.get(node as usize).copied().unwrap_or(true) {
                let in_request = here.in_request;
                origins.push(Origin {
                    trace: t,
                    span: node,
                    in_request,
                    failed_request: in_request && failures.request(t),
                    climbed: here.failing,
                    top: here.top,
                    retried: here.retried,
                    message: None,
                    handler: here.handler,
                });
            }
        }
    }
    origins
}
