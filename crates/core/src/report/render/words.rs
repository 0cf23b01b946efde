//! The words both formats use for the model's enums and numbers, so the HTML
//! and the Markdown of one report read the same.

use crate::analysis::detectors::Severity;
use crate::analysis::detectors::regression::Verdict;
use crate::report::{Status, WorkState};
use crate::time::TimestampNs;

/// "OTLP JSON" for the model's `otlp_json`: the name the import report shows
/// everywhere else; a name this build does not know reads as written.
pub fn format(name: &str) -> String {
    serde_json::from_value::<crate::import::Format>(serde_json::Value::String(name.to_owned()))
        .map_or_else(|_| name.to_owned(), |format| format.to_string())
}

/// `Critical`.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::Warning => "Warning",
        Severity::Info => "Info",
    }
}

/// `still open`.
pub fn status(status: Status) -> &'static str {
    match status {
        Status::New => "new",
        Status::StillOpen => "still open",
        Status::Resolved => "resolved",
    }
}

/// `won't fix`.
pub fn state(state: WorkState) -> &'static str {
    match state {
        WorkState::Open => "open",
        WorkState::Fixing => "fixing",
        WorkState::WontFix => "won't fix",
        WorkState::Done => "done",
    }
}

/// What the rank test said, in a word or two.
pub fn verdict(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Regression => "slower",
        Verdict::Improvement => "faster",
        Verdict::Unchanged => "no change",
        Verdict::TooFewSamples => "too few samples",
    }
}

/// `p < 0.001`, `p = 0.042`.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_owned()
    } else {
        format!("p = {p:.3}")
    }
}

/// A share, 0 to 1, as `9.4%`.
pub fn share(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// A whole share, 0 to 1, as `74%`.
pub fn whole_share(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

/// An instant to the minute: `2026-11-02 09:00`.
pub fn minute(ns: u64) -> String {
    let text = TimestampNs(ns).to_rfc3339_millis();
    text.get(..16).unwrap_or(&text).replacen('T', " ", 1)
}

/// `2026-11-02 09:00 – 09:03 UTC`, the date written once when it is one day.
pub fn range(start_ns: Option<u64>, end_ns: Option<u64>) -> Option<String> {
    let (start, end) = (minute(start_ns?), minute(end_ns?));
    let end = match (start.get(..10), end.get(..10), end.get(11..)) {
        (Some(a), Some(b), Some(time)) if a == b => time.to_owned(),
        _ => end,
    };
    Some(format!("{start} – {end} UTC"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_name_the_date_once() {
        let start = 1_793_610_002_739_678_000;
        assert_eq!(
            range(Some(start), Some(start + 180_000_000_000)).as_deref(),
            Some("2026-11-02 09:00 – 09:03 UTC")
        );
        assert_eq!(
            range(Some(start), Some(start + 86_400_000_000_000)).as_deref(),
            Some("2026-11-02 09:00 – 2026-11-03 09:00 UTC")
        );
        assert_eq!(range(None, Some(start)), None);
    }
}
