//! Group statistics checked against values computed here, independently of
//! the analysis code, from the generator's own spans.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeMap;
use tracelens_core::TraceSet;
use tracelens_core::analysis::{Analysis, GroupStats};
use tracelens_core::import::{Format, import_file};
use tracelens_core::synth::{SynthSpan, encode, shop};
use tracelens_core::time::DurationNs;

fn load(spans: &[SynthSpan]) -> Analysis {
    let mut set = TraceSet::new();
    import_file(&mut set, "shop", &encode(spans, Format::OtlpJson)).unwrap();
    Analysis::of(&set)
}

fn nearest_rank(sorted: &[u64], per_hundred_thousand: u64) -> u64 {
    let n = sorted.len() as u64;
    let rank = (per_hundred_thousand * n).div_ceil(100_000).clamp(1, n);
    sorted[rank as usize - 1]
}

fn find<'a>(groups: &'a [GroupStats], service: &str, name: &str) -> &'a GroupStats {
    groups
        .iter()
        .find(|g| g.service == service && g.name == name)
        .unwrap_or_else(|| panic!("{service} {name}"))
}

#[test]
fn endpoints_are_the_entry_server_spans_named_by_route() {
    let spans = shop::generate(&shop::ShopConfig::default());
    let analysis = load(&spans);
    // Independently: the root spans are the frontend's server spans; count them per name.
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for root in spans.iter().filter(|s| s.parent_span_id.is_none()) {
        *expected.entry(root.name.clone()).or_default() += 1;
    }
    let actual: BTreeMap<String, u64> = analysis
        .groups
        .endpoints
        .iter()
        .map(|g| {
            assert_eq!(g.service, "frontend");
            (g.name.clone(), g.durations.count)
        })
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(actual.len(), 8);
}

#[test]
fn operation_statistics_match_an_independent_computation() {
    let spans = shop::generate(&shop::ShopConfig {
        traces: 400,
        ..Default::default()
    });
    let analysis = load(&spans);
    let mut durations: Vec<u64> = spans
        .iter()
        .filter(|s| s.service == "cart" && s.name == "SELECT items")
        .map(|s| s.duration_ns())
        .collect();
    durations.sort_unstable();
    let n = durations.len() as f64;
    let mean = durations.iter().map(|&d| d as f64).sum::<f64>() / n;
    let stddev = (durations.iter().map(|&d| (d as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
    let group = find(&analysis.groups.operations, "cart", "SELECT items");
    let d = &group.durations;
    assert_eq!(d.count, durations.len() as u64);
    assert_eq!(d.min, DurationNs(durations[0]));
    assert_eq!(d.max, DurationNs(*durations.last().unwrap()));
    for (actual, p) in [
        (d.p50, 50_000),
        (d.p75, 75_000),
        (d.p90, 90_000),
        (d.p95, 95_000),
        (d.p99, 99_000),
        (d.p999, 99_900),
    ] {
        assert_eq!(
            actual,
            DurationNs(nearest_rank(&durations, p)),
            "p{}",
            p as f64 / 1000.0
        );
    }
    assert!(
        (d.stddev_ns - stddev).abs() / stddev < 1e-9,
        "{} vs {stddev}",
        d.stddev_ns
    );
    assert_eq!(
        d.mean.0,
        (durations.iter().map(|&d| u128::from(d)).sum::<u128>() / durations.len() as u128) as u64
    );
    // Leaf database calls have no children: self time is the duration.
    assert_eq!(group.self_time.p50, d.p50);
    // Histogram counts add up to the sample.
    assert_eq!(group.histogram.buckets.iter().map(|b| b.count).sum::<u64>(), d.count);
}

#[test]
fn self_time_and_critical_path_add_up_to_the_request_when_calls_are_sequential() {
    // The shop's calls are sequential and nested inside their parents, so in every
    // trace the self times add up to the root's duration, and so does the critical path.
    let spans = shop::generate(&shop::ShopConfig {
        traces: 30,
        ..Default::default()
    });
    let mut set = TraceSet::new();
    import_file(&mut set, "shop", &encode(&spans, Format::OtlpJson)).unwrap();
    let index = tracelens_core::index::TraceIndex::build(&set);
    let self_times = tracelens_core::analysis::self_time::self_times(&set, &index);
    let on_path = tracelens_core::analysis::critical_path::on_path_times(&set, &index);
    for trace in &index.traces {
        let members = index.spans_of(trace);
        let root = &set.spans[trace.root as usize];
        let total_self: u64 = members.iter().map(|&i| self_times[i as usize].0).sum();
        let total_path: u64 = members.iter().map(|&i| on_path[i as usize].0).sum();
        assert_eq!(total_self, root.duration.0);
        assert_eq!(total_path, root.duration.0);
    }
}

#[test]
fn the_slow_payment_provider_dominates_the_checkout_critical_path() {
    let analysis = load(&shop::generate(&shop::ShopConfig {
        traces: 200,
        ..Default::default()
    }));
    // POST /v1/charges (median 120 ms) inside checkouts of ~125 ms: most of their critical path.
    let psp = find(&analysis.groups.operations, "payment", "POST /v1/charges");
    assert!(psp.critical_path_share > 0.7, "{}", psp.critical_path_share);
    let redis = find(&analysis.groups.operations, "catalog", "GET");
    assert!(redis.critical_path_share < 0.3, "{}", redis.critical_path_share);
    let shares: Vec<f64> = analysis
        .groups
        .operations
        .iter()
        .map(|g| g.critical_path_share)
        .collect();
    assert!(shares.iter().all(|s| (0.0..=1.0).contains(s)), "{shares:?}");
}

#[test]
fn outliers_are_removed_and_counted() {
    let mut spans = shop::generate(&shop::ShopConfig {
        traces: 200,
        ..Default::default()
    });
    // Plant one hung product lookup: 10 minutes instead of ~1 ms.
    let lookup = spans
        .iter_mut()
        .find(|s| s.service == "catalog" && s.name == "GET")
        .unwrap();
    lookup.end_ns = lookup.start_ns + 600_000_000_000;
    let analysis = load(&spans);
    let group = find(&analysis.groups.operations, "catalog", "GET");
    assert_eq!(group.durations.max, DurationNs(600_000_000_000));
    assert!(group.robust.removed >= 1);
    assert!(
        group.robust.durations.max < DurationNs(10_000_000),
        "{}",
        group.robust.durations.max
    );
    assert_eq!(
        group.robust.durations.count + group.robust.removed,
        group.durations.count
    );
}

#[test]
fn throughput_is_per_minute_of_the_loaded_range() {
    let spans = shop::generate(&shop::ShopConfig::default());
    let analysis = load(&spans);
    let start = spans.iter().map(|s| s.start_ns).min().unwrap();
    let end = spans.iter().map(|s| s.end_ns).max().unwrap();
    let minutes = (end - start) as f64 / 60e9;
    let frontend = analysis
        .groups
        .services
        .iter()
        .find(|g| g.service == "frontend")
        .unwrap();
    let expected = frontend.durations.count as f64 / minutes;
    assert!((frontend.throughput_per_minute.unwrap() - expected).abs() < 1e-9);
}
