//! The analysis page drawn in stages, so no task after a load runs over
//! 100 ms (issue 11). Leptos builds what a signal change shows in the task
//! that changed it: the whole analysis at once (findings, the list, the
//! comparison, two tables of histograms) was one 110–180 ms task and then a
//! 40–90 ms layout. Now the answer draws stage 0, what a person looks at
//! first (the totals, the findings, the comparison, the trace list's
//! rows); each later
//! stage waits until the frame before it is painted and draws one more part.
//!
//! Each new analysis starts again from stage 0: the later sections go and
//! come back with it rather than update in place, which would draw them in
//! the answer's task. Meanwhile the page keeps its height, so a person
//! scrolled down does not jump up.

use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::JsCast;

/// The stages after the first, in the order they are drawn: the trace
/// list's filter menus (their options: 1,500 elements for a 100,000-span
/// trace's operations), the endpoint table, the operation table. The
/// comparison with the baseline stays in the first: it sits above the list,
/// which it would push down a frame later, and would vanish for a few
/// frames whenever a file is added.
pub const MENUS: u8 = 1;
pub const ENDPOINTS: u8 = 2;
pub const OPERATIONS: u8 = 3;
/// The last stage: everything drawn.
const LAST: u8 = OPERATIONS;

/// The attribute marking the element whose height is kept while the stages
/// draw.
const HELD: &str = "data-stages";

/// How far the analysis page is drawn. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Stages {
    drawn: RwSignal<u8>,
    /// Counts restarts: a step scheduled for an older analysis does nothing.
    generation: StoredValue<u64>,
    /// Whether the page's staged element keeps its height meanwhile: not
    /// for a copy drawn off the page (see `warm_up.rs`).
    holds_height: bool,
    /// Stage 0 only, until [`Stages::resume`]: while the engine's
    /// detectors run, drawing the later stages took from them the time
    /// the page spent (two cores shared by the page, the engine and the
    /// rest of the machine), and the findings came 300 ms later.
    held: StoredValue<bool>,
}

impl Stages {
    pub fn new() -> Stages {
        Stages {
            drawn: RwSignal::new(LAST),
            generation: StoredValue::new(0),
            holds_height: true,
            held: StoredValue::new(false),
        }
    }

    /// Stages of a copy of the page drawn off the page: they leave the
    /// page's own element alone.
    pub fn off_page() -> Stages {
        Stages {
            holds_height: false,
            ..Stages::new()
        }
    }

    /// Whether stage `stage` is drawn (tracked).
    pub fn shows(&self, stage: u8) -> bool {
        self.drawn.get() >= stage
    }

    /// Draws again from stage 0: call before the analysis shown changes, in
    /// the same task.
    pub fn restart(&self) {
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        if self.holds_height {
            hold_height(true);
        }
        self.drawn.set(0);
        if !self.held.get_value() {
            self.step(generation);
        }
    }

    /// Draws again from stage 0 and stays there until [`Stages::resume`]
    /// (the engine still works on what the later stages are beside).
    pub fn restart_held(&self) {
        self.held.set_value(true);
        self.restart();
    }

    /// Goes on with the later stages, if held.
    pub fn resume(&self) {
        if self.held.get_value() {
            self.held.set_value(false);
            self.step(self.generation.get_value());
        }
    }

    /// The next stage, once the frame showing this one is painted.
    fn step(self, generation: u64) {
        request_animation_frame(move || {
            // A timer set in a frame's callback runs after that frame is painted.
            set_timeout(
                move || {
                    if self.drawn.is_disposed() || self.generation.get_value() != generation || self.held.get_value() {
                        return;
                    }
                    let next = self.drawn.get_untracked().saturating_add(1).min(LAST);
                    self.drawn.set(next);
                    if next < LAST {
                        self.step(generation);
                    } else if self.holds_height {
                        hold_height(false);
                    }
                },
                Duration::ZERO,
            )
        });
    }
}

impl Default for Stages {
    fn default() -> Stages {
        Stages::new()
    }
}

/// Keeps (or frees) the staged sections' height as it is now. Read before
/// the new analysis changes anything, so the layout is the last frame's and
/// reading it costs nothing.
fn hold_height(hold: bool) {
    let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(&format!("[{HELD}]")).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let style = element.style();
    // Nothing to do if the browser refuses: the page only jumps.
    let _ = if hold {
        style.set_property("min-height", &format!("{}px", element.offset_height()))
    } else {
        style.remove_property("min-height").map(|_| ())
    };
}

/// Draws `children` from stage `stage` of the analysis on.
#[component]
pub fn Later(stage: u8, children: ChildrenFn) -> impl IntoView {
    let stages = expect_context::<crate::workspace::Workspace>().stages;
    view! { <Show when=move || stages.shows(stage)>{children()}</Show> }
}

/// The element whose height is held while the stages draw.
#[component]
pub fn Staged(children: Children) -> impl IntoView {
    view! { <div data-stages="">{children()}</div> }
}
