//! The service map (`#/services`): services as boxes and the calls between
//! them as arrows, laid out by the core (`analysis::service_map::layout`)
//! and drawn in SVG. Each box says its requests, error rate and p95; each
//! arrow its calls, error rate and p95. Databases, brokers and APIs that
//! were called but sent no spans are dashed boxes. With baseline traces,
//! what moved beyond noise is marked. A click on a box or an arrow lists
//! its numbers, its operations and a link to its traces.

use crate::colors::service_color;
use crate::engine::protocol::{Grouping, Reply, Request};
use crate::format;
use crate::route::{Route, TraceListView, call_text};
use crate::workspace::Workspace;
use leptos::prelude::*;
use tracelens_core::analysis::GroupStats;
use tracelens_core::analysis::service_map::{
    BaselineChange, Layout, NodeKind, Point, Presence, ServiceEdge, ServiceMap, ServiceNode, Shift,
};
use tracelens_core::numbers::count;
use tracelens_core::query::{GroupKey, ServiceCall};

/// Arrows beyond which their labels show only on demand.
const DENSE_EDGES: usize = 20;

/// What is selected on the map.
#[derive(Clone, Debug, PartialEq)]
enum Picked {
    Node(usize),
    Edge(usize),
}

/// The view.
#[component]
pub fn ServiceMapView() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let map = RwSignal::new(None::<(ServiceMap, Layout)>);
    let asked = RwSignal::new(false);
    let picked = RwSignal::new(None::<Picked>);
    Effect::new(move |_| {
        // Again after each analysis: a new load or baseline changes the map.
        workspace.analysis.track();
        leptos::task::spawn_local(async move {
            if let Some(Reply::ServiceMap { map: answer, .. }) =
                workspace.ask(|ticket| Request::ServiceMap { ticket }).await
                && !map.is_disposed()
            {
                // Positions in the old map name other boxes in the new one.
                picked.set(None);
                map.set(answer.map(|m| *m));
                asked.set(true);
            }
        });
    });
    let has_baseline = move || workspace.baseline.with(Option::is_some);
    view! {
        <section class="service-map-view">
            <h2 id="services">"Service map"</h2>
            <p class="hint">
                "Services and the calls between them, from each span whose parent is in another service. "
                "Dashed boxes were called but sent no spans (databases, caches, other APIs). "
                {move || has_baseline().then_some("Arrows and boxes marked ▲ got slower or fail more than in the baseline; ▼ the opposite; new and gone ones are marked too.")}
            </p>
            {move || match map.get() {
                Some((map, layout)) if !map.nodes.is_empty() => view! { <MapDrawing map layout picked /> }.into_any(),
                _ if asked.get() => view! { <p class="quiet">"No services in these traces."</p> }.into_any(),
                _ => view! { <p class="hint">"Drawing the map…"</p> }.into_any(),
            }}
        </section>
    }
}

/// The SVG and the panel beside it.
#[component]
fn MapDrawing(map: ServiceMap, layout: Layout, picked: RwSignal<Option<Picked>>) -> impl IntoView {
    // Past a few dozen arrows their labels pile up where calls fan out: then
    // an arrow's numbers show when it is pointed at or picked (and in its title).
    let dense = map.edges.len() > DENSE_EDGES;
    let map = StoredValue::new(map);
    let edges = map.with_value(|m| {
        m.edges
            .iter()
            .zip(&layout.edges)
            .enumerate()
            .map(|(i, (edge, path))| edge_view(i, edge, &path.points, path.backward, picked))
            .collect_view()
    });
    let nodes = map.with_value(|m| {
        m.nodes
            .iter()
            .zip(&layout.nodes)
            .enumerate()
            .map(|(i, (node, b))| node_view(i, node, (b.x, b.y, b.w, b.h), picked))
            .collect_view()
    });
    view! {
        <div class="service-map-frame">
            <div class="service-map-scroll">
                <svg class="service-map" class:dense=dense data-testid="service-map" role="img"
                    aria-label="Services and the calls between them"
                    width=layout.width height=layout.height viewBox=format!("0 0 {} {}", layout.width, layout.height)>
                    <defs>
                        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head"></path>
                        </marker>
                    </defs>
                    {edges}
                    {nodes}
                </svg>
            </div>
            {move || picked.get().map(|p| map.with_value(|m| panel(m, &p, picked, operations_of(m, &p))))}
        </div>
    }
}

/// Enter or Space: a press of what has the focus.
fn is_press(e: &leptos::ev::KeyboardEvent) -> bool {
    matches!(e.key().as_str(), "Enter" | " ")
}

/// `▲ slower` / `▼ fewer errors` … for what moved; empty when nothing did.
fn change_marks(change: Option<&BaselineChange>) -> String {
    let Some(change) = change else { return String::new() };
    let mut marks = Vec::new();
    match change.presence {
        Presence::New => marks.push("new"),
        Presence::Gone => marks.push("gone"),
        Presence::Both => {}
    }
    match change.latency {
        Shift::Higher => marks.push("▲ slower"),
        Shift::Lower => marks.push("▼ faster"),
        _ => {}
    }
    match change.errors {
        Shift::Higher => marks.push("▲ more errors"),
        Shift::Lower => marks.push("▼ fewer errors"),
        _ => {}
    }
    marks.join(", ")
}

/// `worse`, `better` or `` for styling.
fn change_class(change: Option<&BaselineChange>) -> &'static str {
    let Some(change) = change else { return "" };
    if matches!(change.latency, Shift::Higher) || matches!(change.errors, Shift::Higher) {
        "worse"
    } else if change.moved() {
        "better"
    } else if change.presence != Presence::Both {
        "presence"
    } else {
        ""
    }
}

fn p95_text(p95: Option<tracelens_core::time::DurationNs>) -> String {
    p95.map_or_else(|| "p95 unknown".to_owned(), |p| format!("p95 {p}"))
}

/// The second line of a node's box.
fn node_stats(node: &ServiceNode) -> String {
    format!(
        "{} req · {} · {}",
        count(node.requests),
        format::percent(node.error_rate),
        p95_text(node.p95)
    )
}

/// How wide a node's box is drawn: room for its name (12 px bold) and its
/// numbers (11 px), estimated from their lengths (the worker that lays the
/// map out has no fonts to measure with).
pub fn node_box_width(node: &ServiceNode) -> f64 {
    let name = node.name.chars().count() as f64 * 7.6;
    let stats = node_stats(node).chars().count() as f64 * 6.3;
    (name.max(stats) + 24.0).clamp(110.0, 300.0)
}

fn node_view(
    i: usize,
    node: &ServiceNode,
    (x, y, w, h): (f64, f64, f64, f64),
    picked: RwSignal<Option<Picked>>,
) -> impl IntoView + use<> {
    let selected = move || picked.get() == Some(Picked::Node(i));
    let stats = node_stats(node);
    let marks = change_marks(node.baseline.as_ref());
    let kind = match node.kind {
        NodeKind::Service => "",
        NodeKind::Database => "database",
        NodeKind::Messaging => "messaging",
        NodeKind::External => "external",
    };
    let title = format!(
        "{}{}: {stats}{}",
        node.name,
        if node.traced {
            String::new()
        } else {
            format!(
                " (not traced{})",
                if kind.is_empty() {
                    String::new()
                } else {
                    format!(", {kind}")
                }
            )
        },
        if marks.is_empty() {
            String::new()
        } else {
            format!(" · {marks}")
        }
    );
    // Cut a name longer than the box holds (the layout caps the width).
    let chars = ((w - 16.0) / 7.0).max(4.0) as usize;
    let label = if node.name.chars().count() > chars {
        format!(
            "{}…",
            node.name.chars().take(chars.saturating_sub(1)).collect::<String>()
        )
    } else {
        node.name.clone()
    };
    view! {
        <g class=format!("service-node {}", change_class(node.baseline.as_ref()))
            class:untraced=!node.traced class:selected=selected
            data-testid="service-node" data-name=node.name.clone()
            data-requests=node.requests.to_string() data-errors=node.errors.to_string()
            data-p95=node.p95.map(|p| p.0.to_string()).unwrap_or_default()
            tabindex="0" role="button"
            on:click=move |_| picked.set(Some(Picked::Node(i)))
            on:keydown=move |e| if is_press(&e) { e.prevent_default(); picked.set(Some(Picked::Node(i))) }>
            <title>{title}</title>
            <rect x=x y=y width=w height=h rx="6" class="box"></rect>
            <rect x=x y=y width="5" height=h rx="2" style:fill=service_color(&node.name)></rect>
            <text x={x + 12.0} y={y + 18.0} class="name">{label}</text>
            <text x={x + 12.0} y={y + 34.0} class="stats">{stats}</text>
            {(!marks.is_empty()).then(|| view! { <text x={x + w - 4.0} y={y - 4.0} class="marks" text-anchor="end">{marks}</text> })}
        </g>
    }
}

fn edge_view(
    i: usize,
    edge: &ServiceEdge,
    points: &[Point],
    backward: bool,
    picked: RwSignal<Option<Picked>>,
) -> impl IntoView + use<> {
    let selected = move || picked.get() == Some(Picked::Edge(i));
    let d = points
        .iter()
        .enumerate()
        .map(|(n, p)| format!("{}{:.1} {:.1}", if n == 0 { "M" } else { " L" }, p.x, p.y))
        .collect::<String>();
    // The label sits on the longest straight piece.
    let (a, b) = points
        .windows(2)
        .map(|w| (w[0], w[1]))
        .max_by(|(a1, b1), (a2, b2)| {
            let len = |a: &Point, b: &Point| (b.x - a.x).hypot(b.y - a.y);
            len(a1, b1).total_cmp(&len(a2, b2))
        })
        .unwrap_or_default();
    let (mx, my) = ((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
    let label = format!(
        "{} · {}",
        count(edge.calls),
        edge.p95.map_or_else(String::new, |p| p.to_string())
    );
    let marks = change_marks(edge.baseline.as_ref());
    let title = format!(
        "{} → {}: {} calls, {} failed, {}{}",
        edge.caller,
        edge.callee,
        count(edge.calls),
        format::percent(edge.error_rate),
        p95_text(edge.p95),
        if marks.is_empty() {
            String::new()
        } else {
            format!(" · {marks}")
        }
    );
    view! {
        <g class=format!("service-edge {}", change_class(edge.baseline.as_ref()))
            class:failing={edge.errors > 0} class:backward=backward class:selected=selected
            data-testid="service-edge" data-caller=edge.caller.clone() data-callee=edge.callee.clone()
            data-calls=edge.calls.to_string() data-errors=edge.errors.to_string()
            data-p95=edge.p95.map(|p| p.0.to_string()).unwrap_or_default()
            tabindex="0" role="button"
            on:click=move |_| picked.set(Some(Picked::Edge(i)))
            on:keydown=move |e| if is_press(&e) { e.prevent_default(); picked.set(Some(Picked::Edge(i))) }>
            <title>{title}</title>
            <path d=d.clone() class="hit"></path>
            <path d=d class="line" marker-end="url(#arrow)"></path>
            <text x=mx y={my - 4.0} text-anchor="middle" class="edge-label">{label}</text>
        </g>
    }
}

/// A label and its text: a fact and its value, or a link's text and address.
type Pair = (String, String);

/// What the panel says about the picked node or edge.
/// Busiest operations listed in the panel at most.
const PANEL_OPERATIONS: usize = 12;

/// The operations of the picked node's service (an edge's: the callee's,
/// or the caller's when the callee is untraced), busiest first, as the
/// operation table has them: asked of the engine, since the summary holds
/// only the busiest operations of all services.
fn operations_of(map: &ServiceMap, picked: &Picked) -> RwSignal<Vec<GroupStats>> {
    let service = match picked {
        Picked::Node(i) => map.nodes.get(*i).map(|n| n.name.clone()),
        Picked::Edge(i) => map.edges.get(*i).map(|e| {
            if map.node(&e.callee).is_some_and(|n| n.traced) {
                e.callee.clone()
            } else {
                e.caller.clone()
            }
        }),
    };
    let operations = RwSignal::new(Vec::new());
    let Some(service) = service else { return operations };
    let workspace = expect_context::<Workspace>();
    leptos::task::spawn_local(async move {
        let question = |ticket| Request::Groups {
            ticket,
            grouping: Grouping::Operations,
            service: Some(service),
            offset: 0,
            limit: PANEL_OPERATIONS,
        };
        if let Some(Reply::Groups { rows, .. }) = workspace.ask(question).await
            && !operations.is_disposed()
        {
            operations.set(rows);
        }
    });
    operations
}

/// The operations as links to their traces.
fn operations_view(operations: Vec<GroupStats>) -> Option<impl IntoView> {
    (!operations.is_empty()).then(|| {
        let service = operations[0].service.clone();
        view! {
            <h4>{format!("Operations of {service}")}</h4>
            <table class="facts operations" data-testid="service-operations">
                <tbody>
                    {operations.into_iter().map(|g| {
                        let href = Route::Analysis {
                            traces: TraceListView {
                                operation: Some(crate::route::group_text(&GroupKey { service: g.service.clone(), name: g.name.clone() })),
                                ..TraceListView::default()
                            },
                        }.href();
                        view! {
                            <tr>
                                <th><a class="link" href=href title="Traces with this operation">{g.name.clone()}</a></th>
                                <td>{format!("{} · p95 {} · {} failed", count(g.durations.count), g.durations.p95, format::percent(g.error_rate))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}

fn panel(
    map: &ServiceMap,
    picked: &Picked,
    set: RwSignal<Option<Picked>>,
    operations: RwSignal<Vec<GroupStats>>,
) -> impl IntoView + use<> {
    let traces_of = |service: &str| {
        Route::Analysis {
            traces: TraceListView {
                service: Some(service.to_owned()),
                ..TraceListView::default()
            },
        }
        .href()
    };
    let (title, facts, links): (String, Vec<Pair>, Vec<Pair>) = match picked {
        Picked::Node(i) => {
            let Some(node) = map.nodes.get(*i) else {
                return ().into_any();
            };
            let mut facts = vec![
                ("Requests".to_owned(), count(node.requests)),
                (
                    "Failed".to_owned(),
                    format!("{} ({})", count(node.errors), format::percent(node.error_rate)),
                ),
                (
                    "p50".to_owned(),
                    node.p50.map_or("unknown".to_owned(), |p| p.to_string()),
                ),
                (
                    "p95".to_owned(),
                    node.p95.map_or("unknown".to_owned(), |p| p.to_string()),
                ),
                ("Spans".to_owned(), count(node.spans)),
            ];
            if !node.traced {
                facts.push((
                    "Traced".to_owned(),
                    format!(
                        "no: seen through its callers' spans{}",
                        node.system.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
                    ),
                ));
            }
            baseline_facts(node.baseline.as_ref(), &mut facts);
            for edge in map.edges.iter().filter(|e| e.callee == node.name) {
                facts.push((format!("Called by {}", edge.caller), edge_summary(edge)));
            }
            for edge in map.edges.iter().filter(|e| e.caller == node.name) {
                facts.push((format!("Calls {}", edge.callee), edge_summary(edge)));
            }
            let links = if node.traced {
                vec![(format!("Traces through {}", node.name), traces_of(&node.name))]
            } else {
                Vec::new()
            };
            (node.name.clone(), facts, links)
        }
        Picked::Edge(i) => {
            let Some(edge) = map.edges.get(*i) else {
                return ().into_any();
            };
            let mut facts = vec![
                ("Calls".to_owned(), count(edge.calls)),
                (
                    "Failed".to_owned(),
                    format!("{} ({})", count(edge.errors), format::percent(edge.error_rate)),
                ),
                (
                    "p50".to_owned(),
                    edge.p50.map_or("unknown".to_owned(), |p| p.to_string()),
                ),
                (
                    "p95".to_owned(),
                    edge.p95.map_or("unknown".to_owned(), |p| p.to_string()),
                ),
            ];
            baseline_facts(edge.baseline.as_ref(), &mut facts);
            // Calls to a peer that sent no spans (a database) are found by
            // the name the map gives it, as calls between services are.
            let calls = Route::Analysis {
                traces: TraceListView {
                    call: Some(call_text(&ServiceCall {
                        caller: edge.caller.clone(),
                        callee: edge.callee.clone(),
                    })),
                    ..TraceListView::default()
                },
            }
            .href();
            let mut links = vec![("Traces with these calls".to_owned(), calls)];
            links.push((format!("Traces through {}", edge.caller), traces_of(&edge.caller)));
            (format!("{} → {}", edge.caller, edge.callee), facts, links)
        }
    };
    view! {
        <aside class="service-panel" data-testid="service-panel">
            <button type="button" class="close" title="Close" on:click=move |_| set.set(None)>"×"</button>
            <h3>{title}</h3>
            <table class="facts">
                <tbody>
                    {facts.into_iter().map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> }).collect_view()}
                </tbody>
            </table>
            <p>{links.into_iter().map(|(text, href)| view! { <a class="link" href=href data-testid="service-traces">{text}</a>" " }).collect_view()}</p>
            {move || operations_view(operations.get())}
        </aside>
    }
    .into_any()
}

fn edge_summary(edge: &ServiceEdge) -> String {
    format!(
        "{} calls, {} failed, {}",
        count(edge.calls),
        format::percent(edge.error_rate),
        p95_text(edge.p95)
    )
}

fn baseline_facts(change: Option<&BaselineChange>, facts: &mut Vec<(String, String)>) {
    let Some(change) = change else { return };
    facts.push((
        "Baseline".to_owned(),
        format!(
            "{} · {} failed · {}",
            count(change.count),
            format::percent(change.error_rate),
            p95_text(change.p95)
        ),
    ));
    let marks = change_marks(Some(change));
    facts.push((
        "Change".to_owned(),
        if marks.is_empty() {
            "none beyond noise".to_owned()
        } else {
            marks
        },
    ));
}
