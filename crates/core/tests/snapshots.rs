//! Every fixture in `tests/fixtures`, read and pinned as a snapshot: its import
//! report (format, spans read/kept/rejected, skipped lines, warnings), what
//! linking found, and the totals; or, for files Tracelens cannot read, the
//! exact message the user sees. Review changes with `cargo insta review`
//! (or run with `INSTA_UPDATE=always` and read the diff).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{fixture_files, fixtures_dir};
use std::fmt::Write;
use std::path::Path;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::import_file;

fn describe(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut set = TraceSet::new();
    let mut out = String::new();
    match import_file(&mut set, &name, &std::fs::read(path).unwrap()) {
        Err(error) => writeln!(out, "error: {error}").unwrap(),
        Ok(report) => {
            let analysis = Analysis::of(&set);
            writeln!(out, "format: {} ({} bytes)", report.format, report.bytes).unwrap();
            writeln!(out, "spans: read {}, kept {}", report.spans_read, report.spans_kept).unwrap();
            for (reason, tally) in &report.rejected {
                writeln!(
                    out,
                    "rejected: {} (first: {})",
                    reason.counted(tally.count),
                    tally.example
                )
                .unwrap();
            }
            for (reason, tally) in &report.skipped {
                writeln!(
                    out,
                    "skipped: {} (first: {})",
                    reason.counted(tally.count),
                    tally.example
                )
                .unwrap();
            }
            for (kind, count) in &report.warnings {
                writeln!(out, "warning: {}", kind.counted(*count)).unwrap();
            }
            let o = &analysis.overview;
            writeln!(out, "traces: {}", o.traces).unwrap();
            writeln!(out, "services: {}", o.services.join(", ")).unwrap();
            writeln!(out, "linking: {:?}", analysis.link_warnings).unwrap();
            for trace in analysis.traces.iter().take(5) {
                writeln!(
                    out,
                    "trace {}: {} / {} ({} spans, {} errors, {})",
                    trace.trace_id,
                    trace.root_service,
                    trace.root_operation,
                    trace.span_count,
                    trace.error_count,
                    trace.duration
                )
                .unwrap();
            }
        }
    }
    out
}

#[test]
fn every_fixture_reads_as_pinned() {
    let dir = fixtures_dir();
    let files = fixture_files(&dir);
    assert!(files.len() >= 30, "found {} fixtures", files.len());
    for path in files {
        let relative = path.strip_prefix(&dir).unwrap().to_string_lossy().replace('/', "__");
        insta::assert_snapshot!(relative, describe(&path));
    }
}
