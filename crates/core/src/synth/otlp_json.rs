//! Writes synthetic spans as OTLP/JSON, the way an OpenTelemetry SDK's exporter
//! would: one `ResourceSpans` per service, hex IDs, integer enums, 64-bit
//! integers as strings.

use super::{SynthSpan, SynthValue};
use serde_json::{Value, json};

/// The OTLP/JSON document (`TracesData`) for `spans`, pretty-printed.
pub fn write(spans: &[SynthSpan]) -> String {
    let mut services: Vec<&'static str> = spans.iter().map(|s| s.service).collect();
    services.sort_unstable();
    services.dedup();
    let resource_spans: Vec<Value> = services
        .iter()
        .map(|&service| {
            let spans: Vec<Value> = spans
                .iter()
                .filter(|s| s.service == service)
                .map(span_json)
                .collect();
            json!({
                "resource": { "attributes": [
                    key_value("service.name", &SynthValue::Str(service.to_owned())),
                    key_value("telemetry.sdk.name", &SynthValue::Str("tracelens-synth".to_owned())),
                ]},
                "scopeSpans": [{
                    "scope": { "name": "tracelens-synth", "version": env!("CARGO_PKG_VERSION") },
                    "spans": spans,
                }],
            })
        })
        .collect();
    let doc = json!({ "resourceSpans": resource_spans });
    // Serialising a `Value` cannot fail; the fallback keeps this panic-free anyway.
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn span_json(span: &SynthSpan) -> Value {
    let mut value = json!({
        "traceId": format!("{:032x}", span.trace_id),
        "spanId": format!("{:016x}", span.span_id),
        "name": span.name,
        "kind": kind_number(span.kind),
        "startTimeUnixNano": span.start_ns.to_string(),
        "endTimeUnixNano": span.end_ns.to_string(),
        "attributes": span.attributes.iter().map(|(k, v)| key_value(k, v)).collect::<Vec<_>>(),
    });
    if let (Some(parent), Some(object)) = (span.parent_span_id, value.as_object_mut()) {
        object.insert("parentSpanId".into(), json!(format!("{parent:016x}")));
    }
    if let (Some(message), Some(object)) = (&span.error, value.as_object_mut()) {
        object.insert("status".into(), json!({ "code": 2, "message": message }));
    }
    value
}

fn kind_number(kind: crate::model::SpanKind) -> u8 {
    use crate::model::SpanKind::*;
    match kind {
        Unspecified => 0,
        Internal => 1,
        Server => 2,
        Client => 3,
        Producer => 4,
        Consumer => 5,
    }
}

fn key_value(key: &str, value: &SynthValue) -> Value {
    let value = match value {
        SynthValue::Str(s) => json!({ "stringValue": s }),
        SynthValue::Int(i) => json!({ "intValue": i.to_string() }),
        SynthValue::Bool(b) => json!({ "boolValue": b }),
    };
    json!({ "key": key, "value": value })
}
