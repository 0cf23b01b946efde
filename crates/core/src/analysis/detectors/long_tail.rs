//! Long tails.
//!
//! **What it detects.** An endpoint, or an operation doing the slow work
//! itself, whose slowest requests (p99) take many times longer than the
//! typical one (p50): a heavy-tailed or two-humped distribution, such as a
//! cache that usually hits, a lock that sometimes waits, or a query plan that
//! sometimes goes wrong.
//!
//! **Why it matters.** Averages and medians hide it, but one user in a hundred
//! waits that long, and a page that makes many requests hits the tail often.
//!
//! **Rule.** A group with at least `min_count` spans (default 20) has a long
//! tail when p99 ≥ `ratio` × p50 (default 5) and p99 − p50 ≥ `min_gap`
//! (default 100 ms, so fast operations with relative jitter are left alone).
//! Endpoints are checked on their durations; operations on their self time
//! (time not spent in children), so a tail is reported where it is made, not
//! again by every span that only waits for it; a client whose self time is
//! all time between it and its traced callee (network, queue, skew: see
//! [`crate::analysis::self_time`]) is not checked, it has no own work. Severity: critical when
//! p99 ≥ 20 × p50, warning below.
//!
//! **Example.** `GET /api/search` has a long tail: p99 500ms is 12× its p50
//! (42.6ms), over 62 requests.

use super::{Context, Finding, Impact, Severity, Subject};
use crate::analysis::GroupStats;
use crate::stats::DurationSummary;
use crate::time::DurationNs;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::LongTail;

/// Thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Spans a group needs for its p99 to mean something.
    pub min_count: u64,
    /// How many times p50 the p99 must be.
    pub ratio: f64,
    /// How far above p50 the p99 must be.
    pub min_gap: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_count: 20,
            ratio: 5.0,
            min_gap: DurationNs(100_000_000),
        }
    }
}

/// One finding per endpoint, and per operation whose own work has the tail.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    for endpoint in &context.groups.endpoints {
        if let Some(f) = check(config, endpoint, &endpoint.durations, true) {
            findings.push(Finding {
                evidence: context.slowest_requests(&endpoint.name, 3),
                ..f
            });
        }
    }
    for operation in &context.groups.operations {
        // A client whose self time is all waiting on its traced callee has no
        // own work to have a tail: the callee's spans show where it is made.
        if operation.wait.is_some_and(|w| w.count == operation.self_time.count) {
            continue;
        }
        if let Some(f) = check(config, operation, &operation.self_time, false) {
            findings.push(Finding {
                evidence: context.slowest_spans(&operation.service, &operation.name, 3),
                ..f
            });
        }
    }
    findings
}

fn check(config: &Config, group: &GroupStats, d: &DurationSummary, is_endpoint: bool) -> Option<Finding> {
    let ratio = d.p99.0 as f64 / d.p50.0.max(1) as f64;
    let gap = d.p99.0.saturating_sub(d.p50.0);
    if d.count < config.min_count || ratio < config.ratio || gap < config.min_gap.0 {
        return None;
    }
    // The slowest 1%: how much longer than typical they took, together.
    let tail_requests = d.count.div_ceil(100);
    let (what, measure) = if is_endpoint {
        (format!("`{}`", super::shown(&group.name)), "")
    } else {
        (
            format!("`{}` in `{}`", super::shown(&group.name), super::shown(&group.service)),
            " of its own work",
        )
    };
    Some(Finding {
        detector: NAME,
        severity: if ratio >= 20.0 {
            Severity::Critical
        } else {
            Severity::Warning
        },
        impact: Impact {
            requests: tail_requests,
            request_time_share: gap as f64 / d.p99.0.max(1) as f64,
            time: DurationNs(gap.saturating_mul(tail_requests)),
            ..Default::default()
        },
        subject: Subject {
            endpoint: is_endpoint.then(|| group.name.clone()),
            service: group.service.clone(),
            operation: group.name.clone(),
        },
        explanation: format!(
            "{what} has a long tail{measure}: p99 {} is {ratio:.0}× its p50 ({}), over {} {}",
            d.p99,
            d.p50,
            d.count,
            if is_endpoint { "requests" } else { "spans" }
        ),
        evidence: Vec::new(),
    })
}
