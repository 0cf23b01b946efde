//! Running text in GitHub-flavoured Markdown that a trace string cannot
//! turn into markup: names as code spans (fenced by more backticks than they
//! hold, pipes escaped inside tables), prose with every character Markdown
//! could read as syntax backslash-escaped, and no raw HTML at all.
//!
//! Before escaping, text is made [`visible`], so a newline, a
//! right-to-left override or a zero-width space in a name shows as an
//! escape and cannot end a table row, start a block or reorder the line.

use super::document::{Anchor, Inline};
use super::text::{NAME_LIMIT, PROSE_LIMIT, visible};

/// Where the text goes: a table cell also ends at an unescaped `|`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A paragraph, list item or heading.
    Flow,
    /// A table cell.
    Cell,
}

/// Writes `inlines`. Links to sections keep their anchor (headings make the
/// same ids); links to findings become their text, as Markdown headings
/// give findings no id of ours.
pub fn inlines(out: &mut String, inlines: &[Inline], place: Place) {
    for inline in inlines {
        match inline {
            Inline::Text(t) => prose(out, t),
            Inline::Strong(t) => {
                out.push_str("**");
                prose(out, t);
                out.push_str("**");
            }
            Inline::Name(n) => code(out, &visible(n, NAME_LIMIT), place),
            Inline::Link(t, Anchor::Section(id)) => {
                out.push('[');
                prose(out, t);
                out.push_str("](#");
                out.push_str(id);
                out.push(')');
            }
            Inline::Link(t, Anchor::Finding(_)) => prose(out, t),
        }
    }
}

/// Prose with Markdown's syntax characters escaped. A list marker (`-`,
/// `+`, or a number and `.` or `)`, then a space) and `=` only mean
/// something at the start of a line, where a piece of text may land; they
/// are escaped there, and left alone elsewhere (`-10%`, `1.45ms`).
pub fn prose(out: &mut String, text: &str) {
    let text = visible(text, PROSE_LIMIT);
    let chars: Vec<char> = text.chars().collect();
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let marker_ends = |i: usize| chars.get(i + 1).is_none_or(|c| c.is_whitespace());
    for (i, &c) in chars.iter().enumerate() {
        let bullet = i == 0 && (c == '=' || (matches!(c, '-' | '+') && marker_ends(i)));
        let list_number = i == digits && digits > 0 && matches!(c, '.' | ')') && marker_ends(i);
        if bullet
            || list_number
            || matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '$' | '!'
            )
        {
            out.push('\\');
        }
        out.push(c);
    }
}

/// `content` as one code span: fenced by one backtick more than its longest
/// run, padded when it starts or ends with a backtick or a space (which the
/// fence would otherwise eat). In a cell every `|` is escaped, after an even
/// number of backslashes so the table's own escaping pairs them right.
pub fn code(out: &mut String, content: &str, place: Place) {
    if content.is_empty() {
        out.push_str("` `");
        return;
    }
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = content.starts_with(['`', ' ']) || content.ends_with(['`', ' ']);
    out.push_str(&fence);
    if pad {
        out.push(' ');
    }
    let mut backslashes = 0;
    for c in content.chars() {
        if c == '|' && place == Place::Cell {
            if backslashes % 2 == 1 {
                out.push('\\');
            }
            out.push('\\');
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        out.push(c);
    }
    if pad {
        out.push(' ');
    }
    out.push_str(&fence);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(inline: Inline, place: Place) -> String {
        let mut out = String::new();
        inlines(&mut out, &[inline], place);
        out
    }

    #[test]
    fn prose_cannot_make_markup() {
        assert_eq!(
            md(
                Inline::Text("<img src=x onerror=alert(1)> *a* _b_ [c](d) | `e`".into()),
                Place::Flow
            ),
            "\\<img src=x onerror=alert(1)\\> \\*a\\* \\_b\\_ \\[c\\](d) \\| \\`e\\`"
        );
        assert_eq!(md(Inline::Text("1. item".into()), Place::Flow), "1\\. item");
        assert_eq!(md(Inline::Text("- item".into()), Place::Flow), "\\- item");
        assert_eq!(md(Inline::Text("-10% / 1.45ms".into()), Place::Flow), "-10% / 1.45ms");
        assert_eq!(md(Inline::Text("3)".into()), Place::Flow), "3\\)");
        assert_eq!(md(Inline::Text("a\nb".into()), Place::Flow), "a\\\\u{a}b");
    }

    #[test]
    fn names_are_code_spans_whatever_they_hold() {
        assert_eq!(md(Inline::Name("GET /a".into()), Place::Flow), "`GET /a`");
        assert_eq!(md(Inline::Name("a`b".into()), Place::Flow), "``a`b``");
        assert_eq!(md(Inline::Name("`x`".into()), Place::Flow), "`` `x` ``");
        assert_eq!(md(Inline::Name(String::new()), Place::Flow), "` `");
        assert_eq!(md(Inline::Name("a|b".into()), Place::Cell), "`a\\|b`");
        assert_eq!(md(Inline::Name("a|b".into()), Place::Flow), "`a|b`");
        // An odd run of backslashes before a pipe gets one more, so the
        // table pairs them and the pipe stays escaped.
        assert_eq!(md(Inline::Name("a\\|b".into()), Place::Cell), "`a\\\\\\|b`");
    }

    #[test]
    fn links_go_to_sections_only() {
        assert_eq!(
            md(Inline::Link("Latency".into(), Anchor::Section("latency")), Place::Flow),
            "[Latency](#latency)"
        );
        assert_eq!(
            md(
                Inline::Link("finding".into(), Anchor::Finding("finding-x".into())),
                Place::Flow
            ),
            "finding"
        );
    }
}
