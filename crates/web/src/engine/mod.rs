//! The engine: everything that holds or reads traces, behind one seam.
//!
//! The page never holds a trace set or a full analysis. It sends requests
//! (`protocol.rs`) to the engine, which runs in a Web Worker (`worker.rs`)
//! so that reading and analysing a million spans never blocks the page, and
//! gets small answers: a summary of what is loaded, a page of the trace
//! list, a report. `client.rs` is the page's side; `state.rs` is what the
//! engine holds and does, plain Rust that any thread could run.

pub mod budget;
pub mod client;
pub mod protocol;
pub mod state;
pub mod timing;
pub mod warm_up;
pub mod worker;
