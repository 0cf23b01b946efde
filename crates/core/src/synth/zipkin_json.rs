//! Writes synthetic spans as Zipkin v2 JSON: a list of spans, microsecond
//! times, string tags, the `error` tag holding the error message, events as
//! annotations (their name only), no `duration` when no end was recorded.

use super::{EventsBySpan, SynthEvent, SynthSpan, SynthValue};
use serde_json::{Value, json};

/// The JSON list of Zipkin spans for `spans`.
pub fn write(spans: &[SynthSpan]) -> String {
    write_with_events(spans, &[])
}

/// [`write`] with span events as annotations.
pub fn write_with_events(spans: &[SynthSpan], events: &[SynthEvent]) -> String {
    let events = EventsBySpan::new(events);
    let list: Vec<Value> = spans.iter().map(|s| span_json(s, events.of(s))).collect();
    serde_json::to_string(&list).unwrap_or_default()
}

fn span_json(span: &SynthSpan, events: &[&SynthEvent]) -> Value {
    let mut tags: serde_json::Map<String, Value> = span
        .attributes
        .iter()
        .map(|(k, v)| {
            let text = match v {
                SynthValue::Str(s) => s.clone(),
                SynthValue::Int(i) => i.to_string(),
                SynthValue::Bool(b) => b.to_string(),
            };
            ((*k).to_owned(), Value::String(text))
        })
        .collect();
    if let Some(message) = &span.error {
        tags.insert("error".to_owned(), Value::String(message.clone()));
    }
    let mut value = json!({
        "traceId": format!("{:032x}", span.trace_id),
        "id": format!("{:016x}", span.span_id),
        "name": span.name,
        "timestamp": span.start_ns / 1_000,
        "localEndpoint": { "serviceName": span.service },
        "tags": tags,
    });
    if let Some(object) = value.as_object_mut() {
        // A one-way send or a span reported before it finished has no duration.
        if span.has_end() {
            object.insert("duration".into(), json!(span.duration_ns() / 1_000));
        }
        if !events.is_empty() {
            let annotations: Vec<Value> = events
                .iter()
                .map(|e| json!({ "timestamp": e.time_ns / 1_000, "value": e.name }))
                .collect();
            object.insert("annotations".into(), json!(annotations));
        }
        if let Some(parent) = span.parent_span_id {
            object.insert("parentId".into(), json!(format!("{parent:016x}")));
        }
        if let Some(kind) = kind_name(span.kind) {
            object.insert("kind".into(), json!(kind));
        }
    }
    value
}

/// Zipkin has no INTERNAL kind: internal spans carry none.
fn kind_name(kind: crate::model::SpanKind) -> Option<&'static str> {
    use crate::model::SpanKind::*;
    match kind {
        Unspecified | Internal => None,
        Server => Some("SERVER"),
        Client => Some("CLIENT"),
        Producer => Some("PRODUCER"),
        Consumer => Some("CONSUMER"),
    }
}
