//! Files can be dropped anywhere on the page. While something is dragged over
//! the window, an overlay says where it will go.

use crate::io;
use crate::workspace::Workspace;
use leptos::ev;
use leptos::prelude::*;

/// Listens for drags on the whole window and shows the overlay during one.
#[component]
pub fn DropOverlay() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    // dragenter/dragleave fire for every child element crossed, so count them.
    let depth = RwSignal::new(0i32);

    let enter = window_event_listener(ev::dragenter, move |e| {
        e.prevent_default();
        depth.update(|d| *d += 1);
    });
    let leave = window_event_listener(ev::dragleave, move |_| depth.update(|d| *d = (*d - 1).max(0)));
    // Without preventing dragover's default, the browser would open the file instead.
    let over = window_event_listener(ev::dragover, move |e| e.prevent_default());
    let drop = window_event_listener(ev::drop, move |e| {
        e.prevent_default();
        depth.set(0);
        workspace.load_files(io::files_of(e.data_transfer().and_then(|d| d.files())));
    });
    on_cleanup(move || {
        for handle in [enter, leave, over, drop] {
            handle.remove();
        }
    });

    view! {
        <Show when=move || depth.get() != 0>
            <div class="drop-overlay" data-testid="drop-overlay">
                <p>"Drop trace files to load them"</p>
            </div>
        </Show>
    }
}
