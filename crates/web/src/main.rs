//! Tracelens in the browser. `main` only mounts the app; see `app.rs`.

mod app;
mod bench_api;
mod components;
mod format;
mod io;
mod prepared;
mod report_state;
mod route;
mod workspace;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
