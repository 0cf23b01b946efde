//! Synthetic trace sets: realistic, deterministic (seeded) and of any size, for
//! the example the site ships, for tests and for benchmarks.
//!
//! A scenario ([`shop`], [`random`], [`capture_like`], [`peer`]) produces format-neutral
//! [`SynthSpan`]s (and, for some, [`SynthEvent`]s); a writer per format turns
//! them into the bytes a real exporter would write ([`encode`],
//! [`encode_with_events`]).

pub mod capture_like;
pub mod hostile;
pub mod jaeger_json;
pub mod otlp_json;
pub mod otlp_proto;
pub mod peer;
pub mod random;
pub mod shop;
pub mod zipkin_json;

use crate::import::Format;
use crate::model::SpanKind;

/// `spans` written in `format` (OTLP JSON compact; JSON Lines in batches of 20 traces).
pub fn encode(spans: &[SynthSpan], format: Format) -> Vec<u8> {
    encode_with_events(spans, &[], format)
}

/// `spans` with their `events` written in `format`, as [`encode`] does.
pub fn encode_with_events(spans: &[SynthSpan], events: &[SynthEvent], format: Format) -> Vec<u8> {
    match format {
        Format::OtlpJson => otlp_json::write_compact_with_events(spans, events).into_bytes(),
        Format::OtlpJsonLines => otlp_json::write_lines_with_events(spans, events, 20).into_bytes(),
        Format::OtlpProtobuf => otlp_proto::write_with_events(spans, events),
        Format::JaegerJson => jaeger_json::write_with_events(spans, events).into_bytes(),
        Format::ZipkinJson => zipkin_json::write_with_events(spans, events).into_bytes(),
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
    /// End, nanoseconds since the Unix epoch; 0 when no end was recorded (a
    /// fire-and-forget send, a span reported before it finished). The writers
    /// then write what that format's exporters write for it, and the importers
    /// read an unknown duration: OTLP (JSON and protobuf) leaves the end time
    /// out (zero), Zipkin leaves `duration` out. Jaeger JSON has no way to say
    /// it: every span carries a `duration`, so it is written as 0 µs, which
    /// reads as a known zero.
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
    /// Duration in nanoseconds (0 when no end was recorded).
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }

    /// Whether an end was recorded (see [`SynthSpan::end_ns`]).
    pub fn has_end(&self) -> bool {
        self.end_ns != 0
    }
}

/// Something that happened during a span: an OTLP span event, a Jaeger log
/// (the name in its `event` field, the attributes as its other fields), a
/// Zipkin annotation (the name only: Zipkin annotations carry no attributes).
///
/// Kept beside the spans, not on [`SynthSpan`], so the spans that tests build
/// by hand need no new field; [`encode_with_events`] writes both.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthEvent {
    /// Trace ID of the span it belongs to.
    pub trace_id: u128,
    /// Span ID of the span it belongs to.
    pub span_id: u64,
    /// When, nanoseconds since the Unix epoch.
    pub time_ns: u64,
    /// Event name, e.g. `message`.
    pub name: &'static str,
    /// Attributes, e.g. `message.type`.
    pub attributes: Vec<(&'static str, SynthValue)>,
}

/// Events by the (trace ID, span ID) of their span, in the order given, so a
/// writer finds a span's events without scanning all of them.
struct EventsBySpan<'a>(std::collections::HashMap<(u128, u64), Vec<&'a SynthEvent>>);

impl<'a> EventsBySpan<'a> {
    fn new(events: &'a [SynthEvent]) -> EventsBySpan<'a> {
        let mut by_span: std::collections::HashMap<(u128, u64), Vec<&SynthEvent>> = std::collections::HashMap::new();
        for event in events {
            by_span.entry((event.trace_id, event.span_id)).or_default().push(event);
        }
        EventsBySpan(by_span)
    }

    fn of(&self, span: &SynthSpan) -> &[&'a SynthEvent] {
        self.0.get(&(span.trace_id, span.span_id)).map_or(&[], Vec::as_slice)
    }
}

/// A log-normal factor with median 1 and spread `sigma` (the sigma of its
/// logarithm), from two uniform draws (Box-Muller). Every scenario draws its
/// durations with it.
pub(crate) fn log_normal(rng: &mut fastrand::Rng, sigma: f64) -> f64 {
    let (u1, u2) = (rng.f64().max(1e-12), rng.f64());
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (sigma * normal).exp()
}

/// A log-normal duration with the given median and spread, at least 1 µs.
pub(crate) fn log_normal_ns(rng: &mut fastrand::Rng, median_ns: u64, sigma: f64) -> u64 {
    (median_ns as f64 * log_normal(rng, sigma)).max(1_000.0) as u64
}

/// Times are whole microseconds, so Jaeger and Zipkin carry them exactly.
pub(crate) fn whole_micros(ns: u64) -> u64 {
    ns - ns % 1_000
}

/// A text attribute value.
pub(crate) fn str(text: &str) -> SynthValue {
    SynthValue::Str(text.to_owned())
}

/// `spans` with every span of the traces whose root is named `root` moved
/// `factor` times as far from its trace's start: that endpoint and
/// everything under it uniformly slower (factor > 1) or faster. Plants a
/// regression or an improvement between two periods of the same scenario.
pub fn stretch(spans: &[SynthSpan], root: &str, factor: f64) -> Vec<SynthSpan> {
    let starts: std::collections::HashMap<u128, u64> = spans
        .iter()
        .filter(|s| s.parent_span_id.is_none() && s.name == root)
        .map(|s| (s.trace_id, s.start_ns))
        .collect();
    spans
        .iter()
        .map(|s| {
            let mut s = s.clone();
            if let Some(&start) = starts.get(&s.trace_id) {
                let at = |t: u64| start.saturating_add((t.saturating_sub(start) as f64 * factor).round() as u64);
                (s.start_ns, s.end_ns) = (at(s.start_ns), if s.has_end() { at(s.end_ns) } else { 0 });
            }
            s
        })
        .collect()
}
