//! Links spans into traces: groups them by trace ID across all files (a trace
//! split across files or batches becomes one trace), resolves parents, and
//! counts what does not fit (duplicate IDs, orphans, children starting before
//! their parent, traces without a root). Also tells a trace that is one
//! request from one that is not ([`TraceShape`]).

use crate::ids::{SpanId, TraceId};
use crate::model::{StatusCode, TraceSet};
use crate::time::{DurationNs, TimestampNs};
use hashbrown::HashMap;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// One trace: a group of spans with the same trace ID.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Its ID.
    pub trace_id: TraceId,
    /// Its spans as a range of [`TraceIndex::order`] (sorted by start time).
    pub spans: Range<u32>,
    /// The span shown as the trace's root: the earliest span without a parent
    /// ID, else (no true root) the earliest span whose parent is missing.
    pub root: u32,
    /// False when every span has a parent ID, so `root` is a stand-in.
    pub has_root: bool,
    /// Earliest start among spans with a start time.
    pub start: TimestampNs,
    /// Latest known end: among spans with a start and a duration (a span
    /// whose duration is unknown counts as the instant it started).
    pub end: TimestampNs,
    /// Spans with an error status.
    pub error_count: u32,
    /// One request, or a session or stream that is not.
    pub shape: TraceShape,
}

/// Whether a trace is one request, whose duration is a latency, or not.
///
/// - **Session**: most of the trace happens after its root ended (at least
///   [`SESSION_MIN_SPANS`] spans, and more than half of the timed spans below
///   the root, start at or after the root's end). A login that is followed by
///   minutes of a user's clicks under the same trace ID (the SmartThings
///   capture: a 37 ms root, 943 of 957 spans later, 306 s in all), or a job
///   that follows from a short call (FOLLOWS_FROM chains: a 5 ms root, a 43 s
///   trace). Its end-to-end duration is user think time, not a latency.
/// - **Streaming**: the root is a streaming RPC: at least
///   [`STREAM_MIN_MESSAGES`] OpenTelemetry `message` events of one
///   `message.type` (`SENT` or `RECEIVED`) on it, where a unary call has one
///   of each. It lasts as long as the stream stays open.
///
/// Neither is kept in latency statistics (endpoint percentiles) nor in the
/// slowest-trace list; the analysis counts them instead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceShape {
    /// One request: its duration is a latency.
    #[default]
    Request,
    /// Work that mostly happens after the root ended.
    Session,
    /// A streaming call that stays open.
    Streaming,
}

/// Spans that must start after the root ended for a trace to be a session.
pub const SESSION_MIN_SPANS: usize = 3;

/// `message` events of one type that make the root a streaming call.
pub const STREAM_MIN_MESSAGES: usize = 3;

impl Trace {
    /// End-to-end duration: latest end minus earliest start.
    pub fn duration(&self) -> DurationNs {
        self.end.saturating_since(self.start)
    }

    /// How many spans it has.
    pub fn span_count(&self) -> u32 {
        self.spans.end - self.spans.start
    }
}

/// Problems found while linking; each is also a reason to trust some numbers less.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkWarnings {
    /// Spans whose (trace ID, span ID) was already taken by another span.
    pub duplicate_span_ids: u64,
    /// Spans whose parent is not in the loaded data; they are treated as roots.
    pub orphans: u64,
    /// Spans that start before their parent (clock skew between hosts),
    /// among those where both have a start and a duration.
    pub child_starts_before_parent: u64,
    /// Traces in which every span names a parent.
    pub traces_without_root: u64,
}

/// Traces and parent links of a [`TraceSet`], derived after every import.
#[derive(Clone, Debug, Default)]
pub struct TraceIndex {
    /// All traces, ordered by start time, then trace ID.
    pub traces: Vec<Trace>,
    /// Span indices grouped by trace, each group sorted by start time.
    pub order: Vec<u32>,
    /// For each span (by index in [`TraceSet::spans`]), its parent's index when present.
    pub parent: Vec<Option<u32>>,
    /// Children of every span, in start order: span `i`'s children are
    /// `children[child_start[i]..child_start[i + 1]]` (one allocation for all).
    children: Vec<u32>,
    child_start: Vec<u32>,
    /// What did not link cleanly.
    pub warnings: LinkWarnings,
}

impl TraceIndex {
    /// Builds the index of `set`. O(n log n) in the number of spans.
    pub fn build(set: &TraceSet) -> TraceIndex {
        let order = grouped_by_trace(set);
        let spans = &set.spans;
        let mut index = TraceIndex {
            traces: Vec::new(),
            parent: vec![None; spans.len()],
            order: Vec::new(),
            children: Vec::new(),
            child_start: Vec::new(),
            warnings: LinkWarnings::default(),
        };
        let mut by_id: Vec<(SpanId, u32)> = Vec::new();
        let mut group_start = 0usize;
        while group_start < order.len() {
            let trace_id = spans[order[group_start] as usize].trace_id;
            let group_len = order[group_start..]
                .iter()
                .position(|&i| spans[i as usize].trace_id != trace_id)
                .unwrap_or(order.len() - group_start);
            let group = &order[group_start..group_start + group_len];
            index.link_trace(set, trace_id, group, group_start, &mut by_id);
            group_start += group_len;
        }
        index.order = order;
        index.order_traces_by_start();
        index.link_children();
        index
    }

    /// Puts the traces in order of their start (then trace ID), and `order`
    /// with them. Grouping needs the trace-ID order, but every later walk
    /// goes trace by trace: in trace-ID order each trace's spans are a
    /// random read in a set that exporters write in time order (batches, one
    /// block per service), so a million-span walk was mostly cache misses.
    /// In start order the walks read each file's blocks nearly front to back.
    /// The order is the data's own, whatever order the files came in.
    fn order_traces_by_start(&mut self) {
        self.traces.sort_unstable_by_key(|t| (t.start, t.trace_id));
        let mut order = Vec::with_capacity(self.order.len());
        for trace in &mut self.traces {
            let from = order.len();
            order.extend_from_slice(
                self.order
                    .get(trace.spans.start as usize..trace.spans.end as usize)
                    .unwrap_or(&[]),
            );
            trace.spans = u32::try_from(from).unwrap_or(u32::MAX)..u32::try_from(order.len()).unwrap_or(u32::MAX);
        }
        self.order = order;
    }

    /// Builds the children lists from `parent`, visiting spans in `order` so
    /// each list comes out sorted by start time.
    fn link_children(&mut self) {
        let n = self.parent.len();
        let mut counts = vec![0u32; n + 1];
        for parent in self.parent.iter().flatten() {
            counts[*parent as usize + 1] += 1;
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let mut next = counts.clone();
        let mut children = vec![0u32; self.parent.iter().flatten().count()];
        for &span in &self.order {
            if let Some(parent) = self.parent[span as usize] {
                let slot = &mut next[parent as usize];
                children[*slot as usize] = span;
                *slot += 1;
            }
        }
        self.children = children;
        self.child_start = counts;
    }

    /// The children of span `span` (an index into [`TraceSet::spans`]), in start order.
    pub fn children_of(&self, span: u32) -> &[u32] {
        let start = self.child_start.get(span as usize).copied().unwrap_or(0) as usize;
        let end = self.child_start.get(span as usize + 1).copied().unwrap_or(0) as usize;
        self.children.get(start..end).unwrap_or(&[])
    }

    fn link_trace(
        &mut self,
        set: &TraceSet,
        trace_id: TraceId,
        group: &[u32],
        offset: usize,
        by_id: &mut Vec<(SpanId, u32)>,
    ) {
        let spans = &set.spans;
        by_id.clear();
        by_id.extend(group.iter().map(|&i| (spans[i as usize].span_id, i)));
        // Stable sort keeps the earliest-starting span first among duplicates:
        // that one wins parent lookups.
        by_id.sort_by_key(|&(id, _)| id);
        self.warnings.duplicate_span_ids += by_id.windows(2).filter(|w| w[0].0 == w[1].0).count() as u64;

        let mut true_root = None;
        let mut first_orphan = None;
        let mut start = None::<TimestampNs>;
        let mut end = TimestampNs(0);
        let mut error_count = 0u32;
        for &i in group {
            let span = &spans[i as usize];
            if span.status == StatusCode::Error {
                error_count += 1;
            }
            if span.start.0 != 0 {
                start = Some(start.map_or(span.start, |s| s.min(span.start)));
                end = end.max(span.end());
            }
            match span.parent_span_id {
                None => {
                    true_root.get_or_insert(i);
                }
                // A span naming itself as parent is an orphan: matching another
                // copy of its own ID would make the two each other's parent.
                Some(parent_id) if parent_id == span.span_id => {
                    self.warnings.orphans += 1;
                    first_orphan.get_or_insert(i);
                }
                Some(parent_id) => {
                    let found = first_other_with_id(by_id, parent_id, i);
                    match found {
                        Some(p) => {
                            self.parent[i as usize] = Some(p);
                            let parent = &spans[p as usize];
                            // A span without a start or duration is not
                            // placed in time well enough to call it skewed.
                            if span.duration_known() && parent.duration_known() && span.start < parent.start {
                                self.warnings.child_starts_before_parent += 1;
                            }
                        }
                        None => {
                            self.warnings.orphans += 1;
                            first_orphan.get_or_insert(i);
                        }
                    }
                }
            }
        }
        if true_root.is_none() {
            self.warnings.traces_without_root += 1;
        }
        let root = true_root.or(first_orphan).or(group.first().copied()).unwrap_or(0);
        let shape = shape_of(set, group, root);
        let start = start.unwrap_or_default();
        let range_start = u32::try_from(offset).unwrap_or(u32::MAX);
        let range_end = u32::try_from(offset + group.len()).unwrap_or(u32::MAX);
        self.traces.push(Trace {
            trace_id,
            spans: range_start..range_end,
            root,
            has_root: true_root.is_some(),
            start,
            end: end.max(start),
            error_count,
            shape,
        });
    }

    /// The span indices of `trace`, sorted by start time.
    pub fn spans_of(&self, trace: &Trace) -> &[u32] {
        self.order
            .get(trace.spans.start as usize..trace.spans.end as usize)
            .unwrap_or(&[])
    }
}

/// Span indices grouped by trace ID (the traces in order of first
/// appearance), each group sorted by start time, then span ID and index.
///
/// A hash map numbers the traces in one pass over the spans in the order
/// they were read, and a counting sort groups them; only each trace's few
/// spans are then sorted. Sorting all spans by trace ID instead read the
/// 96-byte spans at random to link them afterwards (the slowest part of the
/// index at a million spans). The map hashes with hashbrown's default
/// (foldhash, seeded at random per process, as the interner's table is):
/// trace IDs come from files, and an unseeded hash would let a crafted file
/// make every lookup collide.
fn grouped_by_trace(set: &TraceSet) -> Vec<u32> {
    let spans = &set.spans;
    let mut number: HashMap<TraceId, u32> = HashMap::new();
    let mut trace_of: Vec<u32> = Vec::with_capacity(spans.len());
    let mut sizes: Vec<u32> = Vec::new();
    for span in spans {
        let next = u32::try_from(sizes.len()).unwrap_or(u32::MAX);
        let trace = *number.entry(span.trace_id).or_insert(next);
        if trace == next {
            sizes.push(0);
        }
        if let Some(size) = sizes.get_mut(trace as usize) {
            *size += 1;
        }
        trace_of.push(trace);
    }
    // Where each trace's group starts in `order`.
    let mut next_slot: Vec<u32> = Vec::with_capacity(sizes.len());
    let mut total = 0u32;
    for &size in &sizes {
        next_slot.push(total);
        total += size;
    }
    let group_starts = next_slot.clone();
    let mut order = vec![0u32; spans.len()];
    for (i, &trace) in (0u32..).zip(&trace_of) {
        let slot = &mut next_slot[trace as usize];
        order[*slot as usize] = i;
        *slot += 1;
    }
    let mut keyed: Vec<(TimestampNs, SpanId, u32)> = Vec::new();
    for (&from, &size) in group_starts.iter().zip(&sizes) {
        let group = &mut order[from as usize..(from + size) as usize];
        keyed.clear();
        keyed.extend(
            group
                .iter()
                .map(|&i| (spans[i as usize].start, spans[i as usize].span_id, i)),
        );
        keyed.sort_unstable();
        for (slot, key) in group.iter_mut().zip(&keyed) {
            *slot = key.2;
        }
    }
    order
}

/// Whether the trace of `group` (with `root`) is a request, a session or a
/// stream; see [`TraceShape`]. O(spans of the trace + events of the root).
fn shape_of(set: &TraceSet, group: &[u32], root: u32) -> TraceShape {
    let Some(root_span) = set.spans.get(root as usize) else {
        return TraceShape::Request;
    };
    if is_streaming(set, root_span) {
        return TraceShape::Streaming;
    }
    if !root_span.duration_known() {
        return TraceShape::Request;
    }
    let root_end = root_span.end();
    let (mut timed, mut after) = (0usize, 0usize);
    for &i in group.iter().filter(|&&i| i != root) {
        if let Some(span) = set.spans.get(i as usize).filter(|s| s.start.0 != 0) {
            timed += 1;
            after += usize::from(span.start >= root_end);
        }
    }
    if after >= SESSION_MIN_SPANS && after * 2 > timed {
        TraceShape::Session
    } else {
        TraceShape::Request
    }
}

/// At least [`STREAM_MIN_MESSAGES`] `message` events of one `message.type` on `span`.
fn is_streaming(set: &TraceSet, span: &crate::model::Span) -> bool {
    let Some(message) = set.strings.get("message") else {
        return false;
    };
    let (mut sent, mut received) = (0usize, 0usize);
    for event in set.events_of(span).iter().filter(|e| e.name == message) {
        match set.str_attribute_in(event.attributes, "message.type") {
            Some("SENT") => sent += 1,
            Some("RECEIVED") => received += 1,
            _ => {}
        }
    }
    sent.max(received) >= STREAM_MIN_MESSAGES
}

/// The first (earliest-starting) span with ID `id` that is not `child`
/// itself: a span is never its own parent. One binary search for the first
/// copy, so many copies of one ID cannot make linking quadratic.
fn first_other_with_id(by_id: &[(SpanId, u32)], id: SpanId, child: u32) -> Option<u32> {
    let at = by_id.partition_point(|(other, _)| *other < id);
    by_id
        .get(at..)?
        .iter()
        .take_while(|(other, _)| *other == id)
        .map(|&(_, span)| span)
        .find(|&span| span != child)
}

#[cfg(test)]
mod tests {
    use super::TraceIndex;
    use crate::import::{Format, import_file};
    use crate::model::{SpanKind, TraceSet};
    use crate::synth::{SynthSpan, encode};

    /// Trace `t` starts at `t` ms after a fixed time; its root `t*10+1` has
    /// two children in other services, the later-starting one written first.
    fn spans(traces: &[u64]) -> Vec<SynthSpan> {
        let base = 1_700_000_000_000_000_000u64;
        let mut spans = Vec::new();
        for &t in traces {
            let at = |ms: u64| base + (t * 100 + ms) * 1_000_000;
            for (id, parent, service, start, end) in [
                (t * 10 + 3, Some(t * 10 + 1), "b", 20, 30),
                (t * 10 + 1, None, "a", 0, 50),
                (t * 10 + 2, Some(t * 10 + 1), "c", 5, 15),
            ] {
                spans.push(SynthSpan {
                    // Trace IDs run against start order, so trace-ID order is not start order.
                    trace_id: u128::from(1000 - t),
                    span_id: id,
                    parent_span_id: parent,
                    service,
                    name: format!("op{id}"),
                    kind: SpanKind::Internal,
                    start_ns: at(start),
                    end_ns: at(end),
                    error: None,
                    attributes: Vec::new(),
                });
            }
        }
        spans
    }

    fn index_of(spans: &[SynthSpan]) -> (TraceSet, TraceIndex) {
        let mut set = TraceSet::new();
        assert!(import_file(&mut set, "test", &encode(spans, Format::OtlpJson)).is_ok());
        let index = TraceIndex::build(&set);
        (set, index)
    }

    /// Each trace's span IDs in `order`, the traces in index order.
    fn layout(set: &TraceSet, index: &TraceIndex) -> Vec<Vec<u64>> {
        let id = |i: &u32| set.spans[*i as usize].span_id.get();
        index
            .traces
            .iter()
            .map(|t| index.spans_of(t).iter().map(id).collect())
            .collect()
    }

    #[test]
    fn traces_come_in_start_order_with_their_spans_grouped_and_linked() {
        let (set, index) = index_of(&spans(&[3, 1, 2]));
        assert_eq!(layout(&set, &index), [[11, 12, 13], [21, 22, 23], [31, 32, 33]]);
        for trace in &index.traces {
            let root = trace.root;
            assert_eq!(set.spans[root as usize].parent_span_id, None);
            let children: Vec<u64> = index
                .children_of(root)
                .iter()
                .map(|&c| set.spans[c as usize].span_id.get())
                .collect();
            let first = set.spans[root as usize].span_id.get();
            assert_eq!(children, [first + 1, first + 2], "children in start order");
            assert_eq!(trace.span_count(), 3);
        }
        assert_eq!(index.warnings.orphans, 0);
    }

    #[test]
    fn the_order_is_the_data_s_whatever_order_it_was_read_in() {
        let (set, index) = index_of(&spans(&[1, 2, 3]));
        let mut reversed = spans(&[1, 2, 3]);
        reversed.reverse();
        let (set_reversed, index_reversed) = index_of(&reversed);
        assert_eq!(layout(&set, &index), layout(&set_reversed, &index_reversed));
    }
}
