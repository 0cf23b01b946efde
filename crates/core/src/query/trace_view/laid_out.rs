//! Traces kept laid out, so that opening one again, or opening one the
//! engine laid out ahead of the click, skips [`TraceTree::build`]: over a
//! 100,000-span trace that build is most of the time from the click to the
//! painted rows (issue 12).
//!
//! A tree costs about 50 bytes a row, so what is kept is bounded: a few
//! trees, and rows in all. The tree used last is always kept, however big
//! (the trace view is reading it); the others go least recently used first.

use super::TraceTree;
use crate::ids::TraceId;
use crate::index::TraceIndex;
use crate::model::TraceSet;

/// Trees kept at most.
pub const MAX_TREES: usize = 3;
/// Rows kept in all at most (about 50 MB); the tree used last stays even
/// when it alone is bigger.
pub const MAX_ROWS: usize = 1_000_000;

/// Laid-out traces, the most recently used first.
#[derive(Debug)]
pub struct LaidOut {
    trees: Vec<TraceTree>,
    max_trees: usize,
    max_rows: usize,
}

impl Default for LaidOut {
    fn default() -> LaidOut {
        LaidOut::with_budget(MAX_TREES, MAX_ROWS)
    }
}

impl LaidOut {
    /// Keeps at most `max_trees` trees and `max_rows` rows in all (the tree
    /// used last always stays).
    pub fn with_budget(max_trees: usize, max_rows: usize) -> LaidOut {
        LaidOut {
            trees: Vec::new(),
            max_trees: max_trees.max(1),
            max_rows,
        }
    }

    /// Forgets every tree: they index into a set that changed.
    pub fn clear(&mut self) {
        self.trees.clear();
    }

    /// Whether trace `trace_id` is kept laid out.
    pub fn contains(&self, trace_id: TraceId) -> bool {
        self.trees.iter().any(|t| t.trace_id() == trace_id)
    }

    /// The traces kept, the most recently used first.
    pub fn trace_ids(&self) -> impl Iterator<Item = TraceId> + '_ {
        self.trees.iter().map(TraceTree::trace_id)
    }

    /// The tree of trace `trace_id`, laid out now unless kept; it becomes
    /// the most recently used. `None` when the trace is not loaded.
    pub fn open(&mut self, set: &TraceSet, index: &TraceIndex, trace_id: TraceId) -> Option<&TraceTree> {
        match self.trees.iter().position(|t| t.trace_id() == trace_id) {
            Some(at) => {
                // Moved, not rebuilt: the front is what the trace view reads.
                let tree = self.trees.remove(at);
                self.trees.insert(0, tree);
            }
            None => {
                let tree = TraceTree::build(set, index, trace_id)?;
                self.trees.insert(0, tree);
                self.evict();
            }
        }
        self.trees.first()
    }

    /// Lays trace `trace_id` out ahead of a click, as [`LaidOut::open`]
    /// does. Whether it is kept now (not when the trace is not loaded).
    pub fn prepare(&mut self, set: &TraceSet, index: &TraceIndex, trace_id: TraceId) -> bool {
        self.open(set, index, trace_id).is_some()
    }

    /// Drops the least recently used trees beyond the budget, never the
    /// first.
    fn evict(&mut self) {
        let mut rows: usize = self.trees.iter().map(TraceTree::len).sum();
        while self.trees.len() > 1 && (self.trees.len() > self.max_trees || rows > self.max_rows) {
            if let Some(gone) = self.trees.pop() {
                rows -= gone.len();
            }
        }
    }
}
