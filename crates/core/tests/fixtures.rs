//! The real exports in `tests/fixtures` (see SOURCES.md there), read through
//! the public API with their counts, warnings and a known duration pinned.
//! Expected values were computed independently from the raw JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::{Format, ImportErrorKind, RejectReason, WarningKind, import_file};
use tracelens_core::time::DurationNs;

fn fixture(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(relative: &str) -> (TraceSet, Analysis) {
    let mut set = TraceSet::new();
    let name = relative.rsplit('/').next().unwrap();
    import_file(&mut set, name, &fixture(relative)).unwrap_or_else(|e| panic!("{e}"));
    let analysis = Analysis::of(&set);
    (set, analysis)
}

#[test]
fn hotrod_capture_reads_completely() {
    let (set, analysis) = load("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let report = &set.files[0];
    assert_eq!(report.format, Format::OtlpJson);
    assert_eq!((report.spans_read, report.spans_kept), (40, 40));
    assert!(report.rejected.is_empty() && report.warnings.is_empty());
    assert_eq!(analysis.overview.traces, 1);
    assert_eq!(
        analysis.overview.services,
        ["customer", "driver", "frontend", "mysql", "redis-manual", "route"]
    );
    let trace = &analysis.traces[0];
    assert_eq!(trace.duration, DurationNs(1_116_967_287));
    assert_eq!(
        (trace.root_service.as_str(), trace.root_operation.as_str()),
        ("frontend", "GET /dispatch")
    );
    assert_eq!((trace.span_count, trace.error_count), (40, 3));
    assert_eq!(analysis.link_warnings.orphans, 0);
}

#[test]
fn operation_percentiles_match_independent_computation() {
    let (_, analysis) = load("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let op = |service: &str, name: &str| {
        analysis
            .groups
            .operations
            .iter()
            .find(|o| o.service == service && o.name == name)
            .unwrap_or_else(|| panic!("{service} {name}"))
    };
    let redis = op("redis-manual", "GetDriver");
    assert_eq!(redis.durations.count, 13);
    assert_eq!(redis.durations.p50, DurationNs(13_332_717));
    assert_eq!(redis.durations.p95, DurationNs(33_530_366));
    let http = op("frontend", "HTTP GET");
    assert_eq!((http.durations.count, http.durations.p50), (11, DurationNs(60_875_588)));
    assert_eq!(http.durations.max, DurationNs(312_324_083));
    // Busiest first.
    assert_eq!(analysis.groups.operations[0].service, "redis-manual");
}

#[test]
fn otel_demo_capture_with_skew_and_one_error() {
    let (set, analysis) = load("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json");
    assert_eq!(set.files[0].spans_kept, 26);
    assert_eq!(analysis.traces[0].duration, DurationNs(15_080_701_963));
    assert_eq!(analysis.traces[0].root_operation, "user_checkout_multi");
    assert_eq!(analysis.traces[0].error_count, 1);
    assert_eq!(analysis.link_warnings.child_starts_before_parent, 1);
    let proxy = analysis
        .groups
        .operations
        .iter()
        .find(|o| o.service == "frontend-proxy" && o.name == "router frontend egress")
        .unwrap();
    assert_eq!(
        (proxy.durations.count, proxy.durations.p50),
        (3, DurationNs(37_800_000))
    );
}

#[test]
fn every_conformant_otlp_fixture_counts() {
    // (file, spans, traces, orphans)
    let cases = [
        ("otelproto__examples__trace.json", 1, 1, 1),
        ("jaeger__memory__otel_traces_01.json", 4, 2, 4),
        ("jaeger__integration__link_attributes_trace.json", 1, 1, 0),
        ("jaeger-pr9263__otel-demo__error_timeout_masked.json", 26, 1, 0),
        ("jaeger-pr9263__hotrod__n_plus_one_full_serial.json", 40, 1, 0),
        ("jaegerui__otlp2jaeger-in-error.json", 1, 1, 1),
    ];
    for (file, spans, traces, orphans) in cases {
        let (set, analysis) = load(&format!("otlp-json/{file}"));
        assert_eq!(set.files[0].spans_kept, spans, "{file}");
        assert_eq!(analysis.overview.traces, traces, "{file}");
        assert_eq!(analysis.link_warnings.orphans, orphans, "{file}");
    }
}

#[test]
fn missing_service_name_is_reported() {
    let (set, analysis) = load("otlp-json/jaegerui__otlp2jaeger-in-error.json");
    assert_eq!(set.files[0].warnings.get(&WarningKind::MissingServiceName), Some(&1));
    assert_eq!(analysis.overview.services, ["unknown_service"]);
}

#[test]
fn jaeger_fixtures_count_and_repair() {
    // (file, spans, duplicate IDs, warnings)
    type Case = (&'static str, u64, u64, &'static [(WarningKind, u64)]);
    let cases: [Case; 6] = [
        (
            "jaeger__uimodel__ui_01.json",
            5,
            1,
            &[(WarningKind::ProducerWarnings, 2)],
        ),
        // Its two spans are identical copies: merged on import (tests/missing_data.rs).
        ("jaeger__query__otlp2jaeger-out__api-envelope.json", 2, 0, &[]),
        ("jaegerui__genaiTestTrace.json", 57, 0, &[]),
        (
            "jaegerui__TraceGraph__testTrace.json",
            11,
            0,
            &[(WarningKind::IdHashed, 11)],
        ),
        (
            "jaegerui__spanAmongEachOtherGroupedAndSpans__short-ids.json",
            17,
            0,
            &[(WarningKind::IdPadded, 17)],
        ),
        (
            "jaegerui__traceWithMultipleSpansWithTheSameValueInDifferentTags.json",
            4,
            1,
            &[],
        ),
    ];
    for (file, spans, duplicates, warnings) in cases {
        let (set, analysis) = load(&format!("jaeger-ui-json/{file}"));
        let report = &set.files[0];
        assert_eq!(report.format, Format::JaegerJson, "{file}");
        let merged = report.rejected.get(&RejectReason::DuplicateSpan).map_or(0, |t| t.count);
        assert_eq!(
            (report.spans_read, report.spans_kept + merged),
            (spans, spans),
            "{file}"
        );
        assert_eq!(analysis.link_warnings.duplicate_span_ids, duplicates, "{file}");
        assert_eq!(
            report.warnings.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            warnings,
            "{file}"
        );
        assert_eq!(analysis.overview.traces, 1, "{file}");
    }
}

#[test]
fn jaeger_genai_trace_duration_services_and_errors() {
    let (_, analysis) = load("jaeger-ui-json/jaegerui__genaiTestTrace.json");
    let trace = &analysis.traces[0];
    // Microseconds in the file: (max(start + duration) - min(start)) * 1000.
    assert_eq!(trace.duration, DurationNs(44_000_000_000));
    assert_eq!(
        (trace.root_service.as_str(), trace.root_operation.as_str()),
        ("api-edge", "POST /api/graphql")
    );
    assert_eq!(trace.error_count, 1);
    assert_eq!(analysis.overview.services.len(), 10);
}

#[test]
fn jaeger_tag_types_and_kind_mapping() {
    use tracelens_core::model::{AttrValue, SpanKind, StatusCode};
    let (set, _) = load("jaeger-ui-json/jaeger__uimodel__ui_01.json");
    let span = set.spans.iter().find(|s| set.str(s.name) == "some-operation").unwrap();
    assert_eq!(span.status, StatusCode::Error, "error=true tag");
    let attr = |key: &str| {
        set.attributes_of(span)
            .iter()
            .find(|a| set.str(a.key) == key)
            .map(|a| a.value.clone())
            .unwrap_or_else(|| panic!("{key}"))
    };
    assert_eq!(attr("peer.ipv4"), AttrValue::Int(23456));
    assert_eq!(attr("temperature"), AttrValue::Double(72.5));
    assert_eq!(attr("javascript_limit"), AttrValue::Int(9_223_372_036_854_775_222));
    assert_eq!(attr("blob"), AttrValue::Bytes(vec![0, 0, 0x30, 0x39].into()));
    assert!(
        set.attributes_of(span).iter().all(|a| set.str(a.key) != "error"),
        "mapped, not kept"
    );
    assert!(
        set.spans
            .iter()
            .all(|s| s.kind == SpanKind::Unspecified || s.kind == SpanKind::Server || s.kind == SpanKind::Client)
    );
}

#[test]
fn invalid_otlp_fixtures_reject_their_span_with_the_reason() {
    let cases = [
        (
            "otlp2parquet__trace_invalid_kind.json",
            RejectReason::InvalidSpanKind,
            "\"SPAN_KIND_INVALID_TYPE\"",
        ),
        (
            "otlp2parquet__trace_mixed_encoding.json",
            RejectReason::InvalidTraceId,
            "\"zzz\"",
        ),
        (
            "otlp2parquet__trace_invalid_base64.json",
            RejectReason::InvalidTraceId,
            "\"!!!INVALID_BASE64!!!\"",
        ),
    ];
    for (file, reason, quoted) in cases {
        let (set, _) = load(&format!("otlp-json-invalid/{file}"));
        let report = &set.files[0];
        assert_eq!((report.spans_read, report.spans_kept), (1, 0), "{file}");
        let rejection = &report.rejected[&reason];
        assert_eq!(rejection.count, 1);
        assert!(rejection.example.contains(quoted), "{file}: {}", rejection.example);
        assert!(rejection.example.starts_with("resourceSpans[0].scopeSpans[0].spans[0]"));
    }
}

#[test]
fn unsupported_shapes_are_named() {
    let cases = [
        (
            "jaeger-other/jaeger__uimodel__domain_01__api_v2-protojson.json",
            "Jaeger api_v2 protobuf JSON",
        ),
        (
            "jaeger-ui-json/jaegerui__TraceFlamegraph__testTrace__ui-state-shape.json",
            "Jaeger UI internal state dump",
        ),
    ];
    for (file, looks_like) in cases {
        let mut set = TraceSet::new();
        let error = import_file(&mut set, "x.json", &fixture(file)).unwrap_err();
        assert!(
            matches!(&error.kind, ImportErrorKind::UnsupportedShape { looks_like: l } if l.contains(looks_like)),
            "{file}: {error}"
        );
        assert!(error.to_string().starts_with("x.json: this looks like"), "{error}");
        assert!(set.spans.is_empty() && set.files.is_empty());
    }
}

#[test]
fn a_broken_file_adds_nothing_and_says_where() {
    let mut set = TraceSet::new();
    import_file(
        &mut set,
        "good.json",
        &fixture("otlp-json/otelproto__examples__trace.json"),
    )
    .unwrap();
    let mut broken = fixture("otlp-json/jaeger__memory__otel_traces_01.json");
    // Cut the file in the middle of its second span.
    broken.truncate(broken.len() / 2);
    let error = import_file(&mut set, "cut.json", &broken).unwrap_err();
    assert_eq!(error.format, Some(Format::OtlpJson));
    let ImportErrorKind::Malformed { line, path, .. } = &error.kind else {
        panic!("{error:?}")
    };
    assert!(*line > 100, "the line of the cut: {line}");
    assert!(path.starts_with("resourceSpans[0].scopeSpans["), "{path}");
    assert!(
        error.to_string().starts_with("cut.json: invalid OTLP JSON at line"),
        "{error}"
    );
    assert_eq!(
        (set.files.len(), set.spans.len()),
        (1, 1),
        "the good file stays, nothing of the cut one"
    );
}

#[test]
fn a_wrong_type_is_located_by_json_path() {
    let mut set = TraceSet::new();
    let json = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",
        "spanId":"eee19b7ec3c1b174","name":"x","startTimeUnixNano":"soon"}]}]}]}"#;
    let error = import_file(&mut set, "t.json", json).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("line 2"), "{text}");
    assert!(
        text.contains("resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano"),
        "{text}"
    );
    assert!(text.contains("\"soon\""), "{text}");
}

#[test]
fn files_merge_into_one_set() {
    let mut set = TraceSet::new();
    import_file(
        &mut set,
        "a.json",
        &fixture("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json"),
    )
    .unwrap();
    import_file(
        &mut set,
        "b.json",
        &fixture("jaeger-ui-json/jaegerui__genaiTestTrace.json"),
    )
    .unwrap();
    let analysis = Analysis::of(&set);
    assert_eq!(analysis.overview.files, 2);
    assert_eq!(analysis.overview.spans, 97);
    assert_eq!(analysis.overview.traces, 2);
    assert_eq!(analysis.overview.services.len(), 16);
}

#[test]
fn a_trace_split_across_files_becomes_one_trace() {
    let whole = fixture("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json");
    let doc: serde_json::Value = serde_json::from_slice(&whole).unwrap();
    let resources = doc["resourceSpans"].as_array().unwrap();
    let (first, second) = resources.split_at(resources.len() / 2);
    let mut set = TraceSet::new();
    for (name, part) in [("part1.json", first), ("part2.json", second)] {
        let bytes = serde_json::to_vec(&serde_json::json!({ "resourceSpans": part })).unwrap();
        import_file(&mut set, name, &bytes).unwrap();
    }
    let analysis = Analysis::of(&set);
    assert_eq!(analysis.overview.traces, 1);
    assert_eq!(analysis.traces[0].span_count, 40);
    assert_eq!(analysis.traces[0].duration, DurationNs(1_116_967_287));
    assert_eq!(analysis.link_warnings.orphans, 0);
}
