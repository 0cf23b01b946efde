//! Trace and span IDs as Jaeger and Zipkin write them, read from JSON:
//! the usual hex is decoded as it is read, anything else kept as text and
//! parsed as [`parse_trace_id`] and [`parse_span_id`] parse it.

use super::json_scan::{Cursor, JsonError};
use super::lenient::A_STRING;
use crate::ids::{IdRepair, SpanId, TraceId, parse_span_id, parse_trace_id};
use std::borrow::Cow;

/// Bytes already checked to be UTF-8, as text.
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// A trace or span ID as written: hex of a usual width, decoded as it is
/// read (nearly every file), or any other text, parsed when the span ends.
#[derive(Clone, PartialEq, Eq)]
pub(super) enum Id<'a> {
    Hex(u128),
    Text(Cow<'a, [u8]>),
}

impl Default for Id<'_> {
    fn default() -> Self {
        Id::Text(Cow::Borrowed(b""))
    }
}

impl<'a> Id<'a> {
    /// Reads a trace ID: 32 or 16 hex digits are decoded on the spot.
    pub fn trace(cur: &mut Cursor<'a>) -> Result<Id<'a>, JsonError> {
        match cur.hex_string(32).or_else(|| cur.hex_string(16)) {
            Some(value) => Ok(Id::Hex(value)),
            None => Ok(Id::Text(cur.string_utf8(A_STRING)?)),
        }
    }

    /// Reads a span ID: 16 hex digits are decoded on the spot.
    pub fn span(cur: &mut Cursor<'a>) -> Result<Id<'a>, JsonError> {
        match cur.hex_string(16) {
            Some(value) => Ok(Id::Hex(value)),
            None => Ok(Id::Text(cur.string_utf8(A_STRING)?)),
        }
    }

    /// As [`parse_trace_id`] reads the text (hex of full or 64-bit width is canonical).
    pub fn trace_id(&self) -> Option<(TraceId, IdRepair)> {
        match self {
            Id::Hex(value) => (*value != 0).then_some((TraceId(*value), IdRepair::None)),
            Id::Text(written) => parse_trace_id(text(written)),
        }
    }

    /// As [`parse_span_id`] reads the text.
    pub fn span_id(&self) -> Option<(SpanId, IdRepair)> {
        match self {
            Id::Hex(value) => SpanId::new(*value as u64).map(|id| (id, IdRepair::None)),
            Id::Text(written) => parse_span_id(text(written)),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Id::Text(written) if written.is_empty())
    }
}
