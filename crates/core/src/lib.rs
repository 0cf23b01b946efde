//! Tracelens analysis core: reads trace exports (OTLP JSON, Jaeger JSON) into
//! one compact model and computes what the web app and the CLI show.
//!
//! Pure by design: bytes in, data out. No browser crates, no clock, no
//! filesystem, no threads, so the same code runs natively and in wasm32 and
//! gives the same numbers in both.
//!
//! ```
//! use tracelens_core::{TraceSet, analysis::Analysis, import::import_file};
//!
//! let mut set = TraceSet::new();
//! let json = br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},
//!   "scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
//!   "name":"GET /cart","kind":2,"startTimeUnixNano":"1000000000","endTimeUnixNano":"1250000000"}]}]}]}"#;
//! let report = import_file(&mut set, "shop.json", json).unwrap();
//! assert_eq!(report.spans_kept, 1);
//! let analysis = Analysis::of(&set);
//! assert_eq!(analysis.traces[0].duration.to_string(), "250ms");
//! ```

pub mod analysis;
pub mod dump;
pub mod ids;
pub mod import;
pub mod index;
pub mod intern;
pub mod limits;
pub mod model;
pub mod numbers;
pub mod query;
pub mod report;
mod serde_text;
pub mod stats;
pub mod synth;
pub mod time;

pub use model::TraceSet;
