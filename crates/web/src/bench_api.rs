//! The one function the site exports to JavaScript: the browser benchmark
//! (`tests/bench/browser-import.mjs`) calls it to time the wasm import against
//! `JSON.parse` on the same bytes in the same page. Not used by the app itself.

use tracelens_core::TraceSet;
use tracelens_core::import::import_file;
use wasm_bindgen::prelude::*;

/// Imports `bytes` as one file into a fresh model and returns the spans kept.
#[wasm_bindgen(js_name = importForBenchmark)]
pub fn import_for_benchmark(bytes: &[u8]) -> Result<u32, JsError> {
    let mut set = TraceSet::new();
    let report = import_file(&mut set, "benchmark", bytes).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(u32::try_from(report.spans_kept).unwrap_or(u32::MAX))
}
