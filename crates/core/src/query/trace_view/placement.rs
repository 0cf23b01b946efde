//! Where a span's duration sits among its operation's: "p97 of 1,204
//! `GET /api/cart` spans". An operation is a service and a span name, as in
//! the operation table, and the same spans count: those with a known
//! duration. The p95 a bar is tinted above is the table's exact p95.

use crate::intern::Sym;
use crate::model::{Span, TraceSet};
use crate::stats::{Percentile, percentile};
use crate::time::DurationNs;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Sorted known durations of every operation of a set; built once per set
/// (one pass and one sort per operation) and kept while traces are opened.
#[derive(Debug, Default)]
pub struct OperationDurations {
    by_operation: HashMap<(Sym, Sym), Vec<DurationNs>>,
}

/// One span's place among its operation's spans.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// Share of the operation's spans lasting at most as long, as a whole
    /// percentile 1..=100 (the slowest span is p100).
    pub percentile: u8,
    /// How many spans of the operation have a known duration.
    pub count: u64,
    /// The operation's median.
    pub p50: DurationNs,
    /// The operation's p95, exact as in the tables.
    pub p95: DurationNs,
    /// Whether this span lasted longer than that p95.
    pub above_p95: bool,
}

impl OperationDurations {
    /// Gathers the durations of every operation of `set`.
    pub fn of(set: &TraceSet) -> OperationDurations {
        let mut by_operation: HashMap<(Sym, Sym), Vec<DurationNs>> = HashMap::new();
        for span in set.spans.iter().filter(|s| s.duration_known()) {
            by_operation
                .entry((span.service, span.name))
                .or_default()
                .push(span.duration);
        }
        for durations in by_operation.values_mut() {
            durations.sort_unstable();
        }
        OperationDurations { by_operation }
    }

    /// Where `span` sits among its operation's spans; `None` when its
    /// duration is unknown.
    pub fn place(&self, span: &Span) -> Option<Placement> {
        if !span.duration_known() {
            return None;
        }
        let sorted = self.by_operation.get(&(span.service, span.name))?;
        let at_most = sorted.partition_point(|d| *d <= span.duration);
        let count = sorted.len();
        let p95 = percentile(sorted, Percentile::P95)?;
        // In integers: 29 of 100 is p29 (in floating point 0.29 × 100 is 28.999…).
        let whole = (at_most as u64 * 100 / count.max(1) as u64).clamp(1, 100);
        Some(Placement {
            // At least p1: one span of one is p100, the fastest of many p1.
            percentile: whole as u8,
            count: count as u64,
            p50: percentile(sorted, Percentile::P50)?,
            p95,
            above_p95: span.duration > p95,
        })
    }
}
