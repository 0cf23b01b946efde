//! Self time: the part of a span's duration not covered by any of its
//! children, i.e. time the operation spent in its own code (or waiting on
//! something it did not trace).
//!
//! ```text
//! parent   |==========================|   100 ms
//! child A      |======|                    30 ms
//! child B          |========|              40 ms (overlaps A)
//! child C                          |=======>  runs past the parent's end
//!          ^^^^                ^^^^^       self time: what no child covers
//! ```
//!
//! Children are clipped to the parent's interval and overlapping children
//! count once, so self time is never negative and never exceeds the duration.
//!
//! A span whose duration is unknown ([`crate::model::Span::duration_known`])
//! has no self time to speak of: it gets 0 here and is left out of the
//! statistics that read self times. As a child it covers nothing, since what
//! it covered is not known.
//!
//! **Own work or waiting.** A CLIENT span whose call reached a traced server
//! (it has a SERVER child with a known duration) did no work of its own while
//! the call was out: the time its server child does not cover (before the
//! server span starts and after it ends) is time *between* caller and callee:
//! the network, a queue or a proxy in front of the callee, the callee's
//! framework before its span opens, or clock skew between the two hosts. Its
//! self time is exactly that gap: it is kept (it is real time the request
//! waited), but labelled as [`SelfTimeSplit::wait`], never as own work; the
//! same holds for its time on the critical path. Detectors ask
//! [`waits_on_callee`] or [`split`] before they call a span's self time "its
//! own work". A client span with no traced server child (a database, an
//! untraced service) keeps its self time as its own: the call itself is all
//! that is known of the remote work.
//!
//! ```text
//! client   |==========================|   frontend HTTP GET, 70.2 ms
//! server       |===================|       route HTTP GET /route, 66.7 ms
//!          ^^^^                     ^^^   wait: 2.6 ms before + 0.96 ms after
//! ```

use crate::index::TraceIndex;
use crate::model::{SpanKind, TraceSet};
use crate::time::DurationNs;

/// A span's self time (or time on the critical path), split into its own
/// work and the wait between it and a traced callee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SelfTimeSplit {
    /// Time the span's own code ran (or an untraced callee worked).
    pub own_work: DurationNs,
    /// Time between caller and callee: network, queue, proxy, skew.
    pub wait: DurationNs,
}

/// Whether span `span` is a CLIENT span whose call reached a traced SERVER
/// span (a child with a known duration): then its self time is waiting, not
/// work. O(children of the span).
pub fn waits_on_callee(set: &TraceSet, index: &TraceIndex, span: u32) -> bool {
    set.spans.get(span as usize).is_some_and(|s| s.kind == SpanKind::Client)
        && index.children_of(span).iter().any(|&c| {
            set.spans
                .get(c as usize)
                .is_some_and(|child| child.kind == SpanKind::Server && child.duration_known())
        })
}

/// Whether a traced SERVER child of span `span` does not lie within it (it
/// starts before the span or ends after it): the two hosts' clocks disagree
/// (Zipkin's client and server halves of one span ID, 65 ms apart), so the
/// span's time around its callee measures the skew, not a wait.
pub fn callee_outside(set: &TraceSet, index: &TraceIndex, span: u32) -> bool {
    let Some(caller) = set.spans.get(span as usize).filter(|s| s.duration_known()) else {
        return false;
    };
    index.children_of(span).iter().any(|&c| {
        set.spans.get(c as usize).is_some_and(|child| {
            child.kind == SpanKind::Server
                && child.duration_known()
                && (child.start < caller.start || child.end() > caller.end())
        })
    })
}

/// `time` (span `span`'s self time or its time on the critical path) as own
/// work or wait: all wait for a span that [`waits_on_callee`], all own work otherwise.
pub fn split(set: &TraceSet, index: &TraceIndex, span: u32, time: DurationNs) -> SelfTimeSplit {
    if waits_on_callee(set, index, span) {
        SelfTimeSplit {
            own_work: DurationNs(0),
            wait: time,
        }
    } else {
        SelfTimeSplit {
            own_work: time,
            wait: DurationNs(0),
        }
    }
}

/// Self time of every span, by span index.
pub fn self_times(set: &TraceSet, index: &TraceIndex) -> Vec<DurationNs> {
    (0..set.spans.len() as u32).map(|i| self_time(set, index, i)).collect()
}

/// Self time of span `span` (0 when its duration is unknown). O(children).
pub fn self_time(set: &TraceSet, index: &TraceIndex, span: u32) -> DurationNs {
    let Some(parent) = set.spans.get(span as usize).filter(|s| s.duration_known()) else {
        return DurationNs(0);
    };
    let covered: u64 = uncovered_and_covered(set, index, span, parent, |_, _| {});
    DurationNs(parent.duration.0 - covered.min(parent.duration.0))
}

/// The stretches of span `span` that none of its children covers (children
/// clipped to the span, overlaps merged), as (start, end) in nanoseconds:
/// its self time, laid out in time. Empty when its duration is unknown.
pub fn uncovered(set: &TraceSet, index: &TraceIndex, span: u32) -> Vec<(u64, u64)> {
    let mut stretches = Vec::new();
    if let Some(parent) = set.spans.get(span as usize).filter(|s| s.duration_known()) {
        uncovered_and_covered(set, index, span, parent, |from, to| stretches.push((from, to)));
    }
    stretches
}

/// Sweeps the children of `span` (in start order) once, telling `gap` each
/// uncovered stretch, and returns the time they cover.
fn uncovered_and_covered(
    set: &TraceSet,
    index: &TraceIndex,
    span: u32,
    parent: &crate::model::Span,
    mut gap: impl FnMut(u64, u64),
) -> u64 {
    let (start, end) = (parent.start.0, parent.end().0);
    let mut covered = 0u64;
    let mut reach = start;
    // Children come in start order, so one sweep merges their intervals.
    for &child in index.children_of(span) {
        let Some(child) = set.spans.get(child as usize).filter(|c| c.duration_known()) else {
            continue;
        };
        let (child_start, child_end) = (child.start.0.clamp(start, end), child.end().0.clamp(start, end));
        if child_end <= reach {
            continue;
        }
        if child_start > reach {
            gap(reach, child_start);
        }
        covered += child_end - child_start.max(reach);
        reach = child_end;
    }
    if reach < end {
        gap(reach, end);
    }
    covered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::{Tree, build};

    #[test]
    fn overlapping_and_overrunning_children_count_once() {
        // The picture in the module docs, in milliseconds.
        let (set, index) = build(&[
            Tree {
                id: 1,
                parent: None,
                start: 0,
                end: 100,
            },
            Tree {
                id: 2,
                parent: Some(1),
                start: 10,
                end: 40,
            },
            Tree {
                id: 3,
                parent: Some(1),
                start: 25,
                end: 65,
            },
            Tree {
                id: 4,
                parent: Some(1),
                start: 85,
                end: 130,
            },
        ]);
        let times = self_times(&set, &index);
        let of = |id: u64| times[set.spans.iter().position(|s| s.span_id.get() == id).unwrap()];
        // Covered: 10..65 (55 ms) and 85..100 (15 ms) → 30 ms of self time.
        assert_eq!(of(1), DurationNs(30_000_000));
        assert_eq!(of(2), DurationNs(30_000_000), "a leaf's self time is its duration");
    }
}
