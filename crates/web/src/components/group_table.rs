//! A table of group statistics (endpoints or operations): count, error rate,
//! exact percentiles, p99 without outliers, a histogram sparkline, self time
//! and the share of the critical path. Clicking a row opens its histogram
//! with the percentile marks below it.

use crate::components::histogram::{Noun, histogram_figure, sparkline, summary};
use crate::engine::protocol::{self, Reply, Request};
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

    /// The same grouping, as the engine is asked for more of it.
    fn asked(self) -> protocol::Grouping {
        match self {
            Grouping::Endpoints => protocol::Grouping::Endpoints,
            Grouping::Operations => protocol::Grouping::Operations,
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

/// Rows drawn at first, and added by each "Show more".
const FIRST_ROWS: usize = 100;
const MORE_ROWS: usize = 200;
/// Rows added per frame while drawing: a row with its histogram is about
/// 40 elements, and 20 rows with the frame's layout stay well under the
/// 100 ms a task may take after a load (40 took 40-60 ms of script alone).
const ROWS_PER_FRAME: usize = 20;

/// Columns in a row, for the opened histogram's cell to span them all.
const COLUMNS: u32 = 12;

/// One row per group, busiest first.
#[component]
pub fn GroupTable(grouping: Grouping) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    // The busiest rows come with the summary; the rest are asked of the
    // engine when the person wants them.
    let fetched = RwSignal::new(Vec::<GroupStats>::new());
    // Rows the user opened, by service and name (names can repeat across services).
    let opened = RwSignal::new(Vec::<(String, String)>::new());
    // The busiest first, more on request, so a set with thousands of
    // operations paints as fast as one with ten; and beyond the first few,
    // a batch per frame, so the page's first frame after a load (the trace
    // list above) does not wait for all of the tables below it.
    let wanted = RwSignal::new(FIRST_ROWS);
    let drawn = RwSignal::new(ROWS_PER_FRAME);
    let total = move || {
        let (endpoints, operations) = workspace.group_counts.get();
        match grouping {
            Grouping::Endpoints => endpoints,
            Grouping::Operations => operations,
        }
    };
    Effect::new(move |_| {
        let (now, goal) = (drawn.get(), wanted.get().min(total()));
        if now < goal {
            request_animation_frame(move || drawn.set((now + ROWS_PER_FRAME).min(goal)));
        }
    });
    // Another analysis: draw it again from the top.
    Effect::new(move |_| {
        workspace.analysis.track();
        fetched.set(Vec::new());
        wanted.set(FIRST_ROWS);
        drawn.set(ROWS_PER_FRAME);
    });
    // Rows wanted beyond those held: asked of the engine, then drawn.
    Effect::new(move |_| {
        let held = workspace
            .analysis
            .with_untracked(|a| a.as_deref().map_or(0, |a| grouping.rows(a).len()))
            + fetched.with_untracked(Vec::len);
        let missing = wanted.get().min(total()).saturating_sub(held);
        if missing == 0 {
            return;
        }
        leptos::task::spawn_local(async move {
            let question = move |ticket| Request::Groups {
                ticket,
                grouping: grouping.asked(),
                service: None,
                offset: held,
                limit: missing,
            };
            if let Some(Reply::Groups { rows, .. }) = workspace.ask(question).await {
                fetched.update(|f| f.extend(rows));
            }
        });
    });
    // Over all rows, those fetched later too (the engine measures it).
    let range = Memo::new(move |_| {
        let (endpoints, operations) = workspace.group_ranges.get();
        match grouping {
            Grouping::Endpoints => endpoints,
            Grouping::Operations => operations,
        }
        .unwrap_or((DurationNs(1), DurationNs(1)))
    });
    // Keyed, so each frame's batch builds only its own rows: a plain list
    // was built again whole at every batch (the fifth drew 100 rows). The
    // key holds the analysis's address, so a new analysis (same groups,
    // new numbers) draws every row anew.
    let drawn_rows = move || {
        let n = drawn.get();
        let analysis = workspace.analysis.get();
        let of_analysis = analysis.as_ref().map_or(0, |a| std::sync::Arc::as_ptr(a) as usize);
        let summary = analysis.as_deref().map_or(&[][..], |a| grouping.rows(a));
        let mut rows: Vec<GroupStats> = summary.iter().take(n).cloned().collect();
        fetched.with(|more| rows.extend(more.iter().take(n.saturating_sub(rows.len())).cloned()));
        rows.into_iter().map(move |g| (of_analysis, g)).collect::<Vec<_>>()
    };
    let body = move || {
        view! {
            <For
                each=drawn_rows
                key=|(of_analysis, g)| (*of_analysis, g.service.clone(), g.name.clone())
                children=move |(_, g)| group_row(g, grouping, range.get_untracked(), opened)
            />
        }
    };
    let more = move || {
        let (total, drawn) = (total(), wanted.get());
        (total > drawn).then(|| {
            let next = (total - drawn).min(MORE_ROWS);
            view! {
                <p class="more">
                    {format!("Showing the busiest {} of {}. ", format::count(drawn as u64), format::count(total as u64))}
                    <button class="link" data-testid=format!("{}-more", grouping.test_id()) on:click=move |_| wanted.update(|n| *n += next)>
                        {format!("Show {} more", format::count(next as u64))}
                    </button>
                </p>
            }
        })
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
            {more}
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
    let service_of_link = group.service.clone();
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
            <td class="name">{name_cell(grouping, service_of_link, group.name)}</td>
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

/// An endpoint's name links to its own view (without opening the row's histogram).
fn name_cell(grouping: Grouping, service: String, name: String) -> impl IntoView {
    match grouping {
        Grouping::Endpoints => {
            let href = crate::route::Route::Endpoint {
                endpoint: tracelens_core::query::GroupKey {
                    service,
                    name: name.clone(),
                },
                traces: Default::default(),
            }
            .href();
            leptos::either::Either::Left(view! {
                <a href=href data-testid="endpoint-link" on:click=|e| e.stop_propagation()>{name}</a>
            })
        }
        Grouping::Operations => leptos::either::Either::Right(name),
    }
}
