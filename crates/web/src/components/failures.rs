//! Files that could not be read: one message each, naming the file and what
//! is wrong. Everything loaded before stays.

use crate::workspace::Workspace;
use leptos::prelude::*;

/// The list of load failures, each dismissable.
#[component]
pub fn Failures() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    view! {
        <section class="failures" aria-live="polite">
            <For
                each=move || workspace.failures.get()
                key=|failure| failure.id
                children=move |failure| {
                    let id = failure.id;
                    view! {
                        <div class="failure" role="alert" data-testid="load-error">
                            <span class="message">{failure.message}</span>
                            <button
                                class="dismiss"
                                title="Dismiss"
                                on:click=move |_| workspace.failures.update(|f| f.retain(|x| x.id != id))
                            >
                                "×"
                            </button>
                        </div>
                    }
                }
            />
        </section>
    }
}
