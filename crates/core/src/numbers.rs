//! How counts read, the same in the app, the CLI, the finding sentences and
//! the report: `1,234,567` with thousands separators, and a noun that agrees
//! with its count (`1 span`, `2 spans`; "1 spans" was a bug class of its own).

/// `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 span", "2 spans", "1,094 spans": a count and its noun in the right number.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), agrees(n, one, many))
}

/// `one` when `n` is 1, else `many`: a noun or verb that agrees with a count
/// ("1 of 3 traces has", "2 of 3 traces have").
pub fn agrees<'w>(n: u64, one: &'w str, many: &'w str) -> &'w str {
    if n == 1 { one } else { many }
}

/// A size in bytes as people read it, in binary units: `512 bytes`,
/// `63.5 KiB`, `64 MiB`, `2 GiB` (one decimal, none when it is `.0`).
pub fn bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    let Some(&(size, unit)) = UNITS.iter().find(|&&(size, _)| n >= size) else {
        return counted(n, "byte", "bytes");
    };
    let shown = format!("{:.1}", n as f64 / size as f64);
    format!("{} {unit}", shown.strip_suffix(".0").unwrap_or(&shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_binary_units() {
        let cases = [
            (1, "1 byte"),
            (512, "512 bytes"),
            (65_000, "63.5 KiB"),
            (64 << 20, "64 MiB"),
            (2 << 30, "2 GiB"),
            ((2 << 30) + (1 << 29), "2.5 GiB"),
        ];
        for (n, text) in cases {
            assert_eq!(bytes(n), text, "{n}");
        }
    }

    #[test]
    fn counts_read_with_separators_and_agreeing_nouns() {
        let cases = [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (1_094, "1,094"),
            (1_234_567, "1,234,567"),
        ];
        for (n, text) in cases {
            assert_eq!(count(n), text);
        }
        assert_eq!(counted(1, "span", "spans"), "1 span");
        assert_eq!(counted(0, "span", "spans"), "0 spans");
        assert_eq!(counted(3_918, "span", "spans"), "3,918 spans");
        assert_eq!(agrees(1, "has", "have"), "has");
    }
}
