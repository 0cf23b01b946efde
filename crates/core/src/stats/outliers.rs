//! Outlier removal, stated so a reader knows what "robust" numbers mean.
//!
//! Method: Tukey's fences on the natural logarithm of the durations. Latencies
//! are right-skewed (roughly log-normal), so fences on raw values would cut off
//! the ordinary slow tail; on the log scale a value is an outlier when it lies
//! more than `k` interquartile ranges beyond the quartiles:
//!
//! ```text
//! keep d  ⇔  Q1 − k·IQR ≤ ln d ≤ Q3 + k·IQR,   IQR = Q3 − Q1,   k = 1.5
//! ```
//!
//! Quartiles use the same nearest-rank rule as every percentile here; a
//! duration of 0 counts as 1 ns. With fewer than 4 values, or when the
//! quartiles are equal (a coarse clock), nothing is removed: the fences would
//! say nothing.

use super::{Percentile, percentile};
use crate::time::DurationNs;

/// Tukey's default multiplier.
pub const TUKEY_K: f64 = 1.5;

/// The method, as reports state it.
pub const METHOD: &str = "Tukey fences (k = 1.5) on log duration";

/// The durations at or inside the fences: a contiguous part of `sorted`
/// (ascending), and how many were removed.
pub fn without_outliers(sorted: &[DurationNs]) -> (&[DurationNs], usize) {
    let Some((low, high)) = fences(sorted, TUKEY_K) else {
        return (sorted, 0);
    };
    let start = sorted.partition_point(|d| ln(*d) < low);
    let end = sorted.partition_point(|d| ln(*d) <= high);
    let kept = sorted.get(start..end.max(start)).unwrap_or_default();
    (kept, sorted.len() - kept.len())
}

/// The fences on the log scale, or `None` for fewer than 4 values.
fn fences(sorted: &[DurationNs], k: f64) -> Option<(f64, f64)> {
    if sorted.len() < 4 {
        return None;
    }
    let q1 = ln(percentile(sorted, Percentile(25_000))?);
    let q3 = ln(percentile(sorted, Percentile::P75)?);
    let iqr = q3 - q1;
    // Half the values or more are equal (a coarse clock): fences of zero width
    // would call every other value an outlier. Nothing is removed then.
    if iqr <= 0.0 {
        return None;
    }
    Some((q1 - k * iqr, q3 + k * iqr))
}

fn ln(d: DurationNs) -> f64 {
    (d.0.max(1) as f64).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(values: &[u64]) -> Vec<DurationNs> {
        let mut v: Vec<DurationNs> = values.iter().map(|&x| DurationNs(x)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn a_far_value_is_removed_and_the_ordinary_tail_kept() {
        // Eight requests around 10 ms with a natural tail to 30 ms, and one 10 s hang.
        let values = ns(&[
            9_000_000,
            10_000_000,
            10_000_000,
            11_000_000,
            12_000_000,
            15_000_000,
            20_000_000,
            30_000_000,
            10_000_000_000,
        ]);
        let (kept, removed) = without_outliers(&values);
        assert_eq!(removed, 1);
        assert_eq!(kept.last(), Some(&DurationNs(30_000_000)));
    }

    #[test]
    fn fences_match_a_hand_computation() {
        // Quartiles by nearest rank of 8 values: Q1 = 2nd value, Q3 = 6th value.
        let values = ns(&[100, 200, 300, 400, 500, 600, 700, 100_000]);
        let (q1, q3) = (200f64.ln(), 600f64.ln());
        let high = q3 + 1.5 * (q3 - q1);
        assert!(700f64.ln() <= high && 100_000f64.ln() > high);
        let low = q1 - 1.5 * (q3 - q1);
        assert!(100f64.ln() >= low);
        let (kept, removed) = without_outliers(&values);
        assert_eq!((kept.len(), removed), (7, 1));
    }

    #[test]
    fn small_or_flat_samples_are_left_alone() {
        assert_eq!(without_outliers(&ns(&[1, 1_000_000_000, 5])).1, 0);
        assert_eq!(without_outliers(&ns(&[7, 7, 7, 7, 7])).1, 0);
        assert_eq!(without_outliers(&[]).1, 0);
        // Found by review: 80 zero durations and 20 of 5 ms once lost all 20.
        let mut coarse = vec![0u64; 80];
        coarse.extend([5_000_000; 20]);
        assert_eq!(without_outliers(&ns(&coarse)).1, 0);
    }
}
