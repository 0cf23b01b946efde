//! Files that could not be read: one message each, naming the file and what
//! is wrong. Everything loaded before stays. The current files' failures show
//! under the header, the baseline's in the baseline box.

use crate::workspace::{Period, Workspace};
use leptos::prelude::*;

/// The load failures of the files meant for `period`, each dismissable.
#[component]
pub fn Failures(period: Period) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let test_id = match period {
        Period::Current => "load-error",
        Period::Baseline => "baseline-load-error",
    };
    view! {
        <section class="failures" aria-live="polite">
            <For
                each=move || {
                    workspace.failures.with(|f| f.iter().filter(|x| x.period == period).cloned().collect::<Vec<_>>())
                }
                key=|failure| failure.id
                children=move |failure| {
                    let id = failure.id;
                    view! {
                        <div class="failure" role="alert" data-testid=test_id>
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
