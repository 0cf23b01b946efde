//! Scaling: duration that grows with load.
//!
//! **What it detects.** An endpoint whose requests get slower the more
//! requests are in flight at the same time: a lock, a connection pool or a
//! thread pool that makes requests wait for each other.
//!
//! **Why it matters.** Under a quiet test everything looks fast; at peak
//! traffic the same endpoint slows down and can collapse. Seen early, the
//! shared resource can be found and sized before the peak finds it.
//!
//! **Rule.** Each request (the entry span of a trace, else its root) gets its
//! load: the average number of other requests in flight while it ran, from
//! the trace timings. For an endpoint with at least `min_requests` requests
//! (default 20), the Spearman rank correlation between load and duration must
//! be at least `min_correlation` (default 0.5), and the median duration of
//! the busiest third of its requests at least `min_ratio` (default 1.5) times
//! that of the quietest third, at least `min_difference` (default 1 ms) apart,
//! with the busiest third seeing at least half a request more in flight.
//! Severity: critical when the busiest third is 3 times slower or more,
//! warning below.
//!
//! **Example.** `POST /api/cart/items` slows down with load: median 2.9 ms
//! with 0.1 other requests in flight, 8.6 ms with 3.4 (Spearman ρ = 0.83 over
//! 32 requests).

use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::time::{DurationNs, sum_ns};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::Scaling;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Requests an endpoint needs to be judged.
    pub min_requests: usize,
    /// Spearman correlation from which duration is said to grow with load.
    pub min_correlation: f64,
    /// How many times slower the busiest third must be than the quietest.
    pub min_ratio: f64,
    /// How much slower, at least.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_difference: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_requests: 20,
            min_correlation: 0.5,
            min_ratio: 1.5,
            min_difference: DurationNs(1_000_000),
        }
    }
}

/// One finding per endpoint that slows down with load.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let requests = requests(context);
    let load = Load::new(&requests);
    let mut findings = Vec::new();
    for (&endpoint, traces) in context.traces_by_endpoint() {
        // (load, duration, trace) of the endpoint's timed requests.
        let mut samples: Vec<(f64, u64, usize)> = traces
            .iter()
            .filter_map(|&t| {
                let (start, end) = requests.get(t).copied().flatten()?;
                (end > start).then(|| (load.others_in_flight(start, end), end - start, t))
            })
            .collect();
        if samples.len() < config.min_requests.max(3) {
            continue;
        }
        let loads: Vec<f64> = samples.iter().map(|s| s.0).collect();
        let durations: Vec<f64> = samples.iter().map(|s| s.1 as f64).collect();
        let rho = spearman(&loads, &durations);
        samples.sort_by(|a, b| a.0.total_cmp(&b.0));
        let third = samples.len() / 3;
        let (quiet, busy) = (&samples[..third], &samples[samples.len() - third..]);
        let median_of = |part: &[(f64, u64, usize)], f: &dyn Fn(&(f64, u64, usize)) -> f64| {
            super::median_f64(part.iter().map(f).collect())
        };
        let (quiet_duration, busy_duration) = (median_of(quiet, &|s| s.1 as f64), median_of(busy, &|s| s.1 as f64));
        let (quiet_load, busy_load) = (median_of(quiet, &|s| s.0), median_of(busy, &|s| s.0));
        let ratio = busy_duration / quiet_duration.max(1.0);
        let scales = rho >= config.min_correlation
            && ratio >= config.min_ratio
            && busy_duration - quiet_duration >= config.min_difference.0 as f64
            && busy_load - quiet_load >= 0.5;
        if !scales {
            continue;
        }
        let service = traces
            .first()
            .and_then(|&t| context.entries.get(t).copied().flatten())
            .map_or("", |e| context.set.str(context.set.spans[e as usize].service));
        // What the busiest third lost against the quietest third's median.
        let time = sum_ns(busy.iter().map(|s| s.1.saturating_sub(quiet_duration as u64)));
        let busy_time = sum_ns(busy.iter().map(|s| s.1));
        findings.push(Finding {
            detector: NAME,
            severity: if ratio >= 3.0 {
                Severity::Critical
            } else {
                Severity::Warning
            },
            impact: Impact {
                requests: busy.len() as u64,
                of_requests: samples.len() as u64,
                request_time_share: time as f64 / busy_time.max(1) as f64,
                time: DurationNs(time),
                ..Default::default()
            },
            subject: Subject {
                endpoint: Some(endpoint.to_owned()),
                service: service.to_owned(),
                operation: endpoint.to_owned(),
                route: None,
                scope: None,
            },
            explanation: format!(
                "`{}` slows down with load: median {} with {quiet_load:.1} other requests in flight, {} with {busy_load:.1} (Spearman ρ = {rho:.2} over {} requests)",
                super::shown(endpoint),
                DurationNs(quiet_duration as u64),
                DurationNs(busy_duration as u64),
                samples.len()
            ),
            evidence: busy
                .iter()
                .rev()
                .take(3)
                .map(|s| Evidence {
                    trace_id: context.trace_id(s.2),
                    span_ids: context
                        .entries
                        .get(s.2)
                        .copied()
                        .flatten()
                        .map(|e| context.set.spans[e as usize].span_id)
                        .into_iter()
                        .collect(),
                })
                .collect(),
        });
    }
    findings
}

/// Each trace's request interval in nanoseconds: its entry span, else its
/// root; `None` without a start time.
fn requests(context: &Context<'_>) -> Vec<Option<(u64, u64)>> {
    context
        .index
        .traces
        .iter()
        .enumerate()
        .map(|(t, trace)| {
            let span = context.entries.get(t).copied().flatten().unwrap_or(trace.root);
            let span = context.set.spans.get(span as usize)?;
            (span.start.0 != 0).then(|| (span.start.0, span.end().0))
        })
        .collect()
}

/// The number of requests in flight over time, as a step function with its
/// running integral, so the load during any interval takes two binary searches.
struct Load {
    /// Moments the count changes, ascending.
    times: Vec<u64>,
    /// Requests in flight from `times[k]` until `times[k + 1]`.
    counts: Vec<i64>,
    /// Integral of the count (request-nanoseconds) from `times[0]` to `times[k]`.
    integrals: Vec<f64>,
}

impl Load {
    fn new(requests: &[Option<(u64, u64)>]) -> Load {
        let mut changes: Vec<(u64, i64)> = requests
            .iter()
            .flatten()
            .filter(|(start, end)| end > start)
            .flat_map(|&(start, end)| [(start, 1), (end, -1)])
            .collect();
        changes.sort_unstable();
        let (mut times, mut counts, mut integrals) = (Vec::new(), Vec::new(), Vec::new());
        let (mut count, mut integral) = (0i64, 0f64);
        for (time, delta) in changes {
            if let (Some(&last), Some(&previous)) = (times.last(), counts.last()) {
                if last == time {
                    count += delta;
                    if let Some(c) = counts.last_mut() {
                        *c = count;
                    }
                    continue;
                }
                integral += previous as f64 * (time - last) as f64;
            }
            count += delta;
            times.push(time);
            counts.push(count);
            integrals.push(integral);
        }
        Load {
            times,
            counts,
            integrals,
        }
    }

    /// Request-nanoseconds in flight from the first change until `at`.
    fn integral_until(&self, at: u64) -> f64 {
        let k = self.times.partition_point(|&t| t <= at);
        let Some(k) = k.checked_sub(1) else {
            return 0.0;
        };
        let (time, count, integral) = (self.times[k], self.counts[k], self.integrals[k]);
        integral + count as f64 * (at - time) as f64
    }

    /// The average number of requests in flight during `[start, end)`,
    /// besides the one request that spans exactly that interval.
    fn others_in_flight(&self, start: u64, end: u64) -> f64 {
        let total = self.integral_until(end) - self.integral_until(start);
        (total / (end - start) as f64 - 1.0).max(0.0)
    }
}

/// Spearman's rank correlation of two equally long samples (ties get their
/// average rank); 0 when either sample is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let n = rx.len().min(ry.len()) as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean = (n + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mean) * (b - mean);
        sxx += (a - mean) * (a - mean);
        syy += (b - mean) * (b - mean);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// 1-based ranks, ties given the average of the ranks they span.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_matches_hand_computed_values() {
        // Monotonic but not linear: ρ = 1.
        assert!((spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 10.0, 100.0, 1000.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0, 4.0], &[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        // x ranks 1..5, y ranks 2,1,4,3,5: d² = 1+1+1+1+0 = 4, ρ = 1 − 6·4/(5·24) = 0.8.
        assert!((spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[20.0, 10.0, 40.0, 30.0, 50.0]) - 0.8).abs() < 1e-12);
        // Ties: y = [1, 1, 2] ranks [1.5, 1.5, 3]; Pearson of ranks with [1, 2, 3] is √3/2.
        assert!((spearman(&[1.0, 2.0, 3.0], &[1.0, 1.0, 2.0]) - 3f64.sqrt() / 2.0).abs() < 1e-12);
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), 0.0);
    }

    #[test]
    fn load_is_the_average_of_other_requests_in_flight() {
        // A: 0–100, B: 50–150, C: 60–70 (ns).
        let requests = [Some((0, 100)), Some((50, 150)), Some((60, 70)), None];
        let load = Load::new(&requests);
        // During A, B overlaps 50 ns and C 10 ns: (50 + 10) / 100.
        assert!((load.others_in_flight(0, 100) - 0.6).abs() < 1e-12);
        // During C both A and B run throughout.
        assert!((load.others_in_flight(60, 70) - 2.0).abs() < 1e-12);
        // During B: A for 50 ns, C for 10 ns, over 100 ns.
        assert!((load.others_in_flight(50, 150) - 0.6).abs() < 1e-12);
    }
}
