//! Database statements folded to their shape, so `WHERE id = 42` and
//! `WHERE id = 43` count as the same query: numbers, quoted strings and
//! parameter markers (`?`, `$1`, `:name`, `@p1`) become `?`, lists of them
//! become one `?`, whitespace collapses and keywords keep their case.
//!
//! ```text
//! SELECT * FROM items WHERE id = 42 AND name = 'x'   →  SELECT * FROM items WHERE id = ? AND name = ?
//! select * from t where id in (1, 2, 3)              →  select * from t where id in (?)
//! ```

/// The normalized form of `statement`.
pub fn normalize(statement: &str) -> String {
    let mut out = String::with_capacity(statement.len());
    let mut chars = statement.chars().peekable();
    let mut last_was_space = true;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                // A quoted literal, with '' as an escaped quote. ("double quotes"
                // enclose identifiers in SQL: those are kept.)
                while let Some(d) = chars.next() {
                    if d == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                push_marker(&mut out);
                last_was_space = false;
            }
            '$' | ':' | '@'
                if chars.peek().is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_') && !prev_is_word(&out) =>
            {
                while chars.peek().is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_') {
                    chars.next();
                }
                push_marker(&mut out);
                last_was_space = false;
            }
            '?' => {
                push_marker(&mut out);
                last_was_space = false;
            }
            c if c.is_ascii_digit() && !prev_is_word(&out) => {
                while chars.peek().is_some_and(|d| d.is_ascii_alphanumeric() || *d == '.') {
                    chars.next();
                }
                push_marker(&mut out);
                last_was_space = false;
            }
            c if c.is_whitespace() => {
                if !last_was_space {
                    out.push(' ');
                }
                last_was_space = true;
            }
            c => {
                out.push(c);
                last_was_space = false;
            }
        }
    }
    collapse_lists(out.trim_end())
}

/// Whether the text so far ends inside a word (`t1`, `col_2`): digits there are not literals.
fn prev_is_word(out: &str) -> bool {
    out.chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

fn push_marker(out: &mut String) {
    out.push('?');
}

/// `(?, ?, ?)` → `(?)`: an IN list of any length is the same query.
fn collapse_lists(text: &str) -> String {
    let mut out = text.to_owned();
    while let Some(at) = out.find("?, ?").or_else(|| out.find("?,?")) {
        let end = at + if out[at..].starts_with("?, ?") { 4 } else { 3 };
        out.replace_range(at..end, "?");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn literals_and_markers_fold() {
        let cases = [
            (
                "SELECT * FROM items WHERE id = 42 AND name = 'x'",
                "SELECT * FROM items WHERE id = ? AND name = ?",
            ),
            ("SELECT * FROM items WHERE id = $1", "SELECT * FROM items WHERE id = ?"),
            (
                "select * from t where id in (1, 2, 3)",
                "select * from t where id in (?)",
            ),
            (
                "select * from t2 where a = :name and b = @p1",
                "select * from t2 where a = ? and b = ?",
            ),
            ("SELECT  *\n  FROM items  WHERE id=?", "SELECT * FROM items WHERE id=?"),
            (
                "UPDATE t SET s = 'it''s' WHERE v > 3.5",
                "UPDATE t SET s = ? WHERE v > ?",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input), expected, "{input}");
        }
        assert_eq!(
            normalize("SELECT * FROM items WHERE id = 1"),
            normalize("SELECT * FROM items WHERE id = 99")
        );
    }
}
