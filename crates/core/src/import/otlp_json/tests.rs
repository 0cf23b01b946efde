//! The scanning reader against the serde reader it replaced, on fixtures and
//! on thousands of mangled copies of them: the same files load, into the same
//! model with the same report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::serde_oracle;
use crate::import::builder::Builder;
use crate::import::{FileReport, Format};
use crate::model::TraceSet;
use std::path::PathBuf;

type Outcome = Result<(String, FileReport, usize), String>;

fn read_new(bytes: &[u8]) -> Outcome {
    let mut set = TraceSet::new();
    let mut builder = Builder::new(&mut set, FileReport::new("x", Format::OtlpJson, bytes.len()));
    match super::stream(bytes, &mut builder, None) {
        Ok(_) => {
            let report = builder.finish();
            Ok((crate::dump::dump(&set), report, set.strings.len()))
        }
        Err(error) => {
            builder.abandon();
            let (line, column) = error.line_column(bytes);
            Err(format!("{line}:{column} ({}) {}", error.path(), error.detail()))
        }
    }
}

fn read_old(bytes: &[u8]) -> Outcome {
    let mut set = TraceSet::new();
    let mut builder = Builder::new(&mut set, FileReport::new("x", Format::OtlpJson, bytes.len()));
    match serde_oracle::stream(bytes, &mut builder, None) {
        Ok(_) => {
            let report = builder.finish();
            Ok((crate::dump::dump(&set), report, set.strings.len()))
        }
        Err(error) => {
            builder.abandon();
            let mut deserializer = serde_json::Deserializer::from_slice(bytes);
            let path = match serde_path_to_error::deserialize::<_, serde_oracle::TracesData>(&mut deserializer) {
                Err(traced) => traced.path().to_string(),
                Ok(_) => String::new(),
            };
            let detail = crate::import::error::strip_position(&error.to_string());
            Err(format!("{}:{} ({path}) {detail}", error.line(), error.column()))
        }
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut seeds = Vec::new();
    for sub in ["otlp-json", "otlp-json-invalid", "otlp-json-nonconformant", "broken"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            seeds.push(std::fs::read(entry.unwrap().path()).unwrap());
        }
    }
    let spans = crate::synth::shop::generate(&crate::synth::shop::ShopConfig {
        traces: 3,
        ..Default::default()
    });
    seeds.push(crate::synth::otlp_json::write(&spans).into_bytes());
    seeds.push(crate::synth::otlp_json::write_compact(&spans).into_bytes());
    seeds.push(
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"a","value":{"arrayValue":{"values":[{"intValue":"5"},{"kvlistValue":{"values":[{"key":"k","value":{"doubleValue":"NaN"}}]}},{"bytesValue":"AAE="}]}}}],"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","kind":"SPAN_KIND_SERVER","links":[{"traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ=","traceState":"a=b","attributes":[{"key":"l","value":{"boolValue":true}}]},{"traceId":"x","spanId":"y","attributes":[{"key":"gone","value":{"stringValue":"gone"}}]}],"events":[{"timeUnixNano":1700000000000000000,"name":"e","attributes":[{"key":"ev","value":{"stringValue":"v"}}]}],"status":{"code":"STATUS_CODE_ERROR","message":"boom"},"flags":769,"droppedAttributesCount":1,"traceState":"t=1","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":1.7e18}],"scope":{"name":"s","version":"1","attributes":[{"key":"sa","value":{}}]}}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}],"droppedAttributesCount":2}}]}"#.to_vec(),
    );
    // serde's derived readers also took a struct as an array of its fields.
    for doc in [
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","status":[2,"m"]}]}]}]}"#,
        r#"{"resourceSpans":[{"scopeSpans":[{"scope":["n","v",[["k",{"intValue":1}]]],"spans":[["5b8efff798038103d269b633813fc60c","eee19b7ec3c1b174",null,null,1,"op",2,"1","2",[],0,[["3","e",[]]],0,[["5b8efff798038103d269b633813fc60c","eee19b7ec3c1b174","",[]]],0,[1]]]}]}]}"#,
        r#"{"resourceSpans":[{"resource":[[["service.name",{"stringValue":"x"}]],3],"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","attributes":[["a",{"arrayValue":[[{"boolValue":false}]]}]]}]}]}]}"#,
    ] {
        seeds.push(doc.as_bytes().to_vec());
    }
    seeds
}

/// Pieces to splice into documents: values of every JSON type, keys of every
/// OTLP field, and broken syntax.
const TOKENS: &[&[u8]] = &[
    b"null",
    b"true",
    b"false",
    b"0",
    b"-0",
    b"1",
    b"-1",
    b"1.5",
    b"1e400",
    b"-1e3",
    b"18446744073709551616",
    b"4294967296",
    b"\"\"",
    b"\"x\"",
    b"\"12\"",
    b"\"-3\"",
    b"\"+4\"",
    b"\"\\u0041\"",
    b"\"\\ud800\"",
    b"\"\\udc00x\"",
    b"\"\\n\"",
    b"\"\x01\"",
    b"[]",
    b"{}",
    b"[1]",
    b"{\"a\":1}",
    b",",
    b":",
    b"]",
    b"}",
    b"[",
    b"{",
    b"\"",
    b"\\",
    b" ",
    b"\n",
    b"\"traceId\":",
    b"\"spanId\":",
    b"\"parentSpanId\":",
    b"\"kind\":",
    b"\"name\":",
    b"\"status\":",
    b"\"code\":",
    b"\"message\":",
    b"\"attributes\":",
    b"\"key\":",
    b"\"value\":",
    b"\"stringValue\":",
    b"\"intValue\":",
    b"\"doubleValue\":",
    b"\"boolValue\":",
    b"\"arrayValue\":",
    b"\"values\":",
    b"\"kvlistValue\":",
    b"\"bytesValue\":",
    b"\"events\":",
    b"\"links\":",
    b"\"resource\":",
    b"\"scope\":",
    b"\"spans\":",
    b"\"scopeSpans\":",
    b"\"resourceSpans\":",
    b"\"result\":",
    b"\"flags\":",
    b"\"startTimeUnixNano\":",
    b"\"timeUnixNano\":",
    b"\"traceState\":",
    b"\"droppedLinksCount\":",
    b"\"service.name\"",
    b"\"5b8efff798038103d269b633813fc60c\"",
    b"\"eee19b7ec3c1b174\"",
    b"\"0000000000000000\"",
    b"\"SPAN_KIND_CLIENT\"",
    b"\"\xff\xfe\"",
    b"\"caf\xc3\xa9\"",
    b"\"resourceLogs\":",
    b"\"resourceMetrics\":",
    b"\"batches\":",
];

fn mangle(rng: &mut fastrand::Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..rng.usize(1..4) {
        let at = rng.usize(0..=bytes.len());
        match rng.u8(0..6) {
            0 => bytes.truncate(at),
            1 => {
                let end = (at + rng.usize(0..40)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 | 3 => {
                let token = TOKENS[rng.usize(0..TOKENS.len())];
                bytes.splice(at..at, token.iter().copied());
            }
            4 => {
                // Replace the value after a colon with a token.
                if let Some(colon) = bytes.iter().skip(at).position(|&b| b == b':').map(|p| p + at + 1) {
                    let end = bytes
                        .iter()
                        .skip(colon)
                        .position(|&b| b == b',' || b == b'}')
                        .map_or(bytes.len(), |p| p + colon);
                    let token = TOKENS[rng.usize(0..TOKENS.len())];
                    bytes.splice(colon..end, token.iter().copied());
                }
            }
            _ => {
                // Duplicate a slice (duplicate keys, repeated elements).
                let end = (at + rng.usize(0..80)).min(bytes.len());
                let piece: Vec<u8> = bytes[at..end].to_vec();
                bytes.splice(at..at, piece);
            }
        }
    }
    bytes
}

#[test]
fn fixtures_read_as_before() {
    for seed in seeds() {
        let (new, old) = (read_new(&seed), read_old(&seed));
        assert_eq!(new.is_ok(), old.is_ok(), "{new:?}\n{old:?}");
        if let (Ok(new), Ok(old)) = (new, old) {
            assert_eq!(new, old);
        }
    }
}

#[test]
fn mangled_documents_read_as_before() {
    let iterations = std::env::var("DIFF_ITERATIONS").map_or(3000, |v| v.parse().unwrap());
    let mut rng = fastrand::Rng::with_seed(std::env::var("DIFF_SEED").map_or(7, |v| v.parse().unwrap()));
    let seeds = seeds();
    let (mut ok, mut messages_differ) = (0, 0);
    for _ in 0..iterations {
        let seed = &seeds[rng.usize(0..seeds.len())];
        let bytes = mangle(&mut rng, seed);
        let (new, old) = (read_new(&bytes), read_old(&bytes));
        match (&new, &old) {
            (Ok(a), Ok(b)) => {
                ok += 1;
                assert!(a == b, "different models for {}", String::from_utf8_lossy(&bytes));
            }
            (Err(a), Err(b)) => {
                if a != b {
                    messages_differ += 1;
                    if std::env::var("DIFF_SHOW").is_ok() {
                        eprintln!("new: {a}\nold: {b}\n");
                    }
                }
            }
            _ => panic!(
                "one reader failed: new {new:?}\nold {old:?}\ninput {}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }
    eprintln!("{iterations} documents: {ok} read, {messages_differ} errors worded differently");
}

/// A small document with a value of every kind, written compactly.
const SMALL: &[u8] = br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeSpans":[{"scope":{"name":"s"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET \"/\" \u00e9","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":1700000000000001000,"attributes":[{"key":"i","value":{"intValue":"-3"}},{"key":"d","value":{"doubleValue":1.5}},{"key":"b","value":{"boolValue":true}},{"key":"a","value":{"arrayValue":{"values":[{"stringValue":"x"},{"kvlistValue":{"values":[{"key":"k","value":{"bytesValue":"AAE="}}]}}]}}},{"key":"n","value":null}],"events":[{"timeUnixNano":"1700000000000000500","name":"e"}],"links":[{"traceId":"5b8efff798038103d269b633813fc60d","spanId":"eee19b7ec3c1b175"}],"status":{"code":2,"message":"boom"},"unknown":[{"x":[1,{"y":null}]}]}]}]}]}"#;

fn read(bytes: &[u8]) -> Result<String, String> {
    read_new(bytes).map(|(dump, _, _)| dump)
}

#[test]
fn every_truncation_is_an_error_and_adds_nothing() {
    let whole = read(SMALL).unwrap();
    assert!(whole.contains("GET \"/\" é"), "{whole}");
    for cut in 0..SMALL.len() {
        let mut set = TraceSet::new();
        let result = crate::import::import_file_as(&mut set, "cut.json", &SMALL[..cut], Format::OtlpJson);
        let error = result.expect_err("a strict prefix is never a whole document");
        assert!(
            error
                .to_string()
                .starts_with("cut.json: invalid OTLP JSON at line 1, column "),
            "{error}"
        );
        assert!(set.spans.is_empty() && set.strings.is_empty() && set.attributes.is_empty());
    }
}

#[test]
fn whitespace_anywhere_between_tokens_changes_nothing() {
    let whole = read(SMALL).unwrap();
    let mut spaced = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for &b in SMALL {
        let structural = !in_string && matches!(b, b'{' | b'}' | b'[' | b']' | b':' | b',');
        if structural {
            spaced.extend_from_slice(b" \n\t\r");
        }
        spaced.push(b);
        if structural {
            spaced.extend_from_slice(b"\r\n ");
        }
        match (in_string, escaped, b) {
            (true, false, b'\\') => escaped = true,
            (_, false, b'"') => in_string = !in_string,
            _ => escaped = false,
        }
    }
    assert_eq!(read(&spaced), Ok(whole));
}

#[test]
fn deep_attribute_values_are_an_error_not_a_stack_overflow() {
    let nested = |depth: usize| {
        let open = r#"{"arrayValue":{"values":["#.repeat(depth);
        let close = "]}}".repeat(depth);
        format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","attributes":[{{"key":"deep","value":{open}{{"intValue":1}}{close}}}]}}]}}]}}]}}"#
        )
    };
    // Nine levels of the document, then three per array: 39 arrays fit under serde_json's 128.
    assert!(read(nested(39).as_bytes()).is_ok());
    assert!(read_old(nested(39).as_bytes()).is_ok() && read_old(nested(40).as_bytes()).is_err());
    let error = read(nested(40).as_bytes()).unwrap_err();
    assert!(error.ends_with("recursion limit exceeded"), "{error}");
    let error = read(nested(100_000).as_bytes()).unwrap_err();
    assert!(error.ends_with("recursion limit exceeded"), "{error}");
    // Nested `result` wrappers count too.
    let wrapped = format!("{}null{}", r#"{"result":"#.repeat(100_000), "}".repeat(100_000));
    assert!(
        read(wrapped.as_bytes())
            .unwrap_err()
            .ends_with("recursion limit exceeded")
    );
}
