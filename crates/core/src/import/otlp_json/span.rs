//! One OTLP/JSON span, read field by field straight into the builder: its
//! attributes, events and links go into the set's stores as they are read (no
//! list per span); when its object ends, its IDs and kind are checked and it
//! is kept, or rejected and everything it added taken back. Fields come in any
//! order (exporters that sort keys write `attributes` before `traceId`).

use super::values::{A_STRING, first, hint, int_or_name, key_values, lenient_u64, u32_field};
use crate::ids::{IdEncoding, SpanId, TraceId, parse_otlp_id};
use crate::import::builder::{Builder, SpanFields};
use crate::import::json_scan::{Cursor, JsonError};
use crate::import::otlp_common::{IntOrName, span_kind, status_code};
use crate::import::{RejectReason, WarningKind};
use crate::intern::Sym;
use crate::model::{DroppedCounts, Event, Link, StoreRange};
use crate::time::TimestampNs;
use std::borrow::Cow;

/// Where the spans of one `scopeSpans` entry belong.
pub(super) struct ScopeContext {
    /// 1-based line, for JSON Lines.
    pub line: Option<usize>,
    /// Index in `resourceSpans`.
    pub r: usize,
    /// Index in `scopeSpans`.
    pub s: usize,
    /// The resource, when it came before the spans.
    pub resource: Option<(u32, Sym)>,
    /// The scope, when it came before the spans.
    pub scope: Option<u32>,
}

impl ScopeContext {
    /// Where span `i` is, for rejection examples.
    fn place(&self, i: usize) -> String {
        let path = format!("resourceSpans[{}].scopeSpans[{}].spans[{i}]", self.r, self.s);
        match self.line {
            Some(line) => format!("line {line}: {path}"),
            None => path,
        }
    }
}

/// The fields of a span as written, until its object ends.
#[derive(Default)]
struct WireSpan<'a> {
    /// Fields read so far (one bit each), to refuse duplicates as serde did.
    seen: u32,
    trace_id: WireId<'a>,
    span_id: WireId<'a>,
    parent_span_id: Option<WireId<'a>>,
    trace_state: Option<Cow<'a, str>>,
    flags: u32,
    name: Cow<'a, [u8]>,
    kind: IntOrName<'a>,
    start: u64,
    end: u64,
    attributes: StoreRange,
    dropped: DroppedCounts,
    status_code: IntOrName<'a>,
    status_message: Option<Cow<'a, str>>,
    /// Whether a link ID was base64.
    base64_links: bool,
}

/// Reads span `i` of the list described by `context`, expecting its keys in
/// the order of the span before.
pub(super) fn span(
    cur: &mut Cursor<'_>,
    out: &mut Builder<'_>,
    context: &ScopeContext,
    order: &mut FieldOrder,
    i: usize,
) -> Result<(), JsonError> {
    let start = out.begin_span();
    let mut wire = WireSpan::default();
    if cur.next_byte() == Some(b'[') {
        // A span written as the array of its fields' values, as serde accepted.
        cur.record("a span object", SPAN_FIELDS, |cur, key| match Field::of(key) {
            Some(f) => field(cur, out, &mut wire, f),
            None => cur.skip_unknown(key),
        })?;
    } else {
        let mut previous = None;
        cur.members("a span object", |cur, _| {
            if let Some(f) = order.after(previous)
                && cur.eat_key(f.quoted())
            {
                previous = Some(f);
                return field(cur, out, &mut wire, f).map_err(|error| error.within_key(f.name().as_bytes()));
            }
            let key = cur.key()?;
            let f = Field::of(&key);
            if f.is_some() {
                order.learn(previous, f);
                previous = f;
            }
            match f {
                Some(f) => field(cur, out, &mut wire, f),
                None => cur.skip_unknown(&key),
            }
            .map_err(|error| error.within_key(&key))
        })?;
    }

    let place = || context.place(i);
    let mut base64 = false;
    let Some(trace_id) = wire.trace_id.decode(16, &mut base64) else {
        out.reject_span(start, RejectReason::InvalidTraceId, || {
            format!(
                "{}: traceId \"{}\" is neither 32 hex digits nor base64 of 16 bytes",
                place(),
                wire.trace_id.text(16)
            )
        });
        return Ok(());
    };
    let Some(span_id) = wire.span_id.decode(8, &mut base64).and_then(|v| SpanId::new(v as u64)) else {
        out.reject_span(start, RejectReason::InvalidSpanId, || {
            format!(
                "{}: spanId \"{}\" is neither 16 hex digits nor base64 of 8 bytes",
                place(),
                wire.span_id.text(8)
            )
        });
        return Ok(());
    };
    // An empty or all-zero parent means "root"; anything else must be a valid ID.
    let parent_span_id = match &wire.parent_span_id {
        None => None,
        Some(WireId::Text(text)) if text.is_empty() => None,
        Some(id) => match id.decode(8, &mut base64) {
            Some(v) => SpanId::new(v as u64),
            None => {
                out.reject_span(start, RejectReason::InvalidSpanId, || {
                    format!(
                        "{}: parentSpanId \"{}\" is neither 16 hex digits nor base64 of 8 bytes",
                        place(),
                        id.text(8)
                    )
                });
                return Ok(());
            }
        },
    };
    let Some(kind) = span_kind(&wire.kind) else {
        out.reject_span(start, RejectReason::InvalidSpanKind, || {
            format!(
                "{}: kind {} is not a span kind (0-5 or SPAN_KIND_*)",
                place(),
                wire.kind
            )
        });
        return Ok(());
    };
    if matches!(wire.kind, IntOrName::Name(_)) || matches!(wire.status_code, IntOrName::Name(_)) {
        out.warn(WarningKind::EnumNames);
    }
    if base64 || wire.base64_links {
        out.warn(WarningKind::Base64Ids);
    }
    let status_message = wire.status_message.filter(|m| !m.is_empty()).map(|m| out.intern(&m));
    let trace_state = wire.trace_state.filter(|t| !t.is_empty()).map(|t| out.intern(&t));
    let fields = SpanFields {
        trace_id: TraceId(trace_id),
        span_id,
        parent_span_id,
        resource: context.resource,
        scope: context.scope,
        name: out.intern_raw_hinted(hint::name(&wire.name), &wire.name),
        kind,
        start: TimestampNs(wire.start),
        end: TimestampNs(wire.end),
        status: status_code(&wire.status_code),
        status_message,
        attributes: wire.attributes,
        events: (),
        links: (),
        trace_state,
        // The low byte holds the W3C trace flags; bits 8-9 say whether the parent is remote.
        trace_flags: (wire.flags & 0xFF) as u8,
        dropped: wire.dropped,
    };
    out.keep_span(start, fields);
    Ok(())
}

/// A span's fields. The discriminant is the field's bit in `WireSpan::seen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    TraceId,
    SpanId,
    ParentSpanId,
    TraceState,
    Flags,
    Name,
    Kind,
    StartTime,
    EndTime,
    Attributes,
    DroppedAttributesCount,
    Events,
    DroppedEventsCount,
    Links,
    DroppedLinksCount,
    Status,
}

impl Field {
    /// The field `key` names, in OTLP/JSON's spelling or protobuf's.
    fn of(key: &[u8]) -> Option<Field> {
        Some(match key {
            b"traceId" | b"trace_id" => Field::TraceId,
            b"spanId" | b"span_id" => Field::SpanId,
            b"parentSpanId" | b"parent_span_id" => Field::ParentSpanId,
            b"traceState" | b"trace_state" => Field::TraceState,
            b"flags" => Field::Flags,
            b"name" => Field::Name,
            b"kind" => Field::Kind,
            b"startTimeUnixNano" | b"start_time_unix_nano" => Field::StartTime,
            b"endTimeUnixNano" | b"end_time_unix_nano" => Field::EndTime,
            b"attributes" => Field::Attributes,
            b"droppedAttributesCount" | b"dropped_attributes_count" => Field::DroppedAttributesCount,
            b"events" => Field::Events,
            b"droppedEventsCount" | b"dropped_events_count" => Field::DroppedEventsCount,
            b"links" => Field::Links,
            b"droppedLinksCount" | b"dropped_links_count" => Field::DroppedLinksCount,
            b"status" => Field::Status,
            _ => return None,
        })
    }

    /// The key in OTLP/JSON's spelling, with its quotes (what
    /// [`FieldOrder`] compares the next key with).
    fn quoted(self) -> &'static [u8] {
        match self {
            Field::TraceId => b"\"traceId\"",
            Field::SpanId => b"\"spanId\"",
            Field::ParentSpanId => b"\"parentSpanId\"",
            Field::TraceState => b"\"traceState\"",
            Field::Flags => b"\"flags\"",
            Field::Name => b"\"name\"",
            Field::Kind => b"\"kind\"",
            Field::StartTime => b"\"startTimeUnixNano\"",
            Field::EndTime => b"\"endTimeUnixNano\"",
            Field::Attributes => b"\"attributes\"",
            Field::DroppedAttributesCount => b"\"droppedAttributesCount\"",
            Field::Events => b"\"events\"",
            Field::DroppedEventsCount => b"\"droppedEventsCount\"",
            Field::Links => b"\"links\"",
            Field::DroppedLinksCount => b"\"droppedLinksCount\"",
            Field::Status => b"\"status\"",
        }
    }

    /// The key in OTLP/JSON's spelling, as messages name it.
    fn name(self) -> &'static str {
        match self {
            Field::TraceId => "traceId",
            Field::SpanId => "spanId",
            Field::ParentSpanId => "parentSpanId",
            Field::TraceState => "traceState",
            Field::Flags => "flags",
            Field::Name => "name",
            Field::Kind => "kind",
            Field::StartTime => "startTimeUnixNano",
            Field::EndTime => "endTimeUnixNano",
            Field::Attributes => "attributes",
            Field::DroppedAttributesCount => "droppedAttributesCount",
            Field::Events => "events",
            Field::DroppedEventsCount => "droppedEventsCount",
            Field::Links => "links",
            Field::DroppedLinksCount => "droppedLinksCount",
            Field::Status => "status",
        }
    }
}

/// Which key followed which in the spans read so far, to expect the same in
/// the next: an exporter writes every span's fields in one order, so a key
/// costs one comparison instead of a scan and a lookup among the sixteen
/// fields. Following keys rather than positions keeps the guesses right when
/// spans differ only in optional fields (a root without `parentSpanId`, a
/// span with `events`).
#[derive(Default)]
pub(super) struct FieldOrder {
    /// The field expected after each field (indexed by its discriminant), and
    /// first (the last entry).
    next: [Option<Field>; 17],
}

impl FieldOrder {
    fn slot(previous: Option<Field>) -> usize {
        previous.map_or(16, |f| f as usize)
    }

    fn after(&self, previous: Option<Field>) -> Option<Field> {
        self.next.get(Self::slot(previous)).copied().flatten()
    }

    fn learn(&mut self, previous: Option<Field>, field: Option<Field>) {
        if let Some(slot) = self.next.get_mut(Self::slot(previous)) {
            *slot = field;
        }
    }
}

/// The keys of a span's fields in the protocol's order (for the array form of a span).
const SPAN_FIELDS: &[&[u8]] = &[
    b"traceId",
    b"spanId",
    b"traceState",
    b"parentSpanId",
    b"flags",
    b"name",
    b"kind",
    b"startTimeUnixNano",
    b"endTimeUnixNano",
    b"attributes",
    b"droppedAttributesCount",
    b"events",
    b"droppedEventsCount",
    b"links",
    b"droppedLinksCount",
    b"status",
];

/// Reads the value of one span field.
fn field<'a>(cur: &mut Cursor<'a>, out: &mut Builder<'_>, wire: &mut WireSpan<'a>, f: Field) -> Result<(), JsonError> {
    let seen = &mut wire.seen;
    match f {
        Field::TraceId => {
            first(cur, seen, f as u32, f.name())?;
            wire.trace_id = WireId::read(cur, 16)?;
        }
        Field::SpanId => {
            first(cur, seen, f as u32, f.name())?;
            wire.span_id = WireId::read(cur, 8)?;
        }
        Field::ParentSpanId => {
            first(cur, seen, f as u32, f.name())?;
            wire.parent_span_id = if cur.null()? { None } else { Some(WireId::read(cur, 8)?) };
        }
        Field::TraceState => {
            first(cur, seen, f as u32, f.name())?;
            wire.trace_state = if cur.null()? {
                None
            } else {
                Some(cur.string_text(A_STRING)?)
            };
        }
        Field::Flags => {
            first(cur, seen, f as u32, f.name())?;
            wire.flags = u32_field(cur)?;
        }
        Field::Name => {
            first(cur, seen, f as u32, f.name())?;
            wire.name = cur.string_bytes(A_STRING)?;
        }
        Field::Kind => {
            first(cur, seen, f as u32, f.name())?;
            wire.kind = int_or_name(cur)?;
        }
        Field::StartTime => {
            first(cur, seen, f as u32, f.name())?;
            wire.start = lenient_u64(cur)?;
        }
        Field::EndTime => {
            first(cur, seen, f as u32, f.name())?;
            wire.end = lenient_u64(cur)?;
        }
        Field::Attributes => {
            first(cur, seen, f as u32, f.name())?;
            let read = key_values(cur, out)?;
            wire.attributes = read.range;
            wire.dropped.attributes = wire.dropped.attributes.saturating_add(read.dropped);
        }
        Field::DroppedAttributesCount => {
            first(cur, seen, f as u32, f.name())?;
            // Added to what the limit dropped, whichever field came first.
            wire.dropped.attributes = wire.dropped.attributes.saturating_add(u32_field(cur)?);
        }
        Field::Events => {
            first(cur, seen, f as u32, f.name())?;
            cur.array("a list of events", |cur, _| event(cur, out))?;
        }
        Field::DroppedEventsCount => {
            first(cur, seen, f as u32, f.name())?;
            wire.dropped.events = u32_field(cur)?;
        }
        Field::Links => {
            first(cur, seen, f as u32, f.name())?;
            let base64 = &mut wire.base64_links;
            cur.array("a list of links", |cur, _| link(cur, out, base64))?;
        }
        Field::DroppedLinksCount => {
            first(cur, seen, f as u32, f.name())?;
            wire.dropped.links = u32_field(cur)?;
        }
        Field::Status => {
            first(cur, seen, f as u32, f.name())?;
            if !cur.null()? {
                status(cur, wire)?;
            }
        }
    }
    Ok(())
}

fn status<'a>(cur: &mut Cursor<'a>, wire: &mut WireSpan<'a>) -> Result<(), JsonError> {
    let mut seen = 0;
    cur.record("a Status object", &[b"code", b"message"], |cur, key| {
        match key {
            b"code" => {
                first(cur, &mut seen, 0, "code")?;
                wire.status_code = int_or_name(cur)?;
            }
            b"message" => {
                first(cur, &mut seen, 1, "message")?;
                wire.status_message = if cur.null()? {
                    None
                } else {
                    Some(cur.string_text(A_STRING)?)
                };
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })
}

fn event(cur: &mut Cursor<'_>, out: &mut Builder<'_>) -> Result<(), JsonError> {
    let mark = out.mark();
    let mut seen = 0;
    let mut time = 0;
    let mut name = Cow::default();
    let mut attributes = StoreRange::default();
    cur.record(
        "an Event object",
        &[b"timeUnixNano", b"name", b"attributes"],
        |cur, key| {
            match key {
                b"timeUnixNano" | b"time_unix_nano" => {
                    first(cur, &mut seen, 0, "timeUnixNano")?;
                    time = lenient_u64(cur)?;
                }
                b"name" => {
                    first(cur, &mut seen, 1, "name")?;
                    name = cur.string_bytes(A_STRING)?;
                }
                b"attributes" => {
                    first(cur, &mut seen, 2, "attributes")?;
                    attributes = key_values(cur, out)?.range;
                }
                _ => cur.skip_unknown(key)?,
            }
            Ok(())
        },
    )?;
    let name = out.intern_raw(&name);
    out.push_event(
        mark,
        Event {
            time: TimestampNs(time),
            name,
            attributes,
        },
    );
    Ok(())
}

/// Reads one link; one with an unreadable ID is dropped (with what it added) and counted.
fn link(cur: &mut Cursor<'_>, out: &mut Builder<'_>, base64: &mut bool) -> Result<(), JsonError> {
    let mark = out.mark();
    let mut seen = 0;
    let (mut trace_id, mut span_id) = (Cow::default(), Cow::default());
    let mut trace_state = None;
    let mut attributes = StoreRange::default();
    let fields: &[&[u8]] = &[b"traceId", b"spanId", b"traceState", b"attributes"];
    cur.record("a Link object", fields, |cur, key| {
        match key {
            b"traceId" | b"trace_id" => {
                first(cur, &mut seen, 0, "traceId")?;
                trace_id = cur.string_bytes(A_STRING)?;
            }
            b"spanId" | b"span_id" => {
                first(cur, &mut seen, 1, "spanId")?;
                span_id = cur.string_bytes(A_STRING)?;
            }
            b"traceState" | b"trace_state" => {
                first(cur, &mut seen, 2, "traceState")?;
                trace_state = if cur.null()? {
                    None
                } else {
                    Some(cur.string_text(A_STRING)?)
                };
            }
            b"attributes" => {
                first(cur, &mut seen, 3, "attributes")?;
                attributes = key_values(cur, out)?.range;
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    let ids = (
        decode_id(&trace_id, 16, base64),
        decode_id(&span_id, 8, base64).and_then(|v| SpanId::new(v as u64)),
    );
    let (Some(trace_id), Some(span_id)) = ids else {
        // A bad link does not make the span unusable: drop the link, say so.
        out.undo(mark);
        out.warn(WarningKind::InvalidLink);
        return Ok(());
    };
    let trace_state = trace_state.filter(|t| !t.is_empty()).map(|t| out.intern(&t));
    out.push_link(
        mark,
        Link {
            trace_id: TraceId(trace_id),
            span_id,
            trace_state,
            attributes,
        },
    );
    Ok(())
}

/// Decodes an ID of `bytes` bytes, noting when it was base64 rather than hex.
/// A trace or span ID as read: hex of the exact width, decoded as it was read
/// (most files), or any other text, decoded when the span ends.
enum WireId<'a> {
    Hex(u128),
    Text(Cow<'a, [u8]>),
}

impl Default for WireId<'_> {
    fn default() -> Self {
        WireId::Text(Cow::Borrowed(b""))
    }
}

impl<'a> WireId<'a> {
    /// Reads an ID of `bytes` bytes (16 or 8).
    fn read(cur: &mut Cursor<'a>, bytes: usize) -> Result<WireId<'a>, JsonError> {
        Ok(match cur.hex_string(bytes * 2) {
            Some(value) => WireId::Hex(value),
            None => WireId::Text(cur.string_bytes(A_STRING)?),
        })
    }

    /// The ID's value, if it is valid (see [`decode_id`]).
    fn decode(&self, bytes: usize, base64: &mut bool) -> Option<u128> {
        match self {
            WireId::Hex(value) => (*value != 0 || bytes == 8).then_some(*value),
            WireId::Text(text) => decode_id(text, bytes, base64),
        }
    }

    /// The ID as written, for messages (hex is only rejected when zero,
    /// which reads the same in either case).
    fn text(&self, bytes: usize) -> String {
        match self {
            WireId::Hex(value) => format!("{value:0width$x}", width = bytes * 2),
            WireId::Text(text) => String::from_utf8_lossy(text).into_owned(),
        }
    }
}

fn decode_id(text: &[u8], bytes: usize, base64: &mut bool) -> Option<u128> {
    let (value, encoding) = parse_otlp_id(text, bytes)?;
    *base64 |= encoding == IdEncoding::Base64;
    // The all-zero trace or span ID is invalid in OTLP; a zero parent is handled by the caller.
    (value != 0 || bytes == 8).then_some(value)
}
