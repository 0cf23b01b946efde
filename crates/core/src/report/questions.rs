//! Questions for the meeting, made from the numbers (a regression asks what
//! changed, a new error type asks where it comes from, a vanished endpoint
//! asks whether that was meant), and action items: the open findings worth
//! fixing, with their owner when someone took them.

use super::model::{
    ActionItem, Errors, Latency, Question, Questions, ReportFinding, Section, Status, Usage, WorkState,
};
use super::{counted, describe_change, subject_text};
use crate::analysis::detectors::Severity;
use crate::analysis::detectors::regression::Verdict;

/// Most questions asked.
pub const MAX_QUESTIONS: usize = 10;
/// Most action items listed.
pub const MAX_ACTIONS: usize = 10;

/// The questions and action items.
pub fn questions(
    usage: &Usage,
    latency: &Latency,
    findings: &[ReportFinding],
    errors: &Errors,
    has_baseline: bool,
) -> Questions {
    let mut questions = Vec::new();
    let mut ask = |text: String, section: Section| questions.push(Question { text, section });
    for (endpoint, change) in super::latency::changed(latency, Verdict::Regression) {
        ask(
            format!(
                "`{}` got slower ({}): which change in this period touched it?",
                endpoint.endpoint.name,
                describe_change(endpoint, change)
            ),
            Section::Latency,
        );
    }
    if has_baseline {
        for error in errors.new.iter().take(3) {
            ask(
                format!(
                    "`{}` started failing at `{}` in `{}` ({}): what changed there, or in what it calls?",
                    error.kind,
                    error.operation,
                    error.service,
                    counted(error.count, "time", "times")
                ),
                Section::Errors,
            );
        }
    }
    for gone in usage.gone_endpoints.iter().take(3) {
        let before = usage
            .endpoints
            .iter()
            .find(|e| e.endpoint == *gone)
            .and_then(|e| e.baseline_requests)
            .unwrap_or(0);
        ask(
            format!(
                "`{}` received no requests ({} in the baseline): retired on purpose, or are its callers failing?",
                gone.name, before
            ),
            Section::Usage,
        );
    }
    for new in usage.new_endpoints.iter().take(3) {
        let now = usage
            .endpoints
            .iter()
            .find(|e| e.endpoint == *new)
            .map_or(0, |e| e.requests);
        ask(
            format!(
                "`{}` is new ({}): is this the traffic it was built for?",
                new.name,
                counted(now, "request", "requests")
            ),
            Section::Usage,
        );
    }
    for finding in findings.iter().filter(|f| {
        f.status == Some(Status::StillOpen) && f.severity >= Severity::Warning && f.tracking.owner.is_empty()
    }) {
        ask(
            format!(
                "{} {} is still open since the last report and has no owner: who takes it?",
                finding.label,
                subject_text(&finding.subject)
            ),
            Section::Findings,
        );
    }
    questions.truncate(MAX_QUESTIONS);
    let action_items = findings
        .iter()
        .filter(|f| {
            f.status != Some(Status::Resolved)
                && f.severity >= Severity::Warning
                && !matches!(f.tracking.state, WorkState::Done | WorkState::WontFix)
                && f.detector != "improvement"
        })
        .take(MAX_ACTIONS)
        .map(|f| ActionItem {
            fingerprint: f.fingerprint.clone(),
            owner: f.tracking.owner.clone(),
            text: format!("{} {}: {}", f.label, subject_text(&f.subject), f.next_step),
        })
        .collect();
    Questions {
        questions,
        action_items,
    }
}
