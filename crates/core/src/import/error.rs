//! Why a whole file could not be read, with enough context to fix it: the
//! file, the format it was read as, where in the file, and what was expected.

use super::Format;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A file that could not be read at all. Nothing from it was added.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub struct ImportError {
    /// The file name as given.
    pub file: String,
    /// The format the file was read as, when it was recognised.
    pub format: Option<Format>,
    /// What went wrong.
    pub kind: ImportErrorKind,
}

/// The ways a file can fail to load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportErrorKind {
    /// Zero bytes, or only whitespace.
    Empty,
    /// Not JSON, and not any other supported encoding.
    NotJson {
        /// What the first bytes look like.
        looks_like: String,
    },
    /// Text in an encoding other than UTF-8.
    Encoding {
        /// Which: `UTF-16 (little-endian)`, ...
        encoding: String,
    },
    /// JSON, but of a shape Tracelens does not read.
    UnsupportedShape {
        /// What the content looks like, as best as can be told.
        looks_like: String,
    },
    /// Recognised, but broken at a specific place.
    Malformed {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The path to the failing value, e.g. `resourceSpans[0].scopeSpans[1].spans[4].kind`.
        path: String,
        /// What the parser expected and found.
        detail: String,
    },
    /// A binary format, broken at a byte offset.
    MalformedBinary {
        /// Offset of the failing message from the start of the (decompressed) file.
        offset: usize,
        /// What the decoder found.
        detail: String,
    },
    /// Compressed, but the compressed data is broken.
    Decompression {
        /// What the decompressor said.
        detail: String,
    },
    /// Compressed, and decompressing it stopped at a limit (see
    /// [`crate::limits::MAX_GZIP_RATIO`], [`crate::limits::MAX_DECOMPRESSED_BYTES`]).
    Inflated {
        /// Compressed bytes read when it stopped.
        compressed: u64,
        /// Decompressed bytes when it stopped.
        decompressed: u64,
        /// Whether the ratio stopped it (else the size).
        ratio_limit: bool,
    },
    /// An OTLP protobuf message whose decoded structs would take more than
    /// [`crate::limits::MAX_PROTOBUF_INFLATION`] times its bytes (and more
    /// than [`crate::limits::PROTOBUF_INFLATION_FLOOR_BYTES`]): refused before decoding.
    Amplified {
        /// Offset of the message from the start of the (decompressed) file.
        offset: usize,
        /// Its bytes.
        bytes: u64,
        /// What decoding it would take, estimated from its wire bytes.
        decoded: u64,
    },
    /// Compressed, and its decompressed bytes did not fit in memory (a
    /// 32-bit browser tab holds 4 GiB in all).
    OutOfMemory {
        /// Decompressed bytes held when memory ran out.
        decompressed: u64,
    },
}

/// The formats to name when a file is not one of them.
pub const SUPPORTED: &str =
    "OTLP JSON or JSON Lines, OTLP protobuf, Jaeger JSON or Zipkin v2 JSON, optionally gzip-compressed";

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = &self.file;
        match &self.kind {
            ImportErrorKind::Empty => {
                write!(f, "{file}: the file is empty; Tracelens reads {SUPPORTED}")
            }
            ImportErrorKind::NotJson { looks_like } => {
                write!(
                    f,
                    "{file}: this is {looks_like}, not a trace export; Tracelens reads {SUPPORTED}"
                )
            }
            ImportErrorKind::Encoding { encoding } => write!(
                f,
                "{file}: the text is {encoding}, and Tracelens reads UTF-8, as trace exporters write it: save it as UTF-8 and load it again"
            ),
            ImportErrorKind::UnsupportedShape { looks_like } => {
                write!(f, "{file}: this looks like {looks_like}; Tracelens reads {SUPPORTED}")
            }
            ImportErrorKind::Malformed {
                line,
                column,
                path,
                detail,
            } => {
                let format = self.format.map_or_else(|| "JSON".to_owned(), |f| f.to_string());
                write!(f, "{file}: invalid {format} at line {line}, column {column}")?;
                if !path.is_empty() && path != "." {
                    write!(f, " ({})", shortened(path))?;
                }
                write!(f, ": {detail}{}", json_hint(detail))
            }
            ImportErrorKind::MalformedBinary { offset, detail } => {
                let format = self.format.map_or_else(|| "data".to_owned(), |f| f.to_string());
                write!(f, "{file}: invalid {format} in the message at byte {offset}: {detail}")
            }
            ImportErrorKind::Decompression { detail } => {
                write!(f, "{file}: the gzip data is broken ({detail})")
            }
            ImportErrorKind::Inflated {
                compressed,
                decompressed,
                ratio_limit: true,
            } => write!(
                f,
                "{file}: the gzip data inflates more than {} times ({} from {} read): a gzip bomb? Trace exports inflate 5 to 40 times; Tracelens stopped there. If it is real, decompress it yourself and load the result",
                crate::limits::MAX_GZIP_RATIO,
                crate::numbers::bytes(*decompressed),
                crate::numbers::bytes(*compressed),
            ),
            ImportErrorKind::Amplified { offset, bytes, decoded } => write!(
                f,
                "{file}: the OTLP protobuf message at byte {offset} would take about {} in memory decoded, more than {} times its {}: masses of empty spans, events or attributes? real exports take 3.5 to 5 times; Tracelens stopped there",
                crate::numbers::bytes(*decoded),
                crate::limits::MAX_PROTOBUF_INFLATION,
                crate::numbers::bytes(*bytes),
            ),
            ImportErrorKind::OutOfMemory { decompressed } => write!(
                f,
                "{file}: decompressed, it does not fit in the memory left here (stopped at {}); decompress it and read it with the tracelens command line, or split it",
                crate::numbers::bytes(*decompressed),
            ),
            ImportErrorKind::Inflated { ratio_limit: false, .. } => write!(
                f,
                "{file}: decompressed, it is more than {}, more than Tracelens reads from a gzip file; decompress it and read it with the tracelens command line, or split it",
                crate::numbers::bytes(crate::limits::MAX_DECOMPRESSED_BYTES),
            ),
        }
    }
}

impl ImportError {
    /// Builds a `Malformed` error from a serde_json error, naming the JSON path
    /// that failed (found by a second, slower, path-tracking parse).
    #[cfg(test)]
    pub(crate) fn malformed(file: &str, format: Format, error: &serde_json::Error, path: String) -> ImportError {
        ImportError {
            file: file.to_owned(),
            format: Some(format),
            kind: ImportErrorKind::Malformed {
                line: error.line(),
                column: error.column(),
                path,
                detail: strip_position(&error.to_string()),
            },
        }
    }

    /// Builds a `Malformed` error from the OTLP JSON reader's error at `line`, `column`.
    pub(super) fn malformed_json(
        file: &str,
        format: Format,
        line: usize,
        column: usize,
        error: &super::json_scan::JsonError,
    ) -> ImportError {
        ImportError {
            file: file.to_owned(),
            format: Some(format),
            kind: ImportErrorKind::Malformed {
                line,
                column,
                path: error.path(),
                detail: error.detail().to_owned(),
            },
        }
    }
}

/// A JSON path of at most about [`PATH_SHOWN`] characters: a value nested
/// 128 deep has a path of thousands, which says no more than its two ends.
fn shortened(path: &str) -> std::borrow::Cow<'_, str> {
    if path.len() <= PATH_SHOWN {
        return path.into();
    }
    // Cut at segment boundaries (a `.` or a `[`), keeping both ends.
    let boundary = |at: usize| path.is_char_boundary(at) && matches!(path.as_bytes().get(at), Some(b'.' | b'['));
    let head = (0..=PATH_SHOWN / 2).rev().find(|&at| boundary(at)).unwrap_or(0);
    let tail = (path.len() - PATH_SHOWN / 2..path.len())
        .find(|&at| boundary(at))
        .unwrap_or(path.len());
    format!(
        "{} … {}",
        path.get(..head).unwrap_or_default(),
        path.get(tail..).unwrap_or_default().trim_start_matches('.')
    )
    .into()
}

/// Longest JSON path shown whole in a message.
const PATH_SHOWN: usize = 160;

/// What a person may not know about a JSON parser's message.
fn json_hint(detail: &str) -> &'static str {
    match detail {
        "recursion limit exceeded" => " (values nested more than 127 deep; Tracelens reads no deeper)",
        "expected value" => {
            " (a value is a string, a number, an object, a list, true, false or null: NaN and Infinity are not JSON)"
        }
        "invalid unicode code point" => " (the text is not UTF-8: save the file as UTF-8)",
        _ => "",
    }
}

/// serde_json appends " at line L column C"; the error shows those separately.
#[cfg(test)]
pub(super) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
