//! Every supported encoding reads into the same model: the same traces in
//! different formats or shapes give identical dumps, and each format's own
//! quirks (framing, compression, mixed JSON Lines, Zipkin fragments and shared
//! spans) are handled and reported.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::dump::dump;
use tracelens_core::import::{
    Compression, FileReport, Format, ImportErrorKind, RejectReason, SkipReason, WarningKind, import_file,
};

fn fixture(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str, bytes: &[u8]) -> (TraceSet, FileReport) {
    let mut set = TraceSet::new();
    let report = import_file(&mut set, name, bytes).unwrap_or_else(|e| panic!("{e}"));
    (set, report)
}

#[test]
fn otlp_json_in_protobuf_mapping_equals_the_protobuf_file() {
    let (json, json_report) = read(
        "trace.json",
        &fixture("otlp-json-nonconformant/otlp2parquet__trace__protobuf-json-mapping.json"),
    );
    let (pb, pb_report) = read("trace.pb", &fixture("otlp-protobuf/otlp2parquet__trace.pb"));
    assert_eq!(json_report.format, Format::OtlpJson);
    assert_eq!(pb_report.format, Format::OtlpProtobuf);
    assert_eq!((json_report.spans_kept, pb_report.spans_kept), (2, 2));
    assert_eq!(json_report.warnings.get(&WarningKind::Base64Ids), Some(&2));
    assert_eq!(json_report.warnings.get(&WarningKind::EnumNames), Some(&2));
    assert!(pb_report.warnings.is_empty());
    assert_eq!(dump(&json), dump(&pb));
}

#[test]
fn otlp_json_lines_equal_the_protobuf_file() {
    let (jsonl, report) = read(
        "traces.jsonl",
        &fixture("otlp-jsonl/otlp2parquet__traces__protobuf-json-mapping.jsonl"),
    );
    let (pb, _) = read("traces.pb", &fixture("otlp-protobuf/otlp2parquet__traces.pb"));
    assert_eq!(report.format, Format::OtlpJsonLines);
    assert_eq!((report.spans_read, report.spans_kept), (19, 19));
    assert_eq!(dump(&jsonl), dump(&pb));
    assert!(dump(&pb).contains("  event "), "events survive both paths");
    assert_eq!(Analysis::of(&pb).overview.traces, 19);
    assert_eq!(Analysis::of(&pb).link_warnings.orphans, 13);
}

/// The two Tempo files are AGPL-licensed, so they are not copied into this
/// repository: read from the shared corpus when it is there.
#[test]
fn tempo_old_and_new_otlp_shapes_give_identical_models() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/otlp-json-nonconformant");
    let (Ok(new), Ok(old)) = (
        std::fs::read(shared.join("tempo__servicegraphs__trace-with-queue-database.json")),
        std::fs::read(
            shared.join("tempo-2022__servicegraphs__trace-with-queue-database__instrumentationLibrarySpans.json"),
        ),
    ) else {
        eprintln!("skipped: ../shared/fixtures is not present");
        return;
    };
    let (new_set, new_report) = read("new.json", &new);
    let (old_set, old_report) = read("old.json", &old);
    assert_eq!((new_report.spans_kept, old_report.spans_kept), (19, 19));
    // The newer upstream file added one attribute (`god`) to two spans; apart
    // from that the data is the same, and so must the models be.
    let new_without_added = dump(&new_set)
        .replace(", god=\"ares\"", "")
        .replace("god=\"zeus\", ", "");
    assert_ne!(new_without_added, dump(&new_set), "the known difference is still there");
    assert_eq!(new_without_added, dump(&old_set));
    assert_eq!(Analysis::of(&new_set).overview.traces, 1);
}

#[test]
fn jaeger_api_v3_result_wrapper() {
    let (set, report) = read(
        "GetTrace.json",
        &fixture("jaeger-apiv3/jaeger__apiv3_snapshot__GetTrace.json"),
    );
    assert_eq!((report.format, report.spans_kept), (Format::OtlpJson, 1));
    // No timestamps at all in this file, and no service name: both reported.
    assert_eq!(report.warnings.get(&WarningKind::MissingTimestamp), Some(&1));
    assert_eq!(report.warnings.get(&WarningKind::MissingServiceName), Some(&1));
    assert_eq!(set.spans[0].status, tracelens_core::model::StatusCode::Error);
}

/// Our prost wire types against the official generated ones: a message using
/// every field, encoded by `opentelemetry-proto`, must read back completely.
#[test]
fn protobuf_wire_types_match_the_official_ones() {
    use opentelemetry_proto::tonic::common::v1::{
        AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value::Value,
    };
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, TracesData, span};
    use prost::Message;

    let kv = |key: &str, value: Value| KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    };
    let span = Span {
        trace_id: (1..=16).collect(),
        span_id: (1..=8).collect(),
        trace_state: "vendor=1".into(),
        parent_span_id: vec![9; 8],
        flags: 0x301,
        name: "GET /x".into(),
        kind: 2,
        start_time_unix_nano: 1_700_000_000_000_000_000,
        end_time_unix_nano: 1_700_000_000_250_000_000,
        attributes: vec![
            kv("s", Value::StringValue("text".into())),
            kv("b", Value::BoolValue(true)),
            kv("i", Value::IntValue(-7)),
            kv("d", Value::DoubleValue(2.5)),
            kv("raw", Value::BytesValue(vec![0, 255])),
            kv(
                "list",
                Value::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(Value::IntValue(1)),
                    }],
                }),
            ),
            kv(
                "map",
                Value::KvlistValue(KeyValueList {
                    values: vec![kv("inner", Value::BoolValue(false))],
                }),
            ),
        ],
        dropped_attributes_count: 3,
        events: vec![span::Event {
            time_unix_nano: 1_700_000_000_100_000_000,
            name: "exception".into(),
            attributes: vec![kv("exception.type", Value::StringValue("Timeout".into()))],
            dropped_attributes_count: 0,
        }],
        dropped_events_count: 4,
        links: vec![span::Link {
            trace_id: vec![7; 16],
            span_id: vec![8; 8],
            trace_state: String::new(),
            attributes: vec![kv("why", Value::StringValue("batch".into()))],
            dropped_attributes_count: 0,
            flags: 0,
        }],
        dropped_links_count: 5,
        status: Some(Status {
            message: "boom".into(),
            code: 2,
        }),
    };
    let message = TracesData {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", Value::StringValue("api".into()))],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "lib".into(),
                    version: "1.2".into(),
                    ..Default::default()
                }),
                spans: vec![span],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    let (set, report) = read("official.pb", &message.encode_to_vec());
    assert_eq!((report.format, report.spans_kept), (Format::OtlpProtobuf, 1));
    let text = dump(&set);
    let expected = r#"0102030405060708090a0b0c0d0e0f10 0102030405060708 parent=0909090909090909 Server "GET /x" start=1700000000000000000 duration=250000000ns Error "boom"
  resource {service.name="api"}
  scope lib 1.2 {}
  attributes {b=true, d=2.5, i=-7, list=[1], map={inner=false}, raw=bytes:00ff, s="text"}
  event 1700000000100000000 "exception" {exception.type="Timeout"}
  link 07070707070707070707070707070707 0808080808080808 {why="batch"}
  trace_state="vendor=1" flags=0x01 dropped=DroppedCounts { attributes: 3, events: 4, links: 5 }
"#;
    assert_eq!(text, expected);
}

/// Splits the single-message fixture into one message per resource, then frames them.
fn messages_of_fixture() -> Vec<Vec<u8>> {
    use opentelemetry_proto::tonic::trace::v1::TracesData;
    use prost::Message;
    let whole = TracesData::decode(&fixture("otlp-protobuf/otlp2parquet__traces.pb")[..]).unwrap();
    assert!(whole.resource_spans.len() > 1);
    whole
        .resource_spans
        .into_iter()
        .map(|r| {
            TracesData {
                resource_spans: vec![r],
            }
            .encode_to_vec()
        })
        .collect()
}

#[test]
fn protobuf_streams_with_length_prefixes_and_varints() {
    let (reference, _) = read("traces.pb", &fixture("otlp-protobuf/otlp2parquet__traces.pb"));
    let messages = messages_of_fixture();
    let mut four_byte = Vec::new();
    let mut varint = Vec::new();
    for message in &messages {
        four_byte.extend_from_slice(&(message.len() as u32).to_be_bytes());
        four_byte.extend_from_slice(message);
        prost::encoding::encode_varint(message.len() as u64, &mut varint);
        varint.extend_from_slice(message);
    }
    for (name, bytes) in [("file-exporter.pb", four_byte), ("delimited.pb", varint)] {
        let (set, report) = read(name, &bytes);
        assert_eq!((report.format, report.spans_kept), (Format::OtlpProtobuf, 19), "{name}");
        assert_eq!(dump(&set), dump(&reference), "{name}");
    }
}

#[test]
fn broken_protobuf_names_the_offset() {
    let mut bytes = fixture("otlp-protobuf/otlp2parquet__traces.pb");
    bytes.truncate(bytes.len() - 10);
    let mut set = TraceSet::new();
    let error = import_file(&mut set, "cut.pb", &bytes).unwrap_err();
    assert_eq!(error.format, Some(Format::OtlpProtobuf));
    assert!(
        matches!(error.kind, ImportErrorKind::MalformedBinary { offset: 0, .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("cut.pb: invalid OTLP protobuf in the message at byte 0: "),
        "{error}"
    );
    assert!(set.spans.is_empty());
}

#[test]
fn gzip_of_any_format_is_read_and_reported() {
    for file in [
        "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json",
        "otlp-protobuf/otlp2parquet__traces.pb",
        "jaeger-ui-json/jaegerui__genaiTestTrace.json",
        "zipkin-v2/zipkin__yelp.json",
    ] {
        let plain = fixture(file);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&plain).unwrap();
        let (zipped, report) = read("x.gz", &encoder.finish().unwrap());
        let (reference, plain_report) = read("x", &plain);
        assert_eq!(report.compression, Some(Compression::Gzip), "{file}");
        assert_eq!(
            (report.format, report.spans_kept),
            (plain_report.format, plain_report.spans_kept),
            "{file}"
        );
        assert_eq!(dump(&zipped), dump(&reference), "{file}");
    }
    let mut set = TraceSet::new();
    let error = import_file(&mut set, "bad.gz", &[0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap_err();
    assert!(matches!(error.kind, ImportErrorKind::Decompression { .. }), "{error:?}");
    assert!(error.to_string().starts_with("bad.gz: the gzip data is broken"));
}

/// The sniffer looks for the end of the first line only in the file's first
/// megabyte; a longer first line is noticed when the reader meets the second.
#[test]
fn json_lines_with_a_first_line_longer_than_the_sniffer_reads() {
    let spans_line = String::from_utf8(fixture("otlp-jsonl/jaegerui__otlp2jaeger-multi-in.jsonl")).unwrap();
    let first = spans_line.lines().next().unwrap();
    let padding = "x".repeat(1 << 21);
    // Unknown keys are skipped: a long one after the spans, as a big batch would be.
    let long_first = format!("{},\"padding\":\"{padding}\"}}", first.strip_suffix('}').unwrap());
    let text = format!("{long_first}\n{{\"resourceLogs\":[]}}\n{first}\n");
    let (set, report) = read("dump.jsonl", text.as_bytes());
    assert_eq!(report.format, Format::OtlpJsonLines);
    // The first line comes back as the third: the same span twice, merged.
    assert_eq!((report.spans_read, report.spans_kept), (2, 1));
    assert_eq!(report.rejected[&RejectReason::DuplicateSpan].count, 1);
    assert_eq!(report.skipped[&SkipReason::LogsLine].count, 1);
    assert_eq!(set.spans.len(), 1);
    // A single document followed by something else is still an error of that document.
    let mut other = TraceSet::new();
    let error = import_file(&mut other, "two.json", format!("{long_first}\n[1]\n").as_bytes()).unwrap_err();
    assert!(error.to_string().contains("trailing characters"), "{error}");
}

#[test]
fn json_lines_skip_logs_metrics_and_a_truncated_last_line() {
    let spans_line = String::from_utf8(fixture("otlp-jsonl/jaegerui__otlp2jaeger-multi-in.jsonl")).unwrap();
    let first = spans_line.lines().next().unwrap();
    let text = format!(
        "{first}\n{{\"resourceLogs\":[]}}\n\n{{\"resourceMetrics\":[]}}\n{{\"resourceMetrics\":[]}}\n{}",
        &first[..first.len() / 2]
    );
    let (set, report) = read("dump.jsonl", text.as_bytes());
    assert_eq!(report.format, Format::OtlpJsonLines);
    assert_eq!((report.spans_read, report.spans_kept), (1, 1));
    assert_eq!(report.skipped[&SkipReason::LogsLine].count, 1);
    assert_eq!(report.skipped[&SkipReason::MetricsLine].count, 2);
    let malformed = &report.skipped[&SkipReason::MalformedLine];
    assert_eq!(malformed.count, 1);
    assert!(
        malformed.example.starts_with("line 6, column "),
        "{}",
        malformed.example
    );
    assert_eq!(set.spans.len(), 1);

    // Nothing readable at all is an error at the first bad line.
    let mut empty = TraceSet::new();
    let error = import_file(
        &mut empty,
        "bad.jsonl",
        b"{\"resourceSpans\": [}\n{\"resourceSpans\": 1\n",
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("bad.jsonl: invalid OTLP JSON Lines at line 1, column"),
        "{error}"
    );
    // Only logs: not a trace file.
    let error = import_file(
        &mut empty,
        "logs.jsonl",
        b"{\"resourceLogs\":[]}\n{\"resourceLogs\":[]}\n",
    )
    .unwrap_err();
    assert!(error.to_string().contains("logs or metrics but no spans"), "{error}");
}

#[test]
fn json_lines_root_with_empty_parent_and_four_batches_form_one_trace() {
    let (set, report) = read(
        "multi.jsonl",
        &fixture("otlp-jsonl/jaegerui__otlp2jaeger-multi-in.jsonl"),
    );
    assert_eq!(report.spans_kept, 4);
    let analysis = Analysis::of(&set);
    assert_eq!(analysis.overview.traces, 1);
    assert!(analysis.traces[0].has_root);
    assert_eq!(analysis.link_warnings.orphans, 0);
}

#[test]
fn zipkin_shared_server_half_becomes_the_clients_child() {
    let (set, report) = read("skew.json", &fixture("zipkin-v2/zipkin__skew.json"));
    assert_eq!(report.format, Format::ZipkinJson);
    assert_eq!(report.warnings.get(&WarningKind::SharedSpanSplit), Some(&1));
    let index = tracelens_core::index::TraceIndex::build(&set);
    assert_eq!(index.warnings.duplicate_span_ids, 0);
    assert_eq!(
        index.warnings.child_starts_before_parent, 1,
        "the server's clock is behind the client's"
    );
    // The server half (kind Server) has a parent: the client half, which shares its original ID.
    let server = set
        .spans
        .iter()
        .position(|s| s.kind == tracelens_core::model::SpanKind::Server)
        .unwrap();
    let parent = index.parent[server].expect("linked to the client half");
    assert_eq!(set.spans[parent as usize].kind, tracelens_core::model::SpanKind::Client);
    assert_eq!(
        set.spans[parent as usize].span_id,
        set.spans[server].parent_span_id.unwrap()
    );
}

#[test]
fn zipkin_a_shared_spans_children_outside_the_clients_service_are_the_servers() {
    // The server process writes its work under another name than its entry
    // (`api-worker` beside `api`); the client's own child stays with it.
    let bytes = br#"[
      {"traceId":"a1","id":"b1","kind":"CLIENT","name":"get","timestamp":1700000000000000,"duration":100,"localEndpoint":{"serviceName":"web"}},
      {"traceId":"a1","id":"b1","kind":"SERVER","name":"get","shared":true,"timestamp":1700000000000010,"duration":80,"localEndpoint":{"serviceName":"api"}},
      {"traceId":"a1","id":"c1","parentId":"b1","kind":"CLIENT","name":"query","timestamp":1700000000000020,"duration":10,"localEndpoint":{"serviceName":"api-worker"}},
      {"traceId":"a1","id":"d1","parentId":"b1","name":"dns","timestamp":1700000000000001,"duration":2,"localEndpoint":{"serviceName":"web"}}
    ]"#;
    let (set, _) = read("shared.json", bytes);
    let index = tracelens_core::index::TraceIndex::build(&set);
    let parent_of = |name: &str| {
        let i = set.spans.iter().position(|s| set.str(s.name) == name).unwrap();
        let p = index.parent[i].expect("a parent") as usize;
        (set.str(set.spans[p].service).to_owned(), set.spans[p].kind)
    };
    assert_eq!(
        parent_of("query"),
        ("api".to_owned(), tracelens_core::model::SpanKind::Server)
    );
    assert_eq!(
        parent_of("dns"),
        ("web".to_owned(), tracelens_core::model::SpanKind::Client)
    );
    // The yelp capture: the proxy's cache calls (`yelp-main`) under its entry
    // (`yelp_main/api_proxy`), not under the client (`unknown`).
    let (set, _) = read("yelp.json", &fixture("zipkin-v2/zipkin__yelp.json"));
    let index = tracelens_core::index::TraceIndex::build(&set);
    let cache = set
        .spans
        .iter()
        .position(|s| set.str(s.name) == "get my_cache_name_v2")
        .unwrap();
    let parent = index.parent[cache].unwrap() as usize;
    assert_eq!(set.str(set.spans[parent].name), "post api proxy proxy");
}

#[test]
fn zipkin_fragments_merge_and_fanout_consumers_get_their_own_ids() {
    let (set, report) = read(
        "smartthings.json",
        &fixture("zipkin-v2/zipkin__smartthings-mobile-web-install.json"),
    );
    assert_eq!(report.spans_read, 1041);
    assert_eq!(report.rejected[&RejectReason::MergedFragment].count, 84);
    assert_eq!(report.spans_kept, 1041 - 84);
    assert_eq!(report.warnings.get(&WarningKind::SharedSpanSplit), Some(&294));
    assert_eq!(report.warnings.get(&WarningKind::MissingDuration), Some(&91));
    let analysis = Analysis::of(&set);
    assert_eq!(analysis.overview.traces, 1);
    assert_eq!(analysis.link_warnings.duplicate_span_ids, 0);
    assert_eq!(analysis.link_warnings.orphans, 0);
    // The two children that start before their parent sit under `receive
    // iot-events360` consumers, which have no duration: not judged as skew.
    assert_eq!(analysis.link_warnings.child_starts_before_parent, 0);
}

#[test]
fn zipkin_single_span_object_with_unicode_and_error_message() {
    let (set, report) = read(
        "chinese.json",
        &fixture("zipkin-v2/zipkin__zipkin2-chinese__single-span-object.json"),
    );
    assert_eq!((report.format, report.spans_kept), (Format::ZipkinJson, 1));
    let span = &set.spans[0];
    assert_eq!(set.str(span.service), "订单维护服务");
    assert_eq!(span.status, tracelens_core::model::StatusCode::Error);
    assert!(span.status_message.is_some());
}

/// Regression inputs from the code review of the ingestion work.
mod review {
    use super::*;

    #[test]
    fn two_copies_of_a_span_naming_itself_as_parent_are_orphans_not_a_cycle() {
        let json = br#"{"data":[{"traceID":"1","spans":[
            {"traceID":"1","spanID":"5","operationName":"a","references":[{"refType":"CHILD_OF","traceID":"1","spanID":"5"}],"startTime":1,"duration":1},
            {"traceID":"1","spanID":"5","operationName":"b","references":[{"refType":"CHILD_OF","traceID":"1","spanID":"5"}],"startTime":2,"duration":1}]}]}"#;
        let (set, _) = read("self.json", json);
        let index = tracelens_core::index::TraceIndex::build(&set);
        assert_eq!(index.parent, vec![None, None]);
        assert_eq!(index.warnings.orphans, 2);
    }

    #[test]
    fn zipkin_fragments_with_an_overflowing_end_do_not_panic() {
        let json = br#"[{"traceId":"1","id":"1","timestamp":1000,"duration":18446744073709551615,"localEndpoint":{"serviceName":"a"}},
                        {"traceId":"1","id":"1","localEndpoint":{"serviceName":"a"}}]"#;
        let mut set = TraceSet::new();
        let report = import_file(&mut set, "big.json", json).unwrap();
        assert_eq!(report.spans_read, report.spans_kept + report.spans_rejected());
    }

    #[test]
    fn a_span_without_start_time_has_no_duration() {
        let json = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",
            "spanId":"eee19b7ec3c1b174","name":"x","endTimeUnixNano":"1700000000000000000"}]}]}]}"#;
        let (set, report) = read("untimed.json", json);
        assert_eq!(report.warnings.get(&WarningKind::MissingTimestamp), Some(&1));
        assert_eq!(set.spans[0].duration.0, 0, "not 54 years");
        assert!(
            Analysis::of(&set).groups.operations.is_empty(),
            "left out of duration statistics"
        );
    }
}
