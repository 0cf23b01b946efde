//! The waterfall's rows as a pool of elements, reused from one answer to
//! the next instead of built and thrown away.
//!
//! A scroll of a screen brings in about 24 rows and takes as many out. Built
//! by a keyed list, each new row was a dozen elements and some thirty
//! attributes, every string crossing from wasm: about 60% of the page's
//! script in a scroll step (BENCHMARKS.md, "A scroll step profiled"). Here a
//! row that leaves gives its elements to one that comes, and only what
//! differs is written (each slot remembers what it shows): often the
//! service, its colour and the bar's classes stay as they were. Titles are
//! made when the pointer comes over a bar or a placement
//! ([`super::rows::title_on_hover`]), not for every row; clicks are heard
//! once, on the rows' box ([`super::rows::on_rows_click`]).
//!
//! Rows stay in the DOM in the order they are shown (tests and screen
//! readers read them in that order): a kept row keeps its place, a filled
//! one is moved in front of the next row shown.

use super::ROW_PX;
use super::Waterfall;
use super::rows::{INDENT_PX, MAX_INDENT_LEVELS, MIN_TO_PLACE, Marks, percent_of, row_element_id};
use crate::colors::service_color;
use std::collections::{HashMap, HashSet};
use tracelens_core::numbers::count;
use tracelens_core::query::trace_view::{Gap, RowsPage, SpanRow};
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{Document, Element, HtmlElement};

/// What tells one shown row from another: its position (a fold above moves
/// it), the span and whether it is folded.
type Key = (u32, u32, bool);

/// The rows' elements, shown and spare.
pub(super) struct RowPool {
    document: Document,
    /// The `.span-rows` box the rows sit in.
    rows_box: Element,
    /// Slots in the box, in the order shown, with what each shows.
    shown: Vec<Slot>,
    /// Slots out of the box, ready to be filled.
    spare: Vec<Slot>,
    /// The trace's duration the bars were placed on.
    total: u64,
}

impl RowPool {
    /// A pool for the rows of `rows_box`; `None` if it is in no document.
    pub(super) fn new(rows_box: Element) -> Option<RowPool> {
        Some(RowPool {
            document: rows_box.owner_document()?,
            rows_box,
            shown: Vec::new(),
            spare: Vec::new(),
            total: 0,
        })
    }

    /// Shows `page`'s rows on a time axis `total` long.
    pub(super) fn show(&mut self, w: Waterfall, page: &RowsPage, total: u64) {
        if total != self.total {
            // Every bar is placed anew: forget what the slots show.
            self.total = total;
            for slot in &mut self.shown {
                slot.key = None;
            }
        }
        let mut kept: HashMap<Key, Slot> = HashMap::with_capacity(self.shown.len());
        let mut free = Vec::new();
        let wanted: HashSet<Key> = (page.offset..)
            .zip(&page.rows)
            .map(|(at, r)| (at, r.row, r.folded))
            .collect();
        for slot in self.shown.drain(..) {
            match slot.key {
                Some(key) if wanted.contains(&key) => {
                    kept.insert(key, slot);
                }
                _ => free.push(slot),
            }
        }
        // Slots in the new order; `true` for those filled now, which must be
        // moved to their place.
        let mut next: Vec<(Slot, bool)> = Vec::with_capacity(page.rows.len());
        for (at, row) in (page.offset..).zip(&page.rows) {
            let key = (at, row.row, row.folded);
            if let Some(slot) = kept.remove(&key) {
                next.push((slot, false));
                continue;
            }
            let mut slot = match free.pop().or_else(|| self.spare.pop()) {
                Some(slot) => slot,
                None => Slot::new(&self.document),
            };
            slot.fill(&self.document, w, row, at, total);
            slot.key = Some(key);
            next.push((slot, true));
        }
        // From the last up, each filled row goes just before the row after it:
        // kept rows are already in order among themselves.
        let mut after: Option<HtmlElement> = None;
        for (slot, filled) in next.iter().rev() {
            if *filled {
                let _ = self
                    .rows_box
                    .insert_before(&slot.row, after.as_ref().map(|e| e.as_ref()));
            }
            after = Some(slot.row.clone());
        }
        for slot in free {
            slot.row.remove();
            self.spare.push(slot);
        }
        self.shown = next.into_iter().map(|(slot, _)| slot).collect();
    }
}

/// One row's elements, and what they show (written only when it changes).
struct Slot {
    key: Option<Key>,
    row: HtmlElement,
    name: HtmlElement,
    fold: Element,
    fold_space: Element,
    swatch: HtmlElement,
    service: Element,
    operation: Element,
    error_mark: Element,
    skew: Element,
    folded_count: Element,
    bar: HtmlElement,
    /// Hatched gaps and critical-path stretches inside the bar, in use first.
    stretches: Vec<HtmlElement>,
    duration: Element,
    placement: Element,
    was: Shown,
}

/// What a slot's elements show, to write only what changes.
#[derive(Default)]
struct Shown {
    top: String,
    row: String,
    span_id: String,
    /// `None` until first written (0 is a depth).
    depth: Option<u32>,
    aria_expanded: Option<bool>,
    indent: u32,
    fold: bool,
    fold_label: String,
    color: String,
    service: String,
    name: String,
    /// Error mark, skew and folded count (with their texts).
    extras: (bool, Option<String>, Option<String>),
    bar_classes: String,
    bar_style: String,
    stretches: Vec<(&'static str, String)>,
    duration: String,
    placement: Option<(bool, String)>,
}

fn make(document: &Document, tag: &str, class: &str) -> HtmlElement {
    let element: HtmlElement = document
        .create_element(tag)
        .expect_throw("a plain tag makes an element")
        .unchecked_into();
    element.set_class_name(class);
    element
}

impl Slot {
    /// A row's elements, empty; `fill` says what they show.
    fn new(document: &Document) -> Slot {
        let row = make(document, "div", "span-row");
        let _ = row.set_attribute("data-testid", "span-row");
        let _ = row.set_attribute("role", "treeitem");
        let name = make(document, "div", "span-name");
        let fold = make(document, "button", "fold");
        let _ = fold.set_attribute("type", "button");
        let _ = fold.set_attribute("data-testid", "span-toggle");
        let fold_space = make(document, "span", "fold-space");
        let swatch = make(document, "span", "swatch");
        let service = make(document, "span", "service");
        let operation = make(document, "span", "operation");
        let _ = operation.set_attribute("data-testid", "span-name");
        let error_mark = make(document, "span", "error-mark");
        let _ = error_mark.set_attribute("title", "Failed");
        error_mark.set_text_content(Some("⚠"));
        let skew = make(document, "span", "skew");
        let _ = skew.set_attribute("data-testid", "span-skew");
        skew.set_text_content(Some("⏱"));
        let folded_count = make(document, "span", "folded-count");
        // The fold button or its space is put in by `fill`, before the swatch.
        let _ = name.append_child(&swatch);
        let _ = name.append_child(&service);
        let _ = name.append_with_str_1(" ");
        let _ = name.append_child(&operation);
        let track = make(document, "div", "span-track");
        let bar = make(document, "span", "bar");
        let _ = track.append_child(&bar);
        let duration_cell = make(document, "div", "span-duration");
        let duration = make(document, "span", "");
        let _ = duration.set_attribute("data-testid", "span-duration");
        let placement = make(document, "span", "placement");
        let _ = placement.set_attribute("data-testid", "span-placement");
        let _ = duration_cell.append_child(&duration);
        let _ = duration_cell.append_with_str_1(" ");
        let _ = row.append_child(&name);
        let _ = row.append_child(&track);
        let _ = row.append_child(&duration_cell);
        Slot {
            key: None,
            row,
            name,
            fold: fold.into(),
            fold_space: fold_space.into(),
            swatch,
            service: service.into(),
            operation: operation.into(),
            error_mark: error_mark.into(),
            skew: skew.into(),
            folded_count: folded_count.into(),
            bar,
            stretches: Vec::new(),
            duration: duration.into(),
            placement: placement.into(),
            was: Shown::default(),
        }
    }

    /// Shows `row` at visible position `at`, on a time axis `total` long.
    fn fill(&mut self, document: &Document, w: Waterfall, row: &SpanRow, at: u32, total: u64) {
        let was = &mut self.was;
        let el = &self.row;
        let style = el.style();
        changed(&mut was.top, format!("{}px", f64::from(at) * ROW_PX), |v| {
            let _ = style.set_property("top", v);
        });
        let id = row.row;
        changed(&mut was.row, id.to_string(), |v| {
            let _ = el.set_attribute("data-row", v);
            el.set_id(&row_element_id(id));
        });
        changed(&mut was.span_id, row.span_id.to_string(), |v| {
            let _ = el.set_attribute("data-span-id", v);
        });
        changed(&mut was.depth, Some(row.depth), |d| {
            let d = d.unwrap_or_default();
            let _ = el.set_attribute("data-depth", &d.to_string());
            let _ = el.set_attribute("aria-level", &(d + 1).to_string());
        });
        let expanded = (row.descendants > 0).then_some(!row.folded);
        changed(&mut was.aria_expanded, expanded, |e| match e {
            Some(open) => {
                let _ = el.set_attribute("aria-expanded", if *open { "true" } else { "false" });
            }
            None => {
                let _ = el.remove_attribute("aria-expanded");
            }
        });
        // The marks as they are now; the view's effect keeps them up to date.
        let marks = Marks::of(w, id);
        // Always written: the marks' effect changes these classes behind the slot's back.
        el.set_class_name(&marks.classes(row.failed));
        let _ = el.set_attribute("aria-selected", if marks.is_selected() { "true" } else { "false" });

        let indent = row.depth.min(MAX_INDENT_LEVELS) * INDENT_PX;
        changed(&mut was.indent, indent, |i| {
            let _ = self.name.style().set_property("padding-left", &format!("{i}px"));
        });
        let has_fold = row.descendants > 0;
        if self.fold.parent_node().is_none() && self.fold_space.parent_node().is_none() {
            // A new slot: its fold button or space goes first.
            let first = if has_fold { &self.fold } else { &self.fold_space };
            let _ = self.name.insert_before(first, Some(&self.swatch));
            was.fold = has_fold;
        } else if was.fold != has_fold {
            let (out, into) = if has_fold {
                (&self.fold_space, &self.fold)
            } else {
                (&self.fold, &self.fold_space)
            };
            let _ = out.replace_with_with_node_1(into);
            was.fold = has_fold;
        }
        if has_fold {
            let label = if row.folded {
                format!("Unfold ({} spans below)", row.descendants)
            } else {
                "Fold".to_owned()
            };
            changed(&mut was.fold_label, label, |l| {
                let _ = self.fold.set_attribute("title", l);
                let _ = self
                    .fold
                    .set_attribute("aria-expanded", if row.folded { "false" } else { "true" });
                self.fold.set_text_content(Some(if row.folded { "▸" } else { "▾" }));
            });
        }
        let color = service_color(&row.service);
        changed(&mut was.color, color, |c| {
            let _ = self.swatch.style().set_property("background", c);
        });
        if was.service != row.service {
            was.service.clone_from(&row.service);
            self.service.set_text_content(Some(&row.service));
        }
        if was.name != row.name {
            was.name.clone_from(&row.name);
            self.operation.set_text_content(Some(&row.name));
        }
        // Marked when it starts before its parent, as the index counts skew;
        // an end after the parent's (async work) is said in the bar's title.
        let skew = row.skew.filter(|s| s.before_parent.0 > 0).map(|s| {
            let mut says = vec![format!("starts {} before its parent", s.before_parent)];
            if s.after_parent.0 > 0 {
                says.push(format!("ends {} after its parent", s.after_parent));
            }
            format!("Clock skew? It {}.", says.join(" and "))
        });
        let folded = (row.folded && row.descendants > 0).then(|| format!("+{}", count(u64::from(row.descendants))));
        let extras = (row.failed, skew, folded);
        changed(&mut was.extras, extras, |(failed, skew, folded)| {
            // Rare: put back those shown, in order, after the operation.
            for e in [&self.error_mark, &self.skew, &self.folded_count] {
                e.remove();
            }
            if *failed {
                let _ = self.name.append_child(&self.error_mark);
            }
            if let Some(title) = skew {
                let _ = self.skew.set_attribute("title", title);
                let _ = self.name.append_child(&self.skew);
            }
            if let Some(text) = folded {
                self.folded_count.set_text_content(Some(text));
                let _ = self.name.append_child(&self.folded_count);
            }
        });

        let duration = row.duration.map(|d| d.0);
        let above_p95 = row.placement.is_some_and(|p| p.above_p95);
        let mut bar_classes = String::from("bar");
        for (class, on) in [
            (" on-path", row.on_path),
            (" above-p95", above_p95),
            (" unknown", duration.is_none()),
        ] {
            if on {
                bar_classes.push_str(class);
            }
        }
        changed(&mut was.bar_classes, bar_classes, |c| self.bar.set_class_name(c));
        let bar_style = format!(
            "left:{};width:{};background:{}",
            percent_of(row.start.0, total),
            percent_of(duration.unwrap_or(0), total),
            was.color
        );
        changed(&mut was.bar_style, bar_style, |s| {
            self.bar.style().set_css_text(s);
        });
        // Stretches drawn inside the bar, placed relative to it.
        let inside = |stretches: &[Gap], class: &'static str| match duration {
            Some(length) if length > 0 => stretches
                .iter()
                .map(|g| {
                    let left = percent_of(g.start.0.saturating_sub(row.start.0), length);
                    let width = percent_of(g.length.0, length);
                    (class, format!("left:{left};width:{width}"))
                })
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let mut stretches = inside(&row.gaps, "gap");
        stretches.extend(inside(&row.path, "path"));
        if was.stretches != stretches {
            for (i, (class, style)) in stretches.iter().enumerate() {
                if i == self.stretches.len() {
                    self.stretches.push(make(document, "span", ""));
                }
                let s = &self.stretches[i];
                if was.stretches.get(i).is_none_or(|(c, _)| c != class) {
                    s.set_class_name(class);
                }
                s.style().set_css_text(style);
                if i >= was.stretches.len() {
                    let _ = self.bar.append_child(s);
                }
            }
            for s in self
                .stretches
                .iter()
                .skip(stretches.len())
                .take(was.stretches.len().saturating_sub(stretches.len()))
            {
                s.remove();
            }
            was.stretches = stretches;
        }

        let said = row.duration.map_or_else(|| "unknown".to_owned(), |d| d.to_string());
        changed(&mut was.duration, said, |d| self.duration.set_text_content(Some(d)));
        // Among fewer spans a percentile says nothing ("p100 of 1").
        let placement = row
            .placement
            .filter(|p| p.count >= MIN_TO_PLACE)
            .map(|p| (p.above_p95, format!("p{} of {}", p.percentile, count(p.count))));
        if was.placement != placement {
            match &placement {
                Some((above, text)) => {
                    self.placement
                        .set_class_name(if *above { "placement above-p95" } else { "placement" });
                    self.placement.set_text_content(Some(text));
                    if was.placement.is_none()
                        && let Some(cell) = self.duration.parent_node()
                    {
                        let _ = cell.append_child(&self.placement);
                    }
                }
                None => self.placement.remove(),
            }
            was.placement = placement;
        }
    }
}

/// Writes `now` (with `write`) when it differs from what `was` shown.
fn changed<T: PartialEq>(was: &mut T, now: T, write: impl FnOnce(&T)) {
    if *was != now {
        write(&now);
        *was = now;
    }
}
