//! Plain spans written straight as text or protobuf bytes, a million at a
//! time: the scenario writers build a `serde_json::Value` per span, which
//! for the million-span cases costs gigabytes and minutes in a debug build.

use crate::import::Format;
use prost::encoding::{WireType, encode_key, encode_varint};
use std::fmt::Write as _;

/// A span with nothing but what the hostile cases vary: IDs and times.
/// Every span is an operation `op` of the service `hostile`.
#[derive(Clone, Copy, Debug)]
pub struct Bare {
    /// Trace ID.
    pub trace: u128,
    /// Span ID.
    pub id: u64,
    /// Parent span ID.
    pub parent: Option<u64>,
    /// Start, nanoseconds since the Unix epoch.
    pub start_ns: u64,
    /// End, nanoseconds since the Unix epoch.
    pub end_ns: u64,
}

/// A time in the last days of 2023: every case starts its traces here.
pub const BASE_NS: u64 = 1_700_000_000_000_000_000;

/// `traces` healthy traces, one every second: a 100 ms root and a 40 ms child.
pub fn healthy(traces: u64) -> Vec<Bare> {
    (0..traces)
        .flat_map(|t| {
            let start = BASE_NS + t * 1_000_000_000;
            [
                Bare {
                    trace: u128::from(t + 1),
                    id: 1,
                    parent: None,
                    start_ns: start,
                    end_ns: start + 100_000_000,
                },
                Bare {
                    trace: u128::from(t + 1),
                    id: 2,
                    parent: Some(1),
                    start_ns: start + 10_000_000,
                    end_ns: start + 50_000_000,
                },
            ]
        })
        .collect()
}

/// `spans` in `format`, one resource (`hostile`), one scope; each span
/// carries its own trace ID, so spans of several traces may be mixed.
/// Jaeger and Zipkin get microseconds, as [`micros`] and [`duration_micros`] write them.
pub fn write(format: Format, spans: impl IntoIterator<Item = Bare>) -> Vec<u8> {
    match format {
        Format::OtlpJson | Format::OtlpJsonLines => otlp_json(spans).into_bytes(),
        Format::OtlpProtobuf => otlp_proto(spans),
        Format::JaegerJson => jaeger_json(spans).into_bytes(),
        Format::ZipkinJson => zipkin_json(spans).into_bytes(),
    }
}

/// The text before the first span of an OTLP JSON document.
pub const OTLP_JSON_HEAD: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"hostile"}}]},"scopeSpans":[{"scope":{"name":"hostile"},"spans":["#;

/// The text after the last span of an OTLP JSON document.
pub const OTLP_JSON_TAIL: &str = "]}]}]}";

/// One OTLP JSON document.
pub fn otlp_json(spans: impl IntoIterator<Item = Bare>) -> String {
    let mut out = String::from(OTLP_JSON_HEAD);
    for (i, span) in spans.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        otlp_json_span(&mut out, &span, "");
    }
    out.push_str(OTLP_JSON_TAIL);
    out
}

/// One OTLP JSON span object, with `extra` (`,"key":value...`) before its end.
pub fn otlp_json_span(out: &mut String, span: &Bare, extra: &str) {
    let _ = write!(out, r#"{{"traceId":"{:032x}","spanId":"{:016x}","#, span.trace, span.id);
    if let Some(parent) = span.parent {
        let _ = write!(out, r#""parentSpanId":"{parent:016x}","#);
    }
    let _ = write!(
        out,
        r#""name":"op","kind":2,"startTimeUnixNano":"{}","endTimeUnixNano":"{}"{extra}}}"#,
        span.start_ns, span.end_ns
    );
}

/// One Jaeger JSON download (`{"data": [...]}`): consecutive spans of one
/// trace ID make one trace object.
pub fn jaeger_json(spans: impl IntoIterator<Item = Bare>) -> String {
    let mut out = String::from(r#"{"data":["#);
    let mut current = None;
    for span in spans {
        if current != Some(span.trace) {
            if current.is_some() {
                out.push_str(JAEGER_TRACE_TAIL);
                out.push(',');
            }
            let _ = write!(out, r#"{{"traceID":"{:032x}","spans":["#, span.trace);
            current = Some(span.trace);
        } else {
            out.push(',');
        }
        jaeger_json_span(&mut out, &span, "");
    }
    if current.is_some() {
        out.push_str(JAEGER_TRACE_TAIL);
    }
    out.push_str("]}");
    out
}

const JAEGER_TRACE_TAIL: &str = r#"],"processes":{"p1":{"serviceName":"hostile","tags":[]}}}"#;

/// One Jaeger span object, with `extra` (`,"key":value...`) before its end.
pub fn jaeger_json_span(out: &mut String, span: &Bare, extra: &str) {
    let _ = write!(
        out,
        r#"{{"traceID":"{:032x}","spanID":"{:016x}","operationName":"op","references":["#,
        span.trace, span.id
    );
    if let Some(parent) = span.parent {
        let _ = write!(
            out,
            r#"{{"refType":"CHILD_OF","traceID":"{:032x}","spanID":"{parent:016x}"}}"#,
            span.trace
        );
    }
    let duration = duration_micros(span).unwrap_or_else(|| "0".to_owned());
    let _ = write!(
        out,
        r#"],"startTime":{},"duration":{duration},"processID":"p1"{extra}}}"#,
        micros(span.start_ns),
    );
}

/// One Zipkin v2 JSON list of spans.
pub fn zipkin_json(spans: impl IntoIterator<Item = Bare>) -> String {
    let mut out = String::from("[");
    for (i, span) in spans.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        zipkin_json_span(&mut out, &span, "");
    }
    out.push(']');
    out
}

/// One Zipkin span object, with `extra` (`,"key":value...`) before its end.
pub fn zipkin_json_span(out: &mut String, span: &Bare, extra: &str) {
    let _ = write!(out, r#"{{"traceId":"{:032x}","id":"{:016x}","#, span.trace, span.id);
    if let Some(parent) = span.parent {
        let _ = write!(out, r#""parentId":"{parent:016x}","#);
    }
    let duration = duration_micros(span).map_or_else(String::new, |d| format!(r#","duration":{d}"#));
    let _ = write!(
        out,
        r#""name":"op","kind":"SERVER","timestamp":{}{duration},"localEndpoint":{{"serviceName":"hostile"}}{extra}}}"#,
        micros(span.start_ns),
    );
}

/// A time in microseconds, as Jaeger and Zipkin write it; `u64::MAX`
/// stays `u64::MAX`: the largest time the format can say.
pub fn micros(ns: u64) -> u64 {
    if ns == u64::MAX { ns } else { ns / 1_000 }
}

/// A span's duration in microseconds as Jaeger and Zipkin would carry it:
/// `None` without an end (Zipkin leaves the field out, Jaeger writes 0),
/// negative when the end is before the start, `u64::MAX` for an end of
/// `u64::MAX`.
pub fn duration_micros(span: &Bare) -> Option<String> {
    Some(match span.end_ns {
        0 => return None,
        u64::MAX => u64::MAX.to_string(),
        end if end < span.start_ns => format!("-{}", (span.start_ns - end) / 1_000),
        end => ((end - span.start_ns) / 1_000).to_string(),
    })
}

/// One OTLP protobuf `TracesData` message.
pub fn otlp_proto(spans: impl IntoIterator<Item = Bare>) -> Vec<u8> {
    let mut body = Vec::new();
    for span in spans {
        let encoded = otlp_proto_span(&span, &[]);
        length_delimited(2, &encoded, &mut body);
    }
    otlp_proto_document(&body)
}

/// `TracesData` around `scope_spans_body`, the fields of one `ScopeSpans`
/// (its spans, each as field 2), under the resource of service `hostile`.
pub fn otlp_proto_document(scope_spans_body: &[u8]) -> Vec<u8> {
    let mut resource = Vec::new();
    length_delimited(1, &proto_string_attribute("service.name", "hostile"), &mut resource);
    let mut resource_spans = Vec::new();
    length_delimited(1, &resource, &mut resource_spans);
    length_delimited(2, scope_spans_body, &mut resource_spans);
    let mut traces_data = Vec::with_capacity(resource_spans.len() + 16);
    length_delimited(1, &resource_spans, &mut traces_data);
    traces_data
}

/// One `Span` message (without its tag and length), with `attributes`
/// (encoded `KeyValue` messages, field 9) appended.
pub fn otlp_proto_span(span: &Bare, attributes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + attributes.len());
    length_delimited(1, &span.trace.to_be_bytes(), &mut out);
    length_delimited(2, &span.id.to_be_bytes(), &mut out);
    if let Some(parent) = span.parent {
        length_delimited(4, &parent.to_be_bytes(), &mut out);
    }
    length_delimited(5, b"op", &mut out);
    encode_key(6, WireType::Varint, &mut out);
    encode_varint(2, &mut out);
    encode_key(7, WireType::SixtyFourBit, &mut out);
    out.extend_from_slice(&span.start_ns.to_le_bytes());
    encode_key(8, WireType::SixtyFourBit, &mut out);
    out.extend_from_slice(&span.end_ns.to_le_bytes());
    out.extend_from_slice(attributes);
    out
}

/// A `KeyValue` message whose value is a string.
pub fn proto_string_attribute(key: &str, value: &str) -> Vec<u8> {
    let mut any_value = Vec::with_capacity(value.len() + 8);
    length_delimited(1, value.as_bytes(), &mut any_value);
    proto_key_value(key, &any_value)
}

/// A `KeyValue` message whose value is the encoded `AnyValue` `any_value`.
pub fn proto_key_value(key: &str, any_value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + any_value.len() + 16);
    length_delimited(1, key.as_bytes(), &mut out);
    length_delimited(2, any_value, &mut out);
    out
}

/// Field `tag` holding `bytes` (a string, bytes or a message), appended to `out`.
pub fn length_delimited(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TraceSet;
    use crate::import::import_file;

    #[test]
    fn every_format_reads_back_as_written() {
        let spans = [
            Bare {
                trace: 7,
                id: 1,
                parent: None,
                start_ns: BASE_NS,
                end_ns: BASE_NS + 5_000_000,
            },
            Bare {
                trace: 7,
                id: 2,
                parent: Some(1),
                start_ns: BASE_NS + 1_000_000,
                end_ns: BASE_NS + 2_000_000,
            },
        ];
        for format in [
            Format::OtlpJson,
            Format::OtlpProtobuf,
            Format::JaegerJson,
            Format::ZipkinJson,
        ] {
            let mut set = TraceSet::new();
            let report = import_file(&mut set, "t", &write(format, spans)).unwrap();
            assert_eq!((report.format, report.spans_kept), (format, 2), "{format}");
            assert!(report.warnings.is_empty(), "{format}: {:?}", report.warnings);
            let child = set.spans.iter().find(|s| s.parent_span_id.is_some()).unwrap();
            assert_eq!(child.duration.0, 1_000_000, "{format}");
            assert_eq!(set.str(child.service), "hostile", "{format}");
        }
    }
}
