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
                "OTLP JSON and JSON Lines (from an OpenTelemetry exporter, the Collector's file exporter, Tempo or Jaeger's api_v3), "
                "OTLP protobuf, Jaeger JSON (Jaeger UI's “Download results”) and Zipkin v2 JSON; gzip-compressed or not. "
                "Several files at once are merged."
            </p>
            <p>"No files at hand? " <em>"Load example"</em> " opens a generated online-shop trace set."</p>
        </section>
    }
}
