//! One import of a trace file and nothing else: a driver for profilers
//! (`valgrind --tool=callgrind`, `perf record`) that should see the reader
//! alone, not a generator or the analysis.
//!
//! `cargo run --release -p tracelens-core --example import_once -- FILE [ROUNDS]`

use std::time::Instant;
use tracelens_core::TraceSet;
use tracelens_core::import::import_file;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: import_once FILE [ROUNDS]")?;
    let rounds: usize = std::env::args().nth(2).and_then(|r| r.parse().ok()).unwrap_or(1);
    let bytes = std::fs::read(&path)?;
    for _ in 0..rounds {
        let clock = Instant::now();
        let mut set = TraceSet::new();
        import_file(&mut set, &path, &bytes)?;
        println!("{} spans, import {:.2?}", set.spans.len(), clock.elapsed());
    }
    Ok(())
}
