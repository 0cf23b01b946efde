//! How long the trace list's queries take (`tracelens_core::query`): the
//! catalog built once, then one page of 200 rows per query, unfiltered and
//! with each kind of filter. Wall-clock, the fastest of a few rounds (a
//! shared machine's noise only ever adds time), and the median beside it.
//!
//! `cargo run --release -p tracelens-core --example trace_query -- 1000000 [ROUNDS]`
//! (a number of spans of the shop to generate, or a trace file to read;
//! ROUNDS defaults to 7).

use std::time::{Duration, Instant};
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::{Format, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::query::{GroupKey, SortKey, TraceCatalog, TraceFilter, TraceQuery, TraceSort};
use tracelens_core::synth::{encode, shop};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let argument = std::env::args().nth(1).unwrap_or_else(|| "1000000".to_owned());
    let rounds: usize = std::env::args().nth(2).and_then(|r| r.parse().ok()).unwrap_or(7);
    let bytes = match argument.parse::<usize>() {
        Ok(spans) => encode(&shop::generate(&shop::ShopConfig::with_spans(spans)), Format::OtlpJson),
        Err(_) => std::fs::read(&argument)?,
    };
    let mut set = TraceSet::new();
    import_file(&mut set, "input", &bytes)?;
    drop(bytes);
    set.shrink_to_fit();
    let index = TraceIndex::build(&set);
    let analysis = Analysis::with_index(&set, &index);
    let (build, catalog) = timed(rounds.min(3), || TraceCatalog::new(&set, &index, &analysis));
    println!(
        "{} spans, {} traces, {} distinct strings; catalog built in {:.1} ms (fastest of {})",
        set.spans.len(),
        index.traces.len(),
        set.strings.len(),
        ms(build.0),
        rounds.min(3)
    );

    let busiest = analysis.groups.endpoints.first();
    let service = analysis.groups.services.first().map(|g| g.service.clone());
    let example = analysis
        .findings
        .first()
        .and_then(|f| f.evidence.first())
        .map(|e| e.trace_id);
    let filter = |f: TraceFilter| TraceQuery {
        filter: f,
        ..TraceQuery::default()
    };
    let text = |t: &str| {
        filter(TraceFilter {
            text: Some(t.to_owned()),
            ..TraceFilter::default()
        })
    };
    let cases = [
        ("unfiltered, by start", TraceQuery::default()),
        (
            "unfiltered, by duration descending",
            TraceQuery {
                sort: TraceSort {
                    key: SortKey::Duration,
                    descending: true,
                },
                ..TraceQuery::default()
            },
        ),
        (
            "unfiltered, page at offset 100,000",
            TraceQuery {
                offset: 100_000,
                ..TraceQuery::default()
            },
        ),
        (
            "service (busiest)",
            filter(TraceFilter {
                service: service.clone(),
                ..TraceFilter::default()
            }),
        ),
        (
            "endpoint (busiest)",
            filter(TraceFilter {
                endpoint: busiest.map(|g| GroupKey {
                    service: g.service.clone(),
                    name: g.name.clone(),
                }),
                ..TraceFilter::default()
            }),
        ),
        (
            "errors only",
            filter(TraceFilter {
                errors_only: true,
                ..TraceFilter::default()
            }),
        ),
        ("text \"select\" (common)", text("select")),
        ("text \"402\" (rare, an integer)", text("402")),
        ("text found nowhere", text("no span says this")),
        (
            "service + errors + text",
            filter(TraceFilter {
                service,
                errors_only: true,
                text: Some("cart".to_owned()),
                ..TraceFilter::default()
            }),
        ),
        (
            "one trace by ID",
            filter(example.map(TraceFilter::trace).unwrap_or_default()),
        ),
    ];
    println!("| query | matched | fastest | median |");
    println!("|---|---|---|---|");
    for (name, query) in cases {
        let ((fastest, median), page) = timed(rounds, || catalog.query(&set, &index, &query));
        println!(
            "| {name} | {} | {:.2} ms | {:.2} ms |",
            page.matched,
            ms(fastest),
            ms(median)
        );
    }
    Ok(())
}

/// The fastest and median time of `rounds` runs of `work`, and its last result.
fn timed<T>(rounds: usize, mut work: impl FnMut() -> T) -> ((Duration, Duration), T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..rounds.max(1) {
        let clock = Instant::now();
        last = Some(work());
        times.push(clock.elapsed());
    }
    times.sort_unstable();
    let result = last.unwrap_or_else(|| unreachable!("at least one round"));
    ((times[0], times[times.len() / 2]), result)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
