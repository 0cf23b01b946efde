//! Failures that met a refusal: a step that failed because a server
//! answered its call with a client error (HTTP 4xx), when the call is not
//! traced into the server's trace, so only time and the status tie them.
//!
//! A server answering 403 has not failed (the caller asked for what it may
//! not have), so the server's span starts no incident; the caller's step that
//! failed on the answer does. A test runner that calls a backend without
//! passing trace context (the Robot Framework capture: its `requests` calls
//! have no spans of their own) leaves two failing steps that say "returned
//! 403" and "403 != 201", and two backend `POST /v2/executions` spans that
//! answered 403 in traces of their own. Told apart, they read as two
//! problems; they are one endpoint refusing the run, twice.
//!
//! **Rule.** An origin is tied to a server span that answered HTTP 4xx when
//! the server span lies within the origin's step (the origin itself, or its
//! parent when that failed with it: a call and the check beside it), is not
//! in the origin's own subtree, and the origin's message holds the status as
//! a number of its own. Incidents too rare for a finding whose origins are
//! all tied to answers of one server operation with one status are said
//! together ([`super::rare`]).

use super::super::Context;
use crate::analysis::failure::HttpStatusKeys;
use crate::intern::Sym;
use crate::model::SpanKind;

/// The server answer an origin failed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Refusal {
    /// The server span's service and name.
    pub service: Sym,
    pub name: Sym,
    /// The HTTP status it answered.
    pub status: i64,
    /// The server span.
    pub span: u32,
}

/// Server spans that answered HTTP 4xx, found once per analysis.
pub(super) struct Answers {
    keys: HttpStatusKeys,
    /// (start, end, span, status), by start.
    refused: Vec<(u64, u64, u32, i64)>,
}

impl Answers {
    pub(super) fn of(context: &Context<'_>) -> Answers {
        let set = context.set;
        let keys = HttpStatusKeys::of(set);
        let mut refused: Vec<(u64, u64, u32, i64)> = set
            .spans
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == SpanKind::Server && s.duration_known() && s.start.0 != 0)
            .filter_map(|(i, s)| {
                let status = keys.code(set, s).filter(|c| (400..500).contains(c))?;
                Some((s.start.0, s.end().0, i as u32, status))
            })
            .collect();
        refused.sort_unstable();
        Answers { keys, refused }
    }

    /// The answer origin span `origin` failed on, with its message `message`.
    pub(super) fn of_origin(&self, context: &Context<'_>, origin: u32, message: &str) -> Option<Refusal> {
        let (set, index) = (context.set, context.index);
        if self.refused.is_empty() {
            return None;
        }
        let span = set.spans.get(origin as usize)?;
        // The step: the origin, or its parent when that failed with it.
        let step = index
            .parent
            .get(origin as usize)
            .copied()
            .flatten()
            .filter(|&p| context.failures.span(p))
            .and_then(|p| set.spans.get(p as usize))
            .filter(|p| p.duration_known())
            .unwrap_or(span);
        let (from, to) = (step.start.0, step.end().0);
        let first = self.refused.partition_point(|&(start, ..)| start < from);
        self.refused
            .get(first..)?
            .iter()
            .take_while(|&&(start, ..)| start <= to)
            .filter(|&&(_, end, server, status)| {
                end <= to && !is_below(context, server, origin) && says_status(message, status)
            })
            .find_map(|&(_, _, server, status)| {
                let server_span = set.spans.get(server as usize)?;
                // Read again through the keys: one status per span.
                (self.keys.code(set, server_span) == Some(status)).then_some(Refusal {
                    service: server_span.service,
                    name: server_span.name,
                    status,
                    span: server,
                })
            })
    }
}

/// Whether `span` lies below `ancestor` (a walk up at most 1024 parents).
fn is_below(context: &Context<'_>, span: u32, ancestor: u32) -> bool {
    let mut at = context.index.parent.get(span as usize).copied().flatten();
    for _ in 0..1024 {
        match at {
            Some(p) if p == ancestor => return true,
            Some(p) => at = context.index.parent.get(p as usize).copied().flatten(),
            None => return false,
        }
    }
    false
}

/// Whether `message` holds `status` as a number of its own ("returned 403:",
/// "403 != 201"), not inside a longer one.
fn says_status(message: &str, status: i64) -> bool {
    message
        .split(|c: char| !c.is_ascii_digit())
        .any(|number| number.parse::<i64>().ok() == Some(status))
}

#[cfg(test)]
mod tests {
    use super::says_status;

    #[test]
    fn a_status_counts_only_as_a_number_of_its_own() {
        assert!(says_status("Execution creation returned 403: {\"detail\"", 403));
        assert!(says_status("Expected status: 403 != 201", 403));
        assert!(!says_status("order 14035 not found", 403));
        assert!(!says_status("Expected status: 404 != 200", 403));
    }
}
