//! Findings that stand out from their peers: endpoint names that keep routes
//! apart, one finding per root cause, and quiet on data with no pattern.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::import_file;

fn fixture(path: &str) -> Analysis {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(path);
    let mut set = TraceSet::new();
    import_file(&mut set, "input", &std::fs::read(path).unwrap()).unwrap();
    Analysis::of(&set)
}

fn endpoints(analysis: &Analysis) -> Vec<&str> {
    analysis.groups.endpoints.iter().map(|e| e.name.as_str()).collect()
}

#[test]
fn a_proxy_span_named_by_its_method_takes_the_route_from_its_url() {
    // The OTel demo's Envoy span is named `POST`, with `http.url` http://frontend-proxy:8080/api/checkout.
    let analysis = fixture("otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json");
    assert_eq!(endpoints(&analysis), ["POST /api/checkout"]);
    // Hipster shop: nginx names its span `/`; the URL says what was asked for.
    let analysis = fixture("jaeger-ui-json/jcchavezs__jaeger2zipkin__hipster-shop-envoy.json");
    assert_eq!(endpoints(&analysis), ["POST /cart/checkout"]);
}

#[test]
fn zipkin_paths_get_the_method_from_the_span_name() {
    // Brave names the span `get /login/tokenauth`, lower-cased, and tags only `http.path`.
    let analysis = fixture("zipkin-v2/zipkin__smartthings-mobile-web-install.json");
    assert_eq!(endpoints(&analysis), ["GET /login/tokenAuth"]);
}

#[test]
fn routes_stay_as_the_service_declared_them() {
    let analysis = fixture("otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl");
    let names = endpoints(&analysis);
    assert!(names.contains(&"DELETE /v1/projects/{projectId}"), "{names:?}");
    assert!(names.iter().all(|n| !n.contains("{id}")), "{names:?}");
}
