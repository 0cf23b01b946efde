//! Duration histograms on a logarithmic scale, as data for the UI and the report.
//!
//! Latencies span orders of magnitude, so buckets grow geometrically from the
//! smallest to the largest duration. The bucket count follows the
//! Freedman–Diaconis rule on log durations (width = 2·IQR·n^(−1/3)), clamped to
//! 8–50 buckets so a chart stays readable; identical durations give one bucket.

use super::{Percentile, percentile};
use crate::time::DurationNs;
use serde::{Deserialize, Serialize};

/// Fewest and most buckets drawn.
const MIN_BUCKETS: usize = 8;
const MAX_BUCKETS: usize = 50;

/// One bucket: durations in `[low, high)` (the last bucket includes `high`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// Lower bound, inclusive.
    pub low: DurationNs,
    /// Upper bound, exclusive except for the last bucket.
    pub high: DurationNs,
    /// Durations in the bucket.
    pub count: u64,
}

/// A log-scale histogram with the percentile marks drawn over it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Buckets from shortest to longest; their counts add up to the sample size.
    pub buckets: Vec<Bucket>,
    /// Median.
    pub p50: DurationNs,
    /// 95th percentile.
    pub p95: DurationNs,
    /// 99th percentile.
    pub p99: DurationNs,
}

/// The histogram of `sorted` (ascending); `None` when empty.
pub fn log_histogram(sorted: &[DurationNs]) -> Option<Histogram> {
    let (min, max) = (sorted.first()?.0.max(1), sorted.last()?.0.max(1));
    let marks = (
        percentile(sorted, Percentile::P50)?,
        percentile(sorted, Percentile::P95)?,
        percentile(sorted, Percentile::P99)?,
    );
    let (lo, hi) = ((min as f64).ln(), (max as f64).ln());
    let count = if max == min { 1 } else { bucket_count(sorted, hi - lo) };
    let ratio = ((hi - lo) / count as f64).exp();
    // Bounds computed once, rounded to whole nanoseconds, strictly increasing.
    let mut bounds: Vec<u64> = (0..=count)
        .map(|i| (min as f64 * ratio.powi(i as i32)).round() as u64)
        .collect();
    // Float rounding must not push a bound outside [min, max] or out of order.
    if let Some(first) = bounds.first_mut() {
        *first = min;
    }
    if let Some(last) = bounds.last_mut() {
        *last = max;
    }
    let mut previous = min;
    for bound in bounds.iter_mut().skip(1) {
        *bound = (*bound).clamp(previous, max);
        previous = *bound;
    }
    bounds.dedup();
    if bounds.len() < 2 {
        bounds = vec![min, max];
    }
    let mut buckets: Vec<Bucket> = bounds
        .windows(2)
        .map(|w| Bucket {
            low: DurationNs(w[0]),
            high: DurationNs(w[1]),
            count: 0,
        })
        .collect();
    let last = buckets.len() - 1;
    let mut b = 0;
    for d in sorted {
        let d = d.0.max(1);
        while b < last && d >= buckets[b].high.0 {
            b += 1;
        }
        buckets[b].count += 1;
    }
    Some(Histogram {
        buckets,
        p50: marks.0,
        p95: marks.1,
        p99: marks.2,
    })
}

fn bucket_count(sorted: &[DurationNs], log_range: f64) -> usize {
    let ln = |p| percentile(sorted, p).map_or(0.0, |d: DurationNs| (d.0.max(1) as f64).ln());
    let iqr = ln(Percentile::P75) - ln(Percentile(25_000));
    let width = 2.0 * iqr * (sorted.len() as f64).powf(-1.0 / 3.0);
    let count = if width > 0.0 {
        (log_range / width).ceil() as usize
    } else {
        MAX_BUCKETS
    };
    count.clamp(MIN_BUCKETS, MAX_BUCKETS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_bounds_grow_geometrically() {
        let mut values: Vec<DurationNs> = (1..=1000u64).map(|i| DurationNs(i * i * 1_000)).collect();
        values.sort_unstable();
        let h = log_histogram(&values).unwrap();
        assert!((MIN_BUCKETS..=MAX_BUCKETS).contains(&h.buckets.len()));
        assert_eq!(h.buckets.iter().map(|b| b.count).sum::<u64>(), 1000);
        assert_eq!(h.buckets.first().unwrap().low, DurationNs(1_000));
        assert_eq!(h.buckets.last().unwrap().high, DurationNs(1_000_000_000));
        let ratios: Vec<f64> = h.buckets.iter().map(|b| b.high.0 as f64 / b.low.0 as f64).collect();
        let first = ratios[0];
        assert!(ratios.iter().all(|r| (r / first - 1.0).abs() < 0.01), "{ratios:?}");
        // Each bucket holds exactly the values within its bounds (the last one includes its top).
        let top = h.buckets.last().unwrap().high;
        for b in &h.buckets {
            let inside = values
                .iter()
                .filter(|v| b.low <= **v && (**v < b.high || (b.high == top && **v == top)))
                .count();
            assert_eq!(inside as u64, b.count, "{b:?}");
        }
        assert_eq!(h.p50, DurationNs(500 * 500 * 1_000));
    }

    #[test]
    fn huge_close_values_keep_ordered_bounds() {
        // Found by review: near 3.6e16 ns float steps exceed the spread.
        let values = vec![
            DurationNs(36_028_797_018_987_725),
            DurationNs(36_028_797_018_988_000),
            DurationNs(36_028_797_018_988_118),
        ];
        let h = log_histogram(&values).unwrap();
        assert_eq!(h.buckets.first().unwrap().low, values[0]);
        assert_eq!(h.buckets.last().unwrap().high, values[2]);
        assert!(h.buckets.iter().all(|b| b.low <= b.high));
        assert!(h.buckets.windows(2).all(|w| w[0].high == w[1].low));
        assert_eq!(h.buckets.iter().map(|b| b.count).sum::<u64>(), 3);
    }

    #[test]
    fn identical_values_make_one_bucket() {
        let values = vec![DurationNs(42); 5];
        let h = log_histogram(&values).unwrap();
        assert_eq!(
            h.buckets,
            vec![Bucket {
                low: DurationNs(42),
                high: DurationNs(42),
                count: 5
            }]
        );
        assert!(log_histogram(&[]).is_none());
    }
}
