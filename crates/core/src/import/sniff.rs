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
    /// Gzip-compressed: decompress, then sniff again.
    Gzip,
    /// Text in an encoding other than UTF-8 (UTF-16 or UTF-32, which some
    /// Windows tools write); the text names it.
    OtherEncoding(&'static str),
    /// Nothing but whitespace.
    Empty,
}

/// Classifies `bytes` by their first byte and top-level keys.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Sniffed::Gzip;
    }
    if let Some(encoding) = wide_text(bytes) {
        return Sniffed::OtherEncoding(encoding);
    }
    if let Some(what) = known_binary(bytes) {
        return Sniffed::NotJson(what.to_owned());
    }
    if looks_binary(bytes) {
        return if looks_like_protobuf(bytes) {
            Sniffed::Supported(Format::OtlpProtobuf)
        } else {
            Sniffed::NotJson(describe_binary(bytes))
        };
    }
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
    let keys = top_level_keys(body, OTLP_TRACES);
    let has = |name: &str| keys.iter().any(|(k, _)| k == name);
    let value_start = |name: &str| keys.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    let otlp_record = ["resourceSpans", "resource_spans", "resourceLogs", "resourceMetrics"];
    // The reader notices JSON Lines of traces by itself (see `second_line_is_otlp_record`),
    // so for those a short look suffices; a first line of logs must be looked past here.
    let window = if has("resourceSpans") || has("resource_spans") {
        TRACES_LINE_WINDOW
    } else {
        KEY_SCAN_LIMIT
    };
    if otlp_record.iter().any(|k| has(k)) && second_line_is_otlp_record(body, window) {
        return Sniffed::Supported(Format::OtlpJsonLines);
    }
    if has("resourceSpans") || has("resource_spans") || has("batches") {
        return Sniffed::Supported(Format::OtlpJson);
    }
    if has("resourceLogs") || has("resourceMetrics") {
        return Sniffed::Unsupported("OTLP logs or metrics, not traces".to_owned());
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
    if has("result") && value_start("result") == Some(b'{') {
        // Jaeger query api_v3: {"result": {"resourceSpans": [...]}}.
        return Sniffed::Supported(Format::OtlpJson);
    }
    if has("processMap") || (has("spans") && !has("traceID")) {
        return Sniffed::Unsupported(
            "Jaeger api_v2 protobuf JSON (the storage model, with base64 IDs and \"vType\" tags)".to_owned(),
        );
    }
    if has("traceId") && (has("localEndpoint") || has("timestamp") || has("remoteEndpoint")) {
        return Sniffed::Supported(Format::ZipkinJson);
    }
    let names: Vec<&str> = keys.iter().take(8).map(|(k, _)| k.as_str()).collect();
    Sniffed::UnknownJson(format!("a JSON object with keys {}", quote_list(&names)))
}

/// What a JSON list holds. Zipkin's `/api/v2/traces` nests one list in
/// another; deeper lists are no format, and are not followed (a file of a
/// million `[` would otherwise recurse a million times).
fn sniff_array(body: &[u8]) -> Sniffed {
    sniff_list(body, false)
}

fn sniff_list(body: &[u8], inside_list: bool) -> Sniffed {
    let Some(first) = body
        .get(1..)
        .and_then(|rest| rest.iter().position(|b| !b.is_ascii_whitespace()).map(|p| p + 1))
    else {
        return Sniffed::UnknownJson("an unterminated JSON array".to_owned());
    };
    match body.get(first) {
        Some(b']') => Sniffed::Supported(Format::JaegerJson),
        Some(b'{') => {
            let keys = top_level_keys(body.get(first..).unwrap_or_default(), &[]);
            let has = |name: &str| keys.iter().any(|(k, _)| k == name);
            if has("traceID") && has("spans") {
                Sniffed::Supported(Format::JaegerJson)
            } else if has("traceId") && (has("localEndpoint") || has("timestamp") || has("remoteEndpoint")) {
                Sniffed::Supported(Format::ZipkinJson)
            } else {
                let names: Vec<&str> = keys.iter().take(8).map(|(k, _)| k.as_str()).collect();
                Sniffed::UnknownJson(format!("a JSON list of objects with keys {}", quote_list(&names)))
            }
        }
        // Zipkin's `/api/v2/traces`: a list of traces, each a list of spans.
        Some(b'[') if inside_list => Sniffed::UnknownJson("a JSON list of lists of lists".to_owned()),
        Some(b'[') => match sniff_list(body.get(first..).unwrap_or_default(), true) {
            Sniffed::Supported(Format::ZipkinJson) => Sniffed::Supported(Format::ZipkinJson),
            // `[[]]`: no spans, in the only format that nests lists.
            Sniffed::Supported(Format::JaegerJson)
                if body
                    .get(first + 1..)
                    .is_some_and(|rest| rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b']')) =>
            {
                Sniffed::Supported(Format::ZipkinJson)
            }
            _ => Sniffed::UnknownJson("a JSON list that does not hold objects".to_owned()),
        },
        _ => Sniffed::UnknownJson("a JSON list that does not hold objects".to_owned()),
    }
}

fn quote_list(names: &[&str]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// Control characters other than whitespace never start a text file, and
/// protobuf tags and lengths are full of them.
fn looks_binary(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .take(64)
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        || std::str::from_utf8(bytes.get(..bytes.len().min(64)).unwrap_or_default())
            .is_err_and(|e| e.error_len().is_some())
}

/// A `TracesData` starts with field 1 (`0x0A`); a 4-byte length prefix starts
/// with `0x00` for any message under 16 MiB; a varint length is followed by `0x0A`.
fn looks_like_protobuf(bytes: &[u8]) -> bool {
    match bytes.first() {
        Some(0x0A | 0x00) => true,
        Some(_) => {
            let mut rest = bytes;
            prost::encoding::decode_varint(&mut rest).is_ok() && rest.first() == Some(&0x0A)
        }
        None => false,
    }
}

/// UTF-16 or UTF-32 text: by its byte order mark, or by a JSON document's
/// first characters, each an ASCII byte padded with zeros.
fn wide_text(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => return Some("UTF-32 (little-endian)"),
        [0, 0, 0xFE, 0xFF, ..] => return Some("UTF-32 (big-endian)"),
        [0xFF, 0xFE, ..] => return Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => return Some("UTF-16 (big-endian)"),
        _ => {}
    }
    const WIDE: [(usize, bool, &str); 4] = [
        (4, false, "UTF-32 (little-endian)"),
        (4, true, "UTF-32 (big-endian)"),
        (2, false, "UTF-16 (little-endian)"),
        (2, true, "UTF-16 (big-endian)"),
    ];
    WIDE.iter()
        .find(|&&(width, big_endian, _)| starts_wide_json(bytes, width, big_endian))
        .map(|&(_, _, name)| name)
}

/// Whether `bytes` start with (up to) four characters `width` bytes wide,
/// each ASCII padded with zeros, the first `{` or `[`. Protobuf, which also
/// starts with zeros (a 4-byte length), is never four such characters: its
/// first message starts with a field tag, `0x0A`, not a zero.
fn starts_wide_json(bytes: &[u8], width: usize, big_endian: bool) -> bool {
    let units = (bytes.len() / width).min(4);
    if units < 2 {
        return false;
    }
    bytes.chunks_exact(width).take(units).enumerate().all(|(i, unit)| {
        let (ascii, zeros) = if big_endian {
            (unit.last(), unit.get(..width - 1))
        } else {
            (unit.first(), unit.get(1..))
        };
        let zeros = zeros.is_some_and(|z| z.iter().all(|&b| b == 0));
        let ascii = ascii.is_some_and(|&b| match i {
            0 => b == b'{' || b == b'[',
            _ => b.is_ascii_graphic() || b.is_ascii_whitespace(),
        });
        zeros && ascii
    })
}

/// Files people drop by mistake, by their first bytes ("magic numbers").
fn known_binary(bytes: &[u8]) -> Option<&'static str> {
    const KNOWN: [(&[u8], &str); 9] = [
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (
            b"\x28\xb5\x2f\xfd",
            "zstd-compressed data (Tracelens reads gzip: decompress it first)",
        ),
        (
            b"\xfd7zXZ\x00",
            "xz-compressed data (Tracelens reads gzip: decompress it first)",
        ),
        (
            b"BZh",
            "bzip2-compressed data (Tracelens reads gzip: decompress it first)",
        ),
        (b"SQLite format 3\x00", "an SQLite database"),
    ];
    KNOWN
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|&(_, what)| what)
}

fn describe_binary(bytes: &[u8]) -> String {
    match bytes {
        _ if looks_binary(bytes) => "binary data that is not OTLP protobuf".to_owned(),
        _ => {
            let text = String::from_utf8_lossy(bytes.get(..bytes.len().min(40)).unwrap_or_default());
            let line = text.lines().next().unwrap_or("").trim();
            format!("text starting with \"{line}\"")
        }
    }
}

/// JSON Lines: the line after the first (blank lines aside) opens, at column
/// 0, an object with an OTLP record key (`resourceSpans`, `resourceLogs`, ...).
/// A single document does not: pretty-printed JSON indents nested objects,
/// compact JSON has no newline inside, and a hand-wrapped document's second
/// line holds a `ResourceSpans` (`resource`, `scopeSpans`), not a record.
///
/// Only the first `window` bytes are searched for the end of the first line:
/// a compact document has no newline at all, and searching all of it cost 6%
/// of a browser import. A JSON Lines file of traces with a longer first line
/// is sniffed as one document; the import switches to JSON Lines when the
/// reader meets the second line (see [`is_otlp_record_line`]).
fn second_line_is_otlp_record(body: &[u8], window: usize) -> bool {
    let Some(newline) = memchr::memchr(b'\n', body.get(..window).unwrap_or(body)) else {
        return false;
    };
    is_otlp_record_line(body.get(newline..).unwrap_or_default())
}

/// Whether `rest`, after blank lines, starts an object with an OTLP record
/// key at column 0: the next line of a JSON Lines file.
pub(super) fn is_otlp_record_line(rest: &[u8]) -> bool {
    let Some(start) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if start == 0 || rest.get(start - 1) != Some(&b'\n') {
        return false;
    }
    let second = rest.get(start..).unwrap_or_default();
    second.first() == Some(&b'{')
        && top_level_keys(second, OTLP_TRACES).iter().any(|(k, _)| {
            matches!(
                k.as_str(),
                "resourceSpans" | "resource_spans" | "resourceLogs" | "resourceMetrics"
            )
        })
}

/// How much of a file the key scan reads. The keys that tell formats apart
/// come before the bulk of the data in every exporter's output; scanning a
/// whole multi-gigabyte document for them would cost as much as parsing it.
const KEY_SCAN_LIMIT: usize = 1 << 20;

/// How far a file starting with OTLP traces is searched for the end of its
/// first line: a Collector batch line is usually shorter, and a longer one
/// costs only reading that line twice.
const TRACES_LINE_WINDOW: usize = 64 << 10;

/// Keys that make an object OTLP traces whatever else it holds: every
/// decision in [`sniff_object`] that looks at keys is settled once one is seen.
const OTLP_TRACES: &[&str] = &["resourceSpans", "resource_spans"];

/// Keys of the object starting at `body[0] == b'{'`, each with the first byte
/// of its value, within the first [`KEY_SCAN_LIMIT`] bytes. Stops at the end
/// of the object, or after a key in `decisive` (its value is usually the
/// whole file); malformed input is left to the real parser to report.
fn top_level_keys(body: &[u8], decisive: &[&str]) -> Vec<(String, u8)> {
    let body = body.get(..KEY_SCAN_LIMIT).unwrap_or(body);
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
                    let key = String::from_utf8_lossy(body.get(i + 1..end).unwrap_or_default()).into_owned();
                    let value = body
                        .get(end + 1..)
                        .unwrap_or_default()
                        .iter()
                        .copied()
                        .find(|c| !c.is_ascii_whitespace() && *c != b':')
                        .unwrap_or(b' ');
                    let done = decisive.contains(&key.as_str());
                    keys.push((key, value));
                    if done {
                        break;
                    }
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
    fn a_million_opening_brackets_are_no_format_and_no_deep_recursion() {
        // Recursing once per `[` overflowed the stack (found by a review;
        // the fuzzer's 4 KiB inputs were too short for it).
        let brackets = vec![b'['; 1_000_000];
        let no_objects = Sniffed::UnknownJson("a JSON list that does not hold objects".to_owned());
        assert_eq!(sniff(&brackets), no_objects);
        assert_eq!(sniff(b"[[[]]]"), no_objects);
        assert_eq!(sniff(b"[[]]"), Sniffed::Supported(Format::ZipkinJson));
    }

    #[test]
    fn json_lines_are_told_from_one_document() {
        let lines = b"{\"resourceSpans\": []}\n{\"resourceLogs\": []}\n";
        assert_eq!(sniff(lines), Sniffed::Supported(Format::OtlpJsonLines));
        let logs_first = b"{\"resourceLogs\": []}\n{\"resourceSpans\": []}\n";
        assert_eq!(sniff(logs_first), Sniffed::Supported(Format::OtlpJsonLines));
        let one = b"{\"resourceSpans\": []}\n\n";
        assert_eq!(sniff(one), Sniffed::Supported(Format::OtlpJson));
        // Found by review: a document wrapped by hand, one ResourceSpans per line.
        let wrapped = b"{\"resourceSpans\":[\n{\"resource\":{},\"scopeSpans\":[]}\n]}\n";
        assert_eq!(sniff(wrapped), Sniffed::Supported(Format::OtlpJson));
        // A long first line of logs is looked past (the reader would never see the traces after it).
        let long_logs = format!(
            "{{\"resourceLogs\": [], \"pad\": \"{}\"}}\n{{\"resourceSpans\": []}}\n",
            "x".repeat(200_000)
        );
        assert_eq!(sniff(long_logs.as_bytes()), Sniffed::Supported(Format::OtlpJsonLines));
    }

    #[test]
    fn keys_inside_strings_and_nested_objects_do_not_count() {
        let nested = br#"{"meta": {"resourceSpans": 1}, "note": "\"resourceSpans\":"}"#;
        assert!(matches!(sniff(nested), Sniffed::UnknownJson(_)));
    }

    #[test]
    fn names_what_it_is_not() {
        assert_eq!(sniff(b"  \n"), Sniffed::Empty);
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Sniffed::Gzip);
        assert_eq!(
            sniff(&[0x0A, 0x85, 0x01, 0x0A]),
            Sniffed::Supported(Format::OtlpProtobuf)
        );
        assert_eq!(sniff(&[0, 0, 1, 0x85, 0x0A]), Sniffed::Supported(Format::OtlpProtobuf));
        assert!(matches!(sniff(&[0x7f, 0x45, 0x4c, 0x46, 2, 1]), Sniffed::NotJson(_)));
        assert!(matches!(sniff(b"hello world"), Sniffed::NotJson(t) if t.contains("hello world")));
        // A 4-byte length of 0x7B00xx is not UTF-16 text: a message follows, not a zero.
        assert_eq!(
            sniff(&[0, 0x7B, 0, 0x12, 0x0A, 5]),
            Sniffed::Supported(Format::OtlpProtobuf)
        );
        assert_eq!(
            sniff(b"{\0\"\0r\0e\0"),
            Sniffed::OtherEncoding("UTF-16 (little-endian)")
        );
        assert_eq!(sniff(b"\0\0\0[\0\0\0 "), Sniffed::OtherEncoding("UTF-32 (big-endian)"));
        assert!(matches!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Sniffed::NotJson(t) if t == "a PNG image"));
        let ui_state = br#"{"data": {"spans": []}, "id": "x", "state": "FETCH_DONE"}"#;
        assert!(matches!(sniff(ui_state), Sniffed::Unsupported(t) if t.contains("state dump")));
    }
}
