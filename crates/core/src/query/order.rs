//! The trace orders of every sort key, made once per catalog, and the walk
//! over one of them in either direction with the fixed tie-break (start,
//! then trace ID, ascending), so a query sorts nothing.

use super::SortKey;
use crate::ids::TraceId;
use crate::time::{DurationNs, TimestampNs};

/// What a trace is sorted by.
#[derive(Clone, Copy, Debug)]
pub(super) struct SortFields {
    pub(super) trace_id: TraceId,
    pub(super) start: TimestampNs,
    pub(super) duration: DurationNs,
    pub(super) spans: u32,
    pub(super) errors: u32,
}

impl SortFields {
    /// The value of `key`; traces equal in it are ordered by the tie-break.
    fn key(&self, key: SortKey) -> u64 {
        match key {
            SortKey::Start => self.start.0,
            SortKey::Duration => self.duration.0,
            SortKey::Spans => u64::from(self.spans),
            SortKey::Errors => u64::from(self.errors),
        }
    }
}

/// Trace positions ascending in each key, ties by start then trace ID.
#[derive(Clone, Debug, Default)]
pub(super) struct Orders {
    by: [Vec<u32>; 4],
}

const KEYS: [SortKey; 4] = [SortKey::Start, SortKey::Duration, SortKey::Spans, SortKey::Errors];

fn slot(key: SortKey) -> usize {
    match key {
        SortKey::Start => 0,
        SortKey::Duration => 1,
        SortKey::Spans => 2,
        SortKey::Errors => 3,
    }
}

impl Orders {
    pub(super) fn of(fields: &[SortFields]) -> Orders {
        let order = |key: SortKey| {
            let mut order: Vec<u32> = (0..fields.len() as u32).collect();
            // The whole key in the comparison: no reliance on the index's own order.
            order.sort_unstable_by_key(|&t| {
                let f = &fields[t as usize];
                (f.key(key), f.start, f.trace_id)
            });
            order
        };
        Orders { by: KEYS.map(order) }
    }

    /// Calls `visit` with every trace position in `key` order. Descending
    /// walks the ascending order backwards one run of equal keys at a time,
    /// each run forwards, so ties stay by start then ID ascending.
    pub(super) fn walk(&self, fields: &[SortFields], key: SortKey, descending: bool, mut visit: impl FnMut(u32)) {
        let order = self.by[slot(key)].as_slice();
        if !descending {
            order.iter().for_each(|&t| visit(t));
            return;
        }
        let key_at = |i: usize| fields.get(order[i] as usize).map_or(0, |f| f.key(key));
        let mut end = order.len();
        while end > 0 {
            let value = key_at(end - 1);
            let mut start = end - 1;
            while start > 0 && key_at(start - 1) == value {
                start -= 1;
            }
            order[start..end].iter().for_each(|&t| visit(t));
            end = start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(rows: &[(u64, u64, u128)]) -> Vec<SortFields> {
        rows.iter()
            .map(|&(start, duration, id)| SortFields {
                trace_id: TraceId(id),
                start: TimestampNs(start),
                duration: DurationNs(duration),
                spans: 1,
                errors: 0,
            })
            .collect()
    }

    fn walked(fields: &[SortFields], key: SortKey, descending: bool) -> Vec<u32> {
        let mut seen = Vec::new();
        Orders::of(fields).walk(fields, key, descending, |t| seen.push(t));
        seen
    }

    #[test]
    fn ties_are_by_start_then_id_in_both_directions() {
        // (start, duration, id)
        let f = fields(&[(30, 5, 1), (10, 5, 2), (10, 9, 3), (20, 1, 4), (10, 5, 0)]);
        assert_eq!(walked(&f, SortKey::Duration, false), [3, 4, 1, 0, 2]);
        assert_eq!(walked(&f, SortKey::Duration, true), [2, 4, 1, 0, 3]);
        assert_eq!(walked(&f, SortKey::Start, false), [4, 1, 2, 3, 0]);
        assert_eq!(walked(&f, SortKey::Start, true), [0, 3, 4, 1, 2]);
        // All equal: the same order both ways.
        assert_eq!(walked(&f, SortKey::Spans, true), walked(&f, SortKey::Spans, false));
    }

    #[test]
    fn nothing_to_walk() {
        assert!(walked(&[], SortKey::Errors, true).is_empty());
    }
}
