//! An import against `serde_json::from_slice::<IgnoredAny>` on the same
//! bytes, run in turns in one process, fastest of each: a ratio that holds up
//! on a shared machine, where divan's medians of one benchmark after the
//! other drift with the load of others (see BENCHMARKS.md).
//!
//! `cargo run --release -p tracelens-core --example import_ratio [SPANS] [ROUNDS] [FORMAT...]`
//!
//! FORMAT is `otlp-json` (the default), `jaeger`, `zipkin`, `otlp-jsonl` or
//! `otlp-proto`; each is timed against `IgnoredAny` over its own bytes (the
//! protobuf row against the OTLP JSON of the same spans).

use std::time::{Duration, Instant};
use tracelens_core::TraceSet;
use tracelens_core::import::{Format, import_file};
use tracelens_core::synth::{encode, shop};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let spans = args.next().map(|a| a.parse::<usize>()).transpose()?.unwrap_or(100_000);
    let rounds = args.next().map(|a| a.parse::<usize>()).transpose()?.unwrap_or(20);
    let mut formats = Vec::new();
    for name in args {
        formats.push(match name.as_str() {
            "otlp-json" => Format::OtlpJson,
            "otlp-jsonl" => Format::OtlpJsonLines,
            "otlp-proto" => Format::OtlpProtobuf,
            "jaeger" => Format::JaegerJson,
            "zipkin" => Format::ZipkinJson,
            other => return Err(format!("unknown format {other}").into()),
        });
    }
    if formats.is_empty() {
        formats.push(Format::OtlpJson);
    }
    let synthetic = shop::generate(&shop::ShopConfig::with_spans(spans));
    for format in formats {
        let bytes = encode(&synthetic, format);
        // Protobuf is not JSON: its floor is the JSON of the same spans.
        let json = match format {
            Format::OtlpProtobuf => encode(&synthetic, Format::OtlpJson),
            _ => bytes.clone(),
        };
        let (mut import, mut ignored) = (Duration::MAX, Duration::MAX);
        for _ in 0..rounds {
            let start = Instant::now();
            let mut set = TraceSet::new();
            import_file(&mut set, "synthetic", &bytes)?;
            drop(set);
            import = import.min(start.elapsed());
            let start = Instant::now();
            serde_json::from_slice::<serde::de::IgnoredAny>(&json)?;
            ignored = ignored.min(start.elapsed());
        }
        println!(
            "{format}: {} spans, {:.1} MB: import {:.2?} ({:.0} MB/s), IgnoredAny {:.2?} ({:.0} MB/s), ratio {:.2}",
            synthetic.len(),
            bytes.len() as f64 / 1e6,
            import,
            bytes.len() as f64 / 1e6 / import.as_secs_f64(),
            ignored,
            json.len() as f64 / 1e6 / ignored.as_secs_f64(),
            ignored.as_secs_f64() / import.as_secs_f64()
        );
    }
    Ok(())
}
