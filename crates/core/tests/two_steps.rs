//! The analysis in two steps (`Analysis::in_two_steps`, which the web app's
//! engine uses to send the trace list before the findings): what the first
//! step sees is the whole analysis but its findings, and the end result is
//! the one-step analysis, with a baseline and without.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::Config;
use tracelens_core::analysis::detectors::regression::Samples;
use tracelens_core::import::{Format, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::synth::{encode, shop};

fn shop_set(seed: u64) -> TraceSet {
    let spans = shop::generate(&shop::ShopConfig {
        seed,
        traces: 120,
        ..Default::default()
    });
    let mut set = TraceSet::new();
    import_file(&mut set, "shop", &encode(&spans, Format::OtlpJson)).unwrap();
    set
}

/// What the first step saw must be the final analysis with no findings.
fn assert_first_step_is_all_but_findings(first: &Analysis, last: &Analysis) {
    assert!(first.findings.is_empty(), "the first step comes before the detectors");
    assert!(!last.findings.is_empty(), "the shop plants patterns the detectors find");
    let mut without_findings = last.clone();
    without_findings.findings.clear();
    // `==` compares the requests too: the trace list reads them, so they
    // must be there already.
    assert_eq!(*first, without_findings);
}

#[test]
fn without_a_baseline_it_ends_as_the_one_step_analysis() {
    let set = shop_set(7);
    let index = TraceIndex::build(&set);
    let config = Config::default();
    let (two, samples, first) = Analysis::in_two_steps(&set, &index, None, &config, Analysis::clone);
    assert!(samples.is_none(), "nothing to compare, nothing gathered");
    assert_eq!(two, Analysis::with_samples(&set, &index, None, &config));
    assert_first_step_is_all_but_findings(&first, &two);
}

#[test]
fn with_a_baseline_it_ends_as_the_one_step_comparison() {
    let (set, earlier) = (shop_set(7), shop_set(8));
    let index = TraceIndex::build(&set);
    let baseline = Samples::of(&earlier, &TraceIndex::build(&earlier));
    let config = Config::default();
    let (two, samples, first) = Analysis::in_two_steps(&set, &index, Some(&baseline), &config, Analysis::clone);
    let (one, one_samples) = Analysis::against_samples(&set, &index, &baseline, &config);
    assert_eq!(two, one);
    assert!(two.comparison.is_some(), "the first step already holds the comparison");
    assert_eq!(samples, Some(one_samples));
    assert_first_step_is_all_but_findings(&first, &two);
}
