//! The serde-based reader that the streaming one replaced, kept (tests
//! only) to check the new reader against: same files accepted, same model,
//! same report, same error messages. Below, its original documentation.
#![allow(dead_code, missing_docs, clippy::all)]
//!
//! Zipkin v2 JSON (`POST /api/v2/spans`, `GET /api/v2/trace/{id}`): a list of
//! spans or a single span object. Times are microseconds and may be missing
//! (spans reported before they finished). Tags are all strings.
//!
//! Two Zipkin habits need repair, and each repair is counted:
//! - A span may arrive in fragments (one with the timestamp, a later one with
//!   the duration or tags). Fragments with the same trace ID, span ID and local
//!   service, whose kinds and timestamps do not contradict each other, are
//!   merged into one span (the extra fragments are counted as rejected with
//!   reason `MergedFragment`, so read = kept + rejected still holds).
//! - An RPC's client and server halves may share one span ID, the server half
//!   marked `shared`; a message may even reach several consumers under one ID.
//!   The model needs one ID per span, so each server half gets a derived ID and
//!   becomes the client's child; spans that named the shared ID as parent and run
//!   in the server's service move under the (first) server half. Each split is
//!   counted as a `SharedSpanSplit` warning.
//!
//! Mapping follows OpenTelemetry's Zipkin mapping: `localEndpoint.serviceName`
//! is the service, the `error` tag an error status (its value the message),
//! annotations are events, the remote endpoint becomes `peer.service` and
//! `net.peer.*` attributes.

use crate::ids::{IdRepair, SpanId, TraceId, derived_span_id, parse_span_id, parse_trace_id};
use crate::import::builder::{Builder, EventFields, SpanFields};
use crate::import::{RejectReason, WarningKind};
use crate::intern::Sym;
use crate::model::{AttrValue, Attribute, DroppedCounts, SpanKind, StatusCode};
use crate::time::{DurationNs, TimestampNs};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

// ---- wire types: mirror the JSON exactly, private to this importer ----

/// A list of spans, or one span.
pub(crate) enum Document<'a> {
    List(Vec<WireSpan<'a>>),
    One(Box<WireSpan<'a>>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireSpan<'a> {
    #[serde(borrow, default)]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default)]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    parent_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "optional_u64")]
    timestamp: Option<u64>,
    #[serde(default, deserialize_with = "optional_u64")]
    duration: Option<u64>,
    #[serde(default)]
    shared: Option<bool>,
    #[serde(borrow, default)]
    local_endpoint: Option<Endpoint<'a>>,
    #[serde(borrow, default)]
    remote_endpoint: Option<Endpoint<'a>>,
    #[serde(borrow, default)]
    annotations: Option<Vec<Annotation<'a>>>,
    #[serde(borrow, default)]
    tags: Option<BTreeMap<Cow<'a, str>, Cow<'a, str>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Endpoint<'a> {
    #[serde(borrow, default)]
    service_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ipv4: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ipv6: Option<Cow<'a, str>>,
    #[serde(default)]
    port: Option<u16>,
}

#[derive(Deserialize)]
struct Annotation<'a> {
    #[serde(default, deserialize_with = "u64_from_number_or_string")]
    timestamp: u64,
    #[serde(borrow, default)]
    value: Cow<'a, str>,
}

fn optional_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    u64_from_number_or_string(d).map(Some)
}

// ---- conversion into the model ----

/// Adds the spans of a parsed document to the builder's set.
pub(crate) fn convert(doc: Document<'_>, out: &mut Builder<'_>) {
    let spans = match doc {
        Document::List(spans) => spans,
        Document::One(span) => vec![*span],
    };
    let spans = merge_fragments(spans, out);
    let splits = shared_splits(&spans);
    let scope = out.no_scope();
    let mut resources: HashMap<&str, (u32, Sym)> = HashMap::new();
    let mut server_halves: HashMap<(TraceId, SpanId), u32> = HashMap::new();
    for (i, span) in spans.iter().enumerate() {
        let service = local_service(span);
        let resource = match resources.get(service) {
            Some(&resource) => resource,
            None => {
                let resource = service_resource(service, out);
                resources.insert(service, resource);
                resource
            }
        };
        // Several consumers of one message share an ID: number the server halves.
        let occurrence = match ids_of(span) {
            Some(ids) if span.shared == Some(true) && splits.contains_key(&ids) => {
                let n = server_halves.entry(ids).or_insert(0);
                *n += 1;
                *n - 1
            }
            _ => 0,
        };
        convert_span(span, &splits, occurrence, resource, scope, out, || format!("[{i}]"));
    }
}

fn ids_of(span: &WireSpan<'_>) -> Option<(TraceId, SpanId)> {
    Some((parse_trace_id(&span.trace_id)?.0, parse_span_id(&span.id)?.0))
}

/// How many earlier spans with the same IDs and service a fragment is compared with.
const MERGE_CANDIDATES: usize = 16;

/// Merges fragments of the same span; counts each absorbed fragment as read
/// and rejected (reason `MergedFragment`).
fn merge_fragments<'a>(spans: Vec<WireSpan<'a>>, out: &mut Builder<'_>) -> Vec<WireSpan<'a>> {
    let mut kept: Vec<WireSpan<'a>> = Vec::with_capacity(spans.len());
    let mut groups: HashMap<((TraceId, SpanId), String), Vec<usize>> = HashMap::new();
    for (i, span) in spans.into_iter().enumerate() {
        let Some(ids) = ids_of(&span) else {
            kept.push(span);
            continue;
        };
        let group = groups.entry((ids, local_service(&span).to_owned())).or_default();
        // Fragments of one span arrive close together: comparing with the most
        // recent few keeps a file of many same-ID spans (fan-out) linear.
        let recent = group.iter().rev().take(MERGE_CANDIDATES).copied();
        match recent
            .into_iter()
            .find(|&k| kept.get(k).is_some_and(|other| compatible(other, &span)))
        {
            Some(k) => {
                out.span_read();
                out.reject(RejectReason::MergedFragment, || {
                    format!("[{i}]: merged with the span before it")
                });
                if let Some(target) = kept.get_mut(k) {
                    absorb(target, span);
                }
            }
            None => {
                group.push(kept.len());
                kept.push(span);
            }
        }
    }
    kept
}

/// Two fragments can be one span when nothing they say contradicts.
fn compatible(a: &WireSpan<'_>, b: &WireSpan<'_>) -> bool {
    let agree = |x: &Option<Cow<'_, str>>, y: &Option<Cow<'_, str>>| x.is_none() || y.is_none() || x == y;
    let same_time = a.timestamp.is_none() || b.timestamp.is_none() || a.timestamp == b.timestamp;
    let same_side = a.shared.is_none() || b.shared.is_none() || a.shared == b.shared;
    agree(&a.kind, &b.kind) && same_time && same_side
}

/// Fills what `target` lacks from `other`, and unions tags and annotations.
fn absorb<'a>(target: &mut WireSpan<'a>, other: WireSpan<'a>) {
    // The span runs from the earliest start to the latest known end.
    let end = |s: &WireSpan<'_>| s.timestamp?.checked_add(s.duration?);
    let latest_end = end(target).max(end(&other));
    target.timestamp = match (target.timestamp, other.timestamp) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    target.duration = match (target.timestamp, latest_end) {
        (Some(start), Some(end)) => Some(end.saturating_sub(start)),
        _ => target.duration.or(other.duration),
    };
    target.parent_id = target.parent_id.take().or(other.parent_id);
    target.name = target.name.take().filter(|n| !n.is_empty()).or(other.name);
    target.kind = target.kind.take().or(other.kind);
    target.shared = target.shared.or(other.shared);
    target.remote_endpoint = target.remote_endpoint.take().or(other.remote_endpoint);
    target
        .tags
        .get_or_insert_with(BTreeMap::new)
        .extend(other.tags.into_iter().flatten());
    target
        .annotations
        .get_or_insert_with(Vec::new)
        .extend(other.annotations.into_iter().flatten());
}

/// A split shared span: its first server half's service, its number of
/// server halves, its client half's service.
type Split = (String, u32, String);

/// The server halves of shared spans to split: for each (trace, shared ID),
/// the service of the first server half, whose children move under it (and,
/// with one server half, children in any service but the client's).
fn shared_splits(spans: &[WireSpan<'_>]) -> HashMap<(TraceId, SpanId), Split> {
    let unshared: HashMap<(TraceId, SpanId), String> = spans
        .iter()
        .filter(|s| s.shared != Some(true))
        .filter_map(|s| Some((ids_of(s)?, local_service(s).to_owned())))
        .collect();
    let mut splits: HashMap<(TraceId, SpanId), Split> = HashMap::new();
    for span in spans.iter().filter(|s| s.shared == Some(true)) {
        if let Some(ids) = ids_of(span) {
            if let Some(client) = unshared.get(&ids) {
                splits
                    .entry(ids)
                    .or_insert_with(|| (local_service(span).to_owned(), 0, client.clone()))
                    .1 += 1;
            }
        }
    }
    splits
}

fn local_service<'s>(span: &'s WireSpan<'_>) -> &'s str {
    span.local_endpoint
        .as_ref()
        .and_then(|e| e.service_name.as_deref())
        .unwrap_or("")
}

fn service_resource(service: &str, out: &mut Builder<'_>) -> (u32, Sym) {
    let mut attributes = Vec::new();
    if !service.is_empty() {
        let key = out.intern("service.name");
        attributes.push(Attribute {
            key,
            value: AttrValue::Str(out.intern(service)),
        });
    }
    out.resource(Some(service), attributes, 0)
}

fn convert_span(
    span: &WireSpan<'_>,
    splits: &HashMap<(TraceId, SpanId), Split>,
    occurrence: u32,
    resource: (u32, Sym),
    scope: u32,
    out: &mut Builder<'_>,
    place: impl Fn() -> String,
) {
    out.span_read();
    let Some((trace_id, trace_repair)) = parse_trace_id(&span.trace_id) else {
        out.reject(RejectReason::InvalidTraceId, || {
            format!("{}: traceId is missing or zero", place())
        });
        return;
    };
    let Some((mut span_id, span_repair)) = parse_span_id(&span.id) else {
        out.reject(RejectReason::InvalidSpanId, || {
            format!("{}: id is missing or zero", place())
        });
        return;
    };
    let timestamp = span.timestamp.unwrap_or(0);
    let (Some(start), Some(duration)) = (
        timestamp.checked_mul(1000),
        span.duration.unwrap_or(0).checked_mul(1000),
    ) else {
        out.reject(RejectReason::TimestampOutOfRange, || {
            format!(
                "{}: timestamp {timestamp} / duration µs do not fit in 64-bit nanoseconds",
                place()
            )
        });
        return;
    };
    let mut worst_repair = trace_repair.max(span_repair);
    let mut parent_span_id = match span.parent_id.as_deref().and_then(parse_span_id) {
        Some((id, repair)) => {
            worst_repair = worst_repair.max(repair);
            Some(id)
        }
        None => None,
    };
    if span.shared == Some(true) && splits.contains_key(&(trace_id, span_id)) {
        // The server half: its own ID, under the client half.
        parent_span_id = Some(span_id);
        span_id = server_half_id(span_id, occurrence);
        out.warn(WarningKind::SharedSpanSplit);
    } else if let Some(parent) = parent_span_id {
        // A child of a split shared span, running in the server's service (or,
        // with one server half, not in the client's), belongs under the server half.
        let service = local_service(span);
        if splits
            .get(&(trace_id, parent))
            .is_some_and(|(server, halves, client)| server == service || (*halves == 1 && client != service))
        {
            parent_span_id = Some(server_half_id(parent, 0));
        }
    }
    match worst_repair {
        IdRepair::None => {}
        IdRepair::Padded => out.warn(WarningKind::IdPadded),
        IdRepair::Hashed => out.warn(WarningKind::IdHashed),
    }

    let kind = span.kind.as_deref().and_then(SpanKind::from_name).unwrap_or_default();
    let mut status = StatusCode::Unset;
    let mut status_message = None;
    let mut attributes = Vec::new();
    for (key, value) in span.tags.iter().flatten() {
        match &**key {
            "error" => {
                status = StatusCode::Error;
                // Zipkin puts the error message in the tag; "true" or "" says only that it failed.
                if !value.is_empty() && value != "true" {
                    status_message = Some(out.intern(value));
                }
            }
            "otel.status_code" if value == "ERROR" => status = StatusCode::Error,
            "otel.status_code" if value == "OK" && status != StatusCode::Error => status = StatusCode::Ok,
            "otel.status_description" => status_message = Some(out.intern(value)),
            _ => {
                let key = out.intern(key);
                attributes.push(Attribute {
                    key,
                    value: AttrValue::Str(out.intern(value)),
                });
            }
        }
    }
    if let Some(remote) = &span.remote_endpoint {
        let mut add = |out: &mut Builder<'_>, key: &str, value: AttrValue| {
            attributes.push(Attribute {
                key: out.intern(key),
                value,
            });
        };
        if let Some(service) = remote.service_name.as_deref().filter(|s| !s.is_empty()) {
            let value = AttrValue::Str(out.intern(service));
            add(out, "peer.service", value);
        }
        if let Some(ip) = remote.ipv4.as_deref().or(remote.ipv6.as_deref()) {
            let value = AttrValue::Str(out.intern(ip));
            add(out, "net.peer.ip", value);
        }
        if let Some(port) = remote.port {
            add(out, "net.peer.port", AttrValue::Int(i64::from(port)));
        }
    }
    let events = span
        .annotations
        .iter()
        .flatten()
        .map(|a| EventFields {
            time: TimestampNs(a.timestamp.saturating_mul(1000)),
            name: out.intern(&a.value),
            attributes: Vec::new(),
        })
        .collect();
    let name = out.intern(span.name.as_deref().unwrap_or(""));
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
        // No duration is an unknown one (a one-way send, a span reported
        // before it finished): an end of 0 tells the builder so.
        end: match span.duration {
            Some(_) => start.saturating_add(DurationNs(duration)),
            None => TimestampNs(0),
        },
        status,
        status_message,
        attributes,
        events,
        links: Vec::new(),
        trace_state: None,
        trace_flags: 0,
        dropped: DroppedCounts::default(),
    });
}

/// The ID given to the `occurrence`-th server half sharing `shared`.
fn server_half_id(shared: SpanId, occurrence: u32) -> SpanId {
    derived_span_id(shared, &format!("zipkin-shared-server-{occurrence}"))
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
    let format = crate::import::Format::ZipkinJson;
    let starts_with_list = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let doc = if starts_with_list {
        Document::List(parse_json(name, format, bytes)?)
    } else {
        Document::One(parse_json(name, format, bytes)?)
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
