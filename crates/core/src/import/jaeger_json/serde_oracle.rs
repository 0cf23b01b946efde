//! The serde-based reader that the streaming one replaced, kept (tests
//! only) to check the new reader against: same files accepted, same model,
//! same report, same error messages. Below, its original documentation.
#![allow(dead_code, missing_docs, clippy::all)]
//!
//! Jaeger JSON as Jaeger UI downloads it and the Jaeger query API serves it
//! (`/api/traces`): `{"data": [trace, ...]}` with or without
//! `total/limit/offset/errors`, a bare trace object, or a bare array of traces.
//! Times are microseconds; the service comes from the trace's `processes`.
//!
//! Mapping to the model follows OpenTelemetry's Jaeger mapping: the `span.kind`
//! tag is the kind, `error=true` or `otel.status_code=ERROR` is an error
//! status, `otel.status_description` its message.

use crate::ids::{IdRepair, parse_span_id, parse_trace_id};
use crate::import::builder::{Builder, EventFields, LinkFields, SpanFields};
use crate::import::{RejectReason, WarningKind};
use crate::intern::Sym;
use crate::model::{AttrValue, Attribute, DroppedCounts, SpanKind, StatusCode};
use crate::time::{DurationNs, TimestampNs};
use base64::Engine as _;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

// ---- wire types: mirror the JSON exactly, private to this importer ----

/// Any of the three top-level shapes; the caller picks the variant to parse
/// from the first byte, so errors point into the right structure.
pub(crate) enum Document<'a> {
    List(Vec<WireTrace<'a>>),
    Object(TopLevel<'a>),
}

/// `{"data": [...]}` or a bare trace `{"traceID": ..., "spans": [...], "processes": {...}}`.
#[derive(Deserialize)]
pub(crate) struct TopLevel<'a> {
    #[serde(borrow, default)]
    data: Option<Vec<WireTrace<'a>>>,
    #[serde(borrow, default)]
    spans: Vec<WireSpan<'a>>,
    #[serde(borrow, default)]
    processes: HashMap<Cow<'a, str>, Process<'a>>,
}

#[derive(Deserialize)]
pub(crate) struct WireTrace<'a> {
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
    #[serde(borrow, default)]
    logs: Option<Vec<Log<'a>>>,
    #[serde(borrow, default)]
    warnings: Option<Vec<Cow<'a, str>>>,
    #[serde(default, deserialize_with = "u64_from_number_or_string")]
    flags: u64,
}

#[derive(Deserialize)]
struct Log<'a> {
    #[serde(default, deserialize_with = "u64_from_number_or_string")]
    timestamp: u64,
    #[serde(borrow, default)]
    fields: Option<Vec<Tag<'a>>>,
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
    #[serde(borrow, default)]
    tags: Option<Vec<Tag<'a>>>,
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
pub(crate) fn convert(doc: Document<'_>, out: &mut Builder<'_>) {
    let traces = match doc {
        Document::List(traces) => traces,
        Document::Object(TopLevel { data: Some(traces), .. }) => traces,
        Document::Object(TopLevel {
            data: None,
            spans,
            processes,
        }) => vec![WireTrace { spans, processes }],
    };
    let scope = out.no_scope();
    for (t, trace) in traces.iter().enumerate() {
        // One resource per process of the trace, made when a span first uses it.
        let mut resources: HashMap<&str, (u32, Sym)> = HashMap::new();
        for (i, span) in trace.spans.iter().enumerate() {
            let resource = match (&span.process, span.process_id.as_deref()) {
                (Some(process), _) => process_resource(Some(process), out),
                (None, id) => {
                    let id = id.unwrap_or("");
                    match resources.get(id) {
                        Some(&resource) => resource,
                        None => {
                            let resource = process_resource(trace.processes.get(id), out);
                            resources.insert(id, resource);
                            resource
                        }
                    }
                }
            };
            convert_span(span, resource, scope, out, || format!("data[{t}].spans[{i}]"));
        }
    }
}

fn process_resource(process: Option<&Process<'_>>, out: &mut Builder<'_>) -> (u32, Sym) {
    let service = process.map(|p| &*p.service_name);
    let mut attributes = Vec::new();
    if let Some(name) = service.filter(|s| !s.is_empty()) {
        let key = out.intern("service.name");
        attributes.push(Attribute {
            key,
            value: AttrValue::Str(out.intern(name)),
        });
    }
    for tag in process.and_then(|p| p.tags.as_deref()).unwrap_or_default() {
        let value = convert_tag_value(tag, out);
        attributes.push(Attribute {
            key: out.intern(&tag.key),
            value,
        });
    }
    out.resource(service, attributes, 0)
}

fn convert_span(
    span: &WireSpan<'_>,
    resource: (u32, Sym),
    scope: u32,
    out: &mut Builder<'_>,
    place: impl Fn() -> String,
) {
    out.span_read();
    let Some((trace_id, trace_repair)) = parse_trace_id(&span.trace_id) else {
        out.reject(RejectReason::InvalidTraceId, || {
            format!("{}: traceID is missing or zero", place())
        });
        return;
    };
    let Some((span_id, span_repair)) = parse_span_id(&span.span_id) else {
        out.reject(RejectReason::InvalidSpanId, || {
            format!("{}: spanID is missing or zero", place())
        });
        return;
    };
    let (Some(start), Some(duration)) = (span.start_time.checked_mul(1000), span.duration.checked_mul(1000)) else {
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
    let references = span.references.as_deref().unwrap_or_default();
    let parent_reference = parent_reference(span, references);
    let mut worst_repair = trace_repair.max(span_repair);
    let parent_span_id = match parent_reference {
        Some(ParentRef::Reference(i)) => references
            .get(i)
            .and_then(|r| reference_span_id(&r.span_id, &mut worst_repair)),
        Some(ParentRef::Legacy(text)) => reference_span_id(text, &mut worst_repair),
        None => None,
    };
    // Every other reference (FOLLOWS_FROM, or into another trace) becomes a link.
    let mut links = Vec::new();
    for (i, reference) in references.iter().enumerate() {
        if parent_reference == Some(ParentRef::Reference(i)) {
            continue;
        }
        let ids = (parse_trace_id(&reference.trace_id), parse_span_id(&reference.span_id));
        let (Some((link_trace, r1)), Some((link_span, r2))) = ids else {
            out.warn(WarningKind::InvalidLink);
            continue;
        };
        worst_repair = worst_repair.max(r1).max(r2);
        let key = out.intern("jaeger.ref_type");
        let value = AttrValue::Str(out.intern(&reference.ref_type));
        links.push(LinkFields {
            trace_id: link_trace,
            span_id: link_span,
            trace_state: None,
            attributes: vec![Attribute { key, value }],
        });
    }
    // One warning per span, for the most drastic repair among its IDs.
    note_repair(worst_repair, out);
    if span.warnings.as_ref().is_some_and(|w| !w.is_empty()) {
        out.warn(WarningKind::ProducerWarnings);
    }

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
                status = if s == "true" { StatusCode::Error } else { status };
            }
            ("otel.status_code", TagValue::Str(code)) if code == "ERROR" => status = StatusCode::Error,
            ("otel.status_code", TagValue::Str(code)) if code == "OK" && status != StatusCode::Error => {
                status = StatusCode::Ok;
            }
            ("otel.status_description", TagValue::Str(message)) => status_message = Some(out.intern(message)),
            _ => {
                let value = convert_tag_value(tag, out);
                let key = out.intern(&tag.key);
                attributes.push(Attribute { key, value });
            }
        }
    }
    let events = span.logs.iter().flatten().map(|log| convert_log(log, out)).collect();
    let name = out.intern(&span.operation_name);
    let start = TimestampNs(start);
    out.keep(SpanFields {
        trace_id,
        span_id,
        parent_span_id,
        resource: Some(resource),
        scope: Some(scope),
        name,
        kind,
        start,
        end: start.saturating_add(DurationNs(duration)),
        status,
        status_message,
        attributes,
        events,
        links,
        trace_state: None,
        trace_flags: (span.flags & 0xFF) as u8,
        dropped: DroppedCounts::default(),
    });
}

/// Which reference, if any, names the parent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ParentRef<'s> {
    /// `references[i]`.
    Reference(usize),
    /// The legacy `parentSpanID` field.
    Legacy(&'s str),
}

/// The parent: the first CHILD_OF reference within the same trace, else the
/// first reference within the same trace (FOLLOWS_FROM), else the legacy
/// `parentSpanID` field. A reference into another trace is a link, never a parent.
fn parent_reference<'s>(span: &'s WireSpan<'_>, references: &[Reference<'_>]) -> Option<ParentRef<'s>> {
    let same_trace = |r: &Reference<'_>| r.trace_id.is_empty() || same_id(&r.trace_id, &span.trace_id);
    references
        .iter()
        .position(|r| r.ref_type == "CHILD_OF" && same_trace(r))
        .or_else(|| references.iter().position(same_trace))
        .map(ParentRef::Reference)
        .or_else(|| span.parent_span_id.as_deref().map(ParentRef::Legacy))
}

/// Equal IDs, ignoring case and stripped leading zeros.
fn same_id(a: &str, b: &str) -> bool {
    parse_trace_id(a).map(|(id, _)| id) == parse_trace_id(b).map(|(id, _)| id)
}

/// A parent span ID; all zeros or empty means none (`parse_span_id` says so).
fn reference_span_id(text: &str, worst_repair: &mut IdRepair) -> Option<crate::ids::SpanId> {
    let (id, repair) = parse_span_id(text)?;
    *worst_repair = (*worst_repair).max(repair);
    Some(id)
}

/// A Jaeger log becomes an event named by its `event` field (OpenTelemetry's mapping).
fn convert_log(log: &Log<'_>, out: &mut Builder<'_>) -> EventFields {
    let mut name = None;
    let mut attributes = Vec::new();
    for field in log.fields.iter().flatten() {
        match (&*field.key, &field.value) {
            ("event", TagValue::Str(event)) if name.is_none() => name = Some(out.intern(event)),
            _ => {
                let value = convert_tag_value(field, out);
                attributes.push(Attribute {
                    key: out.intern(&field.key),
                    value,
                });
            }
        }
    }
    EventFields {
        time: TimestampNs(log.timestamp.saturating_mul(1000)),
        name: name.unwrap_or_else(|| out.intern("log")),
        attributes,
    }
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
        ("int64", TagValue::Str(s)) if s.parse::<i64>().is_ok() => AttrValue::Int(s.parse().unwrap_or_default()),
        ("float64", TagValue::Str(s)) if s.parse::<f64>().is_ok() => AttrValue::Double(s.parse().unwrap_or_default()),
        ("binary", TagValue::Str(s)) => match base64::engine::general_purpose::STANDARD.decode(s.as_bytes()) {
            Ok(bytes) => AttrValue::Bytes(bytes.into()),
            Err(_) => {
                out.warn(WarningKind::UndecodableAttribute);
                AttrValue::Str(out.intern(s))
            }
        },
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

/// The serde reader's lenient `u64` (a number or a decimal string; `null` reads as 0).
pub(crate) fn u64_from_number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    use serde::de::{self, Visitor};
    struct V;
    impl Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a non-negative integer, as a number or a string")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("expected a non-negative integer, found {v}")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            if v.fract() == 0.0 && (0.0..1.8446744073709552e19).contains(&v) {
                Ok(v as u64)
            } else {
                Err(E::custom(format!("expected a non-negative integer, found {v}")))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            if v.is_empty() {
                return Ok(0);
            }
            v.parse()
                .map_err(|_| E::custom(format!("expected a non-negative integer, found \"{v}\"")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
            Ok(0)
        }
    }
    d.deserialize_any(V)
}

/// Reads `bytes` the old way: the document first, then the conversion.
pub(crate) fn import(name: &str, bytes: &[u8], out: &mut Builder<'_>) -> Result<(), crate::import::ImportError> {
    let format = crate::import::Format::JaegerJson;
    let starts_with_list = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let doc = if starts_with_list {
        Document::List(parse_json(name, format, bytes)?)
    } else {
        Document::Object(parse_json(name, format, bytes)?)
    };
    convert(doc, out);
    Ok(())
}

fn parse_json<'a, T: Deserialize<'a>>(
    name: &str,
    format: crate::import::Format,
    bytes: &'a [u8],
) -> Result<T, crate::import::ImportError> {
    serde_json::from_slice(bytes).map_err(|error| {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let path = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
            Err(traced) => traced.path().to_string(),
            Ok(_) => String::new(),
        };
        crate::import::ImportError::malformed(name, format, &error, path)
    })
}
