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
use serde::{Deserialize, Serialize};

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
    sorted.get(rank_index(sorted.len(), p)?).copied()
}

/// Where the nearest-rank percentile `p` of `n` values sits once they are
/// sorted (0-based); `None` when `n` is 0.
fn rank_index(n: usize, p: Percentile) -> Option<usize> {
    let n = n as u128;
    let rank = (u128::from(p.0) * n).div_ceil(100_000).clamp(1, n.max(1));
    usize::try_from(rank - 1).ok().filter(|_| n > 0)
}

/// The percentiles Tracelens reports, ascending.
const REPORTED: [Percentile; 6] = [
    Percentile::P50,
    Percentile::P75,
    Percentile::P90,
    Percentile::P95,
    Percentile::P99,
    Percentile::P999,
];

/// Count, extremes, mean, spread and percentiles of a set of durations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
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
    /// Summarises `durations` (any order; reordered in place). `None` when
    /// empty. Finds the six percentiles by selection instead of sorting: each
    /// is exactly the value a sort would put at its rank, in linear time.
    pub fn of(durations: &mut [DurationNs]) -> Option<DurationSummary> {
        let n = durations.len();
        let mut marks = [DurationNs(0); 6];
        // Each select leaves everything from its rank on at least as large, so
        // the next (higher) rank is searched for only to the right of it.
        let mut from = 0;
        for (mark, p) in marks.iter_mut().zip(REPORTED) {
            let rank = rank_index(n, p)?;
            let rest = durations.get_mut(from..)?;
            let (_, value, _) = rest.select_nth_unstable(rank.checked_sub(from)?);
            *mark = *value;
            from = rank;
        }
        let count = n as u64;
        let sum: u128 = durations.iter().map(|d| u128::from(d.0)).sum();
        let mean = sum as f64 / count as f64;
        let variance = durations.iter().map(|d| (d.0 as f64 - mean).powi(2)).sum::<f64>() / count as f64;
        let [p50, p75, p90, p95, p99, p999] = marks;
        Some(DurationSummary {
            count,
            min: durations.iter().copied().min()?,
            mean: DurationNs(u64::try_from(sum / u128::from(count)).unwrap_or(u64::MAX)),
            stddev_ns: variance.sqrt(),
            p50,
            p75,
            p90,
            p95,
            p99,
            p999,
            max: durations.iter().copied().max()?,
        })
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
    fn selection_gives_what_sorting_gives() {
        let mut rng = fastrand::Rng::with_seed(11);
        for len in (1..200).chain([1_000, 4_321]) {
            // Few distinct values too, so ties land on the ranks.
            let spread = if len % 3 == 0 { 5 } else { 1_000_000 };
            let mut values: Vec<DurationNs> = (0..len).map(|_| DurationNs(rng.u64(0..spread))).collect();
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let expected = DurationSummary::of_sorted(&sorted).unwrap();
            let actual = DurationSummary::of(&mut values).unwrap();
            // The spread is summed in another order: equal up to rounding.
            assert!((actual.stddev_ns - expected.stddev_ns).abs() <= 1e-9 * expected.stddev_ns.max(1.0));
            let actual = DurationSummary {
                stddev_ns: expected.stddev_ns,
                ..actual
            };
            assert_eq!(actual, expected, "{len} values");
        }
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
