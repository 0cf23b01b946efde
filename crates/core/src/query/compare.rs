//! Two traces compared span by span: "why was this request slow when that one
//! was not?" (issue 12; jaeger-ui's issue 296 asks for it since 2018).
//!
//! **Matching by path.** A span of trace A matches a span of trace B when
//! their parents matched and they have the same service, the same operation
//! name and the same position among the siblings of that service and name
//! (children taken in start order). The top-level spans (no parent in the
//! trace) are siblings under one imaginary root. The eleven serial route
//! calls of the HotROD capture thus match by ordinal: the first with the
//! first, the eleventh with the eleventh.
//!
//! ```text
//!   A: frontend: GET /dispatch            B: frontend: GET /dispatch
//!      ├─ route: GET /route #0   ◀──────▶    ├─ route: GET /route #0
//!      ├─ route: GET /route #1   ◀──────▶    ├─ route: GET /route #1
//!      └─ mysql: SQL SELECT      (only A)    └─ redis: GetDriver   (only B)
//! ```
//!
//! A span left without a partner is reported once with the size of its
//! subtree: its descendants cannot match either (their parent did not).
//!
//! **Explained share.** The matched spans' self-time differences
//! ([`crate::analysis::self_time`]) summed, over the difference of the two
//! traces' durations: how much of "B took 300 ms longer" the spans present
//! on both sides account for. The rest is in spans present on one side, or
//! in time the traces overlap differently (self time adds up to the
//! duration only when nothing runs in parallel).

use crate::analysis::self_time::self_time;
use crate::ids::{SpanId, TraceId};
use crate::index::{Trace, TraceIndex};
use crate::intern::Sym;
use crate::model::TraceSet;
use crate::time::DurationNs;
use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

/// Two traces compared span by span.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceComparison {
    /// The first trace's totals.
    pub a: TraceTotals,
    /// The second trace's totals.
    pub b: TraceTotals,
    /// `b.duration − a.duration`, in nanoseconds.
    pub difference_ns: i64,
    /// The sum of the matched spans' self-time differences (b − a).
    pub explained_ns: i64,
    /// `explained_ns / difference_ns`; `None` when the durations are equal.
    pub explained_share: Option<f64>,
    /// Spans found on both sides, largest absolute duration difference first.
    pub matched: Vec<MatchedSpan>,
    /// Subtrees only in trace A, largest first.
    pub only_a: Vec<Unmatched>,
    /// Subtrees only in trace B, largest first.
    pub only_b: Vec<Unmatched>,
}

/// What one side of the comparison is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceTotals {
    /// The trace ID.
    pub trace_id: Option<TraceId>,
    /// End-to-end duration.
    pub duration: DurationNs,
    /// Spans in the trace.
    pub spans: u32,
    /// Spans matched with the other trace.
    pub matched: u32,
}

/// One step of a path from the root: a service, an operation name, and the
/// position among the siblings with both (0 for the first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStep {
    /// The service.
    pub service: String,
    /// The operation name.
    pub name: String,
    /// Among siblings of the same service and name, in start order.
    pub ordinal: u32,
}

impl std::fmt::Display for PathStep {
    /// `service: name`, with `#n` counted from 1 after the first of its kind
    /// (the third call: `route: GET /route #3`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.service, self.name)?;
        if self.ordinal > 0 {
            write!(f, " #{}", self.ordinal + 1)?;
        }
        Ok(())
    }
}

/// A span found in both traces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchedSpan {
    /// Where it is: the last step is the span itself.
    pub step: PathStep,
    /// Its parent's position in [`TraceComparison::matched`]; `None` at the top.
    /// Follow it for the whole path ([`TraceComparison::path`]).
    pub parent: Option<u32>,
    /// Depth below the top (0 for a top-level span).
    pub depth: u32,
    /// The span in trace A.
    pub a: SpanId,
    /// The span in trace B.
    pub b: SpanId,
    /// Duration in A; `None` when unknown.
    pub duration_a: Option<DurationNs>,
    /// Duration in B; `None` when unknown.
    pub duration_b: Option<DurationNs>,
    /// `duration_b − duration_a` in nanoseconds; `None` when either is unknown.
    pub difference_ns: Option<i64>,
    /// Self time in A.
    pub self_time_a: DurationNs,
    /// Self time in B.
    pub self_time_b: DurationNs,
}

/// A span without a partner on the other side, and its subtree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unmatched {
    /// The subtree's root span.
    pub step: PathStep,
    /// Its parent's position in [`TraceComparison::matched`]; `None` at the top.
    pub parent: Option<u32>,
    /// The span.
    pub span_id: SpanId,
    /// Its duration, if known.
    pub duration: Option<DurationNs>,
    /// Spans in the subtree, itself included.
    pub spans: u32,
}

impl TraceComparison {
    /// The path of matched span `i` from the top, one step per level.
    pub fn path(&self, i: u32) -> Vec<&PathStep> {
        let mut path = Vec::new();
        let mut at = Some(i);
        // Bounded by the list's length: parents always come from the list.
        while let Some(span) = at.and_then(|i| self.matched.get(i as usize)) {
            path.push(&span.step);
            if path.len() > self.matched.len() {
                break;
            }
            at = span.parent;
        }
        path.reverse();
        path
    }

    /// The path of an unmatched subtree's root: its matched parent's, then itself.
    pub fn path_of_unmatched<'a>(&'a self, unmatched: &'a Unmatched) -> Vec<&'a PathStep> {
        let mut path = unmatched.parent.map_or_else(Vec::new, |p| self.path(p));
        path.push(&unmatched.step);
        path
    }
}

/// Compares trace `a` with trace `b` of `set` (indexed by `index`); `None`
/// when either is not loaded. The self times are computed for the two
/// traces only.
pub fn compare_traces(set: &TraceSet, index: &TraceIndex, a: TraceId, b: TraceId) -> Option<TraceComparison> {
    let find = |id: TraceId| index.traces.iter().find(|t| t.trace_id == id);
    let (trace_a, trace_b) = (find(a)?, find(b)?);
    let times = TraceTimes::of(set, index, &[trace_a, trace_b]);
    let mut walk = Walk {
        set,
        index,
        times: &times,
        out: TraceComparison::default(),
    };
    let mut pending = vec![Pending {
        pair: None,
        parent: None,
        depth: 0,
    }];
    while let Some(Pending { pair, parent, depth }) = pending.pop() {
        let (kids_a, kids_b) = match pair {
            None => (tops(index, trace_a), tops(index, trace_b)),
            Some((x, y)) => (index.children_of(x).to_vec(), index.children_of(y).to_vec()),
        };
        for (x, y, ordinal) in walk.pair_up(&kids_a, &kids_b, parent) {
            if let Some(at) = walk.matched(x, y, ordinal, parent, depth) {
                pending.push(Pending {
                    pair: Some((x, y)),
                    parent: Some(at),
                    depth: depth + 1,
                });
            }
        }
    }
    let mut out = walk.out;
    out.a = totals(trace_a, &out.matched);
    out.b = totals(trace_b, &out.matched);
    let difference = i128::from(out.b.duration.0) - i128::from(out.a.duration.0);
    let explained: i128 = out
        .matched
        .iter()
        .map(|m| i128::from(m.self_time_b.0) - i128::from(m.self_time_a.0))
        .sum();
    out.difference_ns = clamp(difference);
    out.explained_ns = clamp(explained);
    out.explained_share = (difference != 0).then(|| explained as f64 / difference as f64);
    sort(&mut out);
    Some(out)
}

/// A matched pair whose children are still to be paired.
struct Pending {
    /// The span in A and in B; `None` for the imaginary root above the top spans.
    pair: Option<(u32, u32)>,
    /// Its position in the matched list.
    parent: Option<u32>,
    /// Depth of its children.
    depth: u32,
}

/// Largest absolute difference first (unknown last), then by path order;
/// the parent positions follow the spans to their new places.
fn sort(out: &mut TraceComparison) {
    let mut order: Vec<usize> = (0..out.matched.len()).collect();
    order.sort_by_key(|&i| {
        let m = &out.matched[i];
        (
            m.difference_ns.is_none(),
            std::cmp::Reverse(m.difference_ns.map(i64::unsigned_abs)),
            i,
        )
    });
    let mut new_place = vec![0u32; order.len()];
    for (place, &old) in order.iter().enumerate() {
        new_place[old] = place as u32;
    }
    let moved = |p: Option<u32>| p.and_then(|p| new_place.get(p as usize).copied());
    let mut old: Vec<Option<MatchedSpan>> = std::mem::take(&mut out.matched).into_iter().map(Some).collect();
    out.matched = order
        .iter()
        .filter_map(|&i| old.get_mut(i)?.take())
        .map(|m| MatchedSpan {
            parent: moved(m.parent),
            ..m
        })
        .collect();
    for list in [&mut out.only_a, &mut out.only_b] {
        for u in list.iter_mut() {
            u.parent = moved(u.parent);
        }
        list.sort_by(|x, y| {
            (
                std::cmp::Reverse(x.spans),
                std::cmp::Reverse(x.duration),
                x.parent,
                x.span_id,
            )
                .cmp(&(
                    std::cmp::Reverse(y.spans),
                    std::cmp::Reverse(y.duration),
                    y.parent,
                    y.span_id,
                ))
        });
    }
}

fn clamp(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

fn totals(trace: &Trace, matched: &[MatchedSpan]) -> TraceTotals {
    TraceTotals {
        trace_id: Some(trace.trace_id),
        duration: trace.duration(),
        spans: trace.span_count(),
        matched: u32::try_from(matched.len()).unwrap_or(u32::MAX),
    }
}

/// The spans of `trace` without a parent in it, in start order.
fn tops(index: &TraceIndex, trace: &Trace) -> Vec<u32> {
    index
        .spans_of(trace)
        .iter()
        .copied()
        .filter(|&i| index.parent.get(i as usize).copied().flatten().is_none())
        .collect()
}

/// Self times of the two traces' spans only (not the whole set).
struct TraceTimes(HashMap<u32, DurationNs>);

impl TraceTimes {
    fn of(set: &TraceSet, index: &TraceIndex, traces: &[&Trace]) -> TraceTimes {
        let mut times = HashMap::new();
        for trace in traces {
            for &i in index.spans_of(trace) {
                times.insert(i, self_time(set, index, i));
            }
        }
        TraceTimes(times)
    }

    fn get(&self, i: u32) -> DurationNs {
        self.0.get(&i).copied().unwrap_or_default()
    }
}

/// The comparison as it is built.
struct Walk<'a> {
    set: &'a TraceSet,
    index: &'a TraceIndex,
    times: &'a TraceTimes,
    out: TraceComparison,
}

impl Walk<'_> {
    /// Pairs `kids_a` with `kids_b` (siblings, in start order) by service,
    /// name and ordinal; records the ones left over as unmatched subtrees
    /// under matched span `parent`.
    fn pair_up(&mut self, kids_a: &[u32], kids_b: &[u32], parent: Option<u32>) -> Vec<(u32, u32, u32)> {
        let keyed_b = self.keyed(kids_b);
        let mut by_key: HashMap<(Sym, Sym, u32), u32> = keyed_b.iter().map(|&(k, i)| (k, i)).collect();
        let mut pairs = Vec::new();
        for (key, x) in self.keyed(kids_a) {
            match by_key.remove(&key) {
                Some(y) => pairs.push((x, y, key.2)),
                None => self.out.only_a.extend(self.unmatched(x, key.2, parent)),
            }
        }
        // What is left of B, in B's start order.
        for (key, y) in keyed_b {
            if by_key.contains_key(&key) {
                self.out.only_b.extend(self.unmatched(y, key.2, parent));
            }
        }
        pairs
    }

    /// Each span with its key: (service, name, ordinal among those siblings).
    fn keyed(&self, kids: &[u32]) -> Vec<((Sym, Sym, u32), u32)> {
        let mut seen: HashMap<(Sym, Sym), u32> = HashMap::new();
        kids.iter()
            .filter_map(|&i| {
                let span = self.set.spans.get(i as usize)?;
                let ordinal = seen.entry((span.service, span.name)).or_insert(0);
                let key = (span.service, span.name, *ordinal);
                *ordinal += 1;
                Some((key, i))
            })
            .collect()
    }

    fn step(&self, i: u32, ordinal: u32) -> PathStep {
        let span = self.set.spans.get(i as usize);
        PathStep {
            service: span.map_or("", |s| self.set.str(s.service)).to_owned(),
            name: span.map_or("", |s| self.set.str(s.name)).to_owned(),
            ordinal,
        }
    }

    /// Records the pair (`x` in A, `y` in B, the `ordinal`-th of their kind
    /// on both sides); its position in the list.
    fn matched(&mut self, x: u32, y: u32, ordinal: u32, parent: Option<u32>, depth: u32) -> Option<u32> {
        let (sa, sb) = (self.set.spans.get(x as usize)?, self.set.spans.get(y as usize)?);
        let (duration_a, duration_b) = (sa.known_duration(), sb.known_duration());
        let at = u32::try_from(self.out.matched.len()).ok()?;
        self.out.matched.push(MatchedSpan {
            step: self.step(x, ordinal),
            parent,
            depth,
            a: sa.span_id,
            b: sb.span_id,
            duration_a,
            duration_b,
            difference_ns: duration_a
                .zip(duration_b)
                .map(|(a, b)| clamp(i128::from(b.0) - i128::from(a.0))),
            self_time_a: self.times.get(x),
            self_time_b: self.times.get(y),
        });
        Some(at)
    }

    /// Span `i` without a partner, with the size of its subtree.
    fn unmatched(&self, i: u32, ordinal: u32, parent: Option<u32>) -> Option<Unmatched> {
        let span = self.set.spans.get(i as usize)?;
        Some(Unmatched {
            step: self.step(i, ordinal),
            parent,
            span_id: span.span_id,
            duration: span.known_duration(),
            spans: subtree_size(self.index, i),
        })
    }
}

/// Spans in the subtree of `root`, itself included; each counted once even
/// if bad data made the parent links loop.
fn subtree_size(index: &TraceIndex, root: u32) -> u32 {
    let mut seen = hashbrown::HashSet::new();
    let mut stack = vec![root];
    while let Some(i) = stack.pop() {
        if seen.insert(i) {
            stack.extend_from_slice(index.children_of(i));
        }
    }
    u32::try_from(seen.len()).unwrap_or(u32::MAX)
}
