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
                    write!(f, " ({path})")?;
                }
                write!(f, ": {detail}")
            }
            ImportErrorKind::MalformedBinary { offset, detail } => {
                let format = self.format.map_or_else(|| "data".to_owned(), |f| f.to_string());
                write!(f, "{file}: invalid {format} in the message at byte {offset}: {detail}")
            }
            ImportErrorKind::Decompression { detail } => {
                write!(f, "{file}: the gzip data is broken ({detail})")
            }
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

/// serde_json appends " at line L column C"; the error shows those separately.
#[cfg(test)]
pub(super) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
