//! `tracelens report` and `tracelens check` as a CI job uses them: the report
//! JSON written and read back, a previous report as the baseline, and
//! `check`'s exit codes: 0 when nothing new is wrong, 1 with one line per
//! reason, 2 for unreadable input or bad usage.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::tracelens;
use std::path::{Path, PathBuf};
use std::process::Output;
use tracelens_core::import::Format;
use tracelens_core::report::Report;
use tracelens_core::synth::shop::{Pattern, Patterns, ShopConfig};
use tracelens_core::synth::{encode, shop, stretch};

/// A fresh directory for one test's files.
fn dir(name: &str) -> PathBuf {
    common::fresh_dir(&format!("meeting-{name}"))
}

/// The shop with `patterns`, the cart `slower` times slower, written as OTLP JSON.
fn write_shop(path: &Path, seed: u64, patterns: &[Pattern], slower: f64) {
    let spans = shop::generate(&ShopConfig {
        seed,
        traces: 240,
        patterns: Patterns::of(patterns),
        ..Default::default()
    });
    std::fs::write(
        path,
        encode(&stretch(&spans, "GET /api/cart", slower), Format::OtlpJson),
    )
    .unwrap();
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn report_writes_json_that_reads_back() {
    let dir = dir("report");
    write_shop(&dir.join("before.json"), 1, &[Pattern::NPlusOne], 1.0);
    write_shop(&dir.join("now.json"), 2, &[Pattern::NPlusOne], 1.5);
    let out = tracelens(
        &dir,
        &[
            "report",
            "now.json",
            "--baseline",
            "before.json",
            "--out",
            "report.json",
            "--title",
            "Shop <review>",
            "--period-names",
            "Sprint 12,Sprint 11",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = Report::from_json(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report.header.title, "Shop <review>");
    assert_eq!(report.header.current.name, "Sprint 12");
    assert_eq!(report.header.baseline.as_ref().unwrap().name, "Sprint 11");
    assert!(
        report.headlines[0].text.starts_with("`GET /api/cart` got slower"),
        "{:?}",
        report.headlines
    );

    // The report as the next baseline: read as a report, not as traces.
    let out = tracelens(
        &dir,
        &["report", "now.json", "--baseline", "report.json", "--out", "next.json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let next = Report::from_json(&std::fs::read(dir.join("next.json")).unwrap()).unwrap();
    assert_eq!(next.header.baseline.unwrap().name, "Sprint 12");
    assert!(next.findings.iter().any(|f| f.status.is_some()));
}

#[test]
fn report_writes_markdown_and_html_by_the_extension() {
    let dir = dir("formats");
    write_shop(&dir.join("before.json"), 1, &[], 1.0);
    write_shop(&dir.join("now.json"), 2, &[], 1.5);
    let mut written = Vec::new();
    let args = [
        "report",
        "now.json",
        "--baseline",
        "before.json",
        "--title",
        "Shop <review>",
        "--out",
    ];
    for out_file in ["report.json", "report.md", "report.html"] {
        let out = tracelens(&dir, &[&args[..], &[out_file]].concat());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        written.push(std::fs::read_to_string(dir.join(out_file)).unwrap());
    }
    // Each file is what the core's renderer makes of the JSON's report.
    let report = Report::from_json(written[0].as_bytes()).unwrap();
    assert_eq!(written[1], tracelens_core::report::render::markdown(&report));
    assert_eq!(written[2], tracelens_core::report::render::html(&report));
    assert!(written[1].starts_with("# Shop \\<review\\>\n"), "{}", &written[1][..80]);
    assert!(written[2].contains("<title>Shop &lt;review&gt;</title>"));
    let out = tracelens(&dir, &["report", "now.json", "--out", "report.txt"]);
    assert_eq!(out.status.code(), Some(2));
    let out = tracelens(
        &dir,
        &["report", "now.json", "--out", "r.json", "--period-names", "one"],
    );
    assert_eq!(out.status.code(), Some(2), "bad usage");
}

#[test]
fn check_passes_a_healthy_period() {
    let dir = dir("healthy");
    write_shop(&dir.join("before.json"), 1, &[], 1.0);
    write_shop(&dir.join("now.json"), 2, &[], 1.0);
    let out = tracelens(&dir, &["check", "now.json", "--baseline", "before.json"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn check_fails_on_a_regression_beyond_the_limit() {
    let dir = dir("regression");
    write_shop(&dir.join("before.json"), 1, &[], 1.0);
    write_shop(&dir.join("now.json"), 2, &[], 1.5);
    let by_files = tracelens(&dir, &["check", "now.json", "--baseline", "before.json"]);
    assert_eq!(by_files.status.code(), Some(1), "{}", stderr(&by_files));
    let lines: Vec<String> = stdout(&by_files).lines().map(str::to_owned).collect();
    assert!(lines[0].starts_with("regression: `GET /api/cart`: p50 "), "{lines:?}");
    assert!(lines.iter().all(|l| l.starts_with("regression: ")), "{lines:?}");

    // Against a report of the same baseline: the same lines.
    let out = tracelens(&dir, &["report", "before.json", "--out", "before.report.json"]);
    assert_eq!(out.status.code(), Some(0));
    let by_report = tracelens(&dir, &["check", "now.json", "--baseline", "before.report.json"]);
    assert_eq!(by_report.status.code(), Some(1));
    assert_eq!(stdout(&by_report), stdout(&by_files));

    // Above what the cart moved (about +50%): no reason left.
    let out = tracelens(
        &dir,
        &[
            "check",
            "now.json",
            "--baseline",
            "before.json",
            "--max-regression",
            "80",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn check_fails_on_new_findings_at_the_chosen_severity() {
    let dir = dir("findings");
    write_shop(&dir.join("before.json"), 1, &[Pattern::NPlusOne], 1.0);
    write_shop(&dir.join("now.json"), 2, &[Pattern::NPlusOne], 1.0);
    // Without a baseline every finding counts: the N+1 is critical.
    let out = tracelens(&dir, &["check", "now.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("critical n_plus_one_queries (n_plus_one_queries:"),
        "{}",
        stdout(&out)
    );
    // Already there in the baseline: not new, so no reason.
    let out = tracelens(&dir, &["check", "now.json", "--baseline", "before.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A new warning fails only with --fail-on warning.
    write_shop(
        &dir.join("warned.json"),
        2,
        &[Pattern::NPlusOne, Pattern::ErrorHotspot],
        1.0,
    );
    let out = tracelens(&dir, &["check", "warned.json", "--baseline", "before.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = tracelens(
        &dir,
        &[
            "check",
            "warned.json",
            "--baseline",
            "before.json",
            "--fail-on",
            "warning",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("warning error_hotspot ("), "{}", stdout(&out));
    assert!(stdout(&out).contains(", new: "), "{}", stdout(&out));
}

#[test]
fn check_exits_2_for_unreadable_input_and_bad_usage() {
    let dir = dir("unreadable");
    write_shop(&dir.join("now.json"), 2, &[], 1.0);
    std::fs::write(dir.join("broken.json"), b"{\"resourceSpans\": [").unwrap();
    for args in [
        &["check", "missing.json"][..],
        &["check", "now.json", "broken.json"],
        &["check", "now.json", "--baseline", "broken.json"],
        &["check", "now.json", "--fail-on", "sometimes"],
        &["check", "now.json", "--max-regression", "lots"],
        &["check"],
    ] {
        let out = tracelens(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
}
