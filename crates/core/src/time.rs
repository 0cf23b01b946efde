//! Nanosecond timestamps and durations as types, so no value of unknown unit
//! travels through the analysis.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

/// A point in time: nanoseconds since the Unix epoch, as every supported format
/// can express it (Jaeger and Zipkin microseconds are multiplied up on import).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimestampNs(pub u64);

/// A span of time in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct DurationNs(pub u64);

/// The sum of nanosecond times, at most `u64::MAX`. Each time a file can
/// state fits in 64 bits (up to 584 years), but several of them across spans
/// or requests need not: past it the sum stays the largest time instead of
/// wrapping round to a small one (or panicking in a debug build). A share
/// of two saturated sums then reads as 100%, a bound rather than the truth,
/// for data that is broken anyway.
pub fn sum_ns(times: impl IntoIterator<Item = u64>) -> u64 {
    times.into_iter().fold(0, u64::saturating_add)
}

impl TimestampNs {
    /// Time from `earlier` to `self`, zero when `earlier` is later.
    pub fn saturating_since(self, earlier: TimestampNs) -> DurationNs {
        DurationNs(self.0.saturating_sub(earlier.0))
    }

    /// The instant `duration` after `self`, saturating at the end of representable time.
    pub fn saturating_add(self, duration: DurationNs) -> TimestampNs {
        TimestampNs(self.0.saturating_add(duration.0))
    }

    /// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-21T10:13:34.123Z`.
    pub fn to_rfc3339_millis(self) -> String {
        let time = UNIX_EPOCH + Duration::from_nanos(self.0);
        humantime::format_rfc3339_millis(time).to_string()
    }
}

impl DurationNs {
    /// The duration in milliseconds, for display and charts.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
}

impl fmt::Display for DurationNs {
    /// Three significant digits in the largest unit that keeps the number >= 1:
    /// `850ns`, `12.3µs`, `4.56ms`, `1.20s`, `2m 05s`, `1d 01h 01m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns < 1_000 {
            return write!(f, "{ns}ns");
        }
        if ns >= 60_000_000_000 {
            let total_s = ns / 1_000_000_000;
            let (d, h, m, s) = (
                total_s / 86_400,
                (total_s / 3600) % 24,
                (total_s / 60) % 60,
                total_s % 60,
            );
            return if d > 0 {
                write!(f, "{d}d {h:02}h {m:02}m")
            } else if h > 0 {
                write!(f, "{h}h {m:02}m {s:02}s")
            } else {
                write!(f, "{m}m {s:02}s")
            };
        }
        // Round first, then pick the unit and decimals from the rounded value,
        // so 999,999,500 ns reads "1.00s", not "1000ms".
        let units = [(1e3, "µs"), (1e6, "ms"), (1e9, "s")];
        let start = if ns < 1_000_000 {
            0
        } else if ns < 1_000_000_000 {
            1
        } else {
            2
        };
        for &(scale, unit) in units.get(start..).unwrap_or_default() {
            let value = ns as f64 / scale;
            let decimals = if value >= 99.95 {
                0
            } else if value >= 9.995 {
                1
            } else {
                2
            };
            let shown = format!("{value:.decimals$}");
            if unit == "s" || shown.parse::<f64>().is_ok_and(|v| v < 1000.0) {
                return write!(f, "{shown}{unit}");
            }
        }
        write!(f, "{ns}ns")
    }
}

/// Read from configuration files as written for people (`"10ms"`, `"1.5s"`,
/// `"2m"`) or as a number of nanoseconds; written back as nanoseconds.
impl<'de> Deserialize<'de> for DurationNs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DurationNs, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Nanoseconds(u64),
            Text(String),
        }
        match Written::deserialize(deserializer)? {
            Written::Nanoseconds(ns) => Ok(DurationNs(ns)),
            Written::Text(text) => parse_duration(&text).map_err(serde::de::Error::custom),
        }
    }
}

/// Writes a duration as a person would in a configuration file (`"100ms"`,
/// `"2s"`, `"250us"`), in the largest unit that keeps it a whole number, so
/// [`parse_duration`] reads back exactly the same value. For `serialize_with`
/// on settings: `tracelens print-config` and the config echoed in the JSON
/// then read `min_time = "10ms"`, not `10000000`.
pub fn as_written<S: serde::Serializer>(duration: &DurationNs, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&written(*duration))
}

fn written(duration: DurationNs) -> String {
    let ns = duration.0;
    let units = [
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
    ];
    match units.iter().find(|(scale, _)| ns != 0 && ns.is_multiple_of(*scale)) {
        Some((scale, unit)) => format!("{}{unit}", ns / scale),
        None => format!("{ns}ns"),
    }
}

/// `"10ms"`, `"1.5s"`, `"250us"`/`"250µs"`, `"2m"`, `"900ns"`, `"1h"`.
pub fn parse_duration(text: &str) -> Result<DurationNs, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3600e9,
        _ => {
            return Err(format!(
                "`{text}` is not a duration: write it like `10ms`, `1.5s` or `2m`"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write it like `10ms`, `1.5s` or `2m`"))?;
    let ns = value * scale;
    if !(0.0..=u64::MAX as f64).contains(&ns) {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(DurationNs(ns.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_durations_read_back_exactly() {
        for ns in [
            0,
            1,
            999,
            1_000,
            10_000,
            1_500_000,
            100_000_000,
            2_000_000_000,
            90_000_000_000,
            7_200_000_000_000,
            1_234_567_891,
        ] {
            let text = written(DurationNs(ns));
            assert_eq!(parse_duration(&text), Ok(DurationNs(ns)), "{text}");
        }
        assert_eq!(written(DurationNs(100_000_000)), "100ms");
        assert_eq!(written(DurationNs(10_000)), "10us");
        assert_eq!(written(DurationNs(120_000_000_000)), "2m");
    }

    #[test]
    fn durations_parse_as_people_write_them() {
        let cases = [
            ("10ms", 10_000_000),
            ("1.5s", 1_500_000_000),
            ("250µs", 250_000),
            ("250us", 250_000),
        ];
        for (text, ns) in cases {
            assert_eq!(parse_duration(text), Ok(DurationNs(ns)), "{text}");
        }
        assert_eq!(parse_duration("2m"), Ok(DurationNs(120_000_000_000)));
        assert!(parse_duration("10 parsecs").is_err() && parse_duration("ms").is_err());
        let read: DurationNs = serde_json::from_str("\"100ms\"").unwrap_or_default();
        assert_eq!(read, DurationNs(100_000_000));
        let read: DurationNs = serde_json::from_str("42").unwrap_or_default();
        assert_eq!(read, DurationNs(42));
    }

    #[test]
    fn durations_read_naturally() {
        let cases = [
            (0, "0ns"),
            (850, "850ns"),
            (12_345, "12.3µs"),
            (4_560_000, "4.56ms"),
            (999_400_000, "999ms"),
            (1_200_000_000, "1.20s"),
            (125_000_000_000, "2m 05s"),
            (3_725_000_000_000, "1h 02m 05s"),
            (90_061_000_000_000, "1d 01h 01m"),
            // Found by review: rounding used to happen after the unit was chosen.
            (999_999_500, "1.00s"),
            (9_999_500, "10.0ms"),
            (999_600, "1.00ms"),
            (99_960, "100µs"),
        ];
        for (ns, text) in cases {
            assert_eq!(DurationNs(ns).to_string(), text, "{ns} ns");
        }
    }

    #[test]
    fn timestamps_format_as_utc() {
        let t = TimestampNs(1_485_467_191_639_875_000);
        assert_eq!(t.to_rfc3339_millis(), "2017-01-26T21:46:31.639Z");
    }
}
