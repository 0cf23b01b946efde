//! The download buttons: the report with the person's edits (made again with
//! them as the builder's options, or applied to a saved report), saved as a
//! file (no server).

use super::ReportState;
use crate::io;
use crate::report_state::ExportFormat;
use crate::workspace::Workspace;
use leptos::prelude::*;

/// One button per format.
#[component]
pub fn Downloads() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let state = expect_context::<ReportState>();
    let save = move |format: ExportFormat| {
        leptos::task::spawn_local(async move {
            let saved = state
                .edited(workspace)
                .await
                .map(|report| crate::report_state::render_export(&report, format))
                .ok_or_else(|| format!("{}: nothing to save", format.file_name()))
                .and_then(|text| io::download(format.file_name(), format.mime(), &text));
            state.message.set(saved.err());
        });
    };
    let buttons = ExportFormat::ALL
        .into_iter()
        .map(|format| {
            let title = format!("Save the report as {}", format.file_name());
            view! {
                <button
                    class="button"
                    data-testid=format.test_id()
                    title=title
                    on:click=move |_| save(format)
                >
                    {format!("Download {}", format.label())}
                </button>
            }
        })
        .collect_view();
    view! { <div class="actions downloads">{buttons}</div> }
}
