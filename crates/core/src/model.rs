//! The one model every importer builds: spans stored contiguously, strings
//! interned, times in nanoseconds.
//!
//! A span keeps what its file said (IDs, names, times, status, attributes);
//! how spans link into traces is derived by [`crate::index`].

use crate::ids::{SpanId, TraceId};
use crate::intern::{Interner, Sym};
use crate::time::{DurationNs, TimestampNs};
use serde::Serialize;
use std::num::NonZeroU32;

/// The role of a span in a call, as OpenTelemetry defines it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    /// Not stated by the source.
    #[default]
    Unspecified,
    /// An operation inside a service.
    Internal,
    /// Handles a remote request.
    Server,
    /// Makes a remote request.
    Client,
    /// Sends a message.
    Producer,
    /// Receives a message.
    Consumer,
}

impl SpanKind {
    /// The OTLP enum value (0..=5), if it is one.
    pub fn from_otlp(value: i64) -> Option<SpanKind> {
        Some(match value {
            0 => SpanKind::Unspecified,
            1 => SpanKind::Internal,
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            4 => SpanKind::Producer,
            5 => SpanKind::Consumer,
            _ => return None,
        })
    }

    /// The lower-case name used by Jaeger's `span.kind` tag and Zipkin's `kind`.
    pub fn from_name(name: &str) -> Option<SpanKind> {
        SpanKind::from_name_bytes(name.as_bytes())
    }

    /// [`SpanKind::from_name`] on text read as bytes; any case, without a
    /// lowercased copy (Zipkin writes `SERVER` on every span).
    pub(crate) fn from_name_bytes(name: &[u8]) -> Option<SpanKind> {
        const NAMES: [(&[u8], SpanKind); 7] = [
            (b"server", SpanKind::Server),
            (b"client", SpanKind::Client),
            (b"internal", SpanKind::Internal),
            (b"producer", SpanKind::Producer),
            (b"consumer", SpanKind::Consumer),
            (b"", SpanKind::Unspecified),
            (b"unspecified", SpanKind::Unspecified),
        ];
        NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|&(_, kind)| kind)
    }
}

/// Whether the operation failed, as OpenTelemetry's status code says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCode {
    /// No status was set.
    #[default]
    Unset,
    /// Explicitly successful.
    Ok,
    /// Failed.
    Error,
}

/// An attribute value of any OTLP `AnyValue` kind.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    /// Text, interned because values such as `db.statement` repeat.
    Str(Sym),
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Double(f64),
    // The rare variants hold a thin `Box<Vec<_>>` (8 bytes) rather than a
    // `Box<[_]>` (16), so every attribute value fits in 16 bytes.
    /// Raw bytes.
    Bytes(Box<Vec<u8>>),
    /// A list of values.
    Array(Box<Vec<AttrValue>>),
    /// Nested key/value pairs.
    Map(Box<Vec<Attribute>>),
}

/// A key/value pair on a span, resource or scope.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The key, interned.
    pub key: Sym,
    /// The value.
    pub value: AttrValue,
}

/// A contiguous run of items in one of the [`TraceSet`]'s stores (attributes,
/// events, links): 8 bytes instead of a `Vec` per span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreRange {
    start: u32,
    len: u32,
}

impl StoreRange {
    pub(crate) fn of<T>(store: &[T], start: usize) -> StoreRange {
        StoreRange {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(store.len().saturating_sub(start)).unwrap_or(0),
        }
    }

    fn slice<T>(self, store: &[T]) -> &[T] {
        let start = self.start as usize;
        store.get(start..start + self.len as usize).unwrap_or(&[])
    }

    /// Number of items.
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// True when there are none.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// The entity that produced spans: a service instance, with its attributes
/// (`service.name`, `host.name`, ...). Shared by all its spans.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// `service.name`, or `unknown_service` when absent.
    pub service: Sym,
    /// All resource attributes, `service.name` included.
    pub attributes: StoreRange,
    /// Attributes the producer dropped.
    pub dropped_attributes: u32,
}

/// The instrumentation library that created spans.
#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    /// Library name (empty when not given).
    pub name: Sym,
    /// Library version (empty when not given).
    pub version: Sym,
    /// Scope attributes.
    pub attributes: StoreRange,
}

/// A timestamped event in a span (OTLP event, Jaeger log, Zipkin annotation).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// When it happened.
    pub time: TimestampNs,
    /// Its name (`exception`, a Zipkin annotation value, a Jaeger log's `event` field).
    pub name: Sym,
    /// Its attributes.
    pub attributes: StoreRange,
}

/// A link from a span to another span, possibly in another trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The linked trace.
    pub trace_id: TraceId,
    /// The linked span.
    pub span_id: SpanId,
    /// W3C trace state of the linked span, if given.
    pub trace_state: Option<Sym>,
    /// Link attributes.
    pub attributes: StoreRange,
}

/// A handle to a span's [`SpanExtras`] in [`TraceSet::extras`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtrasRef(NonZeroU32);

/// The rarely-set parts of a span.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpanExtras {
    /// Its links, in [`TraceSet::links`].
    pub links: StoreRange,
    /// W3C trace state, if any.
    pub trace_state: Option<Sym>,
    /// What the producer dropped.
    pub dropped: DroppedCounts,
}

/// How many items of each kind the producer dropped before export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DroppedCounts {
    /// Attributes dropped.
    pub attributes: u32,
    /// Events dropped.
    pub events: u32,
    /// Links dropped.
    pub links: u32,
}

/// One span as read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// The trace it belongs to.
    pub trace_id: TraceId,
    /// Its own ID.
    pub span_id: SpanId,
    /// The parent's ID as written; the parent may be absent from the data.
    pub parent_span_id: Option<SpanId>,
    /// The service (OTLP `service.name`, Jaeger process `serviceName`).
    pub service: Sym,
    /// The operation name.
    pub name: Sym,
    /// Server, client, ...
    pub kind: SpanKind,
    /// When it started; 0 when the file gave no start time.
    pub start: TimestampNs,
    /// How long it took; 0 when not known. Read it through
    /// [`Span::known_duration`] (or check [`Span::duration_known`]) wherever
    /// a zero would be taken for a fast span.
    pub duration: DurationNs,
    /// False when the file gave no end or duration (a Zipkin one-way send or
    /// a span reported before it finished, an OTLP span without an end time):
    /// the duration is unknown, not zero. A flag rather than a sentinel value
    /// in `duration`, so arithmetic on durations can never meet a huge
    /// sentinel; it sits beside the other one-byte fields in what was padding,
    /// so a span is still 96 bytes.
    pub has_duration: bool,
    /// Success or failure.
    pub status: StatusCode,
    /// The status message or error description, if any.
    pub status_message: Option<Sym>,
    /// Its attributes (tags), in [`TraceSet::attributes`].
    pub attributes: StoreRange,
    /// Its events (logs, annotations), in [`TraceSet::events`].
    pub events: StoreRange,
    /// Links, trace state and dropped counts, which most spans lack: kept aside
    /// so they cost a span 4 bytes when absent. See [`TraceSet::extras_of`].
    pub extras: Option<ExtrasRef>,
    /// W3C trace flags (the low 8 bits of OTLP `flags`; 0 when not given).
    pub trace_flags: u8,
    /// Index into [`TraceSet::resources`].
    pub resource: u32,
    /// Index into [`TraceSet::scopes`].
    pub scope: u32,
    /// Index of the file it came from in [`TraceSet::files`].
    pub file: u32,
}

impl Span {
    /// When it ended. A span whose duration is unknown reads as an instant
    /// (it ends when it starts), so code that does not ask never sees it
    /// cover time it may not have.
    pub fn end(&self) -> TimestampNs {
        self.start.saturating_add(self.duration)
    }

    /// Whether both its start and its duration are known: only then does it
    /// take part in durations, percentiles, self times, critical paths and
    /// time shares.
    pub fn duration_known(&self) -> bool {
        self.has_duration && self.start.0 != 0
    }

    /// Its duration, if known (see [`Span::duration_known`]).
    pub fn known_duration(&self) -> Option<DurationNs> {
        self.duration_known().then_some(self.duration)
    }
}

/// Everything loaded so far: spans of all files, merged.
#[derive(Clone, Debug, Default)]
pub struct TraceSet {
    /// Interned strings referenced by spans and attributes.
    pub strings: Interner,
    /// All kept spans, in load order.
    pub spans: Vec<Span>,
    /// Attributes of all spans, resources, scopes, events and links; each owner has one contiguous range.
    pub attributes: Vec<Attribute>,
    /// Events of all spans.
    pub events: Vec<Event>,
    /// Links of all spans.
    pub links: Vec<Link>,
    /// The rarely-set parts of the spans that have any.
    pub extras: Vec<SpanExtras>,
    /// Resources (service instances).
    pub resources: Vec<Resource>,
    /// Instrumentation scopes.
    pub scopes: Vec<Scope>,
    /// The import report of each loaded file, in load order.
    pub files: Vec<crate::import::FileReport>,
}

impl TraceSet {
    /// An empty set.
    pub fn new() -> TraceSet {
        TraceSet::default()
    }

    /// The attributes stored at `range` (of a span, resource, scope, event or link).
    pub fn attributes(&self, range: StoreRange) -> &[Attribute] {
        range.slice(&self.attributes)
    }

    /// The attributes of `span`.
    pub fn attributes_of(&self, span: &Span) -> &[Attribute] {
        self.attributes(span.attributes)
    }

    /// The text of `span`'s attribute `key`, if it is a string.
    pub fn str_attribute(&self, span: &Span, key: &str) -> Option<&str> {
        self.str_attribute_in(span.attributes, key)
    }

    /// The text of attribute `key` among the attributes in `range` (of a span,
    /// an event or a link), if it is a string.
    pub fn str_attribute_in(&self, range: StoreRange, key: &str) -> Option<&str> {
        let key = self.strings.get(key)?;
        self.attributes(range)
            .iter()
            .find(|a| a.key == key)
            .and_then(|a| match a.value {
                AttrValue::Str(s) => Some(self.str(s)),
                _ => None,
            })
    }

    /// The events of `span`.
    pub fn events_of(&self, span: &Span) -> &[Event] {
        span.events.slice(&self.events)
    }

    /// The links of `span`.
    pub fn links_of(&self, span: &Span) -> &[Link] {
        self.extras_of(span)
            .map_or(&[], |extras| extras.links.slice(&self.links))
    }

    /// The links, trace state and dropped counts of `span`, if it has any.
    pub fn extras_of(&self, span: &Span) -> Option<&SpanExtras> {
        self.extras.get(span.extras?.0.get() as usize - 1)
    }

    /// Stores `extras` unless they are all empty; the handle a span refers to.
    pub fn push_extras(&mut self, extras: SpanExtras) -> Option<ExtrasRef> {
        if extras == SpanExtras::default() {
            return None;
        }
        self.extras.push(extras);
        NonZeroU32::new(u32::try_from(self.extras.len()).ok()?).map(ExtrasRef)
    }

    /// The resource of `span`.
    pub fn resource_of(&self, span: &Span) -> Option<&Resource> {
        self.resources.get(span.resource as usize)
    }

    /// The scope of `span`.
    pub fn scope_of(&self, span: &Span) -> Option<&Scope> {
        self.scopes.get(span.scope as usize)
    }

    /// Appends `attributes` to the store and returns the range their owner refers to.
    pub fn push_attributes(&mut self, attributes: impl IntoIterator<Item = Attribute>) -> StoreRange {
        let start = self.attributes.len();
        self.attributes.extend(attributes);
        StoreRange::of(&self.attributes, start)
    }

    /// Appends `events` to the store and returns the range a span refers to.
    pub fn push_events(&mut self, events: impl IntoIterator<Item = Event>) -> StoreRange {
        let start = self.events.len();
        self.events.extend(events);
        StoreRange::of(&self.events, start)
    }

    /// Appends `links` to the store and returns the range a span refers to.
    pub fn push_links(&mut self, links: impl IntoIterator<Item = Link>) -> StoreRange {
        let start = self.links.len();
        self.links.extend(links);
        StoreRange::of(&self.links, start)
    }

    /// Remembers the size of every store, so a failed import can be undone.
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            strings: self.strings.len(),
            spans: self.spans.len(),
            attributes: self.attributes.len(),
            events: self.events.len(),
            links: self.links.len(),
            extras: self.extras.len(),
            resources: self.resources.len(),
            scopes: self.scopes.len(),
        }
    }

    /// Drops everything added since `mark`, interned strings included.
    pub(crate) fn rollback(&mut self, mark: Mark) {
        self.strings.truncate(mark.strings);
        self.spans.truncate(mark.spans);
        self.attributes.truncate(mark.attributes);
        self.events.truncate(mark.events);
        self.links.truncate(mark.links);
        self.extras.truncate(mark.extras);
        self.resources.truncate(mark.resources);
        self.scopes.truncate(mark.scopes);
    }

    /// Returns the spare capacity that growing the stores left behind (up to
    /// half of each). Call it after a batch of imports, not after each file,
    /// so that appending stays amortised.
    pub fn shrink_to_fit(&mut self) {
        self.spans.shrink_to_fit();
        self.attributes.shrink_to_fit();
        self.events.shrink_to_fit();
        self.links.shrink_to_fit();
        self.extras.shrink_to_fit();
        self.resources.shrink_to_fit();
        self.scopes.shrink_to_fit();
    }

    /// Heap bytes held by the model (spans, attributes, events, links,
    /// resources, scopes, interned strings and attribute payloads), for the
    /// memory benchmark. Reports are left out: they do not grow with spans.
    pub fn heap_bytes(&self) -> usize {
        fn vec<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        fn payload(value: &AttrValue) -> usize {
            match value {
                AttrValue::Bytes(b) => b.len(),
                AttrValue::Array(items) => {
                    items.len() * std::mem::size_of::<AttrValue>() + items.iter().map(payload).sum::<usize>()
                }
                AttrValue::Map(entries) => {
                    entries.len() * std::mem::size_of::<Attribute>()
                        + entries.iter().map(|a| payload(&a.value)).sum::<usize>()
                }
                AttrValue::Str(_) | AttrValue::Bool(_) | AttrValue::Int(_) | AttrValue::Double(_) => 0,
            }
        }
        vec(&self.spans)
            + vec(&self.attributes)
            + self.attributes.iter().map(|a| payload(&a.value)).sum::<usize>()
            + vec(&self.events)
            + vec(&self.links)
            + vec(&self.extras)
            + vec(&self.resources)
            + vec(&self.scopes)
            + self.strings.heap_bytes()
    }

    /// The text of an interned string.
    pub fn str(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
    }
}

/// The sizes of a [`TraceSet`]'s stores at one moment; see [`TraceSet::mark`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mark {
    strings: usize,
    spans: usize,
    attributes: usize,
    events: usize,
    links: usize,
    extras: usize,
    resources: usize,
    scopes: usize,
}

// The layout holds on 64-bit hosts only (a 32-bit target, such as the WASI
// test run, packs a span smaller).
#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::*;

    #[test]
    fn the_unknown_duration_flag_costs_a_span_no_memory() {
        assert_eq!(std::mem::size_of::<Span>(), 96);
    }
}
