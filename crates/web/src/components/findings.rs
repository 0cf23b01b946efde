//! What the detectors found: severity, the one-sentence explanation, and a
//! link that shows an example trace in the trace list.

use crate::workspace::Workspace;
use leptos::prelude::*;
use tracelens_core::analysis::detectors::{Finding, Severity};

/// The findings, most severe first; a quiet message when there are none.
#[component]
pub fn Findings() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let findings = move || {
        workspace
            .analysis
            .with(|a| a.as_deref().map(|a| a.findings.clone()).unwrap_or_default())
    };
    view! {
        <section class="findings">
            <h2>"Findings"</h2>
            <Show
                when=move || !findings().is_empty()
                fallback=|| view! { <p class="quiet" data-testid="no-findings">"No pattern found in these traces."</p> }
            >
                <ul data-testid="findings">
                    {move || findings().into_iter().map(|f| finding_item(f, workspace)).collect_view()}
                </ul>
            </Show>
        </section>
    }
}

fn finding_item(finding: Finding, workspace: Workspace) -> impl IntoView {
    let (label, class) = match finding.severity {
        Severity::Critical => ("critical", "severity critical"),
        Severity::Warning => ("warning", "severity warning"),
        Severity::Info => ("info", "severity info"),
    };
    let example = finding.evidence.first().map(|e| e.trace_id);
    view! {
        <li data-testid="finding">
            <span class=class data-testid="finding-severity">{label}</span>
            <span class="explanation" data-testid="finding-explanation">{finding.explanation}</span>
            <span class="detector">{finding.detector}</span>
            {example.map(|trace_id| view! {
                <button class="link" data-testid="finding-example" on:click=move |_| workspace.focused_trace.set(Some(trace_id))>
                    "example trace"
                </button>
            })}
        </li>
    }
}
