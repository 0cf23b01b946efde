//! The streaming Zipkin reader against the serde reader it replaced, on the
//! fixtures, on generated files and on thousands of mangled copies of them:
//! the same files load, into the same model with the same report, and the
//! same files fail with the same message. Then what the serde reader did not
//! read: `/api/v2/traces` answers and float times.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::serde_oracle;
use crate::import::testing::{self, Outcome, TOKENS, compare, fixtures, mangle};
use crate::import::{Format, import_file_as};
use crate::model::TraceSet;

fn read_new(bytes: &[u8]) -> Outcome {
    testing::read_new(bytes, Format::ZipkinJson)
}

fn read_old(bytes: &[u8]) -> Outcome {
    testing::read_old(bytes, Format::ZipkinJson, serde_oracle::import)
}

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = fixtures(&["zipkin-v2"]);
    let spans = crate::synth::shop::generate(&crate::synth::shop::ShopConfig {
        traces: 3,
        ..Default::default()
    });
    seeds.push(crate::synth::encode(&spans, Format::ZipkinJson));
    for doc in [
        // Every field; tags out of order and repeated; a shared server half and its child.
        r#"[{"traceId":"a1","id":"b1","name":"get","kind":"CLIENT","timestamp":1700000000000000,"duration":5,"localEndpoint":{"serviceName":"web","ipv4":"10.0.0.1","port":80},"remoteEndpoint":{"serviceName":"api","ipv6":"::1","port":8080},"annotations":[{"timestamp":1700000000000001,"value":"ws"},{"value":"x"}],"tags":{"z":"1","error":"boom","a":"2","z":"3","otel.status_code":"OK","otel.status_description":"d"}},{"traceId":"a1","id":"b1","kind":"SERVER","shared":true,"timestamp":1700000000000001,"duration":3,"localEndpoint":{"serviceName":"api"},"tags":{"error":""}},{"traceId":"a1","id":"c1","parentId":"b1","timestamp":1700000000000002,"duration":1,"localEndpoint":{"serviceName":"api"},"tags":{"error":"true"}},{"traceId":"0","id":"d1"},{"traceId":"a1","id":""},{"traceId":"a1","id":"e1","timestamp":18446744073709551,"duration":null},{"traceId":"a1","id":"f1","localEndpoint":null,"remoteEndpoint":{"ipv4":null,"port":null},"shared":null,"tags":null,"annotations":null}]"#,
        // Fragments of one span, merged.
        r#"[{"traceId":"a1","id":"b1","name":"","timestamp":10,"localEndpoint":{"serviceName":"s"},"tags":{"k":"1"}},{"traceId":"a1","id":"b1","name":"n","duration":7,"localEndpoint":{"serviceName":"s"},"tags":{"k":"2","j":"3"},"annotations":[{"timestamp":12,"value":"a"}]},{"traceId":"a1","id":"b1","kind":"CLIENT","timestamp":11,"duration":2,"localEndpoint":{"serviceName":"s"}},{"traceId":"0","id":"1"}]"#,
        // Compact, as the fast paths expect, and what makes them give up: escapes,
        // non-ASCII text, endpoint fields in another order, a port too large.
        r#"[{"traceId":"a1","id":"b1","name":"caf\u00e9","localEndpoint":{"serviceName":"web","ipv4":"10.0.0.1","port":80},"remoteEndpoint":{"serviceName":"api","ipv4":"10.0.0.2","ipv6":"::1","port":65535},"tags":{"k\"q":"v","é":"ü","a":"\t","b":"x"}},{"traceId":"a1","id":"c1","localEndpoint":{"port":80,"serviceName":"web"},"remoteEndpoint":{"serviceName":"été"},"tags":{}},{"traceId":"a1","id":"d1","localEndpoint":{"serviceName":"web","port":null},"tags":{"a":"1","a":"2"}}]"#,
        r#"[{"traceId":"a1","id":"b1","localEndpoint":{"serviceName":"web","port":65536}}]"#,
        // One span, alone.
        r#"{"traceId":"a1","id":"b1","timestamp":"1700000000000000","duration":"5"}"#,
        // Structs written as arrays of their fields, as serde read them.
        r#"{"traceId":"a1","id":"b1","localEndpoint":["svc","1.2.3.4",null,9],"annotations":[[5,"e"]]}"#,
    ] {
        seeds.push(doc.as_bytes().to_vec());
    }
    seeds
}

/// Keys and values particular to Zipkin, beside the shared [`TOKENS`].
const ZIPKIN_TOKENS: &[&[u8]] = &[
    b"\"traceId\":",
    b"\"id\":",
    b"\"parentId\":",
    b"\"kind\":",
    b"\"timestamp\":",
    b"\"duration\":",
    b"\"shared\":",
    b"\"localEndpoint\":",
    b"\"remoteEndpoint\":",
    b"\"serviceName\":",
    b"\"ipv4\":",
    b"\"port\":",
    b"\"annotations\":",
    b"\"tags\":",
    b"\"error\"",
    b"\"SERVER\"",
    b"\"CLIENT\"",
];

#[test]
fn fixtures_read_as_before() {
    for seed in seeds() {
        compare(&seed, read_new(&seed), read_old(&seed), |_| false);
    }
}

#[test]
fn mangled_documents_read_as_before() {
    let iterations = std::env::var("DIFF_ITERATIONS").map_or(3000, |v| v.parse().unwrap());
    let mut rng = fastrand::Rng::with_seed(std::env::var("DIFF_SEED").map_or(13, |v| v.parse().unwrap()));
    let seeds = seeds();
    let tokens: Vec<&[u8]> = TOKENS.iter().chain(ZIPKIN_TOKENS).copied().collect();
    let mut ok = 0;
    for _ in 0..iterations {
        let seed = &seeds[rng.usize(0..seeds.len())];
        let bytes = mangle(&mut rng, seed, &tokens);
        // A list nested in the list was a struct written as an array; it is a trace now.
        if holds_a_nested_list(&bytes) {
            continue;
        }
        if compare(&bytes, read_new(&bytes), read_old(&bytes), now_read_fraction) {
            ok += 1;
        }
    }
    assert!(ok > iterations / 20, "too few mangled documents still read: {ok}");
}

/// Whether an element of the top-level list is itself a list (at any place,
/// not only the first: mangling makes such lists anywhere).
fn holds_a_nested_list(bytes: &[u8]) -> bool {
    let (mut depth, mut in_string, mut escaped, mut element_starts) = (0u32, false, false, false);
    for &b in bytes {
        if in_string {
            (in_string, escaped) = (escaped || b != b'"', !escaped && b == b'\\');
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        if element_starts && depth == 1 && b == b'[' {
            return true;
        }
        element_starts = false;
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                element_starts = b == b'[' && depth == 1;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' => element_starts = depth == 1,
            _ => {}
        }
    }
    false
}

#[test]
fn nested_lists_are_found_where_mangling_puts_them() {
    assert!(holds_a_nested_list(b" [ [ {} ] ]"));
    assert!(holds_a_nested_list(br#"[{"a":"[x"}, [1]]"#));
    assert!(!holds_a_nested_list(br#"[{"a":[1]}, {"b":"\"[" }]"#));
    assert!(!holds_a_nested_list(br#"{"a":[[1]]}"#));
}

/// Times with a fraction now read (to the nanosecond) where they were refused.
fn now_read_fraction(old: &str) -> bool {
    old.contains("expected a non-negative integer, found ")
}

/// `/api/v2/traces` answers a list of traces, each the list of its spans.
#[test]
fn a_list_of_traces_reads_as_its_spans() {
    let flat = br#"[{"traceId":"a1","id":"b1","timestamp":10,"duration":5,"localEndpoint":{"serviceName":"s"}},{"traceId":"a2","id":"b2","timestamp":20,"duration":5,"localEndpoint":{"serviceName":"s"}},{"traceId":"a2","id":"b3","parentId":"b2","timestamp":21,"duration":1,"localEndpoint":{"serviceName":"s"}}]"#;
    let nested = br#"[[{"traceId":"a1","id":"b1","timestamp":10,"duration":5,"localEndpoint":{"serviceName":"s"}}],[{"traceId":"a2","id":"b2","timestamp":20,"duration":5,"localEndpoint":{"serviceName":"s"}},{"traceId":"a2","id":"b3","parentId":"b2","timestamp":21,"duration":1,"localEndpoint":{"serviceName":"s"}}],[]]"#;
    let (Outcome::Read(flat, ..), Outcome::Read(nested, ..)) = (read_new(flat), read_new(nested)) else {
        panic!("both read");
    };
    assert_eq!(flat, nested);
    assert_eq!(
        crate::import::sniff(nested_sniffed()),
        crate::import::Sniffed::Supported(Format::ZipkinJson)
    );
    // Rejections say which trace and which span.
    let mut set = TraceSet::new();
    let report = import_file_as(
        &mut set,
        "x",
        br#"[[],[{"traceId":"a1","id":"b1"},{"traceId":"0","id":"b2"}]]"#,
        Format::ZipkinJson,
    )
    .unwrap();
    let (_, tally) = report.rejected.iter().next().unwrap();
    assert_eq!(tally.example, "[1][1]: traceId is missing or zero");
}

fn nested_sniffed() -> &'static [u8] {
    br#" [ [ {"traceId":"a1","id":"b1","timestamp":10,"localEndpoint":{"serviceName":"s"}} ] ]"#
}

/// Some clients write times as floats: with an exponent, or with `.0`.
#[test]
fn float_times_read_to_the_nanosecond() {
    let doc = br#"[{"traceId":"a1","id":"b1","timestamp":1.559e+15,"duration":2.5e3},{"traceId":"a1","id":"b2","timestamp":1559000000000000.0,"duration":0.5,"annotations":[{"timestamp":1.5590000000000001e15,"value":"v"}]}]"#;
    let mut set = TraceSet::new();
    import_file_as(&mut set, "floats.json", doc, Format::ZipkinJson).unwrap();
    let times: Vec<(u64, u64)> = set.spans.iter().map(|s| (s.start.0, s.duration.0)).collect();
    assert_eq!(
        times,
        [(1_559_000_000_000_000_000, 2_500_000), (1_559_000_000_000_000_000, 500)]
    );
}
