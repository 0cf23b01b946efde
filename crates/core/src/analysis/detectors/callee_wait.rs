//! How long a remote call waited outside the server span it reached: what
//! chatty calls (the wait in front of a repeated call's callee) and call
//! overhead (calls on a route that wait a fixed time outside their callee) both read.
//!
//! ```text
//! call     |==========================|   bookie POST /oauth/check_token, 20.33 ms
//! server             |====|               auth post /oauth/check_token, 3.47 ms
//!          ^^^^^^^^^^      ^^^^^^^^^^^^   outside: 16.87 ms (10.93 before + 5.94 after)
//! ```
//!
//! Only a call whose server span lies within it (starting no earlier, ending
//! at most [`END_TOLERANCE_NS`] later) is measured: a server outside its call
//! is clock skew between the hosts, or a call that did not wait for its
//! answer (a one-way send), and either way its gaps say nothing about a wait.
//! The time outside is the call's duration less the server's: each is timed
//! on its own host, so no offset between the two clocks enters it; only the
//! split into before and after depends on the clocks agreeing.

use super::Context;
use crate::model::SpanKind;

/// How far a server span may end after its call and still count as within
/// it: clocks of two hosts agree to about a millisecond at best.
const END_TOLERANCE_NS: u64 = 1_000_000;

/// A call's wait outside the server span it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CalleeWait {
    /// The server span the call reached (a child in another service).
    pub server: u32,
    /// The call's duration.
    pub call_ns: u64,
    /// From the call's start to the server span's start.
    pub before_ns: u64,
    /// The call's duration less the server span's: before and after it.
    pub outside_ns: u64,
}

/// The wait of call `call` outside the traced server span it reached, when
/// the call and that server are both timed and the server lies within the
/// call; `None` otherwise (no traced callee, skew, a one-way call).
pub(super) fn of(context: &Context<'_>, call: u32) -> Option<CalleeWait> {
    let set = context.set;
    let span = set
        .spans
        .get(call as usize)
        .filter(|s| s.duration_known() && s.duration.0 > 0)?;
    let (server_at, server) = context.index.children_of(call).iter().find_map(|&child| {
        set.spans
            .get(child as usize)
            .filter(|s| s.kind == SpanKind::Server && s.service != span.service && s.duration_known())
            .map(|s| (child, s))
    })?;
    if server.start < span.start || server.end().0 > span.end().0.saturating_add(END_TOLERANCE_NS) {
        return None;
    }
    Some(CalleeWait {
        server: server_at,
        call_ns: span.duration.0,
        before_ns: server.start.0 - span.start.0,
        outside_ns: span.duration.0.saturating_sub(server.duration.0),
    })
}
