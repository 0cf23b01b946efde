//! The report's header: its title and the two periods' names, editable (an
//! empty field shows the default as its placeholder), what was read for each
//! period, the services, and the data-quality notes.

use super::ReportState;
use crate::components::names::name_list;
use crate::format;
use crate::report_state::Text;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::report::{DataNote, Period, Report, Side, Source};
use tracelens_core::time::TimestampNs;

/// Title, periods, services, notes.
#[component]
pub fn Header(report: Arc<Report>) -> impl IntoView {
    let state = expect_context::<ReportState>();
    let header = &report.header;
    let baseline = header.baseline.clone();
    let title = text_field(state, header.title.clone(), "report-title", Text::Title);
    let current_name = text_field(
        state,
        header.current.name.clone(),
        "report-period-current",
        Text::CurrentName,
    );
    let baseline_view = baseline.map(|period| {
        let name = text_field(state, period.name.clone(), "report-period-baseline", Text::BaselineName);
        view! {
            <div class="period">
                <label>"Baseline period " {name}</label>
                <p class="quiet">{describe(&period)}</p>
            </div>
        }
    });
    let notes = header.data_quality.iter().map(note).collect_view();
    view! {
        <header class="report-header">
            <label class="report-title">"Title " {title}</label>
            <div class="periods">
                <div class="period">
                    <label>"This period " {current_name}</label>
                    <p class="quiet">{describe(&header.current)}</p>
                </div>
                {baseline_view}
            </div>
            <p class="services">
                <span class="label">"Services "</span>
                {name_list(header.services.clone())}
            </p>
            <ul class="data-notes" data-testid="report-data-notes">
                {notes}
            </ul>
        </header>
    }
}

/// A text input bound to one of the edits; the default shows as placeholder.
fn text_field(state: ReportState, default: String, test_id: &'static str, which: Text) -> impl IntoView {
    let value = move || state.edits.with(|e| e.text(which).to_owned());
    view! {
        <input
            type="text"
            placeholder=default
            data-testid=test_id
            prop:value=value
            on:input=move |ev| {
                let text = event_target_value(&ev);
                state.edit(move |e| e.set_text(which, text));
            }
        />
    }
}

/// `2 files, 3,918 spans in 400 traces, 2026-11-02 09:00 → … (UTC)`, or the report it came from.
fn describe(period: &Period) -> String {
    let source = match period.source {
        Source::Traces => "",
        Source::Report => "from the previous report: ",
    };
    let files = period.files.len() as u64;
    format!(
        "{source}{} {}, {} spans in {} traces, {} UTC",
        format::count(files),
        if files == 1 { "file" } else { "files" },
        format::count(period.spans),
        format::count(period.traces),
        format::time_range(period.start_ns.map(TimestampNs), period.end_ns.map(TimestampNs)),
    )
}

fn note(note: &DataNote) -> impl IntoView + use<> {
    let side = match note.side {
        Side::Current => "",
        Side::Baseline => "Baseline: ",
    };
    let file = note.file.as_ref().map(|f| format!("{f}: ")).unwrap_or_default();
    view! { <li>{format!("{side}{file}{}", note.text)}</li> }
}
