//! One trace (`#/trace/<id>`): its waterfall, with the critical path, each
//! span against its operation's percentiles, search, keyboard moves, a
//! minimap and a span's details. Opened from a finding, the finding's
//! sentence stays above and its evidence spans are highlighted.
//!
//! The engine keeps the trace laid out (core `query::trace_view`) and the
//! page asks for the rows in view and a few around them, as the trace list
//! does: a 100,000-span trace costs a screenful of rows. What is folded is
//! the page's state, sent with each question.

mod details;
mod minimap;
mod pool;
mod rows;

use crate::engine::protocol::{Reply, Request, TraceAnswer, TraceAsk};
use crate::format;
use crate::route::Route;
use crate::workspace::Workspace;
use details::SpanDetailsPanel;
use leptos::prelude::*;
use minimap::Minimap;
use pool::RowPool;
use rows::{Marks, Ruler, on_rows_click, row_element_id, title_on_hover};
use tracelens_core::analysis::detectors::Finding;
use tracelens_core::ids::{SpanId, TraceId};
use tracelens_core::numbers::counted;
use tracelens_core::query::GroupKey;
use tracelens_core::query::trace_view::held;
use tracelens_core::query::trace_view::{MiniBar, RowsPage, RowsQuery, SearchHits, SpanDetails, TraceHeader};

/// Height of a row, in CSS pixels (`.waterfall .span-row` in style.css).
pub(crate) const ROW_PX: f64 = 26.0;
/// Rows the scroller shows at most; beyond that it scrolls.
pub(crate) const VISIBLE_ROWS: u32 = 24;
/// Rows below the view in the first answer.
const FIRST_OVERSCAN: u32 = 6;
/// Rows asked for above and below those in view: a fast scroll outruns the
/// engine's answer by a frame or two, and these fill the view meanwhile.
const OVERSCAN: u32 = 72;

/// What the waterfall's parts share.
#[derive(Clone, Copy)]
pub(crate) struct Waterfall {
    pub trace_id: TraceId,
    pub header: RwSignal<Option<TraceHeader>>,
    /// The rows last answered, kept until the next answer so scrolling never blanks.
    pub page: RwSignal<RowsPage>,
    /// Rows whose subtrees are folded.
    pub collapsed: RwSignal<Vec<u32>>,
    pub critical_only: RwSignal<bool>,
    /// A row to bring into view with the next question (its ancestors unfold).
    pub reveal: RwSignal<Option<u32>>,
    pub scroll_top: RwSignal<f64>,
    /// The row the keyboard is on.
    pub selected: RwSignal<Option<u32>>,
    /// The row whose details are open, and its details once they come.
    pub details_row: RwSignal<Option<u32>>,
    pub details: RwSignal<Option<SpanDetails>>,
    pub hits: RwSignal<SearchHits>,
    /// Which hit the search is on.
    pub hit: RwSignal<Option<usize>>,
    pub minimap: RwSignal<Vec<MiniBar>>,
    /// The endpoint the trace is a request to, and its typical trace.
    pub endpoint: RwSignal<Option<(GroupKey, Option<TraceId>)>>,
    pub scroller: NodeRef<leptos::html::Div>,
}

impl Waterfall {
    /// Folds or unfolds row `row`.
    pub fn toggle(&self, row: u32) {
        self.collapsed.update(|c| {
            if let Some(at) = c.iter().position(|&r| r == row) {
                c.remove(at);
            } else {
                c.push(row);
            }
        });
    }

    /// Selects row `row` and brings it into view (asking the engine to
    /// unfold its ancestors if it is hidden).
    pub fn go_to(&self, row: u32) {
        self.selected.set(Some(row));
        let shown = self
            .page
            .with_untracked(|p| p.rows.iter().position(|r| r.row == row).map(|i| p.offset + i as u32));
        match shown {
            Some(position) => self.scroll_into_view(position),
            None => self.reveal.set(Some(row)),
        }
    }

    /// Scrolls so the visible row at `position` is on screen.
    pub fn scroll_into_view(&self, position: u32) {
        let Some(scroller) = self.scroller.get_untracked() else {
            return;
        };
        let top = position as f64 * ROW_PX;
        let height = scroller.client_height() as f64;
        let now = scroller.scroll_top() as f64;
        if top < now || top + ROW_PX > now + height {
            let to = (top - height / 3.0).max(0.0);
            scroller.set_scroll_top(to as i32);
            self.scroll_top.set(to);
        }
    }

    /// Whether the view has gone (the person left it) while an answer was
    /// on its way: its signals are disposed and must not be read.
    fn gone(&self) -> bool {
        self.page.is_disposed()
    }

    /// Takes an answer's rows. Only an answer to a reveal changes what is
    /// folded (it unfolded the revealed row's ancestors); any other carries
    /// back the folds it was asked with, which a later click may have changed.
    fn apply(&self, page: RowsPage, revealed: bool) {
        if self.gone() {
            return;
        }
        if revealed && self.collapsed.with_untracked(|c| *c != page.collapsed) {
            self.collapsed.set(page.collapsed.clone());
        }
        if let Some(minimap) = &page.minimap {
            self.minimap.set(minimap.clone());
        }
        let revealed = page.revealed_at;
        self.page.set(page);
        if let Some(position) = revealed {
            self.scroll_into_view(position);
        }
    }
}

/// The trace view.
#[component]
pub fn TraceView(trace_id: TraceId, finding: Option<usize>) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let finding: Option<Finding> = finding.and_then(|n| {
        workspace
            .findings
            .with_untracked(|f| match f {
                crate::workspace::Findings::Found(all) => all.get(n).cloned(),
                // Drawn again when they come (see `app.rs`).
                crate::workspace::Findings::Waiting(_) => None,
            })
            .filter(|f| f.evidence.iter().any(|e| e.trace_id == trace_id))
    });
    let focus: Vec<SpanId> = finding
        .iter()
        .flat_map(|f| f.evidence.iter().filter(|e| e.trace_id == trace_id))
        .flat_map(|e| e.span_ids.iter().copied())
        .collect();
    let w = Waterfall {
        trace_id,
        header: RwSignal::new(None),
        page: RwSignal::new(RowsPage::default()),
        collapsed: RwSignal::new(Vec::new()),
        critical_only: RwSignal::new(false),
        reveal: RwSignal::new(None),
        scroll_top: RwSignal::new(0.0),
        selected: RwSignal::new(None),
        details_row: RwSignal::new(None),
        details: RwSignal::new(None),
        hits: RwSignal::new(SearchHits::default()),
        hit: RwSignal::new(None),
        minimap: RwSignal::new(Vec::new()),
        endpoint: RwSignal::new(None),
        scroller: NodeRef::new(),
    };
    let missing = RwSignal::new(false);
    let painted = RwSignal::new(false);
    // The last rows asked for: the open's first, then each scroll's or fold's.
    let asked = StoredValue::new(None::<RowsQuery>);
    // The folds and path switch the held rows were answered with: while
    // they hold, a scroll asks only for the rows the page lacks.
    let basis = StoredValue::new(None::<(Vec<u32>, bool)>);
    // Bumped once a jump's first rows are painted, to ask for those around them.
    let refill = RwSignal::new(0u32);
    // How many questions for rows were asked: the number of the latest.
    let latest = StoredValue::new(0u64);
    // The first answer holds only what fills the view, so the first paint
    // builds a screenful of rows; the rows around it follow once it is up.
    let first_rows = RowsQuery {
        limit: VISIBLE_ROWS + FIRST_OVERSCAN,
        minimap: true,
        ..RowsQuery::default()
    };
    asked.set_value(Some(first_rows.clone()));
    // Open: the header and the first rows in one answer.
    leptos::task::spawn_local(async move {
        match ask(
            workspace,
            trace_id,
            TraceAsk::Open {
                focus,
                rows: first_rows,
            },
        )
        .await
        {
            _ if w.gone() => {}
            Some(TraceAnswer::Opened { header, rows, endpoint }) => {
                w.endpoint.set(endpoint);
                if let Some(&first) = header.focus.first() {
                    w.selected.set(Some(first));
                }
                w.header.set(Some(header));
                // After the header, so the scroller exists to scroll.
                request_animation_frame(move || {
                    basis.set_value(Some((rows.collapsed.clone(), false)));
                    // The open revealed the first evidence span, if any.
                    w.apply(rows, true);
                    // After this frame is painted, ask for the rows around it.
                    set_timeout(
                        move || {
                            if !w.gone() {
                                painted.set(true);
                            }
                        },
                        std::time::Duration::ZERO,
                    );
                });
            }
            _ => missing.set(true),
        }
    });
    // Later rows: whenever the fold, the path switch, the scroll or a reveal changes.
    let first = Memo::new(move |_| ((w.scroll_top.get() / ROW_PX) as u32).saturating_sub(OVERSCAN));
    Effect::new(move |_| {
        refill.track();
        let (collapsed, critical_only, reveal, offset) =
            (w.collapsed.get(), w.critical_only.get(), w.reveal.get(), first.get());
        if !painted.get() {
            return;
        }
        let Some(last) = asked.get_value() else { return };
        let limit = VISIBLE_ROWS + 2 * OVERSCAN;
        let same = reveal.is_none()
            && basis.with_value(|b| b.as_ref().is_some_and(|(c, p)| (c, *p) == (&collapsed, critical_only)));
        // What to ask for, the rows to keep with its answer, and whether the
        // screen was not held (only it is asked for, the rest once painted).
        let (ask_for, keep, jumped) = if same {
            let top = ((w.scroll_top.get_untracked() / ROW_PX) as u32).saturating_sub(FIRST_OVERSCAN);
            let screen = (top, VISIBLE_ROWS + 2 * FIRST_OVERSCAN);
            match w.page.with_untracked(|p| held::next_ask(p, screen, (offset, limit))) {
                None => return,
                Some(next) => (next.ask, Some(next.keep), next.screen_first),
            }
        } else {
            ((offset, limit), None, false)
        };
        let mut query = RowsQuery {
            collapsed,
            critical_only,
            reveal,
            offset: ask_for.0,
            limit: ask_for.1,
            minimap: false,
        };
        // The minimap changes only with what is visible, not with the scroll.
        query.minimap = (&last.collapsed, last.critical_only) != (&query.collapsed, query.critical_only);
        if (RowsQuery {
            minimap: last.minimap,
            ..query.clone()
        }) == last
        {
            return;
        }
        asked.set_value(Some(query.clone()));
        // Answers come in order, but a newer question may be on its way: only
        // the answer to the latest is taken (two quick folds must not undo each other).
        let number = latest.get_value() + 1;
        latest.set_value(number);
        leptos::task::spawn_local(async move {
            let critical_only = query.critical_only;
            let reveal = query.reveal;
            let answer = ask(workspace, trace_id, TraceAsk::Rows(query)).await;
            if w.gone() || latest.get_value() != number {
                return;
            }
            match answer {
                Some(TraceAnswer::Rows(page)) => {
                    if reveal.is_some() {
                        w.reveal.set(None);
                    }
                    basis.set_value(Some((page.collapsed.clone(), critical_only)));
                    let page = match keep {
                        Some((offset, limit)) => w.page.with_untracked(|held| held::merge(held, page, offset, limit)),
                        None => page,
                    };
                    w.apply(page, reveal.is_some());
                    if jumped {
                        // Once this screen is painted, the rows around it.
                        set_timeout(
                            move || {
                                if !w.gone() {
                                    refill.update(|n| *n += 1);
                                }
                            },
                            std::time::Duration::ZERO,
                        );
                    }
                }
                // The trace went with a new load (the view is made again then).
                Some(TraceAnswer::Missing) => missing.set(true),
                _ => {}
            }
        });
    });
    // Details, when a row is opened.
    Effect::new(move |_| {
        // The panel says it is reading until this row's answer comes, rather
        // than showing the span opened before.
        w.details.set(None);
        let Some(row) = w.details_row.get() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Some(TraceAnswer::Details(details)) = ask(workspace, trace_id, TraceAsk::Details { row }).await
                && !w.gone()
                && w.details_row.get_untracked() == Some(row)
            {
                w.details.set(details.map(|d| *d));
            }
        });
    });
    provide_context(w);
    view! {
        <section class="trace-view" data-testid="trace-view">
            <p class="back"><a class="link" href="#/traces" data-testid="back-to-traces">"← All traces"</a></p>
            {finding.map(|f| view! { <FindingNote finding=f /> })}
            <Show
                when=move || !missing.get()
                fallback=move || view! {
                    <div class="empty-state" data-testid="trace-missing">
                        <h2>"Trace not loaded"</h2>
                        <p>{format!("No loaded trace has the ID {trace_id}. It may be in a file that is not loaded here: load that file, or ")}
                            <a class="link" href="#/traces">"pick one from the traces"</a>"."
                        </p>
                    </div>
                }
            >
                <Header />
                <Toolbar />
                <div class="waterfall-frame" class:with-details=move || w.details_row.with(Option::is_some)>
                    <Waterfall />
                    <Show when=move || w.details_row.with(Option::is_some)>
                        <SpanDetailsPanel />
                    </Show>
                </div>
            </Show>
        </section>
    }
}

/// Asks the engine about the trace; `None` if it could not answer.
async fn ask(workspace: Workspace, trace_id: TraceId, ask: TraceAsk) -> Option<TraceAnswer> {
    match workspace
        .ask(move |ticket| Request::Trace { ticket, trace_id, ask })
        .await
    {
        Some(Reply::Trace { answer, .. }) => Some(answer),
        _ => None,
    }
}

/// The finding the trace was opened from, above the waterfall.
#[component]
fn FindingNote(finding: Finding) -> impl IntoView {
    let severity = crate::components::findings::severity_name(finding.severity);
    view! {
        <div class=format!("finding-note {severity}") data-testid="trace-finding">
            <span class=format!("severity {severity}")>{severity}</span>
            <strong>{finding.detector.label()}</strong>
            ": "
            {crate::components::findings::explanation_view(finding.explanation)}
            <span class="hint">" Its evidence spans are highlighted below."</span>
        </div>
    }
}

/// What the trace is: its ID, when, how long, how big, which services.
#[component]
fn Header() -> impl IntoView {
    let w = expect_context::<Waterfall>();
    move || {
        w.header.get().map(|h| {
            let services = h
                .services
                .iter()
                .map(|s| {
                    view! {
                        <span class="service-chip">
                            <span class="swatch" style:background=crate::colors::service_color(s)></span>
                            {s.clone()}
                        </span>
                    }
                })
                .collect_view();
            view! {
                <div class="trace-header" data-testid="trace-header">
                    <h2>"Trace " <span class="mono" data-testid="trace-header-id">{h.trace_id.to_string()}</span></h2>
                    <p class="facts">
                        <span>{format::timestamp(h.start)} " UTC"</span>
                        <span data-testid="trace-header-duration">{h.duration.to_string()}</span>
                        <span>{counted(u64::from(h.spans), "span", "spans")}</span>
                        <span>{format!("{} deep", h.depth)}</span>
                        {(h.failed > 0).then(|| view! { <span class="error-text">{format!("⚠ {} failed", h.failed)}</span> })}
                        {(h.skewed > 0).then(|| view! {
                            <span title="Spans placed outside their parent in time: the hosts' clocks probably disagree">
                                {format!("⏱ {} skewed", h.skewed)}
                            </span>
                        })}
                    </p>
                    <p class="services">{services}</p>
                    <EndpointLine />
                </div>
            }
        })
    }
}

/// The endpoint the trace is a request to, with its typical trace to compare with.
#[component]
fn EndpointLine() -> impl IntoView {
    let w = expect_context::<Waterfall>();
    move || {
        w.endpoint.get().map(|(endpoint, typical)| {
            let page = Route::Endpoint {
                endpoint: endpoint.clone(),
                traces: Default::default(),
            }
            .href();
            let compare = typical.filter(|&t| t != w.trace_id).map(|typical| {
                view! {
                    " · "
                    <a class="link" data-testid="compare-typical" href=Route::Compare { a: typical, b: w.trace_id }.href()
                        title="Compare with the request of this endpoint whose duration is its median">
                        "Compare with a typical one"
                    </a>
                }
            });
            view! {
                <p class="endpoint-line">
                    "A request to "
                    <a class="link" href=page>{crate::route::group_text(&endpoint)}</a>
                    {compare}
                    {typical.filter(|&t| t == w.trace_id).map(|_| " · this is its typical request (the median)")}
                </p>
            }
        })
    }
}

/// The switches and the search above the rows.
#[component]
fn Toolbar() -> impl IntoView {
    let w = expect_context::<Waterfall>();
    let workspace = expect_context::<Workspace>();
    let text = RwSignal::new(String::new());
    let search = move || {
        let asked = text.get_untracked();
        leptos::task::spawn_local(async move {
            let question = asked.clone();
            if let Some(TraceAnswer::Search(hits)) =
                ask(workspace, w.trace_id, TraceAsk::Search { text: question }).await
                && !w.gone()
                && text.get_untracked() == asked
            {
                let first = hits.rows.first().copied();
                w.hit.set(first.map(|_| 0));
                w.hits.set(hits);
                if let Some(row) = first {
                    w.go_to(row);
                }
            }
        });
    };
    let step = move |by: isize| {
        let n = w.hits.with_untracked(|h| h.rows.len());
        if n == 0 {
            return;
        }
        let at = w
            .hit
            .get_untracked()
            .map_or(0, |h| (h as isize + by).rem_euclid(n as isize) as usize);
        w.hit.set(Some(at));
        if let Some(row) = w.hits.with_untracked(|h| h.rows.get(at).copied()) {
            w.go_to(row);
        }
    };
    let count = move || {
        let hits = w.hits.get();
        if text.with(|t| t.trim().is_empty()) {
            String::new()
        } else if hits.total == 0 {
            "no match".to_owned()
        } else {
            format!(
                "{} of {}",
                w.hit.get().map_or(0, |h| h + 1),
                format::count(u64::from(hits.total))
            )
        }
    };
    let on_path = move || w.header.with(|h| h.as_ref().map_or(0, |h| h.on_path));
    view! {
        <div class="trace-toolbar">
            <label title="Hide the spans the request did not wait for">
                <input type="checkbox" data-testid="critical-only"
                    prop:checked=move || w.critical_only.get()
                    on:change=move |e| w.critical_only.set(event_target_checked(&e)) />
                {move || format!(" Critical path only ({} spans)", on_path())}
            </label>
            <button type="button" class="link" data-testid="expand-all" on:click=move |_| w.collapsed.set(Vec::new())>
                "Expand all"
            </button>
            <form class="trace-search" on:submit=move |e| { e.prevent_default(); search(); }>
                <input type="search" placeholder="Find in this trace: name, service, attribute, span ID"
                    data-testid="trace-search" prop:value=move || text.get()
                    on:input=move |e| text.set(event_target_value(&e))
                    on:keydown=move |e| if e.key() == "Enter" && e.shift_key() { e.prevent_default(); step(-1); } />
                <button type="submit" class="button quiet" data-testid="trace-search-go">"Find"</button>
                <button type="button" class="button quiet" title="Previous match" data-testid="trace-search-prev" on:click=move |_| step(-1)>"↑"</button>
                <button type="button" class="button quiet" title="Next match" data-testid="trace-search-next" on:click=move |_| step(1)>"↓"</button>
                <span class="hint" data-testid="trace-search-count">{count}</span>
            </form>
        </div>
    }
}

/// The rows: a ruler, the minimap, then the scrolling tree.
#[component]
fn Waterfall() -> impl IntoView {
    let w = expect_context::<Waterfall>();
    // Rows sit at their own place in a box as tall as all visible rows: a
    // row kept from one answer to the next does not move, so a scroll
    // paints only the rows it brings in (spacers above and below made every
    // row move, and repaint, on every answer).
    let height = move || format!("{}px", w.page.with(|p| p.visible) as f64 * ROW_PX);
    let duration = move || w.header.with(|h| h.as_ref().map_or(0, |h| h.duration.0));
    let rows_box = NodeRef::<leptos::html::Div>::new();
    // The rows: elements reused from answer to answer (see `pool.rs`).
    let pool = std::rc::Rc::new(std::cell::RefCell::new(None::<RowPool>));
    Effect::new(move |_| {
        let Some(rows_box) = rows_box.get() else { return };
        let total = duration();
        let mut pool = pool.borrow_mut();
        if pool.is_none() {
            *pool = RowPool::new(rows_box.into());
        }
        let Some(pool) = pool.as_mut() else { return };
        w.page.with(|page| pool.show(w, page, total));
    });
    // A row's marks are set when it is filled; when they change, on the
    // rows on screen (a few dozen), here.
    Effect::new(move |_| {
        Marks::track(w);
        let Some(rows) = rows_box.get_untracked() else { return };
        let rows = rows.children();
        for i in 0..rows.length() {
            let Some(row) = rows.item(i) else { continue };
            let id = row.get_attribute("data-row").and_then(|r| r.parse().ok());
            if let Some(id) = id {
                Marks::of(w, id).apply(&row);
            }
        }
    });
    let on_key = move |e: leptos::ev::KeyboardEvent| {
        // Keys meant for a button inside (Enter on a fold button) are its own.
        if e.target() != e.current_target() {
            return;
        }
        if keyboard(w, &e.key()) {
            e.prevent_default();
        }
    };
    view! {
        // The tree is what has the focus; the selected row is its active
        // descendant, so a screen reader follows the arrow keys.
        <div class="waterfall" data-testid="waterfall" tabindex="0" on:keydown=on_key role="tree"
            aria-activedescendant=move || w.selected.get().map(row_element_id)
            aria-label="Spans of the trace: up and down move, left and right fold and unfold, Enter opens the details">
            <Minimap />
            <Ruler duration=Signal::derive(duration) />
            <div class="span-scroller" data-testid="span-scroller" node_ref=w.scroller
                style:max-height=format!("{}px", VISIBLE_ROWS as f64 * ROW_PX)
                on:scroll=move |e| w.scroll_top.set(event_target::<web_sys::Element>(&e).scroll_top() as f64)>
                <div class="span-rows" role="presentation" style:height=height node_ref=rows_box
                    on:click=move |e| on_rows_click(w, &e) on:mouseover=move |e| title_on_hover(w, &e)></div>
            </div>
            <p class="hint keys">"↑ ↓ move · ← → fold and unfold · Enter details · Esc close"</p>
        </div>
    }
}

/// Moves or folds on a key; whether the key was taken.
fn keyboard(w: Waterfall, key: &str) -> bool {
    let rows = w.page.get_untracked();
    let at = w
        .selected
        .get_untracked()
        .and_then(|s| rows.rows.iter().position(|r| r.row == s));
    let select = |i: usize| {
        if let Some(r) = rows.rows.get(i) {
            w.selected.set(Some(r.row));
            w.scroll_into_view(rows.offset + i as u32);
        }
    };
    match (key, at) {
        ("ArrowDown" | "ArrowUp", None) => select(0),
        ("ArrowDown", Some(i)) => select((i + 1).min(rows.rows.len().saturating_sub(1))),
        ("ArrowUp", Some(i)) => select(i.saturating_sub(1)),
        ("ArrowLeft", Some(i)) => {
            let row = &rows.rows[i];
            if row.descendants > 0 && !row.folded {
                w.toggle(row.row);
            } else if let Some(parent) = row.parent {
                w.go_to(parent);
            }
        }
        ("ArrowRight", Some(i)) => {
            let row = &rows.rows[i];
            if row.folded {
                w.toggle(row.row);
            } else if row.descendants > 0 {
                select(i + 1);
            }
        }
        ("Enter", Some(i)) => w.details_row.set(Some(rows.rows[i].row)),
        ("Escape", _) => w.details_row.set(None),
        _ => return false,
    }
    true
}
