//! Named measures on the browser's own timeline (the User Timing API:
//! `performance.measure`), on the page and in the worker alike, so a
//! performance trace or `performance.getEntriesByType("measure")` shows how
//! long each step of a load took: reading, importing, analysing, and on the
//! page reading the reply and drawing it. Costs one clock read per step.

use wasm_bindgen::JsCast;

/// The `performance` object of this page or worker, if it has one.
fn performance() -> Option<web_sys::Performance> {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()?
        .dyn_into()
        .ok()
}

/// Runs `step`, recorded as a measure called `name`.
pub fn measure<T>(name: &str, step: impl FnOnce() -> T) -> T {
    let Some(performance) = performance() else {
        return step();
    };
    let (start, end) = (format!("{name}: start"), format!("{name}: end"));
    // A browser that refuses a mark records nothing; the step runs anyway.
    let _ = performance.mark(&start);
    let result = step();
    let _ = performance.mark(&end);
    let _ = performance.measure_with_start_mark_and_end_mark(name, &start, &end);
    performance.clear_marks_with_mark_name(&start);
    performance.clear_marks_with_mark_name(&end);
    result
}
