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

use crate::index::TraceIndex;
use crate::model::TraceSet;
use crate::time::DurationNs;

/// Self time of every span, by span index.
pub fn self_times(set: &TraceSet, index: &TraceIndex) -> Vec<DurationNs> {
    (0..set.spans.len())
        .map(|i| {
            let span = &set.spans[i];
            if !span.duration_known() {
                return DurationNs(0);
            }
            let (start, end) = (span.start.0, span.end().0);
            let mut covered = 0u64;
            let mut reach = start;
            // Children come in start order, so one sweep merges their intervals.
            for &child in index.children_of(i as u32) {
                let child = &set.spans[child as usize];
                if !child.duration_known() {
                    continue;
                }
                let (child_start, child_end) = (child.start.0.clamp(start, end), child.end().0.clamp(start, end));
                if child_end <= reach {
                    continue;
                }
                covered += child_end - child_start.max(reach);
                reach = child_end;
            }
            DurationNs(span.duration.0 - covered.min(span.duration.0))
        })
        .collect()
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
