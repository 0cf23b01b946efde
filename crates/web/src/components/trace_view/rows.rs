//! A row of the waterfall, and the time ruler above the rows.
//!
//! A row is the span's name (indented by depth, with a fold button) and its
//! bar on the trace's time axis. In the bar, hatched stretches are the time
//! no child covers (own work, or waiting on something not traced); a dark
//! line under the stretches of it that held the critical path; a bar above its operation's p95
//! is outlined. The right column says how long, and where that sits among
//! the operation's spans.

use super::{ROW_PX, Waterfall};
use crate::colors::service_color;
use crate::format;
use leptos::prelude::*;
use tracelens_core::numbers::count;
use tracelens_core::query::trace_view::{Gap, SpanRow};
use tracelens_core::time::DurationNs;

/// Spans an operation needs before a span is placed among them.
const MIN_TO_PLACE: u64 = 5;

/// Indent per level, in pixels.
const INDENT_PX: u32 = 14;
/// Levels indented at most, so a trace a thousand deep keeps its names readable.
const MAX_INDENT_LEVELS: u32 = 24;

/// `at` as a share of `total`, as a CSS percentage.
fn percent_of(at: u64, total: u64) -> String {
    format!(
        "{:.4}%",
        if total == 0 {
            0.0
        } else {
            at as f64 * 100.0 / total as f64
        }
    )
}

/// What marks a row: selected, a search hit, the hit the search is on,
/// evidence of the finding, its details open. Read when the row is made,
/// then kept up to date on the rows on screen by one effect
/// ([`Marks::apply`]): five reactive closures per row made every row a
/// scroll brings in cost five effects to set up and tear down.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Marks {
    selected: bool,
    hit: bool,
    current_hit: bool,
    evidence: bool,
    open: bool,
}

impl Marks {
    /// Row `id`'s marks as they are now (untracked).
    pub(super) fn of(w: Waterfall, id: u32) -> Marks {
        let hit_row = w
            .hit
            .get_untracked()
            .and_then(|at| w.hits.with_untracked(|h| h.rows.get(at).copied()));
        Marks {
            selected: w.selected.get_untracked() == Some(id),
            hit: w.hits.with_untracked(|h| h.rows.binary_search(&id).is_ok()),
            current_hit: hit_row == Some(id),
            evidence: w
                .header
                .with_untracked(|h| h.as_ref().is_some_and(|h| h.focus.contains(&id))),
            open: w.details_row.get_untracked() == Some(id),
        }
    }

    /// Tracks every signal the marks read, for the effect that applies them.
    pub(super) fn track(w: Waterfall) {
        w.selected.track();
        w.hits.track();
        w.hit.track();
        w.header.track();
        w.details_row.track();
    }

    /// Sets the row element's classes (and `aria-selected`) to these marks.
    pub(super) fn apply(&self, row: &web_sys::Element) {
        let classes = row.class_list();
        for (class, on) in [
            ("selected", self.selected),
            ("match", self.hit),
            ("current-match", self.current_hit),
            ("evidence", self.evidence),
            ("open", self.open),
        ] {
            // Only fails for a class name with a space: these have none.
            let _ = classes.toggle_with_force(class, on);
        }
        let _ = row.set_attribute("aria-selected", if self.selected { "true" } else { "false" });
    }
}

/// One row at visible position `at`. `total` is the trace's duration, the bars' axis.
pub(super) fn span_row(w: Waterfall, row: SpanRow, at: u32, total: u64) -> impl IntoView {
    let id = row.row;
    let marks = Marks::of(w, id);
    let indent = row.depth.min(MAX_INDENT_LEVELS) * INDENT_PX;
    let color = service_color(&row.service);
    let duration = row.duration.map(|d| d.0);
    let bar_left = percent_of(row.start.0, total);
    let bar_width = percent_of(duration.unwrap_or(0), total);
    let above_p95 = row.placement.is_some_and(|p| p.above_p95);
    // Stretches drawn inside the bar, placed relative to it.
    let inside = |stretches: &[Gap], class: &'static str| match duration {
        Some(length) if length > 0 => stretches
            .iter()
            .map(|g| {
                let left = percent_of(g.start.0.saturating_sub(row.start.0), length);
                let width = percent_of(g.length.0, length);
                view! { <span class=class style:left=left style:width=width></span> }
            })
            .collect_view()
            .into_any(),
        _ => ().into_any(),
    };
    let gaps = inside(&row.gaps, "gap");
    let path = inside(&row.path, "path");
    let bar_title = bar_title(&row);
    // Among fewer spans a percentile says nothing ("p100 of 1").
    let placement = row.placement.filter(|p| p.count >= MIN_TO_PLACE).map(|p| {
        let title = format!(
            "As slow as or slower than {}% of the {} {}: {} spans loaded (median {}, p95 {}){}",
            p.percentile,
            count(p.count),
            row.service,
            row.name,
            p.p50,
            p.p95,
            if p.above_p95 { ": above the p95" } else { "" }
        );
        view! {
            <span class="placement" class:above-p95=p.above_p95 title=title data-testid="span-placement">
                {format!("p{} of {}", p.percentile, count(p.count))}
            </span>
        }
    });
    // Marked when it starts before its parent, as the index counts skew; an
    // end after the parent's (async work) is said in the title only.
    let skew = row.skew.filter(|s| s.before_parent.0 > 0).map(|s| {
        let mut says = Vec::new();
        if s.before_parent.0 > 0 {
            says.push(format!("starts {} before its parent", s.before_parent));
        }
        if s.after_parent.0 > 0 {
            says.push(format!("ends {} after its parent", s.after_parent));
        }
        let title = format!("Clock skew? It {}.", says.join(" and "));
        view! { <span class="skew" title=title data-testid="span-skew">"⏱"</span> }
    });
    let toggle = (row.descendants > 0).then(|| {
        let label = if row.folded {
            format!("Unfold ({} spans below)", row.descendants)
        } else {
            "Fold".to_owned()
        };
        view! {
            <button type="button" class="fold" data-testid="span-toggle" aria-expanded=(!row.folded).to_string()
                title=label
                on:click=move |e| { e.stop_propagation(); w.toggle(id); }>
                {if row.folded { "▸" } else { "▾" }}
            </button>
        }
    });
    let folded_count = (row.folded && row.descendants > 0).then(|| {
        view! { <span class="folded-count">{format!("+{}", count(u64::from(row.descendants)))}</span> }
    });
    view! {
        <div class="span-row" data-testid="span-row" data-row=id.to_string() data-span-id=row.span_id.to_string()
            style:top=format!("{}px", f64::from(at) * ROW_PX)
            // Leptos has no typed `aria-level`; the reflected property sets the attribute.
            id=row_element_id(id) role="treeitem" prop:ariaLevel=(row.depth + 1).to_string()
            aria-expanded=(row.descendants > 0).then(|| (!row.folded).to_string())
            data-depth=row.depth.to_string() aria-selected=marks.selected.to_string()
            class:selected=marks.selected class:failed=row.failed class:match=marks.hit
            class:current-match=marks.current_hit class:evidence=marks.evidence class:open=marks.open
            on:click=move |_| { w.selected.set(Some(id)); w.details_row.set(Some(id)); }>
            <div class="span-name" style:padding-left=format!("{indent}px")>
                {toggle}
                {(row.descendants == 0).then(|| view! { <span class="fold-space"></span> })}
                <span class="swatch" style:background=color.clone()></span>
                <span class="service">{row.service.clone()}</span>
                " "
                <span class="operation" data-testid="span-name">{row.name.clone()}</span>
                {row.failed.then(|| view! { <span class="error-mark" title="Failed">"⚠"</span> })}
                {skew}
                {folded_count}
            </div>
            <div class="span-track">
                <span class="bar" class:on-path=row.on_path class:above-p95=above_p95 class:unknown=duration.is_none()
                    style:left=bar_left style:width=bar_width style:background=color title=bar_title>
                    {gaps}
                    {path}
                </span>
            </div>
            <div class="span-duration">
                <span data-testid="span-duration">{row.duration.map_or_else(|| "unknown".to_owned(), |d| d.to_string())}</span>
                " "
                {placement}
            </div>
        </div>
    }
}

/// What the bar's tooltip says.
fn bar_title(row: &SpanRow) -> String {
    let mut parts = vec![format!("{}: {}", row.service, row.name)];
    match row.duration {
        Some(d) => parts.push(format!("{d} from {}", row.start)),
        None => parts.push("Duration unknown (no end or no start)".to_owned()),
    }
    if row.descendants > 0 {
        parts.push(format!("self time {} (hatched: no child running)", row.self_time));
    }
    if row.on_path {
        parts.push(format!("on the critical path for {}", row.path_time));
    }
    if let Some(skew) = row.skew.filter(|s| s.after_parent.0 > 0) {
        parts.push(format!("ends {} after its parent", skew.after_parent));
    }
    parts.join(" · ")
}

/// Time marks over the bars: 0 and round steps to the trace's end.
#[component]
pub(super) fn Ruler(duration: Signal<u64>) -> impl IntoView {
    let ticks = move || {
        let total = duration.get();
        ticks(total)
            .into_iter()
            .map(|t| {
                view! {
                    <span class="tick" style:left=percent_of(t, total)>{format::tick(DurationNs(t))}</span>
                }
            })
            .collect_view()
    };
    view! {
        <div class="ruler" aria-hidden="true">
            <div class="span-name"></div>
            <div class="span-track">{ticks}</div>
            <div class="span-duration"></div>
        </div>
    }
}

/// Round steps (1, 2 or 5 × a power of ten) giving four to ten marks.
fn ticks(total: u64) -> Vec<u64> {
    if total == 0 {
        return vec![0];
    }
    let mut step = 1u64;
    'found: for power in 0..19u32 {
        for m in [1u64, 2, 5] {
            let candidate = m.saturating_mul(10u64.saturating_pow(power));
            if total / candidate <= 8 {
                step = candidate;
                break 'found;
            }
        }
    }
    (0..).map(|i| i * step).take_while(|&t| t < total).collect()
}

/// The element ID of the row for span `row` (the tree's active descendant).
pub fn row_element_id(row: u32) -> String {
    format!("span-row-{row}")
}
