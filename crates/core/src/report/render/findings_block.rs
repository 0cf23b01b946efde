//! Each finding as the meeting reads it: a heading with its rank, severity,
//! label and status, the explanation, then labelled facts (where, cost,
//! example traces, next step, owner, state, notes, fingerprint).

use super::document::{Block, FindingBlock, Inline, finding_anchor, name, sentence, text};
use super::sections::place;
use super::words;
use crate::analysis::detectors::Severity;
use crate::report::{ReportFinding, counted};

/// The findings section's blocks.
pub fn findings(findings: &[ReportFinding]) -> Vec<Block<'static>> {
    if findings.is_empty() {
        return vec![Block::Paragraph(text("No findings."))];
    }
    vec![Block::Findings(
        findings.iter().enumerate().map(|(i, f)| finding(i + 1, f)).collect(),
    )]
}

fn finding(rank: usize, f: &ReportFinding) -> FindingBlock {
    let mut heading = format!("{rank}. {} · {}", words::severity(f.severity), f.label);
    if let Some(status) = f.status {
        heading.push_str(&format!(" · {}", words::status(status)));
    }
    // A finding about more than one operation (routes, a pair of services,
    // several statements) is placed by what it covers, not by one of them.
    let place = match &f.subject.scope {
        Some(scope) => sentence(scope),
        None => place(
            f.subject.operation_shown(),
            &f.subject.service,
            f.subject.endpoint.as_deref(),
        ),
    };
    let mut facts = vec![("Where", place)];
    facts.push(("Cost", text(cost(f))));
    if !f.example_trace_ids.is_empty() {
        let mut ids = Vec::new();
        for (i, id) in f.example_trace_ids.iter().enumerate() {
            if i > 0 {
                ids.push(Inline::Text(", ".to_owned()));
            }
            ids.push(Inline::Name(id.clone()));
        }
        facts.push(("Example traces", ids));
    }
    facts.push(("Next step", sentence(&f.next_step)));
    let tracking = &f.tracking;
    facts.push((
        "Owner",
        text(if tracking.owner.is_empty() {
            "nobody yet"
        } else {
            &tracking.owner
        }),
    ));
    facts.push(("State", text(words::state(tracking.state))));
    if !tracking.notes.trim().is_empty() {
        // Notes are people's free text: their line breaks become separators
        // so a note stays one item in every format.
        let lines: Vec<&str> = tracking
            .notes
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        facts.push(("Notes", text(lines.join(" / "))));
    }
    facts.push(("Fingerprint", name(f.fingerprint.clone())));
    FindingBlock {
        anchor: finding_anchor(&f.fingerprint),
        heading,
        class: match f.severity {
            Severity::Critical => "finding critical",
            Severity::Warning => "finding warning",
            Severity::Info => "finding info",
        },
        explanation: sentence(&f.explanation),
        facts,
    }
}

/// `21 of 30 requests (3 failed), 74% of their time, 264ms on the critical path`
/// ([`crate::report::findings::time_cost`]), after what it puts at risk
/// beyond time ([`crate::report::findings::risk`]).
fn cost(f: &ReportFinding) -> String {
    let impact = &f.impact;
    let mut out = crate::report::findings::risk(impact)
        .map(|r| format!("{r}; "))
        .unwrap_or_default();
    out.push_str(&if impact.of_requests > 0 {
        format!(
            "{} of {}",
            impact.requests,
            counted(impact.of_requests, "request", "requests")
        )
    } else {
        counted(impact.requests, "request", "requests")
    });
    if impact.failed_requests > 0 {
        out.push_str(&format!(" ({} failed)", impact.failed_requests));
    }
    if let Some(time) = crate::report::findings::time_cost(impact) {
        out.push_str(&format!(", {time}"));
    }
    out
}
