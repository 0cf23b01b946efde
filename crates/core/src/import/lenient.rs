//! Deserializers for numbers that real exports write either as JSON numbers or
//! as strings (Jaeger and Zipkin tools write 64-bit times both ways), for the
//! importers that read through serde. The OTLP/JSON reader has its own
//! (`otlp_json/values.rs`).

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// A `u64` from a number or a decimal string; `null` reads as 0.
pub fn u64_from_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative integer, as a number or a string")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("expected a non-negative integer, found {v}")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            // Some writers emit 1.6e18; accept whole, in-range values only.
            if v.fract() == 0.0 && (0.0..1.8446744073709552e19).contains(&v) {
                Ok(v as u64)
            } else {
                Err(E::custom(format!("expected a non-negative integer, found {v}")))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            if v.is_empty() {
                return Ok(0);
            }
            v.parse()
                .map_err(|_| E::custom(format!("expected a non-negative integer, found \"{v}\"")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
            Ok(0)
        }
    }
    d.deserialize_any(V)
}
