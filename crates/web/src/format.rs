//! How numbers read on screen. Durations use the core's formatting so the page
//! and the CLI print the same text.

use tracelens_core::time::{DurationNs, TimestampNs};

/// `2026-11-02 09:00:11.600` (UTC), for tables.
pub fn timestamp(t: TimestampNs) -> String {
    t.to_rfc3339_millis()
        .replacen('T', " ", 1)
        .trim_end_matches('Z')
        .to_owned()
}

/// `2026-11-02 09:00:00.667 → 2026-11-02 09:03:49.572 (3m 48s)` (UTC).
pub fn time_range(start: Option<TimestampNs>, end: Option<TimestampNs>) -> String {
    match (start, end) {
        (Some(start), Some(end)) => format!(
            "{} → {} ({})",
            timestamp(start),
            timestamp(end),
            end.saturating_since(start)
        ),
        _ => "no timestamps".to_owned(),
    }
}

/// `12.5%`, or `0%` for exactly zero so clean rows read as clean.
pub fn percent(rate: f64) -> String {
    if rate == 0.0 {
        "0%".to_owned()
    } else {
        format!("{:.1}%", rate * 100.0)
    }
}

/// `1,234,567`: the core's, so the page and the exports read alike.
pub use tracelens_core::numbers::count;

/// A round duration for an axis label: the core's text without trailing
/// zeros, so ticks read `1ms`, `2.5ms`, `10ms` rather than `1.00ms`.
pub fn tick(d: DurationNs) -> String {
    let text = d.to_string();
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(number_end);
    if number.contains('.') {
        format!("{}{unit}", number.trim_end_matches('0').trim_end_matches('.'))
    } else {
        text
    }
}

/// `12.3 MB` (powers of 1024, as file managers show sizes).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
