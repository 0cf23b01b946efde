//! The promise a person sees before dropping anything: files are read in
//! this tab and sent nowhere, and where to verify it. Below it, how offline
//! use stands (see `offline.rs`).

use crate::offline::{self, Offline};
use leptos::prelude::*;

/// The privacy sentence and the offline state.
#[component]
pub fn PrivacyNote() -> impl IntoView {
    let state = expect_context::<RwSignal<Offline>>();
    let status = move || match state.get() {
        Offline::Preparing => None,
        Offline::Ready => Some(
            view! {
                <span data-testid="offline-status" data-state="ready">
                    "This browser keeps the site (not your traces), so it also opens with the network off."
                </span>
            }
            .into_any(),
        ),
        Offline::UpdateReady => Some(
            view! {
                <span data-testid="offline-status" data-state="update">
                    "A new version of Tracelens is ready. "
                    <button class="link" data-testid="offline-update" on:click=|_| offline::reload_into_update()>
                        "Reload into it"
                    </button>
                    " (the files you loaded are kept)."
                </span>
            }
            .into_any(),
        ),
        Offline::Unavailable(why) => {
            Some(view! { <span data-testid="offline-status" data-state="unavailable">{why}</span> }.into_any())
        }
    };
    view! {
        <p class="hint privacy" data-testid="privacy-note">
            "Your files are read in this tab and sent nowhere. To verify: this page's Content-Security-Policy lets it connect only to the server it came from, and your browser's network panel shows no upload. "
            {status}
        </p>
    }
}
