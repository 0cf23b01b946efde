//! One trace as the rows of a waterfall: its spans in depth-first order,
//! children by start, each with its depth, its parent row and where its
//! subtree ends, so collapsing a row skips a range and the visible rows are
//! one pass over the tree.
//!
//! Spans with no parent in the trace (the root, orphans whose parent is not
//! loaded) are top rows in start order. Spans on a parent cycle (A→B→A in
//! bad data) are reached by no top: each becomes a top row in turn, and a
//! span is never placed twice, so a cycle cannot loop.

use crate::analysis::critical_path::on_path_stretches;
use crate::analysis::failure::FailureCheck;
use crate::analysis::self_time::self_time;
use crate::ids::TraceId;
use crate::index::TraceIndex;
use crate::model::TraceSet;
use crate::time::{DurationNs, TimestampNs};

/// One row of the tree.
#[derive(Clone, Debug)]
pub(super) struct Row {
    /// The span, by index in [`TraceSet::spans`].
    pub span: u32,
    pub depth: u32,
    /// The parent's row, for a span whose parent is in the trace.
    pub parent: Option<u32>,
    /// One past the last row of this row's subtree.
    pub end: u32,
    /// Time on the trace's critical path.
    pub on_path: DurationNs,
    /// Its stretches on the path: `path[from..to]` of [`TraceTree::path`].
    pub path_stretches: (u32, u32),
    /// Whether the critical path goes through this span (its time on it
    /// may be 0 when children cover all of it).
    pub path: bool,
    pub self_time: DurationNs,
    pub failed: bool,
}

/// A trace laid out as rows; built when the trace is opened and kept while
/// it is shown.
#[derive(Clone, Debug)]
pub struct TraceTree {
    pub(super) trace_id: TraceId,
    pub(super) start: TimestampNs,
    pub(super) end: TimestampNs,
    pub(super) rows: Vec<Row>,
    /// The critical path's stretches, (span, from, to) sorted by span.
    pub(super) path: Vec<(u32, u64, u64)>,
}

impl TraceTree {
    /// The tree of trace `trace_id`; `None` when it is not loaded.
    pub fn build(set: &TraceSet, index: &TraceIndex, trace_id: TraceId) -> Option<TraceTree> {
        let trace = index.traces.iter().find(|t| t.trace_id == trace_id)?;
        let spans = index.spans_of(trace);
        // Stretches of the path grouped by span, so each row finds its own.
        let mut path = on_path_stretches(set, index, trace.root);
        path.sort_unstable();
        let stretches_of = |span: u32| {
            let from = path.partition_point(|s| s.0 < span);
            let to = path.partition_point(|s| s.0 <= span);
            (from as u32, to as u32)
        };
        let check = FailureCheck::new(set);
        let mut rows: Vec<Row> = Vec::with_capacity(spans.len());
        // Which spans have a row, by span index: one byte per span of the set,
        // as the critical path walk above also allocates.
        let mut placed = vec![false; set.spans.len()];
        let tops = spans.iter().copied().filter(|&s| index.parent[s as usize].is_none());
        // Tops first, then whatever they did not reach (cycles), in start order.
        let mut stack: Vec<(u32, u32, Option<u32>)> = Vec::new();
        for top in tops.chain(spans.iter().copied()) {
            if placed[top as usize] {
                continue;
            }
            stack.push((top, 0, None));
            while let Some((span, depth, parent)) = stack.pop() {
                if std::mem::replace(&mut placed[span as usize], true) {
                    continue;
                }
                let row = rows.len() as u32;
                let s = &set.spans[span as usize];
                let stretches = stretches_of(span);
                let on = DurationNs(
                    path[stretches.0 as usize..stretches.1 as usize]
                        .iter()
                        .map(|s| s.2 - s.1)
                        .sum(),
                );
                rows.push(Row {
                    span,
                    depth,
                    parent,
                    end: row + 1,
                    on_path: on,
                    path_stretches: stretches,
                    path: on.0 > 0,
                    self_time: self_time(set, index, span),
                    failed: check.failed(set, s),
                });
                // Reversed, so the earliest child is popped (placed) first.
                for &child in index.children_of(span).iter().rev() {
                    if !placed[child as usize] {
                        stack.push((child, depth + 1, Some(row)));
                    }
                }
            }
        }
        close_subtrees(&mut rows);
        mark_path_ancestors(&mut rows);
        // A trace with no timed span starts at 0 (the index leaves it there).
        let start = trace.start;
        Some(TraceTree {
            trace_id,
            start,
            end: trace.end.max(start),
            rows,
            path,
        })
    }

    /// The trace shown.
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// How many rows (spans) it has.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// End to end.
    pub fn duration(&self) -> DurationNs {
        self.end.saturating_since(self.start)
    }

    /// Whether row `row` is inside the subtree of row `ancestor` (or is it).
    pub(super) fn within(&self, row: u32, ancestor: u32) -> bool {
        self.rows
            .get(ancestor as usize)
            .is_some_and(|a| (ancestor..a.end).contains(&row))
    }

    /// The rows shown with these rows collapsed (their subtrees hidden),
    /// and with only the critical path if asked, in order.
    pub(super) fn visible(&self, collapsed: &[u32], critical_only: bool) -> Vec<u32> {
        let mut folded = vec![false; self.rows.len()];
        for &row in collapsed {
            if let Some(f) = folded.get_mut(row as usize) {
                *f = true;
            }
        }
        let mut shown = Vec::with_capacity(self.rows.len());
        let mut at = 0usize;
        while at < self.rows.len() {
            let row = &self.rows[at];
            if critical_only && !row.path {
                at = row.end as usize;
                continue;
            }
            shown.push(at as u32);
            at = if folded[at] { row.end as usize } else { at + 1 };
        }
        shown
    }
}

/// Sets each row's `end`: a row's subtree ends at the next row that is no
/// deeper than it.
fn close_subtrees(rows: &mut [Row]) {
    let mut open: Vec<usize> = Vec::new();
    for at in 0..rows.len() {
        let depth = rows[at].depth;
        while let Some(&top) = open.last() {
            if rows[top].depth < depth {
                break;
            }
            rows[top].end = at as u32;
            open.pop();
        }
        open.push(at);
    }
    for top in open {
        rows[top].end = rows.len() as u32;
    }
}

/// The path goes through every ancestor of a span with time on it, even one
/// whose children cover all of its time.
fn mark_path_ancestors(rows: &mut [Row]) {
    for at in (0..rows.len()).rev() {
        if rows[at].path
            && let Some(parent) = rows[at].parent
        {
            rows[parent as usize].path = true;
        }
    }
}
