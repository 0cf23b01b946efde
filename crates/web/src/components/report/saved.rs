//! Said above a saved report opened with no traces: what it is (the file,
//! the numbers as they were saved, nothing analysed again), what can be
//! changed here, and what to do next: drop the next period's traces to make
//! its report with this one as the baseline.

use crate::components::intro::{ACCEPT, pick_into};
use crate::format;
use crate::workspace::{Period, Workspace};
use leptos::prelude::*;

/// The note and a picker for the next period's traces.
#[component]
pub fn Saved() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let on_pick = pick_into(workspace, Period::Current);
    let what = move || {
        workspace.saved_report.with(|saved| {
            saved.as_ref().map(|saved| {
                let current = &saved.report.header.current;
                format!(
                    "A saved report, opened from {}: {} ({} spans in {} traces). No traces are loaded, so it shows the numbers as they were saved and nothing is analysed again.",
                    saved.name,
                    current.name,
                    format::count(current.spans),
                    format::count(current.traces),
                )
            })
        })
    };
    view! {
        <section class="baseline-box report-saved" data-testid="report-saved">
            <p data-testid="report-saved-what">{what}</p>
            <p>
                "You can change the title, the periods' names and each finding's note, owner and state: this browser keeps them for this report, and every download has them."
            </p>
            <p data-testid="report-saved-next">
                "Next period: drop its trace files anywhere on this page (or choose them) to make its report with this one as the baseline: each finding then reads new, still open or resolved, and these notes and owners carry over."
            </p>
            <div class="actions">
                <label class="button primary">
                    "Choose next period's traces…"
                    <input
                        type="file"
                        multiple
                        accept=ACCEPT
                        data-testid="report-saved-input"
                        on:change=on_pick
                    />
                </label>
            </div>
        </section>
    }
}
