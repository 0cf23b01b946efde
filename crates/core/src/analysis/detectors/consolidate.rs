//! One finding per root cause: findings that different detectors (or one
//! detector at several endpoints) make about the same cause are merged before
//! severities are judged and findings ranked.
//!
//! - **A bottleneck seen from several endpoints** is one finding about the
//!   operation: its subject is the endpoint where it costs most, its sentence
//!   names the others, its evidence holds traces of every endpoint affected and
//!   its impact adds theirs up.
//! - **A slow endpoint whose critical path a bottleneck holds** is that
//!   bottleneck: the endpoint's slowness against its peers is added to the
//!   bottleneck's sentence, and the slow endpoint finding is dropped.
//!
//! - **A bottleneck whose time is a stretch no child span explains** is that
//!   unexplained time: the uninstrumented-time finding on the same operation
//!   and endpoint says more (what the time is not), so the bottleneck is
//!   dropped.
//!
//! (A long tail on an endpoint and the operation that makes it are merged by
//! [`super::long_tail`] itself, which knows which spans make which tail.)

use super::{Detector, Finding, Impact};
use std::collections::BTreeMap;

/// At most this many endpoints named in a merged sentence; the rest are counted.
const NAMED_ENDPOINTS: usize = 3;

/// `findings` with those about one cause merged.
pub fn consolidate(findings: Vec<Finding>) -> Vec<Finding> {
    // Slow endpoints first, while each bottleneck still names one endpoint.
    let findings = fold_slow_endpoints_into_their_bottleneck(findings);
    let findings = drop_bottlenecks_of_unexplained_time(findings);
    merge_bottlenecks_across_endpoints(findings)
}

/// One bottleneck finding per operation, however many endpoints it holds.
fn merge_bottlenecks_across_endpoints(findings: Vec<Finding>) -> Vec<Finding> {
    let (bottlenecks, mut rest): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.detector == Detector::Bottleneck);
    let mut by_operation: BTreeMap<(String, String), Vec<Finding>> = BTreeMap::new();
    for finding in bottlenecks {
        let key = (finding.subject.service.clone(), finding.subject.operation.clone());
        by_operation.entry(key).or_default().push(finding);
    }
    for (_, mut group) in by_operation {
        // The endpoint where it costs most speaks for the others.
        group.sort_by_key(|f| std::cmp::Reverse(f.impact.time));
        let mut group = group.into_iter();
        let Some(mut merged) = group.next() else {
            continue;
        };
        let others: Vec<Finding> = group.collect();
        if !others.is_empty() {
            merged.impact = others.iter().fold(merged.impact.clone(), |sum, f| add(&sum, &f.impact));
            merged.explanation.push_str(&also_in(&others));
            for other in others {
                merged.evidence.extend(other.evidence.into_iter().take(1));
            }
        }
        rest.push(merged);
    }
    rest
}

/// "; also in `GET /a` (4 requests) and `GET /b` (1 request)", the first few named.
fn also_in(others: &[Finding]) -> String {
    let named: Vec<String> = others
        .iter()
        .take(NAMED_ENDPOINTS)
        .map(|f| {
            let endpoint = f.subject.endpoint.as_deref().unwrap_or("");
            let n = f.impact.requests;
            format!(
                "`{}` ({n} request{})",
                super::shown(endpoint),
                if n == 1 { "" } else { "s" }
            )
        })
        .collect();
    let more = others.len().saturating_sub(NAMED_ENDPOINTS);
    let list = match (named.split_last(), more) {
        (Some((last, first)), 0) if !first.is_empty() => format!("{} and {last}", first.join(", ")),
        (_, 0) => named.join(", "),
        (_, more) => format!("{} and {more} more endpoints", named.join(", ")),
    };
    format!("; also in {list}")
}

/// Two impacts of one cause at different endpoints (different requests): counts
/// and times add up, the time share is weighted by the requests affected.
fn add(a: &Impact, b: &Impact) -> Impact {
    let requests = a.requests + b.requests;
    let share = if requests == 0 {
        0.0
    } else {
        (a.request_time_share * a.requests as f64 + b.request_time_share * b.requests as f64) / requests as f64
    };
    Impact {
        requests,
        failed_requests: a.failed_requests + b.failed_requests,
        of_requests: a.of_requests + b.of_requests,
        request_time_share: share,
        time: crate::time::DurationNs(a.time.0.saturating_add(b.time.0)),
    }
}

/// A slow endpoint is dropped when a bottleneck holds its critical path; the
/// bottleneck's sentence says how slow the endpoint is against its peers.
fn fold_slow_endpoints_into_their_bottleneck(findings: Vec<Finding>) -> Vec<Finding> {
    let (slow, mut rest): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.detector == Detector::SlowEndpoint);
    for slow in slow {
        let cause = rest
            .iter_mut()
            .filter(|f| {
                f.detector == Detector::Bottleneck
                    && slow.subject.endpoint.is_some()
                    && f.subject.endpoint == slow.subject.endpoint
            })
            .max_by_key(|f| f.impact.time);
        match cause {
            Some(bottleneck) => {
                bottleneck
                    .explanation
                    .push_str(&format!("; so {}", lowercase_first(&slow.explanation)));
            }
            None => rest.push(slow),
        }
    }
    rest
}

/// A sentence made a clause: its first letter lower-cased unless it opens a name.
fn lowercase_first(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) if first.is_uppercase() => first.to_lowercase().chain(chars).collect(),
        _ => sentence.to_owned(),
    }
}

/// Bottlenecks on an operation and endpoint an uninstrumented-time finding
/// already names are dropped; a slow endpoint folded into one moves along.
fn drop_bottlenecks_of_unexplained_time(findings: Vec<Finding>) -> Vec<Finding> {
    let unexplained: Vec<(Option<String>, String, String)> = findings
        .iter()
        .filter(|f| f.detector == Detector::UninstrumentedTime)
        .map(key)
        .collect();
    let (dropped, mut kept): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.detector == Detector::Bottleneck && unexplained.contains(&key(f)));
    for bottleneck in dropped {
        let slowness = bottleneck.explanation.split_once("; so ").map(|(_, s)| s.to_owned());
        if let (Some(slowness), Some(target)) = (
            slowness,
            kept.iter_mut()
                .find(|f| f.detector == Detector::UninstrumentedTime && key(f) == key(&bottleneck)),
        ) {
            target.explanation.push_str(&format!("; so {slowness}"));
        }
    }
    kept
}

fn key(finding: &Finding) -> (Option<String>, String, String) {
    (
        finding.subject.endpoint.clone(),
        finding.subject.service.clone(),
        finding.subject.operation.clone(),
    )
}
