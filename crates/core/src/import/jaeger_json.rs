//! Jaeger JSON as Jaeger UI downloads it and the Jaeger query API serves it
//! (`/api/traces`): `{"data": [trace, ...]}` with or without
//! `total/limit/offset/errors`, a bare trace object, or a bare array of traces.
//! Times are microseconds; the service comes from the trace's `processes`.
//!
//! Mapping to the model follows OpenTelemetry's Jaeger mapping: the `span.kind`
//! tag is the kind, `error=true` or `otel.status_code=ERROR` is an error
//! status, `otel.status_description` its message.

use super::builder::{Builder, SpanFields};
use super::lenient::u64_from_number_or_string;
use super::{RejectReason, WarningKind};
use crate::ids::{IdRepair, parse_span_id, parse_trace_id};
use crate::model::{AttrValue, Attribute, SpanKind, StatusCode};
use crate::time::TimestampNs;
use base64::Engine as _;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

// ---- wire types: mirror the JSON exactly, private to this importer ----

/// Any of the three top-level shapes; the caller picks the variant to parse
/// from the first byte, so errors point into the right structure.
pub(super) enum Document<'a> {
    List(Vec<WireTrace<'a>>),
    Object(TopLevel<'a>),
}

/// `{"data": [...]}` or a bare trace `{"traceID": ..., "spans": [...], "processes": {...}}`.
#[derive(Deserialize)]
pub(super) struct TopLevel<'a> {
    #[serde(borrow, default)]
    data: Option<Vec<WireTrace<'a>>>,
    #[serde(borrow, default)]
    spans: Vec<WireSpan<'a>>,
    #[serde(borrow, default)]
    processes: HashMap<Cow<'a, str>, Process<'a>>,
}

#[derive(Deserialize)]
pub(super) struct WireTrace<'a> {
    #[serde(borrow, default)]
    spans: Vec<WireSpan<'a>>,
    #[serde(borrow, default)]
    processes: HashMap<Cow<'a, str>, Process<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSpan<'a> {
    #[serde(borrow, default, rename = "traceID")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "spanID")]
    span_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "parentSpanID")]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    operation_name: Cow<'a, str>,
    #[serde(borrow, default)]
    references: Option<Vec<Reference<'a>>>,
    #[serde(default, deserialize_with = "u64_from_number_or_string")]
    start_time: u64,
    #[serde(default, deserialize_with = "u64_from_number_or_string")]
    duration: u64,
    #[serde(borrow, default)]
    tags: Option<Vec<Tag<'a>>>,
    #[serde(borrow, default, rename = "processID")]
    process_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    process: Option<Process<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reference<'a> {
    #[serde(borrow, default)]
    ref_type: Cow<'a, str>,
    #[serde(borrow, default, rename = "traceID")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "spanID")]
    span_id: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Process<'a> {
    #[serde(borrow, default)]
    service_name: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow, default, rename = "type")]
    declared_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    value: TagValue<'a>,
}

/// A tag value as written, before its declared type is applied.
#[derive(Default)]
enum TagValue<'a> {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for TagValue<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TagValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tag value: string, number or boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(TagValue::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(TagValue::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(i64::try_from(v).map_or(TagValue::Float(v as f64), TagValue::Int))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(TagValue::Float(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(v.to_owned().into()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(TagValue::Null)
            }
        }
        d.deserialize_any(V)
    }
}

// ---- conversion into the model ----

/// Adds the spans of a parsed document to the builder's set.
pub(super) fn convert(doc: Document<'_>, out: &mut Builder<'_>) {
    let traces = match doc {
        Document::List(traces) => traces,
        Document::Object(TopLevel {
            data: Some(traces), ..
        }) => traces,
        Document::Object(TopLevel {
            data: None,
            spans,
            processes,
        }) => vec![WireTrace { spans, processes }],
    };
    for (t, trace) in traces.iter().enumerate() {
        for (i, span) in trace.spans.iter().enumerate() {
            convert_span(span, trace, out, || format!("data[{t}].spans[{i}]"));
        }
    }
}

fn convert_span(
    span: &WireSpan<'_>,
    trace: &WireTrace<'_>,
    out: &mut Builder<'_>,
    place: impl Fn() -> String,
) {
    out.span_read();
    let Some((trace_id, trace_repair)) = parse_trace_id(&span.trace_id) else {
        out.reject(RejectReason::InvalidTraceId, || {
            format!("{}: traceID is missing", place())
        });
        return;
    };
    let Some((span_id, span_repair)) = parse_span_id(&span.span_id) else {
        out.reject(RejectReason::InvalidSpanId, || {
            format!("{}: spanID is missing", place())
        });
        return;
    };
    let (Some(start), Some(duration)) = (
        span.start_time.checked_mul(1000),
        span.duration.checked_mul(1000),
    ) else {
        out.reject(RejectReason::TimestampOutOfRange, || {
            format!(
                "{}: startTime {} / duration {} µs do not fit in 64-bit nanoseconds",
                place(),
                span.start_time,
                span.duration
            )
        });
        return;
    };
    let parent = parent_text(span).and_then(parse_span_id);
    // One warning per span, for the most drastic repair among its IDs.
    let parent_repair = parent.map_or(IdRepair::None, |(_, repair)| repair);
    note_repair(trace_repair.max(span_repair).max(parent_repair), out);
    let parent_span_id = parent.map(|(id, _)| id);

    let process = span.process.as_ref().or_else(|| {
        span.process_id
            .as_ref()
            .and_then(|id| trace.processes.get(id))
    });
    let service_name = process.map(|p| &*p.service_name).filter(|s| !s.is_empty());
    if service_name.is_none() {
        out.warn(WarningKind::MissingServiceName);
    }
    let service = out.intern(service_name.unwrap_or(super::UNKNOWN_SERVICE));

    let mut kind = SpanKind::Unspecified;
    let mut status = StatusCode::Unset;
    let mut status_message = None;
    let mut attributes = Vec::new();
    for tag in span.tags.iter().flatten() {
        match (&*tag.key, &tag.value) {
            ("span.kind", TagValue::Str(name)) if SpanKind::from_name(name).is_some() => {
                kind = SpanKind::from_name(name).unwrap_or_default();
            }
            ("error", TagValue::Bool(b)) => status = if *b { StatusCode::Error } else { status },
            ("error", TagValue::Str(s)) if s == "true" || s == "false" => {
                status = if s == "true" {
                    StatusCode::Error
                } else {
                    status
                };
            }
            ("otel.status_code", TagValue::Str(code)) if code == "ERROR" => {
                status = StatusCode::Error
            }
            ("otel.status_code", TagValue::Str(code))
                if code == "OK" && status != StatusCode::Error =>
            {
                status = StatusCode::Ok;
            }
            ("otel.status_description", TagValue::Str(message)) => {
                status_message = Some(out.intern(message))
            }
            _ => {
                let value = convert_tag_value(tag, out);
                let key = out.intern(&tag.key);
                attributes.push(Attribute { key, value });
            }
        }
    }
    let name = out.intern(&span.operation_name);
    let start = TimestampNs(start);
    out.keep(SpanFields {
        trace_id,
        span_id,
        parent_span_id,
        service,
        name,
        kind,
        start,
        end: start.saturating_add(crate::time::DurationNs(duration)),
        status,
        status_message,
        attributes,
    });
}

/// The parent: the first CHILD_OF reference, else the first reference of any
/// type (FOLLOWS_FROM), else the legacy `parentSpanID` field.
fn parent_text<'s>(span: &'s WireSpan<'_>) -> Option<&'s str> {
    let references = span.references.as_deref().unwrap_or_default();
    references
        .iter()
        .find(|r| r.ref_type == "CHILD_OF" && r.trace_id == span.trace_id)
        .or_else(|| references.first())
        .map(|r| &*r.span_id)
        .or(span.parent_span_id.as_deref())
        .filter(|text| !text.is_empty() && text.bytes().any(|b| b != b'0'))
}

fn note_repair(repair: IdRepair, out: &mut Builder<'_>) {
    match repair {
        IdRepair::None => {}
        IdRepair::Padded => out.warn(WarningKind::IdPadded),
        IdRepair::Hashed => out.warn(WarningKind::IdHashed),
    }
}

fn convert_tag_value(tag: &Tag<'_>, out: &mut Builder<'_>) -> AttrValue {
    let declared = tag.declared_type.as_deref().unwrap_or("");
    match (declared, &tag.value) {
        (_, TagValue::Null) => AttrValue::Str(out.intern("")),
        ("bool", TagValue::Str(s)) if s == "true" || s == "false" => AttrValue::Bool(s == "true"),
        ("int64", TagValue::Str(s)) if s.parse::<i64>().is_ok() => {
            AttrValue::Int(s.parse().unwrap_or_default())
        }
        ("float64", TagValue::Str(s)) if s.parse::<f64>().is_ok() => {
            AttrValue::Double(s.parse().unwrap_or_default())
        }
        ("binary", TagValue::Str(s)) => {
            match base64::engine::general_purpose::STANDARD.decode(s.as_bytes()) {
                Ok(bytes) => AttrValue::Bytes(bytes.into()),
                Err(_) => {
                    out.warn(WarningKind::UndecodableAttribute);
                    AttrValue::Str(out.intern(s))
                }
            }
        }
        ("bool" | "int64" | "float64", TagValue::Str(s)) => {
            out.warn(WarningKind::UndecodableAttribute);
            AttrValue::Str(out.intern(s))
        }
        (_, TagValue::Bool(b)) => AttrValue::Bool(*b),
        (_, TagValue::Int(i)) => AttrValue::Int(*i),
        (_, TagValue::Float(f)) => AttrValue::Double(*f),
        (_, TagValue::Str(s)) => AttrValue::Str(out.intern(s)),
    }
}
