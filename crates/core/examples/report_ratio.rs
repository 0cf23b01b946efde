//! Report generation against the analysis it follows (issue 10: under a
//! tenth), on the shop at a given size, in turns in one process (fastest of
//! ROUNDS each), as `import_ratio` does for the import: two benchmarks run one
//! after the other drift too much on a shared machine.
//!
//! `cargo run --release -p tracelens-core --example report_ratio -- [SPANS] [ROUNDS]`
//! (default 1,000,000 spans, 3 rounds).
//!
//! Two cases, each timed as `report::generate` runs it. Alone: the analysis
//! is the index and `Analysis::with_samples` without a baseline (the analysis
//! the app makes, which keeps what it found per trace); the report is
//! gathering the current `Samples` from that (`Samples::of_requests`; only
//! the report's summary needs them then) and `report::build`. Against a
//! previous report: the analysis also gathers the current `Samples` and runs
//! the comparison (`Analysis::against_samples`); the report turns the
//! previous report's summary into samples and builds.

use std::time::{Duration, Instant};
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::regression::Samples;
use tracelens_core::import::{Format, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::report::{self, Baseline, BaselineInput, Inputs, Options, Report};
use tracelens_core::synth::{encode, shop};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let spans: usize = args.next().map_or(Ok(1_000_000), |a| a.parse())?;
    let rounds: usize = args.next().map_or(Ok(3), |a| a.parse())?;
    let load = |seed: u64| -> Result<TraceSet, Box<dyn std::error::Error>> {
        let config = shop::ShopConfig {
            seed,
            ..shop::ShopConfig::with_spans(spans)
        };
        let mut set = TraceSet::new();
        import_file(&mut set, "shop", &encode(&shop::generate(&config), Format::OtlpJson))?;
        set.shrink_to_fit();
        Ok(set)
    };
    let (set, earlier) = (load(7)?, load(8)?);
    let options = Options::default();
    let (_, previous) = report::generate(&earlier, BaselineInput::None, &options);
    let previous = Report::from_json(previous.to_json().as_bytes())?;
    println!(
        "{} spans (previous report: {} spans, {} KiB of JSON)",
        set.spans.len(),
        earlier.spans.len(),
        previous.to_json().len() / 1024
    );

    let mut best = [Duration::MAX; 4];
    for _ in 0..rounds {
        // Alone.
        let clock = Instant::now();
        let index = TraceIndex::build(&set);
        let analysis = Analysis::with_samples(&set, &index, None, &options.config);
        let analysed = clock.elapsed();
        let clock = Instant::now();
        let samples = Samples::of_requests(&set, &index, analysis.requests());
        let built = report::build(&Inputs {
            set: &set,
            index: &index,
            analysis: &analysis,
            samples: &samples,
            baseline: None,
            options: &options,
        });
        let reported = clock.elapsed();
        std::hint::black_box(built);
        best[0] = best[0].min(analysed);
        best[1] = best[1].min(reported);

        // Against the previous report.
        let clock = Instant::now();
        let index = TraceIndex::build(&set);
        let baseline_samples = report::summary::samples(&previous.summary);
        let (analysis, samples) = Analysis::against_samples(&set, &index, &baseline_samples, &options.config);
        let analysed = clock.elapsed();
        let clock = Instant::now();
        let baseline_samples = report::summary::samples(&previous.summary);
        let built = report::build(&Inputs {
            set: &set,
            index: &index,
            analysis: &analysis,
            samples: &samples,
            baseline: Some(Baseline {
                samples: &baseline_samples,
                period: previous.header.current.clone(),
                notes: Vec::new(),
                errors: report::errors::ErrorTypes::of_report(&previous.errors),
                findings: Some(previous.findings.clone()),
            }),
            options: &options,
        });
        let reported = clock.elapsed();
        std::hint::black_box(built);
        best[2] = best[2].min(analysed);
        best[3] = best[3].min(reported);
    }
    let ratio = |report: Duration, analysis: Duration| report.as_secs_f64() / analysis.as_secs_f64();
    println!(
        "alone:                analysis {:.2?}, report {:.2?}, ratio {:.3}",
        best[0],
        best[1],
        ratio(best[1], best[0])
    );
    println!(
        "against a report:     analysis {:.2?}, report {:.2?}, ratio {:.3}",
        best[2],
        best[3],
        ratio(best[3], best[2])
    );
    Ok(())
}
