//! Reading back values that serialise as text (IDs in hex, detectors by their
//! stable name), so the analysis types that cross to the page as JSON or
//! JavaScript values deserialise as well as they serialise.

use serde::Deserializer;
use serde::de::{Error, Visitor};
use std::fmt;

/// Deserialises a string with `parse`; `expecting` completes "invalid value:
/// …, expected …" in the error, e.g. `a trace ID of up to 32 hex digits`.
/// Reads borrowed and owned strings alike without allocating (serde_json
/// lends them, serde-wasm-bindgen hands over owned ones).
pub(crate) fn from_text<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct Text<T> {
        expecting: &'static str,
        parse: fn(&str) -> Option<T>,
    }

    impl<T> Visitor<'_> for Text<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }

        fn visit_str<E: Error>(self, text: &str) -> Result<T, E> {
            (self.parse)(text).ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(text), &self))
        }
    }

    deserializer.deserialize_str(Text { expecting, parse })
}
