//! Jaeger tags (`{"key": …, "type": …, "value": …}`) and processes: read
//! whole, because a tag's declared type may follow its value, then converted
//! into the model's attributes.

use crate::import::WarningKind;
use crate::import::builder::Builder;
use crate::import::json_scan::{Cursor, JsonError, Number, first};
use crate::import::lenient::A_STRING;
use crate::intern::{Interner, Sym};
use crate::limits::MAX_ATTRIBUTES;
use crate::model::{AttrValue, Attribute};
use base64::Engine as _;
use std::borrow::Cow;

/// What serde called a tag value it could not read.
const TAG_VALUE: &str = "a tag value: string, number or boolean";

/// A tag as written, before its declared type is applied. Its texts are
/// bytes checked to be UTF-8 ([`Cursor::string_utf8`]).
pub(super) struct Tag<'a> {
    pub key: Cow<'a, [u8]>,
    pub declared_type: Option<Cow<'a, [u8]>>,
    pub value: TagValue<'a>,
}

/// A tag value as written.
#[derive(Default)]
pub(super) enum TagValue<'a> {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, [u8]>),
}

/// Reads one tag.
#[inline]
pub(super) fn tag<'a>(cur: &mut Cursor<'a>) -> Result<Tag<'a>, JsonError> {
    if let Some(tag) = cur.attempt(usual_tag) {
        return Ok(tag);
    }
    let mut seen = 0;
    let mut key = None;
    let mut declared_type = None;
    let mut value = TagValue::Null;
    let as_array = cur.next_byte() == Some(b'[');
    cur.record("struct Tag", &[b"key", b"type", b"value"], |cur, name| {
        match name {
            b"key" => {
                first(cur, &mut seen, 0, "key")?;
                key = Some(cur.string_utf8(A_STRING)?);
            }
            b"type" => {
                first(cur, &mut seen, 1, "type")?;
                declared_type = if cur.null()? {
                    None
                } else {
                    Some(cur.string_utf8(A_STRING)?)
                };
            }
            b"value" => {
                first(cur, &mut seen, 2, "value")?;
                value = tag_value(cur)?;
            }
            _ => cur.skip_unknown(name)?,
        }
        Ok(())
    })?;
    let key = match key {
        Some(key) => key,
        // Written as an array, only an empty one lacks the key.
        None if as_array => return Err(cur.error("invalid length 0, expected struct Tag with 3 elements")),
        None => return Err(cur.missing_field("key")),
    };
    Ok(Tag {
        key,
        declared_type,
        value,
    })
}

/// A tag written the way Jaeger writes every tag, `{"key":"…","type":"…",
/// "value":…}` compactly with plain ASCII strings, read as a run of
/// expected tokens; anything else (and every error) returns `None` with the
/// cursor back where it was, for [`tag`] to read as always (see [`Cursor::attempt`]).
#[inline(always)]
fn usual_tag<'a>(cur: &mut Cursor<'a>) -> Option<Tag<'a>> {
    if !(cur.can_nest(1) && cur.eat_exact(b"{\"key\":")) {
        return None;
    }
    let key = cur.ascii_string()?;
    if !cur.eat_exact(b",\"type\":") {
        return None;
    }
    let declared_type = declared_type(cur)?;
    if !cur.eat_exact(b",\"value\":") {
        return None;
    }
    let value = match cur.next_byte()? {
        b'"' => TagValue::Str(Cow::Borrowed(cur.ascii_string()?)),
        b't' if cur.eat_exact(b"true") => TagValue::Bool(true),
        b'f' if cur.eat_exact(b"false") => TagValue::Bool(false),
        b'-' | b'0'..=b'9' => number_value(cur.number().ok()?),
        _ => return None,
    };
    cur.eat_exact(b"}").then_some(Tag {
        key: Cow::Borrowed(key),
        declared_type: Some(Cow::Borrowed(declared_type)),
        value,
    })
}

/// The types Jaeger declares, quoted, most common first.
const TYPES: [(&[u8], &[u8]); 5] = [
    (b"\"string\"", b"string"),
    (b"\"int64\"", b"int64"),
    (b"\"bool\"", b"bool"),
    (b"\"float64\"", b"float64"),
    (b"\"binary\"", b"binary"),
];

/// A tag's declared type: one of Jaeger's by comparison, else any plain ASCII string.
#[inline(always)]
fn declared_type<'a>(cur: &mut Cursor<'a>) -> Option<&'a [u8]> {
    match TYPES.iter().find(|(quoted, _)| cur.eat_exact(quoted)) {
        Some(&(_, name)) => Some(name),
        None => cur.ascii_string(),
    }
}

/// Bytes already checked to be UTF-8, as text (never empty by mistake: the check was made).
#[inline]
pub(super) fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// A tag's value: string, number, boolean or `null`.
fn tag_value<'a>(cur: &mut Cursor<'a>) -> Result<TagValue<'a>, JsonError> {
    Ok(match cur.next_byte() {
        Some(b'"') => TagValue::Str(cur.string_utf8(TAG_VALUE)?),
        Some(b't' | b'f') => TagValue::Bool(cur.bool(TAG_VALUE)?),
        Some(b'n') => {
            cur.null()?;
            TagValue::Null
        }
        Some(b'-' | b'0'..=b'9') => number_value(cur.number()?),
        _ => return Err(cur.invalid_any(TAG_VALUE)),
    })
}

/// A number as serde handed it to the tag value's visitor.
#[inline]
fn number_value<'a>(number: Number) -> TagValue<'a> {
    match number {
        Number::U64(v) => i64::try_from(v).map_or(TagValue::Float(v as f64), TagValue::Int),
        Number::I64(v) => TagValue::Int(v),
        Number::F64(v) => TagValue::Float(v),
    }
}

/// Reads a list of tags (or `null`, no tags), calling `each` with each.
pub(super) fn tags<'a>(
    cur: &mut Cursor<'a>,
    mut each: impl FnMut(&mut Cursor<'a>, usize, Tag<'a>) -> Result<(), JsonError>,
) -> Result<(), JsonError> {
    if cur.null()? {
        return Ok(());
    }
    cur.array("a sequence", |cur, index| {
        let tag = tag(cur)?;
        each(cur, index, tag)
    })
}

/// Which of the interner's hint slots remember which strings: the last
/// string seen in a role predicts the next.
mod hint {
    use super::{Interner, Sym};

    /// Tag keys, by position: spans of one kind hold the same tags in the same order.
    pub fn key(position: usize) -> usize {
        position % 64
    }

    /// Tag values, by key: a key's values often repeat.
    pub fn value(key: Sym) -> usize {
        128 + Interner::index(key) % 128
    }
}

/// Interns a tag's key, by its position in the list.
#[inline]
pub(super) fn intern_key(out: &mut Builder<'_>, position: usize, key: &[u8]) -> Sym {
    out.intern_raw_hinted(hint::key(position), key)
}

/// Interns a string that belongs in the hint slot of names (`64 + length`), such as span names.
#[inline]
pub(super) fn intern_name(out: &mut Builder<'_>, name: &[u8]) -> Sym {
    out.intern_raw_hinted(64 + name.len() % 64, name)
}

/// Interns a tag's text value, in the hint slot of its key's values.
#[inline]
pub(super) fn intern_value(out: &mut Builder<'_>, key: Sym, value: &[u8]) -> Sym {
    out.intern_raw_hinted(hint::value(key), value)
}

/// The model's value for a tag: its value read by its declared
/// type; a value that does not read as its type is kept as text, with a
/// warning. A text value is interned by `text` (the usual case; kept text
/// that failed its type is interned plainly).
pub(super) fn convert_value(
    tag: &Tag<'_>,
    out: &mut Builder<'_>,
    text_value: impl FnOnce(&mut Builder<'_>, &[u8]) -> Sym,
) -> AttrValue {
    let declared: &[u8] = tag.declared_type.as_deref().unwrap_or_default();
    let parsed = |s: &[u8]| text(s).parse::<i64>().ok();
    let float = |s: &[u8]| text(s).parse::<f64>().ok();
    match (declared, &tag.value) {
        (_, TagValue::Null) => AttrValue::Str(out.intern("")),
        (b"bool", TagValue::Str(s)) if **s == *b"true" || **s == *b"false" => AttrValue::Bool(**s == *b"true"),
        (b"int64", TagValue::Str(s)) if parsed(s).is_some() => AttrValue::Int(parsed(s).unwrap_or_default()),
        (b"float64", TagValue::Str(s)) if float(s).is_some() => AttrValue::Double(float(s).unwrap_or_default()),
        (b"binary", TagValue::Str(s)) => match base64::engine::general_purpose::STANDARD.decode(s) {
            Ok(bytes) => AttrValue::Bytes(out.cut_bytes(&bytes).into()),
            Err(_) => {
                out.warn(WarningKind::UndecodableAttribute);
                AttrValue::Str(out.intern_raw(s))
            }
        },
        (b"bool" | b"int64" | b"float64", TagValue::Str(s)) => {
            out.warn(WarningKind::UndecodableAttribute);
            AttrValue::Str(out.intern_raw(s))
        }
        (_, TagValue::Bool(b)) => AttrValue::Bool(*b),
        (_, TagValue::Int(i)) => AttrValue::Int(*i),
        (_, TagValue::Float(f)) => AttrValue::Double(*f),
        (_, TagValue::Str(s)) => AttrValue::Str(text_value(out, s)),
    }
}

/// A tag as an attribute, its key interned by `position`.
#[inline]
pub(super) fn attribute(tag: &Tag<'_>, position: usize, out: &mut Builder<'_>) -> Attribute {
    let key = intern_key(out, position, &tag.key);
    let value = convert_value(tag, out, |out, text| intern_value(out, key, text));
    Attribute { key, value }
}

/// A process (`{"serviceName": …, "tags": […]}`), kept until a span uses it.
#[derive(Default)]
pub(super) struct Process<'a> {
    pub service_name: Cow<'a, [u8]>,
    pub tags: Vec<Tag<'a>>,
    /// Tags read past [`MAX_ATTRIBUTES`], not kept.
    pub dropped_tags: usize,
}

/// Reads one process.
pub(super) fn process<'a>(cur: &mut Cursor<'a>) -> Result<Process<'a>, JsonError> {
    let mut seen = 0;
    let mut process = Process::default();
    cur.record("struct Process", &[b"serviceName", b"tags"], |cur, key| {
        match key {
            b"serviceName" => {
                first(cur, &mut seen, 0, "serviceName")?;
                process.service_name = cur.string_utf8(A_STRING)?;
            }
            b"tags" => {
                first(cur, &mut seen, 1, "tags")?;
                tags(cur, |_, _, tag| {
                    if process.tags.len() < MAX_ATTRIBUTES {
                        process.tags.push(tag);
                    } else {
                        process.dropped_tags += 1;
                    }
                    Ok(())
                })?;
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    Ok(process)
}

/// Adds the resource of a process (or of none: `unknown_service`).
pub(super) fn process_resource(process: Option<&Process<'_>>, out: &mut Builder<'_>) -> (u32, Sym) {
    let service = process.map(|p| text(&p.service_name));
    let mut attributes = Vec::new();
    if let Some(name) = service.filter(|s| !s.is_empty()) {
        let key = out.intern("service.name");
        attributes.push(Attribute {
            key,
            value: AttrValue::Str(out.intern(name)),
        });
    }
    out.attributes_dropped(process.map_or(0, |p| p.dropped_tags));
    for tag in process.map(|p| p.tags.as_slice()).unwrap_or_default() {
        let key = out.intern_raw(&tag.key);
        let value = convert_value(tag, out, |out, text| intern_value(out, key, text));
        attributes.push(Attribute { key, value });
    }
    out.resource(service, attributes, 0)
}
