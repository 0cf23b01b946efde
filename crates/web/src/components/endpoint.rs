//! One endpoint (`#/endpoint/<service>/<name>`): its requests' statistics and
//! histogram, the findings its requests show, and its traces, filtered as
//! the address says.

use crate::components::findings::Findings;
use crate::components::histogram::{Noun, histogram_figure, summary};
use crate::components::trace_list::TraceList;
use crate::format;
use crate::workspace::Workspace;
use leptos::prelude::*;
use tracelens_core::analysis::GroupStats;
use tracelens_core::query::GroupKey;

const REQUESTS: Noun = Noun {
    one: "request",
    many: "requests",
};

/// The view of one endpoint.
#[component]
pub fn EndpointView(endpoint: GroupKey) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let title = format!("{} in {}", endpoint.name, endpoint.service);
    let name = endpoint.name.clone();
    let groups = move || {
        workspace.analysis.with(|a| {
            a.as_deref()
                .map(|a| {
                    a.groups
                        .endpoints
                        .iter()
                        .filter(|g| g.service == endpoint.service && g.name == endpoint.name)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    view! {
        <section class="endpoint" data-testid="endpoint-view">
            <a class="button quiet" href="#/" data-testid="endpoint-back">"← All endpoints"</a>
            <h2>{title}</h2>
            {move || {
                let groups = groups();
                if groups.is_empty() {
                    return view! {
                        <p class="quiet" data-testid="endpoint-missing">
                            "No request in the loaded traces entered through this endpoint. Load the files this link was made from, or go back to all endpoints."
                        </p>
                    }
                        .into_any();
                }
                groups.into_iter().map(endpoint_stats).collect_view().into_any()
            }}
        </section>
        <Findings endpoint=name />
        <TraceList />
    }
}

/// The numbers of one service's endpoint, then its histogram.
fn endpoint_stats(group: GroupStats) -> impl IntoView {
    let d = &group.durations;
    let facts = [
        ("Service", group.service.clone()),
        ("Requests", format::count(d.count)),
        (
            "Failed",
            format!(
                "{} ({})",
                format::count(group.errors),
                format::percent(group.error_rate)
            ),
        ),
        ("p50", d.p50.to_string()),
        ("p95", d.p95.to_string()),
        ("p99", d.p99.to_string()),
        ("Max", d.max.to_string()),
    ];
    let label = summary(&group.name, &group.histogram, REQUESTS);
    view! {
        <dl class="facts" data-testid="endpoint-stats">
            {facts
                .into_iter()
                .map(|(term, value)| view! { <div><dt>{term}</dt><dd>{value}</dd></div> })
                .collect_view()}
        </dl>
        {histogram_figure(&group.histogram, label, REQUESTS)}
    }
}
