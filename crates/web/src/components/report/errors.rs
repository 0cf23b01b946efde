//! What broke, by error type where it starts: new in this period,
//! recurring, and gone since the baseline, with counts and endpoints.

use crate::components::names::{name, name_list};
use crate::format;
use leptos::either::Either;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::report::{ErrorType, Report, Section};

/// The three lists; each left out when empty.
#[component]
pub fn Errors(report: Arc<Report>) -> impl IntoView {
    let errors = &report.errors;
    let compared = report.header.baseline.is_some();
    let new_title = if compared {
        "New in this period"
    } else {
        "Errors in this period"
    };
    let lists = [
        (new_title, &errors.new),
        ("Recurring", &errors.recurring),
        ("Gone since the baseline", &errors.gone),
    ]
    .into_iter()
    .filter(|(_, list)| !list.is_empty())
    .map(|(title, list)| {
        let items = list.iter().map(error_item).collect_view();
        view! {
            <h3>{title}</h3>
            <ul class="error-types">{items}</ul>
        }
    })
    .collect_view();
    let none = (errors.new.is_empty() && errors.recurring.is_empty() && errors.gone.is_empty())
        .then(|| view! { <p class="quiet">"No errors in either period."</p> });
    view! {
        <section class="report-section" id=crate::route::section_id(Section::Errors) data-testid="report-errors">
            <h2>"Errors"</h2>
            {none}
            {lists}
        </section>
    }
}

fn error_item(e: &ErrorType) -> impl IntoView + use<> {
    let baseline = e
        .baseline_count
        .map(|n| format!(" (baseline {})", format::count(n)))
        .unwrap_or_default();
    // The stand-in for an untyped error is the report's word, no name of the data.
    let kind = if e.kind_is_named() {
        Either::Left(name(e.kind.clone()))
    } else {
        Either::Right(e.kind.clone())
    };
    let message = e.message.clone().map(|m| view! { ": " {name(m)} });
    let endpoints = (!e.endpoints.is_empty()).then(|| view! { " In " {name_list(e.endpoints.clone())} "." });
    view! {
        <li>
            <strong>{kind}</strong>
            {message}
            " — starts in "
            {name(e.operation.clone())}
            " of "
            {name(e.service.clone())}
            {format!(
                "; {} times{baseline}, {} failed requests.",
                format::count(e.count),
                format::count(e.failed_requests),
            )}
            {endpoints}
        </li>
    }
}
