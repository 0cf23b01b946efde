//! Is anyone using it: requests per endpoint in each period, endpoints and
//! operations that appeared or went away, and who calls the busiest
//! operations.

use crate::components::names::name;
use crate::format;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::analysis::detectors::regression::percent;
use tracelens_core::report::{Name, OperationCallers, Report, Section};

/// The usage tables and lists.
#[component]
pub fn Usage(report: Arc<Report>) -> impl IntoView {
    let usage = &report.usage;
    let compared = report.header.baseline.is_some();
    let rows = usage
        .endpoints
        .iter()
        .map(|e| {
            let baseline = e.baseline_requests.map(format::count).unwrap_or_default();
            let change = if compared && e.baseline_requests.is_some() {
                percent(e.change)
            } else {
                String::new()
            };
            view! {
                <tr data-testid="report-usage-row">
                    <td>{e.endpoint.service.clone()}</td>
                    <td class="name">{e.endpoint.name.clone()}</td>
                    <td class="num">{format::count(e.requests)}</td>
                    <td class="num">{baseline}</td>
                    <td class="num">{change}</td>
                </tr>
            }
        })
        .collect_view();
    let names = [
        ("Endpoints new in this period", &usage.new_endpoints),
        ("Endpoints gone since the baseline", &usage.gone_endpoints),
        ("Operations new in this period", &usage.new_operations),
        ("Operations gone since the baseline", &usage.gone_operations),
    ]
    .into_iter()
    .filter(|(_, names)| !names.is_empty())
    .map(|(title, names)| name_list(title, names))
    .collect_view();
    let callers = usage.callers.iter().map(callers_item).collect_view();
    let omitted = (usage.callers_omitted > 0).then(|| {
        format!(
            "{} less busy operations not listed.",
            format::count(usage.callers_omitted)
        )
    });
    view! {
        <section class="report-section" id=crate::route::section_id(Section::Usage)>
            <h2>"Usage"</h2>
            <table>
                <thead>
                    <tr>
                        <th>"Service"</th>
                        <th>"Endpoint"</th>
                        <th class="num">"Requests"</th>
                        <th class="num">"Baseline"</th>
                        <th class="num">"Change"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {names}
            <h3>"Who calls the busiest operations"</h3>
            <ul class="callers">{callers}</ul>
            <p class="footnote">{omitted}</p>
        </section>
    }
}

fn name_list(title: &'static str, names: &[Name]) -> impl IntoView + use<> {
    let items = names
        .iter()
        .map(|n| view! { <li>{name(n.name.clone())} " in " {name(n.service.clone())}</li> })
        .collect_view();
    view! {
        <h3>{title}</h3>
        <ul class="names">{items}</ul>
    }
}

fn callers_item(operation: &OperationCallers) -> impl IntoView + use<> {
    let mut callers: Vec<_> = operation
        .callers
        .iter()
        .map(|c| {
            let from = c.endpoint.clone().unwrap_or_else(|| "(no endpoint)".to_owned());
            let counts = format!(
                " ({} spans in {} requests)",
                format::count(c.spans),
                format::count(c.requests)
            );
            view! { {name(from)} {counts} }.into_any()
        })
        .collect();
    if operation.omitted > 0 {
        callers.push(view! { {format!("{} more", operation.omitted)} }.into_any());
    }
    let callers = callers
        .into_iter()
        .enumerate()
        .map(|(at, caller)| view! { {(at > 0).then_some(", ")} {caller} })
        .collect_view();
    view! {
        <li>
            <strong>{name(operation.operation.name.clone())} " in " {name(operation.operation.service.clone())}</strong>
            {format!(" ({} spans): ", format::count(operation.spans))}
            {callers}
        </li>
    }
}
