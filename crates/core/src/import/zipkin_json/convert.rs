//! A Zipkin span into the model (OpenTelemetry's Zipkin mapping), and the
//! two repairs that need more than one span: merging the fragments of one
//! span ([`merge_fragments`], [`compatible`]) and splitting shared client and
//! server halves ([`Splits`], after every span is in the model).

use super::wire::{Text, WireSpan};
use crate::ids::{IdRepair, SpanId, TraceId, derived_span_id};
use crate::import::builder::{Builder, SpanFields};
use crate::import::lenient::Micros;
use crate::import::recent::{Part, Recent};
use crate::import::{RejectReason, WarningKind};
use crate::intern::Sym;
use crate::limits::{MAX_ATTRIBUTES, MAX_EVENTS};
use crate::model::{AttrValue, Attribute, DroppedCounts, Event, SpanKind, StatusCode, StoreRange};
use crate::time::{DurationNs, TimestampNs};
use hashbrown::HashMap;

/// Bytes already checked to be UTF-8, as text.
pub(super) fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// The span's trace and span IDs, when both are valid.
pub(super) fn ids_of(span: &WireSpan<'_>) -> Option<(TraceId, SpanId)> {
    Some((span.trace_id.trace_id()?.0, span.id.span_id()?.0))
}

/// What the repairs need to know of each span with valid IDs, in file order.
pub(super) struct Seen {
    pub ids: (TraceId, SpanId),
    pub shared: Option<bool>,
    /// The local service (its place among the file's services).
    pub service: u32,
    /// Where the span was kept, if it was.
    pub kept: Option<usize>,
}

/// A service's place among the file's services, and its resource.
pub(super) type Service = (u32, (u32, Sym));

/// The file's services, each made a resource when first seen.
#[derive(Default)]
pub(super) struct Services<'a> {
    slots: HashMap<Text<'a>, Service>,
    /// The last service asked for: spans of one service often come together.
    last: Option<(Text<'a>, Service)>,
}

impl<'a> Services<'a> {
    /// The place and resource of `service`, made on first sight.
    pub fn of(&mut self, service: &Text<'a>, out: &mut Builder<'_>) -> Service {
        if let Some((last, found)) = &self.last
            && last == service
        {
            return *found;
        }
        let found = self.lookup(service, out);
        self.last = Some((service.clone(), found));
        found
    }

    fn lookup(&mut self, service: &Text<'a>, out: &mut Builder<'_>) -> Service {
        if let Some(&found) = self.slots.get(service) {
            return found;
        }
        let slot = (
            u32::try_from(self.slots.len()).unwrap_or(u32::MAX),
            service_resource(text(service), out),
        );
        self.slots.insert(service.clone(), slot);
        slot
    }
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

/// Converts one span of service `service`; returns where it was kept, if it was.
pub(super) fn convert_span(
    span: &WireSpan<'_>,
    (service, resource): Service,
    scope: u32,
    recent: &mut Recent,
    out: &mut Builder<'_>,
    place: impl Fn() -> String,
) -> Option<usize> {
    let start = out.begin_span();
    let Some((trace_id, trace_repair)) = span.trace_id.trace_id() else {
        out.reject_span(start, RejectReason::InvalidTraceId, || {
            format!("{}: traceId is missing or zero", place())
        });
        return None;
    };
    let Some((span_id, span_repair)) = span.id.span_id() else {
        out.reject_span(start, RejectReason::InvalidSpanId, || {
            format!("{}: id is missing or zero", place())
        });
        return None;
    };
    let timestamp = span.timestamp.unwrap_or_default();
    let (Some(begin), Some(duration)) = (
        timestamp.checked_nanos(),
        span.duration.unwrap_or_default().checked_nanos(),
    ) else {
        out.reject_span(start, RejectReason::TimestampOutOfRange, || {
            format!(
                "{}: timestamp {timestamp} / duration µs do not fit in 64-bit nanoseconds",
                place()
            )
        });
        return None;
    };
    let mut worst_repair = trace_repair.max(span_repair);
    let parent_span_id = match span.parent_id.as_ref().and_then(|p| p.span_id()) {
        Some((id, repair)) => {
            worst_repair = worst_repair.max(repair);
            Some(id)
        }
        None => None,
    };
    match worst_repair {
        IdRepair::None => {}
        IdRepair::Padded => out.warn(WarningKind::IdPadded),
        IdRepair::Hashed => out.warn(WarningKind::IdHashed),
    }

    let kind = span
        .kind
        .as_deref()
        .and_then(SpanKind::from_name_bytes)
        .unwrap_or_default();
    let mut status = StatusCode::Unset;
    let mut status_message = None;
    let name = span.name.as_deref().unwrap_or_default();
    let operation = recent.operation(name, service);
    let attributes_start = out.attribute_count();
    for (position, (key, value)) in span.tags.iter().enumerate() {
        match &**key {
            b"error" => {
                status = StatusCode::Error;
                // Zipkin puts the error message in the tag; "true" or "" says only that it failed.
                if !value.is_empty() && **value != *b"true" {
                    status_message = Some(out.intern_raw(value));
                }
            }
            b"otel.status_code" if **value == *b"ERROR" => status = StatusCode::Error,
            b"otel.status_code" if **value == *b"OK" && status != StatusCode::Error => status = StatusCode::Ok,
            b"otel.status_description" => status_message = Some(out.intern_raw(value)),
            _ => {
                let key = operation.tag((position, Part::Key), out, key, |out| {
                    out.intern_raw_hinted(position % 64, key)
                });
                let value = operation.tag((position, Part::Value), out, value, |out| {
                    out.intern_raw_hinted(128 + crate::intern::Interner::index(key) % 128, value)
                });
                out.push_attribute(Attribute {
                    key,
                    value: AttrValue::Str(value),
                });
            }
        }
    }
    if let Some(remote) = &span.remote_endpoint {
        if let Some(service) = remote.service_name.as_deref().filter(|s| !s.is_empty()) {
            let (key, value) = (out.intern("peer.service"), out.intern_raw(service));
            out.push_attribute(Attribute {
                key,
                value: AttrValue::Str(value),
            });
        }
        if let Some(ip) = remote.ipv4.as_deref().or(remote.ipv6.as_deref()) {
            let (key, value) = (out.intern("net.peer.ip"), out.intern_raw(ip));
            out.push_attribute(Attribute {
                key,
                value: AttrValue::Str(value),
            });
        }
        if let Some(port) = remote.port {
            let key = out.intern("net.peer.port");
            out.push_attribute(Attribute {
                key,
                value: AttrValue::Int(i64::from(port)),
            });
        }
    }
    let attributes = out.attributes_since(attributes_start);
    out.attributes_dropped(span.dropped_tags as usize);
    out.events_dropped(span.dropped_annotations as usize);
    for annotation in &span.annotations {
        let mark = out.mark();
        let name = out.intern_raw(&annotation.value);
        out.push_event(
            mark,
            Event {
                time: TimestampNs(annotation.timestamp.saturating_nanos()),
                name,
                attributes: StoreRange::default(),
            },
        );
    }
    let name = operation.name(out, name, |out| out.intern_raw_hinted(64 + name.len() % 64, name));
    let begin = TimestampNs(begin);
    let index = out.span_count();
    out.keep_span(
        start,
        SpanFields {
            trace_id,
            span_id,
            parent_span_id,
            resource: Some(resource),
            scope: Some(scope),
            name,
            kind,
            start: begin,
            // No duration is an unknown one (a one-way send, a span reported
            // before it finished): an end of 0 tells the builder so.
            end: match span.duration {
                // Before the start (the builder warns); never 0, which says "no end".
                Some(_) if span.negative_duration => TimestampNs(begin.0.saturating_sub(duration).max(1)),
                Some(_) => begin.saturating_add(DurationNs(duration)),
                None => TimestampNs(0),
            },
            status,
            status_message,
            attributes,
            events: (),
            links: (),
            trace_state: None,
            trace_flags: 0,
            dropped: DroppedCounts {
                attributes: span.dropped_tags,
                ..DroppedCounts::default()
            },
        },
    );
    Some(index)
}

/// How many earlier spans with the same IDs and service a fragment is compared with.
pub(super) const MERGE_CANDIDATES: usize = 16;

/// What [`compatible`] compares of a span.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Sides<K> {
    pub kind: Option<K>,
    pub timestamp: Option<Micros>,
    pub shared: Option<bool>,
}

/// Two fragments can be one span when nothing they say contradicts.
pub(super) fn compatible<K: PartialEq>(a: &Sides<K>, b: &Sides<K>) -> bool {
    agree(&a.kind, &b.kind) && agree(&a.timestamp, &b.timestamp) && agree(&a.shared, &b.shared)
}

/// Two values that do not contradict each other: equal, or one not given.
fn agree<T: PartialEq>(x: &Option<T>, y: &Option<T>) -> bool {
    x.is_none() || y.is_none() || x == y
}

/// A span's [`Sides`].
pub(super) fn sides<'s>(span: &'s WireSpan<'_>) -> Sides<&'s [u8]> {
    Sides {
        kind: span.kind.as_deref(),
        timestamp: span.timestamp,
        shared: span.shared,
    }
}

/// Merges fragments of the same span; counts each absorbed fragment as read
/// and rejected (reason `MergedFragment`). `places` names each span.
pub(super) fn merge_fragments<'a>(
    spans: Vec<(WireSpan<'a>, String)>,
    out: &mut Builder<'_>,
) -> Vec<(WireSpan<'a>, String)> {
    let mut kept: Vec<(WireSpan<'a>, String)> = Vec::with_capacity(spans.len());
    // Where each kept span absorbed a fragment, first time only: their tags
    // are settled once, after all fragments are in.
    let mut merged: Vec<usize> = Vec::new();
    // Spans by IDs and local service.
    type Group = ((TraceId, SpanId), Vec<u8>);
    let mut groups: HashMap<Group, Vec<usize>> = HashMap::new();
    for (span, place) in spans {
        let Some(ids) = ids_of(&span) else {
            kept.push((span, place));
            continue;
        };
        let group = groups.entry((ids, span.local_service().to_vec())).or_default();
        // Fragments of one span arrive close together: comparing with the most
        // recent few keeps a file of many same-ID spans (fan-out) linear.
        let recent = group.iter().rev().take(MERGE_CANDIDATES).copied();
        match recent.into_iter().find(|&k| {
            kept.get(k)
                .is_some_and(|(other, _)| compatible(&sides(other), &sides(&span)))
        }) {
            Some(k) => {
                out.span_read();
                out.reject(RejectReason::MergedFragment, || {
                    format!("{place}: merged with the span before it")
                });
                if let Some((target, _)) = kept.get_mut(k) {
                    if !target.absorbed {
                        target.absorbed = true;
                        merged.push(k);
                    }
                    absorb(target, span);
                }
            }
            None => {
                group.push(kept.len());
                kept.push((span, place));
            }
        }
    }
    for k in merged {
        if let Some((span, _)) = kept.get_mut(k) {
            settle(span);
        }
    }
    kept
}

/// Fills what `target` lacks from `other`, and unions tags and annotations.
fn absorb<'a>(target: &mut WireSpan<'a>, other: WireSpan<'a>) {
    // The span runs from the earliest start to the latest known end.
    // In microseconds as written: an end past 64 bits of them is no end.
    let end = |s: &WireSpan<'_>| {
        let (start, duration) = (s.timestamp?, s.duration?);
        start.whole.checked_add(duration.whole)?;
        Some(start.total_nanos() + duration.total_nanos())
    };
    let latest_end = end(target).max(end(&other));
    target.timestamp = match (target.timestamp, other.timestamp) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    target.duration = match (target.timestamp, latest_end) {
        (Some(start), Some(end)) => Some(Micros::of_total_nanos(end.saturating_sub(start.total_nanos()))),
        _ => target.duration.or(other.duration),
    };
    target.parent_id = target.parent_id.take().or(other.parent_id);
    target.name = target.name.take().filter(|n| !n.is_empty()).or(other.name);
    target.kind = target.kind.take().or(other.kind);
    target.shared = target.shared.or(other.shared);
    target.remote_endpoint = target.remote_endpoint.take().or(other.remote_endpoint);
    // Appended as they come, settled once by `settle`: sorting here made
    // a span of 40,000 one-tag fragments take half a minute.
    target.tags.extend(other.tags);
    target.dropped_tags = target.dropped_tags.saturating_add(other.dropped_tags);
    target.annotations.extend(other.annotations);
    target.dropped_annotations = target.dropped_annotations.saturating_add(other.dropped_annotations);
}

/// A merged span's tags sorted by key, each key once with the value of the
/// last fragment that gave it (as a map's `extend` did), and its first
/// [`MAX_ATTRIBUTES`] keys in file order kept (a span read whole keeps its
/// first ones too); its first [`MAX_EVENTS`] annotations. What is cut is
/// added to the dropped counts, as the wire reader does within a fragment.
fn settle(span: &mut WireSpan<'_>) {
    // Fragments' tags in file order, each fragment's sorted by key: the
    // position says which key came first.
    let mut tags: Vec<(usize, (Text<'_>, Text<'_>))> = std::mem::take(&mut span.tags).into_iter().enumerate().collect();
    // Stable: a key's values stay in file order.
    tags.sort_by(|a, b| a.1.0.cmp(&b.1.0));
    let mut unique: Vec<(usize, (Text<'_>, Text<'_>))> = Vec::with_capacity(tags.len());
    for (position, tag) in tags {
        match unique.last_mut() {
            // Keeps the position where the key came first and takes the later value.
            Some((_, last)) if last.0 == tag.0 => last.1 = tag.1,
            _ => unique.push((position, tag)),
        }
    }
    if unique.len() > MAX_ATTRIBUTES {
        let over = unique.len() - MAX_ATTRIBUTES;
        unique.select_nth_unstable_by_key(MAX_ATTRIBUTES, |(position, _)| *position);
        unique.truncate(MAX_ATTRIBUTES);
        unique.sort_unstable_by(|a, b| a.1.0.cmp(&b.1.0));
        span.dropped_tags = span
            .dropped_tags
            .saturating_add(u32::try_from(over).unwrap_or(u32::MAX));
    }
    span.tags = unique.into_iter().map(|(_, tag)| tag).collect();
    if span.annotations.len() > MAX_EVENTS {
        let over = span.annotations.len() - MAX_EVENTS;
        span.annotations.truncate(MAX_EVENTS);
        span.dropped_annotations = span
            .dropped_annotations
            .saturating_add(u32::try_from(over).unwrap_or(u32::MAX));
    }
}

/// The shared spans to split, found once every span is read: an RPC's client
/// and server halves may share one span ID, the server half marked `shared`;
/// each server half gets a derived ID under the client half, and spans that
/// named the shared ID as parent move under the (first) server half when they
/// run in its service, or, when it has one server half, in any service but
/// the client's: a span under the shared ID is the server's work (the client
/// only waits), and a server's process may write its spans under another
/// name than its entry's (Zipkin's yelp capture: the proxy's entry is
/// `yelp_main/api_proxy`, its cache calls `yelp-main`, the client `unknown`).
pub(super) fn split_shared(seen: &[Seen], out: &mut Builder<'_>) {
    if !seen.iter().any(|s| s.shared == Some(true)) {
        return;
    }
    let unshared: HashMap<(TraceId, SpanId), u32> = seen
        .iter()
        .filter(|s| s.shared != Some(true))
        .map(|s| (s.ids, s.service))
        .collect();
    // For each split ID: the service of its first server half, how many
    // server halves it has, and its client half's service.
    let mut splits: HashMap<(TraceId, SpanId), (u32, u32, u32)> = HashMap::new();
    for s in seen.iter().filter(|s| s.shared == Some(true)) {
        if let Some(&client) = unshared.get(&s.ids) {
            splits.entry(s.ids).or_insert((s.service, 0, client)).1 += 1;
        }
    }
    let moves = |service: u32, &(server, halves, client): &(u32, u32, u32)| {
        service == server || (halves == 1 && service != client)
    };
    // Several consumers of one message share an ID: the server halves are numbered.
    let mut occurrences: HashMap<(TraceId, SpanId), u32> = HashMap::new();
    for s in seen {
        if s.shared == Some(true) && splits.contains_key(&s.ids) {
            let n = occurrences.entry(s.ids).or_insert(0);
            let occurrence = *n;
            *n += 1;
            if let Some(index) = s.kept {
                out.split_server_half(index, server_half_id(s.ids.1, occurrence));
            }
        } else if let Some(index) = s.kept
            && let Some(parent) = out.parent_of(index)
            && splits
                .get(&(s.ids.0, parent))
                .is_some_and(|split| moves(s.service, split))
        {
            out.set_parent(index, server_half_id(parent, 0));
        }
    }
}

/// The ID given to the `occurrence`-th server half sharing `shared`.
fn server_half_id(shared: SpanId, occurrence: u32) -> SpanId {
    derived_span_id(shared, &format!("zipkin-shared-server-{occurrence}"))
}
