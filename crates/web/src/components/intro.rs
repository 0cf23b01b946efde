//! The header: what the tool does, and the three ways to load traces.

use crate::components::privacy::PrivacyNote;
use crate::components::progress::{EngineFailure, LoadProgress};
use crate::io;
use crate::route::{REPORT, Route, SERVICES};
use crate::workspace::{Period, Workspace};
use leptos::prelude::*;
use web_sys::HtmlInputElement;

/// What the file pickers offer: every extension and type Tracelens reads.
pub const ACCEPT: &str =
    ".json,.jsonl,.ndjson,.txt,.pb,.protobuf,.bin,.gz,application/json,application/x-protobuf,application/gzip";

/// A file input's `change` handler that loads the picked files into `period`.
pub fn pick_into(workspace: Workspace, period: Period) -> impl Fn(leptos::ev::Event) + Copy + 'static {
    move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        workspace.load_files(period, io::files_of(input.files()));
        // Picking the same file again must fire `change` again.
        input.set_value("");
    }
}

/// Title, two-line explanation, file picker, example button and reset.
#[component]
pub fn Intro() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let on_pick = pick_into(workspace, Period::Current);
    let loaded = move || workspace.analysis.with(Option::is_some);
    view! {
        <header class="intro">
            <h1>"Tracelens"</h1>
            <p class="tagline">
                "Drop OpenTelemetry, Jaeger or Zipkin trace exports here to see where requests spend their time and where they fail."
            </p>
            <PrivacyNote />
            <div class="actions">
                <label class="button primary">
                    "Choose files…"
                    <input
                        type="file"
                        multiple
                        accept=ACCEPT
                        data-testid="file-input"
                        on:change=on_pick
                    />
                </label>
                <button
                    class="button"
                    data-testid="load-example"
                    on:click=move |_| workspace.load_example()
                >
                    "Load example"
                </button>
                <Show when=loaded>
                    <ViewSwitch />
                </Show>
                <Show when=move || loaded() || workspace.saved_report.with(Option::is_some)>
                    <button
                        class="button quiet"
                        data-testid="clear"
                        title="Unload every file, and remove the copies this browser keeps for the next visit"
                        on:click=move |_| workspace.clear()
                    >
                        "Forget these files"
                    </button>
                </Show>
                <span class="hint">"or drop files anywhere on the page"</span>
            </div>
            <KeptNote />
            <LoadProgress />
            <EngineFailure />
        </header>
    }
}

/// Links between the views (the page has one at a time): the analysis, the
/// service map and the report, less the one shown.
#[component]
fn ViewSwitch() -> impl IntoView {
    let route = expect_context::<ReadSignal<Route>>();
    let on_analysis = move || route.with(|r| !matches!(r, Route::Report | Route::Services));
    view! {
        <Show when=move || !on_analysis()>
            <a class="button" href="#/" data-testid="open-analysis">"Analysis"</a>
        </Show>
        <Show when=move || !route.with(|r| matches!(r, Route::Services))>
            <a class="button" href=SERVICES data-testid="open-service-map" title="Services and the calls between them">
                "Service map"
            </a>
        </Show>
        <Show when=move || !route.with(Route::is_report)>
            <a class="button" href=REPORT data-testid="open-report" title="The feedback-meeting report of these traces">
                "Report"
            </a>
        </Show>
    }
}

/// Where the files are: read in this tab, kept in this browser for the next
/// visit (how much), sent nowhere.
#[component]
fn KeptNote() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let note = move || match workspace.kept.get() {
        Ok(0) => None,
        Ok(bytes) => Some(format!(
            "{} of files kept in this browser, so a reload keeps them. Nothing is sent anywhere.",
            crate::format::bytes(bytes)
        )),
        Err(message) => Some(message),
    };
    view! {
        {move || note().map(|note| view! { <p class="hint kept" data-testid="kept-size">{note}</p> })}
    }
}
