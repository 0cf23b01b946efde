//! Text as a terminal shows it: names from traces made safe to print, and
//! prose wrapped to the window.
//!
//! Trace data is untrusted: a span name can hold a newline, an escape
//! sequence or a bell. Printed raw, it could break the layout or drive the
//! terminal, so every name is passed through [`safe`] before it is written.

use std::io::IsTerminal;

/// Width used when standard output is not a terminal (a pipe, a file, CI logs).
const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, wrapping makes text harder to read, not easier.
const MIN_WIDTH: usize = 40;

/// The width to wrap prose to: the terminal's, else `COLUMNS`, else 100.
pub fn width() -> usize {
    let from_terminal = std::io::stdout()
        .is_terminal()
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(terminal_size::Width(w), _)| usize::from(w));
    let from_env = || std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok());
    from_terminal.or_else(from_env).unwrap_or(DEFAULT_WIDTH).max(MIN_WIDTH)
}

/// `text` with control characters written as escapes (`\n`, `\u{1b}`), so
/// a name from a trace prints on one line and cannot drive the terminal.
pub fn safe(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `text` broken at spaces into lines of at most `width` characters, the
/// first starting with `first`, the rest with `rest` (a hanging indent). A
/// word longer than a line is cut, so no line is ever wider than `width`.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_owned();
    let mut line_len = first.chars().count();
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let room = width.saturating_sub(line_len + usize::from(!empty));
            if word.len() <= room {
                if !empty {
                    line.push(' ');
                    line_len += 1;
                }
                line.extend(word.iter());
                line_len += word.len();
                empty = false;
                break;
            }
            if empty {
                // A word wider than a whole line: cut it where the line ends.
                let cut = room.max(1).min(word.len());
                line.extend(word.drain(..cut));
            }
            lines.push(std::mem::replace(&mut line, rest.to_owned()));
            line_len = rest.chars().count();
            empty = true;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(safe("GET /cart"), "GET /cart");
        assert_eq!(safe("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(safe("Überweisung 支付"), "Überweisung 支付");
    }

    #[test]
    fn wraps_at_spaces_with_a_hanging_indent() {
        let lines = wrap("one two three four five", 14, "1. ", "   ");
        assert_eq!(lines, ["1. one two", "   three four", "   five"]);
        assert!(lines.iter().all(|l| l.chars().count() <= 14));
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut() {
        let lines = wrap("x abcdefghijklmnop y", 10, "", "  ");
        assert!(lines.iter().all(|l| l.chars().count() <= 10), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), "xabcdefghijklmnopy");
    }
}
