//! The serde-based OTLP/JSON reader that the scanning one replaced, kept
//! (tests only) to check the new reader against while it settles.
#![allow(dead_code, missing_docs)]

//! OTLP/JSON: `TracesData` / `ExportTraceServiceRequest` as the OpenTelemetry
//! protocol specifies its JSON encoding (hex IDs, integer enums, 64-bit
//! integers as strings), plus the spellings real tools write:
//! - protobuf's default JSON mapping: base64 IDs and enum names (accepted, and
//!   counted as warnings because the file does not follow OTLP/JSON);
//! - numbers for 64-bit integers, snake_case field names;
//! - Tempo's `{"batches": [...]}` with the older `instrumentationLibrarySpans` /
//!   `instrumentationLibrary` names;
//! - Jaeger query api_v3's `{"result": {"resourceSpans": [...]}}`.

use crate::import::builder::{Builder, EventFields, LinkFields, SpanFields};
use crate::import::lenient::u64_from_number_or_string;
use crate::import::otlp_common::{span_kind, status_code};
use serde::de::{self, Deserializer};

fn common<'a>(v: &IntOrName<'a>) -> crate::import::otlp_common::IntOrName<'a> {
    match v {
        IntOrName::Absent => crate::import::otlp_common::IntOrName::Absent,
        IntOrName::Int(i) => crate::import::otlp_common::IntOrName::Int(*i),
        IntOrName::Name(n) => crate::import::otlp_common::IntOrName::Name(n.clone()),
    }
}
use crate::ids::{IdEncoding, SpanId, TraceId, parse_otlp_id};
use crate::import::{RejectReason, WarningKind};
use crate::model::{AttrValue, Attribute, DroppedCounts};
use crate::time::TimestampNs;
use base64::Engine as _;
use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

// ---- wire types: mirror the JSON exactly, private to this importer ----

/// A whole document: `TracesData`, Tempo's `batches`, or api_v3's `result`
/// wrapper. Import streams through [`stream`]; this typed form is parsed only
/// when that fails, to name the JSON path of the error.
#[derive(Deserialize)]
#[allow(dead_code)] // read by serde only
#[serde(rename_all = "camelCase")]
pub(crate) struct TracesData<'a> {
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
pub(crate) enum Content {
    Spans,
    Logs,
    Metrics,
    Nothing,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // read by serde only
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
#[allow(dead_code)] // read by serde only
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
    trace_id: RawStr<'a>,
    #[serde(borrow, default, alias = "span_id")]
    span_id: RawStr<'a>,
    #[serde(borrow, default, alias = "trace_state")]
    trace_state: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "parent_span_id")]
    parent_span_id: Option<RawStr<'a>>,
    #[serde(default)]
    flags: u32,
    #[serde(borrow, default)]
    name: RawStr<'a>,
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
    name: RawStr<'a>,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLink<'a> {
    #[serde(borrow, default, alias = "trace_id")]
    trace_id: RawStr<'a>,
    #[serde(borrow, default, alias = "span_id")]
    span_id: RawStr<'a>,
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
    key: RawStr<'a>,
    #[serde(borrow, default)]
    value: Option<AnyValue<'a>>,
}

/// One `AnyValue`: an object with one of `stringValue`, `boolValue`,
/// `intValue`, `doubleValue`, `arrayValue`, `kvlistValue`, `bytesValue` (or
/// none, which OTLP allows). An enum rather than a struct of seven options: it
/// is parsed for every attribute, so its size matters.
enum AnyValue<'a> {
    Empty,
    Str(RawStr<'a>),
    Bool(bool),
    Int(i64),
    Double(f64),
    Array(Vec<AnyValue<'a>>),
    KvList(Vec<KeyValue<'a>>),
    Bytes(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for AnyValue<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an AnyValue object such as {\"stringValue\": \"...\"}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut value = AnyValue::Empty;
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    value = match &*key {
                        "stringValue" | "string_value" => AnyValue::Str(map.next_value()?),
                        "boolValue" | "bool_value" => AnyValue::Bool(map.next_value()?),
                        "intValue" | "int_value" => AnyValue::Int(map.next_value::<LenientI64>()?.0),
                        "doubleValue" | "double_value" => AnyValue::Double(map.next_value::<LenientF64>()?.0),
                        "arrayValue" | "array_value" => AnyValue::Array(map.next_value::<ArrayValue<'de>>()?.values),
                        "kvlistValue" | "kvlist_value" => {
                            AnyValue::KvList(map.next_value::<KeyValueList<'de>>()?.values)
                        }
                        "bytesValue" | "bytes_value" => AnyValue::Bytes(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            value
                        }
                    };
                }
                Ok(value)
            }
        }
        d.deserialize_map(V)
    }
}

/// A JSON string taken as raw bytes: serde_json then skips its UTF-8 check,
/// which [`Builder::intern_raw`] does once per distinct string instead of once
/// per occurrence. IDs never need it: they are hex or base64.
#[derive(Default)]
struct RawStr<'a>(Cow<'a, [u8]>);

impl fmt::Display for RawStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawStr<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(RawStr(Cow::Borrowed(v)))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(RawStr(Cow::Owned(v.to_vec())))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(RawStr(Cow::Borrowed(v.as_bytes())))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawStr(Cow::Owned(v.as_bytes().to_vec())))
            }
        }
        // For JSON strings serde_json hands out the bytes between the quotes
        // (escapes resolved) without validating them.
        d.deserialize_bytes(V)
    }
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

// ---- conversion into the model ----

/// Reads one OTLP/JSON document from `bytes` straight into the builder, span
/// by span, without first building the document in memory: the wire structs
/// of one span at a time are all that exists. `line` is the 1-based line for
/// JSON Lines, so rejection examples say where.
///
/// On error, spans before the failure were already added: the caller restores
/// the builder (see [`Builder::abandon`], [`Builder::restore`]).
pub(crate) fn stream(bytes: &[u8], out: &mut Builder<'_>, line: Option<usize>) -> Result<Content, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let content = Document { out, line }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(content)
}

/// `TracesData`, or api_v3's `{"result": TracesData}`.
struct Document<'b, 's> {
    out: &'b mut Builder<'s>,
    line: Option<usize>,
}

impl<'de> DeserializeSeed<'de> for Document<'_, '_> {
    type Value = Content;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Content, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document<'_, '_> {
    type Value = Content;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OTLP TracesData object")
    }
    fn visit_unit<E>(self) -> Result<Content, E> {
        Ok(Content::Nothing)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Content, A::Error> {
        let Document { out, line } = self;
        let mut content = Content::Nothing;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "resourceSpans" | "resource_spans" | "batches" => {
                    if map.next_value_seed(ResourceSpansList { out: &mut *out, line })? > 0 {
                        content = Content::Spans;
                    }
                }
                "result" => {
                    map.next_value_seed(Document { out: &mut *out, line })?;
                    content = Content::Spans;
                }
                "resourceLogs" | "resource_logs" => {
                    map.next_value::<IgnoredAny>()?;
                    if matches!(content, Content::Nothing) {
                        content = Content::Logs;
                    }
                }
                "resourceMetrics" | "resource_metrics" => {
                    map.next_value::<IgnoredAny>()?;
                    if matches!(content, Content::Nothing) {
                        content = Content::Metrics;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(content)
    }
}

/// The `resourceSpans` list; its value is how many entries it had.
struct ResourceSpansList<'b, 's> {
    out: &'b mut Builder<'s>,
    line: Option<usize>,
}

impl<'de> DeserializeSeed<'de> for ResourceSpansList<'_, '_> {
    type Value = usize;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResourceSpansList<'_, '_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of ResourceSpans")
    }
    fn visit_unit<E>(self) -> Result<usize, E> {
        Ok(0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut r = 0;
        while seq
            .next_element_seed(ResourceSpansSeed {
                out: &mut *self.out,
                line: self.line,
                r,
            })?
            .is_some()
        {
            r += 1;
        }
        Ok(r)
    }
}

/// One `ResourceSpans`. Its `resource` may come before or after its spans
/// (JSON objects are unordered), so spans read before it are given it at the end.
struct ResourceSpansSeed<'b, 's> {
    out: &'b mut Builder<'s>,
    line: Option<usize>,
    r: usize,
}

impl<'de> DeserializeSeed<'de> for ResourceSpansSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResourceSpansSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ResourceSpans object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ResourceSpansSeed { out, line, r } = self;
        let first_span = out.span_count();
        let mut resource = None;
        let mut next_scope_index = 0;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "resource" => {
                    let wire = map.next_value::<Option<Resource<'de>>>()?;
                    resource = Some(make_resource(wire.as_ref(), out));
                }
                "scopeSpans" | "instrumentationLibrarySpans" | "scope_spans" => {
                    let list = ScopeSpansList {
                        out: &mut *out,
                        line,
                        r,
                        resource,
                        next_index: next_scope_index,
                    };
                    next_scope_index = map.next_value_seed(list)?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let resource = match resource {
            Some(resource) => resource,
            None => make_resource(None, out),
        };
        out.assign_resource(first_span, resource);
        Ok(())
    }
}

fn make_resource(wire: Option<&Resource<'_>>, out: &mut Builder<'_>) -> (u32, crate::intern::Sym) {
    let (attributes, dropped) = wire.map_or((&[][..], 0), |r| (&r.attributes[..], r.dropped_attributes_count));
    let service = attributes
        .iter()
        .find(|kv| &*kv.key.0 == b"service.name")
        .and_then(|kv| match &kv.value {
            Some(AnyValue::Str(name)) => Some(String::from_utf8_lossy(&name.0)),
            _ => None,
        });
    let converted = convert_key_values(attributes, out);
    out.resource(service.as_deref(), converted, dropped)
}

/// A `scopeSpans` list; its value is the index the next entry would have.
struct ScopeSpansList<'b, 's> {
    out: &'b mut Builder<'s>,
    line: Option<usize>,
    r: usize,
    resource: Option<(u32, crate::intern::Sym)>,
    next_index: usize,
}

impl<'de> DeserializeSeed<'de> for ScopeSpansList<'_, '_> {
    type Value = usize;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScopeSpansList<'_, '_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of ScopeSpans")
    }
    fn visit_unit<E>(self) -> Result<usize, E> {
        Ok(self.next_index)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut s = self.next_index;
        loop {
            let seed = ScopeSpansSeed {
                out: &mut *self.out,
                line: self.line,
                r: self.r,
                s,
                resource: self.resource,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(s);
            }
            s += 1;
        }
    }
}

/// One `ScopeSpans`; like the resource, its `scope` may follow its spans.
struct ScopeSpansSeed<'b, 's> {
    out: &'b mut Builder<'s>,
    line: Option<usize>,
    r: usize,
    s: usize,
    resource: Option<(u32, crate::intern::Sym)>,
}

impl<'de> DeserializeSeed<'de> for ScopeSpansSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ScopeSpansSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ScopeSpans object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ScopeSpansSeed {
            out,
            line,
            r,
            s,
            resource,
        } = self;
        let first_span = out.span_count();
        let mut scope = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "scope" | "instrumentationLibrary" => {
                    let wire = map.next_value::<Option<InstrumentationScope<'de>>>()?;
                    scope = Some(match wire {
                        Some(wire) => {
                            let attributes = convert_key_values(&wire.attributes, out);
                            out.scope(&wire.name, &wire.version, attributes)
                        }
                        None => out.no_scope(),
                    });
                }
                "spans" => map.next_value_seed(SpanList {
                    out: &mut *out,
                    line,
                    r,
                    s,
                    resource,
                    scope,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let scope = match scope {
            Some(scope) => scope,
            None => out.no_scope(),
        };
        out.assign_scope(first_span, scope);
        Ok(())
    }
}

/// A `spans` list: each span is converted as soon as it is parsed.
struct SpanList<'b, 's> {
    out: &'b mut Builder<'s>,
    line: Option<usize>,
    r: usize,
    s: usize,
    resource: Option<(u32, crate::intern::Sym)>,
    scope: Option<u32>,
}

impl<'de> DeserializeSeed<'de> for SpanList<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SpanList<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of spans")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let SpanList {
            out,
            line,
            r,
            s,
            resource,
            scope,
        } = self;
        let mut i = 0;
        while let Some(span) = seq.next_element::<WireSpan<'de>>()? {
            let place = || {
                let path = format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}]");
                match line {
                    Some(line) => format!("line {line}: {path}"),
                    None => path,
                }
            };
            convert_span(&span, resource, scope, out, place);
            i += 1;
        }
        Ok(())
    }
}

fn convert_span(
    span: &WireSpan<'_>,
    resource: Option<(u32, crate::intern::Sym)>,
    scope: Option<u32>,
    out: &mut Builder<'_>,
    place: impl Fn() -> String,
) {
    out.span_read();
    let mut base64 = false;
    let Some(trace_id) = decode_id(&span.trace_id.0, 16, &mut base64) else {
        out.reject(RejectReason::InvalidTraceId, || {
            format!(
                "{}: traceId \"{}\" is neither 32 hex digits nor base64 of 16 bytes",
                place(),
                span.trace_id
            )
        });
        return;
    };
    let Some(span_id) = decode_id(&span.span_id.0, 8, &mut base64).and_then(|v| SpanId::new(v as u64)) else {
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
    let parent_span_id = match span.parent_span_id.as_ref().map(|p| &*p.0) {
        None | Some(b"") => None,
        Some(text) => match decode_id(text, 8, &mut base64) {
            Some(v) => SpanId::new(v as u64),
            None => {
                out.reject(RejectReason::InvalidSpanId, || {
                    format!(
                        "{}: parentSpanId \"{}\" is neither 16 hex digits nor base64 of 8 bytes",
                        place(),
                        String::from_utf8_lossy(text)
                    )
                });
                return;
            }
        },
    };
    let Some(kind) = span_kind(&common(&span.kind)) else {
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
            decode_id(&link.trace_id.0, 16, &mut base64),
            decode_id(&link.span_id.0, 8, &mut base64).and_then(|v| SpanId::new(v as u64)),
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
            name: out.intern_raw(&event.name.0),
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
        name: out.intern_raw(&span.name.0),
        kind,
        start: TimestampNs(span.start_time_unix_nano),
        end: TimestampNs(span.end_time_unix_nano),
        status: status_code(&common(status_code_value)),
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
fn decode_id(text: &[u8], bytes: usize, base64: &mut bool) -> Option<u128> {
    let (value, encoding) = parse_otlp_id(text, bytes)?;
    *base64 |= encoding == IdEncoding::Base64;
    // The all-zero trace or span ID is invalid in OTLP; a zero parent is handled by the caller.
    (value != 0 || bytes == 8).then_some(value)
}

fn convert_key_values(key_values: &[KeyValue<'_>], out: &mut Builder<'_>) -> Vec<Attribute> {
    key_values.iter().map(|kv| convert_key_value(kv, out)).collect()
}

fn convert_key_value(kv: &KeyValue<'_>, out: &mut Builder<'_>) -> Attribute {
    let key = out.intern_raw(&kv.key.0);
    let value = match &kv.value {
        Some(value) => convert_any_value(value, out),
        None => AttrValue::Str(out.intern("")),
    };
    Attribute { key, value }
}

fn convert_any_value(value: &AnyValue<'_>, out: &mut Builder<'_>) -> AttrValue {
    match value {
        AnyValue::Str(s) => AttrValue::Str(out.intern_raw(&s.0)),
        AnyValue::Bool(b) => AttrValue::Bool(*b),
        AnyValue::Int(i) => AttrValue::Int(*i),
        AnyValue::Double(d) => AttrValue::Double(*d),
        AnyValue::Array(values) => {
            AttrValue::Array(Box::new(values.iter().map(|v| convert_any_value(v, out)).collect()))
        }
        AnyValue::KvList(values) => {
            AttrValue::Map(Box::new(values.iter().map(|kv| convert_key_value(kv, out)).collect()))
        }
        AnyValue::Bytes(text) => match base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
            Ok(bytes) => AttrValue::Bytes(bytes.into()),
            Err(_) => {
                out.warn(WarningKind::UndecodableAttribute);
                AttrValue::Str(out.intern(text))
            }
        },
        // `{}`: an empty AnyValue, which OTLP allows.
        AnyValue::Empty => AttrValue::Str(out.intern("")),
    }
}

// ---- moved from lenient.rs: only the old reader used them ----

/// An `i64` from a number or a decimal string.
pub fn i64_from_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer, as a number or a string")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom(format!("integer {v} does not fit in 64 bits")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
            if v.fract() == 0.0 && v.abs() < 9.2e18 {
                Ok(v as i64)
            } else {
                Err(E::custom(format!("expected an integer, found {v}")))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            v.parse()
                .map_err(|_| E::custom(format!("expected an integer, found \"{v}\"")))
        }
    }
    d.deserialize_any(V)
}

/// An `f64` from a number or a string (protobuf JSON writes `"NaN"`, `"Infinity"`).
pub fn f64_from_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number, or a string holding one")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
            match v {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => v
                    .parse()
                    .map_err(|_| E::custom(format!("expected a number, found \"{v}\""))),
            }
        }
    }
    d.deserialize_any(V)
}

/// An enum written as its integer or as its protobuf name; kept raw so the
/// importer can reject one span for a bad value instead of failing the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum IntOrName<'a> {
    /// Not present.
    #[default]
    Absent,
    /// `2`
    Int(i64),
    /// `"SPAN_KIND_SERVER"`
    Name(std::borrow::Cow<'a, str>),
}

impl fmt::Display for IntOrName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrName::Absent => f.write_str("(absent)"),
            IntOrName::Int(v) => write!(f, "{v}"),
            IntOrName::Name(name) => write!(f, "\"{name}\""),
        }
    }
}

impl<'de: 'a, 'a> de::Deserialize<'de> for IntOrName<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IntOrName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an enum value, as an integer or a name")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IntOrName::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IntOrName::Int(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(IntOrName::Name(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IntOrName::Name(v.to_owned().into()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(IntOrName::Absent)
            }
        }
        d.deserialize_any(V)
    }
}

/// An `i64` that may be written as a string, as a type (for `next_value`).
pub struct LenientI64(pub i64);

impl<'de> de::Deserialize<'de> for LenientI64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        i64_from_number_or_string(d).map(LenientI64)
    }
}

/// An `f64` that may be written as a string, as a type (for `next_value`).
pub struct LenientF64(pub f64);

impl<'de> de::Deserialize<'de> for LenientF64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        f64_from_number_or_string(d).map(LenientF64)
    }
}
