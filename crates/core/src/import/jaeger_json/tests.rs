//! The streaming Jaeger reader against the serde reader it replaced, on the
//! fixtures, on generated files and on thousands of mangled copies of them:
//! the same files load, into the same model with the same report, and the
//! same files fail with the same message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::serde_oracle;
use crate::import::testing::{self, Outcome, TOKENS, compare, fixtures, mangle};
use crate::import::{Format, import_file_as};
use crate::model::TraceSet;

fn read_new(bytes: &[u8]) -> Outcome {
    testing::read_new(bytes, Format::JaegerJson)
}

fn read_old(bytes: &[u8]) -> Outcome {
    testing::read_old(bytes, Format::JaegerJson, serde_oracle::import)
}

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = fixtures(&["jaeger-ui-json", "jaeger-other"]);
    let spans = crate::synth::shop::generate(&crate::synth::shop::ShopConfig {
        traces: 3,
        ..Default::default()
    });
    seeds.push(crate::synth::encode(&spans, Format::JaegerJson));
    for doc in [
        // Every field, processes before spans, a span's own process, references of every kind.
        r#"{"data":[{"traceID":"00000000000000a1","processes":{"p1":{"serviceName":"api","tags":[{"key":"host","type":"string","value":"h"},{"key":"n","type":"int64","value":"12"}]},"p2":{"serviceName":""}},"spans":[{"traceID":"a1","spanID":"b1","operationName":"GET","references":[],"startTime":1700000000000000,"duration":"5","tags":[{"key":"span.kind","type":"string","value":"server"},{"key":"error","type":"bool","value":true},{"key":"otel.status_description","value":"boom"},{"key":"bin","type":"binary","value":"AAE="},{"key":"bad","type":"int64","value":"x"},{"key":"f","type":"float64","value":1.5},{"key":"big","value":18446744073709551615},{"key":"n","value":null}],"logs":[{"timestamp":1700000000000001,"fields":[{"key":"event","value":"retry"},{"key":"event","value":"again"},{"key":"k","value":-3}]},{"fields":null}],"processID":"p1","warnings":["clock skew"],"flags":1},{"traceID":"a1","spanID":"b2","parentSpanID":"b1","references":[{"refType":"FOLLOWS_FROM","traceID":"a1","spanID":"b1"},{"refType":"CHILD_OF","traceID":"ff","spanID":"c1"},{"refType":"CHILD_OF","traceID":"","spanID":"0"}],"startTime":1.7e15,"duration":2.5,"processID":"p2"},{"traceID":"a1","spanID":"b3","process":{"serviceName":"own","tags":null},"startTime":null,"duration":0}]}],"total":0,"limit":0,"offset":0,"errors":null}"#,
        // A bare trace, spans before processes; a bare list of traces.
        r#"{"traceID":"1","spans":[{"traceID":"1","spanID":"2","processID":"p9"},{"traceID":"0","spanID":"3"},{"traceID":"1","spanID":""},{"traceID":"1","spanID":"4","startTime":18446744073709551}],"processes":{"p9":{"serviceName":"late"}}}"#,
        r#"[{"spans":[{"traceID":"1","spanID":"2"}]},{"spans":[],"processes":{}}]"#,
        // `data` beside a bare trace: `data` wins, in either order.
        r#"{"spans":[{"traceID":"1","spanID":"2"}],"data":[{"spans":[{"traceID":"3","spanID":"4"}]}]}"#,
        r#"{"data":[{"spans":[{"traceID":"3","spanID":"4"}]}],"spans":[{"traceID":"1","spanID":"2"}],"processes":{"p":{}}}"#,
        r#"{"data":null,"spans":[{"traceID":"1","spanID":"2"}]}"#,
        // Structs written as arrays of their fields, as serde read them.
        r#"[[[["1","2",null,"op",[["CHILD_OF","1","3"]],"10","20",[["k","string","v"]],"p",null,[[5,[["event",null,"e"]]]],[],1]],{"p":["svc",[]]}]]"#,
    ] {
        seeds.push(doc.as_bytes().to_vec());
    }
    seeds
}

/// Keys and values particular to Jaeger, beside the shared [`TOKENS`].
const JAEGER_TOKENS: &[&[u8]] = &[
    b"\"data\":",
    b"\"traceID\":",
    b"\"spanID\":",
    b"\"parentSpanID\":",
    b"\"operationName\":",
    b"\"references\":",
    b"\"refType\":",
    b"\"CHILD_OF\"",
    b"\"startTime\":",
    b"\"duration\":",
    b"\"tags\":",
    b"\"type\":",
    b"\"int64\"",
    b"\"bool\"",
    b"\"binary\"",
    b"\"float64\"",
    b"\"logs\":",
    b"\"fields\":",
    b"\"timestamp\":",
    b"\"processID\":",
    b"\"process\":",
    b"\"processes\":",
    b"\"serviceName\":",
    b"\"warnings\":",
    b"\"span.kind\"",
    b"\"error\"",
];

/// Times with a fraction now read (to the nanosecond) where they were refused.
fn fraction_refused(old: &str) -> bool {
    old.contains("expected a non-negative integer, found ")
}

#[test]
fn fixtures_read_as_before() {
    for seed in seeds() {
        compare(&seed, read_new(&seed), read_old(&seed), fraction_refused);
    }
}

#[test]
fn mangled_documents_read_as_before() {
    let iterations = std::env::var("DIFF_ITERATIONS").map_or(3000, |v| v.parse().unwrap());
    let mut rng = fastrand::Rng::with_seed(std::env::var("DIFF_SEED").map_or(11, |v| v.parse().unwrap()));
    let seeds = seeds();
    let tokens: Vec<&[u8]> = TOKENS.iter().chain(JAEGER_TOKENS).copied().collect();
    let mut ok = 0;
    for _ in 0..iterations {
        let seed = &seeds[rng.usize(0..seeds.len())];
        let bytes = mangle(&mut rng, seed, &tokens);
        // Times with a fraction now read (to the nanosecond) where they were refused.
        if compare(&bytes, read_new(&bytes), read_old(&bytes), fraction_refused) {
            ok += 1;
        }
    }
    assert!(ok > iterations / 20, "too few mangled documents still read: {ok}");
}

#[test]
fn float_times_read_to_the_nanosecond() {
    let doc = br#"{"data":[{"spans":[{"traceID":"1","spanID":"2","startTime":1.559e+15,"duration":2.5},{"traceID":"1","spanID":"3","startTime":1559000000000000.0,"duration":"1e3"}]}]}"#;
    let mut set = TraceSet::new();
    import_file_as(&mut set, "floats.json", doc, Format::JaegerJson).unwrap();
    let times: Vec<(u64, u64)> = set.spans.iter().map(|s| (s.start.0, s.duration.0)).collect();
    assert_eq!(
        times,
        [
            (1_559_000_000_000_000_000, 2_500),
            (1_559_000_000_000_000_000, 1_000_000)
        ]
    );
}

/// Shapes the fast paths do not expect (keys escaped, reordered, spaced or
/// unknown; types not Jaeger's; an operation whose spans change their tags,
/// so the guesses from its last span are wrong) fall back to the general
/// reader and read as the serde reader did, errors included.
#[test]
fn unusual_shapes_read_as_before() {
    let span = |rest: &str| format!(r#"{{"data":[{{"spans":[{{"traceID":"1","spanID":"2",{rest}}}]}}]}}"#);
    let docs = [
        span(r#""logs":[{"timestamp":5,"fields":[{"key":"event","type":"string","value":"a"}]}]"#),
        span(r#""logs":[{"fields":[{"key":"event","type":"string","value":"a"}],"timestamp":5}]"#),
        span(r#""logs":[{"\u0066ields":[{"key":"event","value":"a"}], "timestamp" : 5}]"#),
        span(r#""logs":[{"fields":[],"extra":{"x":[1]},"timestamp":5}]"#),
        span(r#""logs":[{"fields":[],"fields":[],"timestamp":5}]"#),
        span(r#""logs":[{"timestamp":5,"timestamp":6}]"#),
        span(r#""logs":[{"timestamp" 5}]"#),
        span(r#""logs":[{"timestamp":"x"}]"#),
        span(r#""logs":[[5,[["event","string","a"]]]]"#),
        span(r#""logs":[[5,[],1]]"#),
        span(r#""references":[{"refType":"CHILD_OF","spanID":"3","traceID":"1"}]"#),
        span(r#""references":[{"spanID":"3","refType":"CHILD_OF","traceID":"1","x":null}]"#),
        span(r#""references":[{"r\u0065fType":"CHILD_OF","spanID":"3"}]"#),
        span(r#""references":[{"spanID":"3","spanID":"4"}]"#),
        span(r#""references":[{"spanID":3}]"#),
        span(r#""references":[["CHILD_OF","1","3"]]"#),
        span(r#""references":[["CHILD_OF","1","3","4"]]"#),
        span(r#""tags":[{"key":"a","type":"String","value":"1"},{"key":"b","type":"int6","value":"2"}]"#),
        span(r#""tags":[{"key":"a","type":"int64","value":"x"},{"key":"b","type":"stringy","value":1}]"#),
        span(r#""tags":[{"key":"a","type":"bool","value":"true"},{"key":"b","type":"float64","value":"1.5"}]"#),
        span(r#""tags":[{"key":"a","type":"binary","value":"AAE="},{"key":"b","type":"binary","value":"!"}]"#),
        span(r#""tags":[{"key":"a","type":"str\u0069ng","value":"v"}]"#),
        span(r#""tags":[{"key":"a","type":"string" ,"value":"v"}]"#),
        // One operation whose spans change their tags and name's service.
        r#"{"data":[{"processes":{"p1":{"serviceName":"a"},"p2":{"serviceName":"b"}},"spans":[
            {"operationName":"op","processID":"p1","spanID":"2","tags":[{"key":"k","type":"string","value":"v"},{"key":"l","type":"string","value":"w"}],"traceID":"1"},
            {"operationName":"op","processID":"p1","spanID":"3","tags":[{"key":"l","type":"string","value":"v"},{"key":"k","type":"string","value":"x"}],"traceID":"1"},
            {"operationName":"op","processID":"p2","spanID":"4","tags":[{"key":"k","type":"int64","value":7},{"key":"l","type":"string","value":"w"}],"traceID":"1"},
            {"tags":[{"key":"k","type":"string","value":"v"}],"operationName":"op","processID":"p1","spanID":"5","traceID":"1"},
            {"operationName":"op2","processID":"p1","spanID":"6","tags":[{"key":"k","type":"string","value":"v"},{"key":"l","type":"string","value":"w"}],"traceID":"1"}
        ]}]}"#
        .to_owned(),
    ];
    for doc in docs {
        compare(
            doc.as_bytes(),
            read_new(doc.as_bytes()),
            read_old(doc.as_bytes()),
            fraction_refused,
        );
    }
}
