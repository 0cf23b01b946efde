//! The traces: root service and operation, start, duration, span count and
//! errors, sortable by clicking a column header.

use crate::format;
use crate::workspace::Workspace;
use leptos::prelude::*;
use std::cmp::Reverse;
use tracelens_core::analysis::TraceSummary;

/// Rows drawn at most; beyond that the table says how many are not shown.
const MAX_ROWS: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Start,
    Duration,
    Spans,
    Errors,
}

/// The sortable trace table.
#[component]
pub fn TraceList() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let sort = RwSignal::new(SortBy::Duration);
    let rows = move || {
        workspace.analysis.with(|analysis| {
            let Some(analysis) = analysis else {
                return Vec::new();
            };
            let focused = workspace.focused_trace.get();
            let mut rows: Vec<&TraceSummary> = analysis
                .traces
                .iter()
                .filter(|t| focused.is_none_or(|id| t.trace_id == id))
                .collect();
            match sort.get() {
                SortBy::Start => rows.sort_by_key(|t| t.start),
                SortBy::Duration => rows.sort_by_key(|t| Reverse(t.duration)),
                SortBy::Spans => rows.sort_by_key(|t| Reverse(t.span_count)),
                SortBy::Errors => rows.sort_by_key(|t| Reverse(t.error_count)),
            }
            rows.into_iter().take(MAX_ROWS).cloned().collect::<Vec<_>>()
        })
    };
    let total = move || workspace.analysis.with(|a| a.as_ref().map_or(0, |a| a.traces.len()));
    let header = move |label: &'static str, by: SortBy, class: &'static str| {
        view! {
            <th class=class aria-sort=move || if sort.get() == by { "descending" } else { "none" }>
                <button class="sort" class:active=move || sort.get() == by on:click=move |_| sort.set(by)>
                    {label}
                </button>
            </th>
        }
    };
    view! {
        <section class="traces">
            <h2 id="traces">"Traces"</h2>
            <Show when=move || workspace.focused_trace.get().is_some()>
                <p class="focus" data-testid="trace-focus">
                    "Showing the example trace of a finding. "
                    <button class="link" data-testid="show-all-traces" on:click=move |_| workspace.focused_trace.set(None)>
                        "Show all traces"
                    </button>
                </p>
            </Show>
            <table data-testid="trace-table">
                <thead>
                    <tr>
                        <th>"Root service"</th>
                        <th>"Root operation"</th>
                        {header("Start (UTC)", SortBy::Start, "")}
                        {header("Duration", SortBy::Duration, "num")}
                        {header("Spans", SortBy::Spans, "num")}
                        {header("Errors", SortBy::Errors, "num")}
                        <th>"Trace ID"</th>
                    </tr>
                </thead>
                <tbody>{move || rows().into_iter().map(trace_row).collect_view()}</tbody>
            </table>
            <Show when=move || { total() > MAX_ROWS }>
                <p class="more">{move || format!("Showing {MAX_ROWS} of {} traces.", format::count(total() as u64))}</p>
            </Show>
        </section>
    }
}

fn trace_row(trace: TraceSummary) -> impl IntoView {
    let errors = trace.error_count;
    view! {
        <tr data-testid="trace-row" data-trace-id=trace.trace_id.to_string() class:error={errors > 0}>
            <td>{trace.root_service}</td>
            <td class="name">
                {trace.root_operation}
                {(!trace.has_root).then(|| view! { <span class="tag" title="No span without a parent: the earliest orphan is shown">"no root"</span> })}
            </td>
            <td>{format::timestamp(trace.start)}</td>
            <td class="num" data-testid="trace-duration">{trace.duration.to_string()}</td>
            <td class="num">{trace.span_count}</td>
            <td class="num">{if errors > 0 { format!("⚠ {errors}") } else { String::new() }}</td>
            <td class="mono">{trace.trace_id.to_string()}</td>
        </tr>
    }
}
