//! What the detectors found, most severe first: severity, what kind of
//! pattern (a readable label, with the detector's own name beside it as the
//! CLI and JSON print it), the one-sentence explanation, and a link that
//! shows an example trace in the trace list.

use crate::route::Route;
use crate::workspace::{Findings as FindingsState, Workspace};
use leptos::either::Either;
use leptos::prelude::*;
use tracelens_core::analysis::detectors::{Finding, Severity};

/// The findings with a count per severity; a quiet message when there are
/// none. Given an endpoint, only those its requests show.
#[component]
pub fn Findings(#[prop(optional)] endpoint: Option<String>) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    // Stored, so the closures below stay `Copy`.
    let endpoint = StoredValue::new(endpoint);
    let waiting = move || workspace.findings.with(|f| matches!(f, FindingsState::Waiting(_)));
    let findings = move || {
        workspace.findings.with(|f| match f {
            FindingsState::Waiting(_) => Vec::new(),
            // With its position among all findings: the trace view's address names it.
            FindingsState::Found(all) => all
                .iter()
                .enumerate()
                .filter(|(_, f)| endpoint.with_value(|e| e.is_none() || f.subject.endpoint == *e))
                .map(|(position, f)| (position, f.clone()))
                .collect::<Vec<_>>(),
        })
    };
    let tally = move || {
        let findings = findings();
        [Severity::Critical, Severity::Warning, Severity::Info]
            .into_iter()
            .filter_map(|severity| {
                let n = findings.iter().filter(|(_, f)| f.severity == severity).count();
                (n > 0).then(|| format!("{n} {}", severity_name(severity)))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    view! {
        <section class="findings">
            <h2 id="findings">
                "Findings" <span class="tally" data-testid="finding-tally">{tally}</span>
            </h2>
            // The trace list comes first; the detectors' findings a moment
            // later (the engine sends them when it has them).
            <Show
                when=move || !waiting()
                fallback=|| view! { <p class="quiet working" data-testid="findings-pending">"Finding patterns…"</p> }
            >
                <Show
                    when=move || !findings().is_empty()
                    fallback=|| view! { <p class="quiet" data-testid="no-findings">"No pattern found in these traces."</p> }
                >
                    <ol class="finding-list" data-testid="findings">
                        {move || findings().into_iter().map(finding_item).collect_view()}
                    </ol>
                </Show>
            </Show>
        </section>
    }
}

pub(crate) fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// The explanation with its `quoted` names set in code type. Names are not
/// escaped for backticks, so an odd count means one is inside a name: then
/// the text is shown as it is.
pub(crate) fn explanation_view(text: String) -> impl IntoView {
    let parts: Vec<(bool, String)> = if text.matches('`').count().is_multiple_of(2) {
        text.split('`')
            .enumerate()
            .filter(|(_, part)| !part.is_empty())
            .map(|(i, part)| (i % 2 == 1, part.to_owned()))
            .collect()
    } else {
        vec![(false, text)]
    };
    // `Either` rather than `AnyView`: no type erasure, and a smaller module.
    parts
        .into_iter()
        .map(|(quoted, part)| {
            if quoted {
                Either::Left(view! { <code>{part}</code> })
            } else {
                Either::Right(part)
            }
        })
        .collect::<Vec<_>>()
}

fn finding_item((position, finding): (usize, Finding)) -> impl IntoView {
    let severity = severity_name(finding.severity);
    let example = finding.evidence.first().map(|e| e.trace_id);
    let next_step = finding.next_step();
    view! {
        <li class=format!("finding {severity}") data-testid="finding">
            <span class=format!("severity {severity}") data-testid="finding-severity">
                {severity}
            </span>
            <div class="finding-body">
                <p class="finding-kind">
                    <strong>{finding.detector.label()}</strong>
                    <span class="detector" title="Detector name, as the CLI and its JSON print it">
                        {finding.detector.name()}
                    </span>
                </p>
                <p class="explanation" data-testid="finding-explanation">
                    {explanation_view(finding.explanation)}
                </p>
                <p class="next-step" data-testid="finding-next-step">
                    <strong>"Next step: "</strong>
                    {next_step}
                </p>
            </div>
            {example
                .map(|trace_id| {
                    view! {
                        <a
                            class="example"
                            href=Route::Trace {
                                id: trace_id,
                                finding: Some(position),
                            }
                                .href()
                            data-testid="finding-example"
                            title=format!("Show trace {trace_id}")
                        >
                            "Example trace"
                        </a>
                    }
                })}
        </li>
    }
}
