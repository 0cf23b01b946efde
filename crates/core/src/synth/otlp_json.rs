//! Writes synthetic spans as OTLP/JSON, the way an OpenTelemetry SDK's exporter
//! would: one `ResourceSpans` per service, hex IDs, integer enums, 64-bit
//! integers as strings. Also as JSON Lines, the Collector file exporter's shape.

use super::{EventsBySpan, SynthEvent, SynthSpan, SynthValue};
use serde_json::{Value, json};

/// The OTLP/JSON document (`TracesData`) for `spans`, pretty-printed.
pub fn write(spans: &[SynthSpan]) -> String {
    write_with_events(spans, &[])
}

/// [`write`] with span events.
pub fn write_with_events(spans: &[SynthSpan], events: &[SynthEvent]) -> String {
    // Serialising a `Value` cannot fail; the fallback keeps this panic-free anyway.
    serde_json::to_string_pretty(&traces_data(spans, &EventsBySpan::new(events))).unwrap_or_default() + "\n"
}

/// The same document on one line, as exporters send it.
pub fn write_compact(spans: &[SynthSpan]) -> String {
    write_compact_with_events(spans, &[])
}

/// [`write_compact`] with span events.
pub fn write_compact_with_events(spans: &[SynthSpan], events: &[SynthEvent]) -> String {
    serde_json::to_string(&traces_data(spans, &EventsBySpan::new(events))).unwrap_or_default()
}

/// JSON Lines: one `TracesData` per batch of `batch` traces, as the Collector's
/// file exporter writes a batch per line.
pub fn write_lines(spans: &[SynthSpan], batch: usize) -> String {
    write_lines_with_events(spans, &[], batch)
}

/// [`write_lines`] with span events.
pub fn write_lines_with_events(spans: &[SynthSpan], events: &[SynthEvent], batch: usize) -> String {
    let events = EventsBySpan::new(events);
    let mut out = String::new();
    for chunk in super::trace_batches(spans, batch) {
        out.push_str(&serde_json::to_string(&traces_data(chunk, &events)).unwrap_or_default());
        out.push('\n');
    }
    out
}

fn traces_data(spans: &[SynthSpan], events: &EventsBySpan<'_>) -> Value {
    let resource_spans: Vec<Value> = super::services(spans)
        .into_iter()
        .map(|service| {
            let spans: Vec<Value> = spans
                .iter()
                .filter(|s| s.service == service)
                .map(|s| span_json(s, events.of(s)))
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
    json!({ "resourceSpans": resource_spans })
}

fn span_json(span: &SynthSpan, events: &[&SynthEvent]) -> Value {
    let mut value = json!({
        "traceId": format!("{:032x}", span.trace_id),
        "spanId": format!("{:016x}", span.span_id),
        "name": span.name,
        "kind": super::kind_number(span.kind),
        "startTimeUnixNano": span.start_ns.to_string(),
        "attributes": span.attributes.iter().map(|(k, v)| key_value(k, v)).collect::<Vec<_>>(),
    });
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    // No end recorded: left out, as protobuf's JSON mapping leaves out a zero.
    if span.has_end() {
        object.insert("endTimeUnixNano".into(), json!(span.end_ns.to_string()));
    }
    if let Some(parent) = span.parent_span_id {
        object.insert("parentSpanId".into(), json!(format!("{parent:016x}")));
    }
    if !events.is_empty() {
        let events: Vec<Value> = events
            .iter()
            .map(|e| {
                json!({
                    "timeUnixNano": e.time_ns.to_string(),
                    "name": e.name,
                    "attributes": e.attributes.iter().map(|(k, v)| key_value(k, v)).collect::<Vec<_>>(),
                })
            })
            .collect();
        object.insert("events".into(), json!(events));
    }
    if let Some(message) = &span.error {
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
