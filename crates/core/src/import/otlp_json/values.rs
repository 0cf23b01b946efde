//! OTLP/JSON values: attribute lists (`KeyValue`) and `AnyValue` of every
//! kind, and the scalars as exporters spell them (64-bit integers as strings
//! or numbers, enums as integers or names, doubles as numbers or strings).
//! Each reader accepts and rejects what serde's derived readers for the
//! protocol's types did, with the same messages.

use crate::import::WarningKind;
use crate::import::builder::Builder;
use crate::import::json_scan::{Cursor, JsonError, Number, float_text};
use crate::import::otlp_common::IntOrName;
use crate::intern::Sym;
use crate::limits::MAX_ATTRIBUTES;
use crate::model::{AttrValue, Attribute, StoreRange};
use base64::Engine as _;
use std::borrow::Cow;

pub(super) use crate::import::json_scan::first;
pub(super) use crate::import::lenient::{A_STRING, lenient_u64};

/// A `KeyValue` list read into the attribute store.
pub(super) struct KeyValues {
    /// Where the attributes are.
    pub range: StoreRange,
    /// The value of the first `service.name` key, when that value is a string.
    pub service: Option<Sym>,
    /// Attributes read but not kept: those past [`MAX_ATTRIBUTES`] in the
    /// list (counted once as [`WarningKind::AttributesDropped`]).
    pub dropped: u32,
}

/// Reads a `KeyValue` list straight into the builder's attribute store.
/// Past [`MAX_ATTRIBUTES`], attributes (and items of list and map values)
/// are read, so the file is still checked, but neither interned nor kept.
pub(super) fn key_values(cur: &mut Cursor<'_>, out: &mut Builder<'_>) -> Result<KeyValues, JsonError> {
    let start = out.attribute_count();
    let mut service = None;
    let mut dropped = 0usize;
    // Filled in place and emptied by `convert`: a value is never moved whole.
    let mut value = Wire::Empty;
    cur.array("a list of attributes", |cur, index| {
        let key = match usual_key_value(cur) {
            Some((key, usual)) => {
                value = usual;
                Cow::Borrowed(key)
            }
            None => key_value(cur, &mut value, &mut dropped)?,
        };
        if index >= MAX_ATTRIBUTES {
            dropped += 1;
            value = Wire::Empty;
            return Ok(());
        }
        // Like a search for the first `service.name`: later ones do not count even if it is not a string.
        let service_key = service.is_none() && &*key == b"service.name";
        let is_string = matches!(value, Wire::Str(_));
        // Lists of the same kind of span hold the same keys in the same
        // order, and a key's value often repeats: hint by position and by key.
        let key = out.intern_raw_hinted(hint::key(index), &key);
        let value = match std::mem::take(&mut value) {
            Wire::Str(text) => AttrValue::Str(out.intern_raw_hinted(hint::value(key), &text)),
            other => convert(other, out),
        };
        let attribute = Attribute { key, value };
        if service_key {
            service = Some(match attribute.value {
                AttrValue::Str(text) if is_string => Some(text),
                _ => None,
            });
        }
        out.push_attribute(attribute);
        Ok(())
    })?;
    out.attributes_dropped(dropped);
    Ok(KeyValues {
        range: out.attributes_since(start),
        service: service.flatten(),
        dropped: u32::try_from(dropped).unwrap_or(u32::MAX),
    })
}

/// Which of the interner's hint slots (see [`Builder::intern_raw_hinted`])
/// remember which strings: the last string seen in a role predicts the next.
pub(super) mod hint {
    use crate::intern::{Interner, Sym};

    /// Attribute keys, by position in their list: lists of one kind of span
    /// hold the same keys in the same order.
    pub fn key(position: usize) -> usize {
        position % 64
    }

    /// Span names, by length: spans of one operation repeat its name, and
    /// names of one length are mostly one name.
    pub fn name(name: &[u8]) -> usize {
        64 + name.len() % 64
    }

    /// Attribute values, by key: a key's values often repeat.
    pub fn value(key: Sym) -> usize {
        128 + Interner::index(key) % 128
    }
}

/// An `AnyValue` as written: read whole before it is converted, because a
/// later key of the same object replaces an earlier one.
#[derive(Default)]
enum Wire<'a> {
    /// `{}`, or no value at all (both read as an empty string).
    #[default]
    Empty,
    Str(Cow<'a, [u8]>),
    Bool(bool),
    Int(i64),
    Double(f64),
    Array(Vec<Wire<'a>>),
    KvList(Vec<(Cow<'a, [u8]>, Wire<'a>)>),
    Bytes(Cow<'a, str>),
}

/// A `KeyValue` written the usual way, `{"key": "…", "value": {"stringValue":
/// "…"}}` or with an `intValue`, `boolValue` or `doubleValue`, read as a run
/// of expected tokens rather than as two objects of keys looked up one by one:
/// attributes are most of an OTLP file, and this halves their cost. Anything
/// else (other key order, more keys, escapes, nested or bytes values, and
/// every error) returns `None` with the cursor back where it was, for
/// [`key_value`] to read and report as always.
#[inline]
fn usual_key_value<'a>(cur: &mut Cursor<'a>) -> Option<(&'a [u8], Wire<'a>)> {
    cur.attempt(usual_key_value_tokens)
}

#[inline(always)]
fn usual_key_value_tokens<'a>(cur: &mut Cursor<'a>) -> Option<(&'a [u8], Wire<'a>)> {
    // The two objects opened here must be allowed, as `key_value` would check.
    if !(cur.can_nest(2) && step(cur, b"{\"key\":", &[b"{", b"\"key\"", b":"])) {
        return None;
    }
    let key = cur.plain_string()?;
    if !step(cur, b",\"value\":{", &[b",", b"\"value\"", b":", b"{"]) {
        return None;
    }
    let value = if step(cur, b"\"stringValue\":", &[b"\"stringValue\"", b":"]) {
        Wire::Str(Cow::Borrowed(cur.plain_string()?))
    } else if step(cur, b"\"intValue\":", &[b"\"intValue\"", b":"]) {
        cur.skip_whitespace();
        Wire::Int(lenient_i64(cur).ok()?)
    } else if step(cur, b"\"boolValue\":", &[b"\"boolValue\"", b":"]) {
        cur.skip_whitespace();
        Wire::Bool(cur.bool("a boolean").ok()?)
    } else if step(cur, b"\"doubleValue\":", &[b"\"doubleValue\"", b":"]) {
        cur.skip_whitespace();
        Wire::Double(lenient_f64(cur).ok()?)
    } else {
        return None;
    };
    step(cur, b"}}", &[b"}", b"}"]).then_some((key, value))
}

/// One step of [`usual_key_value_tokens`]: the compact spelling in one
/// comparison, else token by token. Always inlined, so the comparisons are of
/// constants (a call would compare through `memcmp`, byte by byte on wasm32).
#[inline(always)]
fn step(cur: &mut Cursor<'_>, compact: &[u8], tokens: &[&[u8]]) -> bool {
    cur.eat_exact(compact) || tokens.iter().all(|token| cur.eat(token))
}

/// One `KeyValue`: returns its key and leaves its value in `value`
/// ([`Wire::Empty`] when absent or `null`).
fn key_value<'a>(cur: &mut Cursor<'a>, value: &mut Wire<'a>, dropped: &mut usize) -> Result<Cow<'a, [u8]>, JsonError> {
    let mut key = None;
    let mut has_value = false;
    *value = Wire::Empty;
    cur.record("a KeyValue object", &[b"key", b"value"], |cur, name| {
        match name {
            b"key" => {
                if key.is_some() {
                    return Err(cur.duplicate_field("key"));
                }
                key = Some(cur.string_bytes(A_STRING)?);
            }
            b"value" => {
                if has_value {
                    return Err(cur.duplicate_field("value"));
                }
                has_value = true;
                if !cur.null()? {
                    any_value(cur, value, dropped)?;
                }
            }
            _ => cur.skip_unknown(name)?,
        }
        Ok(())
    })?;
    key.ok_or_else(|| cur.missing_field("key"))
}

/// One `AnyValue` object (`{"stringValue": ...}` and so on, or `{}`), into
/// `value`; items of a list or map past [`MAX_ATTRIBUTES`] are counted in `dropped`.
fn any_value<'a>(cur: &mut Cursor<'a>, value: &mut Wire<'a>, dropped: &mut usize) -> Result<(), JsonError> {
    *value = Wire::Empty;
    cur.object("an AnyValue object such as {\"stringValue\": \"...\"}", |cur, key| {
        *value = match key {
            b"stringValue" | b"string_value" => Wire::Str(cur.string_bytes(A_STRING)?),
            b"boolValue" | b"bool_value" => Wire::Bool(cur.bool("a boolean")?),
            b"intValue" | b"int_value" => Wire::Int(lenient_i64(cur)?),
            b"doubleValue" | b"double_value" => Wire::Double(lenient_f64(cur)?),
            b"arrayValue" | b"array_value" => {
                Wire::Array(values(cur, "an ArrayValue object", dropped, |cur, dropped| {
                    let mut item = Wire::Empty;
                    any_value(cur, &mut item, dropped).map(|()| item)
                })?)
            }
            b"kvlistValue" | b"kvlist_value" => {
                Wire::KvList(values(cur, "a KeyValueList object", dropped, |cur, dropped| {
                    let mut item = Wire::Empty;
                    key_value(cur, &mut item, dropped).map(|key| (key, item))
                })?)
            }
            b"bytesValue" | b"bytes_value" => Wire::Bytes(cur.string_text(A_STRING)?),
            _ => return cur.skip_unknown(key),
        };
        Ok(())
    })
}

/// An `ArrayValue` or `KeyValueList`: `{"values": [...]}`, of at most
/// [`MAX_ATTRIBUTES`] items (the rest read and counted in `dropped`).
fn values<'a, T>(
    cur: &mut Cursor<'a>,
    expected: &str,
    dropped: &mut usize,
    mut item: impl FnMut(&mut Cursor<'a>, &mut usize) -> Result<T, JsonError>,
) -> Result<Vec<T>, JsonError> {
    let mut values = None;
    cur.record(expected, &[b"values"], |cur, key| {
        if key != b"values" {
            return cur.skip_unknown(key);
        }
        if values.is_some() {
            return Err(cur.duplicate_field("values"));
        }
        let mut list = Vec::new();
        cur.array("a list of values", |cur, _| {
            let read = item(cur, dropped)?;
            if list.len() < MAX_ATTRIBUTES {
                list.push(read);
            } else {
                *dropped += 1;
            }
            Ok(())
        })?;
        values = Some(list);
        Ok(())
    })?;
    Ok(values.unwrap_or_default())
}

/// The model's value for `value`.
fn convert(value: Wire<'_>, out: &mut Builder<'_>) -> AttrValue {
    match value {
        Wire::Str(s) => AttrValue::Str(out.intern_raw(&s)),
        Wire::Bool(b) => AttrValue::Bool(b),
        Wire::Int(i) => AttrValue::Int(i),
        Wire::Double(d) => AttrValue::Double(d),
        Wire::Array(values) => AttrValue::Array(Box::new(values.into_iter().map(|v| convert(v, out)).collect())),
        Wire::KvList(entries) => AttrValue::Map(Box::new(
            entries
                .into_iter()
                .map(|(key, value)| Attribute {
                    key: out.intern_raw(&key),
                    value: convert(value, out),
                })
                .collect(),
        )),
        Wire::Bytes(text) => match base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
            Ok(bytes) => AttrValue::Bytes(out.cut_bytes(&bytes).into()),
            Err(_) => {
                out.warn(WarningKind::UndecodableAttribute);
                AttrValue::Str(out.intern(&text))
            }
        },
        // No value, or `{}`: an empty AnyValue, which OTLP allows.
        Wire::Empty => AttrValue::Str(out.intern("")),
    }
}

/// A `u32` field (flags, dropped counts): a number only.
pub(super) fn u32_field(cur: &mut Cursor<'_>) -> Result<u32, JsonError> {
    if !matches!(cur.next_byte(), Some(b'-' | b'0'..=b'9')) {
        return Err(cur.invalid_type("u32"));
    }
    match cur.number()? {
        Number::U64(v) => {
            u32::try_from(v).map_err(|_| cur.error(format!("invalid value: integer `{v}`, expected u32")))
        }
        Number::I64(v) => Err(cur.error(format!("invalid value: integer `{v}`, expected u32"))),
        Number::F64(v) => Err(cur.error(format!(
            "invalid type: floating point `{}`, expected u32",
            float_text(v)
        ))),
    }
}

/// An `intValue`: a number or a decimal string.
fn lenient_i64(cur: &mut Cursor<'_>) -> Result<i64, JsonError> {
    match cur.next_byte() {
        Some(b'"') => {
            let text = cur.string_text(A_STRING)?;
            text.parse()
                .map_err(|_| cur.error(format!("expected an integer, found \"{text}\"")))
        }
        Some(b'-' | b'0'..=b'9') => match cur.number()? {
            Number::I64(v) => Ok(v),
            Number::U64(v) => i64::try_from(v).map_err(|_| cur.error(format!("integer {v} does not fit in 64 bits"))),
            Number::F64(v) if v.fract() == 0.0 && v.abs() < 9.2e18 => Ok(v as i64),
            Number::F64(v) => Err(cur.error(format!("expected an integer, found {v}"))),
        },
        _ => Err(cur.invalid_any("an integer, as a number or a string")),
    }
}

/// A `doubleValue`: a number, or a string holding one (protobuf JSON writes `"NaN"`, `"Infinity"`).
fn lenient_f64(cur: &mut Cursor<'_>) -> Result<f64, JsonError> {
    match cur.next_byte() {
        Some(b'"') => {
            let text = cur.string_text(A_STRING)?;
            match &*text {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => text
                    .parse()
                    .map_err(|_| cur.error(format!("expected a number, found \"{text}\""))),
            }
        }
        Some(b'-' | b'0'..=b'9') => Ok(match cur.number()? {
            Number::U64(v) => v as f64,
            Number::I64(v) => v as f64,
            Number::F64(v) => v,
        }),
        _ => Err(cur.invalid_any("a number, or a string holding one")),
    }
}

/// A span kind or status code: an integer, a name, or `null` (absent).
pub(super) fn int_or_name<'a>(cur: &mut Cursor<'a>) -> Result<IntOrName<'a>, JsonError> {
    const EXPECTED: &str = "an enum value, as an integer or a name";
    match cur.next_byte() {
        Some(b'"') => Ok(IntOrName::Name(cur.string_text(EXPECTED)?)),
        Some(b'n') => cur.null().map(|_| IntOrName::Absent),
        Some(b'-' | b'0'..=b'9') => match cur.number()? {
            Number::I64(v) => Ok(IntOrName::Int(v)),
            Number::U64(v) => Ok(IntOrName::Int(i64::try_from(v).unwrap_or(i64::MAX))),
            Number::F64(v) => Err(cur.error(format!(
                "invalid type: floating point `{}`, expected {EXPECTED}",
                float_text(v)
            ))),
        },
        _ => Err(cur.invalid_any(EXPECTED)),
    }
}
