//! Fuzzes the OtlpJsonLines importer directly (no format sniffing): no input may
//! panic, a failed import adds nothing, and every span read is kept or counted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracelens_core::TraceSet;
use tracelens_core::import::{Format, import_file_as};

fuzz_target!(|bytes: &[u8]| {
    let mut set = TraceSet::new();
    match import_file_as(&mut set, "fuzz", bytes, Format::OtlpJsonLines) {
        Ok(report) => {
            assert_eq!(report.spans_read, report.spans_kept + report.spans_rejected());
            assert_eq!(set.spans.len() as u64, report.spans_kept);
            let _ = tracelens_core::analysis::Analysis::of(&set);
        }
        Err(_) => assert!(set.spans.is_empty() && set.files.is_empty() && set.strings.is_empty()),
    }
});
