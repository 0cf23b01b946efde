//! Tells which format a file is from its content (the file name is only a
//! hint people get wrong): a light scan of the top-level JSON keys, without
//! building anything.

use super::Format;

/// What a file's content looks like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// A format Tracelens reads.
    Supported(Format),
    /// JSON of a known shape that is not (yet) supported; the text says what it is.
    Unsupported(String),
    /// JSON of no known trace shape; the text lists the top-level keys seen.
    UnknownJson(String),
    /// Not JSON at all; the text says what it seems to be.
    NotJson(String),
    /// Nothing but whitespace.
    Empty,
}

/// Classifies `bytes` by their first byte and top-level keys.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(start) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Sniffed::Empty;
    };
    let body = bytes.get(start..).unwrap_or_default();
    match body.first() {
        Some(b'{') => sniff_object(body),
        Some(b'[') => sniff_array(body),
        _ => Sniffed::NotJson(describe_binary(bytes)),
    }
}

fn sniff_object(body: &[u8]) -> Sniffed {
    let keys = top_level_keys(body);
    let has = |name: &str| keys.iter().any(|(k, _)| k == name);
    let value_start = |name: &str| keys.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    if has("resourceSpans") || has("resource_spans") || has("batches") {
        return Sniffed::Supported(Format::OtlpJson);
    }
    if has("data") {
        return match value_start("data") {
            Some(b'[') => Sniffed::Supported(Format::JaegerJson),
            Some(b'{') if has("state") || has("id") => Sniffed::Unsupported(
                "a Jaeger UI internal state dump ({\"data\": {...}, \"state\": ...}), not a Jaeger API response"
                    .to_owned(),
            ),
            _ => Sniffed::Unsupported("JSON with a \"data\" field that is not a list of traces".to_owned()),
        };
    }
    if has("traceID") && has("spans") {
        return Sniffed::Supported(Format::JaegerJson);
    }
    if has("result") {
        return Sniffed::Unsupported(
            "a Jaeger query api_v3 response ({\"result\": ...})".to_owned(),
        );
    }
    if has("processMap") || (has("spans") && !has("traceID")) {
        return Sniffed::Unsupported(
            "Jaeger api_v2 protobuf JSON (the storage model, with base64 IDs and \"vType\" tags)"
                .to_owned(),
        );
    }
    if has("traceId") && (has("localEndpoint") || has("timestamp") || has("remoteEndpoint")) {
        return Sniffed::Unsupported("a Zipkin v2 span".to_owned());
    }
    let names: Vec<&str> = keys.iter().take(8).map(|(k, _)| k.as_str()).collect();
    Sniffed::UnknownJson(format!("a JSON object with keys {}", quote_list(&names)))
}

fn sniff_array(body: &[u8]) -> Sniffed {
    let Some(first) = body.get(1..).and_then(|rest| {
        rest.iter()
            .position(|b| !b.is_ascii_whitespace())
            .map(|p| p + 1)
    }) else {
        return Sniffed::UnknownJson("an unterminated JSON array".to_owned());
    };
    match body.get(first) {
        Some(b']') => Sniffed::Supported(Format::JaegerJson),
        Some(b'{') => {
            let keys = top_level_keys(body.get(first..).unwrap_or_default());
            let has = |name: &str| keys.iter().any(|(k, _)| k == name);
            if has("traceID") && has("spans") {
                Sniffed::Supported(Format::JaegerJson)
            } else if has("traceId")
                && (has("localEndpoint") || has("timestamp") || has("remoteEndpoint"))
            {
                Sniffed::Unsupported("Zipkin v2 JSON (a list of spans)".to_owned())
            } else {
                let names: Vec<&str> = keys.iter().take(8).map(|(k, _)| k.as_str()).collect();
                Sniffed::UnknownJson(format!(
                    "a JSON list of objects with keys {}",
                    quote_list(&names)
                ))
            }
        }
        _ => Sniffed::UnknownJson("a JSON list that does not hold objects".to_owned()),
    }
}

fn quote_list(names: &[&str]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_binary(bytes: &[u8]) -> String {
    match bytes {
        [0x1f, 0x8b, ..] => "gzip-compressed data".to_owned(),
        [b'P', b'K', 3, 4, ..] => "a ZIP archive".to_owned(),
        _ if std::str::from_utf8(bytes.get(..bytes.len().min(512)).unwrap_or_default())
            .is_err() =>
        {
            "binary data, possibly OTLP protobuf".to_owned()
        }
        _ => {
            let text =
                String::from_utf8_lossy(bytes.get(..bytes.len().min(40)).unwrap_or_default());
            let line = text.lines().next().unwrap_or("").trim();
            format!("text starting with \"{line}\"")
        }
    }
}

/// Keys of the object starting at `body[0] == b'{'`, each with the first byte
/// of its value. Stops early once the object ends or on malformed input (the
/// real parser reports that with a position).
fn top_level_keys(body: &[u8]) -> Vec<(String, u8)> {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut i = 0usize;
    let mut expecting_key = false;
    while let Some(&b) = body.get(i) {
        match b {
            b'{' | b'[' => {
                depth += 1;
                expecting_key = depth == 1 && b == b'{';
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expecting_key = true,
            b'"' => {
                let end = string_end(body, i);
                if depth == 1 && expecting_key {
                    let key = String::from_utf8_lossy(body.get(i + 1..end).unwrap_or_default())
                        .into_owned();
                    let value = body
                        .get(end + 1..)
                        .unwrap_or_default()
                        .iter()
                        .copied()
                        .find(|c| !c.is_ascii_whitespace() && *c != b':')
                        .unwrap_or(b' ');
                    keys.push((key, value));
                    expecting_key = false;
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

/// Index of the closing quote of the string opening at `open`.
fn string_end(body: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while let Some(&b) = body.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_supported_shapes() {
        let otlp = br#" {"resourceSpans": [{"scopeSpans": []}]}"#;
        assert_eq!(sniff(otlp), Sniffed::Supported(Format::OtlpJson));
        let jaeger = br#"{"total": 0, "data": [{"traceID": "1", "spans": []}]}"#;
        assert_eq!(sniff(jaeger), Sniffed::Supported(Format::JaegerJson));
        let bare = br#"{"spans": [], "traceID": "1", "processes": {}}"#;
        assert_eq!(sniff(bare), Sniffed::Supported(Format::JaegerJson));
        let list = br#"[{"traceID": "1", "spans": []}]"#;
        assert_eq!(sniff(list), Sniffed::Supported(Format::JaegerJson));
    }

    #[test]
    fn keys_inside_strings_and_nested_objects_do_not_count() {
        let nested = br#"{"meta": {"resourceSpans": 1}, "note": "\"resourceSpans\":"}"#;
        assert!(matches!(sniff(nested), Sniffed::UnknownJson(_)));
    }

    #[test]
    fn names_what_it_is_not() {
        assert_eq!(sniff(b"  \n"), Sniffed::Empty);
        assert_eq!(
            sniff(&[0x1f, 0x8b, 8, 0]),
            Sniffed::NotJson("gzip-compressed data".to_owned())
        );
        assert!(matches!(sniff(b"hello world"), Sniffed::NotJson(t) if t.contains("hello world")));
        let ui_state = br#"{"data": {"spans": []}, "id": "x", "state": "FETCH_DONE"}"#;
        assert!(matches!(sniff(ui_state), Sniffed::Unsupported(t) if t.contains("state dump")));
    }
}
