//! What was loaded: totals, time range, services, and each file's import
//! report (kept, rejected by reason, warnings by kind).

use crate::components::names::name_list;
use crate::format;
use crate::workspace::Workspace;
use leptos::prelude::*;
use tracelens_core::import::FileReport;

/// Totals over all loaded files, then one line per file.
#[component]
pub fn Overview() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let stat = move |read: fn(&tracelens_core::analysis::Analysis) -> String| {
        move || workspace.analysis.with(|a| a.as_deref().map(read).unwrap_or_default())
    };
    view! {
        <section class="overview" data-testid="overview">
            // With a baseline on the page, say which traces these totals are about.
            <Show when=move || workspace.baseline.with(Option::is_some)>
                <h2 class="period-title" data-testid="current-title">
                    "Current traces" <span class="tally">"everything on this page is about these, unless marked baseline"</span>
                </h2>
            </Show>
            <dl class="totals">
                <div>
                    <dt>"Files"</dt>
                    <dd data-testid="file-count">{stat(|a| format::count(a.overview.files as u64))}</dd>
                </div>
                <div>
                    <dt>"Spans"</dt>
                    <dd data-testid="span-count">{stat(|a| format::count(a.overview.spans))}</dd>
                </div>
                <div>
                    <dt>"Traces"</dt>
                    <dd data-testid="trace-count">{stat(|a| format::count(a.overview.traces))}</dd>
                </div>
                <div class="wide">
                    <dt>"Time range (UTC)"</dt>
                    <dd data-testid="time-range">{stat(time_range)}</dd>
                </div>
            </dl>
            <p class="services">
                <span class="label">"Services "</span>
                <span data-testid="services">{move || workspace.analysis.with(|a| a.as_deref().map(|a| name_list(a.overview.services.clone())))}</span>
            </p>
            <p class="link-warnings" data-testid="link-warnings">{stat(link_warnings)}</p>
            <ImportReports files=workspace.files.into() summary="Import report per file" />
        </section>
    }
}

/// One row per file: its format, spans read and kept, rejections and
/// warnings; folded away until asked for.
#[component]
pub fn ImportReports(files: Signal<Vec<FileReport>>, summary: &'static str) -> impl IntoView {
    view! {
        <details class="file-reports">
            <summary>{summary}</summary>
            <table>
                <thead>
                    <tr>
                        <th>"File"</th>
                        <th>"Format"</th>
                        <th class="num">"Spans read"</th>
                        <th class="num">"Kept"</th>
                        <th>"Rejected"</th>
                        <th>"Warnings"</th>
                    </tr>
                </thead>
                <tbody>{move || files.get().into_iter().map(file_row).collect_view()}</tbody>
            </table>
        </details>
    }
}

fn file_row(report: FileReport) -> impl IntoView {
    let rejected: Vec<String> = report
        .rejected
        .iter()
        .map(|(reason, r)| format!("{} (e.g. {})", reason.counted(r.count), r.example))
        .collect();
    let mut warnings: Vec<String> = report.warnings.iter().map(|(kind, n)| kind.counted(*n)).collect();
    warnings.extend(
        report
            .skipped
            .iter()
            .map(|(reason, t)| format!("{} skipped (e.g. {})", reason.counted(t.count), t.example)),
    );
    let format_name = match report.compression {
        Some(compression) => format!("{} ({compression})", report.format),
        None => report.format.to_string(),
    };

    view! {
        <tr data-testid="file-report">
            <td>{report.name}</td>
            <td>{format_name}</td>
            <td class="num">{format::count(report.spans_read)}</td>
            <td class="num">{format::count(report.spans_kept)}</td>
            <td>{if rejected.is_empty() { "none".to_owned() } else { rejected.join("; ") }}</td>
            <td>{if warnings.is_empty() { "none".to_owned() } else { warnings.join("; ") }}</td>
        </tr>
    }
}

fn time_range(analysis: &tracelens_core::analysis::Analysis) -> String {
    format::time_range(analysis.overview.start, analysis.overview.end)
}

fn link_warnings(analysis: &tracelens_core::analysis::Analysis) -> String {
    let w = &analysis.link_warnings;
    let parts: Vec<String> = [
        (w.orphans, "spans whose parent is missing (shown as roots)"),
        (w.duplicate_span_ids, "duplicate span IDs"),
        (
            w.child_starts_before_parent,
            "spans starting before their parent (clock skew)",
        ),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{} {what}", format::count(n)))
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("Check: {}.", parts.join(", "))
    }
}
