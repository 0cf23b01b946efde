//! Hostile and broken files (issue 13) on the command line: the binary
//! writes them (`generate-hostile`), then reads them beside a healthy file.
//! Each file that cannot be read is one line on standard error, the core's
//! own message, and exit code 2; the files that can be read (with warnings)
//! and the healthy one are analysed as usual.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::tracelens;
use std::path::{Path, PathBuf};
use tracelens_core::TraceSet;
use tracelens_core::import::import_file;

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    common::fresh_dir(&format!("hostile-{name}"))
}

/// Writes `case` (small) into `dir` with the binary; the file's name.
fn generate(dir: &Path, case: &str) -> String {
    let out = tracelens(dir, &["generate-hostile", case, "--small", "--out", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let path = String::from_utf8(out.stdout).unwrap();
    let name = Path::new(path.trim()).file_name().unwrap().to_str().unwrap().to_owned();
    assert!(dir.join(&name).is_file(), "{name}");
    name
}

/// Files that cannot be read, with a part of the message a person sees.
const REFUSED: [(&str, &str); 13] = [
    ("gzip-bomb", "the gzip data inflates more than 200 times (64 MiB from "),
    ("deep-json", "values nested more than 127 deep"),
    ("deep-protobuf", "messages nested more than 100 deep"),
    ("utf16", "the text is UTF-16 (little-endian), and Tracelens reads UTF-8"),
    ("png-as-json", "this is a PNG image, not a trace export"),
    ("empty", "the file is empty"),
    ("empty-gzip", "the file is empty"),
    ("cut-gzip-header", "the gzip data is broken (the file has 5 bytes"),
    (
        "truncated-protobuf",
        "the data ends inside a message: the file was cut short?",
    ),
    ("nan-literal", "NaN and Infinity are not JSON"),
    ("number-for-string", "invalid type: integer `42`, expected a string"),
    ("changed-while-read", "invalid OTLP JSON at line 1, column "),
    ("empty-spans", "in memory decoded, more than 20 times its "),
];

/// Files that are read, with warnings.
const READ: [&str; 8] = [
    "huge-value",
    "many-attributes",
    "parent-cycle",
    "deep-trace",
    "century-durations",
    "many-events",
    "many-links",
    "span-fragments",
];

#[test]
fn hostile_files_exit_2_with_the_core_s_messages_and_the_rest_is_analysed() {
    let dir = scratch("mixed");
    let good = tracelens(&dir, &["generate", "--traces", "30", "--out", "good.json"]);
    assert_eq!(good.status.code(), Some(0));
    let refused: Vec<(String, &str)> = REFUSED
        .iter()
        .map(|&(case, message)| (generate(&dir, case), message))
        .collect();
    let read: Vec<String> = READ.iter().map(|case| generate(&dir, case)).collect();
    let mut args = vec!["analyze", "good.json"];
    args.extend(refused.iter().map(|(name, _)| name.as_str()));
    args.extend(read.iter().map(String::as_str));

    let out = tracelens(&dir, &args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), REFUSED.len(), "one line per file refused:\n{stderr}");
    for (name, message) in &refused {
        // The core's message, word for word, after the program's name.
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let core = import_file(&mut TraceSet::new(), name, &bytes).unwrap_err().to_string();
        assert!(core.contains(message), "{core}");
        assert!(
            lines.contains(&format!("tracelens: {core}").as_str()),
            "{name}: {stderr}"
        );
    }
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with(&format!("{} files, ", READ.len() + 1)), "{stdout}");
    for (name, _) in &refused {
        assert!(stdout.contains(name.as_str()), "{name} in the import report: {stdout}");
    }
    // The healthy file's shop is analysed: its endpoints are listed.
    assert!(stdout.contains("GET /api/cart"), "{stdout}");
}

#[test]
fn the_json_output_lists_refused_files_and_the_warnings_of_the_rest() {
    let dir = scratch("json");
    let names: Vec<String> = ["png-as-json", "huge-value", "many-attributes", "century-durations"]
        .iter()
        .map(|case| generate(&dir, case))
        .collect();
    let mut args = vec!["analyze", "--format", "json"];
    args.extend(names.iter().map(String::as_str));
    let out = tracelens(&dir, &args);
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed = doc["failed_files"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].to_string().contains("PNG image"), "{failed:?}");
    let warnings: Vec<&serde_json::Value> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["warnings"])
        .collect();
    assert_eq!(warnings[0]["text_cut"], 1);
    assert_eq!(warnings[1]["attributes_dropped"], 1);
    assert_eq!(warnings[2]["implausible_duration"], 2);
}

#[test]
fn every_hostile_case_is_written_in_each_of_its_formats() {
    let dir = scratch("formats");
    for format in ["otlp-json", "otlp-protobuf", "jaeger", "zipkin"] {
        let out = tracelens(
            &dir,
            &["generate-hostile", "parent-cycle", "--format", format, "--out", "."],
        );
        assert_eq!(out.status.code(), Some(0), "{format}");
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "parent-cycle.jaeger.json",
            "parent-cycle.json",
            "parent-cycle.pb",
            "parent-cycle.zipkin.json"
        ]
    );
    let refused = tracelens(&dir, &["generate-hostile", "no-such-case"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("gzip-bomb"));
}
