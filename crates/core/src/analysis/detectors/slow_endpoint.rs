//! Slow endpoints.
//!
//! **What it detects.** An endpoint whose typical (median) request takes far
//! longer than the typical request of the other endpoints.
//!
//! **Why it matters.** The median is what most users wait for on every use;
//! an endpoint several times slower than its neighbours is usually doing
//! avoidable work, and it is where speed-ups pay off for the most people.
//!
//! **Rule.** With at least `min_endpoints` endpoints (default 3), the baseline
//! is the median of all endpoints' medians. An endpoint with at least
//! `min_requests` requests (default 5) is slow when its median is at least
//! `factor` times the baseline (default 3) and at least `min_median` (default
//! 50 ms, so fast services are left alone). Severity follows from its cost.
//! Impact: the time above the baseline, per request times requests. When a
//! bottleneck holds the endpoint's critical path, the two are one finding,
//! the bottleneck's ([`super::consolidate`]).
//!
//! **Sessions.** A session (see [`crate::index::TraceShape`]) has no
//! endpoint, and the units of work inside it are not judged here: they are
//! the steps of one journey or call (a page, its static files, a message
//! handler), mostly one of each, not peers serving the same traffic, so a
//! step slower than the median step says nothing about avoidable work. What
//! holds a unit's time is the bottleneck detector's to say, per unit.
//!
//! **Example.** `POST /api/checkout` takes 125ms at the median, 13× the median
//! endpoint (9.57ms), over 10 requests.

use super::{Context, Finding, Impact, Severity, Subject};
use crate::time::DurationNs;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::SlowEndpoint;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Endpoints needed for a meaningful baseline.
    pub min_endpoints: usize,
    /// Requests an endpoint needs to be judged.
    pub min_requests: u64,
    /// How many times the baseline makes an endpoint slow.
    pub factor: f64,
    /// Medians below this are never slow.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_median: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_endpoints: 3,
            min_requests: 5,
            factor: 3.0,
            min_median: DurationNs(50_000_000),
        }
    }
}

/// One finding per slow endpoint.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let endpoints = &context.groups.endpoints;
    if endpoints.len() < config.min_endpoints.max(2) {
        return Vec::new();
    }
    let mut medians: Vec<DurationNs> = endpoints.iter().map(|e| e.durations.p50).collect();
    medians.sort_unstable();
    // Nearest-rank median, like every percentile in Tracelens.
    let Some(&baseline) = medians.get(medians.len().div_ceil(2).saturating_sub(1)) else {
        return Vec::new();
    };
    endpoints
        .iter()
        .filter(|e| e.durations.count >= config.min_requests && e.durations.p50 >= config.min_median)
        .filter_map(|e| {
            let times = e.durations.p50.0 as f64 / baseline.0.max(1) as f64;
            (times >= config.factor).then(|| {
                let excess = e.durations.p50.0.saturating_sub(baseline.0);
                Finding {
                    detector: NAME,
                    severity: if times >= 10.0 {
                        Severity::Critical
                    } else {
                        Severity::Warning
                    },
                    impact: Impact {
                        requests: e.durations.count,
                        of_requests: e.durations.count,
                        request_time_share: excess as f64 / e.durations.p50.0.max(1) as f64,
                        time: DurationNs(excess.saturating_mul(e.durations.count)),
                        ..Default::default()
                    },
                    subject: Subject {
                        endpoint: Some(e.name.clone()),
                        service: e.service.clone(),
                        operation: e.name.clone(),
                        route: None,
                        scope: None,
                    },
                    explanation: format!(
                        "`{}` takes {} at the median, {times:.0}× the median endpoint ({baseline}), over {} requests",
                        super::shown(&e.name),
                        e.durations.p50,
                        e.durations.count
                    ),
                    evidence: context.slowest_requests(&e.name, 3),
                }
            })
        })
        .collect()
}
