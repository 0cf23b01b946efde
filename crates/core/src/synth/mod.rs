//! Synthetic trace sets: realistic, deterministic (seeded) and of any size, for
//! the example the site ships, for tests and for benchmarks.
//!
//! A scenario ([`shop`]) produces format-neutral [`SynthSpan`]s; a writer per
//! format ([`otlp_json`]) turns them into the bytes a real exporter would write.

pub mod otlp_json;
pub mod shop;

use crate::model::SpanKind;

/// A span before it is written in any format.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthSpan {
    /// Trace ID.
    pub trace_id: u128,
    /// Span ID (never 0).
    pub span_id: u64,
    /// Parent span ID, `None` for the root.
    pub parent_span_id: Option<u64>,
    /// Service name.
    pub service: &'static str,
    /// Operation name.
    pub name: String,
    /// Span kind.
    pub kind: SpanKind,
    /// Start, nanoseconds since the Unix epoch.
    pub start_ns: u64,
    /// End, nanoseconds since the Unix epoch.
    pub end_ns: u64,
    /// Whether the span failed, and with what message.
    pub error: Option<String>,
    /// Attributes.
    pub attributes: Vec<(&'static str, SynthValue)>,
}

/// An attribute value in a synthetic span.
#[derive(Clone, Debug, PartialEq)]
pub enum SynthValue {
    /// Text.
    Str(String),
    /// Integer.
    Int(i64),
    /// Boolean.
    Bool(bool),
}

impl SynthSpan {
    /// Duration in nanoseconds.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}
