//! The OTLP JSON import against `serde_json::from_slice::<IgnoredAny>` on the
//! same bytes, run in turns in one process, fastest of each: a ratio that
//! holds up on a shared machine, where divan's medians of one benchmark after
//! the other drift with the load of others (see BENCHMARKS.md).
//!
//! `cargo run --release -p tracelens-core --example import_ratio [SPANS] [ROUNDS]`

use std::time::{Duration, Instant};
use tracelens_core::TraceSet;
use tracelens_core::import::{Format, import_file};
use tracelens_core::synth::{encode, shop};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let spans = args.next().transpose()?.unwrap_or(100_000);
    let rounds = args.next().transpose()?.unwrap_or(20);
    let synthetic = shop::generate(&shop::ShopConfig::with_spans(spans));
    let bytes = encode(&synthetic, Format::OtlpJson);
    let (mut import, mut ignored) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        let start = Instant::now();
        let mut set = TraceSet::new();
        import_file(&mut set, "synthetic", &bytes)?;
        drop(set);
        import = import.min(start.elapsed());
        let start = Instant::now();
        serde_json::from_slice::<serde::de::IgnoredAny>(&bytes)?;
        ignored = ignored.min(start.elapsed());
    }
    println!(
        "{} spans, {:.1} MB: import {:.2?}, IgnoredAny {:.2?}, ratio {:.2}",
        synthetic.len(),
        bytes.len() as f64 / 1e6,
        import,
        ignored,
        ignored.as_secs_f64() / import.as_secs_f64()
    );
    Ok(())
}
