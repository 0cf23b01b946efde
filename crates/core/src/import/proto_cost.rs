//! What decoding one OTLP protobuf message will cost, found by walking its
//! wire bytes once, without decoding or allocating per field: how many
//! spans it holds, and about how many bytes prost's structs for it take.
//!
//! The reader decodes a message whole before converting it, and protobuf
//! is compact where the structs are not: an empty span is two bytes on the
//! wire and a `Span` struct of about 250 bytes, so 4 MB of empty spans
//! (4 KB gzip-compressed) decoded to half a gigabyte. The reader refuses a
//! message whose estimate passes [`crate::limits::MAX_PROTOBUF_INFLATION`]
//! times its size before decoding it, and picks the framing to decode by
//! the span counts found here, so only one framing is ever decoded at once.

use crate::limits::MAX_PROTOBUF_DEPTH;
use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};

/// What a message costs to decode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Cost {
    /// Spans in it (`TracesData.resource_spans[].scope_spans[].spans[]`),
    /// exactly as many as decoding finds when it succeeds.
    pub spans: u64,
    /// About what the decoded structs hold: each message's struct and each
    /// string's and bytes value's length (not the spare capacity of the
    /// lists, which is at most as much again).
    pub bytes: u64,
}

/// The messages of OTLP's trace schema that hold other messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    TracesData,
    ResourceSpans,
    Resource,
    ScopeSpans,
    Scope,
    Span,
    Event,
    Link,
    Status,
    KeyValue,
    AnyValue,
    ArrayValue,
    KeyValueList,
}

impl Kind {
    /// The message that field `tag` of this one holds, if it is a message.
    /// Field numbers as in `otlp_proto`'s wire types.
    fn child(self, tag: u32) -> Option<Kind> {
        use Kind::*;
        Some(match (self, tag) {
            (TracesData, 1) => ResourceSpans,
            (ResourceSpans, 1) => Resource,
            (ResourceSpans, 2 | 1000) => ScopeSpans,
            (Resource, 1) | (Scope, 3) | (Span, 9) | (Event, 3) | (Link, 4) | (KeyValueList, 1) => KeyValue,
            (ScopeSpans, 1) => Scope,
            (ScopeSpans, 2) => Span,
            (Span, 11) => Event,
            (Span, 13) => Link,
            (Span, 15) => Status,
            (KeyValue, 2) | (ArrayValue, 1) => AnyValue,
            (AnyValue, 5) => ArrayValue,
            (AnyValue, 6) => KeyValueList,
            _ => return None,
        })
    }

    /// Bytes of the struct prost decodes this message into, as on a 64-bit
    /// machine on every machine: the verdict on a file must be the same in
    /// the browser (wasm32, where pointers are half as wide) as on the
    /// command line, or a file refused by one would load in the other. A
    /// test checks these against `size_of` on 64-bit hosts.
    fn size(self) -> usize {
        match self {
            Kind::TracesData => 24,
            Kind::ResourceSpans => 80,
            Kind::Resource => 32,
            Kind::ScopeSpans => 96,
            Kind::Scope => 72,
            Kind::Span => 264,
            Kind::Event => 56,
            Kind::Link => 96,
            Kind::Status => 32,
            Kind::KeyValue => 56,
            Kind::AnyValue => 32,
            Kind::ArrayValue => 24,
            Kind::KeyValueList => 24,
        }
    }
}

/// The cost of decoding `message` as a `TracesData`. Where the bytes stop
/// making sense the walk stops, with what it counted so far: decoding will
/// say what is wrong. Messages nested deeper than prost decodes are counted
/// as bytes (decoding refuses them).
pub(super) fn of(message: &[u8]) -> Cost {
    let mut cost = Cost {
        spans: 0,
        bytes: Kind::TracesData.size() as u64,
    };
    // The messages being walked, each with where its bytes end; an explicit
    // stack, so nesting costs no call stack.
    let mut open: Vec<(Kind, usize)> = vec![(Kind::TracesData, message.len())];
    let mut at = 0;
    while let Some(&(kind, end)) = open.last() {
        if at >= end {
            open.pop();
            continue;
        }
        let Some(mut rest) = message.get(at..end) else {
            break;
        };
        let before = rest.len();
        let Ok((tag, wire_type)) = decode_key(&mut rest) else {
            break;
        };
        if wire_type != WireType::LengthDelimited {
            if skip_field(wire_type, tag, &mut rest, DecodeContext::default()).is_err() {
                break;
            }
            at += before - rest.len();
            continue;
        }
        let Ok(len) = decode_varint(&mut rest) else {
            break;
        };
        let start = at + (before - rest.len());
        let Some(stop) = usize::try_from(len)
            .ok()
            .and_then(|len| start.checked_add(len))
            .filter(|&stop| stop <= end)
        else {
            break;
        };
        match kind.child(tag) {
            Some(child) if open.len() < MAX_PROTOBUF_DEPTH as usize => {
                cost.bytes = cost.bytes.saturating_add(child.size() as u64);
                if child == Kind::Span {
                    cost.spans += 1;
                }
                open.push((child, stop));
                at = start;
            }
            // A string or bytes value (copied whole), or an unknown field
            // (skipped: counting it too keeps the estimate simple and high).
            _ => {
                cost.bytes = cost.bytes.saturating_add(len);
                at = stop;
            }
        }
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::otlp_proto as pb;
    use crate::synth::hostile::spans::{self, BASE_NS, Bare, healthy};
    use prost::Message;
    // Only the 64-bit layout test reads sizes.
    #[cfg(target_pointer_width = "64")]
    use std::mem::size_of;

    #[test]
    fn counts_the_spans_decoding_finds() {
        let bytes = spans::otlp_proto(healthy(7));
        let decoded = pb::TracesData::decode(&bytes[..]).unwrap();
        let spans: usize = decoded
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum();
        assert_eq!(of(&bytes).spans, spans as u64);
        assert_eq!(spans, 14);
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn struct_sizes_are_those_of_a_64_bit_machine() {
        use Kind::*;
        let sizes = [
            (TracesData, size_of::<pb::TracesData>()),
            (ResourceSpans, size_of::<pb::ResourceSpans>()),
            (Resource, size_of::<pb::Resource>()),
            (ScopeSpans, size_of::<pb::ScopeSpans>()),
            (Scope, size_of::<pb::InstrumentationScope>()),
            (Span, size_of::<pb::Span>()),
            (Event, size_of::<pb::Event>()),
            (Link, size_of::<pb::Link>()),
            (Status, size_of::<pb::Status>()),
            (KeyValue, size_of::<pb::KeyValue>()),
            (AnyValue, size_of::<pb::AnyValue>()),
            (ArrayValue, size_of::<pb::ArrayValue>()),
            (KeyValueList, size_of::<pb::KeyValueList>()),
        ];
        for (kind, size) in sizes {
            assert_eq!(kind.size(), size, "{kind:?}");
        }
    }

    #[test]
    fn empty_spans_cost_their_structs_and_real_ones_a_few_times_their_bytes() {
        let empty = spans::otlp_proto_document(&[0x12, 0x00].repeat(1_000));
        let cost = of(&empty);
        assert_eq!(cost.spans, 1_000);
        assert!(cost.bytes >= 1_000 * Kind::Span.size() as u64, "{cost:?}");
        let real = spans::otlp_proto((0..1_000).map(|i| Bare {
            trace: 1,
            id: i + 1,
            parent: None,
            start_ns: BASE_NS,
            end_ns: BASE_NS + 1,
        }));
        let cost = of(&real);
        assert_eq!(cost.spans, 1_000);
        assert!(cost.bytes < 6 * real.len() as u64, "{cost:?} for {} bytes", real.len());
    }

    #[test]
    fn broken_bytes_and_deep_nesting_end_the_walk_without_panicking() {
        for bytes in [&b"\x0a\xff\xff\xff\xff\x0f"[..], b"\x0a\x05\x12", b"\x0b", b"\xff"] {
            let _ = of(bytes);
        }
        // Values nested 100,000 deep in an attribute: walked to prost's depth.
        let value = spans::proto_key_value("deep", &crate::synth::hostile::bytes::deep_any_value(100_000));
        let mut attribute = Vec::new();
        spans::length_delimited(9, &value, &mut attribute); // Span.attributes
        let span = healthy(1).first().copied().unwrap();
        let mut body = Vec::new();
        spans::length_delimited(2, &spans::otlp_proto_span(&span, &attribute), &mut body);
        let cost = of(&spans::otlp_proto_document(&body));
        assert_eq!(cost.spans, 1);
    }
}
