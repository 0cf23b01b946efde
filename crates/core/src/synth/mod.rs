//! Synthetic trace sets: realistic, deterministic (seeded) and of any size, for
//! the example the site ships, for tests and for benchmarks.
//!
//! A scenario ([`shop`]) produces format-neutral [`SynthSpan`]s; a writer per
//! format turns them into the bytes a real exporter would write ([`encode`]).

pub mod jaeger_json;
pub mod otlp_json;
pub mod otlp_proto;
pub mod random;
pub mod shop;
pub mod zipkin_json;

use crate::import::Format;
use crate::model::SpanKind;

/// `spans` written in `format` (OTLP JSON compact; JSON Lines in batches of 20 traces).
pub fn encode(spans: &[SynthSpan], format: Format) -> Vec<u8> {
    match format {
        Format::OtlpJson => otlp_json::write_compact(spans).into_bytes(),
        Format::OtlpJsonLines => otlp_json::write_lines(spans, 20).into_bytes(),
        Format::OtlpProtobuf => otlp_proto::write(spans),
        Format::JaegerJson => jaeger_json::write(spans).into_bytes(),
        Format::ZipkinJson => zipkin_json::write(spans).into_bytes(),
    }
}

/// Every format [`encode`] writes.
pub const FORMATS: [Format; 5] = [
    Format::OtlpJson,
    Format::OtlpJsonLines,
    Format::OtlpProtobuf,
    Format::JaegerJson,
    Format::ZipkinJson,
];

/// Service names, sorted, so output does not depend on generation order.
fn services(spans: &[SynthSpan]) -> Vec<&'static str> {
    let mut services: Vec<&'static str> = spans.iter().map(|s| s.service).collect();
    services.sort_unstable();
    services.dedup();
    services
}

/// Consecutive runs of spans covering `batch` traces each (spans of a trace are contiguous).
fn trace_batches(spans: &[SynthSpan], batch: usize) -> Vec<&[SynthSpan]> {
    let mut batches = Vec::new();
    let (mut start, mut traces) = (0, 0);
    for i in 0..spans.len() {
        let new_trace = i == 0 || spans.get(i - 1).map(|s| s.trace_id) != spans.get(i).map(|s| s.trace_id);
        if new_trace {
            if traces == batch.max(1) {
                batches.push(spans.get(start..i).unwrap_or_default());
                (start, traces) = (i, 0);
            }
            traces += 1;
        }
    }
    if start < spans.len() {
        batches.push(spans.get(start..).unwrap_or_default());
    }
    batches
}

/// The OTLP enum value of a kind.
fn kind_number(kind: SpanKind) -> u8 {
    match kind {
        SpanKind::Unspecified => 0,
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

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
