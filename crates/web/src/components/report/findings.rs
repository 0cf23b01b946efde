//! The report's findings, most costly first, then those resolved since the
//! previous report: status, severity, label, the sentence, its numbers,
//! example trace IDs and the next step, and the person's note, owner and
//! state for each (kept as they type; see `ReportState`).

use super::ReportState;
use crate::components::findings::{explanation_view, severity_name};
use crate::format;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::report::{Report, ReportFinding, Section, Status, Tracking, WorkState};

/// Every finding of the report.
#[component]
pub fn Findings(report: Arc<Report>) -> impl IntoView {
    let state = expect_context::<ReportState>();
    let items = report.findings.iter().map(|f| finding(f.clone(), state)).collect_view();
    view! {
        <section class="report-section" id=crate::route::section_id(Section::Findings)>
            <h2>"Findings"</h2>
            {report
                .findings
                .is_empty()
                .then(|| view! { <p class="quiet">"No pattern found in these traces."</p> })}
            <ol class="finding-list">{items}</ol>
        </section>
    }
}

/// The status as the report says it, and its JSON name.
fn status_text(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::New => ("new", "new"),
        Status::StillOpen => ("still open", "still_open"),
        Status::Resolved => ("resolved", "resolved"),
    }
}

/// Each work state, its JSON name (the select's value) and its label.
const STATES: [(WorkState, &str, &str); 4] = [
    (WorkState::Open, "open", "open"),
    (WorkState::Fixing, "fixing", "fixing"),
    (WorkState::WontFix, "wont_fix", "won't fix"),
    (WorkState::Done, "done", "done"),
];

fn finding(f: ReportFinding, state: ReportState) -> impl IntoView {
    let severity = severity_name(f.severity);
    let status = f.status.map(status_text);
    // The report's own words for its time (none for a finding about the
    // data; a failure's by the time its requests spent in it).
    let cost = tracelens_core::report::findings::time_cost(&f.impact)
        .map(|time| format!("; {time}"))
        .unwrap_or_default();
    // What it puts at risk beyond time comes first, as in the report.
    let risk = tracelens_core::report::findings::risk(&f.impact)
        .map(|r| {
            let mut chars = r.chars();
            let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
            format!("{first}{}; ", chars.as_str())
        })
        .unwrap_or_default();
    let numbers = format!(
        "{risk}{} of {} requests, {} failed{cost}.",
        format::count(f.impact.requests),
        format::count(f.impact.of_requests),
        format::count(f.impact.failed_requests),
    );
    let examples =
        (!f.example_trace_ids.is_empty()).then(|| format!("Example traces: {}", f.example_trace_ids.join(", ")));
    let f = Arc::new(f);
    let (owner_value, owner_input) = text_binding(state, &f, |t| &mut t.owner);
    let (notes_value, notes_input) = text_binding(state, &f, |t| &mut t.notes);
    let for_state = f.clone();
    let work = {
        let f = f.clone();
        move || state.tracking(&f).state
    };
    let state_options = STATES
        .iter()
        .map(|(_, value, label)| view! { <option value=*value>{*label}</option> })
        .collect_view();
    view! {
        <li
            class=format!("finding report-finding {severity}")
            data-testid="report-finding"
            data-fingerprint=f.fingerprint.clone()
            data-status=status.map(|s| s.1)
        >
            <span class=format!("severity {severity}")>{severity}</span>
            <div class="finding-body">
                <p class="finding-kind">
                    {status
                        .map(|(text, name)| {
                            view! {
                                <span class=format!("status {name}") data-testid="report-finding-status">
                                    {text}
                                </span>
                            }
                        })}
                    <strong>{f.label.clone()}</strong>
                    <span class="detector">{f.detector.clone()}</span>
                </p>
                <p class="explanation">{explanation_view(f.explanation.clone())}</p>
                <p class="next-step">{numbers}</p>
                <p class="next-step mono">{examples}</p>
                <p class="next-step">
                    <strong>"Next step: "</strong>
                    {f.next_step.clone()}
                </p>
                <div class="tracking">
                    <label>
                        "Owner "
                        <input
                            type="text"
                            data-testid="report-finding-owner"
                            prop:value=owner_value
                            on:input=owner_input
                        />
                    </label>
                    <label>
                        "State "
                        <select
                            data-testid="report-finding-state"
                            prop:value=move || state_value(work())
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                if let Some((chosen, _, _)) = STATES.iter().find(|(_, v, _)| *v == value) {
                                    state.set_tracking(&for_state, |t| t.state = *chosen);
                                }
                            }
                        >
                            {state_options}
                        </select>
                    </label>
                    <label class="wide">
                        "Note "
                        <textarea
                            rows="2"
                            data-testid="report-finding-note"
                            prop:value=notes_value
                            on:input=notes_input
                        ></textarea>
                    </label>
                </div>
            </div>
        </li>
    }
}

/// What one of a finding's text fields shows, and what typing in it does.
fn text_binding(
    state: ReportState,
    finding: &Arc<ReportFinding>,
    field: fn(&mut Tracking) -> &mut String,
) -> (impl Fn() -> String + use<>, impl Fn(web_sys::Event) + use<>) {
    let (shown, edited) = (finding.clone(), finding.clone());
    let value = move || std::mem::take(field(&mut state.tracking(&shown)));
    let input = move |ev: web_sys::Event| {
        let text = event_target_value(&ev);
        state.set_tracking(&edited, move |t| *field(t) = text);
    };
    (value, input)
}

fn state_value(work: WorkState) -> &'static str {
    STATES
        .iter()
        .find(|(w, _, _)| *w == work)
        .map_or("open", |(_, value, _)| value)
}
