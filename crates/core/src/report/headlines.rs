//! Three to seven sentences made from the numbers, most important first:
//! the biggest regressions (with their significance), the costliest
//! findings, new error types, endpoints that started or stopped receiving
//! traffic, then improvements and resolved findings. Each links to the
//! section with the details. When the period is quiet, the overall traffic
//! and failure rate fill the minimum of three.

use super::model::{Direction, Errors, Headline, Latency, ReportFinding, Section, Status, Usage};
use super::{counted, describe_change, subject_text};
use crate::analysis::detectors::Severity;
use crate::analysis::detectors::regression::Verdict;

/// At most this many headlines.
pub const MAX: usize = 7;
/// At least this many, when there is anything at all to say.
pub const MIN: usize = 3;

/// The headlines of a report's sections.
pub fn headlines(
    usage: &Usage,
    latency: &Latency,
    findings: &[ReportFinding],
    errors: &Errors,
    has_baseline: bool,
) -> Vec<Headline> {
    let mut out = Vec::new();
    let mut push = |text: String, section: Section| out.push(Headline { text, section });
    let changed = |verdict: Verdict| super::latency::changed(latency, verdict);
    for (endpoint, change) in changed(Verdict::Regression).into_iter().take(2) {
        push(
            format!(
                "`{}` got slower: {}.",
                endpoint.endpoint.name,
                describe_change(endpoint, change)
            ),
            Section::Latency,
        );
    }
    let costly = findings.iter().filter(|f| {
        f.status != Some(Status::Resolved)
            && f.severity >= Severity::Warning
            && !matches!(f.detector.as_str(), "regression" | "improvement")
    });
    for finding in costly.take(2) {
        let severity = severity_word(finding.severity);
        let what = if finding.status == Some(Status::New) {
            format!("New {} finding", severity.to_lowercase())
        } else {
            format!("{severity} finding")
        };
        push(
            format!(
                "{what}: {} {} ({}).",
                finding.label,
                subject_text(&finding.subject),
                super::findings::headline_cost(&finding.impact),
            ),
            Section::Findings,
        );
    }
    if has_baseline && let Some(first) = errors.new.first() {
        push(
            format!(
                "{} new in this period; the most frequent: {} at `{}` in `{}` ({}, {} failed requests).",
                counted(errors.new.len() as u64, "error type", "error types"),
                // An untyped error's stand-in is the report's word, not a name.
                if first.kind_is_named() {
                    format!("`{}`", first.kind)
                } else {
                    format!("an {}", first.kind)
                },
                first.operation,
                first.service,
                counted(first.count, "time", "times"),
                first.failed_requests
            ),
            Section::Errors,
        );
    }
    let named = |names: &[super::model::Name]| {
        let shown: Vec<String> = names.iter().take(3).map(|n| format!("`{}`", n.name)).collect();
        let more = names.len().saturating_sub(3);
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    if !usage.new_endpoints.is_empty() {
        push(
            format!("Started receiving traffic: {}.", named(&usage.new_endpoints)),
            Section::Usage,
        );
    }
    if !usage.gone_endpoints.is_empty() {
        push(
            format!("No requests any more: {}.", named(&usage.gone_endpoints)),
            Section::Usage,
        );
    }
    for (endpoint, change) in changed(Verdict::Improvement).into_iter().take(1) {
        push(
            format!(
                "`{}` got faster: {}.",
                endpoint.endpoint.name,
                describe_change(endpoint, change)
            ),
            Section::Latency,
        );
    }
    let resolved = findings.iter().filter(|f| f.status == Some(Status::Resolved)).count() as u64;
    if resolved > 0 {
        push(
            format!(
                "{} from the previous report {} no longer found.",
                counted(resolved, "finding", "findings"),
                if resolved == 1 { "is" } else { "are" }
            ),
            Section::Findings,
        );
    }
    if out.len() < MIN {
        let requests: u64 = latency.endpoints.iter().map(|e| e.requests).sum();
        let failed: f64 = latency.endpoints.iter().map(|e| e.error_rate * e.requests as f64).sum();
        if requests > 0 {
            out.push(Headline {
                text: format!(
                    "{} to {}; {:.1}% failed.",
                    counted(requests, "request", "requests"),
                    counted(latency.endpoints.len() as u64, "endpoint", "endpoints"),
                    failed / requests as f64 * 100.0
                ),
                section: Section::Usage,
            });
        }
    }
    if out.len() < MIN && has_baseline && changed(Verdict::Regression).is_empty() {
        let slower = latency
            .endpoints
            .iter()
            .filter(|e| e.change.as_ref().is_some_and(|c| c.direction == Direction::Slower))
            .count();
        out.push(Headline {
            text: format!(
                "No endpoint got significantly slower ({} of {} moved up, within noise or under 10%).",
                slower,
                latency.endpoints.len()
            ),
            section: Section::Latency,
        });
    }
    if out.len() < MIN && findings.is_empty() {
        out.push(Headline {
            text: "The detectors found nothing to act on.".to_owned(),
            section: Section::Findings,
        });
    }
    out.truncate(MAX);
    out
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::Warning => "Warning",
        Severity::Info => "Info",
    }
}
