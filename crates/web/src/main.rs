//! The page. `main` only mounts the app; see `app.rs`. The engine runs in
//! a worker of its own (`worker_main.rs`).

mod bench_api;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(tracelens_web::App);
}
