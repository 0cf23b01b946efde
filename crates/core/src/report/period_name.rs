//! A period's default name from its time range, in the words people use for
//! a sprint: `1–14 Dec 2026`, `28 Nov – 4 Dec 2026`, `2 Nov 2026`. Days are
//! UTC calendar days (the core has no time zone; the traces' own clock is
//! the only one).

/// The name of the range from `start_ns` to `end_ns` (ns since the epoch);
/// `None` when the data had no timed span.
pub fn period_name(start_ns: Option<u64>, end_ns: Option<u64>) -> Option<String> {
    let start = Date::of(start_ns?);
    let end = Date::of(end_ns?.max(start_ns?));
    let month = |d: &Date| MONTHS.get(d.month as usize - 1).copied().unwrap_or("?");
    Some(if start == end {
        format!("{} {} {}", start.day, month(&start), start.year)
    } else if (start.year, start.month) == (end.year, end.month) {
        format!("{}–{} {} {}", start.day, end.day, month(&end), end.year)
    } else if start.year == end.year {
        format!(
            "{} {} – {} {} {}",
            start.day,
            month(&start),
            end.day,
            month(&end),
            end.year
        )
    } else {
        format!(
            "{} {} {} – {} {} {}",
            start.day,
            month(&start),
            start.year,
            end.day,
            month(&end),
            end.year
        )
    })
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[derive(Debug, PartialEq, Eq)]
struct Date {
    year: i64,
    month: u32,
    day: u32,
}

impl Date {
    /// The UTC calendar date of an instant (days-to-civil, proleptic Gregorian).
    fn of(ns: u64) -> Date {
        let days = (ns / 86_400_000_000_000) as i64;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date { year, month, day }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Midnight UTC of a date, in ns (2026-12-01 is day 20,788 since the epoch).
    fn day(days: u64) -> u64 {
        days * 86_400_000_000_000
    }

    #[test]
    fn names_read_like_a_calendar() {
        let dec1 = day(20_788);
        assert_eq!(
            Date::of(dec1),
            Date {
                year: 2026,
                month: 12,
                day: 1
            }
        );
        assert_eq!(
            period_name(Some(dec1), Some(dec1 + day(13) + 5)),
            Some("1–14 Dec 2026".to_owned())
        );
        assert_eq!(
            period_name(Some(dec1 - day(14)), Some(dec1 - day(1))),
            Some("17–30 Nov 2026".to_owned())
        );
        assert_eq!(
            period_name(Some(dec1 - day(3)), Some(dec1 + day(3))),
            Some("28 Nov – 4 Dec 2026".to_owned())
        );
        assert_eq!(
            period_name(Some(dec1 + day(30)), Some(dec1 + day(33))),
            Some("31 Dec 2026 – 3 Jan 2027".to_owned())
        );
        assert_eq!(period_name(Some(dec1), Some(dec1 + 1)), Some("1 Dec 2026".to_owned()));
        assert_eq!(period_name(None, Some(dec1)), None);
        assert_eq!(
            Date::of(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
    }
}
