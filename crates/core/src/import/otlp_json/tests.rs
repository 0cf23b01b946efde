//! The OTLP/JSON reader on inputs built to corner it: every truncation,
//! whitespace everywhere, nesting deeper than the limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::import::builder::Builder;
use crate::import::{FileReport, Format};
use crate::model::TraceSet;

/// The model dump of `bytes`, or the error's line, column, path and message.
fn read(bytes: &[u8]) -> Result<String, String> {
    let mut set = TraceSet::new();
    let mut builder = Builder::new(&mut set, FileReport::new("x", Format::OtlpJson, bytes.len()));
    match super::stream(bytes, &mut builder, None) {
        Ok(_) => {
            builder.finish();
            Ok(crate::dump::dump(&set))
        }
        Err(error) => {
            builder.abandon();
            let (line, column) = error.line_column(bytes);
            Err(format!("{line}:{column} ({}) {}", error.path(), error.detail()))
        }
    }
}

/// A small document with a value of every kind, written compactly.
const SMALL: &[u8] = br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeSpans":[{"scope":{"name":"s"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET \"/\" \u00e9","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":1700000000000001000,"attributes":[{"key":"i","value":{"intValue":"-3"}},{"key":"d","value":{"doubleValue":1.5}},{"key":"b","value":{"boolValue":true}},{"key":"a","value":{"arrayValue":{"values":[{"stringValue":"x"},{"kvlistValue":{"values":[{"key":"k","value":{"bytesValue":"AAE="}}]}}]}}},{"key":"n","value":null}],"events":[{"timeUnixNano":"1700000000000000500","name":"e"}],"links":[{"traceId":"5b8efff798038103d269b633813fc60d","spanId":"eee19b7ec3c1b175"}],"status":{"code":2,"message":"boom"},"unknown":[{"x":[1,{"y":null}]}]}]}]}]}"#;

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

/// A span whose attribute list is `attributes`.
fn with_attributes(attributes: &str) -> String {
    format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","attributes":[{attributes}]}}]}}]}}]}}"#
    )
}

/// Attributes written the usual way take a fast path (`usual_key_value`);
/// the same attributes with their keys swapped take the general one. Both
/// must read alike, and what the fast path gives up on must still be read.
#[test]
fn usual_attributes_read_as_the_general_reader_reads_them() {
    let values = [
        r#"{"stringValue":"GET"}"#,
        r#"{"stringValue":""}"#,
        r#"{"stringValue":"tab\tinside"}"#,
        r#"{"stringValue":"esc\"aped\u00e9"}"#,
        r#"{"intValue":"-42"}"#,
        r#"{"intValue":7}"#,
        r#"{"boolValue":false}"#,
        r#"{"doubleValue":"NaN"}"#,
        r#"{"doubleValue":2.5e3}"#,
        r#"{ "stringValue" : "spaced" }"#,
        r#"{"stringValue":"a","stringValue":"b"}"#,
        r#"{"intValue":1,"extra":[1]}"#,
        r#"{"bytesValue":"AAE="}"#,
        r#"{}"#,
        "null",
    ];
    for value in values {
        let usual = read(with_attributes(&format!(r#"{{"key":"k","value":{value}}}"#)).as_bytes());
        let swapped = read(with_attributes(&format!(r#"{{"value":{value},"key":"k"}}"#)).as_bytes());
        assert!(usual.is_ok(), "{value}: {usual:?}");
        assert_eq!(usual, swapped, "{value}");
    }
    // Keys the fast path does not expect, and escapes in the key.
    let extra = read(with_attributes(r#"{"key":"k","value":{"intValue":1},"note":0}"#).as_bytes());
    assert_eq!(
        extra,
        read(with_attributes(r#"{"key":"k","value":{"intValue":1}}"#).as_bytes())
    );
    let escaped = read(with_attributes(r#"{"key":"\u006b","value":{"intValue":1}}"#).as_bytes());
    assert_eq!(escaped, extra);
}

/// Errors inside a usual-looking attribute are the general reader's, with its
/// position and path.
#[test]
fn errors_in_usual_attributes_keep_their_place_and_message() {
    let cases = [
        (
            r#"{"key":"k","value":{"intValue":"x"}}"#,
            "value.intValue) expected an integer, found \"x\"",
        ),
        (
            r#"{"key":"k","value":{"boolValue":1}}"#,
            "value.boolValue) invalid type: integer `1`, expected a boolean",
        ),
        (r#"{"key":"k","key":"j","value":{}}"#, "key) duplicate field `key`"),
        (
            r#"{"key":7,"value":{}}"#,
            "key) invalid type: integer `7`, expected a string",
        ),
        (r#"{"key":"k","value":{"stringValue":"x"}"#, ") expected `,` or `}`"),
    ];
    for (attribute, expected) in cases {
        let error = read(with_attributes(attribute).as_bytes()).unwrap_err();
        let separator = if expected.starts_with(')') { "" } else { "." };
        assert!(
            error.contains(&format!("spans[0].attributes[0]{separator}{expected}")),
            "{attribute}: {error}"
        );
    }
}

/// Spans are read expecting the key order of the span before: spans whose
/// keys come in other orders, in protobuf's spelling, or with unknown keys,
/// read as each does alone, and errors keep their paths.
#[test]
fn spans_in_changing_key_orders_read_alike() {
    let fields = [
        r#""traceId":"5b8efff798038103d269b633813fc60c""#,
        r#""spanId":"eee19b7ec3c1b174""#,
        r#""name":"n""#,
        r#""kind":2"#,
        r#""startTimeUnixNano":"1700000000000000000""#,
        r#""endTimeUnixNano":"1700000000000001000""#,
        r#""attributes":[{"key":"k","value":{"intValue":1}}]"#,
        r#""status":{"code":2}"#,
    ];
    let span = |order: &[usize]| format!("{{{}}}", order.iter().map(|&i| fields[i]).collect::<Vec<_>>().join(","));
    let document = |spans: &[String]| {
        format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
            spans.join(",")
        )
    };
    let forward: Vec<usize> = (0..fields.len()).collect();
    let backward: Vec<usize> = forward.iter().rev().copied().collect();
    let one = read(document(&[span(&forward)]).as_bytes()).unwrap();
    let two = read(document(&[span(&forward), span(&forward)]).as_bytes()).unwrap();
    let variants = [
        span(&backward),
        span(&[3, 0, 6, 1, 7, 2, 5, 4]),
        span(&forward)
            .replace("traceId", "trace_id")
            .replace("startTimeUnixNano", "start_time_unix_nano"),
        span(&forward).replacen('{', r#"{"extra":[1,{"a":null}],"#, 1),
        span(&forward).replace(':', " : ").replace(',', " ,\n "),
    ];
    for (i, variant) in variants.iter().enumerate() {
        assert_eq!(
            read(document(std::slice::from_ref(variant)).as_bytes()),
            Ok(one.clone()),
            "variant {i}: {variant}"
        );
        // After a span in forward order, whose key order it then fails to follow.
        let after = read(document(&[span(&forward), variant.clone()]).as_bytes());
        assert_eq!(after, Ok(two.clone()), "variant {i}: {variant}");
    }
    // A duplicate key met on the expected-order path is an error, named as written.
    let twice = format!("{{{},{}}}", fields[0], fields[0]);
    let error = read(document(&[span(&forward), twice]).as_bytes()).unwrap_err();
    assert!(
        error.ends_with("(resourceSpans[0].scopeSpans[0].spans[1].traceId) duplicate field `traceId`"),
        "{error}"
    );
    let bad_kind = span(&forward).replace(r#""kind":2"#, r#""kind":2.5"#);
    let error = read(document(&[span(&forward), bad_kind]).as_bytes()).unwrap_err();
    assert!(
        error.contains("spans[1].kind) invalid type: floating point `2.5`"),
        "{error}"
    );
}
