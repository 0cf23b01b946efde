//! The analysis page drawn once, off the page, while the page is idle at
//! start (issue 11). The browser compiles a wasm function the first time it
//! runs, in a quick tier first, and optimises it once it has run a while:
//! the first load's answer paid for that in the task drawing the findings,
//! the list and the tables. The engine sends, at start, the answers of its
//! warm-up set (`Reply::Sample`); the page draws them here into an element
//! that is never in the document (no style, layout or paint), with a
//! workspace of its own that has no engine, one part of the page a task,
//! then drops them.

use crate::components::findings::Findings;
use crate::components::group_table::{GroupTable, Grouping};
use crate::components::overview::Overview;
use crate::components::trace_list::TraceList;
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

/// Draws the sample's analysis off the page, a part a task (the whole of
/// it in one task was 130-150 ms, cold), then drops it.
pub fn draw(sample: Sample) {
    let Some(summary) = sample.summary.filter(|s| s.current.is_some()) else {
        return;
    };
    if DRAWN.swap(true, Ordering::Relaxed) {
        return;
    }
    // Not in the task that read the sample: that one is long enough.
    set_timeout(
        move || {
            let owner = Owner::new();
            let workspace = owner.with(|| {
                let workspace = Workspace::detached();
                let query = crate::components::trace_list::first_query(&route());
                workspace.first_page.set_value(Some((query, sample.list)));
                workspace.show(summary, None);
                workspace
            });
            let parts: Vec<Part> = vec![
                || view! { <Overview /> }.into_any(),
                || view! { <Findings /> }.into_any(),
                || view! { <TraceList /> }.into_any(),
                || view! { <GroupTable grouping=Grouping::Endpoints /> }.into_any(),
                || view! { <GroupTable grouping=Grouping::Operations /> }.into_any(),
            ];
            next_part(owner, workspace, parts.into_iter(), Vec::new());
        },
        Duration::ZERO,
    );
}

/// One part of the analysis page.
type Part = fn() -> AnyView;

/// The page's address while the copy is drawn: the analysis, unfiltered.
fn route() -> Route {
    Route::Analysis {
        traces: Default::default(),
    }
}

/// Draws the next part in a task of its own, or once all are drawn, drops
/// them after [`KEPT`].
fn next_part(
    owner: Owner,
    workspace: Workspace,
    mut parts: std::vec::IntoIter<Part>,
    mut drawn: Vec<Box<dyn std::any::Any>>,
) {
    let Some(part) = parts.next() else {
        set_timeout(
            move || {
                drop(drawn);
                drop(owner);
            },
            KEPT,
        );
        return;
    };
    set_timeout(
        move || {
            if let Some(element) = detached_element() {
                let mounted = owner.with(|| {
                    leptos::mount::mount_to(element, move || {
                        provide_context(workspace);
                        provide_context(signal(route()).0);
                        part()
                    })
                });
                drawn.push(Box::new(mounted));
            }
            next_part(owner, workspace, parts, drawn);
        },
        Duration::ZERO,
    );
}

/// An element that is not in the document.
fn detached_element() -> Option<web_sys::HtmlElement> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("div").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
}
