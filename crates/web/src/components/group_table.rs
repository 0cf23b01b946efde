//! A table of group statistics (endpoints or operations): count, error rate,
//! exact percentiles, p99 without outliers, self time and the share of the
//! critical path.

use crate::format;
use crate::workspace::Workspace;
use leptos::prelude::*;
use tracelens_core::analysis::{Analysis, GroupStats};

/// Which groups a table shows.
#[derive(Clone, Copy)]
pub enum Grouping {
    /// Entry server spans, one row per endpoint.
    Endpoints,
    /// One row per service and span name.
    Operations,
}

impl Grouping {
    fn rows(self, analysis: &Analysis) -> &[GroupStats] {
        match self {
            Grouping::Endpoints => &analysis.groups.endpoints,
            Grouping::Operations => &analysis.groups.operations,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Grouping::Endpoints => "Endpoints",
            Grouping::Operations => "Operations",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Grouping::Endpoints => "Endpoint",
            Grouping::Operations => "Operation",
        }
    }

    fn test_id(self) -> &'static str {
        match self {
            Grouping::Endpoints => "endpoint",
            Grouping::Operations => "operation",
        }
    }
}

/// One row per group, busiest first.
#[component]
pub fn GroupTable(grouping: Grouping) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let rows = move || {
        workspace
            .analysis
            .with(|a| a.as_deref().map(|a| grouping.rows(a).to_vec()).unwrap_or_default())
    };
    let row_id = format!("{}-row", grouping.test_id());
    view! {
        <section class=grouping.test_id()>
            <h2>{grouping.title()}</h2>
            <table data-testid=format!("{}-table", grouping.test_id())>
                <thead>
                    <tr>
                        <th>"Service"</th>
                        <th>{grouping.column()}</th>
                        <th class="num">"Count"</th>
                        <th class="num">"Error rate"</th>
                        <th class="num">"p50"</th>
                        <th class="num">"p95"</th>
                        <th class="num">"p99"</th>
                        <th class="num" title=tracelens_core::stats::outliers::METHOD>"p99 w/o outliers"</th>
                        <th class="num">"Max"</th>
                        <th class="num" title="Median time not covered by child spans">"Self p50"</th>
                        <th class="num" title="Share of the critical path of the traces it appears in that was spent in its own spans (not their children)">"Path"</th>
                    </tr>
                </thead>
                <tbody>{move || rows().into_iter().map(|g| group_row(g, row_id.clone())).collect_view()}</tbody>
            </table>
        </section>
    }
}

fn group_row(group: GroupStats, test_id: String) -> impl IntoView {
    let d = group.durations;
    let robust = format!(
        "{}{}",
        group.robust.durations.p99,
        if group.robust.removed > 0 {
            format!(" (−{})", group.robust.removed)
        } else {
            String::new()
        }
    );
    view! {
        <tr data-testid=test_id class:error={group.errors > 0}>
            <td>{group.service}</td>
            <td>{group.name}</td>
            <td class="num">{format::count(d.count)}</td>
            <td class="num">{format::percent(group.error_rate)}</td>
            <td class="num">{d.p50.to_string()}</td>
            <td class="num">{d.p95.to_string()}</td>
            <td class="num">{d.p99.to_string()}</td>
            <td class="num">{robust}</td>
            <td class="num">{d.max.to_string()}</td>
            <td class="num">{group.self_time.p50.to_string()}</td>
            <td class="num">{format!("{:.0}%", group.critical_path_share * 100.0)}</td>
        </tr>
    }
}
