//! The report's baseline box: a previous report's JSON, picked or dropped
//! here, becomes the baseline (its findings give each finding its status,
//! its notes and owners carry over). Trace files given here join the
//! baseline traces, as on the analysis page. What the report is compared
//! with is said here, and the baseline's load failures show here.

use crate::components::failures::Failures;
use crate::components::intro::{ACCEPT, pick_into};
use crate::workspace::{Period, Workspace};
use leptos::prelude::*;

/// Picker, drop target and what the report is compared with.
#[component]
pub fn BaselineDrop() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let on_pick = pick_into(workspace, Period::Baseline);
    let compared_with = move || {
        let traces = workspace.baseline.with(Option::is_some);
        match workspace.report_baseline.get() {
            Some(previous) => format!(
                "Compared with the previous report “{}” ({}).{}",
                previous.header.title,
                previous.header.current.name,
                if traces {
                    " The baseline traces still serve the analysis page's comparison."
                } else {
                    ""
                }
            ),
            None if traces => "Compared with the baseline traces loaded on the analysis page.".to_owned(),
            None => "No baseline: the report describes this period alone.".to_owned(),
        }
    };
    view! {
        <section
            class="baseline-box report-baseline"
            class:drag-over=move || workspace.drop_target.get() == Some(Period::Baseline)
            data-testid="report-baseline-drop"
            data-drop-baseline="true"
        >
            <p data-testid="report-compared-with">{compared_with}</p>
            <div class="actions">
                <label class="button">
                    "Previous report…"
                    <input type="file" accept=ACCEPT data-testid="report-baseline-input" on:change=on_pick />
                </label>
                <Show when=move || workspace.report_baseline.with(Option::is_some)>
                    <button
                        class="button quiet"
                        data-testid="report-baseline-clear"
                        on:click=move |_| workspace.clear_report_baseline()
                    >
                        "Remove previous report"
                    </button>
                </Show>
                <span class="hint">
                    "or drop last period's report.json on this box: its findings give new / still open / resolved, and its notes and owners carry over"
                </span>
            </div>
            <Failures period=Period::Baseline />
        </section>
    }
}
