//! Writes synthetic spans as Zipkin v2 JSON: a list of spans, microsecond
//! times, string tags, the `error` tag holding the error message.

use super::{SynthSpan, SynthValue};
use serde_json::{Value, json};

/// The JSON list of Zipkin spans for `spans`.
pub fn write(spans: &[SynthSpan]) -> String {
    let list: Vec<Value> = spans.iter().map(span_json).collect();
    serde_json::to_string(&list).unwrap_or_default()
}

fn span_json(span: &SynthSpan) -> Value {
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
        "duration": span.duration_ns() / 1_000,
        "localEndpoint": { "serviceName": span.service },
        "tags": tags,
    });
    if let Some(object) = value.as_object_mut() {
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
