//! Spans loaded twice: the same file dropped again, or one trace exported in
//! two spellings (OTLP JSON and protobuf, a Jaeger and a Zipkin download).
//! Every span would be there twice: counts, percentiles and N+1 findings
//! doubled, and every parent link ambiguous.
//!
//! After each file is read, each of its spans that is an identical copy of a
//! span already in the set (or earlier in the same file) is taken out again
//! and counted in the file's report as rejected with reason
//! [`RejectReason::DuplicateSpan`]: merged into the first copy, not dropped
//! silently. Identical means the same trace, span and parent IDs, name,
//! service, start and duration (known or not): what the analysis reads.
//! Copies that differ in any of these are kept; the index counts them as
//! duplicate span IDs and data quality reports them.
//!
//! Here rather than in the index, because the web app imports files one
//! after another into one set and every view reads `set.spans`: removing the
//! copy once keeps every count right without each reader skipping it. The
//! attributes and events of a removed copy stay in the stores, unreferenced
//! (they are only as large as the duplicates).

use super::shared_keys::{SharedKeys, ids_hash};
use super::{FileReport, RejectReason};
use crate::ids::{SpanId, TraceId};
use crate::intern::Sym;
use crate::model::{Span, TraceSet};
use crate::time::{DurationNs, TimestampNs};

/// Takes out the spans from `from` on that are identical copies of earlier
/// ones, and counts them in `report` (and in the set's copy of it). O(n log m)
/// for n spans in the set and m new ones, however many spans share an ID
/// (a hostile file of 100,000 spans with one ID must not take n²).
pub(super) fn merge_identical(set: &mut TraceSet, from: usize, report: &mut FileReport) {
    let Some(new) = set.spans.get(from..) else { return };
    if new.is_empty() {
        return;
    }
    // Only new spans that may share their IDs with another span, new or
    // earlier, can be copies or have copies: the others are left out of the
    // sort below, which took a tenth of an import with every span in it.
    let mut keys = SharedKeys::for_items(new.len());
    let bit = |keys: &SharedKeys, s: &Span| keys.bit(ids_hash(s.trace_id, s.span_id));
    for span in new {
        keys.insert(bit(&keys, span));
    }
    for span in set.spans.iter().take(from) {
        keys.touch(bit(&keys, span));
    }
    if !keys.any_shared() {
        return;
    }
    // Those new spans by ID, in load order within an ID; spans sharing an ID
    // (rare but for hostile files) further sorted by their `identity`, so
    // identical copies are one run, the first loaded first.
    let mut by_id: Vec<(TraceId, SpanId, u32)> = new
        .iter()
        .zip(0u32..)
        .filter(|(s, _)| keys.shared(bit(&keys, s)))
        .map(|(s, i)| (s.trace_id, s.span_id, i))
        .collect();
    by_id.sort_unstable();
    let key_of = |i: u32| new.get(i as usize).map(|s| (identity(s), i));
    for group in by_id
        .chunk_by_mut(|a, b| (a.0, a.1) == (b.0, b.1))
        .filter(|g| g.len() > 1)
    {
        group.sort_unstable_by_key(|&(_, _, i)| key_of(i));
    }
    let mut copy_of: Vec<Option<u32>> = vec![None; new.len()];
    // Copies of spans already in the set before this file: each run of
    // identical new spans is merged into the first earlier copy found.
    for (earlier, span) in set.spans.iter().take(from).enumerate() {
        let at = by_id.partition_point(|&(t, s, _)| (t, s) < (span.trace_id, span.span_id));
        let group = by_id.get(at..).unwrap_or_default();
        let group = group
            .get(..group.partition_point(|&(t, s, _)| (t, s) == (span.trace_id, span.span_id)))
            .unwrap_or_default();
        let wanted = identity(span);
        let run_start = group.partition_point(|&(_, _, i)| key_of(i).is_some_and(|(key, _)| key < wanted));
        let run = group.get(run_start..).unwrap_or_default().iter().map(|&(_, _, i)| i);
        let mut run = run
            .take_while(|&i| key_of(i).is_some_and(|(key, _)| key == wanted))
            .peekable();
        if run
            .peek()
            .is_some_and(|&i| copy_of.get(i as usize).is_some_and(Option::is_some))
        {
            continue; // merged into an earlier copy already
        }
        for i in run {
            if let Some(slot) = copy_of.get_mut(i as usize) {
                *slot = Some(earlier as u32);
            }
        }
    }
    // Copies within the file: a later span identical to the first of its run.
    for group in by_id.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)).filter(|g| g.len() > 1) {
        for run in group.chunk_by(|a, b| key_of(a.2).map(|k| k.0) == key_of(b.2).map(|k| k.0)) {
            let Some(&(_, _, first)) = run.first() else { continue };
            if copy_of.get(first as usize).is_some_and(Option::is_some) {
                continue; // the whole run is a copy of a span loaded before
            }
            for &(_, _, later) in run.iter().skip(1) {
                if let Some(slot) = copy_of.get_mut(later as usize) {
                    *slot = Some((from + first as usize) as u32);
                }
            }
        }
    }
    let merged = copy_of.iter().filter(|c| c.is_some()).count();
    if merged == 0 {
        return;
    }
    for (i, original) in copy_of.iter().enumerate() {
        let Some(original) = original else { continue };
        let example = || {
            let (Some(copy), Some(first)) = (set.spans.get(from + i), set.spans.get(*original as usize)) else {
                return String::new();
            };
            let place = match set.files.get(first.file as usize) {
                Some(file) if first.file != copy.file => format!("as in {}", file.name),
                _ => "as earlier in this file".to_owned(),
            };
            format!("trace {} span {}: the same span {place}", copy.trace_id, copy.span_id)
        };
        report.reject(RejectReason::DuplicateSpan, example);
    }
    report.spans_kept = report.spans_kept.saturating_sub(merged as u64);
    let mut at = 0usize;
    set.spans.retain(|_| {
        let copy = at >= from && copy_of.get(at - from).is_some_and(Option::is_some);
        at += 1;
        !copy
    });
    if let Some(stored) = set.files.last_mut()
        && stored.name == report.name
    {
        *stored = report.clone();
    }
}

/// What makes two spans the same as far as the analysis can tell.
type Identity = (TraceId, SpanId, Option<SpanId>, Sym, Sym, TimestampNs, DurationNs, bool);

fn identity(s: &Span) -> Identity {
    (
        s.trace_id,
        s.span_id,
        s.parent_span_id,
        s.name,
        s.service,
        s.start,
        s.duration,
        s.has_duration,
    )
}
