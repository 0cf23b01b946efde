//! The minimap: the whole trace (its visible rows) in a strip above the
//! rows, time across and rows down, with a box where the view is. A press
//! or a drag on it moves the view there.

use super::{ROW_PX, VISIBLE_ROWS, Waterfall};
use leptos::prelude::*;

/// The strip's height in CSS pixels.
const HEIGHT_PX: f64 = 56.0;

/// The minimap; drawn only for traces longer than the scroller.
#[component]
pub(super) fn Minimap() -> impl IntoView {
    let w = expect_context::<Waterfall>();
    let total = move || w.header.with(|h| h.as_ref().map_or(0, |h| h.duration.0)).max(1) as f64;
    let visible = move || w.page.with(|p| p.visible).max(1) as f64;
    let long = move || w.page.with(|p| p.visible) > VISIBLE_ROWS;
    let bars = move || {
        let (total, visible) = (total(), visible());
        w.minimap
            .get()
            .into_iter()
            .map(|b| {
                let x = b.start.0 as f64 / total * 1000.0;
                let width = (b.length.0 as f64 / total * 1000.0).max(1.0);
                let y = b.first as f64 / visible * HEIGHT_PX;
                let class = match (b.failed, b.on_path) {
                    (true, _) => "failed",
                    (false, true) => "on-path",
                    _ => "",
                };
                view! { <rect class=class x=x y=y width=width height="1.5"></rect> }
            })
            .collect_view()
    };
    let window = move || {
        // The scroller's height follows from the rows (it is capped in rows):
        // reading it from the element would force a layout on every scroll.
        let rows = visible() * ROW_PX;
        let height = rows.min(f64::from(VISIBLE_ROWS) * ROW_PX);
        let y = w.scroll_top.get() / rows * HEIGHT_PX;
        let h = (height / rows * HEIGHT_PX).clamp(2.0, HEIGHT_PX);
        (y, h)
    };
    let dragging = RwSignal::new(false);
    let move_to = move |e: &leptos::ev::PointerEvent| {
        let Some(target) = e
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        else {
            return;
        };
        let rect = target.get_bounding_client_rect();
        let share = ((e.client_y() as f64 - rect.top()) / rect.height().max(1.0)).clamp(0.0, 1.0);
        if let Some(scroller) = w.scroller.get_untracked() {
            let to = (share * visible() * ROW_PX - scroller.client_height() as f64 / 2.0).max(0.0);
            scroller.set_scroll_top(to as i32);
            w.scroll_top.set(to);
        }
    };
    view! {
        <Show when=long>
            <svg class="minimap" data-testid="minimap" viewBox=format!("0 0 1000 {HEIGHT_PX}") preserveAspectRatio="none"
                style:height=format!("{HEIGHT_PX}px")
                on:pointerdown=move |e| { dragging.set(true); move_to(&e); }
                on:pointermove=move |e| if dragging.get_untracked() { move_to(&e); }
                on:pointerup=move |_| dragging.set(false)
                on:pointerleave=move |_| dragging.set(false)>
                <title>"The whole trace: drag to move the view"</title>
                {bars}
                <rect class="window" x="0" width="1000" y=move || window().0 height=move || window().1></rect>
            </svg>
        </Show>
    }
}
