//! Files can be dropped anywhere on the page: they add to the current traces.
//! Dropped onto the baseline box (an element marked [`BASELINE_DROP`]) they
//! become the baseline instead. While something is dragged over the window,
//! an overlay says where it will go.

use crate::io;
use crate::workspace::{Period, Workspace};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The attribute that marks the element accepting baseline files (the baseline box sets it).
pub const BASELINE_DROP: &str = "data-drop-baseline";

/// Which set a drag or drop at this event's target goes to. One listener on
/// the window decides for the whole page, so the order of listeners never
/// matters and a drop is loaded exactly once.
fn period_at(event: &web_sys::Event) -> Period {
    let inside_baseline = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest(&format!("[{BASELINE_DROP}]")).ok().flatten())
        .is_some();
    if inside_baseline {
        Period::Baseline
    } else {
        Period::Current
    }
}

/// Listens for drags on the whole window and shows the overlay during one.
#[component]
pub fn DropOverlay() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    // dragenter/dragleave fire for every child element crossed, so count them.
    let depth = RwSignal::new(0i32);
    let stop = move || {
        depth.set(0);
        workspace.drop_target.set(None);
    };

    let enter = window_event_listener(ev::dragenter, move |e| {
        e.prevent_default();
        depth.update(|d| *d += 1);
        workspace.drop_target.set(Some(period_at(&e)));
    });
    let leave = window_event_listener(ev::dragleave, move |_| {
        depth.update(|d| *d = (*d - 1).max(0));
        if depth.get_untracked() == 0 {
            workspace.drop_target.set(None);
        }
    });
    // Without preventing dragover's default, the browser would open the file instead.
    let over = window_event_listener(ev::dragover, move |e| {
        e.prevent_default();
        let period = Some(period_at(&e));
        if workspace.drop_target.get_untracked() != period {
            workspace.drop_target.set(period);
        }
    });
    let drop = window_event_listener(ev::drop, move |e| {
        e.prevent_default();
        stop();
        workspace.load_files(period_at(&e), io::files_of(e.data_transfer().and_then(|d| d.files())));
    });
    on_cleanup(move || {
        for handle in [enter, leave, over, drop] {
            handle.remove();
        }
    });

    let message = move || match workspace.drop_target.get() {
        Some(Period::Baseline) => "Drop to compare with these files as the baseline (an earlier period)",
        _ => "Drop trace files to load them",
    };
    view! {
        <Show when=move || depth.get() != 0>
            <div
                class="drop-overlay"
                class:baseline=move || workspace.drop_target.get() == Some(Period::Baseline)
                data-testid="drop-overlay"
            >
                <p>{message}</p>
            </div>
        </Show>
    }
}
