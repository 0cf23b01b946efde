//! The example the site ships (`www/examples/shop.otlp.json`, behind the
//! "Load example" button) is the generator's output, not a hand-edited file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::import_file;
use tracelens_core::model::StatusCode;
use tracelens_core::synth::{otlp_json, shop};

const SHIPPED: &str = include_str!("../../../www/examples/shop.otlp.json");

#[test]
fn shipped_example_is_the_generators_output() {
    let generated = otlp_json::write_compact(&shop::generate(&shop::ShopConfig::default()));
    assert!(
        generated == SHIPPED,
        "www/examples/shop.otlp.json is stale: run `cargo run -p tracelens-cli -- generate --compact --out www/examples/shop.otlp.json`"
    );
}

#[test]
fn example_has_a_few_thousand_spans_over_several_services_and_endpoints() {
    let mut set = TraceSet::new();
    let report = import_file(&mut set, "shop.otlp.json", SHIPPED.as_bytes()).unwrap();
    assert_eq!((report.spans_read, report.spans_kept), (3918, 3918));
    assert!(report.warnings.is_empty() && report.rejected.is_empty());
    let analysis = Analysis::of(&set);
    assert_eq!(analysis.overview.traces, 400);
    assert_eq!(
        analysis.overview.services,
        [
            "accounts",
            "cart",
            "catalog",
            "checkout",
            "frontend",
            "orders",
            "payment",
            "recommendations"
        ]
    );
    let endpoints: std::collections::BTreeSet<&str> =
        analysis.traces.iter().map(|t| t.root_operation.as_str()).collect();
    assert_eq!(
        endpoints.into_iter().collect::<Vec<_>>(),
        [
            "GET /api/cart",
            "GET /api/home",
            "GET /api/orders",
            "GET /api/products/{id}",
            "GET /api/recommendations",
            "GET /api/search",
            "POST /api/cart/items",
            "POST /api/checkout"
        ]
    );
    assert!(
        set.spans.iter().any(|s| s.status == StatusCode::Error),
        "some checkouts fail"
    );
    let links = analysis.link_warnings;
    assert_eq!(
        (
            links.orphans,
            links.duplicate_span_ids,
            links.child_starts_before_parent
        ),
        (0, 0, 0)
    );
}
