//! OTLP/JSON: `TracesData` / `ExportTraceServiceRequest` as the OpenTelemetry
//! protocol specifies its JSON encoding (hex IDs, integer enums, 64-bit
//! integers as strings), plus the spellings real tools write:
//! - protobuf's default JSON mapping: base64 IDs and enum names (accepted, and
//!   counted as warnings because the file does not follow OTLP/JSON);
//! - numbers for 64-bit integers, snake_case field names;
//! - Tempo's `{"batches": [...]}` with the older `instrumentationLibrarySpans` /
//!   `instrumentationLibrary` names;
//! - Jaeger query api_v3's `{"result": {"resourceSpans": [...]}}`.

use super::builder::{Builder, EventFields, LinkFields, SpanFields};
use super::lenient::{IntOrName, f64_from_number_or_string, i64_from_number_or_string, u64_from_number_or_string};
use super::otlp_common::{span_kind, status_code};
use super::{RejectReason, WarningKind};
use crate::ids::{IdEncoding, SpanId, TraceId, parse_otlp_id};
use crate::model::{AttrValue, Attribute, DroppedCounts};
use crate::time::TimestampNs;
use base64::Engine as _;
use serde::Deserialize;
use std::borrow::Cow;

// ---- wire types: mirror the JSON exactly, private to this importer ----

/// A whole document: `TracesData`, Tempo's `batches`, or api_v3's `result` wrapper.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TracesData<'a> {
    #[serde(borrow, default, alias = "batches", alias = "resource_spans")]
    resource_spans: Vec<ResourceSpans<'a>>,
    #[serde(borrow, default)]
    result: Option<Box<TracesData<'a>>>,
    // Present on the log and metric lines of a Collector file-exporter dump.
    #[serde(default, alias = "resource_logs")]
    resource_logs: Option<serde::de::IgnoredAny>,
    #[serde(default, alias = "resource_metrics")]
    resource_metrics: Option<serde::de::IgnoredAny>,
}

/// What a parsed document holds, for JSON Lines to count lines without spans.
pub(super) enum Content {
    Spans,
    Logs,
    Metrics,
    Nothing,
}

impl TracesData<'_> {
    pub(super) fn content(&self) -> Content {
        if !self.resource_spans.is_empty() || self.result.is_some() {
            Content::Spans
        } else if self.resource_logs.is_some() {
            Content::Logs
        } else if self.resource_metrics.is_some() {
            Content::Metrics
        } else {
            Content::Nothing
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpans<'a> {
    #[serde(borrow, default)]
    resource: Option<Resource<'a>>,
    #[serde(borrow, default, alias = "instrumentationLibrarySpans", alias = "scope_spans")]
    scope_spans: Vec<ScopeSpans<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resource<'a> {
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
    #[serde(default, alias = "dropped_attributes_count")]
    dropped_attributes_count: u32,
}

#[derive(Deserialize)]
struct ScopeSpans<'a> {
    #[serde(borrow, default, alias = "instrumentationLibrary")]
    scope: Option<InstrumentationScope<'a>>,
    #[serde(borrow, default)]
    spans: Vec<WireSpan<'a>>,
}

#[derive(Deserialize)]
struct InstrumentationScope<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    version: Cow<'a, str>,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSpan<'a> {
    #[serde(borrow, default, alias = "trace_id")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, alias = "span_id")]
    span_id: Cow<'a, str>,
    #[serde(borrow, default, alias = "trace_state")]
    trace_state: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "parent_span_id")]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(default)]
    flags: u32,
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
    #[serde(default, alias = "dropped_attributes_count")]
    dropped_attributes_count: u32,
    #[serde(borrow, default)]
    events: Vec<WireEvent<'a>>,
    #[serde(default, alias = "dropped_events_count")]
    dropped_events_count: u32,
    #[serde(borrow, default)]
    links: Vec<WireLink<'a>>,
    #[serde(default, alias = "dropped_links_count")]
    dropped_links_count: u32,
    #[serde(borrow, default)]
    status: Option<Status<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent<'a> {
    #[serde(default, deserialize_with = "u64_from_number_or_string", alias = "time_unix_nano")]
    time_unix_nano: u64,
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLink<'a> {
    #[serde(borrow, default, alias = "trace_id")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, alias = "span_id")]
    span_id: Cow<'a, str>,
    #[serde(borrow, default, alias = "trace_state")]
    trace_state: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
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
    #[serde(borrow, default, alias = "string_value")]
    string_value: Option<Cow<'a, str>>,
    #[serde(default, alias = "bool_value")]
    bool_value: Option<bool>,
    #[serde(default, deserialize_with = "opt_i64", alias = "int_value")]
    int_value: Option<i64>,
    #[serde(default, deserialize_with = "opt_f64", alias = "double_value")]
    double_value: Option<f64>,
    #[serde(borrow, default, alias = "array_value")]
    array_value: Option<ArrayValue<'a>>,
    #[serde(borrow, default, alias = "kvlist_value")]
    kvlist_value: Option<KeyValueList<'a>>,
    #[serde(borrow, default, alias = "bytes_value")]
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

/// Adds the spans of a parsed document to the builder's set. `line` is the
/// 1-based line for JSON Lines, so rejection examples say where.
pub(super) fn convert(doc: TracesData<'_>, out: &mut Builder<'_>, line: Option<usize>) {
    let at = |path: String| match line {
        Some(line) => format!("line {line}: {path}"),
        None => path,
    };
    if let Some(inner) = doc.result {
        convert(*inner, out, line);
    }
    for (r, resource_spans) in doc.resource_spans.iter().enumerate() {
        let (resource_attributes, dropped) = match &resource_spans.resource {
            Some(resource) => (&resource.attributes[..], resource.dropped_attributes_count),
            None => (&[][..], 0),
        };
        let service = resource_attributes
            .iter()
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref()?.string_value.as_deref());
        let attributes = convert_key_values(resource_attributes, out);
        let resource = out.resource(service, attributes, dropped);
        for (s, scope_spans) in resource_spans.scope_spans.iter().enumerate() {
            let scope = match &scope_spans.scope {
                Some(scope) => {
                    let attributes = convert_key_values(&scope.attributes, out);
                    out.scope(&scope.name, &scope.version, attributes)
                }
                None => out.no_scope(),
            };
            for (i, span) in scope_spans.spans.iter().enumerate() {
                let place = || at(format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}]"));
                convert_span(span, resource, scope, out, place);
            }
        }
    }
}

fn convert_span(
    span: &WireSpan<'_>,
    resource: (u32, crate::intern::Sym),
    scope: u32,
    out: &mut Builder<'_>,
    place: impl Fn() -> String,
) {
    out.span_read();
    let mut base64 = false;
    let Some(trace_id) = decode_id(&span.trace_id, 16, &mut base64) else {
        out.reject(RejectReason::InvalidTraceId, || {
            format!(
                "{}: traceId \"{}\" is neither 32 hex digits nor base64 of 16 bytes",
                place(),
                span.trace_id
            )
        });
        return;
    };
    let Some(span_id) = decode_id(&span.span_id, 8, &mut base64).and_then(|v| SpanId::new(v as u64)) else {
        out.reject(RejectReason::InvalidSpanId, || {
            format!(
                "{}: spanId \"{}\" is neither 16 hex digits nor base64 of 8 bytes",
                place(),
                span.span_id
            )
        });
        return;
    };
    // An empty or all-zero parent means "root"; anything else must be a valid ID.
    let parent_span_id = match span.parent_span_id.as_deref() {
        None | Some("") => None,
        Some(text) => match decode_id(text, 8, &mut base64) {
            Some(v) => SpanId::new(v as u64),
            None => {
                out.reject(RejectReason::InvalidSpanId, || {
                    format!(
                        "{}: parentSpanId \"{text}\" is neither 16 hex digits nor base64 of 8 bytes",
                        place()
                    )
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
    let status_code_value = span.status.as_ref().map_or(&IntOrName::Absent, |s| &s.code);
    if matches!(span.kind, IntOrName::Name(_)) || matches!(status_code_value, IntOrName::Name(_)) {
        out.warn(WarningKind::EnumNames);
    }
    let mut links = Vec::with_capacity(span.links.len());
    for link in &span.links {
        let ids = (
            decode_id(&link.trace_id, 16, &mut base64),
            decode_id(&link.span_id, 8, &mut base64).and_then(|v| SpanId::new(v as u64)),
        );

        let (Some(trace_id), Some(span_id)) = ids else {
            // A bad link does not make the span unusable: drop the link, say so.
            out.warn(WarningKind::InvalidLink);
            continue;
        };
        let attributes = convert_key_values(&link.attributes, out);
        let trace_state = link
            .trace_state
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(|t| out.intern(t));
        links.push(LinkFields {
            trace_id: TraceId(trace_id),
            span_id,
            trace_state,
            attributes,
        });
    }
    if base64 {
        out.warn(WarningKind::Base64Ids);
    }
    let events = span
        .events
        .iter()
        .map(|event| EventFields {
            time: TimestampNs(event.time_unix_nano),
            name: out.intern(&event.name),
            attributes: convert_key_values(&event.attributes, out),
        })
        .collect();
    let status_message = span
        .status
        .as_ref()
        .and_then(|s| s.message.as_deref())
        .filter(|m| !m.is_empty())
        .map(|m| out.intern(m));
    let trace_state = span
        .trace_state
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| out.intern(t));
    let fields = SpanFields {
        trace_id: TraceId(trace_id),
        span_id,
        parent_span_id,
        resource,
        scope,
        name: out.intern(&span.name),
        kind,
        start: TimestampNs(span.start_time_unix_nano),
        end: TimestampNs(span.end_time_unix_nano),
        status: status_code(status_code_value),
        status_message,
        attributes: convert_key_values(&span.attributes, out),
        events,
        links,
        trace_state,
        // The low byte holds the W3C trace flags; bits 8-9 say whether the parent is remote.
        trace_flags: (span.flags & 0xFF) as u8,
        dropped: DroppedCounts {
            attributes: span.dropped_attributes_count,
            events: span.dropped_events_count,
            links: span.dropped_links_count,
        },
    };
    out.keep(fields);
}

/// Decodes an ID of `bytes` bytes, noting when it was base64 rather than hex.
fn decode_id(text: &str, bytes: usize, base64: &mut bool) -> Option<u128> {
    let (value, encoding) = parse_otlp_id(text, bytes)?;
    *base64 |= encoding == IdEncoding::Base64;
    // The all-zero trace or span ID is invalid in OTLP; a zero parent is handled by the caller.
    (value != 0 || bytes == 8).then_some(value)
}

fn convert_key_values(key_values: &[KeyValue<'_>], out: &mut Builder<'_>) -> Vec<Attribute> {
    key_values.iter().map(|kv| convert_key_value(kv, out)).collect()
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
        return AttrValue::Array(Box::new(
            array.values.iter().map(|v| convert_any_value(v, out)).collect(),
        ));
    }
    if let Some(list) = &value.kvlist_value {
        return AttrValue::Map(Box::new(
            list.values.iter().map(|kv| convert_key_value(kv, out)).collect(),
        ));
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
