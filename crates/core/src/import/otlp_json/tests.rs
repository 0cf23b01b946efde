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
