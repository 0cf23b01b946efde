//! What a row of the waterfall says (drawn by [`super::pool`]), what a
//! click and a hover on one do, and the time ruler above the rows.
//!
//! A row is the span's name (indented by depth, with a fold button) and its
//! bar on the trace's time axis. In the bar, hatched stretches are the time
//! no child covers (own work, or waiting on something not traced); a dark
//! line under the stretches of it that held the critical path; a bar above its operation's p95
//! is outlined. The right column says how long, and where that sits among
//! the operation's spans.

use super::Waterfall;
use crate::format;
use leptos::prelude::*;
use tracelens_core::numbers::count;
use tracelens_core::query::trace_view::SpanRow;
use tracelens_core::time::DurationNs;
use wasm_bindgen::JsCast;

/// Spans an operation needs before a span is placed among them.
pub(super) const MIN_TO_PLACE: u64 = 5;

/// Indent per level, in pixels.
pub(super) const INDENT_PX: u32 = 14;
/// Levels indented at most, so a trace a thousand deep keeps its names readable.
pub(super) const MAX_INDENT_LEVELS: u32 = 24;

/// `at` as a share of `total`, as a CSS percentage.
pub(super) fn percent_of(at: u64, total: u64) -> String {
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

    /// Whether the row is the selected one.
    pub(super) fn is_selected(&self) -> bool {
        self.selected
    }

    /// The row element's whole class list: `span-row`, `failed` if the span
    /// failed, and these marks.
    pub(super) fn classes(&self, failed: bool) -> String {
        let mut classes = String::from("span-row");
        for (class, on) in [
            (" failed", failed),
            (" selected", self.selected),
            (" match", self.hit),
            (" current-match", self.current_hit),
            (" evidence", self.evidence),
            (" open", self.open),
        ] {
            if on {
                classes.push_str(class);
            }
        }
        classes
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

/// The row a click or a pointer is on: its element and its number.
fn row_of(target: Option<web_sys::EventTarget>) -> Option<(web_sys::Element, web_sys::Element, u32)> {
    let target: web_sys::Element = target?.dyn_into().ok()?;
    let row = target.closest(".span-row").ok()??;
    let id = row.get_attribute("data-row")?.parse().ok()?;
    Some((target, row, id))
}

/// A click on the rows' box: on a fold button it folds or unfolds the row,
/// elsewhere on a row it selects it and opens its details. Heard once on the
/// box rather than on each row, which the pool reuses ([`super::pool`]).
pub(super) fn on_rows_click(w: Waterfall, e: &web_sys::MouseEvent) {
    let Some((target, _, id)) = row_of(e.target()) else {
        return;
    };
    if target.closest(".fold").ok().flatten().is_some() {
        w.toggle(id);
    } else {
        w.selected.set(Some(id));
        w.details_row.set(Some(id));
    }
}

/// The pointer came over something in the rows: a bar or a placement gets
/// its title now, from the row's data, rather than every row a scroll
/// brings in making both (long strings, most never read).
pub(super) fn title_on_hover(w: Waterfall, e: &web_sys::MouseEvent) {
    let Some((target, _, id)) = row_of(e.target()) else {
        return;
    };
    let Ok(Some(titled)) = target.closest(".bar, .placement") else {
        return;
    };
    let title = w.page.with_untracked(|p| {
        let row = p.rows.iter().find(|r| r.row == id)?;
        if titled.class_list().contains("bar") {
            Some(bar_title(row))
        } else {
            row.placement.map(|p| placement_title(row, &p))
        }
    });
    if let Some(title) = title {
        let _ = titled.set_attribute("title", &title);
    }
}

/// What a placement's tooltip says.
fn placement_title(row: &SpanRow, p: &tracelens_core::query::trace_view::Placement) -> String {
    format!(
        "As slow as or slower than {}% of the {} {}: {} spans loaded (median {}, p95 {}){}",
        p.percentile,
        count(p.count),
        row.service,
        row.name,
        p.p50,
        p.p95,
        if p.above_p95 { ": above the p95" } else { "" }
    )
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
