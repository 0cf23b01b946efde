//! The current traces against the baseline, row by row: each endpoint and
//! each operation under an endpoint, with baseline → current counts, p50 and
//! p95, the change, the rank test's p-value and the verdict. Slower and
//! faster rows first; the unchanged ones (there may be hundreds) and those
//! with too few samples only when asked for.

use crate::format;
use crate::workspace::Workspace;
use leptos::either::Either;
use leptos::prelude::*;
use tracelens_core::analysis::detectors::regression::{self, Comparison as Compared, Row, RowKind, Verdict};
use tracelens_core::time::DurationNs;

/// Quiet rows (unchanged, too few samples) drawn at most once opened.
const MAX_QUIET_ROWS: usize = 300;

fn rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Regression => 0,
        Verdict::Improvement => 1,
        Verdict::Unchanged => 2,
        Verdict::TooFewSamples => 3,
    }
}

fn is_changed(row: &Row) -> bool {
    matches!(row.verdict, Verdict::Regression | Verdict::Improvement)
}

/// The verdict as the table says it, and as its JSON name (for CSS and tests).
pub(crate) fn verdict_text(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Regression => ("slower", "regression"),
        Verdict::Improvement => ("faster", "improvement"),
        Verdict::Unchanged => ("no change", "unchanged"),
        Verdict::TooFewSamples => ("too few samples", "too_few_samples"),
    }
}

/// The comparison table, shown only when a baseline is loaded.
#[component]
pub fn Comparison() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let comparison = Memo::new(move |_| {
        workspace
            .analysis
            .with(|a| a.as_ref().and_then(|a| a.comparison.clone()))
    });
    let show_quiet = RwSignal::new(false);
    let count = move |verdict: Verdict| {
        comparison.with(|c| {
            c.as_ref()
                .map_or(0, |c| c.rows.iter().filter(|r| r.verdict == verdict).count())
        })
    };
    let tally = move || {
        [
            Verdict::Regression,
            Verdict::Improvement,
            Verdict::Unchanged,
            Verdict::TooFewSamples,
        ]
        .into_iter()
        .filter_map(|v| {
            let n = count(v);
            (n > 0).then(|| format!("{} {}", format::count(n as u64), verdict_text(v).0))
        })
        .collect::<Vec<_>>()
        .join(" · ")
    };
    let rows = move || {
        comparison.with(|c| {
            let Some(c) = c else { return Vec::new() };
            let mut rows: Vec<&Row> = c.rows.iter().collect();
            // Stable: within a verdict, the core's order (endpoints, then operations by endpoint, busiest first).
            rows.sort_by_key(|r| rank(r.verdict));
            let quiet = show_quiet.get();
            rows.into_iter()
                .filter(|r| is_changed(r) || quiet)
                .take(c.rows.iter().filter(|r| is_changed(r)).count() + MAX_QUIET_ROWS)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let changed = move || count(Verdict::Regression) + count(Verdict::Improvement);
    let quiet = move || count(Verdict::Unchanged) + count(Verdict::TooFewSamples);
    let toggle_label = move || {
        if show_quiet.get() {
            "Hide the rows that did not change".to_owned()
        } else {
            let mut text = format!(
                "Show the {} unchanged rows",
                format::count(count(Verdict::Unchanged) as u64)
            );
            let few = count(Verdict::TooFewSamples);
            if few > 0 {
                text.push_str(&format!(" and {} with too few samples", format::count(few as u64)));
            }
            text
        }
    };
    view! {
        <Show when=move || comparison.with(Option::is_some)>
            <section class="comparison" data-testid="comparison">
                <h2 title=regression::METHOD>
                    "Compared with the baseline" <span class="tally" data-testid="comparison-tally">{tally}</span>
                </h2>
                <Show when=move || changed() == 0>
                    <p class="quiet" data-testid="no-change">
                        {move || {
                            format!(
                                "No endpoint or operation got slower or faster beyond noise ({} compared).",
                                format::count((changed() + quiet()) as u64),
                            )
                        }}
                    </p>
                </Show>
                <table data-testid="comparison-table">
                    <thead>
                        <tr>
                            <th>"Verdict"</th>
                            <th>"Endpoint"</th>
                            <th>"Operation"</th>
                            <th>"Service"</th>
                            <th class="num" title="Spans in the baseline → in the current traces">"Count"</th>
                            <th class="num" title="Median duration, baseline → current">"p50"</th>
                            <th class="num">"Change"</th>
                            <th class="num" title="95th percentile duration, baseline → current">"p95"</th>
                            <th class="num">"Change"</th>
                            <th class="num" title=regression::METHOD>"p (Holm)"</th>
                        </tr>
                    </thead>
                    <tbody>{move || rows().into_iter().map(comparison_row).collect_view()}</tbody>
                </table>
                <Show when=move || { quiet() > 0 }>
                    <p class="more">
                        <button class="link" data-testid="toggle-unchanged" on:click=move |_| show_quiet.update(|s| *s = !*s)>
                            {toggle_label}
                        </button>
                        <Show when=move || { show_quiet.get() && quiet() > MAX_QUIET_ROWS }>
                            {move || format!(" (the first {MAX_QUIET_ROWS} of {} are shown)", format::count(quiet() as u64))}
                        </Show>
                    </p>
                </Show>
                <p class="footnote">{move || comparison.with(|c| c.as_ref().map(rule).unwrap_or_default())}</p>
            </section>
        </Show>
    }
}

/// How a row is judged, with the thresholds the core uses.
fn rule(comparison: &Compared) -> String {
    let config = regression::Config::default();
    format!(
        "Slower or faster: p50 or p95 moved by more than {:.0}% and more than {}, and a rank test \
         (Mann–Whitney U) says it is not noise: p < {} after Holm's correction over the {} rows compared. \
         A row needs {} spans in each period; only endpoints and operations present in both are compared. \
         Baseline: {} spans in {} traces.",
        config.min_relative_change * 100.0,
        format::tick(config.min_absolute_change),
        config.alpha,
        format::count(comparison.rows.len() as u64),
        config.min_samples,
        format::count(comparison.baseline_spans),
        format::count(comparison.baseline_traces),
    )
}

pub(crate) fn p_value(p: Option<f64>) -> String {
    match p {
        None => "—".to_owned(),
        Some(p) if p < 0.001 => "< 0.001".to_owned(),
        Some(p) => format!("{p:.3}"),
    }
}

fn arrow(before: impl ToString, after: impl ToString) -> String {
    format!("{} → {}", before.to_string(), after.to_string())
}

fn comparison_row(row: Row) -> impl IntoView {
    let (verdict, verdict_name) = verdict_text(row.verdict);
    let judged = row.verdict != Verdict::TooFewSamples;
    let change = |c: Option<f64>| if judged { regression::percent(c) } else { String::new() };
    let ns = |d: DurationNs| d.0.to_string();
    let (b, c) = (row.baseline, row.current);
    let operation = match row.kind {
        RowKind::Endpoint => Either::Left(view! { <span class="quiet">"whole request"</span> }),
        RowKind::Operation => Either::Right(row.name.clone()),
    };
    let kind = match row.kind {
        RowKind::Endpoint => "endpoint",
        RowKind::Operation => "operation",
    };
    let few_title = (!judged).then(|| {
        format!(
            "Fewer than {} spans in one of the periods: not judged",
            regression::Config::default().min_samples
        )
    });
    view! {
        <tr
            data-testid="comparison-row"
            class=format!("compared {verdict_name} {kind}")
            data-verdict=verdict_name
            data-kind=kind
            data-baseline-p50-ns=ns(b.p50)
            data-current-p50-ns=ns(c.p50)
            data-baseline-p95-ns=ns(b.p95)
            data-current-p95-ns=ns(c.p95)
        >
            <td>
                <span class=format!("verdict {verdict_name}") title=few_title data-testid="verdict">
                    {verdict}
                </span>
            </td>
            <td class="name" data-testid="compared-endpoint">{row.endpoint.unwrap_or_else(|| "(no endpoint)".to_owned())}</td>
            <td class="name" data-testid="compared-operation">{operation}</td>
            <td data-testid="compared-service">{row.service}</td>
            <td class="num" data-testid="compared-count">{arrow(format::count(b.count), format::count(c.count))}</td>
            <td class="num" data-testid="compared-p50">{arrow(b.p50, c.p50)}</td>
            <td class="num change" data-testid="compared-p50-change">{change(row.p50_change)}</td>
            <td class="num" data-testid="compared-p95">{arrow(b.p95, c.p95)}</td>
            <td class="num change" data-testid="compared-p95-change">{change(row.p95_change)}</td>
            <td class="num">{p_value(row.p_value_adjusted)}</td>
        </tr>
    }
}
