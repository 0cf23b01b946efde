//! Every limit a file meets on its way in, in one place: what a hostile or
//! broken file (a gzip bomb, nesting 100,000 deep, a 100 MB value, ten
//! million attributes, a million empty events or protobuf spans,
//! impossible times) can make Tracelens spend is
//! bounded by these, and each one that bites says so, in an error that
//! names the file or in a counted warning of its import report.
//!
//! None of them is met by the exports real systems write: the values are
//! chosen with a wide margin above what the recorded captures in
//! `tests/fixtures` and the generators' output need (the numbers are in
//! each constant's notes). `crates/core/tests/hostile.rs` checks each one
//! on the file that hits it.
//!
//! What is bounded without a constant: the analysis never recurses over a
//! trace's tree (walks keep their own stacks, so a trace a million spans
//! deep needs no call stack, which is about 1 MB in a browser tab), parent
//! cycles are walked at most once per span, and spans sharing one ID are
//! found by binary search (100,000 copies link in O(n log n)).

/// Largest decompressed size of a gzip file: 2 GiB. A wasm32 tab has
/// 4 GiB in all and must hold the decompressed bytes and the model built
/// from them. The command line meets the same limit (it runs the same
/// import); a larger export can be decompressed first and read as is.
pub const MAX_DECOMPRESSED_BYTES: u64 = 2 << 30;

/// Most times a gzip file may inflate, once past [`GZIP_RATIO_FLOOR_BYTES`]:
/// decompressing stops when the output is more than this many times the
/// compressed bytes read so far. Trace exports inflate 5 to 33 times (the
/// fixtures with `gzip -9`: 10-33×; `tracelens generate` output: 5-27×);
/// deflate itself cannot pass about 1,032×, which a bomb of repeated bytes
/// reaches. Stopping at 200× leaves six times the most seen in real files
/// and stops a bomb at [`GZIP_RATIO_FLOOR_BYTES`], in well under a second.
pub const MAX_GZIP_RATIO: u64 = 200;

/// Decompressed bytes below which the ratio is not checked: 64 MiB, so
/// small files of any ratio load, and a bomb costs at most this.
pub const GZIP_RATIO_FLOOR_BYTES: u64 = 64 << 20;

/// How deep JSON may nest: serde_json's recursion limit of 128, which lets
/// 127 arrays and objects sit inside one another (OTLP JSON nests 7 deep to
/// a span's attributes; an attribute value of lists in maps may go on).
/// Values the reader skips (fields it does not know) are walked without
/// recursion and may nest deeper.
pub const MAX_JSON_DEPTH: u32 = 128;

/// How deep protobuf messages may nest: 100, `prost`'s recursion limit (a
/// span's attribute value is 7 messages down from `TracesData`).
pub const MAX_PROTOBUF_DEPTH: u32 = 100;

/// Most times the structs decoded from one OTLP protobuf message may
/// outgrow the message, once past [`PROTOBUF_INFLATION_FLOOR_BYTES`]: the
/// reader estimates them from the wire bytes before decoding
/// (`import/proto_cost.rs`) and refuses a message that would pass this.
/// Protobuf is compact where the decoded structs are not: an empty span is
/// 2 bytes on the wire and about 250 bytes decoded, an empty event or
/// attribute 2 bytes and about 50; 4 MB of empty spans (4 KB gzipped)
/// made half a gigabyte. Real exports come to 3.5 to 5 times their bytes
/// (the protobuf fixtures 3.5-3.8, the shop generator 3.6, spans of bare
/// IDs and times 5); the densest real thing, attributes of one-letter keys
/// and small integers, about 10. 20 leaves twice that; an empty span
/// (130 times), event or attribute (28), link (48) is refused.
pub const MAX_PROTOBUF_INFLATION: u64 = 20;

/// Decoded size below which [`MAX_PROTOBUF_INFLATION`] is not checked: 64
/// MiB, so a small message of any make-up loads, and one costs at most this.
pub const PROTOBUF_INFLATION_FLOOR_BYTES: u64 = 64 << 20;

/// Longest text kept: 64 KiB per string (a span or event name, an
/// attribute key or value, a status message). Longer text is cut at a
/// character boundary and ends with [`CUT_MARK`] and its length; each text
/// cut counts one `WarningKind::TextCut`. SQL statements and
/// stack traces, the longest values in real spans, are a few KiB; a 100 MB
/// value would otherwise be held whole and sent whole to the page.
pub const MAX_TEXT_BYTES: usize = 64 << 10;

/// What ends cut text, before its length in bytes: `… [cut: 104857600 bytes]`.
pub const CUT_MARK: &str = "… [cut: ";

/// Most attributes kept in one list: 1,000 per span, resource, scope, event
/// or link, and as many items in one array or map value. The rest are read
/// (the file must still be valid) but not kept, and not interned: ten
/// million attributes on one span cost the reading, not the memory (but
/// in protobuf, whose reader decodes a message whole before converting it:
/// there [`MAX_PROTOBUF_INFLATION`] bounds them). Each list cut counts one
/// `WarningKind::AttributesDropped`, and the number a span's own list lost
/// is added to its dropped-attributes count, as an SDK's own limit would
/// (OpenTelemetry SDKs keep 128 by default; exports of richly
/// instrumented services hold a few dozen).
pub const MAX_ATTRIBUTES: usize = 1_000;

/// Most events kept on one span: 1,000. The rest are read (the file must
/// still be valid) but not kept; each span that lost some counts one
/// `WarningKind::EventsDropped`, and the number lost is added to its
/// dropped-events count. An event costs the model about 40 bytes however
/// short it is written (`{}` in OTLP JSON, two bytes in protobuf), so
/// without a cap a file of empty events grows tens of times in memory.
/// OpenTelemetry SDKs keep 128 events by default; the recorded captures in
/// `tests/fixtures` hold at most 18 on a span (Jaeger logs, Zipkin
/// annotations and OTLP events alike).
pub const MAX_EVENTS: usize = 1_000;

/// Most links kept on one span: 1,000, counted as [`MAX_EVENTS`] are (one
/// `WarningKind::LinksDropped` per span that lost some, the number added to
/// its dropped-links count). OpenTelemetry SDKs keep 128 links by default;
/// the captures hold at most 3 on a span (a batch consumer's links, Jaeger
/// `FOLLOWS_FROM` references).
pub const MAX_LINKS: usize = 1_000;

/// Longest duration believed: a year. A span "lasting" longer (an end in
/// another unit or from another clock than its start, a start of a few
/// nanoseconds after 1970 from a relative clock with an end from a real
/// one) is kept with an unknown duration and `WarningKind::ImplausibleDuration`,
/// so one such span cannot become an endpoint's maximum, its p99 or a
/// finding's evidence. Sessions and streams, the longest real traces, last
/// minutes to days.
pub const MAX_DURATION_NS: u64 = 365 * 24 * 3600 * 1_000_000_000;

/// Latest start time believed: 2200-01-01T00:00:00Z. A later start
/// (`u64::MAX` nanoseconds is in 2554) is kept as a span without a start
/// time (`WarningKind::ImplausibleTimestamp`): a time range or a
/// throughput spanning centuries would hide every real one.
pub const LATEST_START_NS: u64 = 7_258_118_400 * 1_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TimestampNs;

    #[test]
    fn the_latest_start_is_the_first_instant_of_2200() {
        assert_eq!(
            TimestampNs(LATEST_START_NS).to_rfc3339_millis(),
            "2200-01-01T00:00:00.000Z"
        );
    }
}
