//! Exact order statistics over durations.
//!
//! Percentiles use the nearest-rank definition: the p-th percentile of n sorted
//! values is the value at rank ⌈p/100 · n⌉. It is always a duration that was
//! actually observed, never an interpolation, and is computed in integers so
//! the CLI and the browser agree to the nanosecond. Sorting is exact and fast
//! enough at a million spans, so no sketch or approximation is used.

pub mod histogram;
pub mod outliers;
pub mod rank_test;

use crate::time::DurationNs;
use serde::Serialize;

/// A percentile in thousandths of a percent, so p99.9 is exact: `Percentile(99_900)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Percentile(pub u32);

impl Percentile {
    /// The median.
    pub const P50: Percentile = Percentile(50_000);
    /// The 75th percentile.
    pub const P75: Percentile = Percentile(75_000);
    /// The 90th percentile.
    pub const P90: Percentile = Percentile(90_000);
    /// The 95th percentile.
    pub const P95: Percentile = Percentile(95_000);
    /// The 99th percentile.
    pub const P99: Percentile = Percentile(99_000);
    /// The 99.9th percentile.
    pub const P999: Percentile = Percentile(99_900);
}

/// The nearest-rank percentile of `sorted` (ascending). `None` when empty.
pub fn percentile(sorted: &[DurationNs], p: Percentile) -> Option<DurationNs> {
    let n = sorted.len() as u128;
    let rank = (u128::from(p.0) * n).div_ceil(100_000).clamp(1, n.max(1));
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

/// Count, extremes, mean, spread and percentiles of a set of durations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DurationSummary {
    /// Number of values.
    pub count: u64,
    /// Smallest.
    pub min: DurationNs,
    /// Arithmetic mean, rounded down.
    pub mean: DurationNs,
    /// Population standard deviation, in nanoseconds.
    pub stddev_ns: f64,
    /// Median.
    pub p50: DurationNs,
    /// 75th percentile.
    pub p75: DurationNs,
    /// 90th percentile.
    pub p90: DurationNs,
    /// 95th percentile.
    pub p95: DurationNs,
    /// 99th percentile.
    pub p99: DurationNs,
    /// 99.9th percentile.
    pub p999: DurationNs,
    /// Largest.
    pub max: DurationNs,
}

impl DurationSummary {
    /// Summarises `durations` (any order; sorted in place). `None` when empty.
    pub fn of(durations: &mut [DurationNs]) -> Option<DurationSummary> {
        durations.sort_unstable();
        DurationSummary::of_sorted(durations)
    }

    /// Summarises durations already sorted ascending. `None` when empty.
    pub fn of_sorted(sorted: &[DurationNs]) -> Option<DurationSummary> {
        let count = sorted.len() as u64;
        let sum: u128 = sorted.iter().map(|d| u128::from(d.0)).sum();
        let mean = sum as f64 / count.max(1) as f64;
        // Two passes (mean, then squared deviations) stay accurate where the
        // one-pass sum-of-squares formula cancels catastrophically.
        let variance = sorted.iter().map(|d| (d.0 as f64 - mean).powi(2)).sum::<f64>() / count.max(1) as f64;
        let at = |p| percentile(sorted, p);
        Some(DurationSummary {
            count,
            min: *sorted.first()?,
            mean: DurationNs(u64::try_from(sum / u128::from(count.max(1))).unwrap_or(u64::MAX)),
            stddev_ns: variance.sqrt(),
            p50: at(Percentile::P50)?,
            p75: at(Percentile::P75)?,
            p90: at(Percentile::P90)?,
            p95: at(Percentile::P95)?,
            p99: at(Percentile::P99)?,
            p999: at(Percentile::P999)?,
            max: *sorted.last()?,
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
        // Population standard deviation of 10, 20, 30, 1000 (mean 265), computed by hand:
        // sqrt((255² + 245² + 235² + 735²) / 4) = sqrt(180 125) ≈ 424.4
        let expected = ((255f64.powi(2) + 245f64.powi(2) + 235f64.powi(2) + 735f64.powi(2)) / 4.0).sqrt();
        assert!((summary.stddev_ns - expected).abs() < 1e-9, "{}", summary.stddev_ns);
        assert!(DurationSummary::of(&mut []).is_none());
    }
}
