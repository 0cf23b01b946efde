//! The `tracelens` binary as scripts and CI use it: files, directories and
//! standard input in; a table or a documented JSON document out; exit code 0
//! when everything loaded and 2 when a file could not be read.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn tracelens(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(args)
        .current_dir(fixtures())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn json_report_has_the_documented_fields() {
    let out = tracelens(
        &[
            "analyze",
            "--format",
            "json",
            "otlp-json",
            "zipkin-v2/zipkin__skew.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 7);
    let hotrod = files
        .iter()
        .find(|f| f["name"].as_str().unwrap().ends_with("n_plus_one_full_serial.json"))
        .unwrap();
    assert_eq!(hotrod["format"], "otlp_json");
    assert_eq!(hotrod["spans_read"], 40);
    assert_eq!(hotrod["spans_kept"], 40);
    let skew = files.last().unwrap();
    assert_eq!(skew["format"], "zipkin_json");
    assert_eq!(skew["warnings"]["shared_span_split"], 1);
    assert_eq!(doc["overview"]["spans"], 73 + 4);
    assert_eq!(doc["overview"]["traces"], 8);
    assert!(doc["failed_files"].as_array().unwrap().is_empty());
    for groups in ["endpoints", "services", "operations"] {
        let group = &doc[groups][0];
        for field in [
            "service",
            "name",
            "count",
            "errors",
            "error_rate",
            "min",
            "mean",
            "stddev_ns",
            "p50",
            "p75",
            "p90",
            "p95",
            "p99",
            "p999",
            "max",
            "robust",
            "self_time",
            "histogram",
            "critical_path_share",
        ] {
            assert!(!group[field].is_null(), "{groups}[].{field}");
        }
        assert!(
            group.get("throughput_per_minute").is_some(),
            "{groups}[].throughput_per_minute"
        );
        assert!(group["robust"]["method"].as_str().unwrap().contains("Tukey"));
        assert!(!group["histogram"]["buckets"].as_array().unwrap().is_empty());
    }
    let trace = &doc["traces"][0];
    for field in [
        "trace_id",
        "root_service",
        "root_operation",
        "start",
        "duration",
        "span_count",
        "error_count",
    ] {
        assert!(!trace[field].is_null(), "traces[].{field}");
    }
}

#[test]
fn unreadable_file_exits_2_with_one_line_on_stderr_and_the_rest_still_loads() {
    let out = tracelens(
        &[
            "analyze",
            "broken/not-json.txt",
            "otlp-json/otelproto__examples__trace.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("tracelens: broken/not-json.txt: this is text starting with"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("1 files, 1 spans, 1 traces"), "{stdout}");
    assert!(
        stdout.contains("broken/not-json.txt") && stdout.contains("unreadable"),
        "{stdout}"
    );
}

#[test]
fn standard_input_and_gzip() {
    let bytes = std::fs::read(fixtures().join("otlp-protobuf/otlp2parquet__traces.pb")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bytes).unwrap();
    let out = tracelens(&["analyze", "--format", "json", "-"], Some(&gz.finish().unwrap()));
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["files"][0]["name"], "<stdin>");
    assert_eq!(doc["files"][0]["format"], "otlp_protobuf");
    assert_eq!(doc["files"][0]["compression"], "gzip");
    assert_eq!(doc["overview"]["spans"], 19);
}

#[test]
fn readable_table_for_people() {
    let out = tracelens(
        &[
            "analyze",
            "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1 files, 40 spans, 1 traces"), "{text}");
    assert!(text.contains("frontend: GET /dispatch"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("redis-manual") && l.contains("13.3ms")),
        "{text}"
    );
}

#[test]
fn generate_then_analyze_every_format() {
    for format in ["otlp-json", "otlp-jsonl", "otlp-protobuf", "jaeger", "zipkin"] {
        let generated = tracelens(&["generate", "--format", format, "--traces", "50"], None);
        assert_eq!(generated.status.code(), Some(0), "{format}");
        let out = tracelens(&["analyze", "--format", "json", "-"], Some(&generated.stdout));
        assert_eq!(out.status.code(), Some(0), "{format}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["overview"]["traces"], 50, "{format}");
    }
}

#[test]
fn a_missing_path_is_an_error_not_a_panic() {
    let out = tracelens(&["analyze", "no/such/file.json"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("tracelens: reading no/such/file.json"));
}
