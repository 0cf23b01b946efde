//! Findings that stand out from their peers: endpoint names that keep routes
//! apart, one finding per root cause, and quiet on data with no pattern.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use tracelens_core::TraceSet;
use tracelens_core::analysis::{Analysis, groups};
use tracelens_core::import::import_file;
use tracelens_core::model::SpanKind;
use tracelens_core::synth::random::RandomConfig;

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

/// The SmartThings capture, loaded.
fn smartthings() -> TraceSet {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/zipkin-v2/zipkin__smartthings-mobile-web-install.json");
    let mut set = TraceSet::new();
    import_file(&mut set, "input", &std::fs::read(path).unwrap()).unwrap();
    set
}

#[test]
fn zipkin_paths_get_the_method_from_the_span_name() {
    // Brave names the span `get /login/tokenauth`, lower-cased, and tags only `http.path`.
    // The capture is a session (minutes of work after the login answered), so it
    // has no endpoint row: ask for the name its entry span would give.
    let set = smartthings();
    let login = (0..set.spans.len() as u32)
        .find(|&i| set.str(set.spans[i as usize].name) == "get /login/tokenauth")
        .unwrap();
    assert_eq!(groups::endpoint_name(&set, login), "GET /login/tokenAuth");
}

#[test]
fn spans_named_only_by_their_method_are_named_by_their_path_as_units() {
    // `stLogin` names every server span `get`: its page, its asset downloads
    // and its API calls. As units of work they are told apart by `http.path`,
    // recorded without its leading slash; a name that is more than a method
    // stays as it is, its IDs folded.
    let set = smartthings();
    let unit_name = |i: u32| {
        let mut name = String::new();
        groups::unit_name(&set, i, &mut name);
        name
    };
    let mut names: Vec<String> = (0..set.spans.len() as u32)
        .filter(|&i| {
            let span = &set.spans[i as usize];
            set.str(span.service) == "stLogin" && set.str(span.name) == "get" && span.kind == SpanKind::Server
        })
        .map(unit_name)
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(names.contains(&"GET /api/oauth/authorize".to_owned()), "{names:?}");
    assert!(names.contains(&"GET /oauth/authorize".to_owned()), "{names:?}");
    let login = (0..set.spans.len() as u32)
        .find(|&i| set.str(set.spans[i as usize].name) == "get /login/tokenauth")
        .unwrap();
    assert_eq!(unit_name(login), "get /login/tokenauth");
}

#[test]
fn routes_stay_as_the_service_declared_them() {
    let analysis = fixture("otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl");
    let names = endpoints(&analysis);
    assert!(names.contains(&"DELETE /v1/projects/{projectId}"), "{names:?}");
    assert!(names.iter().all(|n| !n.contains("{id}")), "{names:?}");
}

mod random {
    use tracelens_core::TraceSet;
    use tracelens_core::analysis::Analysis;
    use tracelens_core::analysis::detectors::{Finding, Severity};
    use tracelens_core::import::{Format, import_file};
    use tracelens_core::synth::encode;
    use tracelens_core::synth::random::{RandomConfig, generate};

    pub fn findings(config: &RandomConfig) -> Vec<Finding> {
        let mut set = TraceSet::new();
        import_file(&mut set, "random", &encode(&generate(config), Format::OtlpJson)).unwrap();
        Analysis::of(&set).findings
    }

    pub fn summary(findings: &[Finding]) -> String {
        let critical = findings.iter().filter(|f| f.severity == Severity::Critical).count();
        let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
        for f in findings {
            *by.entry(f.detector.name()).or_default() += 1;
        }
        let lines: Vec<String> = findings
            .iter()
            .take(12)
            .map(|f| format!("  [{:?}] {}", f.severity, f.explanation))
            .collect();
        format!(
            "{} findings ({critical} critical): {by:?}\n{}",
            findings.len(),
            lines.join("\n")
        )
    }
}

/// Noisy but healthy: what a handful of findings may say, and what none may.
fn assert_quiet(findings: &[tracelens_core::analysis::detectors::Finding], case: &str) {
    use tracelens_core::analysis::detectors::Severity;
    let summary = random::summary(findings);
    assert!(findings.len() <= 4, "{case}: {summary}");
    assert!(
        findings.iter().all(|f| f.severity != Severity::Critical),
        "{case}: {summary}"
    );
}

#[test]
fn a_thousand_random_traces_with_heavy_tails_everywhere_say_so_once() {
    // 1,000 traces × 50 spans over 20 services, every duration log-normal
    // (p99 about 25× p50): 60 critical long tails before, one per operation.
    let findings = random::findings(&RandomConfig::default());
    assert_quiet(&findings, "1,000 × 50 spans");
    let system: Vec<_> = findings.iter().filter(|f| f.detector == "long_tail").collect();
    assert_eq!(system.len(), 1, "{}", random::summary(&findings));
    assert!(
        system[0]
            .explanation
            .starts_with("Latency has a heavy tail across the system"),
        "{}",
        system[0].explanation
    );
}

#[test]
// Under WASI a debug build takes half a minute here, and what it checks
// (quiet on noise) does not depend on the word size: the 1,000-trace case
// above runs on every target.
#[cfg_attr(target_os = "wasi", ignore = "slow under WASI; runs on the host")]
fn one_large_random_trace_is_quiet_too() {
    // One trace of 100,000 spans (about 6 s in a debug build).
    let findings = random::findings(&RandomConfig {
        traces: 1,
        spans_per_trace: 100_000,
        ..RandomConfig::default()
    });
    assert_quiet(&findings, "1 × 100,000 spans");
}

#[test]
fn a_tail_inside_one_trace_is_that_traces_story_not_a_long_tail() {
    // SmartThings: one `post` call in `platformapi` took 352 ms against 12.5 ms
    // typically (28×, where the median operation's tail is 4×). But all 30
    // spans come from one trace, and the 352 ms is the client waiting on its
    // server half (21 ms): no tail users meet. A long tail takes 3 traces.
    let analysis = fixture("zipkin-v2/zipkin__smartthings-mobile-web-install.json");
    let tails: Vec<_> = analysis.findings.iter().filter(|f| f.detector == "long_tail").collect();
    assert!(tails.is_empty(), "{tails:#?}");
    let post = analysis
        .groups
        .operations
        .iter()
        .find(|o| o.service == "platformapi" && o.name == "post")
        .unwrap();
    assert!(
        post.self_time.count >= 20 && post.self_time.p99.0 >= 5 * post.self_time.p50.0,
        "the tail is there"
    );
}

mod merged {
    //! Capture-shaped: a checkout and a subscription both wait on one slow
    //! payment provider call, as a shop's traces would show it.
    use tracelens_core::TraceSet;
    use tracelens_core::analysis::Analysis;
    use tracelens_core::import::{Format, import_file};
    use tracelens_core::model::SpanKind;
    use tracelens_core::synth::{SynthSpan, SynthValue, encode};

    fn request(trace: u128, start: u64, route: &'static str, spans: &mut Vec<SynthSpan>) {
        let ms = 1_000_000;
        let server = |id, parent, service, name: &str, kind, from: u64, to: u64, attributes| SynthSpan {
            trace_id: trace,
            span_id: id,
            parent_span_id: parent,
            service,
            name: name.to_owned(),
            kind,
            start_ns: start + from * ms,
            end_ns: start + to * ms,
            error: None,
            attributes,
        };
        let route_attributes = vec![
            ("http.route", SynthValue::Str(route.to_owned())),
            ("http.request.method", SynthValue::Str("POST".to_owned())),
        ];
        spans.push(server(
            1,
            None,
            "shop",
            &format!("POST {route}"),
            SpanKind::Server,
            0,
            130,
            route_attributes,
        ));
        spans.push(server(
            2,
            Some(1),
            "shop",
            "POST /v1/charges",
            SpanKind::Client,
            10,
            120,
            Vec::new(),
        ));
        spans.push(server(
            3,
            Some(2),
            "payment",
            "POST /v1/charges",
            SpanKind::Server,
            11,
            119,
            Vec::new(),
        ));
    }

    fn fast(trace: u128, start: u64, route: &'static str, spans: &mut Vec<SynthSpan>) {
        spans.push(SynthSpan {
            trace_id: trace,
            span_id: 1,
            parent_span_id: None,
            service: "shop",
            name: format!("GET {route}"),
            kind: SpanKind::Server,
            start_ns: start,
            end_ns: start + 8_000_000,
            error: None,
            attributes: vec![
                ("http.route", SynthValue::Str(route.to_owned())),
                ("http.request.method", SynthValue::Str("GET".to_owned())),
            ],
        });
    }

    pub fn analysis() -> Analysis {
        let mut spans = Vec::new();
        let base = 1_700_000_000_000_000_000u64;
        let mut trace = 1u128;
        for i in 0..10u64 {
            let start = base + i * 1_000_000_000;
            for (route, slow) in [
                ("/checkout", true),
                ("/subscriptions", true),
                ("/products", false),
                ("/cart", false),
                ("/home", false),
            ] {
                if slow {
                    request(trace, start, route, &mut spans);
                } else {
                    fast(trace, start, route, &mut spans);
                }
                trace += 1;
            }
        }
        let mut set = TraceSet::new();
        import_file(&mut set, "shop", &encode(&spans, Format::OtlpJson)).unwrap();
        Analysis::of(&set)
    }
}

#[test]
fn one_slow_call_behind_two_slow_endpoints_is_one_finding() {
    let analysis = merged::analysis();
    let findings: Vec<_> = analysis
        .findings
        .iter()
        .map(|f| {
            (
                f.detector.name(),
                f.subject.service.as_str(),
                f.subject.operation.as_str(),
            )
        })
        .collect();
    // Before: two bottlenecks (one per endpoint) and two slow endpoints.
    assert_eq!(
        findings,
        [("bottleneck", "payment", "POST /v1/charges")],
        "{:#?}",
        analysis.findings
    );
    let finding = &analysis.findings[0];
    assert!(
        finding.explanation.contains("; also in `POST /"),
        "{}",
        finding.explanation
    );
    // The report names it by both endpoints, not the costlier one alone
    // (its subject's endpoint, which keys it).
    let endpoint = finding.subject.endpoint.as_deref().unwrap();
    assert_eq!(
        finding.subject.named(),
        format!("`POST /v1/charges` in `payment` under `{endpoint}` and 1 other endpoint")
    );
    assert!(
        finding.explanation.contains("16× the median endpoint (8.00ms)"),
        "{}",
        finding.explanation
    );
    assert_eq!((finding.impact.requests, finding.impact.of_requests), (20, 20));
    let endpoints: std::collections::BTreeSet<u128> = finding.evidence.iter().map(|e| e.trace_id.0 % 5).collect();
    assert_eq!(
        endpoints.len(),
        2,
        "evidence from both endpoints: {:#?}",
        finding.evidence
    );
}
