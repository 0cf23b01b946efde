//! What the engine hands the page reads back as it was written: the
//! analysis, the import reports and import errors are owned and
//! `Deserialize`, so a Web Worker can send them as JSON or JavaScript values
//! and the page gets the same values (issue 11). Each value is serialised,
//! read back, compared field by field, and serialised again to the same text
//! (so nothing written is lost or read differently on the way).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{fixture_files, fixtures_dir};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::Write;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::{Config, Detector};
use tracelens_core::ids::{SpanId, TraceId};
use tracelens_core::import::{Compression, import_file};
use tracelens_core::index::TraceIndex;

const SHIPPED: &str = include_str!("../../../www/examples/shop.otlp.json");

/// `value` as JSON, read back; the text written again must be the same.
fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> T {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e} reading back {json:.300}"));
    assert_eq!(serde_json::to_string(&back).unwrap(), json, "written again differently");
    back
}

/// Everything an analysis serialises is equal after the round trip. The
/// per-trace requests it keeps for the report are not serialised (the
/// report is made where the traces are), so `Analysis` as a whole is
/// compared through its JSON in [`round_trip`], and its fields here.
fn assert_reads_back(analysis: &Analysis) {
    let back = round_trip(analysis);
    assert_eq!(back.overview, analysis.overview);
    assert_eq!(back.traces, analysis.traces);
    assert_eq!(back.groups, analysis.groups);
    assert_eq!(back.findings, analysis.findings);
    assert_eq!(back.link_warnings, analysis.link_warnings);
    assert_eq!(back.comparison.is_some(), analysis.comparison.is_some());
}

fn read(name: &str, bytes: &[u8]) -> TraceSet {
    let mut set = TraceSet::new();
    import_file(&mut set, name, bytes).unwrap();
    set
}

#[test]
fn the_shop_examples_analysis_reads_back_equal() {
    let analysis = Analysis::of(&read("shop.otlp.json", SHIPPED.as_bytes()));
    assert!(!analysis.findings.is_empty() && !analysis.groups.endpoints.is_empty());
    assert_reads_back(&analysis);
}

#[test]
fn an_analysis_against_a_baseline_reads_back_equal() {
    let (baseline, current) = common::two_periods();
    let index = TraceIndex::build(&current);
    let analysis = Analysis::with_baseline(&current, &index, Some(&baseline), &Config::default());
    let comparison = analysis.comparison.as_ref().unwrap();
    assert!(!comparison.rows.is_empty());
    assert!(analysis.findings.iter().any(|f| f.detector == Detector::Regression));
    let back = round_trip(&analysis);
    let read_back = back.comparison.as_ref().unwrap();
    assert_eq!(read_back.method, comparison.method);
    assert_eq!(read_back.rows.len(), comparison.rows.len());
    assert_reads_back(&analysis);
}

#[test]
fn captures_analyses_read_back_equal() {
    for capture in [
        "jaeger-ui-json/dgurkaynak__stalk__jaeger-hotrod-2019.json",
        "zipkin-v2/zipkin__smartthings-mobile-web-install.json",
    ] {
        let analysis = common::capture(capture);
        assert!(!analysis.findings.is_empty(), "{capture}");
        assert_reads_back(&analysis);
    }
}

#[test]
fn every_fixtures_import_report_or_error_reads_back_equal() {
    let files = fixture_files(&fixtures_dir());
    assert!(files.len() >= 30, "found {} fixtures", files.len());
    let (mut reports, mut errors) = (0, 0);
    for path in files {
        let mut set = TraceSet::new();
        match import_file(&mut set, &path.to_string_lossy(), &std::fs::read(&path).unwrap()) {
            Ok(report) => {
                assert_eq!(round_trip(&report), report);
                reports += 1;
            }
            Err(error) => {
                assert_eq!(round_trip(&error), error);
                errors += 1;
            }
        }
    }
    // Both kinds were read back: the fixtures include files Tracelens refuses.
    assert!(reports > 0 && errors > 0, "{reports} reports, {errors} errors");
}

#[test]
fn a_gzip_files_report_names_its_compression_as_before() {
    let plain = std::fs::read(fixtures_dir().join("zipkin-v2/zipkin__skew.json")).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&plain).unwrap();
    let mut set = TraceSet::new();
    let report = import_file(&mut set, "skew.json.gz", &encoder.finish().unwrap()).unwrap();
    assert_eq!(report.compression, Some(Compression::Gzip));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["compression"], "gzip");
    assert_eq!(round_trip(&report), report);
}

#[test]
fn ids_and_detectors_read_back_from_their_text_only() {
    let trace: TraceId = serde_json::from_str(r#""5b8efff798038103d269b633813fc60c""#).unwrap();
    assert_eq!(trace, TraceId(0x5b8e_fff7_9803_8103_d269_b633_813f_c60c));
    // A 64-bit ID as Jaeger and Zipkin write it: the zeros in front may be left out.
    assert_eq!(
        serde_json::from_str::<TraceId>(r#""00f067aa0ba902b7""#).unwrap(),
        TraceId(0x00f0_67aa_0ba9_02b7)
    );
    assert_eq!(
        serde_json::from_str::<SpanId>(r#""00f067aa0ba902b7""#).unwrap().get(),
        0x00f0_67aa_0ba9_02b7
    );
    for wrong in [r#""""#, r#""xyz""#, r#""5b8efff798038103d269b633813fc60c0""#, "17"] {
        assert!(serde_json::from_str::<TraceId>(wrong).is_err(), "{wrong}");
    }
    // Zero is no span ID, nor are 17 digits.
    for wrong in [r#""0000000000000000""#, r#""100f067aa0ba902b7""#] {
        assert!(serde_json::from_str::<SpanId>(wrong).is_err(), "{wrong}");
    }
    for detector in Detector::ALL {
        assert_eq!(round_trip(&detector), detector);
    }
    let error = serde_json::from_str::<Detector>(r#""n_plus_two""#).unwrap_err();
    assert!(error.to_string().contains("a detector's stable name"), "{error}");
}
