//! Per-operation latency: count, error rate and exact p50/p95/p99/max.

use crate::format;
use crate::workspace::Workspace;
use leptos::prelude::*;
use tracelens_core::analysis::OperationStats;

/// One row per (service, operation), busiest first.
#[component]
pub fn OperationTable() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let rows = move || {
        workspace
            .analysis
            .with(|a| a.as_ref().map(|a| a.operations.clone()).unwrap_or_default())
    };
    view! {
        <section class="operations">
            <h2>"Operations"</h2>
            <table data-testid="operation-table">
                <thead>
                    <tr>
                        <th>"Service"</th>
                        <th>"Operation"</th>
                        <th class="num">"Count"</th>
                        <th class="num">"Error rate"</th>
                        <th class="num">"p50"</th>
                        <th class="num">"p95"</th>
                        <th class="num">"p99"</th>
                        <th class="num">"Max"</th>
                    </tr>
                </thead>
                <tbody>{move || rows().into_iter().map(operation_row).collect_view()}</tbody>
            </table>
            <p class="footnote">"Percentiles are exact (nearest rank over every span), not estimates."</p>
        </section>
    }
}

fn operation_row(op: OperationStats) -> impl IntoView {
    let d = op.durations;
    view! {
        <tr data-testid="operation-row" class:error={op.errors > 0}>
            <td>{op.service}</td>
            <td>{op.operation}</td>
            <td class="num">{format::count(d.count)}</td>
            <td class="num">{format::percent(op.error_rate)}</td>
            <td class="num">{d.p50.to_string()}</td>
            <td class="num">{d.p95.to_string()}</td>
            <td class="num">{d.p99.to_string()}</td>
            <td class="num">{d.max.to_string()}</td>
        </tr>
    }
}
