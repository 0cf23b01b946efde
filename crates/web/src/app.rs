//! The page: a header with the ways to load files, then what was loaded:
//! the analysis, or at `#/report` the report (see `route.rs`). With no traces
//! but a saved report opened, that report is all there is to show.

use crate::components::{
    baseline::Baseline,
    comparison::Comparison,
    drop_zone::DropOverlay,
    empty_state::EmptyState,
    endpoint::EndpointView,
    failures::Failures,
    findings::Findings,
    group_table::{GroupTable, Grouping},
    intro::Intro,
    overview::Overview,
    report::ReportView,
    service_map::ServiceMapView,
    stages::{self, Later, Staged},
    trace_compare::TraceCompare,
    trace_list::TraceList,
    trace_view::TraceView,
};
use crate::route::{Route, use_route};
use crate::workspace::{Period, Workspace};
use leptos::prelude::*;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let workspace = Workspace::new();
    provide_context(workspace);
    let offline = RwSignal::new(crate::offline::Offline::Preparing);
    provide_context(offline);
    crate::offline::start(offline);
    install_test_hooks(workspace);
    let loaded = move || workspace.analysis.with(Option::is_some);
    let saved = move || workspace.saved_report.with(Option::is_some);
    let route = use_route();
    provide_context(route);
    // The view drawn changes only with the view the address names: a new
    // filter on the trace list is the same view (see `Route::same_view`).
    let view_route = Memo::new_with_compare(
        move |_| route.get(),
        |before, now| !matches!((before, now), (Some(before), Some(now)) if before.same_view(now)),
    );
    view! {
        <DropOverlay />
        // The waterfall and the map need the width; a class, not `:has()`,
        // which made every row added while scrolling restyle the page.
        <main class="page" class:wide=move || route.with(|r| matches!(r, Route::Trace { .. } | Route::Services))>
            <Intro />
            <Failures period=Period::Current />
            <Show when=loaded fallback=move || view! { <Show when=saved fallback=EmptyState><ReportView /></Show> }>
                {move || match view_route.get() {
                    Route::Report => view! { <ReportView /> }.into_any(),
                    Route::Services => view! { <ServiceMapView /> }.into_any(),
                    Route::Compare { a, b } => view! { <TraceCompare a b /> }.into_any(),
                    Route::Endpoint { endpoint, .. } => view! { <EndpointView endpoint /> }.into_any(),
                    Route::Trace { id, finding } => {
                        // Made again after each load: the engine lays the trace out anew.
                        workspace.analysis.track();
                        if finding.is_some() {
                            // And when the findings come, to mark the one named.
                            workspace.findings.track();
                        }
                        view! { <TraceView trace_id=id finding /> }.into_any()
                    }
                    Route::Analysis { .. } => view! { <Analysis /> }.into_any(),
                }}
            </Show>
        </main>
    }
}

/// Everything loaded, section by section: the totals, the findings and the
/// trace list first, the rest in the frames after (see `stages.rs`).
#[component]
fn Analysis() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    // Made again (back from a trace, say): drawn in stages as after a load.
    workspace.stages.restart();
    view! {
        <Staged>
            <Overview />
            <Baseline />
            <Findings />
            <Comparison />
            <TraceList />
            <Later stage=stages::ENDPOINTS><GroupTable grouping=Grouping::Endpoints /></Later>
            <Later stage=stages::OPERATIONS><GroupTable grouping=Grouping::Operations /></Later>
        </Staged>
    }
}

/// A test hook: its name on `window`, and what it does.
type Hook = (&'static str, Box<dyn Fn()>);

/// `window.tracelensStopEngine()`: stops the engine's worker as a crash
/// would, so the browser tests can prove the page survives one. It can only
/// lose what is loaded, which the page offers to load again.
/// `window.tracelensHoldFindings()` and `tracelensReleaseFindings()` hold
/// the detectors' findings back and let them through, so a test sees the
/// page between the list and the findings (see `Workspace::hold_findings`).
fn install_test_hooks(workspace: Workspace) {
    use wasm_bindgen::prelude::*;
    let Some(window) = web_sys::window() else { return };
    let hooks: [Hook; 3] = [
        ("tracelensStopEngine", Box::new(move || workspace.kill_engine())),
        // The findings wait until released: the page before them, without racing the detectors.
        ("tracelensHoldFindings", Box::new(move || workspace.hold_findings())),
        (
            "tracelensReleaseFindings",
            Box::new(move || workspace.release_findings()),
        ),
    ];
    for (name, hook) in hooks {
        let hook = Closure::<dyn Fn()>::new(hook);
        // Nothing to do if it fails: the tests that need it would say so.
        let _ = js_sys::Reflect::set(&window, &name.into(), hook.as_ref());
        // The hook lives as long as the page.
        hook.forget();
    }
}
