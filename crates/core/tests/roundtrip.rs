//! The generator writes each format the way real exporters do, and each
//! importer reads it back into exactly the spans that were generated: IDs,
//! parents, services, names, kinds, times, errors and attributes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeMap;
use tracelens_core::TraceSet;
use tracelens_core::import::{Format, import_file};
use tracelens_core::model::{AttrValue, SpanKind, StatusCode};
use tracelens_core::synth::{FORMATS, SynthSpan, SynthValue, encode, shop};

/// What every format can carry, in one comparable shape.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Projection {
    trace_id: u128,
    span_id: u64,
    parent: Option<u64>,
    service: String,
    name: String,
    kind: String,
    start_ns: u64,
    end_ns: u64,
    error: Option<String>,
    attributes: BTreeMap<String, String>,
}

/// Zipkin has no INTERNAL kind, so internal spans come back unspecified.
fn kind_name(kind: SpanKind, format: Format) -> String {
    match (kind, format) {
        (SpanKind::Internal, Format::ZipkinJson) => "Unspecified".to_owned(),
        _ => format!("{kind:?}"),
    }
}

fn expected(spans: &[SynthSpan], format: Format) -> Vec<Projection> {
    let mut projections: Vec<Projection> = spans
        .iter()
        .map(|s| Projection {
            trace_id: s.trace_id,
            span_id: s.span_id,
            parent: s.parent_span_id,
            service: s.service.to_owned(),
            name: s.name.clone(),
            kind: kind_name(s.kind, format),
            start_ns: s.start_ns,
            end_ns: s.end_ns,
            error: s.error.clone(),
            attributes: s
                .attributes
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        SynthValue::Str(s) => s.clone(),
                        SynthValue::Int(i) => i.to_string(),
                        SynthValue::Bool(b) => b.to_string(),
                    };
                    ((*k).to_owned(), text)
                })
                .collect(),
        })
        .collect();
    projections.sort();
    projections
}

fn actual(set: &TraceSet) -> Vec<Projection> {
    let mut projections: Vec<Projection> = set
        .spans
        .iter()
        .map(|s| Projection {
            trace_id: s.trace_id.0,
            span_id: s.span_id.get(),
            parent: s.parent_span_id.map(|p| p.get()),
            service: set.str(s.service).to_owned(),
            name: set.str(s.name).to_owned(),
            kind: format!("{:?}", s.kind),
            start_ns: s.start.0,
            end_ns: s.end().0,
            error: (s.status == StatusCode::Error)
                .then(|| s.status_message.map(|m| set.str(m).to_owned()).unwrap_or_default()),
            attributes: set
                .attributes_of(s)
                .iter()
                .map(|a| {
                    let text = match &a.value {
                        AttrValue::Str(v) => set.str(*v).to_owned(),
                        AttrValue::Int(i) => i.to_string(),
                        AttrValue::Bool(b) => b.to_string(),
                        other => format!("{other:?}"),
                    };
                    (set.str(a.key).to_owned(), text)
                })
                .collect(),
        })
        .collect();
    projections.sort();
    projections
}

#[test]
fn every_format_round_trips_the_generated_spans() {
    let config = shop::ShopConfig {
        traces: 40,
        seed: 11,
        ..shop::ShopConfig::default()
    };
    let spans = shop::generate(&config);
    assert!(spans.iter().any(|s| s.error.is_some()), "the sample includes failures");
    for format in FORMATS {
        let bytes = encode(&spans, format);
        let mut set = TraceSet::new();
        let report = import_file(&mut set, "synthetic", &bytes).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(report.format, format, "detected from content");
        assert_eq!(
            (report.spans_read, report.spans_kept),
            (spans.len() as u64, spans.len() as u64),
            "{format}"
        );
        assert!(
            report.warnings.is_empty() && report.rejected.is_empty(),
            "{format}: {report:?}"
        );
        assert_eq!(actual(&set), expected(&spans, format), "{format}");
    }
}

#[test]
fn json_lines_batches_hold_whole_traces() {
    let spans = shop::generate(&shop::ShopConfig {
        traces: 45,
        ..shop::ShopConfig::default()
    });
    let text = String::from_utf8(encode(&spans, Format::OtlpJsonLines)).unwrap();
    assert_eq!(text.lines().count(), 3, "45 traces in batches of 20");
}
