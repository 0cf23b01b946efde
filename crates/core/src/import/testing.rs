//! What the tests of the streaming Jaeger and Zipkin readers share: an
//! import's outcome in comparable form, the fixtures, and a mangler that
//! splices, cuts and repeats pieces of documents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{FileReport, ImportError};
use crate::model::TraceSet;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// What the streaming reader makes of `bytes` as `format`.
pub fn read_new(bytes: &[u8], format: super::Format) -> Outcome {
    let mut set = TraceSet::new();
    let result = super::import_file_as(&mut set, "x", bytes, format);
    Outcome::of(&set, result)
}

/// The serde reader a streaming one replaced, as `oracle`.
pub type Oracle = fn(&str, &[u8], &mut super::builder::Builder<'_>) -> Result<(), ImportError>;

/// What the serde reader `oracle` made of `bytes` as `format`, with the
/// same merge of identical spans as an import.
pub fn read_old(bytes: &[u8], format: super::Format, oracle: Oracle) -> Outcome {
    let mut set = TraceSet::new();
    let report = FileReport::new("x", format, bytes.len());
    let mut builder = super::builder::Builder::new(&mut set, report);
    let result = match oracle("x", bytes, &mut builder) {
        Ok(()) => {
            let mut report = builder.finish();
            super::dedup::merge_identical(&mut set, 0, &mut report);
            Ok(report)
        }
        Err(error) => {
            builder.abandon();
            Err(error)
        }
    };
    Outcome::of(&set, result)
}

/// What an import made: the model's dump, the report and the strings
/// interned (but `unknown_service`, which the streaming readers intern as a
/// placeholder until a span's process is known); or the error's message.
#[derive(Debug, PartialEq)]
pub(super) enum Outcome {
    Read(String, FileReport, BTreeSet<String>),
    Failed(String),
}

impl Outcome {
    pub fn of(set: &TraceSet, result: Result<FileReport, ImportError>) -> Outcome {
        match result {
            Ok(report) => {
                let strings = set
                    .strings
                    .texts()
                    .filter(|s| *s != super::UNKNOWN_SERVICE)
                    .map(str::to_owned)
                    .collect();
                Outcome::Read(crate::dump::dump(set), report, strings)
            }
            Err(error) => {
                assert!(
                    set.spans.is_empty() && set.strings.is_empty() && set.files.is_empty(),
                    "a failed import added nothing"
                );
                Outcome::Failed(error.to_string())
            }
        }
    }
}

/// Checks that the new reader did what the old one did with `bytes`, except
/// where the old one failed with a message that `now_read` says the new one
/// reads on purpose. Says whether both read it.
pub(super) fn compare(bytes: &[u8], new: Outcome, old: Outcome, now_read: impl Fn(&str) -> bool) -> bool {
    match (&new, &old) {
        (Outcome::Read(a, ra, sa), Outcome::Read(b, rb, sb)) => {
            if new != old {
                let line = a.lines().zip(b.lines()).find(|(x, y)| x != y);
                panic!(
                    "different models for {}\nfirst different line {line:?}\nreports {ra:?}\n{rb:?}\nstrings {:?}",
                    short(bytes),
                    sa.symmetric_difference(sb).collect::<Vec<_>>()
                );
            }
            true
        }
        (Outcome::Failed(a), Outcome::Failed(b)) => {
            if !now_read(b) && !same_error(a, b) {
                let _ = std::fs::write(std::env::temp_dir().join("tracelens-diff-input"), bytes);
                panic!("different errors for {}\nnew {a}\nold {b}", short(bytes));
            }
            false
        }
        (_, Outcome::Failed(message)) if now_read(message) => false,
        _ => panic!(
            "one reader failed: new {}\nold {}\ninput {}",
            short(format!("{new:?}").as_bytes()),
            short(format!("{old:?}").as_bytes()),
            short(bytes)
        ),
    }
}

/// Text short enough for a failure message.
fn short(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(600) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.into_owned(),
    }
}

/// The same error: the same place (line and column) and message, and the
/// same JSON path but for what serde_path_to_error added that says nothing
/// (`?` for a key it had not read yet) or left out (the key given twice).
fn same_error(new: &str, old: &str) -> bool {
    let split = |message: &str| -> Option<(String, String, String)> {
        let column = message.find(", column ")? + ", column ".len();
        let digits = message.get(column..)?.find(|c: char| !c.is_ascii_digit())?;
        let (place, rest) = message.split_at(column + digits);
        let (path, detail) = match rest.strip_prefix(" (") {
            Some(rest) => rest.split_once("): ")?,
            None => ("", rest.strip_prefix(": ")?),
        };
        Some((place.to_owned(), path.to_owned(), detail.to_owned()))
    };
    let (Some((place_a, path_a, detail_a)), Some((place_b, path_b, detail_b))) = (split(new), split(old)) else {
        return new == old;
    };
    let unknown = path_b
        .strip_suffix(".?")
        .or_else(|| path_b.strip_suffix('?'))
        .unwrap_or(&path_b);
    let duplicate = detail_a.starts_with("duplicate field") && path_a.starts_with(unknown);
    // serde checks a key for a duplicate before it looks for its colon; the
    // cursor reads the colon with the key. A duplicated key without its
    // colon is told as the missing colon, one column later.
    let colon_first = detail_a == "expected `:`" && detail_b.starts_with("duplicate field");
    colon_first || (place_a == place_b && detail_a == detail_b && (path_a == unknown || duplicate))
}

/// Every file in the named folders of `tests/fixtures`.
pub(super) fn fixtures(folders: &[&str]) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut files = Vec::new();
    for folder in folders {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        paths.sort();
        files.extend(paths.iter().map(|path| std::fs::read(path).unwrap()));
    }
    files
}

/// Pieces to splice into documents: values of every JSON type and broken syntax.
pub(super) const TOKENS: &[&[u8]] = &[
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
    b"1.559e+15",
    b"18446744073709551616",
    b"4294967296",
    b"70000",
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
    b"\"key\":",
    b"\"value\":",
    b"\"name\":",
    b"\"0000000000000000\"",
    b"\"eee19b7ec3c1b174\"",
    b"\"\xff\xfe\"",
    b"\"caf\xc3\xa9\"",
];

/// `seed` with one to three random changes: cut, a piece deleted, a token
/// inserted, a value replaced by a token, a piece repeated.
pub(super) fn mangle(rng: &mut fastrand::Rng, seed: &[u8], tokens: &[&[u8]]) -> Vec<u8> {
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
                let token = tokens[rng.usize(0..tokens.len())];
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
                    let token = tokens[rng.usize(0..tokens.len())];
                    bytes.splice(colon..end, token.iter().copied());
                }
            }
            _ => {
                // Repeat a piece (duplicate keys, repeated elements).
                let end = (at + rng.usize(0..80)).min(bytes.len());
                let piece: Vec<u8> = bytes[at..end].to_vec();
                bytes.splice(at..at, piece);
            }
        }
    }
    bytes
}
