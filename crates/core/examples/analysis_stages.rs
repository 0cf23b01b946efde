//! Where the analysis spends its time: each stage timed once on the shop at
//! a given size. A profiling aid next to `benches/analysis.rs` (which times
//! the whole), not a benchmark: one run, wall-clock.
//!
//! `cargo run --release -p tracelens-core --example analysis_stages -- 1000000`
//! (a number of spans to generate, or a trace file to read, e.g. one written by
//! `tracelens generate`, so a profiler sees the analysis, not the generator).

use std::time::Instant;
use tracelens_core::TraceSet;
use tracelens_core::analysis::detectors::{self, Config, Context};
use tracelens_core::analysis::{critical_path, groups, self_time};
use tracelens_core::import::{Format, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::synth::{encode, shop};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let argument = std::env::args().nth(1).unwrap_or_else(|| "1000000".to_owned());
    let bytes = match argument.parse::<usize>() {
        Ok(spans) => {
            let synthetic = shop::generate(&shop::ShopConfig::with_spans(spans));
            encode(&synthetic, Format::OtlpJson)
        }
        Err(_) => std::fs::read(&argument)?,
    };
    let mut set = TraceSet::new();
    let clock = Instant::now();
    import_file(&mut set, "shop", &bytes)?;
    let import = clock.elapsed();
    set.shrink_to_fit();
    println!("{} spans, import {import:.2?}", set.spans.len());

    let clock = Instant::now();
    let lap = |what: &str, clock: &mut Instant| {
        println!("{what:>18}: {:.2?}", clock.elapsed());
        *clock = Instant::now();
    };
    let mut at = clock;
    let index = TraceIndex::build(&set);
    lap("index", &mut at);
    let self_times = self_time::self_times(&set, &index);
    lap("self times", &mut at);
    let on_path = critical_path::on_path_times(&set, &index);
    lap("critical paths", &mut at);
    let facts = groups::SpanFacts::new(&set, &index, &self_times, &on_path, None);
    lap("span facts", &mut at);
    let groups = groups::groups(&facts);
    lap("group statistics", &mut at);
    let context = Context::new(&facts, &groups);
    let config = Config::default();
    lap("detector context", &mut at);
    macro_rules! detector {
        ($($name:ident),*) => {$(
            let found = detectors::$name::detect(&context, &config.$name);
            lap(&format!("{} ({})", stringify!($name), found.len()), &mut at);
        )*};
    }
    detector!(
        n_plus_one,
        chatty_calls,
        retries,
        slow_endpoint,
        long_tail,
        bottleneck,
        error_hotspot,
        sequential_calls,
        many_queries,
        scaling,
        uninstrumented_time,
        critical_path,
        broken_propagation,
        data_quality
    );
    println!("{:>18}: {:.2?}", "analysis total", clock.elapsed());
    Ok(())
}
