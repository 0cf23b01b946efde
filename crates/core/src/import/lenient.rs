//! Deserializers for numbers that real exports write either as JSON numbers or
//! as strings (OTLP/JSON writes 64-bit integers as strings; Jaeger writes int64
//! tags beyond 2^53 as strings; some tools write everything as numbers).

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

/// An `i64` from a number or a decimal string.
pub fn i64_from_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer, as a number or a string")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom(format!("integer {v} does not fit in 64 bits")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
            if v.fract() == 0.0 && v.abs() < 9.2e18 {
                Ok(v as i64)
            } else {
                Err(E::custom(format!("expected an integer, found {v}")))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            v.parse()
                .map_err(|_| E::custom(format!("expected an integer, found \"{v}\"")))
        }
    }
    d.deserialize_any(V)
}

/// An `f64` from a number or a string (protobuf JSON writes `"NaN"`, `"Infinity"`).
pub fn f64_from_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number, or a string holding one")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
            match v {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => v
                    .parse()
                    .map_err(|_| E::custom(format!("expected a number, found \"{v}\""))),
            }
        }
    }
    d.deserialize_any(V)
}

/// An enum written as its integer or as its protobuf name; kept raw so the
/// importer can reject one span for a bad value instead of failing the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum IntOrName<'a> {
    /// Not present.
    #[default]
    Absent,
    /// `2`
    Int(i64),
    /// `"SPAN_KIND_SERVER"`
    Name(std::borrow::Cow<'a, str>),
}

impl fmt::Display for IntOrName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrName::Absent => f.write_str("(absent)"),
            IntOrName::Int(v) => write!(f, "{v}"),
            IntOrName::Name(name) => write!(f, "\"{name}\""),
        }
    }
}

impl<'de: 'a, 'a> de::Deserialize<'de> for IntOrName<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IntOrName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an enum value, as an integer or a name")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IntOrName::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IntOrName::Int(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(IntOrName::Name(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IntOrName::Name(v.to_owned().into()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(IntOrName::Absent)
            }
        }
        d.deserialize_any(V)
    }
}

/// An `i64` that may be written as a string, as a type (for `next_value`).
pub struct LenientI64(pub i64);

impl<'de> de::Deserialize<'de> for LenientI64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        i64_from_number_or_string(d).map(LenientI64)
    }
}

/// An `f64` that may be written as a string, as a type (for `next_value`).
pub struct LenientF64(pub f64);

impl<'de> de::Deserialize<'de> for LenientF64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        f64_from_number_or_string(d).map(LenientF64)
    }
}
