//! Which view the page shows, read from the address's `#` part so a link,
//! the back button and a reload all land where the person was: `#/report`
//! (and `#/report/<section>`, which scrolls to that section) is the report;
//! anything else, including the page's own anchors like `#traces`, is the
//! analysis.

use crate::io;
use leptos::ev;
use leptos::prelude::*;

/// A view of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Everything loaded, section by section.
    Analysis,
    /// The feedback-meeting report.
    Report,
}

/// The address of the report view.
pub const REPORT: &str = "#/report";

impl Route {
    fn of(hash: &str) -> Route {
        if hash == REPORT || hash.starts_with("#/report/") {
            Route::Report
        } else {
            Route::Analysis
        }
    }
}

/// The id a report section's element carries, and the address that opens it.
pub fn section_id(section: tracelens_core::report::Section) -> String {
    format!("report-{}", section.id())
}

/// `#/report/latency`.
pub fn section_href(section: tracelens_core::report::Section) -> String {
    format!("{REPORT}/{}", section.id())
}

/// The current route, kept in step with the address for the page's life.
pub fn use_route() -> ReadSignal<Route> {
    let (route, set_route) = signal(Route::of(&io::location_hash()));
    let handle = window_event_listener(ev::hashchange, move |_| {
        let hash = io::location_hash();
        set_route.set(Route::of(&hash));
        scroll_to_section(&hash);
    });
    on_cleanup(move || handle.remove());
    route
}

/// After the view has drawn, scrolls to the section `#/report/<id>` names.
fn scroll_to_section(hash: &str) {
    if let Some(id) = hash.strip_prefix("#/report/") {
        let id = format!("report-{id}");
        request_animation_frame(move || io::scroll_to(&id));
    }
}
