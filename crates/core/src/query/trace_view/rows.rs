//! A page of a trace's visible rows, and what the trace's header says.

use super::minimap::{MiniBar, minimap};
use super::placement::{OperationDurations, Placement};
use super::tree::TraceTree;
use crate::analysis::self_time::uncovered;
use crate::ids::{SpanId, TraceId};
use crate::index::TraceIndex;
use crate::model::{SpanKind, TraceSet};
use crate::time::{DurationNs, TimestampNs};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Most rows one page holds.
pub const MAX_ROWS: u32 = 2_000;

/// Stretches (with no child running, or on the critical path) drawn per bar at most (the longest).
const MAX_GAPS: usize = 8;

/// Which rows the page wants.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RowsQuery {
    /// Rows whose subtrees are folded.
    pub collapsed: Vec<u32>,
    /// Only the spans the critical path goes through.
    pub critical_only: bool,
    /// A row to make visible: its folded ancestors unfold (a search match,
    /// a finding's evidence). Ignored when it is off the critical path and
    /// only that is shown.
    pub reveal: Option<u32>,
    /// First visible row wanted.
    pub offset: u32,
    /// How many (at most [`MAX_ROWS`]).
    pub limit: u32,
    /// Also send the minimap of the visible rows (when they changed).
    pub minimap: bool,
}

/// The rows asked for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RowsPage {
    /// The rows, in order.
    pub rows: Vec<SpanRow>,
    /// Position of the first row among the visible ones.
    pub offset: u32,
    /// How many rows are visible.
    pub visible: u32,
    /// The folded rows after `reveal` unfolded some.
    pub collapsed: Vec<u32>,
    /// Where the revealed row is among the visible ones.
    pub revealed_at: Option<u32>,
    /// The minimap of the visible rows, when asked for.
    pub minimap: Option<Vec<MiniBar>>,
}

/// One span as a row of the waterfall. Times are from the trace's start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpanRow {
    /// The row's number in the whole tree (stable while the trace is open).
    pub row: u32,
    /// Nesting depth (0 for a top span).
    pub depth: u32,
    /// Its parent's row (`None` for a top span).
    pub parent: Option<u32>,
    /// Spans in its subtree below it.
    pub descendants: u32,
    /// Whether its subtree is folded.
    pub folded: bool,
    /// The span.
    pub span_id: SpanId,
    /// The service that emitted it.
    pub service: String,
    /// The span (operation) name.
    pub name: String,
    /// Its role in a call.
    pub kind: SpanKind,
    /// When it starts, from the trace's start.
    pub start: DurationNs,
    /// `None` when unknown (no end, or no start).
    pub duration: Option<DurationNs>,
    /// Time no child covers.
    pub self_time: DurationNs,
    /// Stretches no child covers (only for a span with children), the longest few.
    pub gaps: Vec<Gap>,
    /// Time on the critical path; `on_path` also tells whether the path goes through it.
    pub path_time: DurationNs,
    /// Where in time it held the critical path, from the trace's start, in
    /// time order (the longest few when there are many).
    pub path: Vec<Gap>,
    /// Whether the critical path goes through it.
    pub on_path: bool,
    /// Whether it failed (see `analysis::failure`).
    pub failed: bool,
    /// Where its duration sits among its operation's.
    pub placement: Option<Placement>,
    /// How far it lies outside its parent in time, if it does.
    pub skew: Option<Skew>,
}

/// Keeps the [`MAX_GAPS`] longest of `stretches` (in time order), which a
/// bar can draw.
fn longest_in_order(stretches: &mut Vec<Gap>) {
    if stretches.len() > MAX_GAPS {
        stretches.sort_by_key(|g| std::cmp::Reverse(g.length));
        stretches.truncate(MAX_GAPS);
        stretches.sort_by_key(|g| g.start);
    }
}

/// A stretch of a span's time, from the trace's start: one with no child
/// running, or one on the critical path.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// When it starts, from the trace's start.
    pub start: DurationNs,
    /// How long.
    pub length: DurationNs,
}

/// A child placed outside its parent in time: clocks of two hosts that
/// disagree (or a child that really outlived its parent, e.g. fire and forget).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Skew {
    /// How long before its parent's start it starts.
    pub before_parent: DurationNs,
    /// How long after its parent's end it ends.
    pub after_parent: DurationNs,
}

/// What the waterfall's header shows about the trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceHeader {
    /// The trace.
    pub trace_id: TraceId,
    /// When it starts, from the trace's start.
    pub start: TimestampNs,
    /// End to end (0 when no span has a time).
    pub duration: DurationNs,
    /// How many spans.
    pub spans: u32,
    /// Deepest row + 1.
    pub depth: u32,
    /// Services in order of first appearance.
    pub services: Vec<String>,
    /// Whether it failed (see `analysis::failure`).
    pub failed: u32,
    /// Spans the critical path goes through.
    pub on_path: u32,
    /// Spans starting before their parent (what the index counts as skew).
    pub skewed: u32,
    /// Rows of the span IDs asked for (a finding's evidence), in tree order.
    pub focus: Vec<u32>,
}

impl TraceTree {
    /// The header, with the rows of `focus` (span IDs not in the trace are left out).
    pub fn header(&self, set: &TraceSet, focus: &[SpanId]) -> TraceHeader {
        let mut services: Vec<String> = Vec::new();
        let mut seen = BTreeSet::new();
        for row in &self.rows {
            let service = set.spans[row.span as usize].service;
            if seen.insert(service) {
                services.push(set.str(service).to_owned());
            }
        }
        let wanted: BTreeSet<SpanId> = focus.iter().copied().collect();
        let focus = (0..self.rows.len() as u32)
            .filter(|&r| wanted.contains(&set.spans[self.rows[r as usize].span as usize].span_id))
            .collect();
        TraceHeader {
            trace_id: self.trace_id,
            start: self.start,
            duration: self.duration(),
            spans: self.rows.len() as u32,
            depth: self.rows.iter().map(|r| r.depth + 1).max().unwrap_or(0),
            services,
            failed: self.rows.iter().filter(|r| r.failed).count() as u32,
            on_path: self.rows.iter().filter(|r| r.path).count() as u32,
            skewed: (0..self.rows.len() as u32)
                .filter(|&r| self.skew(set, r).is_some_and(|s| s.before_parent.0 > 0))
                .count() as u32,
            focus,
        }
    }

    /// The page of visible rows `query` asks for.
    pub fn rows(
        &self,
        set: &TraceSet,
        index: &TraceIndex,
        durations: &OperationDurations,
        query: &RowsQuery,
    ) -> RowsPage {
        let mut collapsed: Vec<u32> = query.collapsed.clone();
        if let Some(reveal) = query.reveal {
            collapsed.retain(|&c| c == reveal || !self.within(reveal, c));
        }
        collapsed.sort_unstable();
        collapsed.dedup();
        let visible = self.visible(&collapsed, query.critical_only);
        let revealed_at = query
            .reveal
            .and_then(|r| visible.binary_search(&r).ok())
            .map(|at| at as u32);
        let offset = query.offset.min(visible.len() as u32);
        let limit = query.limit.min(MAX_ROWS);
        let rows = visible
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|&r| self.row(set, index, durations, r, collapsed.binary_search(&r).is_ok()))
            .collect();
        RowsPage {
            rows,
            offset,
            visible: visible.len() as u32,
            minimap: query.minimap.then(|| minimap(self, set, &visible)),
            collapsed,
            revealed_at,
        }
    }

    fn row(&self, set: &TraceSet, index: &TraceIndex, durations: &OperationDurations, r: u32, folded: bool) -> SpanRow {
        let row = &self.rows[r as usize];
        let span = &set.spans[row.span as usize];
        let offset = |t: u64| DurationNs(t.saturating_sub(self.start.0));
        let mut gaps: Vec<Gap> = if index.children_of(row.span).is_empty() {
            Vec::new()
        } else {
            uncovered(set, index, row.span)
                .into_iter()
                .map(|(from, to)| Gap {
                    start: offset(from),
                    length: DurationNs(to - from),
                })
                .collect()
        };
        longest_in_order(&mut gaps);
        let (from, to) = row.path_stretches;
        let mut path: Vec<Gap> = self.path[from as usize..to as usize]
            .iter()
            .map(|&(_, from, to)| Gap {
                start: offset(from),
                length: DurationNs(to - from),
            })
            .collect();
        path.sort_by_key(|g| g.start);
        longest_in_order(&mut path);
        SpanRow {
            row: r,
            depth: row.depth,
            parent: row.parent,
            descendants: row.end - r - 1,
            folded,
            span_id: span.span_id,
            service: set.str(span.service).to_owned(),
            name: set.str(span.name).to_owned(),
            kind: span.kind,
            start: offset(span.start.0),
            duration: span.known_duration(),
            self_time: row.self_time,
            gaps,
            path_time: row.on_path,
            path,
            on_path: row.path,
            failed: row.failed,
            placement: durations.place(span),
            skew: self.skew(set, r),
        }
    }

    /// How far row `r` lies outside its parent in time, if it does.
    pub(super) fn skew(&self, set: &TraceSet, r: u32) -> Option<Skew> {
        let row = self.rows.get(r as usize)?;
        let parent = &set.spans[self.rows.get(row.parent? as usize)?.span as usize];
        let span = &set.spans[row.span as usize];
        if !span.duration_known() || !parent.duration_known() {
            return None;
        }
        let skew = Skew {
            before_parent: parent.start.saturating_since(span.start),
            after_parent: span.end().saturating_since(parent.end()),
        };
        (skew != Skew::default()).then_some(skew)
    }
}
