//! Where the analysis spends its time: each stage timed on the shop at a
//! given size. A profiling aid next to `benches/analysis.rs` (which times
//! the whole), not a benchmark: wall-clock, the fastest of a few rounds per
//! stage, since a shared machine's noise only ever adds time.
//!
//! `cargo run --release -p tracelens-core --example analysis_stages -- 1000000 [ROUNDS]`
//! (a number of spans to generate, or a trace file to read, e.g. one written by
//! `tracelens generate`, so a profiler sees the analysis, not the generator;
//! ROUNDS defaults to 1).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tracelens_core::TraceSet;
use tracelens_core::analysis::detectors::{self, Config, Context};
use tracelens_core::analysis::{critical_path, groups, self_time};
use tracelens_core::import::{Format, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::synth::{encode, shop};

/// The fastest time of each stage over the rounds, in the order first seen.
#[derive(Default)]
struct Laps {
    names: Vec<String>,
    best: BTreeMap<String, Duration>,
}

impl Laps {
    fn record(&mut self, what: String, took: Duration) {
        if !self.best.contains_key(&what) {
            self.names.push(what.clone());
        }
        let best = self.best.entry(what).or_insert(took);
        *best = (*best).min(took);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let argument = std::env::args().nth(1).unwrap_or_else(|| "1000000".to_owned());
    let rounds: usize = std::env::args().nth(2).and_then(|r| r.parse().ok()).unwrap_or(1);
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
    drop(bytes);
    set.shrink_to_fit();
    println!(
        "{} spans, import {import:.2?}, fastest of {rounds} round(s) per stage",
        set.spans.len()
    );

    let mut laps = Laps::default();
    for _ in 0..rounds {
        round(&set, &mut laps);
    }
    for name in &laps.names {
        println!("{name:>24}: {:.2?}", laps.best[name]);
    }
    Ok(())
}

/// One analysis, stage by stage, as `Analysis::of` runs it.
fn round(set: &TraceSet, laps: &mut Laps) {
    let total = Instant::now();
    let mut at = Instant::now();
    let mut lap = |what: String, laps: &mut Laps| {
        laps.record(what, at.elapsed());
        at = Instant::now();
    };
    let index = TraceIndex::build(set);
    lap("index".into(), laps);
    let self_times = self_time::self_times(set, &index);
    lap("self times".into(), laps);
    let on_path = critical_path::on_path_times(set, &index);
    lap("critical paths".into(), laps);
    let facts = groups::SpanFacts::new(set, &index, &self_times, &on_path, None);
    lap("span facts".into(), laps);
    let groups = groups::groups(&facts);
    lap("group statistics".into(), laps);
    let context = Context::new(&facts, &groups);
    let config = Config::default();
    lap("detector context".into(), laps);
    macro_rules! detector {
        ($($name:ident),*) => {$(
            let found = detectors::$name::detect(&context, &config.$name);
            lap(format!("{} ({})", stringify!($name), found.len()), laps);
        )*};
    }
    detector!(
        n_plus_one,
        chatty_calls,
        call_overhead,
        consistency_cost,
        retries,
        slow_endpoint,
        long_tail,
        bottleneck,
        untraced_callee,
        fixed_waits,
        repeated_along_chain,
        error_hotspot,
        sequential_calls,
        many_queries,
        scaling,
        uninstrumented_time,
        broken_propagation,
        data_quality
    );
    // Told apart from what the other findings tell: here against none.
    let found = detectors::critical_path::detect(&context, &config.critical_path, &[]);
    lap(format!("critical_path ({})", found.len()), laps);
    let found = detectors::queued_handlers::detect(&context);
    lap(format!("queued_handlers ({})", found.len()), laps);
    // As the analysis runs them: every detector, then the findings merged,
    // judged and ranked (the cost of that step is this less the sum above).
    let found = detectors::detect(&context, &config);
    lap(format!("all detectors, merged ({})", found.len()), laps);
    laps.record("analysis total".into(), total.elapsed());
}
