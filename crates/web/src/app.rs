//! The page: a header with the ways to load files, then what was loaded:
//! the analysis, or at `#/report` the report (see `route.rs`). With no traces
//! but a saved report opened, that report is all there is to show.

use crate::components::{
    baseline::Baseline,
    comparison::Comparison,
    drop_zone::DropOverlay,
    empty_state::EmptyState,
    failures::Failures,
    findings::Findings,
    group_table::{GroupTable, Grouping},
    intro::Intro,
    overview::Overview,
    report::ReportView,
    trace_list::TraceList,
};
use crate::route::{Route, use_route};
use crate::workspace::{Period, Workspace};
use leptos::prelude::*;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let workspace = Workspace::new();
    provide_context(workspace);
    let loaded = move || workspace.analysis.with(Option::is_some);
    let saved = move || workspace.saved_report.with(Option::is_some);
    let route = use_route();
    provide_context(route);
    view! {
        <DropOverlay />
        <main class="page">
            <Intro />
            <Failures period=Period::Current />
            <Show when=loaded fallback=move || view! { <Show when=saved fallback=EmptyState><ReportView /></Show> }>
                <Show when=move || route.get() == Route::Report fallback=Analysis>
                    <ReportView />
                </Show>
            </Show>
        </main>
    }
}

/// Everything loaded, section by section.
#[component]
fn Analysis() -> impl IntoView {
    view! {
                <Overview />
                <Baseline />
                <Findings />
                <Comparison />
                <TraceList />
                <GroupTable grouping=Grouping::Endpoints />
                <GroupTable grouping=Grouping::Operations />
    }
}
