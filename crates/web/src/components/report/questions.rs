//! Questions for the meeting, made from the numbers, and the action items:
//! each finding's next step with whoever owns it (as set in this view).

use super::ReportState;
use crate::components::findings::explanation_view;
use crate::route::{section_href, section_id};
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::report::{Report, Section};

/// The questions, then the action items.
#[component]
pub fn Questions(report: Arc<Report>) -> impl IntoView {
    let state = expect_context::<ReportState>();
    let questions = report
        .questions
        .questions
        .iter()
        .map(|q| {
            view! {
                <li>
                    {explanation_view(q.text.clone())} " "
                    <a class="quiet" href=section_href(q.section)>{format!("({})", q.section.id())}</a>
                </li>
            }
        })
        .collect_view();
    let actions = report
        .questions
        .action_items
        .iter()
        .map(|item| {
            let fingerprint = item.fingerprint.clone();
            let carried = item.owner.clone();
            // The owner typed in this view wins over the one the report carries.
            let owner = move || {
                let owner = state
                    .edits
                    .with(|e| e.tracking.get(&fingerprint).map(|t| t.owner.clone()))
                    .unwrap_or_else(|| carried.clone());
                if owner.is_empty() {
                    "nobody yet".to_owned()
                } else {
                    owner
                }
            };
            view! {
                <li data-testid="report-action-item">
                    {explanation_view(item.text.clone())} " — " <span class="owner">{owner}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="report-section" id=section_id(Section::Questions)>
            <h2>"Questions for the meeting"</h2>
            <ol class="questions" data-testid="report-questions">
                {questions}
            </ol>
            <h3>"Action items"</h3>
            <ul class="action-items">{actions}</ul>
        </section>
    }
}
