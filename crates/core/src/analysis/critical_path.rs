//! The critical path of a trace: the chain of spans that determined its
//! end-to-end duration. Shortening anything off the path would not have made
//! the request faster; shortening something on it would.
//!
//! Walk backwards from the end of the root. At each moment the path is in the
//! span that was still running and finished last: starting from a span's end,
//! take the child that ended last (clipped to the span's own end, since a child
//! that outlives its parent did not delay it), follow it down to its own start,
//! then continue in the parent from there. Time where no child was running is
//! the span's own time on the path.
//!
//! ```text
//!            0    5   8  10        20        30   35            58        70 ms
//! root       |====================================================================|
//! ├─ B            |=======================|
//! │  └─ B1            |===========|
//! ├─ A                   |=============================|
//! └─ C                                                    |===============|
//!
//! walking back from 70: root 58–70 · C 35–58 · root 30–35 · A 10–30 (the last
//! to finish before 35) · B1 8–10 (inside B, still running at 10) · B 5–8 · root 0–5
//! ```
//!
//! A child still running when the next child on the path starts is on the path
//! for the time before that start (it is the last thing that finished then).
//! Spans whose duration is unknown ([`crate::model::Span::duration_known`])
//! are never on the path: what they held is not known. A trace whose root has
//! no known duration has no critical path (every span gets 0) rather than one
//! made up from a guessed end.
//!
//! **Clock skew.** The server half of a call between services that lies
//! outside its client by more than [`SKEW_TOLERANCE_NS`] was timed by
//! another host's clock: as recorded, the client seems to work alone for
//! what was its callee's time (Zipkin's skew capture: the server starts
//! 65 ms before its 95 ms client, and the client held 66 ms of the path).
//! When it fits in its client, the walk places it (with its subtree) in the
//! middle of the client, as Zipkin's and Jaeger's viewers repair skew; the
//! data-quality finding reports the skew itself. A callee longer than its
//! call is only clipped to it. Stretches are told in each span's own
//! recorded time, so they still lie on its bar.
//!
//! **Calls parented above the span that made them.** An outbound call that
//! ran inside a span of its own process but that the file parents to a span
//! of another service above it (the incoming request's context passed on,
//! not the span's) is walked as that span's child ([`calls_above`]):
//! Zipkin's yelp capture, whose proxy span held a 56 ms call to `mobile_api`
//! as its own time, hung on `routing`'s request. So is a server span
//! recorded without its client span, parented above the span of its
//! caller's service that ran around it (jaeger-ui's GenAI test trace: the
//! agent's 42 s beside a childless 43 s `graphql.execution`).
//!
//! The walk uses an explicit stack and visits each span at most once, so deep
//! traces cannot overflow the stack and a parent cycle in bad data cannot loop.

mod calls_above;

use crate::index::TraceIndex;
use crate::model::{Span, SpanKind, TraceSet};
use crate::time::DurationNs;
pub(crate) use calls_above::CallsAbove;

/// How far the server half of a call may lie outside its client before the
/// walk places it inside (the data-quality detector's default tolerance:
/// less is network timing).
pub const SKEW_TOLERANCE_NS: u64 = 1_000_000;

/// The shift (ns, added to its recorded times) that puts `child`, the
/// server half of a call from `parent` in another service, in the middle of
/// its client when another host's clock put it outside; 0 when it is
/// inside (within the tolerance), is no such call, or is longer than it.
fn skew_shift(parent: &Span, child: &Span) -> i64 {
    if skewed_outside(parent, child).is_none() {
        return 0;
    }
    let placed = parent.start.0 + (parent.duration.0 - child.duration.0) / 2;
    i64::try_from(i128::from(placed) - i128::from(child.start.0)).unwrap_or(0)
}

/// How far `child`, the server half of a call from `parent` in another
/// service, lies outside it by the hosts' clocks, when the walk places it
/// inside ([`skew_shift`]); `None` when it does not. A span without a known
/// duration is never walked, so never placed (SmartThings' one-way
/// `send iot-events360`, 0 µs as recorded, "outside" its receivers).
pub(crate) fn skewed_outside(parent: &Span, child: &Span) -> Option<u64> {
    let is_call = child.kind == SpanKind::Server && parent.kind == SpanKind::Client && parent.service != child.service;
    let timed = parent.duration_known() && child.duration_known();
    if !is_call || !timed || child.start.0 == 0 || parent.start.0 == 0 || child.duration > parent.duration {
        return None;
    }
    let before = parent.start.0.saturating_sub(child.start.0);
    let after = child.end().0.saturating_sub(parent.end().0);
    Some(before.max(after)).filter(|&outside| outside > SKEW_TOLERANCE_NS)
}

/// The clock skew a placed callee ([`skewed_outside`]) implies, as the range
/// the spans allow: at least how far it lies outside its call, at most that
/// plus the call's time to spare around it (the callee must fit inside the
/// call). Zipkin's skew capture: `post` lies 65.44 ms before its 94.54 ms
/// call and lasts 93.58 ms, so 65.44 to 66.40 ms. `None` when not placed.
pub(crate) fn skew_range(parent: &Span, child: &Span) -> Option<(u64, u64)> {
    let outside = skewed_outside(parent, child)?;
    Some((
        outside,
        outside.saturating_add(parent.duration.0.saturating_sub(child.duration.0)),
    ))
}

/// `time` moved by `shift`, within the range of times.
fn moved(time: u64, shift: i64) -> u64 {
    u64::try_from((i128::from(time) + i128::from(shift)).max(0)).unwrap_or(u64::MAX)
}

/// Time each span spent on its trace's critical path, by span index (0 for
/// spans off the path).
pub fn on_path_times(set: &TraceSet, index: &TraceIndex) -> Vec<DurationNs> {
    let mut on_path = vec![DurationNs(0); set.spans.len()];
    let mut visited = vec![false; set.spans.len()];
    let mut spare = Vec::new();
    let above = CallsAbove::of(set, index);
    for trace in &index.traces {
        walk(
            set,
            index,
            &above,
            trace.root,
            &mut visited,
            &mut spare,
            &mut |span, from, to| add(&mut on_path, span, to - from),
        );
    }
    on_path
}

/// The stretches of the critical path walked from `root`, as (span, from,
/// to) in nanoseconds, latest first: where in time each span held the path,
/// for drawing it on the span's bar. Their lengths per span add up to
/// [`on_path_times_from`]`(set, index, &[root])`.
pub fn on_path_stretches(set: &TraceSet, index: &TraceIndex, root: u32) -> Vec<(u32, u64, u64)> {
    let mut visited = vec![false; set.spans.len()];
    let mut stretches = Vec::new();
    walk(
        set,
        index,
        &CallsAbove::of(set, index),
        root,
        &mut visited,
        &mut Vec::new(),
        &mut |span, from, to| {
            if to > from {
                stretches.push((span, from, to));
            }
        },
    );
    stretches
}

/// Time each span spent on the critical path of the unit of work it belongs
/// to, walking from each span of `units` as if it were a root (a session's
/// handlers: see `detectors::session_units`); 0 for spans no walk reached.
/// Latest-starting units are walked first, so a unit nested in another (a
/// message consumed while its producer still ran) keeps its own path and the
/// outer walk leaves it alone.
pub fn on_path_times_from(set: &TraceSet, index: &TraceIndex, units: &[u32]) -> Vec<DurationNs> {
    let mut on_path = vec![DurationNs(0); set.spans.len()];
    let mut visited = vec![false; set.spans.len()];
    let mut spare = Vec::new();
    let mut order = units.to_vec();
    order.sort_by_key(|&u| std::cmp::Reverse(set.spans.get(u as usize).map(|s| s.start)));
    let above = CallsAbove::of(set, index);
    for unit in order {
        walk(
            set,
            index,
            &above,
            unit,
            &mut visited,
            &mut spare,
            &mut |span, from, to| add(&mut on_path, span, to - from),
        );
    }
    on_path
}

/// One span being walked: its start, the moment the walk has reached
/// (moving backwards), its children not yet considered (by end, latest
/// last, with the shift each is walked with), and the shift of its own
/// times (a skewed callee's, inherited by its subtree).
struct Frame {
    span: u32,
    start: u64,
    cursor: u64,
    children: Vec<(u64, u64, u32, i64)>,
    shift: i64,
}

/// Children lists of finished frames, kept for the next frames: most spans
/// on a path have children, and a fresh list for each would be an allocation.
type Spare = Vec<Vec<(u64, u64, u32, i64)>>;

/// Walks the path from `root`, telling `held(span, from, to)` each stretch
/// of time a span held it (from < to, or an empty stretch).
fn walk(
    set: &TraceSet,
    index: &TraceIndex,
    above: &CallsAbove,
    root: u32,
    visited: &mut [bool],
    spare: &mut Spare,
    // Generic, not `dyn`: the whole-set analysis calls it once per span.
    held: &mut impl FnMut(u32, u64, u64),
) {
    // A span is walked only inside the window its parent gave it: a child that
    // starts before its parent (clock skew) cannot stretch the path beyond the
    // parent, so the path never runs longer than the root.
    let frame = |span: u32, shift: i64, window: (u64, u64), visited: &mut [bool], spare: &mut Spare| -> Option<Frame> {
        let (window_start, window_end) = window;
        let seen = visited.get_mut(span as usize)?;
        if std::mem::replace(seen, true) {
            return None;
        }
        let s = set.spans.get(span as usize).filter(|s| s.duration_known())?;
        let mut children = spare.pop().unwrap_or_default();
        children.clear();
        // Its children as recorded, less the calls another span made, and
        // the calls it made that the file parents above it.
        let recorded = index
            .children_of(span)
            .iter()
            .filter(|&&c| above.is_empty() || above.maker(c).is_none());
        children.extend(recorded.chain(above.made_by(span)).filter_map(|&c| {
            // A child without a known duration held nothing we can tell.
            let cs = set.spans.get(c as usize).filter(|cs| cs.duration_known())?;
            // A start of 0 is no time (skipped below), whatever the shift.
            let shift = shift.saturating_add(skew_shift(s, cs));
            let start = if cs.start.0 == 0 { 0 } else { moved(cs.start.0, shift) };
            Some((moved(cs.end().0, shift), start, c, shift))
        }));
        children.sort_unstable();
        let start = moved(s.start.0, shift).max(window_start);
        Some(Frame {
            span,
            start,
            cursor: moved(s.end().0, shift).min(window_end).max(start),
            children,
            shift,
        })
    };
    // Each stretch in the span's own recorded time, so it lies on its bar.
    let mut tell = |span: u32, shift: i64, from: u64, to: u64| held(span, moved(from, -shift), moved(to, -shift));
    let mut stack: Vec<Frame> = frame(root, 0, (0, u64::MAX), visited, spare).into_iter().collect();
    while let Some(top) = stack.last_mut() {
        let mut descend = None;
        while let Some((end, start, child, shift)) = top.children.pop() {
            if top.cursor <= top.start {
                break;
            }
            if start >= top.cursor || start == 0 || end <= top.start {
                // Began after the path moved past, has no start time, or ended
                // before this span began: not what the span waited for.
                continue;
            }
            let child_end = end.min(top.cursor);
            tell(top.span, top.shift, child_end, top.cursor);
            let child_start = start.max(top.start);
            top.cursor = child_start;
            descend = Some((child, shift, child_start, child_end));
            break;
        }
        match descend {
            Some((child, shift, child_start, child_end)) => {
                match frame(child, shift, (child_start, child_end), visited, spare) {
                    Some(next) => stack.push(next),
                    // Already walked (only with cyclic or duplicated IDs): the
                    // interval stays with the parent rather than with nobody.
                    None => {
                        let (parent, parent_shift) = stack.last().map_or((root, 0), |f| (f.span, f.shift));
                        tell(parent, parent_shift, child_start, child_end);
                    }
                }
            }
            None => {
                if let Some(done) = stack.pop() {
                    tell(done.span, done.shift, done.start, done.cursor);
                    spare.push(done.children);
                }
            }
        }
    }
}

fn add(on_path: &mut [DurationNs], span: u32, ns: u64) {
    if let Some(total) = on_path.get_mut(span as usize) {
        total.0 = total.0.saturating_add(ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::{Tree, build};

    fn path_of(trees: &[Tree]) -> Vec<(u64, u64)> {
        let (set, index) = build(trees);
        let times = on_path_times(&set, &index);
        let mut out: Vec<(u64, u64)> = set
            .spans
            .iter()
            .zip(&times)
            .map(|(s, t)| (s.span_id.get(), t.0 / 1_000_000))
            .collect();
        out.sort_unstable();
        out
    }

    /// A span of trace 7 for [`imported`], its times in milliseconds.
    fn span(
        id: u64,
        parent: Option<u64>,
        service: &'static str,
        kind: crate::model::SpanKind,
        ms: (u64, u64),
    ) -> crate::synth::SynthSpan {
        let base = 1_700_000_000_000_000_000u64;
        crate::synth::SynthSpan {
            trace_id: 7,
            span_id: id,
            parent_span_id: parent,
            service,
            name: format!("op{id}"),
            kind,
            start_ns: base + ms.0 * 1_000_000,
            end_ns: base + ms.1 * 1_000_000,
            error: None,
            attributes: Vec::new(),
        }
    }

    /// `spans` read as an importer reads them, and indexed.
    fn imported(spans: &[crate::synth::SynthSpan]) -> (TraceSet, TraceIndex) {
        let mut set = TraceSet::new();
        let bytes = crate::synth::encode(spans, crate::import::Format::OtlpJson);
        crate::import::import_file(&mut set, "test", &bytes).unwrap();
        let index = TraceIndex::build(&set);
        (set, index)
    }

    /// Each span's ID and its whole milliseconds on the path, by ID.
    fn path_ms(set: &TraceSet, index: &TraceIndex) -> Vec<(u64, u64)> {
        let times = on_path_times(set, index);
        let mut ms: Vec<(u64, u64)> = set
            .spans
            .iter()
            .zip(&times)
            .map(|(s, t)| (s.span_id.get(), t.0 / 1_000_000))
            .collect();
        ms.sort_unstable();
        ms
    }

    #[test]
    fn a_child_starting_before_its_parent_is_walked_only_inside_it() {
        // Zipkin's skew capture: the server half starts 65 ms before the client
        // that called it. The path must not run longer than the root.
        let path = path_of(&[
            Tree {
                id: 1,
                parent: None,
                start: 100,
                end: 200,
            },
            Tree {
                id: 2,
                parent: Some(1),
                start: 103,
                end: 198,
            },
            Tree {
                id: 3,
                parent: Some(2),
                start: 38,
                end: 131,
            },
            Tree {
                id: 4,
                parent: Some(3),
                start: 38,
                end: 103,
            },
        ]);
        assert_eq!(path.iter().map(|(_, t)| t).sum::<u64>(), 100, "{path:?}");
        // The child's child ended when the server's window opened: nothing of it is on the path.
        assert_eq!(path, [(1, 5), (2, 67), (3, 28), (4, 0)]);
    }

    #[test]
    fn a_skewed_callee_is_placed_inside_its_call_and_told_on_its_own_bar() {
        // The same shape as a call between two services: `b`'s server half
        // (38–131 ms) by its host's clock lies 65 ms before `a`'s 95 ms client
        // (103–198). Placed in the middle of the client (104–197), the callee
        // and its child hold the path, not the client around them.
        use crate::model::SpanKind;
        let spans = [
            span(1, None, "a", SpanKind::Server, (100, 200)),
            span(2, Some(1), "a", SpanKind::Client, (103, 198)),
            span(3, Some(2), "b", SpanKind::Server, (38, 131)),
            span(4, Some(3), "b", SpanKind::Internal, (38, 103)),
        ];
        let (set, index) = imported(&spans);
        assert_eq!(path_ms(&set, &index), [(1, 5), (2, 2), (3, 28), (4, 65)]);
        // Each stretch lies on its span's recorded bar.
        let at = |id: u64| set.spans.iter().position(|s| s.span_id.get() == id).unwrap() as u32;
        let root = at(1);
        for (span, from, to) in on_path_stretches(&set, &index, root) {
            let s = &set.spans[span as usize];
            assert!(s.start.0 <= from && to <= s.end().0, "{span}: {from}–{to}");
        }
        // A callee longer than its call is not moved, only clipped (as before).
        let mut longer = spans.clone();
        longer[2] = span(3, Some(2), "b", SpanKind::Server, (38, 140));
        let (set, index) = imported(&longer);
        let total: u64 = on_path_times(&set, &index).iter().map(|t| t.0).sum();
        assert_eq!(total / 1_000_000, 100);
    }

    #[test]
    fn a_call_parented_above_the_span_that_made_it_is_walked_inside_that_span() {
        // Zipkin's yelp capture in small: `routing` (0–130 ms) calls the
        // proxy (`unknown` client 2–126, proxy server 28–116 whose process
        // writes `yelp-main` spans: a cache call 30–32), and the proxy's call
        // to `mobile_api` (`yelp-main` client 50–106, server 60–101) is
        // parented to `routing`'s span.
        use crate::model::SpanKind;
        let spans = |call_from: &'static str| {
            vec![
                span(1, None, "routing", SpanKind::Server, (0, 130)),
                span(2, Some(1), "unknown", SpanKind::Client, (2, 126)),
                span(3, Some(2), "proxy", SpanKind::Server, (28, 116)),
                span(4, Some(3), "yelp-main", SpanKind::Client, (30, 32)),
                span(5, Some(1), call_from, SpanKind::Client, (50, 106)),
                span(6, Some(5), "mobile_api", SpanKind::Server, (60, 101)),
            ]
        };
        let ms = |spans: &[crate::synth::SynthSpan]| {
            let (set, index) = imported(spans);
            path_ms(&set, &index)
        };
        // The proxy holds 28–30, 32–50 and 106–116 (30 ms); the call and its
        // callee 50–106 inside it.
        assert_eq!(
            ms(&spans("yelp-main")),
            [(1, 6), (2, 36), (3, 30), (4, 2), (5, 15), (6, 41)]
        );
        // A call of another process (no span of the proxy's writes as
        // `billing`) keeps its recorded parent: the path never reaches it.
        assert_eq!(
            ms(&spans("billing")),
            [(1, 6), (2, 36), (3, 86), (4, 2), (5, 0), (6, 0)]
        );
        // Nor when it covers less than half the proxy's own time: a call of
        // 8 ms in 86 ms of own time is no sign the context was lost.
        let mut short = spans("yelp-main");
        short[4] = span(5, Some(1), "yelp-main", SpanKind::Client, (50, 58));
        short[5] = span(6, Some(5), "mobile_api", SpanKind::Server, (51, 57));
        assert_eq!(ms(&short), [(1, 6), (2, 36), (3, 86), (4, 2), (5, 0), (6, 0)]);
    }

    #[test]
    fn a_server_span_without_its_client_is_walked_inside_the_span_around_it() {
        // The GenAI test trace in small: `gateway`'s request (0–100 ms) has
        // a childless `execution` (1–99) and, beside it as recorded though
        // inside it in time, `agent`'s server span (2–90) with a call of its
        // own (3–20); no client span is in the data.
        use crate::model::SpanKind;
        let spans = |agent: (SpanKind, &'static str, Option<u64>)| {
            let (kind, service, parent) = agent;
            vec![
                span(1, None, "gateway", SpanKind::Server, (0, 100)),
                span(2, Some(1), "gateway", SpanKind::Internal, (1, 99)),
                span(3, parent, service, kind, (2, 90)),
                span(4, Some(3), service, SpanKind::Client, (3, 20)),
            ]
        };
        let ms = |spans: &[crate::synth::SynthSpan]| {
            let (set, index) = imported(spans);
            path_ms(&set, &index)
        };
        // `execution` holds 1–2 and 90–99 (10 ms); the agent 2–3 and 20–90.
        assert_eq!(
            ms(&spans((SpanKind::Server, "agent", Some(1)))),
            [(1, 2), (2, 10), (3, 71), (4, 17)]
        );
        // Of the same service as its parent: a span of the request, as
        // recorded (the leaf ended last and holds the path).
        assert_eq!(
            ms(&spans((SpanKind::Server, "gateway", Some(1)))),
            [(1, 2), (2, 98), (3, 0), (4, 0)]
        );
        // Not a server span: an internal span of another service is not
        // read as the answer to a call.
        assert_eq!(
            ms(&spans((SpanKind::Internal, "agent", Some(1)))),
            [(1, 2), (2, 98), (3, 0), (4, 0)]
        );
        // Under the span around it already: walked as recorded.
        assert_eq!(
            ms(&spans((SpanKind::Server, "agent", Some(2)))),
            [(1, 2), (2, 10), (3, 71), (4, 17)]
        );
        // Under a client span: a call as recorded, whatever runs beside it.
        let mut client = spans((SpanKind::Server, "agent", Some(5)));
        client.push(span(5, Some(1), "gateway", SpanKind::Client, (2, 3)));
        assert_eq!(ms(&client), [(1, 2), (2, 98), (3, 0), (4, 0), (5, 0)]);
        // Nor when it covers less than half of the span around it: a 10 ms
        // answer in 98 ms of own time is no sign the context was lost.
        let mut short = spans((SpanKind::Server, "agent", Some(1)));
        short[2] = span(3, Some(1), "agent", SpanKind::Server, (2, 12));
        short[3] = span(4, Some(3), "agent", SpanKind::Client, (3, 10));
        assert_eq!(ms(&short), [(1, 2), (2, 98), (3, 0), (4, 0)]);
    }

    #[test]
    fn units_walked_from_their_own_span_keep_their_own_path() {
        // A 1 ms root, a unit that starts after it ended (1: 10-50 ms, its
        // child 2 holds 20-45) and a unit nested in it (3 at 30-40, walked
        // first: its time stays its own, the outer unit's child waited).
        let (set, index) = build(&[
            Tree {
                id: 1,
                parent: None,
                start: 0,
                end: 1,
            },
            Tree {
                id: 2,
                parent: Some(1),
                start: 10,
                end: 50,
            },
            Tree {
                id: 3,
                parent: Some(2),
                start: 20,
                end: 45,
            },
            Tree {
                id: 4,
                parent: Some(3),
                start: 30,
                end: 40,
            },
        ]);
        let at = |id: u64| set.spans.iter().position(|s| s.span_id.get() == id).unwrap() as u32;
        let times = on_path_times_from(&set, &index, &[at(1), at(2), at(4)]);
        let ms = |id: u64| times[at(id) as usize].0 / 1_000_000;
        assert_eq!((ms(1), ms(2), ms(4)), (1, 15, 10));
        // Unit 2's path: itself 15 ms, span 3 25 ms (its wait on unit 4 included).
        assert_eq!(ms(2) + ms(3), 40);
        // The trace's own walk never reaches work after its root ended.
        assert_eq!(on_path_times(&set, &index)[at(2) as usize].0, 0);
    }

    #[test]
    fn the_example_in_the_docs() {
        let path = path_of(&[
            Tree {
                id: 1,
                parent: None,
                start: 0,
                end: 70,
            }, // root
            Tree {
                id: 2,
                parent: Some(1),
                start: 10,
                end: 30,
            }, // A
            Tree {
                id: 3,
                parent: Some(1),
                start: 5,
                end: 20,
            }, // B
            Tree {
                id: 4,
                parent: Some(3),
                start: 8,
                end: 15,
            }, // B1
            Tree {
                id: 5,
                parent: Some(1),
                start: 35,
                end: 58,
            }, // C
        ]);
        // root 0-5, 30-35, 58-70 = 22 ms; C 35-58 = 23; A 10-30 = 20; B1 8-10 = 2; B 5-8 = 3.
        assert_eq!(path, vec![(1, 22), (2, 20), (3, 3), (4, 2), (5, 23)]);
        assert_eq!(
            path.iter().map(|(_, t)| t).sum::<u64>(),
            70,
            "the path covers the whole trace"
        );
    }

    #[test]
    fn a_child_outliving_its_parent_is_clipped() {
        let path = path_of(&[
            Tree {
                id: 1,
                parent: None,
                start: 0,
                end: 50,
            },
            Tree {
                id: 2,
                parent: Some(1),
                start: 10,
                end: 90,
            }, // async work past the response
        ]);
        assert_eq!(path, vec![(1, 10), (2, 40)]);
    }

    #[test]
    fn untimed_and_earlier_children_do_not_count() {
        // Found by review: a child without a start time, or one that ended before its
        // parent began, once credited the parent with time before it started.
        let path = path_of(&[
            Tree {
                id: 1,
                parent: None,
                start: 100,
                end: 200,
            },
            Tree {
                id: 2,
                parent: Some(1),
                start: 10,
                end: 50,
            },
            Tree {
                id: 3,
                parent: Some(1),
                start: 120,
                end: 150,
            },
        ]);
        assert_eq!(path, vec![(1, 70), (2, 0), (3, 30)]);
        assert_eq!(
            path.iter().map(|(_, t)| t).sum::<u64>(),
            100,
            "never more than the root's duration"
        );
    }

    #[test]
    fn parallel_children_only_the_last_finisher_counts() {
        let path = path_of(&[
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
                end: 60,
            },
            Tree {
                id: 3,
                parent: Some(1),
                start: 10,
                end: 90,
            },
        ]);
        // 3 ends last (90): on the path 10-90; 2 started at 10 too, so nothing left for it.
        assert_eq!(path, vec![(1, 20), (2, 0), (3, 80)]);
    }
}
