//! Writes synthetic spans as Jaeger JSON, the way Jaeger UI's "Download
//! results" does: `{"data": [trace, ...]}`, a `processes` map per trace,
//! typed tags, microsecond times, CHILD_OF references, events as logs (the
//! name in an `event` field). A span without an end is written with a
//! duration of 0: Jaeger's model has no unknown duration.

use super::{EventsBySpan, SynthEvent, SynthSpan, SynthValue};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The `{"data": [...]}` document for `spans`.
pub fn write(spans: &[SynthSpan]) -> String {
    write_with_events(spans, &[])
}

/// [`write`] with span events as logs.
pub fn write_with_events(spans: &[SynthSpan], events: &[SynthEvent]) -> String {
    let events = EventsBySpan::new(events);
    let mut traces: BTreeMap<u128, Vec<&SynthSpan>> = BTreeMap::new();
    for span in spans {
        traces.entry(span.trace_id).or_default().push(span);
    }
    let data: Vec<Value> = traces
        .into_iter()
        .map(|(trace_id, spans)| trace_json(trace_id, &spans, &events))
        .collect();
    serde_json::to_string(&json!({ "data": data, "total": 0, "limit": 0, "offset": 0, "errors": null }))
        .unwrap_or_default()
}

fn trace_json(trace_id: u128, spans: &[&SynthSpan], events: &EventsBySpan<'_>) -> Value {
    let mut process_ids: BTreeMap<&str, String> = BTreeMap::new();
    for span in spans {
        let next = format!("p{}", process_ids.len() + 1);
        process_ids.entry(span.service).or_insert(next);
    }
    let processes: serde_json::Map<String, Value> = process_ids
        .iter()
        .map(|(service, id)| (id.clone(), json!({ "serviceName": service, "tags": [] })))
        .collect();
    let spans: Vec<Value> = spans
        .iter()
        .map(|span| {
            let mut tags: Vec<Value> = span.attributes.iter().map(|(k, v)| tag(k, v)).collect();
            if let Some(kind) = kind_tag(span.kind) {
                tags.push(json!({ "key": "span.kind", "type": "string", "value": kind }));
            }
            if let Some(message) = &span.error {
                tags.push(json!({ "key": "error", "type": "bool", "value": true }));
                tags.push(json!({ "key": "otel.status_description", "type": "string", "value": message }));
            }
            let references: Vec<Value> = span
                .parent_span_id
                .map(|parent| {
                    json!({ "refType": "CHILD_OF", "traceID": format!("{trace_id:032x}"), "spanID": format!("{parent:016x}") })
                })
                .into_iter()
                .collect();
            let logs: Vec<Value> = events
                .of(span)
                .iter()
                .map(|e| {
                    let mut fields = vec![json!({ "key": "event", "type": "string", "value": e.name })];
                    fields.extend(e.attributes.iter().map(|(k, v)| tag(k, v)));
                    json!({ "timestamp": e.time_ns / 1_000, "fields": fields })
                })
                .collect();
            json!({
                "traceID": format!("{trace_id:032x}"),
                "spanID": format!("{:016x}", span.span_id),
                "operationName": span.name,
                "references": references,
                "startTime": span.start_ns / 1_000,
                "duration": span.duration_ns() / 1_000,
                "tags": tags,
                "logs": logs,
                "processID": process_ids.get(span.service),
                "warnings": null,
            })
        })
        .collect();
    json!({ "traceID": format!("{trace_id:032x}"), "spans": spans, "processes": processes, "warnings": null })
}

fn tag(key: &str, value: &SynthValue) -> Value {
    match value {
        SynthValue::Str(s) => json!({ "key": key, "type": "string", "value": s }),
        SynthValue::Int(i) => json!({ "key": key, "type": "int64", "value": i }),
        SynthValue::Bool(b) => json!({ "key": key, "type": "bool", "value": b }),
    }
}

fn kind_tag(kind: crate::model::SpanKind) -> Option<&'static str> {
    use crate::model::SpanKind::*;
    match kind {
        Unspecified => None,
        Internal => Some("internal"),
        Server => Some("server"),
        Client => Some("client"),
        Producer => Some("producer"),
        Consumer => Some("consumer"),
    }
}
