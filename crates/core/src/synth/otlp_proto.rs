//! Writes synthetic spans as one OTLP protobuf `TracesData` message, with the
//! same wire types the importer reads.

use super::{EventsBySpan, SynthEvent, SynthSpan, SynthValue};
use crate::import::otlp_proto as wire;
use prost::Message;

/// The encoded `TracesData` message for `spans`.
pub fn write(spans: &[SynthSpan]) -> Vec<u8> {
    write_with_events(spans, &[])
}

/// [`write`] with span events.
pub fn write_with_events(spans: &[SynthSpan], events: &[SynthEvent]) -> Vec<u8> {
    let events = EventsBySpan::new(events);
    let resource_spans = super::services(spans)
        .into_iter()
        .map(|service| wire::ResourceSpans {
            resource: Some(wire::Resource {
                attributes: vec![key_value("service.name", &SynthValue::Str(service.to_owned()))],
                dropped_attributes_count: 0,
            }),
            scope_spans: vec![wire::ScopeSpans {
                scope: Some(wire::InstrumentationScope {
                    name: "tracelens-synth".to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    attributes: Vec::new(),
                }),
                spans: spans
                    .iter()
                    .filter(|s| s.service == service)
                    .map(|s| span_message(s, events.of(s)))
                    .collect(),
            }],
            instrumentation_library_spans: Vec::new(),
        })
        .collect();
    wire::TracesData { resource_spans }.encode_to_vec()
}

/// A span without an end keeps `end_time_unix_nano` at 0, protobuf's "not set".
fn span_message(span: &SynthSpan, events: &[&SynthEvent]) -> wire::Span {
    wire::Span {
        trace_id: span.trace_id.to_be_bytes().to_vec(),
        span_id: span.span_id.to_be_bytes().to_vec(),
        parent_span_id: span
            .parent_span_id
            .map(|p| p.to_be_bytes().to_vec())
            .unwrap_or_default(),
        name: span.name.clone(),
        kind: i32::from(super::kind_number(span.kind)),
        start_time_unix_nano: span.start_ns,
        end_time_unix_nano: span.end_ns,
        attributes: span.attributes.iter().map(|(k, v)| key_value(k, v)).collect(),
        events: events
            .iter()
            .map(|e| wire::Event {
                time_unix_nano: e.time_ns,
                name: e.name.to_owned(),
                attributes: e.attributes.iter().map(|(k, v)| key_value(k, v)).collect(),
            })
            .collect(),
        status: span.error.as_ref().map(|message| wire::Status {
            message: message.clone(),
            code: 2,
        }),
        ..wire::Span::default()
    }
}

fn key_value(key: &str, value: &SynthValue) -> wire::KeyValue {
    let value = match value {
        SynthValue::Str(s) => wire::Value::String(s.clone()),
        SynthValue::Int(i) => wire::Value::Int(*i),
        SynthValue::Bool(b) => wire::Value::Bool(*b),
    };
    wire::KeyValue {
        key: key.to_owned(),
        value: Some(wire::AnyValue { value: Some(value) }),
    }
}
