//! OTLP protobuf: a single `TracesData` / `ExportTraceServiceRequest` message
//! (the two are wire-identical), a stream of messages each preceded by a 4-byte
//! big-endian length (the Collector's file exporter), or a stream of
//! varint-delimited messages.
//!
//! The wire types below are declared here with prost rather than taken from
//! the `opentelemetry-proto` crate: that crate's `trace` feature pulls in the
//! OpenTelemetry SDK and its random-number generator, which does not build for
//! wasm32 without browser crates, and the core must stay browser-free. Field
//! numbers follow `opentelemetry/proto/trace/v1/trace.proto`; a test decodes
//! messages encoded with the official types to keep the two in step.

use super::builder::{Builder, EventFields, LinkFields, SpanFields};
use super::proto_cost;
use super::{Format, ImportError, ImportErrorKind, RejectReason, SkipReason, WarningKind};
use crate::ids::{SpanId, TraceId, be_bytes_to_u128};
use crate::intern::Sym;
use crate::limits::{MAX_ATTRIBUTES, MAX_EVENTS, MAX_LINKS, MAX_PROTOBUF_INFLATION, PROTOBUF_INFLATION_FLOOR_BYTES};
use crate::model::{AttrValue, Attribute, DroppedCounts, SpanKind, StatusCode};
use crate::time::TimestampNs;
use prost::Message;

// ---- wire types (public to the crate so the generator can encode with them) ----

/// `TracesData` (also `ExportTraceServiceRequest`).
#[derive(Clone, PartialEq, Message)]
pub(crate) struct TracesData {
    #[prost(message, repeated, tag = "1")]
    pub resource_spans: Vec<ResourceSpans>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct ResourceSpans {
    #[prost(message, optional, tag = "1")]
    pub resource: Option<Resource>,
    #[prost(message, repeated, tag = "2")]
    pub scope_spans: Vec<ScopeSpans>,
    /// The pre-1.0 name of `scope_spans` (`instrumentation_library_spans`).
    #[prost(message, repeated, tag = "1000")]
    pub instrumentation_library_spans: Vec<ScopeSpans>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Resource {
    #[prost(message, repeated, tag = "1")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "2")]
    pub dropped_attributes_count: u32,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct ScopeSpans {
    #[prost(message, optional, tag = "1")]
    pub scope: Option<InstrumentationScope>,
    #[prost(message, repeated, tag = "2")]
    pub spans: Vec<Span>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct InstrumentationScope {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub version: String,
    #[prost(message, repeated, tag = "3")]
    pub attributes: Vec<KeyValue>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Span {
    #[prost(bytes = "vec", tag = "1")]
    pub trace_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub span_id: Vec<u8>,
    #[prost(string, tag = "3")]
    pub trace_state: String,
    #[prost(bytes = "vec", tag = "4")]
    pub parent_span_id: Vec<u8>,
    #[prost(fixed32, tag = "16")]
    pub flags: u32,
    #[prost(string, tag = "5")]
    pub name: String,
    #[prost(int32, tag = "6")]
    pub kind: i32,
    #[prost(fixed64, tag = "7")]
    pub start_time_unix_nano: u64,
    #[prost(fixed64, tag = "8")]
    pub end_time_unix_nano: u64,
    #[prost(message, repeated, tag = "9")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "10")]
    pub dropped_attributes_count: u32,
    #[prost(message, repeated, tag = "11")]
    pub events: Vec<Event>,
    #[prost(uint32, tag = "12")]
    pub dropped_events_count: u32,
    #[prost(message, repeated, tag = "13")]
    pub links: Vec<Link>,
    #[prost(uint32, tag = "14")]
    pub dropped_links_count: u32,
    #[prost(message, optional, tag = "15")]
    pub status: Option<Status>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Event {
    #[prost(fixed64, tag = "1")]
    pub time_unix_nano: u64,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "3")]
    pub attributes: Vec<KeyValue>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Link {
    #[prost(bytes = "vec", tag = "1")]
    pub trace_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub span_id: Vec<u8>,
    #[prost(string, tag = "3")]
    pub trace_state: String,
    #[prost(message, repeated, tag = "4")]
    pub attributes: Vec<KeyValue>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Status {
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(int32, tag = "3")]
    pub code: i32,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct KeyValue {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(message, optional, tag = "2")]
    pub value: Option<AnyValue>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct AnyValue {
    #[prost(oneof = "Value", tags = "1, 2, 3, 4, 5, 6, 7")]
    pub value: Option<Value>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub(crate) enum Value {
    #[prost(string, tag = "1")]
    String(String),
    #[prost(bool, tag = "2")]
    Bool(bool),
    #[prost(int64, tag = "3")]
    Int(i64),
    #[prost(double, tag = "4")]
    Double(f64),
    #[prost(message, tag = "5")]
    Array(ArrayValue),
    #[prost(message, tag = "6")]
    KvList(KeyValueList),
    #[prost(bytes = "vec", tag = "7")]
    Bytes(Vec<u8>),
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct ArrayValue {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<AnyValue>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct KeyValueList {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<KeyValue>,
}

// ---- framing ----

/// How messages are laid out in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Single,
    /// Each message preceded by its length as a 4-byte big-endian integer.
    LengthPrefixed,
    /// Each message preceded by its length as a protobuf varint.
    VarintDelimited,
}

/// The messages of `bytes` with their byte offsets, if the framing chains
/// exactly to the end of the file.
fn split(bytes: &[u8], framing: Framing) -> Option<Vec<(usize, &[u8])>> {
    let mut frames = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let (len, header) = match framing {
            Framing::Single => return Some(vec![(0, bytes)]),
            Framing::LengthPrefixed => {
                let header: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
                (u32::from_be_bytes(header) as usize, 4)
            }
            Framing::VarintDelimited => {
                let mut rest = bytes.get(at..)?;
                let before = rest.len();
                let len = prost::encoding::decode_varint(&mut rest).ok()?;
                (usize::try_from(len).ok()?, before - rest.len())
            }
        };
        let start = at + header;
        let end = start.checked_add(len)?;
        frames.push((start, bytes.get(start..end)?));
        at = end;
    }
    (!frames.is_empty()).then_some(frames)
}

/// prost's message, outermost field first, with what it means for the file:
/// prost writes `failed to decode Protobuf message: ArrayValue.values:
/// AnyValue.value: … buffer underflow`, innermost first, a hundred fields
/// long for values nested too deep.
fn described(error: &prost::DecodeError) -> String {
    let text = error.to_string();
    let text = text
        .strip_prefix("failed to decode Protobuf message: ")
        .unwrap_or(&text);
    let is_field = |part: &str| {
        part.split_once('.').is_some_and(|(message, field)| {
            message.starts_with(|c: char| c.is_ascii_uppercase())
                && message.chars().all(|c| c.is_ascii_alphanumeric())
                && !field.is_empty()
                && field.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
    };
    let parts: Vec<&str> = text.split(": ").collect();
    let fields = parts.iter().take_while(|part| is_field(part)).count();
    let problem = parts.get(fields..).unwrap_or_default().join(": ");
    let meaning = match problem.as_str() {
        "buffer underflow" => " (the data ends inside a message: the file was cut short?)",
        "recursion limit reached" => " (messages nested more than 100 deep; Tracelens reads no deeper)",
        _ => "",
    };
    let path: Vec<&str> = parts.get(..fields).unwrap_or_default().iter().rev().copied().collect();
    let join = |range: std::ops::Range<usize>| path.get(range).unwrap_or_default().join(" > ");
    let place = match path.len() {
        0 => return format!("{problem}{meaning}"),
        n if n > 6 => format!("{} > … {} more … > {}", join(0..2), n - 4, join(n - 2..n)),
        n => join(0..n),
    };
    format!("{problem}{meaning}, in {place}")
}

/// Reads the file: of the framings that fit the bytes exactly, the reading
/// that finds the most spans (a varint-delimited stream can also parse as
/// one message full of unknown fields, with no spans), the earlier framing
/// on a tie. The spans are counted on the wire ([`proto_cost`]), so the
/// framings are decoded one at a time, most spans first, until one decodes;
/// each message is converted and dropped before the next is decoded.
pub(super) fn import(name: &str, bytes: &[u8], out: &mut Builder<'_>) -> Result<(), ImportError> {
    // Each framing that fits: its place in the order, its messages with
    // their offsets, and their costs.
    type Candidate<'b> = (usize, Vec<(usize, &'b [u8])>, Vec<proto_cost::Cost>);
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    for (rank, framing) in [Framing::Single, Framing::LengthPrefixed, Framing::VarintDelimited]
        .into_iter()
        .enumerate()
    {
        if let Some(frames) = split(bytes, framing) {
            let costs = frames.iter().map(|&(_, frame)| proto_cost::of(frame)).collect();
            candidates.push((rank, frames, costs));
        }
    }
    let spans = |costs: &[proto_cost::Cost]| costs.iter().map(|c| c.spans).sum::<u64>();
    // Stable: a tie keeps the framings' order.
    candidates.sort_by_key(|(_, _, costs)| std::cmp::Reverse(spans(costs)));
    // The error of the earliest framing (single-message framing always
    // applies), as the message when none decodes.
    let mut error: Option<(usize, ImportErrorKind)> = None;
    for (rank, frames, costs) in &candidates {
        let checkpoint = out.checkpoint();
        let Err(kind) = read_frames(frames, costs, out) else {
            return Ok(());
        };
        out.restore(checkpoint);
        if error.as_ref().is_none_or(|(earliest, _)| rank < earliest) {
            error = Some((*rank, kind));
        }
    }
    Err(ImportError {
        file: name.to_owned(),
        format: Some(Format::OtlpProtobuf),
        kind: error.map_or_else(
            || ImportErrorKind::MalformedBinary {
                offset: 0,
                detail: "no message".to_owned(),
            },
            |(_, kind)| kind,
        ),
    })
}

/// Decodes and converts each frame in turn; the first that is refused
/// stops it, with why.
fn read_frames(
    frames: &[(usize, &[u8])],
    costs: &[proto_cost::Cost],
    out: &mut Builder<'_>,
) -> Result<(), ImportErrorKind> {
    for (m, (&(offset, frame), cost)) in frames.iter().zip(costs).enumerate() {
        let bytes = frame.len() as u64;
        let allowed = (bytes.saturating_mul(MAX_PROTOBUF_INFLATION)).max(PROTOBUF_INFLATION_FLOOR_BYTES);
        if cost.bytes > allowed {
            return Err(ImportErrorKind::Amplified {
                offset,
                bytes,
                decoded: cost.bytes,
            });
        }
        let message = TracesData::decode(frame).map_err(|e| ImportErrorKind::MalformedBinary {
            offset,
            detail: described(&e),
        })?;
        if message.resource_spans.is_empty() {
            out.skip(SkipReason::NoSpans, || format!("message {}", m + 1));
        }
        convert(message, out, m);
    }
    Ok(())
}

// ---- conversion into the model ----

fn convert(message: TracesData, out: &mut Builder<'_>, message_index: usize) {
    for (r, resource_spans) in message.resource_spans.into_iter().enumerate() {
        let resource = resource_spans.resource.unwrap_or_default();
        let service = resource
            .attributes
            .iter()
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                Value::String(s) => Some(s.clone()),
                _ => None,
            });
        let attributes = convert_key_values(&resource.attributes, out);
        let resource_ref = out.resource(service.as_deref(), attributes, resource.dropped_attributes_count);
        let scope_spans = resource_spans
            .scope_spans
            .into_iter()
            .chain(resource_spans.instrumentation_library_spans);
        for (s, scope_spans) in scope_spans.enumerate() {
            let scope = match &scope_spans.scope {
                Some(scope) => {
                    let attributes = convert_key_values(&scope.attributes, out);
                    out.scope(&scope.name, &scope.version, attributes)
                }
                None => out.no_scope(),
            };
            for (i, span) in scope_spans.spans.iter().enumerate() {
                let place = || {
                    format!(
                        "message {}: resourceSpans[{r}].scopeSpans[{s}].spans[{i}]",
                        message_index + 1
                    )
                };
                convert_span(span, resource_ref, scope, out, place);
            }
        }
    }
}

fn convert_span(span: &Span, resource: (u32, Sym), scope: u32, out: &mut Builder<'_>, place: impl Fn() -> String) {
    out.span_read();
    let Some(trace_id) = id_of(&span.trace_id, 16).filter(|&id| id != 0) else {
        out.reject(RejectReason::InvalidTraceId, || {
            format!(
                "{}: trace_id has {} bytes, expected 16 (not all zero)",
                place(),
                span.trace_id.len()
            )
        });
        return;
    };
    let Some(span_id) = id_of(&span.span_id, 8).and_then(|id| SpanId::new(id as u64)) else {
        out.reject(RejectReason::InvalidSpanId, || {
            format!(
                "{}: span_id has {} bytes, expected 8 (not all zero)",
                place(),
                span.span_id.len()
            )
        });
        return;
    };
    let parent_span_id = match span.parent_span_id.len() {
        0 => None,
        _ => match id_of(&span.parent_span_id, 8) {
            Some(id) => SpanId::new(id as u64),
            None => {
                out.reject(RejectReason::InvalidSpanId, || {
                    format!(
                        "{}: parent_span_id has {} bytes, expected 8",
                        place(),
                        span.parent_span_id.len()
                    )
                });
                return;
            }
        },
    };
    let Some(kind) = SpanKind::from_otlp(i64::from(span.kind)) else {
        out.reject(RejectReason::InvalidSpanKind, || {
            format!("{}: kind {} is not a span kind (0-5)", place(), span.kind)
        });
        return;
    };
    // Past the limits, neither converted nor interned: counted.
    let read_links = span.links.get(..MAX_LINKS).unwrap_or(&span.links);
    out.links_dropped(span.links.len() - read_links.len());
    let read_events = span.events.get(..MAX_EVENTS).unwrap_or(&span.events);
    out.events_dropped(span.events.len() - read_events.len());
    let mut links = Vec::with_capacity(read_links.len());
    for link in read_links {
        let span_id = id_of(&link.span_id, 8).and_then(|id| SpanId::new(id as u64));
        let (Some(trace_id), Some(span_id)) = (id_of(&link.trace_id, 16).filter(|&id| id != 0), span_id) else {
            out.warn(WarningKind::InvalidLink);
            continue;
        };
        let attributes = convert_key_values(&link.attributes, out);
        let trace_state = (!link.trace_state.is_empty()).then(|| out.intern(&link.trace_state));
        links.push(LinkFields {
            trace_id: TraceId(trace_id),
            span_id,
            trace_state,
            attributes,
        });
    }
    let events = read_events
        .iter()
        .map(|event| EventFields {
            time: TimestampNs(event.time_unix_nano),
            name: out.intern(&event.name),
            attributes: convert_key_values(&event.attributes, out),
        })
        .collect();
    let (status, status_message) = match &span.status {
        Some(status) => (
            match status.code {
                2 => StatusCode::Error,
                1 => StatusCode::Ok,
                _ => StatusCode::Unset,
            },
            (!status.message.is_empty()).then(|| out.intern(&status.message)),
        ),
        None => (StatusCode::Unset, None),
    };
    let trace_state = (!span.trace_state.is_empty()).then(|| out.intern(&span.trace_state));
    let fields = SpanFields {
        trace_id: TraceId(trace_id),
        span_id,
        parent_span_id,
        resource: Some(resource),
        scope: Some(scope),
        name: out.intern(&span.name),
        kind,
        start: TimestampNs(span.start_time_unix_nano),
        end: TimestampNs(span.end_time_unix_nano),
        status,
        status_message,
        attributes: convert_key_values(&span.attributes, out),
        events,
        links,
        trace_state,
        trace_flags: (span.flags & 0xFF) as u8,
        dropped: DroppedCounts {
            attributes: span.dropped_attributes_count.saturating_add(
                u32::try_from(span.attributes.len().saturating_sub(MAX_ATTRIBUTES)).unwrap_or(u32::MAX),
            ),
            events: span.dropped_events_count,
            links: span.dropped_links_count,
        },
    };
    out.keep(fields);
}

/// A big-endian ID of exactly `len` bytes.
fn id_of(bytes: &[u8], len: usize) -> Option<u128> {
    (bytes.len() == len).then(|| be_bytes_to_u128(bytes))
}

/// The first [`MAX_ATTRIBUTES`] of `key_values` (the rest counted as dropped).
fn convert_key_values(key_values: &[KeyValue], out: &mut Builder<'_>) -> Vec<Attribute> {
    let kept = key_values.get(..MAX_ATTRIBUTES).unwrap_or(key_values);
    out.attributes_dropped(key_values.len() - kept.len());
    kept.iter()
        .map(|kv| Attribute {
            key: out.intern(&kv.key),
            value: convert_any_value(kv.value.as_ref(), out),
        })
        .collect()
}

fn convert_any_value(value: Option<&AnyValue>, out: &mut Builder<'_>) -> AttrValue {
    match value.and_then(|v| v.value.as_ref()) {
        None => AttrValue::Str(out.intern("")),
        Some(Value::String(s)) => AttrValue::Str(out.intern(s)),
        Some(Value::Bool(b)) => AttrValue::Bool(*b),
        Some(Value::Int(i)) => AttrValue::Int(*i),
        Some(Value::Double(d)) => AttrValue::Double(*d),
        Some(Value::Bytes(b)) => AttrValue::Bytes(out.cut_bytes(b).into()),
        Some(Value::Array(a)) => {
            let kept = a.values.get(..MAX_ATTRIBUTES).unwrap_or(&a.values);
            out.attributes_dropped(a.values.len() - kept.len());
            AttrValue::Array(Box::new(kept.iter().map(|v| convert_any_value(Some(v), out)).collect()))
        }
        Some(Value::KvList(list)) => AttrValue::Map(convert_key_values(&list.values, out).into()),
    }
}
