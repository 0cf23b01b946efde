//! Tracelens in the browser, as a library shared by two programs: the page
//! (`main.rs`: the Leptos app) and the engine's worker (`worker_main.rs`),
//! which holds the traces and answers the page (see `engine`).

mod app;
mod colors;
mod components;
mod engine;
mod format;
mod io;
mod kept_files;
mod offline;
mod prepared;
mod report_state;
mod route;
mod workspace;

pub use app::App;

/// Runs the engine in the worker this is called in (see `engine::worker`).
pub fn run_engine_worker() {
    engine::worker::run();
}
