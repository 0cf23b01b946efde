//! Exact order statistics over durations.
//!
//! Percentiles use the nearest-rank definition: the p-th percentile of n sorted
//! values is the value at rank ⌈p/100 · n⌉. It is always a duration that was
//! actually observed, never an interpolation, and is computed in integers so
//! the CLI and the browser agree to the nanosecond.

use crate::time::DurationNs;
use serde::Serialize;

/// A percentile in thousandths of a percent, so p99.9 is exact: `Percentile(99_900)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Percentile(pub u32);

impl Percentile {
    /// The median.
    pub const P50: Percentile = Percentile(50_000);
    /// The 95th percentile.
    pub const P95: Percentile = Percentile(95_000);
    /// The 99th percentile.
    pub const P99: Percentile = Percentile(99_000);
}

/// The nearest-rank percentile of `sorted` (ascending). `None` when empty.
pub fn percentile(sorted: &[DurationNs], p: Percentile) -> Option<DurationNs> {
    let n = sorted.len() as u128;
    let rank = (u128::from(p.0) * n).div_ceil(100_000).clamp(1, n.max(1));
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

/// Count, extremes and the standard percentiles of a set of durations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DurationSummary {
    /// Number of values.
    pub count: u64,
    /// Smallest.
    pub min: DurationNs,
    /// Arithmetic mean, rounded down.
    pub mean: DurationNs,
    /// Median.
    pub p50: DurationNs,
    /// 95th percentile.
    pub p95: DurationNs,
    /// 99th percentile.
    pub p99: DurationNs,
    /// Largest.
    pub max: DurationNs,
}

impl DurationSummary {
    /// Summarises `durations` (any order; sorted in place). `None` when empty.
    pub fn of(durations: &mut [DurationNs]) -> Option<DurationSummary> {
        durations.sort_unstable();
        let sum: u128 = durations.iter().map(|d| u128::from(d.0)).sum();
        let count = durations.len() as u64;
        Some(DurationSummary {
            count,
            min: *durations.first()?,
            mean: DurationNs(u64::try_from(sum / u128::from(count.max(1))).unwrap_or(u64::MAX)),
            p50: percentile(durations, Percentile::P50)?,
            p95: percentile(durations, Percentile::P95)?,
            p99: percentile(durations, Percentile::P99)?,
            max: *durations.last()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(values: &[u64]) -> Vec<DurationNs> {
        values.iter().map(|&v| DurationNs(v)).collect()
    }

    #[test]
    fn nearest_rank_on_one_to_hundred() {
        let values = ns(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&values, Percentile::P50), Some(DurationNs(50)));
        assert_eq!(percentile(&values, Percentile::P95), Some(DurationNs(95)));
        assert_eq!(percentile(&values, Percentile::P99), Some(DurationNs(99)));
        assert_eq!(percentile(&values, Percentile(99_900)), Some(DurationNs(100)));
        assert_eq!(percentile(&values, Percentile(0)), Some(DurationNs(1)));
        assert_eq!(percentile(&values, Percentile(100_000)), Some(DurationNs(100)));
    }

    #[test]
    fn small_samples_pick_observed_values() {
        // Rank ⌈0.5·4⌉ = 2 → the second value; ⌈0.95·4⌉ = 4 → the largest.
        let values = ns(&[10, 20, 30, 40]);
        assert_eq!(percentile(&values, Percentile::P50), Some(DurationNs(20)));
        assert_eq!(percentile(&values, Percentile::P95), Some(DurationNs(40)));
        assert_eq!(percentile(&[], Percentile::P50), None);
        assert_eq!(percentile(&ns(&[7]), Percentile::P99), Some(DurationNs(7)));
    }

    #[test]
    fn summary_of_unsorted_values() {
        let mut values = ns(&[30, 10, 20, 1000]);
        let summary = DurationSummary::of(&mut values).unwrap();
        assert_eq!(summary.count, 4);
        assert_eq!(summary.min, DurationNs(10));
        assert_eq!(summary.mean, DurationNs(265));
        assert_eq!(summary.p50, DurationNs(20));
        assert_eq!(summary.max, DurationNs(1000));
        assert!(DurationSummary::of(&mut []).is_none());
    }
}
