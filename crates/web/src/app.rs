//! The page: a header with the ways to load files, then what was loaded.

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
    trace_list::TraceList,
};
use crate::workspace::{Period, Workspace};
use leptos::prelude::*;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let workspace = Workspace::new();
    provide_context(workspace);
    let loaded = move || workspace.analysis.with(Option::is_some);
    view! {
        <DropOverlay />
        <main class="page">
            <Intro />
            <Failures period=Period::Current />
            <Show when=loaded fallback=EmptyState>
                <Overview />
                <Baseline />
                <Findings />
                <Comparison />
                <TraceList />
                <GroupTable grouping=Grouping::Endpoints />
                <GroupTable grouping=Grouping::Operations />
            </Show>
        </main>
    }
}
