//! One Zipkin span read from the bytes into [`WireSpan`], its fields as
//! written (texts as bytes checked to be UTF-8, borrowed from the file when
//! they hold no escapes). A span is read whole before it is converted: its
//! tags are sorted by key (the order the serde reader's map gave them, and
//! the order the status tags are judged in), and a fragment may have to be
//! merged into another span first.

use crate::import::json_scan::{Cursor, JsonError, Number, first, float_text};
use crate::import::lenient::{A_STRING, Micros, micros, signed_micros};
use crate::import::text_id::Id;
use crate::limits::{MAX_ATTRIBUTES, MAX_EVENTS};
use std::borrow::Cow;

/// Text checked to be UTF-8.
pub(super) type Text<'a> = Cow<'a, [u8]>;

/// A span's fields as written.
#[derive(Default)]
pub(super) struct WireSpan<'a> {
    pub trace_id: Id<'a>,
    pub id: Id<'a>,
    pub parent_id: Option<Id<'a>>,
    pub name: Option<Text<'a>>,
    pub kind: Option<Text<'a>>,
    /// `null` reads as 0, as it did: present, unlike a missing field.
    pub timestamp: Option<Micros>,
    pub duration: Option<Micros>,
    /// The duration was written negative: the span ends before it starts.
    pub negative_duration: bool,
    pub shared: Option<bool>,
    pub local_endpoint: Option<Endpoint<'a>>,
    pub remote_endpoint: Option<Endpoint<'a>>,
    /// The first [`MAX_EVENTS`] annotations.
    pub annotations: Vec<Annotation<'a>>,
    /// Annotations read past [`MAX_EVENTS`], not kept.
    pub dropped_annotations: u32,
    /// Sorted by key, each key once (the last value written wins).
    pub tags: Vec<(Text<'a>, Text<'a>)>,
    /// Tags read past [`MAX_ATTRIBUTES`], not kept.
    pub dropped_tags: u32,
    /// Fragments of the same span were merged into this one: its tags are
    /// unsorted until `convert::settle`.
    pub absorbed: bool,
}

#[derive(Default)]
pub(super) struct Endpoint<'a> {
    pub service_name: Option<Text<'a>>,
    pub ipv4: Option<Text<'a>>,
    pub ipv6: Option<Text<'a>>,
    pub port: Option<u16>,
}

pub(super) struct Annotation<'a> {
    pub timestamp: Micros,
    pub value: Text<'a>,
}

/// A span's fields, in the order serde's derived reader took them when a
/// span was written as an array of values.
const SPAN_FIELDS: &[&[u8]] = &[
    b"traceId",
    b"id",
    b"parentId",
    b"name",
    b"kind",
    b"timestamp",
    b"duration",
    b"shared",
    b"localEndpoint",
    b"remoteEndpoint",
    b"annotations",
    b"tags",
];

impl<'a> WireSpan<'a> {
    /// Empties the span for the next, keeping its lists' memory.
    pub fn clear(&mut self) {
        self.trace_id = Id::default();
        self.id = Id::default();
        self.parent_id = None;
        self.name = None;
        self.kind = None;
        self.timestamp = None;
        self.duration = None;
        self.negative_duration = false;
        self.shared = None;
        self.local_endpoint = None;
        self.remote_endpoint = None;
        self.annotations.clear();
        self.dropped_annotations = 0;
        self.tags.clear();
        self.dropped_tags = 0;
        self.absorbed = false;
    }

    /// The local service, `""` when none is named.
    pub fn local_service(&self) -> &[u8] {
        self.local_endpoint
            .as_ref()
            .and_then(|e| e.service_name.as_deref())
            .unwrap_or_default()
    }

    /// [`WireSpan::local_service`] as it was read (borrowed from the file when it could be).
    pub fn local_endpoint_service(&self) -> Text<'a> {
        self.local_endpoint
            .as_ref()
            .and_then(|e| e.service_name.clone())
            .unwrap_or_default()
    }
}

/// [`SPAN_FIELDS`] as text, for error messages.
const FIELD_NAMES: &[&str] = &[
    "traceId",
    "id",
    "parentId",
    "name",
    "kind",
    "timestamp",
    "duration",
    "shared",
    "localEndpoint",
    "remoteEndpoint",
    "annotations",
    "tags",
];

/// Reads the key of span field `f` (its index in [`SPAN_FIELDS`]) and its
/// colon if they come next, as nearly every writer puts them (no space
/// before the colon): each a comparison with a constant, where a key read
/// and looked up costs a scan and a search.
#[inline(always)]
fn eat_field_key(cur: &mut Cursor<'_>, f: usize) -> bool {
    let eaten = match f {
        0 => cur.eat_exact(b"\"traceId\":"),
        1 => cur.eat_exact(b"\"id\":"),
        2 => cur.eat_exact(b"\"parentId\":"),
        3 => cur.eat_exact(b"\"name\":"),
        4 => cur.eat_exact(b"\"kind\":"),
        5 => cur.eat_exact(b"\"timestamp\":"),
        6 => cur.eat_exact(b"\"duration\":"),
        7 => cur.eat_exact(b"\"shared\":"),
        8 => cur.eat_exact(b"\"localEndpoint\":"),
        9 => cur.eat_exact(b"\"remoteEndpoint\":"),
        10 => cur.eat_exact(b"\"annotations\":"),
        11 => cur.eat_exact(b"\"tags\":"),
        _ => false,
    };
    if eaten {
        cur.skip_whitespace();
    }
    eaten
}

/// Which field followed which in the spans read so far, to expect the same
/// in the next: a writer puts every span's keys in one order, so a key costs
/// one comparison instead of a scan and a lookup.
#[derive(Default)]
pub(super) struct FieldOrder {
    /// The field expected after each field (by index), and first (the last entry).
    next: [Option<usize>; SPAN_FIELDS.len() + 1],
}

impl FieldOrder {
    fn slot(previous: Option<usize>) -> usize {
        previous.unwrap_or(SPAN_FIELDS.len())
    }
}

/// Reads one span into `span` (emptied first).
pub(super) fn span<'a>(cur: &mut Cursor<'a>, span: &mut WireSpan<'a>, order: &mut FieldOrder) -> Result<(), JsonError> {
    span.clear();
    let mut seen = 0;
    if cur.next_byte() == Some(b'[') {
        return cur.record("struct WireSpan", SPAN_FIELDS, |cur, key| match field_index(key) {
            Some(f) => field(cur, span, &mut seen, f),
            None => cur.skip_unknown(key),
        });
    }
    let mut previous = None;
    cur.members("struct WireSpan", |cur, _| {
        let expected = order.next.get(FieldOrder::slot(previous)).copied().flatten();
        if let Some(f) = expected
            && eat_field_key(cur, f)
        {
            previous = Some(f);
            let name = SPAN_FIELDS.get(f).copied().unwrap_or_default();
            return field(cur, span, &mut seen, f).map_err(|error| error.within_key(name));
        }
        let key = cur.key()?;
        let f = field_index(&key);
        if f.is_some() {
            if let Some(slot) = order.next.get_mut(FieldOrder::slot(previous)) {
                *slot = f;
            }
            previous = f;
        }
        match f {
            Some(f) => field(cur, span, &mut seen, f),
            None => cur.skip_unknown(&key),
        }
        .map_err(|error| error.within_key(&key))
    })
}

fn field_index(key: &[u8]) -> Option<usize> {
    SPAN_FIELDS.iter().position(|&field| field == key)
}

/// Reads the value of span field `f` (its index in [`SPAN_FIELDS`]).
fn field<'a>(cur: &mut Cursor<'a>, span: &mut WireSpan<'a>, seen: &mut u32, f: usize) -> Result<(), JsonError> {
    first(cur, seen, f as u32, FIELD_NAMES.get(f).copied().unwrap_or_default())?;
    match f {
        0 => span.trace_id = Id::trace(cur)?,
        1 => span.id = Id::span(cur)?,
        2 => span.parent_id = if cur.null()? { None } else { Some(Id::span(cur)?) },
        3 => span.name = optional_text(cur)?,
        4 => span.kind = optional_text(cur)?,
        5 => span.timestamp = Some(micros(cur)?),
        6 => {
            let (duration, negative) = signed_micros(cur)?;
            (span.duration, span.negative_duration) = (Some(duration), negative);
        }
        7 => {
            span.shared = if cur.null()? {
                None
            } else {
                Some(cur.bool("a boolean")?)
            }
        }
        8 => span.local_endpoint = endpoint(cur)?,
        9 => span.remote_endpoint = endpoint(cur)?,
        10 => {
            if !cur.null()? {
                cur.array("a sequence", |cur, _| {
                    let annotation = annotation(cur)?;
                    if span.annotations.len() < MAX_EVENTS {
                        span.annotations.push(annotation);
                    } else {
                        span.dropped_annotations = span.dropped_annotations.saturating_add(1);
                    }
                    Ok(())
                })?;
            }
        }
        _ => {
            if !cur.null()? {
                tags(cur, &mut span.tags, &mut span.dropped_tags)?;
            }
        }
    }
    Ok(())
}

/// A string, or `null` for none.
#[inline]
fn optional_text<'a>(cur: &mut Cursor<'a>) -> Result<Option<Text<'a>>, JsonError> {
    if let Some(text) = cur.ascii_string() {
        return Ok(Some(Cow::Borrowed(text)));
    }
    Ok(if cur.null()? {
        None
    } else {
        Some(cur.string_utf8(A_STRING)?)
    })
}

/// An endpoint, or `null` for none.
fn endpoint<'a>(cur: &mut Cursor<'a>) -> Result<Option<Endpoint<'a>>, JsonError> {
    if let Some(endpoint) = cur.attempt(usual_endpoint) {
        return Ok(Some(endpoint));
    }
    if cur.null()? {
        return Ok(None);
    }
    let mut seen = 0;
    let mut endpoint = Endpoint::default();
    let fields: &[&[u8]] = &[b"serviceName", b"ipv4", b"ipv6", b"port"];
    cur.record("struct Endpoint", fields, |cur, key| {
        match key {
            b"serviceName" => {
                first(cur, &mut seen, 0, "serviceName")?;
                endpoint.service_name = optional_text(cur)?;
            }
            b"ipv4" => {
                first(cur, &mut seen, 1, "ipv4")?;
                endpoint.ipv4 = optional_text(cur)?;
            }
            b"ipv6" => {
                first(cur, &mut seen, 2, "ipv6")?;
                endpoint.ipv6 = optional_text(cur)?;
            }
            b"port" => {
                first(cur, &mut seen, 3, "port")?;
                endpoint.port = if cur.null()? { None } else { Some(port(cur)?) };
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    Ok(Some(endpoint))
}

/// An endpoint written as Zipkin writes one, `{"serviceName":"…"}` then
/// `"ipv4"`, `"ipv6"` and `"port"` if given, in that order, compactly with
/// plain ASCII text; read as a run of expected tokens. Anything else (and
/// every error) returns `None` with the cursor back where it was, for
/// [`endpoint`] to read as always (see [`Cursor::attempt`]).
#[inline(always)]
fn usual_endpoint<'a>(cur: &mut Cursor<'a>) -> Option<Endpoint<'a>> {
    if !(cur.can_nest(1) && cur.eat_exact(b"{\"serviceName\":")) {
        return None;
    }
    let text = |cur: &mut Cursor<'a>| cur.ascii_string().map(Cow::Borrowed);
    let mut endpoint = Endpoint {
        service_name: Some(text(cur)?),
        ..Endpoint::default()
    };
    if cur.eat_exact(b",\"ipv4\":") {
        endpoint.ipv4 = Some(text(cur)?);
    }
    if cur.eat_exact(b",\"ipv6\":") {
        endpoint.ipv6 = Some(text(cur)?);
    }
    if cur.eat_exact(b",\"port\":") {
        endpoint.port = match cur.number().ok()? {
            Number::U64(port) => Some(u16::try_from(port).ok()?),
            _ => return None,
        };
    }
    cur.eat_exact(b"}").then_some(endpoint)
}

/// A port: a number that fits in 16 bits, as serde read a `u16`.
fn port(cur: &mut Cursor<'_>) -> Result<u16, JsonError> {
    if !matches!(cur.next_byte(), Some(b'-' | b'0'..=b'9')) {
        return Err(cur.invalid_type("u16"));
    }
    match cur.number()? {
        Number::U64(v) => {
            u16::try_from(v).map_err(|_| cur.error(format!("invalid value: integer `{v}`, expected u16")))
        }
        Number::I64(v) => Err(cur.error(format!("invalid value: integer `{v}`, expected u16"))),
        Number::F64(v) => Err(cur.error(format!(
            "invalid type: floating point `{}`, expected u16",
            float_text(v)
        ))),
    }
}

fn annotation<'a>(cur: &mut Cursor<'a>) -> Result<Annotation<'a>, JsonError> {
    let mut seen = 0;
    let mut annotation = Annotation {
        timestamp: Micros::default(),
        value: Cow::Borrowed(b""),
    };
    cur.record("struct Annotation", &[b"timestamp", b"value"], |cur, key| {
        match key {
            b"timestamp" => {
                first(cur, &mut seen, 0, "timestamp")?;
                annotation.timestamp = micros(cur)?;
            }
            b"value" => {
                first(cur, &mut seen, 1, "value")?;
                annotation.value = cur.string_utf8(A_STRING)?;
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    Ok(annotation)
}

/// The `tags` map (all values strings), sorted by key with the last value
/// of a key given twice, as the serde reader's `BTreeMap` held them. Tags
/// past [`MAX_ATTRIBUTES`] are read but only counted, in `dropped`.
fn tags<'a>(cur: &mut Cursor<'a>, tags: &mut Vec<(Text<'a>, Text<'a>)>, dropped: &mut u32) -> Result<(), JsonError> {
    if usual_tags(cur, tags, dropped) {
        sort_tags(tags);
        return Ok(());
    }
    cur.members("a map", |cur, _| {
        let key = cur.key()?;
        let value = cur.string_utf8(A_STRING).map_err(|error| error.within_key(&key))?;
        if tags.len() < MAX_ATTRIBUTES {
            tags.push((key, value));
        } else {
            *dropped = dropped.saturating_add(1);
        }
        Ok(())
    })?;
    sort_tags(tags);
    Ok(())
}

/// Tags written as Zipkin writes them, `{"key":"value",…}` compactly with
/// plain ASCII text, read as a run of expected tokens. Anything else (and
/// every error) returns `false` with the cursor and the lists as they were,
/// for [`tags`] to read as always.
#[inline]
fn usual_tags<'a>(cur: &mut Cursor<'a>, tags: &mut Vec<(Text<'a>, Text<'a>)>, dropped: &mut u32) -> bool {
    let (kept, was_dropped) = (tags.len(), *dropped);
    if cur.attempt(|cur| usual_tag_tokens(cur, tags, dropped)).is_some() {
        return true;
    }
    tags.truncate(kept);
    *dropped = was_dropped;
    false
}

#[inline(always)]
fn usual_tag_tokens<'a>(cur: &mut Cursor<'a>, tags: &mut Vec<(Text<'a>, Text<'a>)>, dropped: &mut u32) -> Option<()> {
    if !(cur.can_nest(1) && cur.eat_exact(b"{")) {
        return None;
    }
    if cur.eat_exact(b"}") {
        return Some(());
    }
    loop {
        let key = cur.ascii_string()?;
        if !cur.eat_exact(b":") {
            return None;
        }
        let value = cur.ascii_string()?;
        if tags.len() < MAX_ATTRIBUTES {
            tags.push((Cow::Borrowed(key), Cow::Borrowed(value)));
        } else {
            *dropped = dropped.saturating_add(1);
        }
        if !cur.eat_exact(b",") {
            return cur.eat_exact(b"}").then_some(());
        }
    }
}

/// Sorts tags by key and keeps the last value of each key.
fn sort_tags(tags: &mut Vec<(Text<'_>, Text<'_>)>) {
    // Writers usually sort keys already (Zipkin's own does).
    if tags.windows(2).all(|pair| matches!(pair, [a, b] if a.0 < b.0)) {
        return;
    }
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    let mut kept = 0;
    for i in 0..tags.len() {
        let last_of_key = tags
            .get(i + 1)
            .is_none_or(|next| tags.get(i).is_some_and(|this| this.0 != next.0));
        if last_of_key {
            tags.swap(kept, i);
            kept += 1;
        }
    }
    tags.truncate(kept);
}
