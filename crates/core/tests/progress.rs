//! `import_file_with_progress` reports the spans read every
//! `SPANS_BETWEEN_REPORTS` spans in every format, then once when done, and
//! imports exactly what `import_file` imports.

use tracelens_core::TraceSet;
use tracelens_core::import::{Format, ImportProgress, SPANS_BETWEEN_REPORTS, import_file, import_file_with_progress};
use tracelens_core::synth::{encode, shop};

#[test]
fn every_format_reports_its_spans_as_it_reads_them() {
    // A little over two reports' worth.
    let spans = shop::generate(&shop::ShopConfig::with_spans(
        2 * SPANS_BETWEEN_REPORTS as usize + 5_000,
    ));
    for format in [
        Format::OtlpJson,
        Format::OtlpJsonLines,
        Format::OtlpProtobuf,
        Format::JaegerJson,
        Format::ZipkinJson,
    ] {
        let bytes = encode(&spans, format);
        let mut reports: Vec<ImportProgress> = Vec::new();
        let mut set = TraceSet::new();
        let report = import_file_with_progress(&mut set, "f", &bytes, &mut |p| reports.push(p)).expect("reads");
        let counts: Vec<(u64, bool)> = reports.iter().map(|p| (p.spans_read, p.done)).collect();
        let every = SPANS_BETWEEN_REPORTS;
        assert_eq!(
            counts,
            [(every, false), (2 * every, false), (report.spans_read, true)],
            "{format:?}"
        );
        assert!(
            reports.iter().all(|p| p.bytes_total == bytes.len() as u64),
            "{format:?}"
        );

        let mut plain = TraceSet::new();
        assert_eq!(
            import_file(&mut plain, "f", &bytes).expect("reads"),
            report,
            "{format:?}"
        );
        assert_eq!(plain.spans.len(), set.spans.len(), "{format:?}");
    }
}

#[test]
fn a_failed_import_reports_no_end() {
    let mut reports = 0;
    let mut set = TraceSet::new();
    let result = import_file_with_progress(&mut set, "f.json", br#"{"resourceSpans": ["#, &mut |_| reports += 1);
    assert!(result.is_err());
    assert_eq!(reports, 0);
}
