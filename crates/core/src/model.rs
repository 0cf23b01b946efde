//! The one model every importer builds: spans stored contiguously, strings
//! interned, times in nanoseconds.
//!
//! A span keeps what its file said (IDs, names, times, status, attributes);
//! how spans link into traces is derived by [`crate::index`].

use crate::ids::{SpanId, TraceId};
use crate::intern::{Interner, Sym};
use crate::time::{DurationNs, TimestampNs};
use serde::Serialize;

/// The role of a span in a call, as OpenTelemetry defines it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
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
        Some(match name.to_ascii_lowercase().as_str() {
            "internal" => SpanKind::Internal,
            "server" => SpanKind::Server,
            "client" => SpanKind::Client,
            "producer" => SpanKind::Producer,
            "consumer" => SpanKind::Consumer,
            "" | "unspecified" => SpanKind::Unspecified,
            _ => return None,
        })
    }
}

/// Whether the operation failed, as OpenTelemetry's status code says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
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
    /// Raw bytes.
    Bytes(Box<[u8]>),
    /// A list of values.
    Array(Box<[AttrValue]>),
    /// Nested key/value pairs.
    Map(Box<[Attribute]>),
}

/// A key/value pair on a span, resource or scope.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The key, interned.
    pub key: Sym,
    /// The value.
    pub value: AttrValue,
}

/// A range of attributes stored in [`TraceSet::attributes`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AttrRange {
    start: u32,
    len: u32,
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
    /// When it started.
    pub start: TimestampNs,
    /// How long it took.
    pub duration: DurationNs,
    /// Success or failure.
    pub status: StatusCode,
    /// The status message or error description, if any.
    pub status_message: Option<Sym>,
    /// Its attributes (tags), in [`TraceSet::attributes`].
    pub attributes: AttrRange,
    /// Index of the file it came from in [`TraceSet::files`].
    pub file: u32,
}

impl Span {
    /// When it ended.
    pub fn end(&self) -> TimestampNs {
        self.start.saturating_add(self.duration)
    }
}

/// Everything loaded so far: spans of all files, merged.
#[derive(Clone, Debug, Default)]
pub struct TraceSet {
    /// Interned strings referenced by spans and attributes.
    pub strings: Interner,
    /// All kept spans, in load order.
    pub spans: Vec<Span>,
    /// Attributes of all spans; each span owns one contiguous range.
    pub attributes: Vec<Attribute>,
    /// The import report of each loaded file, in load order.
    pub files: Vec<crate::import::FileReport>,
}

impl TraceSet {
    /// An empty set.
    pub fn new() -> TraceSet {
        TraceSet::default()
    }

    /// The attributes of `span`.
    pub fn attributes_of(&self, span: &Span) -> &[Attribute] {
        let start = span.attributes.start as usize;
        let end = start + span.attributes.len as usize;
        self.attributes.get(start..end).unwrap_or(&[])
    }

    /// Appends `attributes` to the store and returns the range a span refers to.
    pub fn push_attributes(
        &mut self,
        attributes: impl IntoIterator<Item = Attribute>,
    ) -> AttrRange {
        let start = self.attributes.len();
        self.attributes.extend(attributes);
        let len = self.attributes.len() - start;
        AttrRange {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(len).unwrap_or(0),
        }
    }

    /// The text of an interned string.
    pub fn str(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
    }
}
