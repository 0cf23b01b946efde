//! Markdown tables and the size budget: a GitHub comment holds at most
//! 65,536 characters, so a long report gives up table rows, longest table
//! first, and says how many of what it left out; findings are cut only
//! when every table is empty, and text only when nothing else is left.
//!
//! Sizes are counted in UTF-16 code units: never fewer than characters, so
//! a text within the budget fits whether the counter counts characters (as
//! GitHub's limit is stated) or code units (as browsers do).

use super::document::Table;
use super::md_inline::{Place, inlines};

/// GitHub's limit on a comment's body.
pub const BUDGET: usize = 65_536;

/// A table's heading and delimiter rows.
pub fn head(table: &Table) -> String {
    let mut out = String::from("|");
    for column in &table.columns {
        out.push(' ');
        super::md_inline::prose(&mut out, column.title);
        out.push_str(" |");
    }
    out.push_str("\n|");
    for column in &table.columns {
        out.push_str(if column.numeric { " ---: |" } else { " --- |" });
    }
    out.push('\n');
    out
}

/// Each body row of a table, with its line break.
pub fn rows(table: &Table) -> Vec<String> {
    table
        .rows
        .iter()
        .map(|row| {
            let mut out = String::from("|");
            for cell in row {
                out.push(' ');
                inlines(&mut out, cell, Place::Cell);
                out.push_str(" |");
            }
            out.push('\n');
            out
        })
        .collect()
}

/// A piece of the document, for the budget.
pub enum Chunk {
    /// Text kept whole.
    Fixed(String),
    /// Rows that can be left out from the end.
    Rows(Rows),
}

/// A table (or the list of findings) that can give up rows.
pub struct Rows {
    /// Written before the rows while any is shown (a table's heading).
    pub head: String,
    /// The rows.
    pub rows: Vec<String>,
    /// What a row is (`endpoints`).
    pub noun: &'static str,
    /// Tables give rows first (0), then findings (1).
    pub rank: u8,
}

/// Everything measured once, for the trimming loop.
struct Sized {
    head: usize,
    rows: Vec<usize>,
    shown: usize,
    shown_len: usize,
}

impl Sized {
    fn len(&self, noun: &str) -> usize {
        let head = if self.shown > 0 { self.head } else { 0 };
        head + self.shown_len + omitted_note(self.rows.len() - self.shown, noun).map_or(0, |n| units(&n))
    }
}

/// `text`'s size as the budget counts it.
pub fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

fn omitted_note(omitted: usize, noun: &str) -> Option<String> {
    (omitted > 0).then(|| {
        format!(
            "\n*{omitted} more {noun} not shown: the Markdown report stays within GitHub's \
             65,536-character comment limit; the HTML and JSON reports have them all.*\n"
        )
    })
}

/// The chunks joined, rows left out until the text fits `budget`.
pub fn fit(chunks: Vec<Chunk>, budget: usize) -> String {
    let mut sized: Vec<Option<Sized>> = chunks
        .iter()
        .map(|c| match c {
            Chunk::Fixed(_) => None,
            Chunk::Rows(r) => {
                let rows: Vec<usize> = r.rows.iter().map(|row| units(row)).collect();
                Some(Sized {
                    head: units(&r.head),
                    shown: rows.len(),
                    shown_len: rows.iter().sum(),
                    rows,
                })
            }
        })
        .collect();
    let noun = |i: usize| match &chunks[i] {
        Chunk::Rows(r) => r.noun,
        Chunk::Fixed(_) => "",
    };
    let len_of = |i: usize, s: &Sized| s.len(noun(i));
    let mut total: usize = chunks
        .iter()
        .zip(&sized)
        .enumerate()
        .map(|(i, (c, s))| match (c, s) {
            (Chunk::Fixed(text), _) => units(text),
            (_, Some(s)) => len_of(i, s),
            _ => 0,
        })
        .sum();
    for rank in [0, 1] {
        while total > budget {
            let candidates: Vec<(usize, usize)> = sized
                .iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    let s = s.as_ref()?;
                    let ranked = matches!(&chunks[i], Chunk::Rows(r) if r.rank == rank);
                    (ranked && s.shown > 0).then(|| (i, len_of(i, s)))
                })
                .collect();
            let Some(&(longest, _)) = candidates.iter().max_by_key(|(i, len)| (*len, usize::MAX - i)) else {
                break;
            };
            let second = candidates
                .iter()
                .filter(|(i, _)| *i != longest)
                .map(|(_, len)| *len)
                .max()
                .unwrap_or(0);
            let Some(s) = sized[longest].as_mut() else { break };
            // Give up rows from the end until it fits, or this table is no
            // longer the longest.
            loop {
                let before = s.len(noun(longest));
                s.shown -= 1;
                s.shown_len -= s.rows[s.shown];
                let after = s.len(noun(longest));
                total = total + after - before;
                if total <= budget || after <= second || s.shown == 0 {
                    break;
                }
            }
        }
    }
    let mut out = String::new();
    for (chunk, s) in chunks.iter().zip(&sized) {
        match (chunk, s) {
            (Chunk::Fixed(text), _) => out.push_str(text),
            (Chunk::Rows(r), Some(s)) => {
                if s.shown > 0 {
                    out.push_str(&r.head);
                }
                for row in &r.rows[..s.shown] {
                    out.push_str(row);
                }
                if let Some(note) = omitted_note(r.rows.len() - s.shown, r.noun) {
                    out.push_str(&note);
                }
            }
            (Chunk::Rows(_), None) => {}
        }
    }
    if units(&out) > budget {
        cut(&mut out, budget);
    }
    out
}

/// The last resort: the text cut to the budget with a line saying so.
fn cut(out: &mut String, budget: usize) {
    const NOTE: &str = "\n\n*The report was cut here to stay within GitHub's 65,536-character comment limit.*\n";
    let room = budget.saturating_sub(units(NOTE));
    let mut used = 0;
    let end = out
        .char_indices()
        .find(|(_, c)| {
            used += c.len_utf16();
            used > room
        })
        .map_or(out.len(), |(i, _)| i);
    out.truncate(end);
    out.push_str(NOTE);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(noun: &'static str, n: usize, width: usize) -> Chunk {
        Chunk::Rows(Rows {
            head: "| h |\n| --- |\n".to_owned(),
            rows: (0..n).map(|i| format!("| {i:0width$} |\n")).collect(),
            noun,
            rank: 0,
        })
    }

    #[test]
    fn text_within_the_budget_is_whole() {
        let text = fit(vec![Chunk::Fixed("# a\n".into()), rows("endpoints", 3, 2)], 1000);
        assert_eq!(text, "# a\n| h |\n| --- |\n| 00 |\n| 01 |\n| 02 |\n");
    }

    #[test]
    fn the_longest_table_gives_rows_first_and_says_so() {
        let text = fit(
            vec![
                rows("endpoints", 2000, 10),
                Chunk::Fixed("\n".into()),
                rows("callers", 20, 10),
            ],
            10_000,
        );
        assert!(units(&text) <= 10_000);
        // The short table is whole; the long one lost its tail and counts it.
        assert_eq!(
            text.lines().filter(|l| l.starts_with("| 0")).count(),
            20 + 2000 - omitted(&text, "endpoints")
        );
        assert!(omitted(&text, "endpoints") > 1000);
        assert_eq!(omitted(&text, "callers"), 0);
    }

    #[test]
    fn text_alone_too_long_is_cut_with_a_note() {
        let text = fit(vec![Chunk::Fixed("é".repeat(1000))], 200);
        assert!(units(&text) <= 200, "{}", units(&text));
        assert!(text.starts_with("éé"));
        assert!(text.ends_with("comment limit.*\n"));
    }

    fn omitted(text: &str, noun: &str) -> usize {
        text.split(&format!(" more {noun} not shown"))
            .next()
            .filter(|t| t.len() < text.len())
            .and_then(|t| t.rsplit('*').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}
