//! The bytes of each [`Case`], per format.

use super::bytes;
use super::spans::{self, BASE_NS, Bare, healthy};
use super::{Case, Scale};
use crate::import::Format;
use std::fmt::Write as _;

/// The bytes of `case` in `format` (one of its formats) at `scale`.
pub(super) fn write(case: Case, format: Format, scale: Scale) -> Vec<u8> {
    match case {
        Case::GzipBomb => bytes::gzip_bomb(scale.pick(8 << 30, 256 << 20) as u64),
        Case::DeepJson => deep_json(format, 100_000),
        Case::DeepProtobuf => {
            let value = spans::proto_key_value("deep", &bytes::deep_any_value(100_000));
            one_span(format, "", &proto_field(9, &value))
        }
        Case::HugeValue => huge_value(format, scale.pick(100 << 20, 1 << 20)),
        Case::ManyAttributes => many_attributes(format, scale.pick(10_000_000, 100_000)),
        Case::SelfParent => spans::write(format, self_parent()),
        Case::ParentCycle => spans::write(format, parent_cycle()),
        Case::DuplicateIds => spans::write(format, duplicate_ids(scale.pick(100_000, 10_000))),
        Case::WideTrace => spans::write(format, wide_trace(scale.pick(1_000_000, 10_000))),
        Case::DeepTrace => spans::write(format, deep_trace(scale.pick(1_000_000, 10_000))),
        Case::ZeroTimestamps => with_healthy(format, &[(0, 0), (0, BASE_NS), (BASE_NS, 0)]),
        Case::MaxTimestamps => with_healthy(format, &[(u64::MAX, u64::MAX), (BASE_NS, u64::MAX)]),
        Case::EndBeforeStart => with_healthy(format, &[(BASE_NS + 1_000_000_000, BASE_NS)]),
        Case::CenturyDurations => with_healthy(
            format,
            &[(BASE_NS, BASE_NS + 150 * YEAR), (BASE_NS, BASE_NS + 500 * YEAR)],
        ),
        Case::SwappedTypes => swapped_types(format),
        Case::NumberForString => number_for_string(format),
        Case::TextForNumber => text_for_number(format),
        Case::NanLiteral => with_double(format, "NaN", "Infinity"),
        Case::NanStrings => with_double(format, "\"NaN\"", "\"-Infinity\""),
        Case::InvalidUtf8 => invalid_utf8(format),
        Case::Utf8Bom => [&b"\xEF\xBB\xBF"[..], &spans::write(format, healthy(3))].concat(),
        Case::Utf16 => bytes::utf16(&spans::otlp_json(healthy(3)), false, true),
        Case::PngAsJson => bytes::png(),
        Case::Empty | Case::EmptyGzip => Vec::new(),
        Case::CutGzipHeader => vec![0x1f, 0x8b, 0x08, 0x00, 0x00],
        Case::TruncatedProtobuf => {
            let whole = spans::otlp_proto(healthy(10));
            whole.get(..whole.len() * 2 / 3).unwrap_or_default().to_vec()
        }
        Case::ChangedWhileRead => changed_while_read(format),
        Case::ManyEvents => many_events(format, scale.pick(1_000_000, 10_000)),
        Case::ManyLinks => many_links(format, scale.pick(1_000_000, 10_000)),
        Case::SpanFragments => span_fragments(scale.pick(100_000, 5_000)),
        Case::EmptySpans => empty_spans(scale.pick(2_000_000, 400_000)),
    }
}

/// A year of 365.25 days, in nanoseconds.
const YEAR: u64 = 31_557_600 * 1_000_000_000;

/// 20 healthy traces, then one trace per `(start, end)`: a root with those times.
fn with_healthy(format: Format, odd: &[(u64, u64)]) -> Vec<u8> {
    let mut all = healthy(20);
    for (i, &(start_ns, end_ns)) in (0u128..).zip(odd) {
        all.push(Bare {
            trace: 1_000 + i,
            id: 1,
            parent: None,
            start_ns,
            end_ns,
        });
    }
    spans::write(format, all)
}

/// A root `1`; span `2` naming itself as parent, with a child `3`; and a
/// second trace that is one span naming itself.
fn self_parent() -> Vec<Bare> {
    let at = |trace: u128, id: u64, parent: Option<u64>, ms: u64| Bare {
        trace,
        id,
        parent,
        start_ns: BASE_NS + ms * 1_000_000,
        end_ns: BASE_NS + (ms + 10) * 1_000_000,
    };
    vec![
        at(1, 1, None, 0),
        at(1, 2, Some(2), 1),
        at(1, 3, Some(2), 2),
        at(2, 5, Some(5), 100),
    ]
}

/// Under a root `1`: `2` and `3` each other's parent, `4` a child of `2`;
/// and a second trace of two spans that are each other's parent, no root.
fn parent_cycle() -> Vec<Bare> {
    let at = |trace: u128, id: u64, parent: u64, ms: u64| Bare {
        trace,
        id,
        parent: (parent != 0).then_some(parent),
        start_ns: BASE_NS + ms * 1_000_000,
        end_ns: BASE_NS + (ms + 10) * 1_000_000,
    };
    vec![
        at(1, 1, 0, 0),
        at(1, 2, 3, 1),
        at(1, 3, 2, 2),
        at(1, 4, 2, 3),
        at(2, 6, 7, 100),
        at(2, 7, 6, 101),
    ]
}

/// A root `1`, `copies` spans with ID `2` under it (each starting a
/// microsecond later, so none is an identical copy), and `copies` spans
/// with ID `3` naming `2` as their parent.
pub fn duplicate_ids(copies: usize) -> impl Iterator<Item = Bare> {
    let copies = copies as u64;
    let end = BASE_NS + (2 * copies + 10) * 1_000;
    let root = Bare {
        trace: 1,
        id: 1,
        parent: None,
        start_ns: BASE_NS,
        end_ns: end,
    };
    let copy = move |i: u64, id: u64, parent: u64| Bare {
        trace: 1,
        id,
        parent: Some(parent),
        start_ns: BASE_NS + (i + 1) * 1_000,
        end_ns: BASE_NS + (i + 2) * 1_000,
    };
    std::iter::once(root)
        .chain((0..copies).map(move |i| copy(i, 2, 1)))
        .chain((0..copies).map(move |i| copy(copies + i, 3, 2)))
}

/// A root with `children` children, one starting every microsecond.
pub fn wide_trace(children: usize) -> impl Iterator<Item = Bare> {
    let children = children as u64;
    let root = Bare {
        trace: 1,
        id: 1,
        parent: None,
        start_ns: BASE_NS,
        end_ns: BASE_NS + (children + 2) * 1_000,
    };
    std::iter::once(root).chain((0..children).map(|i| Bare {
        trace: 1,
        id: i + 2,
        parent: Some(1),
        start_ns: BASE_NS + (i + 1) * 1_000,
        end_ns: BASE_NS + (i + 2) * 1_000,
    }))
}

/// A chain of `depth` spans, each the only child of the one before, each
/// starting a microsecond after its parent and ending a microsecond before.
pub fn deep_trace(depth: usize) -> impl Iterator<Item = Bare> {
    let depth = depth as u64;
    (0..depth).map(move |i| Bare {
        trace: 1,
        id: i + 1,
        parent: (i > 0).then_some(i),
        start_ns: BASE_NS + i * 1_000,
        end_ns: BASE_NS + (2 * depth - i) * 1_000,
    })
}

/// The trace of [`one_span`]: none of the healthy traces' IDs, so a file
/// of one span is never taken for a copy of a healthy one read before it.
const ONE_SPAN_TRACE: u128 = 0x0dd;

/// One span with `extra` (attributes, an unknown field...) written in its
/// object; `proto_attributes` are its encoded `KeyValue` fields for protobuf.
fn one_span(format: Format, extra: &str, proto_attributes: &[u8]) -> Vec<u8> {
    let span = Bare {
        trace: ONE_SPAN_TRACE,
        id: 1,
        parent: None,
        start_ns: BASE_NS,
        end_ns: BASE_NS + 100_000_000,
    };
    let mut out = String::with_capacity(extra.len() + 512);
    match format {
        Format::OtlpProtobuf => {
            let mut body = Vec::with_capacity(proto_attributes.len() + 128);
            spans::length_delimited(2, &spans::otlp_proto_span(&span, proto_attributes), &mut body);
            return spans::otlp_proto_document(&body);
        }
        Format::JaegerJson => {
            let _ = write!(out, r#"{{"data":[{{"traceID":"{ONE_SPAN_TRACE:032x}","spans":["#);
            spans::jaeger_json_span(&mut out, &span, extra);
            out.push_str(r#"],"processes":{"p1":{"serviceName":"hostile","tags":[]}}}]}"#);
        }
        Format::ZipkinJson => {
            out.push('[');
            spans::zipkin_json_span(&mut out, &span, extra);
            out.push(']');
        }
        Format::OtlpJson | Format::OtlpJsonLines => {
            out.push_str(spans::OTLP_JSON_HEAD);
            spans::otlp_json_span(&mut out, &span, extra);
            out.push_str(spans::OTLP_JSON_TAIL);
        }
    }
    out.into_bytes()
}

/// JSON nested `depth` deep: an OTLP attribute value of arrays in arrays
/// (two JSON levels each), or an unknown field of Jaeger or Zipkin.
fn deep_json(format: Format, depth: usize) -> Vec<u8> {
    let extra = match format {
        Format::OtlpJson | Format::OtlpJsonLines => {
            let levels = depth / 2;
            let mut value = String::with_capacity(levels * 30);
            value.push_str(r#","attributes":[{"key":"deep","value":"#);
            for _ in 0..levels {
                value.push_str(r#"{"arrayValue":{"values":["#);
            }
            value.push_str(r#"{"stringValue":"bottom"}"#);
            for _ in 0..levels {
                value.push_str("]}}");
            }
            value.push_str("}]");
            value
        }
        _ => format!(r#","deep":{}{}"#, "[".repeat(depth), "]".repeat(depth)),
    };
    one_span(format, &extra, &[])
}

/// One span with an attribute `big` of `len` bytes of text.
fn huge_value(format: Format, len: usize) -> Vec<u8> {
    let text = "x".repeat(len);
    match format {
        Format::OtlpProtobuf => one_span(
            format,
            "",
            &proto_field(9, &spans::proto_string_attribute("big", &text)),
        ),
        Format::JaegerJson => one_span(
            format,
            &format!(r#","tags":[{{"key":"big","type":"string","value":"{text}"}}]"#),
            &[],
        ),
        Format::ZipkinJson => one_span(format, &format!(r#","tags":{{"big":"{text}"}}"#), &[]),
        Format::OtlpJson | Format::OtlpJsonLines => one_span(
            format,
            &format!(r#","attributes":[{{"key":"big","value":{{"stringValue":"{text}"}}}}]"#),
            &[],
        ),
    }
}

/// `bytes` as field `tag` of a message.
fn proto_field(tag: u32, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 8);
    spans::length_delimited(tag, bytes, &mut out);
    out
}

/// One span with `count` integer attributes `a0`, `a1`, ...
fn many_attributes(format: Format, count: usize) -> Vec<u8> {
    if format == Format::OtlpProtobuf {
        // Encoded by hand into one buffer: a `Vec` per attribute made this
        // the slowest generator by far.
        use prost::encoding::{encode_varint, encoded_len_varint};
        let mut fields = Vec::with_capacity(count * 16);
        let mut key = String::new();
        for i in 0..count as u64 {
            key.clear();
            let _ = write!(key, "a{i}");
            let key_len = key.len() as u64;
            let value_len = 1 + encoded_len_varint(i) as u64;
            let pair_len =
                2 + encoded_len_varint(key_len) as u64 + key_len + encoded_len_varint(value_len) as u64 + value_len;
            fields.push(9 << 3 | 2); // Span.attributes
            encode_varint(pair_len, &mut fields);
            fields.push(1 << 3 | 2); // KeyValue.key
            encode_varint(key_len, &mut fields);
            fields.extend_from_slice(key.as_bytes());
            fields.push(2 << 3 | 2); // KeyValue.value
            encode_varint(value_len, &mut fields);
            fields.push(3 << 3); // AnyValue.int_value
            encode_varint(i, &mut fields);
        }
        return one_span(format, "", &fields);
    }
    let mut extra = String::with_capacity(count * 40);
    let (open, close) = match format {
        Format::ZipkinJson => (r#","tags":{"#, "}"),
        Format::JaegerJson => (r#","tags":["#, "]"),
        _ => (r#","attributes":["#, "]"),
    };
    extra.push_str(open);
    for i in 0..count {
        if i > 0 {
            extra.push(',');
        }
        let _ = match format {
            Format::ZipkinJson => write!(extra, r#""a{i}":"{i}""#),
            Format::JaegerJson => write!(extra, r#"{{"key":"a{i}","type":"int64","value":{i}}}"#),
            _ => write!(extra, r#"{{"key":"a{i}","value":{{"intValue":"{i}"}}}}"#),
        };
    }
    extra.push_str(close);
    one_span(format, &extra, &[])
}

/// One span with `count` events with nothing in them.
fn many_events(format: Format, count: usize) -> Vec<u8> {
    let (open, item, close) = match format {
        // Field 11 (`Span.events`), an empty message.
        Format::OtlpProtobuf => return one_span(format, "", &[0x5a, 0x00].repeat(count)),
        Format::JaegerJson => (r#","logs":["#, "{}", "]"),
        Format::ZipkinJson => (
            r#","annotations":["#,
            r#"{"timestamp":1700000000000000,"value":""}"#,
            "]",
        ),
        Format::OtlpJson | Format::OtlpJsonLines => (r#","events":["#, "{}", "]"),
    };
    let mut extra = String::with_capacity(open.len() + count * (item.len() + 1) + 1);
    extra.push_str(open);
    for i in 0..count {
        if i > 0 {
            extra.push(',');
        }
        extra.push_str(item);
    }
    extra.push_str(close);
    one_span(format, &extra, &[])
}

/// One span with `count` links, each to a span of its own in another trace.
fn many_links(format: Format, count: usize) -> Vec<u8> {
    let trace = ONE_SPAN_TRACE + 1;
    if format == Format::OtlpProtobuf {
        let mut fields = Vec::with_capacity(count * 30);
        let mut link = Vec::with_capacity(30);
        for i in 0..count as u64 {
            link.clear();
            spans::length_delimited(1, &trace.to_be_bytes(), &mut link);
            spans::length_delimited(2, &(i + 1).to_be_bytes(), &mut link);
            spans::length_delimited(13, &link, &mut fields); // Span.links
        }
        return one_span(format, "", &fields);
    }
    let mut list = String::with_capacity(count * 100);
    for i in 0..count as u64 {
        if i > 0 {
            list.push(',');
        }
        let _ = match format {
            Format::JaegerJson => write!(
                list,
                r#"{{"refType":"FOLLOWS_FROM","traceID":"{trace:032x}","spanID":"{:016x}"}}"#,
                i + 1
            ),
            _ => write!(list, r#"{{"traceId":"{trace:032x}","spanId":"{:016x}"}}"#, i + 1),
        };
    }
    match format {
        // The span's own (empty) list of references is where they go.
        Format::JaegerJson => {
            let text = String::from_utf8_lossy(&one_span(format, "", &[])).into_owned();
            text.replacen(r#""references":[]"#, &format!(r#""references":[{list}]"#), 1)
                .into_bytes()
        }
        _ => one_span(format, &format!(r#","links":[{list}]"#), &[]),
    }
}

/// One Zipkin span in `count` fragments: the first with its name and times,
/// each with a tag `t{i}` and an annotation `a{i}` no other has.
fn span_fragments(count: usize) -> Vec<u8> {
    let mut out = String::with_capacity(count * 160 + 256);
    out.push('[');
    for i in 0..count {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, r#"{{"traceId":"{ONE_SPAN_TRACE:032x}","id":"{:016x}","#, 1);
        if i == 0 {
            let _ = write!(
                out,
                r#""name":"op","kind":"SERVER","timestamp":{},"duration":100000,"#,
                BASE_NS / 1_000
            );
        }
        let _ = write!(
            out,
            r#""localEndpoint":{{"serviceName":"hostile"}},"tags":{{"t{i}":"v"}},"annotations":[{{"timestamp":{},"value":"a{i}"}}]}}"#,
            BASE_NS / 1_000 + i as u64
        );
    }
    out.push(']');
    out.into_bytes()
}

/// `count` empty spans (field 2 of `ScopeSpans`, length 0), and nothing else.
fn empty_spans(count: usize) -> Vec<u8> {
    spans::otlp_proto_document(&[0x12, 0x00].repeat(count))
}

/// What exporters write and the readers accept: OTLP times as JSON numbers
/// and an integer attribute as a number; Jaeger and Zipkin times as strings
/// and floats, a Jaeger `int64` tag as a string.
fn swapped_types(format: Format) -> Vec<u8> {
    let text = match format {
        Format::JaegerJson => {
            r#"{"data":[{"traceID":"00000000000000000000000000000001","spans":[{"traceID":"00000000000000000000000000000001","spanID":"0000000000000001","operationName":"op","references":[],"startTime":"1700000000000000","duration":1.5e3,"tags":[{"key":"n","type":"int64","value":"42"}],"processID":"p1"}],"processes":{"p1":{"serviceName":"hostile","tags":[]}}}]}"#
        }
        Format::ZipkinJson => {
            r#"[{"traceId":"00000000000000000000000000000001","id":"0000000000000001","name":"op","timestamp":"1700000000000000","duration":1.5e3,"localEndpoint":{"serviceName":"hostile"},"tags":{"n":"42"}}]"#
        }
        _ => {
            r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"hostile"}}]},"scopeSpans":[{"spans":[{"traceId":"00000000000000000000000000000001","spanId":"0000000000000001","name":"op","kind":2,"startTimeUnixNano":1700000000000000000,"endTimeUnixNano":1.700000000001536e18,"attributes":[{"key":"n","value":{"intValue":42}}]}]}]}]}"#
        }
    };
    text.as_bytes().to_vec()
}

/// Two healthy spans, then a third whose name is the number 42.
fn number_for_string(format: Format) -> Vec<u8> {
    let text = String::from_utf8_lossy(&spans::write(format, healthy(2))).into_owned();
    let field = match format {
        Format::JaegerJson => r#""operationName":"op""#,
        _ => r#""name":"op""#,
    };
    replace_last(&text, field, &field.replace("\"op\"", "42")).into_bytes()
}

/// Two healthy spans, then a third whose start time is the word `soon`.
fn text_for_number(format: Format) -> Vec<u8> {
    let text = String::from_utf8_lossy(&spans::write(format, healthy(2))).into_owned();
    let (field, value) = match format {
        Format::JaegerJson => (r#""startTime":"#, (BASE_NS + 1_000_000_000) / 1_000),
        Format::ZipkinJson => (r#""timestamp":"#, (BASE_NS + 1_000_000_000) / 1_000),
        _ => (r#""startTimeUnixNano":"#, BASE_NS + 1_000_000_000),
    };
    let (from, to) = match format {
        Format::JaegerJson | Format::ZipkinJson => (format!("{field}{value}"), format!("{field}\"soon\"")),
        _ => (format!("{field}\"{value}\""), format!("{field}\"soon\"")),
    };
    replace_last(&text, &from, &to).into_bytes()
}

/// One span with a double attribute written as `first` and another as `second`.
fn with_double(format: Format, first: &str, second: &str) -> Vec<u8> {
    let extra = match format {
        Format::JaegerJson => format!(
            r#","tags":[{{"key":"ratio","type":"float64","value":{first}}},{{"key":"limit","type":"float64","value":{second}}}]"#
        ),
        // Zipkin tags are text: the numbers go where Zipkin has them, the times.
        Format::ZipkinJson => format!(r#","annotations":[{{"timestamp":{first},"value":"x"}}]"#),
        _ => format!(
            r#","attributes":[{{"key":"ratio","value":{{"doubleValue":{first}}}}},{{"key":"limit","value":{{"doubleValue":{second}}}}}]"#
        ),
    };
    one_span(format, &extra, &[])
}

/// Healthy spans whose last span name and an attribute hold bytes that are
/// not UTF-8 (a lone `0xFF`, a cut three-byte sequence).
fn invalid_utf8(format: Format) -> Vec<u8> {
    let extra = match format {
        Format::JaegerJson => r#","tags":[{"key":"note","type":"string","value":"caf@@"}]"#,
        Format::ZipkinJson => r#","tags":{"note":"caf@@"}"#,
        _ => r#","attributes":[{"key":"note","value":{"stringValue":"caf@@"}}]"#,
    };
    let mut bytes = one_span(format, extra, &[]);
    // `@@` stands for the broken bytes: a lone continuation byte and a cut sequence.
    if let Some(at) = bytes.windows(2).position(|w| w == b"@@") {
        bytes.splice(at..at + 2, [0xFF, 0xE2, 0x82]);
    }
    let name = match format {
        Format::JaegerJson => &br#""operationName":"op""#[..],
        _ => &br#""name":"op""#[..],
    };
    // The name `op` becomes `o`, an overlong-encoding lead byte, `p`.
    if let Some(at) = bytes.windows(name.len()).position(|w| w == name) {
        let op = at + name.len() - 3;
        bytes.splice(op..op + 2, [b'o', 0xC0, b'p']);
    }
    bytes
}

/// The first half of one version of a file and the second half of another.
fn changed_while_read(format: Format) -> Vec<u8> {
    match format {
        Format::OtlpJsonLines => {
            // A Collector still writing: two whole lines and half of a third.
            let line = spans::otlp_json(healthy(2));
            let mut text = format!("{line}\n{line}\n");
            text.push_str(line.get(..line.len() / 2).unwrap_or_default());
            text.into_bytes()
        }
        _ => {
            let before = spans::write(format, healthy(10));
            let after = spans::write(format, healthy(25));
            let mut bytes = before.get(..before.len() / 2).unwrap_or_default().to_vec();
            bytes.extend_from_slice(after.get(after.len() / 2..).unwrap_or_default());
            bytes
        }
    }
}

/// `text` with the last occurrence of `from` replaced by `to`.
fn replace_last(text: &str, from: &str, to: &str) -> String {
    match text.rfind(from) {
        Some(at) => format!(
            "{}{to}{}",
            text.get(..at).unwrap_or_default(),
            text.get(at + from.len()..).unwrap_or_default()
        ),
        None => text.to_owned(),
    }
}
