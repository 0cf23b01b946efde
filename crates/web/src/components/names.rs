//! Names from traces inside the page's own sentences and lists. Each is a
//! `<bdi>` of its own: a right-to-left override in a hostile name (or a
//! name in Arabic or Hebrew) then cannot turn around the text beside it.

use leptos::prelude::*;

/// One name, isolated from its neighbours.
pub fn name(text: String) -> impl IntoView {
    view! { <bdi>{text}</bdi> }
}

/// Names separated by commas, each isolated.
pub fn name_list(names: Vec<String>) -> impl IntoView {
    names
        .into_iter()
        .enumerate()
        .map(|(at, text)| view! { {(at > 0).then_some(", ")}{name(text)} })
        .collect_view()
}
