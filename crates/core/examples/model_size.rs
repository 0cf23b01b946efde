//! Prints the model's memory per span next to the size of the file it came
//! from, for each format, as BENCHMARKS.md reports it.
//!
//! `cargo run --release -p tracelens-core --example model_size [SPANS]`

use tracelens_core::TraceSet;
use tracelens_core::import::import_file;
use tracelens_core::synth::{FORMATS, encode, shop};

fn main() {
    let spans: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let synthetic = shop::generate(&shop::ShopConfig::with_spans(spans));
    println!("| format | spans | file bytes/span | model bytes/span | model / file |");
    println!("|---|---:|---:|---:|---:|");
    for format in FORMATS {
        let bytes = encode(&synthetic, format);
        let mut set = TraceSet::new();
        if let Err(error) = import_file(&mut set, "synthetic", &bytes) {
            eprintln!("{format}: {error}");
            continue;
        }
        set.shrink_to_fit();
        let n = set.spans.len() as f64;
        println!(
            "| {format} | {} | {:.0} | {:.0} | {:.2} |",
            set.spans.len(),
            bytes.len() as f64 / n,
            set.heap_bytes() as f64 / n,
            set.heap_bytes() as f64 / bytes.len() as f64
        );
    }
}
