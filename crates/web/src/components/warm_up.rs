//! The analysis page drawn once, off the page, while the page is idle at
//! start (issue 11). The browser compiles a wasm function the first time it
//! runs, in a quick tier first, and optimises it once it has run a while:
//! the first load's answer paid for that in the task drawing the findings,
//! the list and the tables. The engine sends, at start, the answers of its
//! warm-up set (`Reply::Sample`); the page draws them here into an element
//! that is never in the document (no style, layout or paint), with a
//! workspace of its own that has no engine, all stages, then drops it.

use crate::app::Analysis;
use crate::engine::protocol::Sample;
use crate::route::Route;
use crate::workspace::Workspace;
use leptos::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasm_bindgen::JsCast;

/// Drawn once per page: a restarted engine sends its sample again.
static DRAWN: AtomicBool = AtomicBool::new(false);

/// How long the copy lives: its later stages and table rows draw a frame
/// apart, a few frames in all.
const KEPT: Duration = Duration::from_secs(3);

/// Draws the sample's analysis off the page, then drops it.
pub fn draw(sample: Sample) {
    let Some(summary) = sample.summary.filter(|s| s.current.is_some()) else {
        return;
    };
    if DRAWN.swap(true, Ordering::Relaxed) {
        return;
    }
    let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("div").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let owner = Owner::new();
    let mounted = owner.with(|| {
        let workspace = Workspace::detached();
        let route = Route::Analysis {
            traces: Default::default(),
        };
        let query = crate::components::trace_list::first_query(&route);
        workspace.first_page.set_value(Some((query, sample.list)));
        workspace.show(summary, None);
        leptos::mount::mount_to(element, move || {
            provide_context(workspace);
            provide_context(signal(route).0);
            view! { <Analysis /> }
        })
    });
    set_timeout(
        move || {
            drop(mounted);
            drop(owner);
        },
        KEPT,
    );
}
