//! Wall-clock time held by a set of spans: the UNION of their intervals, so
//! ten calls running at once over 5 ms hold 5 ms, not 50 ms, and a share of a
//! request can never pass 100%. Also how the spans were laid out in time
//! (one after another, or up to N at once), which the sentences report.
//!
//! ```text
//! window      |------------------------------|          10 ms
//! calls         |==|  |=====|                       one after another: 2 + 4 = 6 ms
//! calls         |=====|                             up to 3 at once:
//!                 |======|                          union 1–8 = 7 ms, not 5+6+3
//!                    |==|
//! ```

use crate::model::TraceSet;

/// Intervals `[start, end)` in nanoseconds, gathered then measured. Kept by a
/// detector and cleared between uses, so measuring allocates nothing.
#[derive(Default)]
pub(super) struct Intervals {
    spans: Vec<(u64, u64)>,
}

/// How a set of spans sat in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Layout {
    /// No two overlapped.
    OneAfterAnother,
    /// At most this many (2 or more) ran at the same moment.
    AtOnce(usize),
}

impl Layout {
    /// "one after another" / "up to 10 at once".
    pub(super) fn words(self) -> String {
        match self {
            Layout::OneAfterAnother => "one after another".to_owned(),
            Layout::AtOnce(n) => format!("up to {n} at once"),
        }
    }

    /// The wider of two layouts (the most concurrency seen).
    pub(super) fn max(self, other: Layout) -> Layout {
        match (self, other) {
            (Layout::AtOnce(a), Layout::AtOnce(b)) => Layout::AtOnce(a.max(b)),
            (Layout::AtOnce(a), _) | (_, Layout::AtOnce(a)) => Layout::AtOnce(a),
            _ => Layout::OneAfterAnother,
        }
    }
}

impl Intervals {
    /// Empties the set for the next measurement.
    pub(super) fn clear(&mut self) {
        self.spans.clear();
    }

    /// Adds span `i`'s interval (spans without a start time are left out: they have no place in time).
    pub(super) fn push_span(&mut self, set: &TraceSet, i: u32) {
        if let Some(span) = set.spans.get(i as usize)
            && span.start.0 != 0
        {
            self.spans.push((span.start.0, span.end().0));
        }
    }

    /// Adds the interval `[start, end)` (an empty one adds nothing).
    pub(super) fn push(&mut self, start: u64, end: u64) {
        if start < end {
            self.spans.push((start, end));
        }
    }

    /// The length of the union of the intervals, clipped to `[from, to)`.
    pub(super) fn union_within(&mut self, from: u64, to: u64) -> u64 {
        self.spans.sort_unstable();
        let mut total = 0u64;
        let mut current: Option<(u64, u64)> = None;
        for &(start, end) in &self.spans {
            let (start, end) = (start.max(from), end.min(to));
            if end <= start {
                continue;
            }
            current = match current {
                Some((s, e)) if start <= e => Some((s, e.max(end))),
                Some((s, e)) => {
                    total = total.saturating_add(e - s);
                    Some((start, end))
                }
                None => Some((start, end)),
            };
        }
        if let Some((s, e)) = current {
            total = total.saturating_add(e - s);
        }
        total
    }

    /// The most intervals running at one moment, as a layout. Intervals that
    /// merely touch (one ends as the next starts) ran one after another; so do
    /// intervals overlapping by less than a millisecond when every start is a
    /// whole millisecond (a clock that rounds starts, as some Java agents'
    /// do, makes a call appear to begin before the previous one ended).
    ///
    /// Once they did run at once, the count is of the times as recorded:
    /// the tolerance is only for telling one after another from at once.
    /// Fifty pipelined Redis reads with starts rounded to +0, +1 and +2 ms,
    /// all running at +2.0 ms, read "up to 43 at once" with it.
    pub(super) fn layout(&mut self) -> Layout {
        self.spans.sort_unstable();
        const MS: u64 = 1_000_000;
        let rounded = self.spans.iter().all(|(start, _)| start % MS == 0);
        let at_once = |tolerance: u64| {
            // Ends of the intervals still running, as a min-heap.
            let mut running = std::collections::BinaryHeap::new();
            let mut most = 0usize;
            for &(start, end) in &self.spans {
                while running
                    .peek()
                    .is_some_and(|&std::cmp::Reverse(e)| e <= start.saturating_add(tolerance))
                {
                    running.pop();
                }
                running.push(std::cmp::Reverse(end));
                most = most.max(running.len());
            }
            most
        };
        let beyond_rounding = at_once(if rounded { MS } else { 0 });
        if beyond_rounding < 2 {
            Layout::OneAfterAnother
        } else if rounded {
            Layout::AtOnce(at_once(0))
        } else {
            Layout::AtOnce(beyond_rounding)
        }
    }
}

/// Of a span with no child, the time no concurrent sibling covers: what
/// its parent spent on it alone. A sibling running beside it explains the
/// rest from the parent's point of view (the GenAI capture's childless
/// `graphql.execution` beside the agent call that does the work). `None`
/// for a span with children or without a parent.
pub(super) fn alone_time(context: &super::Context<'_>, i: u32) -> Option<u64> {
    let (set, index) = (context.set, context.index);
    if !index.children_of(i).is_empty() {
        return None;
    }
    let parent = index.parent.get(i as usize).copied().flatten()?;
    let span = set.spans.get(i as usize)?;
    let mut siblings = Intervals::default();
    for &sibling in index.children_of(parent).iter().filter(|&&c| c != i) {
        siblings.push_span(set, sibling);
    }
    let covered = siblings.union_within(span.start.0, span.end().0);
    Some(span.duration.0.saturating_sub(covered))
}

/// `part` as a share of `whole` (0 when there is no whole). Never above 1 when
/// `part` is a union clipped to the window `whole` measures.
pub(super) fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(spans: &[(u64, u64)]) -> Intervals {
        Intervals { spans: spans.to_vec() }
    }

    #[test]
    fn overlapping_calls_count_once_and_are_clipped_to_the_window() {
        assert_eq!(of(&[(1, 3), (4, 8)]).union_within(0, 10), 6);
        assert_eq!(of(&[(1, 6), (2, 8), (4, 6)]).union_within(0, 10), 7);
        // Ten calls of 23 ms at once in a 5 ms window hold the window, not 230 ms.
        let at_once: Vec<(u64, u64)> = (0..10).map(|_| (0, 23)).collect();
        assert_eq!(of(&at_once).union_within(2, 7), 5);
        assert_eq!(of(&[(20, 30)]).union_within(0, 10), 0);
    }

    #[test]
    fn layout_says_whether_they_overlapped() {
        assert_eq!(of(&[(1, 3), (3, 8)]).layout(), Layout::OneAfterAnother);
        assert_eq!(of(&[(1, 6), (2, 8), (4, 6), (9, 10)]).layout(), Layout::AtOnce(3));
        // Starts rounded to whole milliseconds: 0.4 ms of overlap is rounding, 2 ms is not.
        let ms = 1_000_000;
        assert_eq!(
            of(&[(118 * ms, 118 * ms + 500_000), (118 * ms, 118 * ms + 400_000)]).layout(),
            Layout::OneAfterAnother
        );
        assert_eq!(
            of(&[(118 * ms, 121 * ms), (119 * ms, 122 * ms)]).layout(),
            Layout::AtOnce(2)
        );
        // Running at once beyond the rounding: then counted as recorded
        // (10 calls started at +0 ms, 10 at +1 ms, all still running at
        // +1.1 ms: 20 at once, not the 10 the tolerance leaves).
        let overlapping: Vec<(u64, u64)> = (0..20)
            .map(|n| ((118 + n / 10) * ms, 119 * ms + 100_000 + n * 10))
            .collect();
        assert_eq!(of(&overlapping).layout(), Layout::AtOnce(20));
        assert_eq!(Layout::AtOnce(3).words(), "up to 3 at once");
        assert_eq!(Layout::OneAfterAnother.max(Layout::AtOnce(2)), Layout::AtOnce(2));
    }
}
