//! The loads under way: a progress bar per load (bytes read, spans so far,
//! what the engine is doing) with Cancel, and the message when the engine
//! died, with the button that starts it again.

use crate::engine::protocol::Stage;
use crate::format;
use crate::workspace::{Loading, Period, Workspace};
use leptos::prelude::*;

/// One bar per load under way, and Cancel.
#[component]
pub fn LoadProgress() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    view! {
        <Show when=move || workspace.loading.with(|l| !l.is_empty())>
            <section class="load-progress" data-testid="load-progress" aria-live="polite">
                <For each=move || workspace.loading.get() key=|l| (l.load, l.progress.clone().map(|p| (p.bytes_read, p.spans, p.file))) let:load>
                    {bar(load)}
                </For>
                <button class="button quiet" data-testid="cancel-load" on:click=move |_| workspace.cancel()>
                    "Cancel"
                </button>
            </section>
        </Show>
    }
}

fn bar(load: Loading) -> impl IntoView {
    let (read, total) = load
        .progress
        .as_ref()
        .map_or((0, load.bytes), |p| (p.bytes_read, p.bytes_total));
    let fraction = if total == 0 { 0.0 } else { read as f64 / total as f64 };
    let into = match (load.restoring, load.period) {
        (true, _) => "Restoring the files loaded before",
        (false, Period::Current) => "Reading",
        (false, Period::Baseline) => "Reading the baseline",
    };
    let what = match &load.progress {
        None => format!("{into}: starting…"),
        Some(p) if p.stage == Stage::Analysing => {
            format!("Analysing {} spans…", format::count(p.spans))
        }
        Some(p) => format!(
            "{into}: {} ({} of {}), {} of {} MB, {} spans so far",
            p.name,
            p.file + 1,
            load.files,
            read >> 20,
            total.max(1 << 20) >> 20,
            format::count(p.spans)
        ),
    };
    view! {
        <div class="load">
            <progress max="1" value=fraction.to_string()></progress>
            <span class="what" data-testid="load-progress-text">{what}</span>
        </div>
    }
}

/// When the engine died: what happened and the way back.
#[component]
pub fn EngineFailure() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    view! {
        <Show when=move || workspace.engine_failure.with(Option::is_some)>
            <section class="failure engine-failure" role="alert" data-testid="engine-failure">
                <span class="message">{move || workspace.engine_failure.get().unwrap_or_default()}</span>
                <button class="button" data-testid="restart-engine" on:click=move |_| workspace.restart()>
                    "Start again"
                </button>
            </section>
        </Show>
    }
}
