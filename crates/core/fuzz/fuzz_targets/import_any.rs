//! Fuzzes the whole entry point: sniffing, gzip and every importer, then the
//! analysis. No input may panic; a failed import adds nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracelens_core::TraceSet;
use tracelens_core::import::import_file;

fuzz_target!(|bytes: &[u8]| {
    let mut set = TraceSet::new();
    match import_file(&mut set, "fuzz", bytes) {
        Ok(report) => {
            assert_eq!(report.spans_read, report.spans_kept + report.spans_rejected());
            let _ = tracelens_core::analysis::Analysis::of(&set);
            let _ = tracelens_core::dump::dump(&set);
        }
        Err(_) => assert!(set.spans.is_empty() && set.files.is_empty() && set.strings.is_empty()),
    }
});
