//! Did it get faster or slower: the endpoint table (requests, error rate,
//! p50, p95, p99, as the analysis computed them) and, with a baseline, each
//! endpoint's change as the comparison's rank test judged it, with both
//! periods' durations on shared histogram bins for a chart.
//!
//! The bins are the analysis' own log-scale rule
//! ([`crate::stats::histogram::log_histogram`]) applied to both periods'
//! durations together, so the two bar sets line up.

use super::model::{Direction, EndpointLatency, Latency, LatencyChange, Name, SharedHistogram};
use crate::analysis::Analysis;
use crate::analysis::detectors::regression::{Row, RowKind, Samples, Verdict};
use crate::stats::histogram::log_histogram;
use crate::time::DurationNs;
use std::collections::HashMap;

/// The latency section.
pub fn latency(analysis: &Analysis, current: &Samples, baseline: Option<&Samples>) -> Latency {
    let durations = |samples: &Samples| -> HashMap<(String, String), Vec<DurationNs>> {
        samples
            .groups()
            .filter(|g| g.kind == RowKind::Endpoint)
            .map(|g| ((g.service.to_owned(), g.name.to_owned()), g.durations.to_vec()))
            .collect()
    };
    let (now, then) = (durations(current), baseline.map(durations));
    let rows: HashMap<(&str, &str), &Row> = analysis
        .comparison
        .iter()
        .flat_map(|c| &c.rows)
        .filter(|r| r.kind == RowKind::Endpoint)
        .map(|r| ((r.service.as_str(), r.name.as_str()), r))
        .collect();
    let endpoints = analysis
        .groups
        .endpoints
        .iter()
        .map(|g| {
            let key = (g.service.clone(), g.name.clone());
            let empty = Vec::new();
            let before = then.as_ref().map(|t| t.get(&key).unwrap_or(&empty));
            EndpointLatency {
                endpoint: Name {
                    service: g.service.clone(),
                    name: g.name.clone(),
                },
                requests: g.durations.count,
                error_rate: g.error_rate,
                p50: g.durations.p50,
                p95: g.durations.p95,
                p99: g.durations.p99,
                change: rows.get(&(g.service.as_str(), g.name.as_str())).map(|r| change(r)),
                histogram: now
                    .get(&key)
                    .and_then(|d| shared_histogram(d, before.map(Vec::as_slice))),
            }
        })
        .collect();
    Latency {
        method: analysis.comparison.as_ref().map(|c| c.method.to_owned()),
        endpoints,
    }
}

fn change(row: &Row) -> LatencyChange {
    let direction = match (row.p50_delta_ns.signum(), row.p95_delta_ns.signum()) {
        (1, _) | (0, 1) => Direction::Slower,
        (-1, _) | (0, -1) => Direction::Faster,
        _ => Direction::Same,
    };
    LatencyChange {
        baseline_requests: row.baseline.count,
        baseline_p50: row.baseline.p50,
        baseline_p95: row.baseline.p95,
        p50_change: row.p50_change,
        p95_change: row.p95_change,
        direction,
        verdict: row.verdict,
        p_value: row.p_value_adjusted,
    }
}

/// Both periods' durations (each ascending) counted on bins made from all of them.
pub fn shared_histogram(current: &[DurationNs], baseline: Option<&[DurationNs]>) -> Option<SharedHistogram> {
    let merged = merge(current, baseline.unwrap_or(&[]));
    let histogram = log_histogram(&merged)?;
    let mut bounds: Vec<DurationNs> = histogram.buckets.iter().map(|b| b.low).collect();
    bounds.extend(histogram.buckets.last().map(|b| b.high));
    Some(SharedHistogram {
        current: counts(&bounds, current),
        baseline: baseline.map(|b| counts(&bounds, b)),
        bounds,
    })
}

/// Two ascending lists as one.
fn merge(a: &[DurationNs], b: &[DurationNs]) -> Vec<DurationNs> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        if x <= y {
            out.push(*x);
            i += 1;
        } else {
            out.push(*y);
            j += 1;
        }
    }
    out.extend_from_slice(a.get(i..).unwrap_or(&[]));
    out.extend_from_slice(b.get(j..).unwrap_or(&[]));
    out
}

/// Values (ascending) per bin, by the histogram's rule: `[low, high)`, the last bin closed.
fn counts(bounds: &[DurationNs], sorted: &[DurationNs]) -> Vec<u64> {
    let bins = bounds.len().saturating_sub(1);
    let mut counts = vec![0u64; bins];
    let mut b = 0;
    for d in sorted {
        let d = d.0.max(1);
        while b + 1 < bins && bounds.get(b + 1).is_some_and(|high| d >= high.0) {
            b += 1;
        }
        if let Some(count) = counts.get_mut(b) {
            *count += 1;
        }
    }
    counts
}

/// The endpoints whose change got `verdict`, the largest relative change of
/// the median first: the order the headlines and the questions both use, so
/// the meeting reads the same regression first in each.
pub(crate) fn changed(latency: &Latency, verdict: Verdict) -> Vec<(&EndpointLatency, &LatencyChange)> {
    let mut rows: Vec<_> = latency
        .endpoints
        .iter()
        .filter_map(|e| e.change.as_ref().map(|c| (e, c)))
        .filter(|(_, c)| c.verdict == verdict)
        .collect();
    let size = |c: &LatencyChange| c.p50_change.unwrap_or(0.0).abs();
    rows.sort_by(|a, b| size(b.1).total_cmp(&size(a.1)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_periods_share_bins_and_every_value_is_counted() {
        let now: Vec<DurationNs> = (1..=100).map(|i| DurationNs(i * 1_000_000)).collect();
        let then: Vec<DurationNs> = (1..=50).map(|i| DurationNs(i * 3_000_000)).collect();
        let h = shared_histogram(&now, Some(&then)).unwrap();
        assert_eq!(h.bounds.len(), h.current.len() + 1);
        assert_eq!(h.current.iter().sum::<u64>(), 100);
        assert_eq!(h.baseline.as_ref().unwrap().iter().sum::<u64>(), 50);
        assert_eq!(h.bounds.first(), Some(&DurationNs(1_000_000)));
        assert_eq!(h.bounds.last(), Some(&DurationNs(150_000_000)));
        // Nothing of the baseline below its fastest value.
        assert_eq!(h.baseline.unwrap()[0], 0);
        assert!(shared_histogram(&[], None).is_none());
    }
}
