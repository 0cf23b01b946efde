//! The current period reduced to what the next period's comparison needs, and
//! back: a report's [`PeriodSummary`] becomes the regression detector's
//! [`Samples`], so a report used as the baseline is judged by the same rank
//! test as the trace files it was made from.
//!
//! Per endpoint and per operation under each endpoint (the comparison's
//! rows) the summary keeps the exact count, traces, p50, p95 and p99, and
//! the durations themselves up to [`SAMPLE_LIMIT`]; a busier group keeps
//! that many at evenly spaced ranks (the midpoints of equal-count strata), so
//! the sample has the group's shape. With every duration kept the comparison
//! is exactly the one the raw files give; with a sample, the table's counts
//! and percentiles stay exact and only the rank test's p-value is an
//! approximation (computed on fewer values, so slightly less certain).

use super::model::{GroupSummary, PeriodSummary};
use crate::analysis::detectors::regression::{Samples, Side, Summarised};
use crate::stats::{Percentile, percentile};
use crate::time::DurationNs;

/// Most durations a group keeps. 2,000 keeps every duration of a group with
/// up to 2,000 spans in the period, and a JSON of a few hundred kilobytes for
/// a hundred groups.
pub const SAMPLE_LIMIT: usize = 2_000;

/// What [`PeriodSummary::approximate`] says.
pub const APPROXIMATE: &str = "Counts, traces and percentiles (p50, p95, p99) are exact. Groups with more \
     spans than sample_limit keep that many durations at evenly spaced ranks: used as a baseline, their rank \
     test runs on the sample (p-values approximate) and their histogram is the sample's shape. Groups within \
     the limit keep every duration and compare exactly.";

/// The summary of a period's samples, every group with at most `limit` durations.
pub fn summarise(samples: &Samples, limit: usize) -> PeriodSummary {
    let (spans, traces) = samples.totals();
    let groups = samples
        .groups()
        .map(|g| {
            let at = |p| percentile(g.durations, p).unwrap_or_default();
            GroupSummary {
                kind: g.kind,
                endpoint: g.endpoint.map(str::to_owned),
                service: g.service.to_owned(),
                name: g.name.to_owned(),
                count: g.durations.len() as u64,
                traces: g.traces,
                p50: at(Percentile::P50),
                p95: at(Percentile::P95),
                p99: at(Percentile::P99),
                sample: sample(g.durations, limit),
            }
        })
        .collect();
    PeriodSummary {
        approximate: APPROXIMATE.to_owned(),
        sample_limit: limit as u64,
        spans,
        traces,
        groups,
    }
}

/// The samples a summary stands for, to compare a later period with.
pub fn samples(summary: &PeriodSummary) -> Samples {
    let groups = summary.groups.iter().map(|g| Summarised {
        kind: g.kind,
        endpoint: g.endpoint.clone(),
        service: g.service.clone(),
        name: g.name.clone(),
        side: Side {
            count: g.count,
            traces: g.traces,
            p50: g.p50,
            p95: g.p95,
        },
        sample: g.sample.clone(),
    });
    Samples::from_summaries(summary.spans, summary.traces, groups)
}

/// `sorted` itself when it has at most `limit` values, else `limit` values
/// at the midpoints of `limit` equal-count strata: deterministic, and spread
/// over the whole range from the fastest to the slowest.
pub fn sample(sorted: &[DurationNs], limit: usize) -> Vec<DurationNs> {
    let n = sorted.len();
    if n <= limit {
        return sorted.to_vec();
    }
    (0..limit)
        .filter_map(|i| {
            // Midpoint of stratum i: (2i + 1)·n / (2·limit), in integers (no overflow for any usize n).
            let rank = ((2 * i as u128 + 1) * n as u128 / (2 * limit as u128)) as usize;
            sorted.get(rank).copied()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(values: impl IntoIterator<Item = u64>) -> Vec<DurationNs> {
        values.into_iter().map(DurationNs).collect()
    }

    #[test]
    fn small_groups_keep_every_duration() {
        let all = ns(0..10);
        assert_eq!(sample(&all, 10), all);
    }

    #[test]
    fn large_groups_keep_evenly_spaced_ranks() {
        let all = ns(0..1000);
        let kept = sample(&all, 10);
        assert_eq!(kept, ns([50, 150, 250, 350, 450, 550, 650, 750, 850, 950]));
        assert_eq!(sample(&all, 10), kept, "the same every time");
    }
}
