//! Writes synthetic spans as Jaeger JSON, the way Jaeger UI's "Download
//! results" does: `{"data": [trace, ...]}`, a `processes` map per trace,
//! typed tags, microsecond times, CHILD_OF references, events as logs (the
//! name in an `event` field). A span without an end is written with a
//! duration of 0: Jaeger's model has no unknown duration.
//!
//! [`Writer`] writes the document trace by trace and span by span into any
//! `io::Write`, so a file of hundreds of megabytes needs no more memory than
//! one trace's spans; [`write_with_events`] is the same writer into a string.

use super::{EventsBySpan, SynthEvent, SynthSpan, SynthValue};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The `{"data": [...]}` document for `spans`.
pub fn write(spans: &[SynthSpan]) -> String {
    write_with_events(spans, &[])
}

/// [`write`] with span events as logs.
pub fn write_with_events(spans: &[SynthSpan], events: &[SynthEvent]) -> String {
    let written = Writer::new(Vec::new()).and_then(|mut writer| {
        writer.traces(spans, events)?;
        writer.finish()
    });
    // Writing into a Vec cannot fail, and serde_json writes UTF-8.
    written
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

/// A Jaeger JSON document being written: [`Writer::traces`] as often as
/// needed, then [`Writer::finish`]. The bytes are those of serde_json's
/// compact writing of the whole document (keys in sorted order).
pub struct Writer<W: Write> {
    out: W,
    traces_written: usize,
}

impl<W: Write> Writer<W> {
    /// Starts the document.
    pub fn new(mut out: W) -> io::Result<Writer<W>> {
        out.write_all(br#"{"data":["#)?;
        Ok(Writer { out, traces_written: 0 })
    }

    /// Writes the traces of `spans` (grouped by trace ID, in trace-ID order),
    /// with `events` as their spans' logs. A trace must not be split over two
    /// calls: each call writes whole trace objects.
    pub fn traces(&mut self, spans: &[SynthSpan], events: &[SynthEvent]) -> io::Result<()> {
        let events = EventsBySpan::new(events);
        let mut traces: BTreeMap<u128, Vec<&SynthSpan>> = BTreeMap::new();
        for span in spans {
            traces.entry(span.trace_id).or_default().push(span);
        }
        for (trace_id, spans) in traces {
            if self.traces_written > 0 {
                self.out.write_all(b",")?;
            }
            write_trace(&mut self.out, trace_id, &spans, &events)?;
            self.traces_written += 1;
        }
        Ok(())
    }

    /// Ends the document and hands back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out
            .write_all(br#"],"errors":null,"limit":0,"offset":0,"total":0}"#)?;
        Ok(self.out)
    }
}

/// One trace object, its spans written one at a time rather than as one tree.
fn write_trace(
    out: &mut impl Write,
    trace_id: u128,
    spans: &[&SynthSpan],
    events: &EventsBySpan<'_>,
) -> io::Result<()> {
    let mut process_ids: BTreeMap<&str, String> = BTreeMap::new();
    for span in spans {
        let next = format!("p{}", process_ids.len() + 1);
        process_ids.entry(span.service).or_insert(next);
    }
    let processes: serde_json::Map<String, Value> = process_ids
        .iter()
        .map(|(service, id)| (id.clone(), json!({ "serviceName": service, "tags": [] })))
        .collect();
    out.write_all(br#"{"processes":"#)?;
    serde_json::to_writer(&mut *out, &processes)?;
    out.write_all(br#","spans":["#)?;
    for (i, span) in spans.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &span_json(trace_id, span, events, &process_ids))?;
    }
    write!(out, r#"],"traceID":"{trace_id:032x}","warnings":null}}"#)
}

fn span_json(
    trace_id: u128,
    span: &SynthSpan,
    events: &EventsBySpan<'_>,
    process_ids: &BTreeMap<&str, String>,
) -> Value {
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
