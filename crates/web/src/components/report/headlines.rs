//! The headlines: the report's few sentences, most important first, each a
//! link to the section with the details.

use crate::components::findings::explanation_view;
use crate::route::section_href;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::report::Report;

/// The sentences as links; a quiet line when the numbers made none.
#[component]
pub fn Headlines(report: Arc<Report>) -> impl IntoView {
    let items = report
        .headlines
        .iter()
        .map(|headline| {
            view! {
                <li>
                    <a href=section_href(headline.section) data-section=headline.section.id()>
                        {explanation_view(headline.text.clone())}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="report-section">
            <h2>"Headlines"</h2>
            {report
                .headlines
                .is_empty()
                .then(|| view! { <p class="quiet">"Nothing stood out in these numbers."</p> })}
            <ol class="headlines" data-testid="report-headlines">
                {items}
            </ol>
        </section>
    }
}
