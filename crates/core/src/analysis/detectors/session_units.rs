//! The units of work inside sessions, measured as requests.
//!
//! A session (see [`crate::index::TraceShape`]) is not one request: a call
//! session answering messages for three minutes under a 1 µs root, a user
//! journey through a dozen pages. Its whole duration is no latency and its
//! root's critical path covers none of the later work, so the per-request
//! latency detectors cannot judge it whole. Inside it, each unit of work (the
//! handler or request a span belongs to, see [`super::calls::Units`]) is a
//! request in all but name: it started on a message or a call and answered
//! it. Here each gets its own critical path, walked from the unit's span as
//! if it were a root ([`crate::analysis::critical_path::on_path_times_from`]),
//! so a bottleneck is judged against the unit it delays, never against the
//! session.
//!
//! Found once per analysis, and only for traces that are sessions: request
//! traces keep their trace-wide critical path, and data without sessions
//! allocates nothing.

use super::Context;
use crate::index::TraceShape;
use crate::time::DurationNs;

/// One unit of work inside a session.
pub(super) struct SessionUnit {
    /// The unit's own span: its handler, request or root.
    pub span: u32,
    /// The trace it is in (an index into the index's traces).
    pub trace: usize,
    /// Its spans, a range of [`SessionUnits::members`].
    members: std::ops::Range<usize>,
    /// Its critical path's length: the unit's duration when fully traced.
    pub path_total: u64,
}

/// Every unit of work of every session, with its critical path.
pub(super) struct SessionUnits {
    /// The units, in trace order, then by their span's start.
    pub units: Vec<SessionUnit>,
    /// The spans of each unit, unit after unit.
    members: Vec<u32>,
    /// Per span, its time on its unit's critical path (empty without sessions).
    on_path: Vec<DurationNs>,
}

impl SessionUnits {
    /// The units of every session trace of `context`.
    pub(super) fn of(context: &Context<'_>) -> SessionUnits {
        let (set, index) = (context.set, context.index);
        let mut none = SessionUnits {
            units: Vec::new(),
            members: Vec::new(),
            on_path: Vec::new(),
        };
        if !index.traces.iter().any(|t| t.shape == TraceShape::Session) {
            return none;
        }
        let units = context.units();
        // (trace, unit, span) for every span of a session, grouped by unit.
        let mut spans: Vec<(usize, u32, u32)> = Vec::new();
        for (t, trace) in index.traces.iter().enumerate() {
            if trace.shape != TraceShape::Session {
                continue;
            }
            spans.extend(
                index
                    .spans_of(trace)
                    .iter()
                    .filter_map(|&i| Some((t, units.unit(i)?, i))),
            );
        }
        spans.sort_unstable_by_key(|&(t, unit, i)| (t, set.spans.get(unit as usize).map(|s| s.start), unit, i));
        // A unit whose duration is unknown has no path to speak of.
        spans.retain(|&(_, unit, _)| set.spans.get(unit as usize).is_some_and(|s| s.duration_known()));
        let roots: Vec<u32> = {
            let mut roots: Vec<u32> = spans.iter().map(|&(_, unit, _)| unit).collect();
            roots.dedup();
            roots
        };
        none.on_path = crate::analysis::critical_path::on_path_times_from(set, index, &roots);
        let mut at = 0;
        while let Some(&(trace, span, _)) = spans.get(at) {
            let end = at
                + spans[at..]
                    .iter()
                    .take_while(|&&(t, u, _)| (t, u) == (trace, span))
                    .count();
            let path_total = spans[at..end]
                .iter()
                .map(|&(_, _, i)| none.on_path.get(i as usize).map_or(0, |d| d.0))
                .fold(0u64, u64::saturating_add);
            none.units.push(SessionUnit {
                span,
                trace,
                members: at..end,
                path_total,
            });
            at = end;
        }
        none.members = spans.into_iter().map(|(_, _, i)| i).collect();
        none
    }

    /// The spans of `unit`, its own span among them.
    pub(super) fn spans(&self, unit: &SessionUnit) -> &[u32] {
        self.members.get(unit.members.clone()).unwrap_or(&[])
    }

    /// Span `i`'s time on its unit's critical path.
    pub(super) fn on_path(&self, i: u32) -> u64 {
        self.on_path.get(i as usize).map_or(0, |d| d.0)
    }
}
