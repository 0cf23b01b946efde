//! Two traces compared (`#/compare/<a>/<b>`): "why was this request slow
//! when that one was not?". The core matches their spans by path (service,
//! operation and position among same-named siblings); this view lists the
//! matched spans by how much their durations differ, then what only one of
//! the two did (a missing subtree once, with its size), and says how much
//! of the difference the matched spans' own time explains.

use crate::colors::service_color;
use crate::engine::protocol::{Compared, Reply, Request};
use crate::format;
use crate::route::{Route, group_text};
use crate::workspace::Workspace;
use leptos::prelude::*;
use tracelens_core::ids::TraceId;
use tracelens_core::numbers::{count, counted};
use tracelens_core::query::GroupKey;
use tracelens_core::query::compare::{MatchedSpan, PathStep, TraceComparison, Unmatched};
use tracelens_core::time::DurationNs;

/// Matched spans shown before "Show all".
const FIRST_ROWS: usize = 100;

/// The view.
#[component]
pub fn TraceCompare(a: TraceId, b: TraceId) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let answer = RwSignal::new(None::<Option<Compared>>);
    Effect::new(move |_| {
        workspace.analysis.track();
        leptos::task::spawn_local(async move {
            if let Some(Reply::Compare { compared, .. }) =
                workspace.ask(|ticket| Request::Compare { ticket, a, b }).await
                && !answer.is_disposed()
            {
                answer.set(Some(compared.map(|c| *c)));
            }
        });
    });
    view! {
        <section class="trace-compare" data-testid="trace-compare">
            <p class="back"><a class="link" href="#/traces">"← All traces"</a></p>
            <h2>"Two traces compared"</h2>
            {move || match answer.get() {
                None => view! { <p class="hint">"Comparing…"</p> }.into_any(),
                Some(None) => view! {
                    <div class="empty-state" data-testid="compare-missing">
                        <p>{format!("Trace {a} or trace {b} is not loaded. Load the files that hold them, or ")}
                            <a class="link" href="#/traces">"pick two from the traces"</a>"."</p>
                    </div>
                }.into_any(),
                Some(Some(c)) => view! { {endpoint_note(&c.endpoints)} {comparison_view(c.comparison)} }.into_any(),
            }}
        </section>
    }
}

/// Which endpoint the two are requests to; a warning when they differ.
fn endpoint_note((a, b): &(Option<GroupKey>, Option<GroupKey>)) -> impl IntoView + use<> {
    let text = |e: &Option<GroupKey>| e.as_ref().map_or_else(|| "no endpoint".to_owned(), group_text);
    if a == b {
        let note = a.as_ref().map(|e| format!("Both are requests to {}.", group_text(e)));
        view! { <p class="hint" data-testid="compare-endpoint">{note}</p> }.into_any()
    } else {
        view! {
            <p class="warning-note" data-testid="compare-endpoint">
                {format!(
                    "A is a request to {}, B to {}: spans that differ may just be two different requests. Compare two requests of one endpoint to see why one was slow.",
                    text(a),
                    text(b)
                )}
            </p>
        }
        .into_any()
    }
}

/// `+12.3ms` / `−4.1ms` / `0`.
fn signed(ns: i64) -> String {
    match ns {
        0 => "0".to_owned(),
        n if n > 0 => format!("+{}", DurationNs(n.unsigned_abs())),
        n => format!("−{}", DurationNs(n.unsigned_abs())),
    }
}

fn comparison_view(c: TraceComparison) -> impl IntoView {
    let link = |id: Option<TraceId>, label: &'static str| {
        id.map(|id| view! { <a class="link mono" href=Route::Trace { id, finding: None }.href()>{label} " " {id.to_string()}</a> })
    };
    let swap = match (c.a.trace_id, c.b.trace_id) {
        (Some(a), Some(b)) => Some(Route::Compare { a: b, b: a }.href()),
        _ => None,
    };
    let verdict = match c.difference_ns {
        0 => "They took exactly as long.".to_owned(),
        d => format!(
            "B took {} {} than A ({} against {}).",
            DurationNs(d.unsigned_abs()),
            if d > 0 { "longer" } else { "less" },
            c.b.duration,
            c.a.duration
        ),
    };
    let explained = c.explained_share.map(|share| {
        format!(
            "The own time of the spans both traces have changed by {}: {} of the difference. The rest is in spans only one of them has.",
            signed(c.explained_ns),
            format::percent(share.clamp(-9.99, 9.99))
        )
    });
    let all = RwSignal::new(false);
    let total = c.matched.len();
    let comparison = StoredValue::new(c);
    let rows = move || {
        comparison.with_value(|c| {
            let shown = if all.get() {
                c.matched.len()
            } else {
                FIRST_ROWS.min(c.matched.len())
            };
            // Largest difference first (the core's order), spans with an unknown duration last.
            c.matched
                .iter()
                .enumerate()
                .take(shown)
                .map(|(i, m)| matched_row(c, i as u32, m))
                .collect_view()
        })
    };
    let only = move |side: &'static str| {
        comparison.with_value(|c| {
            let list = if side == "a" { &c.only_a } else { &c.only_b };
            list.iter().map(|u| unmatched_row(c, u, side)).collect_view()
        })
    };
    let (only_a, only_b) = comparison.with_value(|c| (c.only_a.len(), c.only_b.len()));
    let (a_totals, b_totals) = comparison.with_value(|c| (c.a.clone(), c.b.clone()));
    view! {
        <div class="compare-summary" data-testid="compare-summary">
            <p>
                {link(a_totals.trace_id, "A")}
                {format!(": {}, {}, {} matched · ", a_totals.duration, counted(u64::from(a_totals.spans), "span", "spans"), count(u64::from(a_totals.matched)))}
                {link(b_totals.trace_id, "B")}
                {format!(": {}, {}, {} matched", b_totals.duration, counted(u64::from(b_totals.spans), "span", "spans"), count(u64::from(b_totals.matched)))}
                {swap.map(|href| view! { " " <a class="link" href=href data-testid="compare-swap">"Swap"</a> })}
            </p>
            <p class="verdict-line" data-testid="compare-verdict"><strong>{verdict}</strong></p>
            {explained.map(|e| view! { <p class="hint">{e}</p> })}
        </div>
        <h3>"Spans in both, by how much their duration differs"</h3>
        <table class="compare-table">
            <thead>
                <tr><th>"Span"</th><th class="num">"A"</th><th class="num">"B"</th><th class="num">"B − A"</th><th class="num">"Own time B − A"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <Show when=move || { !all.get() && total > FIRST_ROWS }>
            <button type="button" class="link" data-testid="compare-show-all" on:click=move |_| all.set(true)>
                {format!("Show all {} matched spans", count(total as u64))}
            </button>
        </Show>
        <div class="compare-only">
            <div>
                <h3>{format!("Only in A ({})", count(only_a as u64))}</h3>
                <ul data-testid="compare-only-a">{move || only("a")}</ul>
            </div>
            <div>
                <h3>{format!("Only in B ({})", count(only_b as u64))}</h3>
                <ul data-testid="compare-only-b">{move || only("b")}</ul>
            </div>
        </div>
    }
}

/// A path's last step, with the steps above it as a tooltip.
fn step_view(path: Vec<&PathStep>) -> impl IntoView + use<> {
    let full = path.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" › ");
    let last = path.last().map(|s| (*s).clone());
    let depth = path.len().saturating_sub(1).min(12) * 12;
    last.map(|s| {
        view! {
            <span class="compare-step" title=full style:padding-left=format!("{depth}px")>
                <span class="swatch" style:background=service_color(&s.service)></span>
                " "
                <span class="service">{s.service.clone()}</span>
                " "
                <span data-testid="compare-name">{s.name.clone()}</span>
                {(s.ordinal > 0).then(|| view! { <span class="ordinal">{format!(" #{}", s.ordinal + 1)}</span> })}
            </span>
        }
    })
}

fn duration_text(d: Option<DurationNs>) -> String {
    d.map_or_else(|| "unknown".to_owned(), |d| d.to_string())
}

fn matched_row(c: &TraceComparison, i: u32, m: &MatchedSpan) -> impl IntoView + use<> {
    let own = m.self_time_b.0 as i64 - m.self_time_a.0 as i64;
    let class = match m.difference_ns {
        Some(d) if d > 0 => "slower",
        Some(d) if d < 0 => "faster",
        _ => "",
    };
    view! {
        <tr data-testid="compare-row" class=class data-difference=m.difference_ns.map(|d| d.to_string()).unwrap_or_default()>
            <td>{step_view(c.path(i))}</td>
            <td class="num">{duration_text(m.duration_a)}</td>
            <td class="num">{duration_text(m.duration_b)}</td>
            <td class="num change">{m.difference_ns.map_or_else(String::new, signed)}</td>
            <td class="num">{signed(own)}</td>
        </tr>
    }
}

fn unmatched_row(c: &TraceComparison, u: &Unmatched, side: &'static str) -> impl IntoView + use<> {
    view! {
        <li data-testid=format!("compare-only-{side}-item")>
            {step_view(c.path_of_unmatched(u))}
            " "
            <span class="hint">
                {duration_text(u.duration)}
                {(u.spans > 1).then(|| format!(", {} in all", counted(u64::from(u.spans), "span", "spans")))}
            </span>
        </li>
    }
}
