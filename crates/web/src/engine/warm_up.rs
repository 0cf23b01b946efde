//! The engine's warm-up, run in the worker as soon as it starts, while the
//! page is idle and before any file arrives.
//!
//! V8 compiles a wasm function the first time it runs, with its baseline
//! compiler (Liftoff), and optimises it (TurboFan) in the background only
//! once it has run long enough; a function already running keeps its
//! baseline code until its next call. A reader's loop over a whole file is
//! one such call. Without a warm-up, the first file dropped pays for the
//! compiling, and a file of 10,000 spans is read and analysed mostly in
//! baseline code, at about half the speed of the optimised code (measured:
//! its import 41–44 ms cold, 19–24 ms warm; BENCHMARKS.md, "The hot loops
//! warmed up").
//!
//! Two parts. [`sample`] runs every reader, the whole analysis and the trace
//! view once on a small generated shop, so every function a load needs is
//! compiled, and gives the answers to the page, which warms up reading and
//! drawing them (`components/warm_up.rs`). [`HotTrace::hot_loops`] then reads
//! and analyses a larger trace shaped like real exports (tags and logs on every
//! span) a few times in every format, so the loops a load spends its time in
//! are optimised before it comes.

use super::protocol::{Period, Sample, TraceAnswer, TraceAsk};
use super::state::{EngineState, FileBytes, Load};
use tracelens_core::import::Format;
use tracelens_core::query::TraceQuery;
use tracelens_core::query::trace_view::RowsQuery;
use tracelens_core::synth::{self, peer, shop};

/// Spans of the trace [`HotTrace::hot_loops`] reads: about 1 MB in Jaeger JSON.
const HOT_SPANS: usize = 1_000;

/// Times [`HotTrace::hot_loops`] reads and analyses it in each format. V8 optimises
/// a function after it has spent a budget of baseline execution; two rounds
/// of 1,000 spans spend it for the readers' and the analysis' loops, and the
/// whole warm-up stays a few hundred milliseconds of the idle page's start.
const HOT_ROUNDS: usize = 2;

/// Every reader, the analysis and the trace view, once, on a small shop;
/// the answers a load and an opened trace give, for the page to warm up on.
pub fn sample() -> Sample {
    let spans = shop::generate(&shop::ShopConfig {
        traces: 20,
        ..shop::ShopConfig::default()
    });
    let mut state = EngineState::default();
    let warm = |state: &mut EngineState, load: &mut Load, format: Format| {
        let file = FileBytes {
            bytes: synth::encode(&spans, format),
            gunzipped: false,
        };
        state.add(load, "warm-up", Ok(file), &mut |_| {});
    };
    let mut load = state.begin(Period::Baseline);
    for format in [Format::JaegerJson, Format::ZipkinJson, Format::OtlpProtobuf] {
        warm(&mut state, &mut load, format);
    }
    let mut load = state.begin(Period::Current);
    warm(&mut state, &mut load, Format::OtlpJson);
    let mut listed = (None, None);
    let findings = state.finish(load, &first_query(), |summary, page| listed = (summary, page));
    let (mut summary, list) = (listed.0, listed.1.unwrap_or_default());
    // The page draws the sample whole (see `components/warm_up.rs`): the findings too.
    if let (Some(current), Some(findings)) = (summary.as_mut().and_then(|s| s.current.as_mut()), findings) {
        current.analysis.findings = findings;
    }
    let top = list.rows.first().map(|row| row.trace_id);
    state.prepare_trace_view(top);
    let opened = match top {
        Some(trace_id) => {
            let rows = RowsQuery {
                limit: 30,
                minimap: true,
                ..RowsQuery::default()
            };
            state.trace(
                trace_id,
                TraceAsk::Open {
                    focus: Vec::new(),
                    rows,
                },
            )
        }
        None => TraceAnswer::Missing,
    };
    Sample { summary, list, opened }
}

/// The formats [`HotTrace::hot_loops`] is run on, the most common first.
pub const HOT_FORMATS: [Format; 4] = [
    Format::OtlpJson,
    Format::JaegerJson,
    Format::ZipkinJson,
    Format::OtlpProtobuf,
];

/// A trace of [`HOT_SPANS`] spans with tags and logs, to warm up on.
pub struct HotTrace {
    spans: Vec<synth::SynthSpan>,
    events: Vec<synth::SynthEvent>,
}

impl HotTrace {
    pub fn new() -> HotTrace {
        let (spans, events) = peer::generate(&peer::PeerConfig {
            traces: 1,
            spans_per_trace: HOT_SPANS,
            ..peer::PeerConfig::default()
        });
        HotTrace { spans, events }
    }

    /// Reads and analyses the trace written in `format`, [`HOT_ROUNDS`]
    /// times, each time into an engine of its own (dropped after), so the
    /// loops a real load of that format runs are optimised before it comes.
    pub fn hot_loops(&self, format: Format) {
        let bytes = synth::encode_with_events(&self.spans, &self.events, format);
        let query = first_query();
        for _ in 0..HOT_ROUNDS {
            let mut state = EngineState::default();
            let mut load = state.begin(Period::Current);
            let file = FileBytes {
                bytes: bytes.clone(),
                gunzipped: false,
            };
            state.add(&mut load, "warm-up", Ok(file), &mut |_| {});
            let _ = state.finish(load, &query, |_, _| {});
        }
    }
}

/// The trace list's first page as the page first asks for it.
fn first_query() -> TraceQuery {
    crate::components::trace_list::first_query(&crate::route::Route::Analysis {
        traces: Default::default(),
    })
}
