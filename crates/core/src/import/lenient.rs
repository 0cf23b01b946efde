//! Numbers that real exports write in more than one way, read with the
//! [`Cursor`]: 64-bit integers as JSON numbers or as strings (OTLP/JSON
//! writes them as strings; Jaeger and Zipkin tools write times both ways),
//! and microsecond times as floats (`1.559e+15`, `1559000000000000.0`), as
//! some Zipkin and Jaeger clients write them.

use super::json_scan::{Cursor, JsonError, Number};
use std::fmt;

/// What serde called a string it expected.
pub(super) const A_STRING: &str = "a string";

/// What a lenient integer reader expects, in its error messages.
const LENIENT_INTEGER: &str = "a non-negative integer, as a number or a string";

/// The largest `f64` below 2^64: what a `u64` can hold.
const U64_LIMIT: f64 = 1.8446744073709552e19;

/// A `u64` from a number or a decimal string; `null` and `""` read as 0.
/// A float reads when it is whole (`1.6e18`).
#[inline]
pub(super) fn lenient_u64(cur: &mut Cursor<'_>) -> Result<u64, JsonError> {
    if let Some(v) = cur.quoted_u64() {
        return Ok(v);
    }
    match cur.next_byte() {
        Some(b'"') => {
            let text = cur.string_text(A_STRING)?;
            if text.is_empty() {
                return Ok(0);
            }
            text.parse().map_err(|_| negative(cur, &format_args!("\"{text}\"")))
        }
        Some(b'n') => cur.null().map(|_| 0),
        Some(b'-' | b'0'..=b'9') => match cur.number()? {
            Number::U64(v) => Ok(v),
            Number::I64(v) => Err(negative(cur, &v)),
            Number::F64(v) if v.fract() == 0.0 && (0.0..U64_LIMIT).contains(&v) => Ok(v as u64),
            Number::F64(v) => Err(negative(cur, &v)),
        },
        _ => Err(cur.invalid_any(LENIENT_INTEGER)),
    }
}

#[cold]
fn negative(cur: &Cursor<'_>, v: &dyn fmt::Display) -> JsonError {
    cur.error(format!("expected a non-negative integer, found {v}"))
}

/// A time or duration in microseconds, to the nanosecond: Jaeger and Zipkin
/// write whole microseconds, but a client that writes a float may carry a
/// fraction, which is kept rather than refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Micros {
    /// Whole microseconds.
    pub whole: u64,
    /// Nanoseconds past them (0-999).
    pub nanos: u16,
}

impl Micros {
    /// In nanoseconds, if that fits in 64 bits.
    #[inline]
    pub fn checked_nanos(self) -> Option<u64> {
        self.whole.checked_mul(1000)?.checked_add(u64::from(self.nanos))
    }

    /// In nanoseconds, without a limit.
    pub fn total_nanos(self) -> u128 {
        u128::from(self.whole) * 1000 + u128::from(self.nanos)
    }

    /// [`Micros::total_nanos`] back, at most `u64::MAX` microseconds.
    pub fn of_total_nanos(nanos: u128) -> Micros {
        Micros {
            whole: u64::try_from(nanos / 1000).unwrap_or(u64::MAX),
            nanos: (nanos % 1000) as u16,
        }
    }

    /// In nanoseconds, at most `u64::MAX`.
    #[inline]
    pub fn saturating_nanos(self) -> u64 {
        self.checked_nanos().unwrap_or(u64::MAX)
    }

    /// A non-negative, finite float of microseconds below 2^64, rounded to the nanosecond.
    fn of_float(v: f64) -> Option<Micros> {
        if !(0.0..U64_LIMIT).contains(&v) {
            return None;
        }
        let whole = v.trunc();
        // Below 2^53 the fraction is exact enough for nanoseconds; above, floats are whole.
        let nanos = ((v - whole) * 1000.0).round() as u16;
        let whole = whole as u64;
        Some(if nanos >= 1000 {
            Micros {
                whole: whole.saturating_add(1),
                nanos: 0,
            }
        } else {
            Micros { whole, nanos }
        })
    }
}

impl fmt::Display for Micros {
    /// Whole microseconds as an integer (as the file wrote them), else with
    /// the fraction to the nanosecond.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.nanos {
            0 => write!(f, "{}", self.whole),
            nanos => write!(f, "{}.{}", self.whole, format!("{nanos:03}").trim_end_matches('0')),
        }
    }
}

/// Microseconds from a number or a decimal string, as [`lenient_u64`] reads
/// them, and also from a float with a fraction or an exponent, written as a
/// number or in a string; `null` and `""` read as 0.
#[inline]
pub(super) fn micros(cur: &mut Cursor<'_>) -> Result<Micros, JsonError> {
    if let Some(whole) = cur.quoted_u64() {
        return Ok(Micros { whole, nanos: 0 });
    }
    match cur.next_byte() {
        Some(b'"') => {
            let text = cur.string_text(A_STRING)?;
            if text.is_empty() {
                return Ok(Micros::default());
            }
            match text.parse::<u64>() {
                Ok(whole) => Ok(Micros { whole, nanos: 0 }),
                Err(_) => text
                    .parse::<f64>()
                    .ok()
                    .and_then(Micros::of_float)
                    .ok_or_else(|| negative(cur, &format_args!("\"{text}\""))),
            }
        }
        Some(b'n') => cur.null().map(|_| Micros::default()),
        Some(b'-' | b'0'..=b'9') => match cur.number()? {
            Number::U64(whole) => Ok(Micros { whole, nanos: 0 }),
            Number::I64(v) => Err(negative(cur, &v)),
            Number::F64(v) => Micros::of_float(v).ok_or_else(|| negative(cur, &v)),
        },
        _ => Err(cur.invalid_any(LENIENT_INTEGER)),
    }
}

/// A duration in microseconds as [`micros`] reads it, or a negative number
/// (an end before the start, from a client whose clock stepped back): its
/// size, and whether it was negative. The span is kept with a warning, as
/// an OTLP span that ends before it starts is, not the whole file refused.
pub(super) fn signed_micros(cur: &mut Cursor<'_>) -> Result<(Micros, bool), JsonError> {
    if cur.next_byte() != Some(b'-') {
        return micros(cur).map(|m| (m, false));
    }
    match cur.number()? {
        Number::I64(v) => Ok((
            Micros {
                whole: v.unsigned_abs(),
                nanos: 0,
            },
            true,
        )),
        Number::U64(whole) => Ok((Micros { whole, nanos: 0 }, false)),
        Number::F64(v) => Micros::of_float(-v)
            .map(|m| (m, v < 0.0))
            .ok_or_else(|| negative(cur, &v)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(json: &str) -> Result<Micros, String> {
        let mut cur = Cursor::new(json.as_bytes());
        micros(&mut cur).map_err(|e| e.detail().to_owned())
    }

    #[test]
    fn microseconds_in_every_spelling() {
        let whole = |whole| Ok(Micros { whole, nanos: 0 });
        assert_eq!(read("1559000000000000"), whole(1_559_000_000_000_000));
        assert_eq!(read("\"1559000000000000\""), whole(1_559_000_000_000_000));
        assert_eq!(read("1.559e+15"), whole(1_559_000_000_000_000));
        assert_eq!(read("1.559E15"), whole(1_559_000_000_000_000));
        assert_eq!(read("\"1.559e+15\""), whole(1_559_000_000_000_000));
        assert_eq!(read("1559000000000000.0"), whole(1_559_000_000_000_000));
        assert_eq!(read("1559000000000123.0"), whole(1_559_000_000_000_123));
        assert_eq!(read("12.5"), Ok(Micros { whole: 12, nanos: 500 }));
        assert_eq!(read("0.0005"), Ok(Micros { whole: 0, nanos: 1 }));
        assert_eq!(read("0.9999"), whole(1));
        assert_eq!(read("null"), whole(0));
        assert_eq!(read("\"\""), whole(0));
        assert_eq!(read("-0"), whole(0), "-0 read as 0 before too");
    }

    #[test]
    fn what_is_not_a_time_is_refused_as_before() {
        assert_eq!(read("-3").unwrap_err(), "expected a non-negative integer, found -3");
        assert_eq!(read("-1.5").unwrap_err(), "expected a non-negative integer, found -1.5");
        assert_eq!(
            read("1e30").unwrap_err(),
            "expected a non-negative integer, found 1000000000000000000000000000000"
        );
        assert_eq!(
            read("\"x\"").unwrap_err(),
            "expected a non-negative integer, found \"x\""
        );
        assert_eq!(
            read("\"NaN\"").unwrap_err(),
            "expected a non-negative integer, found \"NaN\""
        );
        assert_eq!(
            read("true").unwrap_err(),
            "invalid type: boolean `true`, expected a non-negative integer, as a number or a string"
        );
    }

    #[test]
    fn micros_print_as_written() {
        assert_eq!(Micros { whole: 5, nanos: 0 }.to_string(), "5");
        assert_eq!(Micros { whole: 5, nanos: 500 }.to_string(), "5.5");
        assert_eq!(Micros { whole: 5, nanos: 7 }.to_string(), "5.007");
        assert_eq!(
            Micros {
                whole: u64::MAX,
                nanos: 0
            }
            .checked_nanos(),
            None
        );
        assert_eq!(Micros { whole: 2, nanos: 3 }.checked_nanos(), Some(2003));
    }
}
