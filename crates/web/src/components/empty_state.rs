//! What the page shows before anything is loaded: a large drop target that
//! says which files Tracelens reads.

use leptos::prelude::*;

/// The landing drop zone (the whole window accepts drops; this shows where).
#[component]
pub fn EmptyState() -> impl IntoView {
    view! {
        <section class="empty-state" data-testid="drop-zone">
            <p class="big">"Drop trace files here"</p>
            <p>
                "OTLP JSON (" <code>"{\"resourceSpans\": …}"</code> ") from an OpenTelemetry exporter or Tempo, "
                "and Jaeger JSON (" <code>"{\"data\": […]}"</code> ") from Jaeger UI's “Download results”."
            </p>
            <p>"No files at hand? " <em>"Load example"</em> " opens a generated online-shop trace set."</p>
        </section>
    }
}
