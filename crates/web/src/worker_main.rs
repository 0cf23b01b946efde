//! The engine's worker: Trunk builds this into its own wasm module, which
//! the page starts in a Web Worker (see `engine/client.rs`).

fn main() {
    tracelens_web::run_engine_worker();
}
