//! What an import tells the user: per file, the format read, spans read, kept
//! and rejected (by reason), and warnings (by kind). Nothing is dropped or
//! repaired without showing up here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A trace export format Tracelens reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// OTLP/JSON: `{"resourceSpans": [...]}` (also Tempo's `{"batches": [...]}`).
    OtlpJson,
    /// OTLP JSON Lines: one `TracesData` per line, as the Collector's file exporter writes.
    OtlpJsonLines,
    /// OTLP protobuf: one message, or a stream of length-prefixed messages.
    OtlpProtobuf,
    /// Jaeger query API / Jaeger UI download: `{"data": [...]}`, a bare trace or an array of traces.
    JaegerJson,
    /// Zipkin v2 JSON: a list of spans or a single span.
    ZipkinJson,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::OtlpJson => "OTLP JSON",
            Format::OtlpJsonLines => "OTLP JSON Lines",
            Format::OtlpProtobuf => "OTLP protobuf",
            Format::JaegerJson => "Jaeger JSON",
            Format::ZipkinJson => "Zipkin JSON",
        })
    }
}

/// How a file was compressed before its format could be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// gzip (RFC 1952), as `.gz` files and `Content-Encoding: gzip` downloads are.
    Gzip,
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compression::Gzip => "gzip",
        })
    }
}

/// Why a span was not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The trace ID is missing or cannot be read as an ID.
    InvalidTraceId,
    /// The span ID is missing or cannot be read as an ID.
    InvalidSpanId,
    /// The span kind is not one of the defined values.
    InvalidSpanKind,
    /// A timestamp or duration does not fit in 64-bit nanoseconds.
    TimestampOutOfRange,
    /// A fragment of a span reported in parts (Zipkin late data), merged into the other part.
    MergedFragment,
    /// An identical copy of a span already loaded (the same file twice, or one
    /// trace in two formats), merged into the first copy.
    DuplicateSpan,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RejectReason::InvalidTraceId => "invalid trace ID",
            RejectReason::InvalidSpanId => "invalid span ID",
            RejectReason::InvalidSpanKind => "invalid span kind",
            RejectReason::TimestampOutOfRange => "timestamp out of range",
            RejectReason::MergedFragment => "fragment merged into the rest of its span",
            RejectReason::DuplicateSpan => "identical copy of a span already loaded (merged into it)",
        })
    }
}

/// "1 thing", "2 things": `n` and the form that number takes.
fn in_number(n: u64, (one, many): (&str, &str)) -> String {
    crate::numbers::counted(n, one, many)
}

impl RejectReason {
    /// "1 span with an invalid trace ID", "84 fragments merged into the rest
    /// of their spans": `n` of them, in the number `n` takes.
    pub fn counted(self, n: u64) -> String {
        in_number(
            n,
            match self {
                RejectReason::InvalidTraceId => ("span with an invalid trace ID", "spans with an invalid trace ID"),
                RejectReason::InvalidSpanId => ("span with an invalid span ID", "spans with an invalid span ID"),
                RejectReason::InvalidSpanKind => ("span with an invalid span kind", "spans with an invalid span kind"),
                RejectReason::TimestampOutOfRange => (
                    "span with a timestamp out of range",
                    "spans with a timestamp out of range",
                ),
                RejectReason::MergedFragment => (
                    "fragment merged into the rest of its span",
                    "fragments merged into the rest of their spans",
                ),
                RejectReason::DuplicateSpan => (
                    "identical copy of a span already loaded (merged into it)",
                    "identical copies of spans already loaded (merged into them)",
                ),
            },
        )
    }
}

/// Something odd about a span that was kept anyway (possibly repaired).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The start time is zero or missing; the span is kept with a zero time and
    /// an unknown duration, and left out of duration statistics.
    MissingTimestamp,
    /// The end is before the start; the duration is set to zero.
    NegativeDuration,
    /// An ID had its leading zeros stripped (old Jaeger); it was left-padded.
    IdPadded,
    /// An ID is not hex; it was replaced by a stable hash of its text.
    IdHashed,
    /// No service name; the span is attributed to `unknown_service`.
    MissingServiceName,
    /// An attribute value could not be decoded as its declared type; kept as text.
    UndecodableAttribute,
    /// IDs written in base64 (protobuf's default JSON mapping), not hex as OTLP/JSON requires.
    Base64Ids,
    /// Enums written as names (`SPAN_KIND_SERVER`), not integers as OTLP/JSON requires.
    EnumNames,
    /// A link with an unreadable trace or span ID; the link was dropped, the span kept.
    InvalidLink,
    /// The producer attached warnings to the span (Jaeger `warnings`).
    ProducerWarnings,
    /// No duration or end time (a Zipkin one-way send or a span reported
    /// before it finished, an OTLP span without an end): kept with an unknown
    /// duration, left out of durations, percentiles, critical paths and time shares.
    MissingDuration,
    /// A Zipkin server span sharing its client's span ID: given its own ID, as the client's child.
    SharedSpanSplit,
    /// Text that is not valid UTF-8; kept with U+FFFD replacement characters.
    InvalidUtf8,
    /// Text longer than [`crate::limits::MAX_TEXT_BYTES`], cut there (counted per text).
    TextCut,
    /// A list of attributes (or a list or map value) longer than
    /// [`crate::limits::MAX_ATTRIBUTES`]: the rest were read but not kept (counted per list).
    AttributesDropped,
    /// A span with more than [`crate::limits::MAX_EVENTS`] events (Jaeger
    /// logs, Zipkin annotations): the rest were read but not kept, and added
    /// to its dropped-events count (counted per span).
    EventsDropped,
    /// A span with more than [`crate::limits::MAX_LINKS`] links (Jaeger
    /// references): the rest were read but not kept, and added to its
    /// dropped-links count (counted per span).
    LinksDropped,
    /// A duration longer than [`crate::limits::MAX_DURATION_NS`]: kept as unknown.
    ImplausibleDuration,
    /// A start after [`crate::limits::LATEST_START_NS`]: kept as no start time.
    ImplausibleTimestamp,
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WarningKind::MissingTimestamp => "missing start time",
            WarningKind::NegativeDuration => "end before start (duration set to 0)",
            WarningKind::IdPadded => "short ID left-padded with zeros",
            WarningKind::IdHashed => "non-hex ID replaced by its hash",
            WarningKind::MissingServiceName => "no service name (shown as unknown_service)",
            WarningKind::UndecodableAttribute => "attribute value not decodable (kept as text)",
            WarningKind::Base64Ids => "base64 IDs (protobuf JSON mapping, not OTLP/JSON)",
            WarningKind::EnumNames => "enum names instead of numbers (not OTLP/JSON)",
            WarningKind::InvalidLink => "link with an unreadable ID (link dropped)",
            WarningKind::ProducerWarnings => "span carries warnings from its producer",
            WarningKind::MissingDuration => "missing duration (unknown, left out of durations)",
            WarningKind::SharedSpanSplit => "shared client/server span ID split in two",
            WarningKind::InvalidUtf8 => "text that is not valid UTF-8 (kept with � replacements)",
            WarningKind::TextCut => "text longer than 64 KiB (cut there)",
            WarningKind::AttributesDropped => "more than 1,000 attributes in one list (the rest dropped)",
            WarningKind::EventsDropped => "more than 1,000 events on one span (the rest dropped)",
            WarningKind::LinksDropped => "more than 1,000 links on one span (the rest dropped)",
            WarningKind::ImplausibleDuration => "duration longer than a year (treated as unknown)",
            WarningKind::ImplausibleTimestamp => "start time after the year 2200 (treated as missing)",
        })
    }
}

impl WarningKind {
    /// "1 span carrying warnings from its producer", "28 spans carrying
    /// warnings from their producer": `n` of them, in the number `n` takes.
    pub fn counted(self, n: u64) -> String {
        in_number(
            n,
            match self {
                WarningKind::MissingTimestamp => ("span without a start time", "spans without a start time"),
                WarningKind::NegativeDuration => (
                    "span ending before it starts (duration set to 0)",
                    "spans ending before they start (durations set to 0)",
                ),
                WarningKind::IdPadded => ("short ID left-padded with zeros", "short IDs left-padded with zeros"),
                WarningKind::IdHashed => (
                    "non-hex ID replaced by its hash",
                    "non-hex IDs replaced by their hashes",
                ),
                WarningKind::MissingServiceName => (
                    "span without a service name (shown as unknown_service)",
                    "spans without a service name (shown as unknown_service)",
                ),
                WarningKind::UndecodableAttribute => (
                    "attribute value not decodable (kept as text)",
                    "attribute values not decodable (kept as text)",
                ),
                WarningKind::Base64Ids => (
                    "span with base64 IDs (protobuf JSON mapping, not OTLP/JSON)",
                    "spans with base64 IDs (protobuf JSON mapping, not OTLP/JSON)",
                ),
                WarningKind::EnumNames => (
                    "span with enum names instead of numbers (not OTLP/JSON)",
                    "spans with enum names instead of numbers (not OTLP/JSON)",
                ),
                WarningKind::InvalidLink => (
                    "link with an unreadable ID (link dropped)",
                    "links with an unreadable ID (links dropped)",
                ),
                WarningKind::ProducerWarnings => (
                    "span carrying warnings from its producer",
                    "spans carrying warnings from their producer",
                ),
                WarningKind::MissingDuration => (
                    "span without a duration (unknown, left out of durations)",
                    "spans without a duration (unknown, left out of durations)",
                ),
                WarningKind::SharedSpanSplit => (
                    "shared client/server span ID split in two",
                    "shared client/server span IDs split in two",
                ),
                WarningKind::InvalidUtf8 => (
                    "text that is not valid UTF-8 (kept with � replacements)",
                    "texts that are not valid UTF-8 (kept with � replacements)",
                ),
                WarningKind::TextCut => (
                    "text longer than 64 KiB (cut there)",
                    "texts longer than 64 KiB (cut there)",
                ),
                WarningKind::AttributesDropped => (
                    "list of more than 1,000 attributes (the rest dropped)",
                    "lists of more than 1,000 attributes (the rest dropped)",
                ),
                WarningKind::EventsDropped => (
                    "span with more than 1,000 events (the rest dropped)",
                    "spans with more than 1,000 events (the rest dropped)",
                ),
                WarningKind::LinksDropped => (
                    "span with more than 1,000 links (the rest dropped)",
                    "spans with more than 1,000 links (the rest dropped)",
                ),
                WarningKind::ImplausibleDuration => (
                    "duration longer than a year (treated as unknown)",
                    "durations longer than a year (treated as unknown)",
                ),
                WarningKind::ImplausibleTimestamp => (
                    "start time after the year 2200 (treated as missing)",
                    "start times after the year 2200 (treated as missing)",
                ),
            },
        )
    }
}

/// Lines of a JSON Lines file that hold no spans for Tracelens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// An OTLP logs record (`resourceLogs`): expected in Collector dumps, not an error.
    LogsLine,
    /// An OTLP metrics record (`resourceMetrics`): expected in Collector dumps, not an error.
    MetricsLine,
    /// A line or message with no spans, logs or metrics.
    NoSpans,
    /// A line that is not valid JSON (often the last line of a file still being written).
    MalformedLine,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::LogsLine => "lines of logs",
            SkipReason::MetricsLine => "lines of metrics",
            SkipReason::NoSpans => "lines or messages without spans",
            SkipReason::MalformedLine => "malformed lines",
        })
    }
}

impl SkipReason {
    /// "1 line of logs", "12 lines of logs".
    pub fn counted(self, n: u64) -> String {
        in_number(
            n,
            match self {
                SkipReason::LogsLine => ("line of logs", "lines of logs"),
                SkipReason::MetricsLine => ("line of metrics", "lines of metrics"),
                SkipReason::NoSpans => ("line or message without spans", "lines or messages without spans"),
                SkipReason::MalformedLine => ("malformed line", "malformed lines"),
            },
        )
    }
}

/// How often something happened, with the first case as an example.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// How many times.
    pub count: u64,
    /// Where and what, for the first one: `resourceSpans[0].scopeSpans[0].spans[2]: traceId "zzz" is not 32 hex digits`.
    pub example: String,
}

/// The outcome of reading one file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    /// The file name as given.
    pub name: String,
    /// The format it was read as.
    pub format: Format,
    /// Size in bytes.
    pub bytes: u64,
    /// Spans found in the file.
    pub spans_read: u64,
    /// Spans added to the model. Always `spans_read` minus the rejected ones.
    pub spans_kept: u64,
    /// How the file was compressed, if it was.
    pub compression: Option<Compression>,
    /// Spans not kept, by reason.
    pub rejected: BTreeMap<RejectReason, Tally>,
    /// Lines or messages that held no spans, by reason (JSON Lines, protobuf streams).
    pub skipped: BTreeMap<SkipReason, Tally>,
    /// Problems with kept spans, by kind.
    pub warnings: BTreeMap<WarningKind, u64>,
}

impl FileReport {
    pub(crate) fn new(name: &str, format: Format, bytes: usize) -> FileReport {
        FileReport {
            name: name.to_owned(),
            format,
            bytes: bytes as u64,
            spans_read: 0,
            spans_kept: 0,
            compression: None,
            rejected: BTreeMap::new(),
            skipped: BTreeMap::new(),
            warnings: BTreeMap::new(),
        }
    }

    /// Records a rejected span; `example` is only built for the first of its reason.
    pub(crate) fn reject(&mut self, reason: RejectReason, example: impl FnOnce() -> String) {
        tally(&mut self.rejected, reason, example);
    }

    /// Records a skipped line or message; `example` is only built for the first of its reason.
    pub(crate) fn skip(&mut self, reason: SkipReason, example: impl FnOnce() -> String) {
        tally(&mut self.skipped, reason, example);
    }

    /// Records a warning about a kept span.
    pub(crate) fn warn(&mut self, kind: WarningKind) {
        *self.warnings.entry(kind).or_insert(0) += 1;
    }

    /// Spans rejected for any reason.
    pub fn spans_rejected(&self) -> u64 {
        self.rejected.values().map(|r| r.count).sum()
    }
}

fn tally<K: Ord>(map: &mut BTreeMap<K, Tally>, key: K, example: impl FnOnce() -> String) {
    map.entry(key).and_modify(|t| t.count += 1).or_insert_with(|| Tally {
        count: 1,
        example: example(),
    });
}
