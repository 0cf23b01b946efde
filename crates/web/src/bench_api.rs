//! The functions the site exports to JavaScript for the browser benchmark
//! (`tests/bench/browser-import.mjs`): it times the wasm import against
//! `JSON.parse` on the same bytes in the same page, and the analysis after
//! it. Not used by the app itself.

use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::import_file;
use wasm_bindgen::prelude::*;

/// Imports `bytes` as one file into a fresh model and returns the spans kept.
#[wasm_bindgen(js_name = importForBenchmark)]
pub fn import_for_benchmark(bytes: &[u8]) -> Result<u32, JsError> {
    let mut set = TraceSet::new();
    let report = import_file(&mut set, "benchmark", bytes).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(u32::try_from(report.spans_kept).unwrap_or(u32::MAX))
}

/// Imports `bytes` as the page does, then runs the full analysis (index,
/// statistics, histograms, critical paths, every detector); returns the
/// number of findings.
#[wasm_bindgen(js_name = importAndAnalyseForBenchmark)]
pub fn import_and_analyse_for_benchmark(bytes: &[u8]) -> Result<u32, JsError> {
    let mut set = TraceSet::new();
    import_file(&mut set, "benchmark", bytes).map_err(|e| JsError::new(&e.to_string()))?;
    set.shrink_to_fit();
    let analysis = Analysis::of(&set);
    Ok(u32::try_from(analysis.findings.len()).unwrap_or(u32::MAX))
}
