//! Conditional reads that only some of a service's work made: a cache's
//! refresh that came due, not a read on every use.
//!
//! A client that caches what it reads asks again with a conditional request
//! and hears 304 Not Modified while its copy is current. Made on every use,
//! that is a cache that never trusts itself (the .NET capture's RavenDB
//! document loads, in 8 of the 10 requests `organization-unit-manager`
//! answered). Made in one handler among many of the same service, it is a
//! refresh on a timer run inline: the .NET `collector` asked Azure App
//! Configuration ten times (its `Nimbus.RefreshSentinel` among them) in 1 of
//! the 14 messages it handled. Then the cost is one handler's delay per
//! refresh interval, shared by all the service's work, and the fix is to
//! refresh off the handler's path.

use super::Context;
use crate::intern::Sym;
use crate::model::SpanKind;
use std::collections::BTreeSet;

/// How far up a call's handler is looked for.
const MAX_DEPTH: usize = 1024;

/// The calls were made in at most this share of the service's handlers.
const FEW: f64 = 0.25;

/// A service needs this many handlers for a share of them to mean anything.
const MIN_HANDLED: u64 = 4;

/// The requests and messages a service handled, and those that made the calls.
pub(super) struct Refresh {
    /// Handlers (SERVER or CONSUMER spans of the service) that made the calls.
    pub made_in: u64,
    /// All the service's handlers with a known duration.
    pub handled: u64,
    /// Their durations, added up.
    pub handled_ns: u64,
    /// What they were: "requests", "messages", or "requests and messages".
    pub noun: &'static str,
}

/// When `calls` (remote calls of `service`) were made in only a few of the
/// requests and messages `service` handled, how few; `None` otherwise, or
/// when the service handled too few for a share to say anything.
pub(super) fn made_in_few(context: &Context<'_>, service: Sym, calls: &[u32]) -> Option<Refresh> {
    let (set, index) = (context.set, context.index);
    let is_handler = |i: u32| {
        set.spans.get(i as usize).is_some_and(|s| {
            s.service == service && matches!(s.kind, SpanKind::Server | SpanKind::Consumer) && s.duration_known()
        })
    };
    let (mut handled, mut handled_ns, mut requests, mut messages) = (0u64, 0u64, false, false);
    for (i, span) in set.spans.iter().enumerate() {
        if is_handler(i as u32) {
            handled += 1;
            handled_ns = handled_ns.saturating_add(span.duration.0);
            requests |= span.kind == SpanKind::Server;
            messages |= span.kind == SpanKind::Consumer;
        }
    }
    // Each call's handler: the nearest handler of the service above it.
    let mut made_in: BTreeSet<u32> = BTreeSet::new();
    for &call in calls {
        let mut at = index.parent.get(call as usize).copied().flatten();
        for _ in 0..MAX_DEPTH {
            match at {
                Some(p) if is_handler(p) => {
                    made_in.insert(p);
                    break;
                }
                Some(p) => at = index.parent.get(p as usize).copied().flatten(),
                None => break,
            }
        }
    }
    let made_in = made_in.len() as u64;
    let few = handled >= MIN_HANDLED && made_in > 0 && (made_in as f64) <= FEW * handled as f64;
    few.then_some(Refresh {
        made_in,
        handled,
        handled_ns,
        noun: match (requests, messages) {
            (true, true) => "requests and messages",
            (false, true) => "messages",
            _ => "requests",
        },
    })
}
