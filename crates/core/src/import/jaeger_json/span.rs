//! One Jaeger span, read field by field straight into the builder: its tags
//! become attributes and its logs events as they are read; its references
//! wait for the span's end, where the IDs are checked and it is kept (or
//! rejected, and everything it added taken back). Its resource is given
//! later, when the trace's processes are known (see [`super::Trace`]).

use super::Trace;
use super::tags::{self, Process, Tag, TagValue};
use crate::ids::{IdRepair, SpanId};
use crate::import::builder::{Builder, SpanFields};
use crate::import::json_scan::{Cursor, JsonError, first};
use crate::import::lenient::{A_STRING, Micros, lenient_u64, micros, signed_micros};
use crate::import::recent::{Part, Recent};
use crate::import::text_id::Id;
use crate::import::{RejectReason, WarningKind};
use crate::intern::Sym;
use crate::limits::MAX_ATTRIBUTES;
use crate::model::{AttrValue, Attribute, DroppedCounts, Event, Link, SpanKind, StatusCode, StoreRange};
use crate::time::{DurationNs, TimestampNs};
use std::borrow::Cow;

/// A span's fields, in the order serde's derived reader took them when a
/// span was written as an array of values.
const SPAN_FIELDS: &[&[u8]] = &[
    b"traceID",
    b"spanID",
    b"parentSpanID",
    b"operationName",
    b"references",
    b"startTime",
    b"duration",
    b"tags",
    b"processID",
    b"process",
    b"logs",
    b"warnings",
    b"flags",
];

/// A span's fields as written, until its object ends. The lists of the
/// span (references) are kept in the caller's [`Scratch`].
#[derive(Default)]
struct WireSpan<'a> {
    seen: u32,
    trace_id: Id<'a>,
    span_id: Id<'a>,
    parent_span_id: Option<Id<'a>>,
    operation_name: Cow<'a, [u8]>,
    start_time: Micros,
    duration: Micros,
    /// The duration was written negative: the span ends before it starts.
    negative_duration: bool,
    process_id: Option<Cow<'a, [u8]>>,
    process: Option<Process<'a>>,
    has_warnings: bool,
    flags: u64,
    kind: SpanKind,
    status: StatusCode,
    status_message: Option<Sym>,
    attributes: StoreRange,
    /// Tags read past [`MAX_ATTRIBUTES`], not kept.
    dropped_tags: u32,
}

/// A reference as written.
pub(super) struct Reference<'a> {
    ref_type: Cow<'a, [u8]>,
    trace_id: Id<'a>,
    span_id: Id<'a>,
}

/// Lists reused from span to span, so that reading one allocates nothing.
#[derive(Default)]
pub(super) struct Scratch<'a> {
    references: Vec<Reference<'a>>,
    order: FieldOrder,
    recent: Recent,
}

/// Which field followed which in the spans read so far, to expect the same
/// in the next: an exporter writes every span's keys in one order, so a key
/// costs one comparison instead of a scan and a lookup.
#[derive(Default)]
struct FieldOrder {
    /// The field expected after each field (by its index in [`SPAN_FIELDS`]), and first (the last entry).
    next: [Option<usize>; SPAN_FIELDS.len() + 1],
}

impl FieldOrder {
    fn slot(previous: Option<usize>) -> usize {
        previous.unwrap_or(SPAN_FIELDS.len())
    }

    fn after(&self, previous: Option<usize>) -> Option<usize> {
        self.next.get(Self::slot(previous)).copied().flatten()
    }

    fn learn(&mut self, previous: Option<usize>, field: Option<usize>) {
        if let Some(slot) = self.next.get_mut(Self::slot(previous)) {
            *slot = field;
        }
    }
}

/// The keys of [`SPAN_FIELDS`] with their quotes, for [`Cursor::eat_key`].
const QUOTED_FIELDS: &[&[u8]] = &[
    b"\"traceID\"",
    b"\"spanID\"",
    b"\"parentSpanID\"",
    b"\"operationName\"",
    b"\"references\"",
    b"\"startTime\"",
    b"\"duration\"",
    b"\"tags\"",
    b"\"processID\"",
    b"\"process\"",
    b"\"logs\"",
    b"\"warnings\"",
    b"\"flags\"",
];

/// Reads span `i` of trace `t` and keeps or rejects it.
pub(super) fn span<'a>(
    cur: &mut Cursor<'a>,
    out: &mut Builder<'_>,
    trace: &mut Trace<'a>,
    scratch: &mut Scratch<'a>,
    scope: u32,
    (t, i): (usize, usize),
) -> Result<(), JsonError> {
    let start = out.begin_span();
    let mut wire = WireSpan::default();
    scratch.references.clear();
    let Scratch {
        references,
        order,
        recent,
    } = scratch;
    let lists = &mut (references, recent);
    if cur.next_byte() == Some(b'[') {
        cur.record("struct WireSpan", SPAN_FIELDS, |cur, key| match field_index(key) {
            Some(f) => field(cur, out, &mut wire, lists, f),
            None => cur.skip_unknown(key),
        })?;
    } else {
        let mut previous = None;
        cur.members("struct WireSpan", |cur, _| {
            if let Some(f) = order.after(previous)
                && let Some(&quoted) = QUOTED_FIELDS.get(f)
                && cur.eat_key(quoted)
            {
                previous = Some(f);
                let name = SPAN_FIELDS.get(f).copied().unwrap_or_default();
                return field(cur, out, &mut wire, lists, f).map_err(|error| error.within_key(name));
            }
            let key = cur.key()?;
            let f = field_index(&key);
            if f.is_some() {
                order.learn(previous, f);
                previous = f;
            }
            match f {
                Some(f) => field(cur, out, &mut wire, lists, f),
                None => cur.skip_unknown(&key),
            }
            .map_err(|error| error.within_key(&key))
        })?;
    }
    let place = || format!("data[{t}].spans[{i}]");
    // The process is looked up (and later made a resource) whether or not the span is kept.
    let slot = match wire.process.is_some() {
        true => None,
        false => Some(trace.use_process(wire.process_id.take().unwrap_or_default())),
    };

    let Some((trace_id, trace_repair)) = wire.trace_id.trace_id() else {
        out.reject_span(start, RejectReason::InvalidTraceId, || {
            format!("{}: traceID is missing or zero", place())
        });
        inline_process(wire.process, None, out);
        return Ok(());
    };
    let Some((span_id, span_repair)) = wire.span_id.span_id() else {
        out.reject_span(start, RejectReason::InvalidSpanId, || {
            format!("{}: spanID is missing or zero", place())
        });
        inline_process(wire.process, None, out);
        return Ok(());
    };
    let (Some(begin), Some(duration)) = (wire.start_time.checked_nanos(), wire.duration.checked_nanos()) else {
        out.reject_span(start, RejectReason::TimestampOutOfRange, || {
            format!(
                "{}: startTime {} / duration {} µs do not fit in 64-bit nanoseconds",
                place(),
                wire.start_time,
                wire.duration
            )
        });
        inline_process(wire.process, None, out);
        return Ok(());
    };
    let references = &scratch.references;
    let parent = parent_reference(&wire, references);
    let mut worst_repair = trace_repair.max(span_repair);
    let parent_span_id = match parent {
        Some(ParentRef::Reference(r)) => references
            .get(r)
            .and_then(|r| reference_span_id(&r.span_id, &mut worst_repair)),
        Some(ParentRef::Legacy(id)) => reference_span_id(id, &mut worst_repair),
        None => None,
    };
    // Every other reference (FOLLOWS_FROM, or into another trace) becomes a link.
    for (r, reference) in references.iter().enumerate() {
        if parent == Some(ParentRef::Reference(r)) {
            continue;
        }
        let ids = (reference.trace_id.trace_id(), reference.span_id.span_id());
        let (Some((link_trace, r1)), Some((link_span, r2))) = ids else {
            out.warn(WarningKind::InvalidLink);
            continue;
        };
        worst_repair = worst_repair.max(r1).max(r2);
        let mark = out.mark();
        let attributes_start = out.attribute_count();
        let key = out.intern("jaeger.ref_type");
        let value = AttrValue::Str(out.intern_raw(&reference.ref_type));
        out.push_attribute(Attribute { key, value });
        let attributes = out.attributes_since(attributes_start);
        out.push_link(
            mark,
            Link {
                trace_id: link_trace,
                span_id: link_span,
                trace_state: None,
                attributes,
            },
        );
    }
    // One warning per span, for the most drastic repair among its IDs.
    match worst_repair {
        IdRepair::None => {}
        IdRepair::Padded => out.warn(WarningKind::IdPadded),
        IdRepair::Hashed => out.warn(WarningKind::IdHashed),
    }
    if wire.has_warnings {
        out.warn(WarningKind::ProducerWarnings);
    }
    let service = service_key(wire.process_id.as_deref());
    let name = scratch
        .recent
        .operation(&wire.operation_name, service)
        .name(out, &wire.operation_name, |out| {
            tags::intern_name(out, &wire.operation_name)
        });
    let begin = TimestampNs(begin);
    let index = out.span_count();
    out.keep_span(
        start,
        SpanFields {
            trace_id,
            span_id,
            parent_span_id,
            resource: None,
            scope: Some(scope),
            name,
            kind: wire.kind,
            start: begin,
            end: if wire.negative_duration {
                // Before the start (the builder warns); never 0, which says "no end".
                TimestampNs(begin.0.saturating_sub(duration).max(1))
            } else {
                begin.saturating_add(DurationNs(duration))
            },
            status: wire.status,
            status_message: wire.status_message,
            attributes: wire.attributes,
            events: (),
            links: (),
            trace_state: None,
            trace_flags: (wire.flags & 0xFF) as u8,
            dropped: DroppedCounts {
                attributes: wire.dropped_tags,
                ..DroppedCounts::default()
            },
        },
    );
    match slot {
        Some(slot) => trace.kept(index, slot),
        None => inline_process(wire.process, Some(index), out),
    }
    Ok(())
}

/// A span's own process (rare: Jaeger writes `processID`s) becomes a
/// resource of its own, given to the span at `index` if it was kept.
fn inline_process(process: Option<Process<'_>>, index: Option<usize>, out: &mut Builder<'_>) {
    if let Some(process) = process {
        let resource = tags::process_resource(Some(&process), out);
        if let Some(index) = index {
            out.assign_resource_at(index, resource);
        }
    }
}

/// The index in [`SPAN_FIELDS`] of the field `key` names.
fn field_index(key: &[u8]) -> Option<usize> {
    SPAN_FIELDS.iter().position(|&field| field == key)
}

/// A cheap number for a process ID, to tell apart operations of one name
/// in different services when the ID comes before the tags (any number
/// would do: guesses are checked).
fn service_key(process_id: Option<&[u8]>) -> u32 {
    process_id
        .unwrap_or_default()
        .iter()
        .fold(0u32, |h, &b| h.rotate_left(5) ^ u32::from(b))
}

/// Reads the value of span field `f` (its index in [`SPAN_FIELDS`]); the
/// span's lists are its references and the guesses of its strings.
fn field<'a>(
    cur: &mut Cursor<'a>,
    out: &mut Builder<'_>,
    wire: &mut WireSpan<'a>,
    (references, recent): &mut (&mut Vec<Reference<'a>>, &mut Recent),
    f: usize,
) -> Result<(), JsonError> {
    let seen = &mut wire.seen;
    match f {
        0 => {
            first(cur, seen, 0, "traceID")?;
            wire.trace_id = Id::trace(cur)?;
        }
        1 => {
            first(cur, seen, 1, "spanID")?;
            wire.span_id = Id::span(cur)?;
        }
        2 => {
            first(cur, seen, 2, "parentSpanID")?;
            wire.parent_span_id = if cur.null()? { None } else { Some(Id::span(cur)?) };
        }
        3 => {
            first(cur, seen, 3, "operationName")?;
            wire.operation_name = cur.string_utf8(A_STRING)?;
        }
        4 => {
            first(cur, seen, 4, "references")?;
            if !cur.null()? {
                cur.array("a sequence", |cur, _| {
                    references.push(reference(cur)?);
                    Ok(())
                })?;
            }
        }
        5 => {
            first(cur, seen, 5, "startTime")?;
            wire.start_time = micros(cur)?;
        }
        6 => {
            first(cur, seen, 6, "duration")?;
            (wire.duration, wire.negative_duration) = signed_micros(cur)?;
        }
        7 => {
            first(cur, seen, 7, "tags")?;
            span_tags(cur, out, wire, recent)?;
        }
        8 => {
            first(cur, seen, 8, "processID")?;
            wire.process_id = if cur.null()? {
                None
            } else {
                Some(cur.string_utf8(A_STRING)?)
            };
        }
        9 => {
            first(cur, seen, 9, "process")?;
            wire.process = if cur.null()? { None } else { Some(tags::process(cur)?) };
        }
        10 => {
            first(cur, seen, 10, "logs")?;
            if !cur.null()? {
                cur.array("a sequence", |cur, _| log(cur, out))?;
            }
        }
        11 => {
            first(cur, seen, 11, "warnings")?;
            wire.has_warnings = false;
            if !cur.null()? {
                cur.array("a sequence", |cur, _| {
                    wire.has_warnings = true;
                    cur.string_text(A_STRING).map(drop)
                })?;
            }
        }
        _ => {
            first(cur, seen, 12, "flags")?;
            wire.flags = lenient_u64(cur)?;
        }
    }
    Ok(())
}

/// The span's tags: the kind and status tags set those, the rest become
/// attributes, in the order written. Their keys and texts are guessed from
/// the last span of the operation (read before the tags in both the order
/// Jaeger writes and sorted order; if not, the guesses of a nameless
/// operation are tried and checked the same way).
fn span_tags<'a>(
    cur: &mut Cursor<'a>,
    out: &mut Builder<'_>,
    wire: &mut WireSpan<'a>,
    recent: &mut Recent,
) -> Result<(), JsonError> {
    let operation = recent.operation(&wire.operation_name, service_key(wire.process_id.as_deref()));
    let attributes_start = out.attribute_count();
    let mut position = 0;
    tags::tags(cur, |_, _, tag| {
        match (&*tag.key, &tag.value) {
            (b"span.kind", TagValue::Str(name)) if SpanKind::from_name_bytes(name).is_some() => {
                wire.kind = SpanKind::from_name_bytes(name).unwrap_or_default();
            }
            (b"error", TagValue::Bool(b)) => {
                if *b {
                    wire.status = StatusCode::Error;
                }
            }
            (b"error", TagValue::Str(s)) if **s == *b"true" || **s == *b"false" => {
                if **s == *b"true" {
                    wire.status = StatusCode::Error;
                }
            }
            (b"otel.status_code", TagValue::Str(code)) if **code == *b"ERROR" => wire.status = StatusCode::Error,
            (b"otel.status_code", TagValue::Str(code)) if **code == *b"OK" && wire.status != StatusCode::Error => {
                wire.status = StatusCode::Ok;
            }
            (b"otel.status_description", TagValue::Str(message)) => {
                wire.status_message = Some(out.intern_raw(message));
            }
            _ if position >= MAX_ATTRIBUTES => wire.dropped_tags = wire.dropped_tags.saturating_add(1),
            _ => {
                let key = operation.tag((position, Part::Key), out, &tag.key, |out| {
                    tags::intern_key(out, position, &tag.key)
                });
                let value = tags::convert_value(&tag, out, |out, text| {
                    operation.tag((position, Part::Value), out, text, |out| {
                        tags::intern_value(out, key, text)
                    })
                });
                out.push_attribute(Attribute { key, value });
                position += 1;
            }
        }
        Ok(())
    })?;
    wire.attributes = out.attributes_since(attributes_start);
    out.attributes_dropped(wire.dropped_tags as usize);
    Ok(())
}

/// One log, pushed as an event named by its `event` field (OpenTelemetry's mapping).
fn log(cur: &mut Cursor<'_>, out: &mut Builder<'_>) -> Result<(), JsonError> {
    let mark = out.mark();
    let mut seen = 0;
    let mut time = Micros::default();
    let mut name = None;
    let attributes_start = out.attribute_count();
    known_keys(cur, "struct Log", LOG_FIELDS, |cur, key| {
        match key {
            b"timestamp" => {
                first(cur, &mut seen, 0, "timestamp")?;
                time = micros(cur)?;
            }
            b"fields" => {
                first(cur, &mut seen, 1, "fields")?;
                let mut position = 0;
                let mut dropped = 0;
                tags::tags(cur, |_, _, field: Tag<'_>| {
                    match (&*field.key, &field.value) {
                        (b"event", TagValue::Str(event)) if name.is_none() => {
                            name = Some(tags::intern_name(out, event))
                        }
                        _ if position >= MAX_ATTRIBUTES => dropped += 1,
                        _ => {
                            let attribute = tags::attribute(&field, position, out);
                            out.push_attribute(attribute);
                            position += 1;
                        }
                    }
                    Ok(())
                })?;
                out.attributes_dropped(dropped);
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    let attributes = out.attributes_since(attributes_start);
    let name = name.unwrap_or_else(|| out.intern("log"));
    out.push_event(
        mark,
        Event {
            time: TimestampNs(time.saturating_nanos()),
            name,
            attributes,
        },
    );
    Ok(())
}

/// A log's fields, in serde's order, with their quoted keys.
const LOG_FIELDS: &[(&[u8], &[u8])] = &[(b"timestamp", b"\"timestamp\""), (b"fields", b"\"fields\"")];

/// A reference's fields, in serde's order, with their quoted keys.
const REFERENCE_FIELDS: &[(&[u8], &[u8])] = &[
    (b"refType", b"\"refType\""),
    (b"traceID", b"\"traceID\""),
    (b"spanID", b"\"spanID\""),
];

/// Reads a small record as [`Cursor::record`] does, but an object's keys
/// are first compared with the record's own (`fields`: name, quoted), one
/// comparison each, before a key is scanned for: logs and references are
/// many, and their keys always these.
fn known_keys<'a>(
    cur: &mut Cursor<'a>,
    expected: &str,
    fields: &[(&'static [u8], &'static [u8])],
    mut member: impl FnMut(&mut Cursor<'a>, &[u8]) -> Result<(), JsonError>,
) -> Result<(), JsonError> {
    if cur.next_byte() == Some(b'[') {
        let names: [&[u8]; 3] = std::array::from_fn(|i| fields.get(i).map_or(&b""[..], |f| f.0));
        return cur.record(expected, names.get(..fields.len()).unwrap_or_default(), member);
    }
    cur.members(expected, |cur, _| {
        if let Some(&(name, _)) = fields.iter().find(|(_, quoted)| cur.eat_key(quoted)) {
            return member(cur, name).map_err(|error| error.within_key(name));
        }
        let key = cur.key()?;
        member(cur, &key).map_err(|error| error.within_key(&key))
    })
}

fn reference<'a>(cur: &mut Cursor<'a>) -> Result<Reference<'a>, JsonError> {
    let mut seen = 0;
    let mut reference = Reference {
        ref_type: Cow::Borrowed(b""),
        trace_id: Id::default(),
        span_id: Id::default(),
    };
    known_keys(cur, "struct Reference", REFERENCE_FIELDS, |cur, key| {
        match key {
            b"refType" => {
                first(cur, &mut seen, 0, "refType")?;
                reference.ref_type = cur.string_utf8(A_STRING)?;
            }
            b"traceID" => {
                first(cur, &mut seen, 1, "traceID")?;
                reference.trace_id = Id::trace(cur)?;
            }
            b"spanID" => {
                first(cur, &mut seen, 2, "spanID")?;
                reference.span_id = Id::span(cur)?;
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    Ok(reference)
}

/// Which reference, if any, names the parent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ParentRef<'s> {
    /// `references[i]`.
    Reference(usize),
    /// The legacy `parentSpanID` field.
    Legacy(&'s Id<'s>),
}

/// The parent: the first CHILD_OF reference within the same trace, else the
/// first reference within the same trace (FOLLOWS_FROM), else the legacy
/// `parentSpanID` field. A reference into another trace is a link, never a parent.
fn parent_reference<'s>(span: &'s WireSpan<'s>, references: &[Reference<'_>]) -> Option<ParentRef<'s>> {
    let same_trace = |r: &Reference<'_>| r.trace_id.is_empty() || same_id(&r.trace_id, &span.trace_id);
    references
        .iter()
        .position(|r| *r.ref_type == *b"CHILD_OF" && same_trace(r))
        .or_else(|| references.iter().position(same_trace))
        .map(ParentRef::Reference)
        .or_else(|| span.parent_span_id.as_ref().map(ParentRef::Legacy))
}

/// Equal trace IDs, ignoring case and stripped leading zeros.
fn same_id(a: &Id<'_>, b: &Id<'_>) -> bool {
    a == b || a.trace_id().map(|(id, _)| id) == b.trace_id().map(|(id, _)| id)
}

/// A parent span ID; all zeros or empty means none (`parse_span_id` says so).
fn reference_span_id(written: &Id<'_>, worst_repair: &mut IdRepair) -> Option<SpanId> {
    let (id, repair) = written.span_id()?;
    *worst_repair = (*worst_repair).max(repair);
    Some(id)
}
