//! Spans given as values instead of file bytes, added through the same
//! [`Builder`] and merge of identical copies as every importer: for the
//! fuzz target of the analysis (`crates/core/fuzz/fuzz_targets/analysis.rs`),
//! which makes arbitrary trace sets (parent cycles, clock skew, missing
//! times) without spending its time on writing and parsing a format, and
//! can still only make sets an importer could make.
//!
//! The values are what an OTLP exporter holds before encoding (the model is
//! OTLP's), so the file's report names OTLP protobuf, the one format that
//! carries each of them unchanged: these spans written as protobuf and read
//! give the same analysis (the tests below check it).
//!
//! Hidden from the documentation: nothing but fuzzing and tests needs it,
//! and the app and the CLI only ever read files.

use super::builder::{Builder, EventFields, LinkFields, SpanFields};
use super::{FileReport, Format, RejectReason, dedup};
use crate::ids::{SpanId, TraceId};
use crate::intern::Sym;
use crate::model::{AttrValue, Attribute, DroppedCounts, SpanKind, StatusCode, TraceSet};
use crate::time::TimestampNs;
use std::collections::HashMap;

/// One span, as an exporter would hand it over.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanValues<'a> {
    /// Trace ID; 0 is invalid, and the span is rejected as importers reject it.
    pub trace_id: TraceId,
    /// Its own ID.
    pub span_id: SpanId,
    /// The parent's ID; any ID (its own, one making a cycle, one not loaded).
    pub parent_span_id: Option<SpanId>,
    /// Service name; empty is none (`unknown_service`, counted as a warning).
    pub service: &'a str,
    /// Operation name.
    pub name: &'a str,
    /// Server, client, ...
    pub kind: SpanKind,
    /// Start; 0 is no start.
    pub start: TimestampNs,
    /// End; 0 is no end (unknown duration), before `start` a negative duration.
    pub end: TimestampNs,
    /// Success or failure.
    pub status: StatusCode,
    /// Empty is none, as OTLP's empty string.
    pub status_message: &'a str,
    /// Attributes: (key, value).
    pub attributes: Vec<(&'a str, Value<'a>)>,
    /// Events.
    pub events: Vec<EventValues<'a>>,
    /// Links to other spans: (trace, span).
    pub links: Vec<(TraceId, SpanId)>,
}

/// An attribute value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// Text.
    Str(&'a str),
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Double(f64),
}

/// One event of a span.
#[derive(Clone, Debug, PartialEq)]
pub struct EventValues<'a> {
    /// When; any time, 0 included.
    pub time: TimestampNs,
    /// Event name, e.g. `exception`.
    pub name: &'a str,
    /// Attributes: (key, value).
    pub attributes: Vec<(&'a str, Value<'a>)>,
}

/// Adds `spans` to `set` as one file named `name` and returns its report
/// (also kept in `set.files`), as [`super::import_file`] would for a file
/// holding them: one resource per service, identical copies merged.
pub fn import_values(set: &mut TraceSet, name: &str, spans: &[SpanValues<'_>]) -> FileReport {
    let from = set.spans.len();
    let mut out = Builder::new(set, FileReport::new(name, Format::OtlpProtobuf, 0));
    let scope = out.no_scope();
    let mut resources: HashMap<&str, (u32, Sym)> = HashMap::new();
    for (i, span) in spans.iter().enumerate() {
        out.span_read();
        if span.trace_id.0 == 0 {
            out.reject(RejectReason::InvalidTraceId, || format!("span {i}: trace ID 0"));
            continue;
        }
        let resource = *resources
            .entry(span.service)
            .or_insert_with(|| out.resource(Some(span.service), Vec::new(), 0));
        let events = span
            .events
            .iter()
            .map(|event| EventFields {
                time: event.time,
                name: out.intern(event.name),
                attributes: attributes(&event.attributes, &mut out),
            })
            .collect();
        let links = span
            .links
            .iter()
            .map(|&(trace_id, span_id)| LinkFields {
                trace_id,
                span_id,
                trace_state: None,
                attributes: Vec::new(),
            })
            .collect();
        let fields = SpanFields {
            trace_id: span.trace_id,
            span_id: span.span_id,
            parent_span_id: span.parent_span_id,
            resource: Some(resource),
            scope: Some(scope),
            name: out.intern(span.name),
            kind: span.kind,
            start: span.start,
            end: span.end,
            status: span.status,
            status_message: (!span.status_message.is_empty()).then(|| out.intern(span.status_message)),
            attributes: attributes(&span.attributes, &mut out),
            events,
            links,
            trace_state: None,
            trace_flags: 0,
            dropped: DroppedCounts::default(),
        };
        out.keep(fields);
    }
    let mut report = out.finish();
    dedup::merge_identical(set, from, &mut report);
    report
}

fn attributes(values: &[(&str, Value<'_>)], out: &mut Builder<'_>) -> Vec<Attribute> {
    values
        .iter()
        .map(|&(key, value)| Attribute {
            key: out.intern(key),
            value: match value {
                Value::Str(text) => AttrValue::Str(out.intern(text)),
                Value::Bool(b) => AttrValue::Bool(b),
                Value::Int(i) => AttrValue::Int(i),
                Value::Double(d) => AttrValue::Double(d),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analysis;
    use crate::synth::{SynthEvent, SynthSpan, SynthValue, encode_with_events, shop};

    /// `spans` and `events` as values.
    fn values<'a>(spans: &'a [SynthSpan], events: &'a [SynthEvent]) -> Vec<SpanValues<'a>> {
        let value = |v: &'a SynthValue| match v {
            SynthValue::Str(s) => Value::Str(s),
            SynthValue::Int(i) => Value::Int(*i),
            SynthValue::Bool(b) => Value::Bool(*b),
        };
        let attributes = |list: &'a [(&'static str, SynthValue)]| list.iter().map(|(k, v)| (*k, value(v))).collect();
        spans
            .iter()
            .map(|s| SpanValues {
                trace_id: TraceId(s.trace_id),
                span_id: SpanId::new(s.span_id).unwrap(),
                parent_span_id: s.parent_span_id.and_then(SpanId::new),
                service: s.service,
                name: &s.name,
                kind: s.kind,
                start: TimestampNs(s.start_ns),
                end: TimestampNs(s.end_ns),
                status: if s.error.is_some() {
                    StatusCode::Error
                } else {
                    StatusCode::Unset
                },
                status_message: s.error.as_deref().unwrap_or(""),
                attributes: attributes(&s.attributes),
                events: events
                    .iter()
                    .filter(|e| (e.trace_id, e.span_id) == (s.trace_id, s.span_id))
                    .map(|e| EventValues {
                        time: TimestampNs(e.time_ns),
                        name: e.name,
                        attributes: attributes(&e.attributes),
                    })
                    .collect(),
                links: Vec::new(),
            })
            .collect()
    }

    /// The shop with its planted patterns, plus spans that importers repair:
    /// no start, no end, an end before its start, an identical copy, trace ID 0.
    fn dirty_shop() -> (Vec<SynthSpan>, Vec<SynthEvent>) {
        let mut spans = shop::generate(&shop::ShopConfig {
            traces: 40,
            ..Default::default()
        });
        let root = spans[0].clone();
        let odd = |id: u64, start_ns: u64, end_ns: u64| SynthSpan {
            span_id: id,
            parent_span_id: Some(root.span_id),
            start_ns,
            end_ns,
            ..root.clone()
        };
        spans.push(odd(0xA1, 0, root.end_ns));
        spans.push(odd(0xA2, root.start_ns, 0));
        spans.push(odd(0xA3, root.end_ns, root.start_ns));
        spans.push(spans[1].clone());
        spans.push(SynthSpan {
            trace_id: 0,
            ..odd(0xA4, root.start_ns, root.end_ns)
        });
        let events = vec![SynthEvent {
            trace_id: root.trace_id,
            span_id: root.span_id,
            time_ns: root.start_ns + 1,
            name: "exception",
            attributes: vec![("exception.message", SynthValue::Str("boom".to_owned()))],
        }];
        (spans, events)
    }

    #[test]
    fn values_give_the_analysis_and_counts_of_the_same_spans_read_as_protobuf() {
        let (spans, events) = dirty_shop();
        let mut read = TraceSet::new();
        let read_report = super::super::import_file(
            &mut read,
            "x.pb",
            &encode_with_events(&spans, &events, Format::OtlpProtobuf),
        )
        .unwrap();
        // In the order the file holds them (grouped by service), as ties in the analysis follow load order.
        let mut in_file_order = spans.clone();
        in_file_order.sort_by_key(|s| s.service);
        let mut given = TraceSet::new();
        let given_report = import_values(&mut given, "x", &values(&in_file_order, &events));

        assert_eq!(Analysis::of(&given), Analysis::of(&read));
        assert_eq!(given_report.spans_read, read_report.spans_read);
        assert_eq!(given_report.spans_kept, read_report.spans_kept);
        assert_eq!(given_report.warnings, read_report.warnings);
        let counts = |r: &FileReport| r.rejected.iter().map(|(k, t)| (*k, t.count)).collect::<Vec<_>>();
        assert_eq!(counts(&given_report), counts(&read_report));
        // The repairs above are all there, so the comparison saw them.
        assert_eq!(
            counts(&given_report),
            [(RejectReason::InvalidTraceId, 1), (RejectReason::DuplicateSpan, 1)]
        );
        assert_eq!(given_report.warnings.len(), 3, "{:?}", given_report.warnings);
        assert_eq!(given.files, [given_report]);
    }

    #[test]
    fn status_ok_links_and_doubles_are_kept() {
        let id = |v| SpanId::new(v).unwrap();
        let span = SpanValues {
            trace_id: TraceId(7),
            span_id: id(1),
            parent_span_id: None,
            service: "",
            name: "op",
            kind: SpanKind::Server,
            start: TimestampNs(10),
            end: TimestampNs(20),
            status: StatusCode::Ok,
            status_message: "",
            attributes: vec![("ratio", Value::Double(0.5))],
            events: Vec::new(),
            links: vec![(TraceId(8), id(2))],
        };
        let mut set = TraceSet::new();
        import_values(&mut set, "x", &[span]);
        let kept = &set.spans[0];
        assert_eq!(kept.status, StatusCode::Ok);
        assert_eq!(set.str(kept.service), super::super::UNKNOWN_SERVICE);
        assert_eq!(set.links_of(kept)[0].span_id, id(2));
        assert_eq!(set.attributes_of(kept)[0].value, AttrValue::Double(0.5));
    }
}
