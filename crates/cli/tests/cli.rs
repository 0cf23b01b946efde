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
    assert_eq!(doc["schema_version"], 3);
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
        "shape",
    ] {
        assert!(!trace[field].is_null(), "traces[].{field}");
    }
    for field in ["sessions", "streams"] {
        assert!(doc["overview"][field].is_u64(), "overview.{field}");
    }
    // Every finding's impact has the same documented fields, whatever its detector.
    let findings = doc["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        for field in [
            "requests",
            "failed_requests",
            "of_requests",
            "request_time_share",
            "time",
        ] {
            assert!(
                !finding["impact"][field].is_null(),
                "findings[].impact.{field}: {finding}"
            );
        }
        assert!(finding["explanation"].is_string() && finding["evidence"].is_array());
    }
    assert!(doc["config"]["severity"]["critical_time_share"].is_f64());
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
    assert!(stdout.contains("1 file, 1 span, 1 trace"), "{stdout}");
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
    assert!(text.contains("1 file, 40 spans, 1 trace"), "{text}");
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

/// `--patterns` takes the core's pattern names: `none` plants nothing, a
/// named pattern is found, and an unknown name is refused with the list.
#[test]
fn generate_plants_the_patterns_named() {
    let detectors = |patterns: &str| {
        let generated = tracelens(&["generate", "--traces", "400", "--patterns", patterns], None);
        assert_eq!(generated.status.code(), Some(0), "{patterns}");
        let out = tracelens(&["analyze", "--format", "json", "-"], Some(&generated.stdout));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut names: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["detector"].as_str().unwrap().to_owned())
            .collect();
        names.dedup();
        names
    };
    assert_eq!(detectors("none"), Vec::<String>::new());
    assert_eq!(detectors("n-plus-one"), ["n_plus_one_queries"]);
    let refused = tracelens(&["generate", "--patterns", "n-plus-one,bogus"], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("lost-spans"));
}

#[test]
fn a_missing_path_is_an_error_not_a_panic() {
    let out = tracelens(&["analyze", "no/such/file.json"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("tracelens: reading no/such/file.json"));
}

/// A fresh directory under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tracelens-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The shop with seed `seed`, its `GET /api/cart` requests `factor` times as slow, as OTLP JSON.
fn shop_with_slower_cart(seed: u64, factor: f64) -> Vec<u8> {
    use tracelens_core::synth::{encode, shop};
    let spans = shop::generate(&shop::ShopConfig {
        seed,
        traces: 300,
        ..Default::default()
    });
    let starts: std::collections::HashMap<u128, u64> = spans
        .iter()
        .filter(|s| s.parent_span_id.is_none() && s.name == "GET /api/cart")
        .map(|s| (s.trace_id, s.start_ns))
        .collect();
    let spans: Vec<_> = spans
        .into_iter()
        .map(|mut s| {
            if let Some(&start) = starts.get(&s.trace_id) {
                let at = |t: u64| start + ((t - start) as f64 * factor).round() as u64;
                (s.start_ns, s.end_ns) = (at(s.start_ns), at(s.end_ns));
            }
            s
        })
        .collect();
    encode(&spans, tracelens_core::import::Format::OtlpJson)
}

#[test]
fn baseline_finds_a_slower_endpoint_in_json_and_text() {
    let dir = scratch("baseline");
    std::fs::create_dir_all(dir.join("last-week")).unwrap();
    std::fs::write(dir.join("last-week/shop.json"), shop_with_slower_cart(21, 1.0)).unwrap();
    std::fs::write(dir.join("today.json"), shop_with_slower_cart(22, 1.5)).unwrap();
    let today = dir.join("today.json").display().to_string();
    let last_week = dir.join("last-week").display().to_string();

    let out = tracelens(&["analyze", "--format", "json", &today, "--baseline", &last_week], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 3);
    assert_eq!(doc["baseline_files"].as_array().unwrap().len(), 1);
    assert!(doc["baseline_files"][0]["spans_kept"].as_u64().unwrap() > 1000);
    assert!(doc["baseline_failed_files"].as_array().unwrap().is_empty());
    let comparison = &doc["comparison"];
    assert!(comparison["method"].as_str().unwrap().contains("Mann-Whitney"));
    assert_eq!(comparison["baseline_traces"], 300);
    let row = &comparison["rows"][0];
    assert_eq!(row["kind"], "endpoint");
    for field in [
        "service",
        "name",
        "endpoint",
        "p50_delta_ns",
        "p95_delta_ns",
        "p50_change",
        "p95_change",
        "probability_slower",
        "p_value",
        "p_value_adjusted",
        "verdict",
    ] {
        assert!(!row[field].is_null(), "comparison.rows[].{field}");
    }
    for side in ["baseline", "current"] {
        for field in ["count", "traces", "p50", "p95"] {
            assert!(row[side][field].is_u64(), "comparison.rows[].{side}.{field}");
        }
    }
    let changed: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["detector"] == "regression" || f["detector"] == "improvement")
        .map(|f| {
            (
                f["detector"].as_str().unwrap(),
                f["subject"]["endpoint"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(changed, [("regression", "GET /api/cart")]);

    let out = tracelens(&["analyze", "--all-findings", &today, "--baseline", &last_week], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\nbaseline\n") && text.contains("baseline: 1 file, "),
        "{text}"
    );
    assert!(text.contains("compared with the baseline"), "{text}");
    // The finding's header, then its sentence (wrapped: compare with whitespace folded).
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        folded.contains("Regression [regression] `GET /api/cart` got slower"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("frontend") && l.contains("GET /api/cart") && l.ends_with("slower")),
        "{text}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn without_baseline_the_comparison_is_null() {
    let out = tracelens(
        &[
            "analyze",
            "--format",
            "json",
            "otlp-json/otelproto__examples__trace.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["comparison", "baseline_files", "baseline_failed_files"] {
        assert!(doc.get(field).is_some_and(|v| v.is_null()), "{field}");
    }
}

#[test]
fn unreadable_baseline_file_exits_2_and_the_rest_still_loads() {
    let out = tracelens(
        &[
            "analyze",
            "--format",
            "json",
            "otlp-json/otelproto__examples__trace.json",
            "--baseline",
            "broken/not-json.txt",
            "otlp-json/otelproto__examples__trace.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("tracelens: baseline: broken/not-json.txt: "),
        "{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["failed_files"].as_array().unwrap().is_empty());
    assert_eq!(doc["baseline_failed_files"][0]["file"], "broken/not-json.txt");
    assert_eq!(doc["baseline_files"].as_array().unwrap().len(), 1);
    // One span on each side: compared, but too few samples to judge.
    assert_eq!(doc["comparison"]["rows"][0]["verdict"], "too_few_samples");
}

#[test]
fn text_lists_the_five_costliest_findings_first_then_how_many_more() {
    let generated = tracelens(&["generate", "--traces", "400", "--patterns", "all"], None);
    let json = tracelens(&["analyze", "--format", "json", "-"], Some(&generated.stdout));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let total = doc["findings"].as_array().unwrap().len();
    assert!(total > 5, "the planted shop gives more than five findings: {total}");

    let out = tracelens(&["analyze", "-"], Some(&generated.stdout));
    let text = String::from_utf8(out.stdout).unwrap();
    let findings_at = text.find("\nfindings: ").expect("a findings section");
    assert!(
        findings_at < text.find("\nfiles\n").unwrap(),
        "findings come before the tables:\n{text}"
    );
    let numbered: Vec<&str> = text
        .lines()
        .filter(|l| l.len() > 3 && l.as_bytes()[0].is_ascii_digit() && &l[1..3] == ". ")
        .collect();
    assert_eq!(numbered.len(), 5, "{text}");
    // In the JSON's order, which is the core's ranking.
    let first = doc["findings"][0]["detector"].as_str().unwrap();
    assert!(numbered[0].ends_with(&format!("[{first}]")), "{}", numbered[0]);
    assert!(text.contains(&format!("\nand {} more (", total - 5)), "{text}");

    let all = tracelens(&["analyze", "--all-findings", "-"], Some(&generated.stdout));
    let all = String::from_utf8(all.stdout).unwrap();
    assert!(!all.contains("more ("), "{all}");
    assert!(all.contains(&format!("\n{total}. ")), "every finding numbered:\n{all}");
}

#[test]
fn prose_wraps_to_the_width_and_names_cannot_drive_the_terminal() {
    // A span name with a newline and an escape sequence, as hostile or broken exporters write them.
    let trace = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc\u001b[31m"}}]},
      "scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",
      "name":"GET /a\nb","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000100000000"}]}]}]}"#;
    let out = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(["analyze", "-"])
        .env("COLUMNS", "60")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(trace.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("svc\\u{1b}[31m") && text.contains("GET /a\\nb"), "{text}");
    let note = text
        .lines()
        .skip_while(|l| !l.starts_with("percentiles are exact"))
        .collect::<Vec<_>>();
    assert!(
        note.len() > 1 && note.iter().all(|l| l.chars().count() <= 60),
        "{note:?}"
    );
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(["generate", "--traces", "3000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1024];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take()); // the reader goes away, like `| head`
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn a_config_file_sets_thresholds_and_the_json_echoes_them() {
    let dir = scratch("config");
    let hotrod = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";
    let n_plus_one = |args: &[&str]| -> (serde_json::Value, usize) {
        let out = tracelens(&[&["analyze", "--format", "json"], args, &[hotrod]].concat(), None);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["detector"] == "n_plus_one_queries")
            .count();
        (doc, found)
    };
    let (defaults, found) = n_plus_one(&[]);
    assert_eq!(found, 1, "HotROD's GetDriver loop with the defaults");
    assert_eq!(defaults["config"]["n_plus_one"]["min_repeats"], 5);

    // Only what is set changes; durations may be written as people write them.
    let strict = dir.join("strict.toml");
    std::fs::write(
        &strict,
        "[n_plus_one]\nmin_repeats = 20\n\n[long_tail]\nmin_gap = \"50ms\"\n",
    )
    .unwrap();
    let (doc, found) = n_plus_one(&["--config", strict.to_str().unwrap()]);
    assert_eq!(found, 0, "ten repeats are under a threshold of 20");
    assert_eq!(doc["config"]["n_plus_one"]["min_repeats"], 20);
    assert_eq!(
        doc["config"]["long_tail"]["min_gap"], "50ms",
        "echoed as a person writes it"
    );
    assert_eq!(doc["config"]["chatty_calls"]["min_calls"], 10, "left out: the default");

    // A misspelt setting is an error that says which and where, not a silent default.
    let typo = dir.join("typo.toml");
    std::fs::write(&typo, "[n_plus_one]\nmin_repeat = 3\n").unwrap();
    let out = tracelens(&["analyze", "--config", typo.to_str().unwrap(), hotrod], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("typo.toml is not a valid configuration")
            && stderr.contains("line 2")
            && stderr.contains("min_repeat"),
        "{stderr}"
    );

    // The printed defaults read back as the defaults.
    let printed = tracelens(&["print-config"], None);
    let file = dir.join("printed.toml");
    std::fs::write(&file, &printed.stdout).unwrap();
    let (doc, _) = n_plus_one(&["--config", file.to_str().unwrap()]);
    assert_eq!(doc["config"], defaults["config"]);
}

/// Unexplained time has one share of the request for every stretch: the
/// second (`dominant_request_share`, for stretches under 1 s) had come to
/// equal it. The gap for spans with children keeps its old name as an alias.
#[test]
fn unexplained_time_has_one_request_share() {
    let printed = String::from_utf8(tracelens(&["print-config"], None).stdout).unwrap();
    let section = printed.split("[uninstrumented_time]").nth(1).unwrap();
    let section = section.split("\n[").next().unwrap();
    assert_eq!(
        section.trim(),
        "min_gap = \"1s\"\nmin_gap_with_children = \"100ms\"\nmin_request_share = 0.2\nmin_trace_share = 0.5\nmin_requests = 3"
    );
    let dir = scratch("share");
    let example = "otlp-json/otelproto__examples__trace.json";
    let old_name = dir.join("old.toml");
    std::fs::write(&old_name, "[uninstrumented_time]\nmin_dominant_gap = \"50ms\"\n").unwrap();
    let out = tracelens(
        &[
            "analyze",
            "--format",
            "json",
            "--config",
            old_name.to_str().unwrap(),
            example,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["config"]["uninstrumented_time"]["min_gap_with_children"], "50ms");
    let gone = dir.join("gone.toml");
    std::fs::write(&gone, "[uninstrumented_time]\ndominant_request_share = 0.5\n").unwrap();
    let out = tracelens(&["analyze", "--config", gone.to_str().unwrap(), example], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("dominant_request_share"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}
