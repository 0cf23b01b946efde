//! The traces, as a query to the engine: the rows in view (and a few
//! around them) are all the page asks for and draws, so a hundred thousand
//! traces scroll as lightly as ten. Sortable by clicking a column header;
//! each row's operation opens the trace (`#/trace/<id>`).

use crate::engine::protocol::{Reply, Request};
use crate::format;
use crate::io;
use crate::route::{Route, SortBy, TraceListView, call_of, group_key, group_text};
use crate::workspace::{ComparePick, RequestKind, Workspace};
use leptos::prelude::*;
use tracelens_core::analysis::TraceSummary;
use tracelens_core::numbers::{agrees, counted};
use tracelens_core::query::{FacetList, GroupKey, SortKey, TraceFilter, TracePage, TraceQuery, TraceSort};
use tracelens_core::time::parse_duration;

/// Height of a row, in CSS pixels (`.traces tbody tr` in style.css).
const ROW_PX: f64 = 30.0;
/// Rows the scroller shows at most; beyond that it scrolls.
const VISIBLE_ROWS: usize = 20;
/// Rows asked for above and below those in view, so a short scroll needs no new answer.
const OVERSCAN: usize = 20;

/// The filtered, sortable, scrolling trace table. Its filters and order
/// live in the address (see `route.rs`), so back and forward step through
/// them and a pasted link shows the same list.
#[component]
pub fn TraceList() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let route = expect_context::<ReadSignal<Route>>();
    let view_of_route = Memo::new(move |_| route.with(|r| r.traces().cloned().unwrap_or_default()));
    let scroll_top = RwSignal::new(0.0_f64);
    let first = Memo::new(move |_| ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN));
    let query = Memo::new(move |_| {
        let mut query = route.with(first_query);
        query.offset = first.get() as u64;
        query
    });
    // The number of the last question asked (a new query, or a new load).
    let asked = RwSignal::new(0_u64);
    // The last answer and the number of its question, kept until the next
    // one arrives so scrolling and filtering never blank; `None` until the
    // first, so the list never says "0 of … traces match" before the engine
    // has counted them.
    let answer = RwSignal::new(None::<(u64, TracePage)>);
    Effect::new(move |_| {
        workspace.analysis.track();
        let wanted = query.get();
        let number = asked.get_untracked() + 1;
        asked.set(number);
        // The page that came with the load, if it is the one wanted.
        if let Some((_, page)) = workspace
            .first_page
            .try_update_value(|p| p.take_if(|(q, _)| *q == wanted))
            .flatten()
        {
            answer.set(Some((number, page)));
            return;
        }
        leptos::task::spawn_local(async move {
            if let Some(Reply::Traces { page, .. }) = workspace
                .ask(move |ticket| Request::Traces { ticket, query: wanted })
                .await
                // Only the answer to the last question: not if a newer one is
                // on its way, nor if the list is gone meanwhile (a new view).
                && asked.try_get_untracked() == Some(number)
            {
                answer.set(Some((number, page)));
            }
        });
    });
    let answered = move || answer.with(Option::is_some);
    // While the rows shown answer an older question than the last (the
    // filters or the order changed, a scroll went past them, a file was
    // added): `aria-busy` on the table, for screen readers and the tests.
    let busy = move || answer.with(|a| a.as_ref().map(|(number, _)| *number)) != Some(asked.get());
    // Both numbers from the answer the rows came with: after a new load, the
    // old answer (kept until the new one comes) still counts the old set.
    let count = move || {
        answer.with(|a| {
            let (matched, total) = a.as_ref().map_or((0, 0), |(_, p)| (p.matched, p.total));
            if matched == total {
                format!("{}.", counted(total, "trace", "traces"))
            } else {
                format!(
                    "{} of {} {}.",
                    format::count(matched),
                    counted(total, "trace", "traces"),
                    agrees(matched, "matches", "match")
                )
            }
        })
    };
    // A new view of the list starts at its top. Only when scrolled: setting
    // `scrollTop` makes the browser lay the page out there and then, which
    // cost 100 ms on the first draw of a big page.
    let scroller = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        view_of_route.track();
        if scroll_top.get_untracked() > 0.0 {
            if let Some(scroller) = scroller.get_untracked() {
                scroller.set_scroll_top(0);
            }
            scroll_top.set(0.0);
        }
    });
    let header = move |label: &'static str, by: SortBy, class: &'static str| {
        let sorted = move || view_of_route.with(|v| v.sort == by);
        let arrow = move || match (sorted(), view_of_route.with(|v| v.ascending)) {
            (false, _) => "",
            (true, false) => " ↓",
            (true, true) => " ↑",
        };
        view! {
            <th class=class aria-sort=move || match (sorted(), view_of_route.with(|v| v.ascending)) {
                (false, _) => "none",
                (true, false) => "descending",
                (true, true) => "ascending",
            }>
                <button
                    class="sort"
                    class:active=sorted
                    on:click=move |_| {
                        // A second click on the sorted column turns the order round.
                        let mut view = view_of_route.get_untracked();
                        view.ascending = view.sort == by && !view.ascending;
                        view.sort = by;
                        show(route, view);
                    }
                >
                    {label}
                    {arrow}
                </button>
            </th>
        }
    };
    // Each row with its endpoint (an answer from an older engine may lack them).
    let rows = move || {
        let page = answer.get().map(|(_, page)| page).unwrap_or_default();
        let endpoints = page.endpoints.into_iter().chain(std::iter::repeat(None));
        page.rows.into_iter().zip(endpoints).collect::<Vec<_>>()
    };
    let spacer_above = move || {
        format!(
            "{}px",
            answer.with(|a| a.as_ref().map_or(0, |(_, p)| p.offset)) as f64 * ROW_PX
        )
    };
    let spacer_below = move || {
        answer.with(|a| {
            let below = a
                .as_ref()
                .map_or(0, |(_, p)| p.matched.saturating_sub(p.offset + p.rows.len() as u64));
            format!("{}px", below as f64 * ROW_PX)
        })
    };
    view! {
        <section class="traces">
            <h2 id="traces">"Traces"</h2>
            <Filters route view=view_of_route />
            <div
                class="trace-scroller"
                data-testid="trace-scroller"
                node_ref=scroller
                style:max-height=format!("{}px", (VISIBLE_ROWS as f64 + 1.5) * ROW_PX)
                on:scroll=move |e| scroll_top.set(event_target::<web_sys::Element>(&e).scroll_top() as f64)
            >
                <table data-testid="trace-table" aria-busy=move || busy().to_string()>
                    <thead>
                        <tr>
                            <th>"Root service"</th>
                            <th>"Root operation"</th>
                            {header("Start (UTC)", SortBy::Start, "")}
                            {header("Duration", SortBy::Duration, "num")}
                            {header("Spans", SortBy::Spans, "num")}
                            {header("Errors", SortBy::Errors, "num")}
                            <th>"Trace ID"</th>
                            <th><span class="sr-only">"Compare"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true" style:height=spacer_above></tr>
                        <For each=rows key=|(t, _)| t.trace_id children=move |(t, endpoint)| trace_row(workspace, t, endpoint) />
                        <tr class="spacer" aria-hidden="true" style:height=spacer_below></tr>
                    </tbody>
                </table>
            </div>
            <Show when=answered>
                <p class="more" data-testid="trace-list-count">{count}</p>
            </Show>
        </section>
    }
}

/// Goes to the same view with the trace list shown as `traces`.
fn show(route: ReadSignal<Route>, traces: TraceListView) {
    let next = match route.get_untracked() {
        Route::Endpoint { endpoint, .. } => Route::Endpoint { endpoint, traces },
        _ => Route::Analysis { traces },
    };
    io::go_to(&next.href());
}

/// The first page of the list on `route`, as the engine is asked for it.
pub fn first_query(route: &Route) -> TraceQuery {
    TraceQuery {
        limit: (VISIBLE_ROWS + 2 * OVERSCAN) as u64,
        ..query_of(route)
    }
}

/// What the engine is asked for on `route` (offset and limit aside).
fn query_of(route: &Route) -> TraceQuery {
    let mut filter = TraceFilter::default();
    let mut view = TraceListView::default();
    match route {
        Route::Endpoint { endpoint, traces } => {
            view = traces.clone();
            filter.endpoint = Some(endpoint.clone());
        }
        Route::Analysis { traces } => view = traces.clone(),
        // Views without a trace list.
        Route::Trace { .. } | Route::Report | Route::Services | Route::Compare { .. } => {}
    }
    if filter.endpoint.is_none() {
        filter.endpoint = view.endpoint.as_deref().and_then(group_key);
    }
    filter.service = view.service.clone();
    filter.operation = view.operation.as_deref().and_then(group_key);
    filter.min_duration = view.min.as_deref().and_then(|d| parse_duration(d).ok());
    filter.max_duration = view.max.as_deref().and_then(|d| parse_duration(d).ok());
    filter.errors_only = view.errors_only;
    filter.call = view.call.as_deref().and_then(call_of);
    filter.text = view.text.clone();
    TraceQuery {
        filter,
        sort: TraceSort {
            key: match view.sort {
                SortBy::Start => SortKey::Start,
                SortBy::Duration => SortKey::Duration,
                SortBy::Spans => SortKey::Spans,
                SortBy::Errors => SortKey::Errors,
            },
            descending: !view.ascending,
        },
        offset: 0,
        limit: 0,
    }
}

/// A menu's entries: `service: name` (or the service alone), most traces first.
fn menu(list: &FacetList, services: bool) -> Vec<String> {
    list.items
        .iter()
        .map(|facet| {
            if services {
                facet.service.clone()
            } else {
                group_text(&GroupKey {
                    service: facet.service.clone(),
                    name: facet.name.clone(),
                })
            }
        })
        .collect()
}

/// The filters above the list: menus of what the analysis found, a
/// duration range, errors only, and text to find. Each change is a new
/// address.
#[component]
fn Filters(route: ReadSignal<Route>, view: Memo<TraceListView>) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let on_endpoint = route.with_untracked(|r| matches!(r, Route::Endpoint { .. }));
    let change = move |edit: Box<dyn FnOnce(&mut TraceListView)>| {
        let mut next = view.get_untracked();
        edit(&mut next);
        show(route, next);
    };
    let given = |value: String| (!value.trim().is_empty()).then(|| value.trim().to_owned());
    let options = move |names: Vec<String>, current: Option<String>| {
        names
            .into_iter()
            .map(|name| {
                let selected = current.as_deref() == Some(name.as_str());
                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
            })
            .collect_view()
    };
    // The options come a frame after the rows (see `stages.rs`).
    let stages = workspace.stages;
    let services = move || workspace.facets.with(|f| menu(&f.services, true));
    let endpoints = move || workspace.facets.with(|f| menu(&f.endpoints, false));
    let operations = move || workspace.facets.with(|f| menu(&f.operations, false));
    let errors_only = move || view.with(|v| v.errors_only);
    // A menu of `names` (any: none chosen) setting one field of the view.
    let menu_select = move |label: &'static str,
                            test_id: &'static str,
                            names: Signal<Vec<String>>,
                            field: fn(&mut TraceListView) -> &mut Option<String>| {
        view! {
            <label>
                {label}
                " "
                <select
                    data-testid=test_id
                    on:change=move |e| {
                        let v = given(event_target_value(&e));
                        change(Box::new(move |view| *field(view) = v))
                    }
                >
                    <option value="">"any"</option>
                    {move || {
                        stages
                            .shows(crate::components::stages::MENUS)
                            .then(|| options(names.get(), view.with(|v| field(&mut v.clone()).clone())))
                    }}
                </select>
            </label>
        }
    };
    view! {
        <form class="filters" data-testid="trace-filters" on:submit=|e| e.prevent_default()>
            {menu_select("Service", "filter-service", Signal::derive(services), |v| &mut v.service)}
            <Show when=move || !on_endpoint>
                {menu_select("Endpoint", "filter-endpoint", Signal::derive(endpoints), |v| &mut v.endpoint)}
            </Show>
            {menu_select("Operation", "filter-operation", Signal::derive(operations), |v| &mut v.operation)}
            <label>
                "Duration "
                <input type="text" size="6" placeholder="min" data-testid="filter-min"
                    prop:value=move || view.with(|v| v.min.clone().unwrap_or_default())
                    on:change=move |e| { let v = given(event_target_value(&e)); change(Box::new(move |view| view.min = v)) } />
                " – "
                <input type="text" size="6" placeholder="max" data-testid="filter-max"
                    prop:value=move || view.with(|v| v.max.clone().unwrap_or_default())
                    on:change=move |e| { let v = given(event_target_value(&e)); change(Box::new(move |view| view.max = v)) } />
            </label>
            <label>
                <input type="checkbox" data-testid="filter-errors" prop:checked=errors_only
                    on:change=move |e| { let v = event_target_checked(&e); change(Box::new(move |view| view.errors_only = v)) } />
                " Errors only"
            </label>
            <label>
                "Find "
                <input type="search" placeholder="text in attributes" data-testid="filter-text"
                    prop:value=move || view.with(|v| v.text.clone().unwrap_or_default())
                    on:change=move |e| { let v = given(event_target_value(&e)); change(Box::new(move |view| view.text = v)) } />
            </label>
            {move || view.with(|v| v.call.clone()).map(|call| view! {
                <span class="filter-chip" data-testid="filter-call">
                    {format!("Calls {call}")}
                    " "
                    <button type="button" class="link" title="Remove this filter"
                        on:click=move |_| change(Box::new(|view| view.call = None))>"✕"</button>
                </span>
            })}
            {move || {
                let v = view.get();
                let bad: Vec<String> = [v.min, v.max].into_iter().flatten().filter(|d| parse_duration(d).is_err()).collect();
                (!bad.is_empty()).then(|| view! {
                    <span class="warning-note" data-testid="filter-problem">
                        {format!("Not a duration: {}. Write it as 250ms, 1.5s or 2m.", bad.join(", "))}
                    </span>
                })
            }}
            <Show when=move || view.with(|v| *v != TraceListView { sort: v.sort, ascending: v.ascending, ..Default::default() })>
                <button type="button" class="link" data-testid="filter-clear" on:click=move |_| change(Box::new(|view| *view = TraceListView { sort: view.sort, ascending: view.ascending, ..Default::default() }))>
                    "Clear filters"
                </button>
            </Show>
        </form>
    }
}

/// Where a row stands towards the trace picked for comparing.
#[derive(Clone, Debug, PartialEq)]
enum Pick {
    None,
    This,
    Comparable,
    /// Another trace of another kind is picked.
    Other(RequestKind),
}

fn trace_row(workspace: Workspace, trace: TraceSummary, endpoint: Option<GroupKey>) -> impl IntoView {
    let errors = trace.error_count;
    let id = trace.trace_id;
    let endpoint_data = endpoint
        .as_ref()
        .map_or(String::new(), |e| format!("{}: {}", e.service, e.name));
    let kind = match endpoint {
        Some(key) => RequestKind::Endpoint(key),
        None => RequestKind::Root {
            service: trace.root_service.clone(),
            operation: trace.root_operation.clone(),
        },
    };
    // Two traces are compared within one endpoint: a request to another one
    // differs by design, not by what went wrong.
    let stance = {
        let kind = kind.clone();
        Memo::new(move |_| match workspace.compare_pick.get() {
            None => Pick::None,
            Some(p) if p.trace_id == id => Pick::This,
            Some(p) if p.kind == kind => Pick::Comparable,
            Some(p) => Pick::Other(p.kind),
        })
    };
    let pick = {
        let kind = kind.clone();
        move |_| match stance.get_untracked() {
            Pick::Comparable => {
                if let Some(first) = workspace.compare_pick.get_untracked() {
                    workspace.compare_pick.set(None);
                    io::go_to(
                        &Route::Compare {
                            a: first.trace_id,
                            b: id,
                        }
                        .href(),
                    );
                }
            }
            Pick::Other(_) => {}
            Pick::This => workspace.compare_pick.set(None),
            Pick::None => workspace.compare_pick.set(Some(ComparePick {
                trace_id: id,
                kind: kind.clone(),
            })),
        }
    };
    let stance_text = move || match stance.get() {
        Pick::This => "picked ✕",
        Pick::Comparable => "compare with picked",
        Pick::Other(_) => "other endpoint",
        Pick::None => "compare",
    };
    let stance_title = move || match stance.get() {
        Pick::Other(picked) => format!(
            "The picked trace is a request to {}; this one to {}. Pick one of the same endpoint, or ✕ the pick.",
            picked.shown(),
            kind.shown()
        ),
        _ => "Compare two traces of one endpoint: pick one, then the other".to_owned(),
    };
    view! {
        <tr data-testid="trace-row" data-trace-id=trace.trace_id.to_string() data-endpoint=endpoint_data class:error={errors > 0}>
            <td>{trace.root_service}</td>
            <td class="name">
                <a class="link" data-testid="trace-link" href=Route::Trace { id: trace.trace_id, finding: None }.href()
                    title="Open the trace's waterfall">
                    {trace.root_operation}
                </a>
                {(!trace.has_root).then(|| view! { <span class="tag" title="No span without a parent: the earliest orphan is shown">"no root"</span> })}
            </td>
            <td>{format::timestamp(trace.start)}</td>
            <td class="num" data-testid="trace-duration">{trace.duration.to_string()}</td>
            <td class="num">{trace.span_count}</td>
            <td class="num">{if errors > 0 { format!("⚠ {errors}") } else { String::new() }}</td>
            <td class="mono">{trace.trace_id.to_string()}</td>
            <td>
                <button type="button" class="link compare-pick" data-testid="compare-pick"
                    class:picked=move || stance.get() == Pick::This on:click=pick
                    prop:disabled=move || matches!(stance.get(), Pick::Other(_)) title=stance_title>
                    {stance_text}
                </button>
            </td>
        </tr>
    }
}
