//! What every renderer does to a string before writing it: split a sentence
//! into prose and the names it quotes in backticks, make invisible and
//! reordering characters visible, and cut names too long to read.
//!
//! The model's sentences quote names from the traces in backticks without
//! escaping them (a name with a backtick in it splits wrongly, but every
//! piece is still escaped as text by the format's writer, so that only
//! changes how it looks, never what it is).

use std::borrow::Cow;

/// The longest name shown whole (in characters). A span named by a 10,000
/// character string exists in hostile or broken data; the table cell and the
/// Markdown size budget are better served by its start and its length (the
/// JSON report keeps it whole).
pub const NAME_LIMIT: usize = 300;

/// The longest run of prose shown whole. Prose comes from the core and is
/// short; only a name whose backticks broke the quoting lands here.
pub const PROSE_LIMIT: usize = 2_000;

/// A piece of a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Prose.
    Prose(&'a str),
    /// A name or other literal quoted in backticks.
    Name(&'a str),
}

/// `sentence` split at its backticks: prose, then names and prose
/// alternating. An unmatched last backtick counts as prose.
pub fn pieces(sentence: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = sentence;
    while let Some(open) = rest.find('`') {
        let Some(close) = rest[open + 1..].find('`') else {
            break;
        };
        let (before, quoted) = (&rest[..open], &rest[open + 1..open + 1 + close]);
        if !before.is_empty() {
            out.push(Piece::Prose(before));
        }
        out.push(Piece::Name(quoted));
        rest = &rest[open + 2 + close..];
    }
    if !rest.is_empty() {
        out.push(Piece::Prose(rest));
    }
    out
}

/// `text` as a reader may see it: control characters (newlines included)
/// and the characters that reorder or hide text (bidirectional overrides and
/// isolates, zero-width marks) written as `\u{202e}`-style escapes, so a
/// name cannot break a line or a table, or show something else than it is;
/// then at most `limit` characters, with what was cut counted.
pub fn visible(text: &str, limit: usize) -> Cow<'_, str> {
    let clean = text.chars().take(limit + 1).all(|c| !hidden(c));
    if clean && text.chars().nth(limit).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(limit * 4 + 40));
    for (shown, c) in text.chars().enumerate() {
        if shown == limit {
            let more = (text.chars().count() - limit) as u64;
            let unit = if more == 1 { "character" } else { "characters" };
            out.push_str(&format!("… ({more} more {unit})"));
            return Cow::Owned(out);
        }
        if hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Characters that a reader cannot see or that change how the text around
/// them reads.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_at_backticks() {
        assert_eq!(
            pieces("`GET /a` in `cart` got slower"),
            vec![
                Piece::Name("GET /a"),
                Piece::Prose(" in "),
                Piece::Name("cart"),
                Piece::Prose(" got slower"),
            ]
        );
        assert_eq!(pieces("no names"), vec![Piece::Prose("no names")]);
        assert_eq!(pieces("odd ` tick"), vec![Piece::Prose("odd ` tick")]);
        assert_eq!(pieces("``"), vec![Piece::Name("")]);
    }

    #[test]
    fn hidden_characters_are_shown_as_escapes() {
        assert_eq!(visible("a\nb", 10), "a\\u{a}b");
        assert_eq!(visible("evil\u{202E}gnp.exe", 50), "evil\\u{202e}gnp.exe");
        assert_eq!(visible("plain", 10), Cow::Borrowed("plain"));
    }

    #[test]
    fn long_text_is_cut_and_counted() {
        let long = "x".repeat(10_000);
        let shown = visible(&long, NAME_LIMIT);
        assert!(shown.starts_with(&"x".repeat(NAME_LIMIT)));
        assert!(shown.ends_with("… (9700 more characters)"), "{shown}");
        assert_eq!(visible("abc", 3), "abc");
        assert_eq!(visible("abcd", 3), "abc… (1 more character)");
    }
}
