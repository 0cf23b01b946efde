//! A table of group statistics (endpoints or operations): count, error rate,
//! exact percentiles, p99 without outliers, a histogram sparkline, self time
//! and the share of the critical path. Clicking a row opens its histogram
//! with the percentile marks below it.

use crate::components::histogram::{Noun, histogram_figure, shared_range, sparkline, summary};
use crate::format;
use crate::workspace::Workspace;
use leptos::prelude::*;
use tracelens_core::analysis::{Analysis, GroupStats};
use tracelens_core::time::DurationNs;

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

    /// What one duration in the group is.
    fn noun(self) -> Noun {
        match self {
            Grouping::Endpoints => Noun {
                one: "request",
                many: "requests",
            },
            Grouping::Operations => Noun {
                one: "call",
                many: "calls",
            },
        }
    }

    /// How a group is named in a chart's label.
    fn label(self, group: &GroupStats) -> String {
        match self {
            Grouping::Endpoints => group.name.clone(),
            Grouping::Operations => format!("{} ({})", group.name, group.service),
        }
    }
}

/// Columns in a row, for the opened histogram's cell to span them all.
const COLUMNS: u32 = 12;

/// One row per group, busiest first.
#[component]
pub fn GroupTable(grouping: Grouping) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let rows = move || {
        workspace
            .analysis
            .with(|a| a.as_deref().map(|a| grouping.rows(a).to_vec()).unwrap_or_default())
    };
    // Rows the user opened, by service and name (names can repeat across services).
    let opened = RwSignal::new(Vec::<(String, String)>::new());
    let body = move || {
        let rows = rows();
        let range = shared_range(rows.iter().map(|g| &g.histogram)).unwrap_or((DurationNs(1), DurationNs(1)));
        rows.into_iter()
            .map(|g| group_row(g, grouping, range, opened))
            .collect_view()
    };
    let scale_note = "Durations on a log scale shared by every row (faint lines: powers of ten); \
                      bar heights relative to the row's fullest bucket. Click a row to open its histogram.";
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
                        <th class="dist" title=scale_note>"Distribution"</th>
                        <th class="num" title="Median time not covered by child spans">"Self p50"</th>
                        <th class="num" title="Share of the critical path of the traces it appears in that was spent in its own spans (not their children)">"Path"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </section>
    }
}

fn group_row(
    group: GroupStats,
    grouping: Grouping,
    range: (DurationNs, DurationNs),
    opened: RwSignal<Vec<(String, String)>>,
) -> impl IntoView {
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
    let key = (group.service.clone(), group.name.clone());
    // A memo, so opening one row re-renders only that row.
    let is_open = {
        let key = key.clone();
        Memo::new(move |_| opened.with(|o| o.contains(&key)))
    };
    let toggle = move |_| {
        opened.update(|o| match o.iter().position(|k| *k == key) {
            Some(i) => {
                o.remove(i);
            }
            None => o.push(key.clone()),
        })
    };
    let label = summary(&grouping.label(&group), &group.histogram, grouping.noun());
    let spark = sparkline(&group.histogram, range, label.clone());
    let histogram = group.histogram;
    let detail = move || {
        is_open.get().then(|| {
            view! {
                <tr class="histogram-row" data-testid=format!("{}-histogram", grouping.test_id())>
                    <td colspan=COLUMNS>{histogram_figure(&histogram, label.clone(), grouping.noun())}</td>
                </tr>
            }
        })
    };
    view! {
        <tr
            data-testid=format!("{}-row", grouping.test_id())
            class="group"
            class:error={group.errors > 0}
            class:open=is_open
            on:click=toggle
        >
            <td>{group.service}</td>
            <td class="name">{group.name}</td>
            <td class="num">{format::count(d.count)}</td>
            <td class="num">{format::percent(group.error_rate)}</td>
            <td class="num">{d.p50.to_string()}</td>
            <td class="num">{d.p95.to_string()}</td>
            <td class="num">{d.p99.to_string()}</td>
            <td class="num">{robust}</td>
            <td class="num">{d.max.to_string()}</td>
            <td class="dist">
                // The row's click handler opens it; the button makes that reachable by keyboard.
                <button class="spark" aria-expanded=move || is_open.get().to_string() title="Show the histogram">
                    {spark}
                </button>
            </td>
            <td class="num">{group.self_time.p50.to_string()}</td>
            <td class="num">{format!("{:.0}%", group.critical_path_share * 100.0)}</td>
        </tr>
        {detail}
    }
}
