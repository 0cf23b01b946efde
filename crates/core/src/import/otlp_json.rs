//! OTLP/JSON: `TracesData` / `ExportTraceServiceRequest` as the OpenTelemetry
//! protocol specifies its JSON encoding (hex IDs, integer enums, 64-bit
//! integers as strings), plus the spellings real tools write: enum names,
//! numbers for 64-bit integers, and Tempo's older `batches` /
//! `instrumentationLibrarySpans` names.

use super::builder::{Builder, SpanFields};
use super::lenient::{
    IntOrName, f64_from_number_or_string, i64_from_number_or_string, u64_from_number_or_string,
};
use super::{RejectReason, WarningKind};
use crate::ids::{SpanId, TraceId, parse_strict_hex};
use crate::model::{AttrValue, Attribute, SpanKind, StatusCode};
use crate::time::TimestampNs;
use base64::Engine as _;
use serde::Deserialize;
use std::borrow::Cow;

// ---- wire types: mirror the JSON exactly, private to this importer ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TracesData<'a> {
    #[serde(borrow, default, alias = "batches", alias = "resource_spans")]
    resource_spans: Vec<ResourceSpans<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpans<'a> {
    #[serde(borrow, default)]
    resource: Option<Resource<'a>>,
    #[serde(
        borrow,
        default,
        alias = "instrumentationLibrarySpans",
        alias = "scope_spans"
    )]
    scope_spans: Vec<ScopeSpans<'a>>,
}

#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
struct ScopeSpans<'a> {
    #[serde(borrow, default)]
    spans: Vec<WireSpan<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSpan<'a> {
    #[serde(borrow, default, alias = "trace_id")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, alias = "span_id")]
    span_id: Cow<'a, str>,
    #[serde(borrow, default, alias = "parent_span_id")]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    kind: IntOrName<'a>,
    #[serde(
        default,
        deserialize_with = "u64_from_number_or_string",
        alias = "start_time_unix_nano"
    )]
    start_time_unix_nano: u64,
    #[serde(
        default,
        deserialize_with = "u64_from_number_or_string",
        alias = "end_time_unix_nano"
    )]
    end_time_unix_nano: u64,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
    #[serde(borrow, default)]
    status: Option<Status<'a>>,
}

#[derive(Deserialize)]
struct Status<'a> {
    #[serde(borrow, default)]
    code: IntOrName<'a>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct KeyValue<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow, default)]
    value: Option<AnyValue<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnyValue<'a> {
    #[serde(borrow, default)]
    string_value: Option<Cow<'a, str>>,
    #[serde(default)]
    bool_value: Option<bool>,
    #[serde(default, deserialize_with = "opt_i64")]
    int_value: Option<i64>,
    #[serde(default, deserialize_with = "opt_f64")]
    double_value: Option<f64>,
    #[serde(borrow, default)]
    array_value: Option<ArrayValue<'a>>,
    #[serde(borrow, default)]
    kvlist_value: Option<KeyValueList<'a>>,
    #[serde(borrow, default)]
    bytes_value: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ArrayValue<'a> {
    #[serde(borrow, default)]
    values: Vec<AnyValue<'a>>,
}

#[derive(Deserialize)]
struct KeyValueList<'a> {
    #[serde(borrow, default)]
    values: Vec<KeyValue<'a>>,
}

fn opt_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    i64_from_number_or_string(d).map(Some)
}

fn opt_f64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    f64_from_number_or_string(d).map(Some)
}

// ---- conversion into the model ----

/// Adds the spans of a parsed document to the builder's set.
pub(super) fn convert(doc: TracesData<'_>, out: &mut Builder<'_>) {
    for (r, resource_spans) in doc.resource_spans.iter().enumerate() {
        let resource_attributes = resource_spans
            .resource
            .as_ref()
            .map_or(&[][..], |r| &r.attributes[..]);
        let service = resource_attributes
            .iter()
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref()?.string_value.as_deref())
            .filter(|name| !name.is_empty());
        let service_sym = out.intern(service.unwrap_or(super::UNKNOWN_SERVICE));
        for (s, scope_spans) in resource_spans.scope_spans.iter().enumerate() {
            for (i, span) in scope_spans.spans.iter().enumerate() {
                let place = || format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}]");
                if service.is_none() {
                    out.warn(WarningKind::MissingServiceName);
                }
                convert_span(span, service_sym, out, place);
            }
        }
    }
}

fn convert_span(
    span: &WireSpan<'_>,
    service: crate::intern::Sym,
    out: &mut Builder<'_>,
    place: impl Fn() -> String,
) {
    out.span_read();
    let Some(trace_id) = parse_strict_hex(&span.trace_id, 32).filter(|&v| v != 0) else {
        out.reject(RejectReason::InvalidTraceId, || {
            format!(
                "{}: traceId \"{}\" is not 32 hex digits",
                place(),
                span.trace_id
            )
        });
        return;
    };
    let Some(span_id) = parse_strict_hex(&span.span_id, 16).filter(|&v| v != 0) else {
        out.reject(RejectReason::InvalidSpanId, || {
            format!(
                "{}: spanId \"{}\" is not 16 hex digits",
                place(),
                span.span_id
            )
        });
        return;
    };
    // An empty or all-zero parent means "root"; anything else must be a valid ID.
    let parent_span_id = match span.parent_span_id.as_deref() {
        None | Some("") => None,
        Some(text) => match parse_strict_hex(text, 16) {
            Some(0) => None,
            Some(v) => Some(SpanId(v as u64)),
            None => {
                out.reject(RejectReason::InvalidSpanId, || {
                    format!("{}: parentSpanId \"{text}\" is not 16 hex digits", place())
                });
                return;
            }
        },
    };
    let Some(kind) = span_kind(&span.kind) else {
        out.reject(RejectReason::InvalidSpanKind, || {
            format!(
                "{}: kind {} is not a span kind (0-5 or SPAN_KIND_*)",
                place(),
                span.kind
            )
        });
        return;
    };
    let (status, status_message) = match &span.status {
        Some(status) => (
            status_code(&status.code),
            status.message.as_deref().filter(|m| !m.is_empty()),
        ),
        None => (StatusCode::Unset, None),
    };
    let start = span.start_time_unix_nano;
    let end = span.end_time_unix_nano;
    let attributes: Vec<Attribute> = span
        .attributes
        .iter()
        .map(|kv| convert_key_value(kv, out))
        .collect();
    let status_message = status_message.map(|m| out.intern(m));
    let name = out.intern(&span.name);
    out.keep(SpanFields {
        trace_id: TraceId(trace_id),
        span_id: SpanId(span_id as u64),
        parent_span_id,
        service,
        name,
        kind,
        start: TimestampNs(start),
        end: TimestampNs(end),
        status,
        status_message,
        attributes,
    });
}

fn span_kind(kind: &IntOrName<'_>) -> Option<SpanKind> {
    match kind {
        IntOrName::Absent => Some(SpanKind::Unspecified),
        IntOrName::Int(v) => SpanKind::from_otlp(*v),
        IntOrName::Name(name) => {
            SpanKind::from_name(name.strip_prefix("SPAN_KIND_").unwrap_or(name))
        }
    }
}

fn status_code(code: &IntOrName<'_>) -> StatusCode {
    match code {
        IntOrName::Int(2) => StatusCode::Error,
        IntOrName::Int(1) => StatusCode::Ok,
        IntOrName::Name(name)
            if name.eq_ignore_ascii_case("STATUS_CODE_ERROR") || name == "ERROR" =>
        {
            StatusCode::Error
        }
        IntOrName::Name(name) if name.eq_ignore_ascii_case("STATUS_CODE_OK") || name == "OK" => {
            StatusCode::Ok
        }
        _ => StatusCode::Unset,
    }
}

fn convert_key_value(kv: &KeyValue<'_>, out: &mut Builder<'_>) -> Attribute {
    let key = out.intern(&kv.key);
    let value = match &kv.value {
        Some(value) => convert_any_value(value, out),
        None => AttrValue::Str(out.intern("")),
    };
    Attribute { key, value }
}

fn convert_any_value(value: &AnyValue<'_>, out: &mut Builder<'_>) -> AttrValue {
    if let Some(s) = &value.string_value {
        return AttrValue::Str(out.intern(s));
    }
    if let Some(b) = value.bool_value {
        return AttrValue::Bool(b);
    }
    if let Some(i) = value.int_value {
        return AttrValue::Int(i);
    }
    if let Some(d) = value.double_value {
        return AttrValue::Double(d);
    }
    if let Some(array) = &value.array_value {
        return AttrValue::Array(
            array
                .values
                .iter()
                .map(|v| convert_any_value(v, out))
                .collect(),
        );
    }
    if let Some(list) = &value.kvlist_value {
        return AttrValue::Map(
            list.values
                .iter()
                .map(|kv| convert_key_value(kv, out))
                .collect(),
        );
    }
    if let Some(text) = &value.bytes_value {
        return match base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
            Ok(bytes) => AttrValue::Bytes(bytes.into()),
            Err(_) => {
                out.warn(WarningKind::UndecodableAttribute);
                AttrValue::Str(out.intern(text))
            }
        };
    }
    // `{}`: an empty AnyValue, which OTLP allows.
    AttrValue::Str(out.intern(""))
}
