//! Writes synthetic spans as OTLP/JSON, the way an OpenTelemetry SDK's exporter
//! would: one `ResourceSpans` per service, hex IDs, integer enums, 64-bit
//! integers as strings. Also as JSON Lines, the Collector file exporter's shape.

use super::{SynthSpan, SynthValue};
use serde_json::{Value, json};

/// The OTLP/JSON document (`TracesData`) for `spans`, pretty-printed.
pub fn write(spans: &[SynthSpan]) -> String {
    // Serialising a `Value` cannot fail; the fallback keeps this panic-free anyway.
    serde_json::to_string_pretty(&traces_data(spans)).unwrap_or_default() + "\n"
}

/// The same document on one line, as exporters send it.
pub fn write_compact(spans: &[SynthSpan]) -> String {
    serde_json::to_string(&traces_data(spans)).unwrap_or_default()
}

/// JSON Lines: one `TracesData` per batch of `batch` traces, as the Collector's
/// file exporter writes a batch per line.
pub fn write_lines(spans: &[SynthSpan], batch: usize) -> String {
    let mut out = String::new();
    for chunk in super::trace_batches(spans, batch) {
        out.push_str(&write_compact(chunk));
        out.push('\n');
    }
    out
}

fn traces_data(spans: &[SynthSpan]) -> Value {
    let resource_spans: Vec<Value> = super::services(spans)
        .into_iter()
        .map(|service| {
            let spans: Vec<Value> = spans.iter().filter(|s| s.service == service).map(span_json).collect();
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
    json!({ "resourceSpans": resource_spans })
}

fn span_json(span: &SynthSpan) -> Value {
    let mut value = json!({
        "traceId": format!("{:032x}", span.trace_id),
        "spanId": format!("{:016x}", span.span_id),
        "name": span.name,
        "kind": super::kind_number(span.kind),
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

fn key_value(key: &str, value: &SynthValue) -> Value {
    let value = match value {
        SynthValue::Str(s) => json!({ "stringValue": s }),
        SynthValue::Int(i) => json!({ "intValue": i.to_string() }),
        SynthValue::Bool(b) => json!({ "boolValue": b }),
    };
    json!({ "key": key, "value": value })
}
