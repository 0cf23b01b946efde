//! The baseline: traces of an earlier period (last sprint, last release) to
//! compare the current ones with. Before one is loaded, a box to pick or drop
//! its files; afterwards, what it holds (files, spans, traces, time range,
//! each file's import report) so nobody mistakes it for the current traces,
//! and a way to add files or remove it. Its files' load failures show here.

use crate::components::failures::Failures;
use crate::components::intro::{ACCEPT, pick_into};
use crate::components::names::name_list;
use crate::components::overview::ImportReports;
use crate::format;
use crate::workspace::{BaselineSummary, Period, Workspace};
use leptos::prelude::*;

/// The baseline box: a picker and drop target, then the baseline's summary.
#[component]
pub fn Baseline() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let loaded = move || workspace.baseline.with(Option::is_some);
    let on_pick = pick_into(workspace, Period::Baseline);
    let picker = move |label: &'static str| {
        view! {
            <label class="button">
                {label}
                <input type="file" multiple accept=ACCEPT data-testid="baseline-input" on:change=on_pick />
            </label>
        }
    };
    let files = Signal::derive(move || {
        workspace
            .baseline
            .with(|b| b.as_ref().map(|b| b.files.clone()).unwrap_or_default())
    });
    view! {
        <section
            class="baseline-box"
            class:loaded=loaded
            class:drag-over=move || workspace.drop_target.get() == Some(Period::Baseline)
            data-testid="baseline"
            data-drop-baseline="true"
        >
            <Show
                when=loaded
                fallback=move || {
                    view! {
                        <div class="baseline-offer">
                            {picker("Compare with an earlier period…")}
                            <span class="hint">
                                "Load last sprint's or last release's traces (or drop them on this box) to see which endpoints got slower or faster since."
                            </span>
                        </div>
                    }
                }
            >
                <h2 class="period-title">
                    "Baseline" <span class="tally">"an earlier period, used only for the comparison below"</span>
                </h2>
                <p class="baseline-summary" data-testid="baseline-summary">
                    {move || workspace.baseline.with(|b| b.as_ref().map(describe))}
                </p>
                <p class="warning-note" data-testid="baseline-later">{move || later_note(workspace)}</p>
                <div class="actions">
                    {picker("Add baseline files…")}
                    <button
                        class="button quiet"
                        data-testid="clear-baseline"
                        on:click=move |_| workspace.clear_baseline()
                    >
                        "Remove baseline"
                    </button>
                    <span class="hint">"or drop more files on this box"</span>
                </div>
                <ImportReports files=files summary="Import report per baseline file" />
            </Show>
            <Failures period=Period::Baseline />
        </section>
    }
}

/// `2 files (a.json, b.json): 3,918 spans in 400 traces, 2026-… → … (3m 48s) UTC`,
/// each file name isolated (see `names.rs`).
fn describe(baseline: &BaselineSummary) -> impl IntoView + use<> {
    let names: Vec<String> = baseline.files.iter().map(|f| f.name.clone()).collect();
    let count = format!(
        "{} {} (",
        format::count(names.len() as u64),
        if names.len() == 1 { "file" } else { "files" }
    );
    let rest = format!(
        "): {} spans in {} traces, {} UTC.",
        format::count(baseline.spans),
        format::count(baseline.traces),
        format::time_range(baseline.start, baseline.end),
    );
    view! { {count} {name_list(names)} {rest} }
}

/// A warning when the baseline starts after the current traces end: the two
/// sets were probably loaded the wrong way round.
fn later_note(workspace: Workspace) -> String {
    let baseline_start = workspace.baseline.with(|b| b.as_ref().and_then(|b| b.start));
    let current_end = workspace.analysis.with(|a| a.as_ref().and_then(|a| a.overview.end));
    match (baseline_start, current_end) {
        (Some(start), Some(end)) if start > end => {
            "The baseline starts after the current traces end: were the two loaded the wrong way round?".to_owned()
        }
        _ => String::new(),
    }
}
