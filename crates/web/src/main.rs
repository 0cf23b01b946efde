//! Tracelens in the browser. `main` only mounts the app; see `app.rs`.

mod app;
mod bench_api;
mod components;
mod format;
mod io;
// lead: the workspace keeps its files through this (issue 11); until it
// does, nothing calls it.
#[allow(dead_code)]
mod kept_files;
mod prepared;
mod report_state;
mod route;
mod workspace;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
