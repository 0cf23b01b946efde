//! The values a repeated statement was run with, where the spans carry them,
//! and what they say about a loop of writes.
//!
//! A loop of `UPDATE … WHERE id = ?` is an N+1 to batch when it writes the
//! rows the request is about; when it writes rows the request never touched
//! (placing one order rewrites 16 other orders), batching would hide a bug.
//! The spans' bound parameters tell the two apart:
//!
//! - **Where they are.** OTel's `db.query.parameter.<key>` attributes, else a
//!   `sql.params` attribute: a JSON-looking object (`{"1":"…","7":"330"}`)
//!   that some JDBC tracers write without escaping the quotes of nested
//!   values, so it is read leniently: top-level entries are cut at the commas
//!   outside braces and brackets, and a piece that does not start with a
//!   quoted key belongs to the value before it.
//! - **Which row.** The last parameter (the highest numbered, else the last
//!   given): in `UPDATE … SET … WHERE key = ?` and `DELETE … WHERE key = ?`
//!   the row's key. How many different values it took says how many rows
//!   the loop wrote.
//! - **Rows it did not create.** When the repeated statement writes a table
//!   (`UPDATE t`, `DELETE FROM t`) and an `INSERT INTO t` ran before it
//!   under the same parent, an update whose other parameters are the
//!   insert's rewrites the row just created; the others are rows the request
//!   did not create.
//!
//! Without parameters nothing is said: a statement's text alone cannot tell
//! one row from another.

use crate::model::{AttrValue, TraceSet};

/// At most this many values named in a sentence; the rest are counted.
const NAMED_VALUES: usize = 3;

/// The bound parameters of span `i`, in order, as (key, value) text; empty
/// when it carries none.
pub(super) fn of(set: &TraceSet, i: u32) -> Vec<(String, String)> {
    let Some(span) = set.spans.get(i as usize) else {
        return Vec::new();
    };
    const PREFIX: &str = "db.query.parameter.";
    let mut params: Vec<(String, String)> = set
        .attributes_of(span)
        .iter()
        .filter_map(|a| {
            let key = set.str(a.key).strip_prefix(PREFIX)?;
            let value = match &a.value {
                AttrValue::Str(s) => set.str(*s).to_owned(),
                AttrValue::Int(n) => n.to_string(),
                AttrValue::Double(d) => d.to_string(),
                AttrValue::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((key.to_owned(), value))
        })
        .collect();
    if params.is_empty() {
        params = set
            .str_attribute(span, "sql.params")
            .map(parse_lenient)
            .unwrap_or_default();
    }
    params
}

/// The entries of a JSON-looking object whose nested quotes may be unescaped
/// (see the module doc). Not an object: no entries.
pub(super) fn parse_lenient(text: &str) -> Vec<(String, String)> {
    let Some(inner) = text.trim().strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
        return Vec::new();
    };
    let mut entries: Vec<(String, String)> = Vec::new();
    for piece in top_level_pieces(inner) {
        match keyed(piece) {
            Some((key, value)) => entries.push((key.to_owned(), value.to_owned())),
            // A comma inside a plain value: the piece goes on with the value before it.
            None => {
                if let Some((_, value)) = entries.last_mut() {
                    value.push(',');
                    value.push_str(piece);
                }
            }
        }
    }
    for (_, value) in &mut entries {
        *value = unquoted(value.trim()).to_owned();
    }
    entries
}

/// `text` cut at the commas outside braces and brackets (quotes are not
/// trusted: nested ones may be unescaped).
fn top_level_pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (at, c) in text.char_indices() {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            ',' if depth <= 0 => {
                pieces.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces
}

/// `"key": value` → (key, value), when the piece starts with a short quoted key.
fn keyed(piece: &str) -> Option<(&str, &str)> {
    let rest = piece.trim_start().strip_prefix('"')?;
    let (key, value) = rest.split_once('"')?;
    let value = value.trim_start().strip_prefix(':')?;
    let plain = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '$' | '@' | ':'));
    plain.then_some((key, value))
}

fn unquoted(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// The last parameter of `params`: the highest numbered key when every key is
/// a number (JDBC's 1-based indexes), else the last given.
pub(super) fn last(params: &[(String, String)]) -> Option<&(String, String)> {
    let numbered: Option<Vec<(u64, &(String, String))>> =
        params.iter().map(|p| p.0.parse::<u64>().ok().map(|n| (n, p))).collect();
    match numbered {
        Some(numbered) => numbered.into_iter().max_by_key(|&(n, _)| n).map(|(_, p)| p),
        None => params.last(),
    }
}

/// What a statement does to a table: `UPDATE t`, `DELETE FROM t` (a write of
/// existing rows) or `INSERT INTO t`; the table as written, lower-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Write {
    /// Rows that exist are written: `UPDATE`, `DELETE`.
    Existing(String),
    /// A row is created: `INSERT`.
    Insert(String),
}

/// How `statement` writes, if it does.
pub(super) fn write_of(statement: &str) -> Option<Write> {
    let mut words = statement.split_whitespace();
    let verb = words.next()?.to_ascii_lowercase();
    let table = |word: Option<&str>| {
        word.map(|w| {
            w.trim_matches(|c| matches!(c, '`' | '"' | '(' | '[' | ']'))
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty())
    };
    // `DELETE FROM t`, `INSERT INTO t`; some dialects leave the word out.
    let mut after = |word: &str| {
        let next = words.next()?;
        table(if next.eq_ignore_ascii_case(word) {
            words.next()
        } else {
            Some(next)
        })
    };
    match verb.as_str() {
        "update" => after("").map(Write::Existing),
        "delete" => after("from").map(Write::Existing),
        "insert" => after("into").map(Write::Insert),
        _ => None,
    }
}

/// What the bound parameters of a repeated statement's runs say, as a clause
/// for the finding's sentence ("; each with a different last parameter: …"),
/// or `None` when fewer than two runs carry parameters.
///
/// `runs` are the repeated spans (in start order; those without parameters,
/// a JDBC `prepare` beside its `execute`, are passed over); `insert`, the
/// parameters of an `INSERT INTO` the same table that ran before them under
/// the same parent, when the statement writes existing rows.
pub(super) fn clause(
    set: &TraceSet,
    runs: &[u32],
    table: Option<&str>,
    insert: Option<&[(String, String)]>,
    owner: Option<&Owner>,
) -> Option<Said> {
    let with_params: Vec<Vec<(String, String)>> = runs.iter().map(|&i| of(set, i)).filter(|p| !p.is_empty()).collect();
    let lasts: Vec<&str> = with_params
        .iter()
        .filter_map(|p| last(p).map(|(_, v)| v.as_str()))
        .collect();
    if lasts.len() < 2 {
        return None;
    }
    let only = |text: String| Said {
        text,
        rewrites_others: false,
    };
    let mut distinct: Vec<&str> = Vec::new();
    for value in &lasts {
        if !distinct.contains(value) {
            distinct.push(value);
        }
    }
    let named = named_values(&distinct);
    let values = if distinct.len() == lasts.len() {
        format!(
            "; each with a different last parameter: {} values, {named}",
            lasts.len()
        )
    } else if distinct.len() == 1 {
        format!(
            "; each with the same last parameter ({named}): one row written {} times",
            lasts.len()
        )
    } else {
        format!(
            "; {} different values of the last parameter in {} runs: {named}",
            distinct.len(),
            lasts.len()
        )
    };
    let (Some(table), Some(insert)) = (table, insert) else {
        return Some(only(values));
    };
    // An update that writes the inserted row carries the insert's values.
    let inserted: Vec<&str> = insert.iter().map(|(_, v)| v.as_str()).collect();
    let rewrites_new = |params: &Vec<(String, String)>| {
        let key = last(params).map(|(k, _)| k);
        let others: Vec<&str> = params
            .iter()
            .filter(|(k, _)| Some(k) != key)
            .map(|(_, v)| v.as_str())
            .collect();
        !others.is_empty() && others.iter().all(|v| inserted.contains(v))
    };
    let created = with_params.iter().filter(|p| rewrites_new(p)).count();
    let not_created = distinct.len().saturating_sub(created.min(1));
    if not_created == 0 {
        return Some(only(values));
    }
    // Whose rows they are, when the statement sets an owner column: the
    // values of the rows not created that are not the insert's own.
    let mut owners: Vec<&str> = Vec::new();
    if let Some(owner) = owner {
        for params in with_params.iter().filter(|p| !rewrites_new(p)) {
            if let Some(value) = owner.value(params)
                && !inserted.contains(&value)
                && !owners.contains(&value)
            {
                owners.push(value);
            }
        }
    }
    let whose = match (owner, owners.len()) {
        (Some(owner), n) if n > 0 => format!(
            " (for {n} other `{}` {})",
            super::shown(&owner.column),
            if n == 1 { "value" } else { "values" }
        ),
        _ => String::new(),
    };
    let rows = if not_created == 1 { "row" } else { "rows" };
    let table = super::shown(table);
    let new_one = if created > 0 {
        " besides rewriting the one it inserted"
    } else {
        ""
    };
    Some(Said {
        text: format!(
            "{values}; after one insert into `{table}` under the same parent, it writes {not_created} {rows} of `{table}` the request did not create{whose}{new_one}: check why (an ORM saving a whole collection?) rather than only batching the writes"
        ),
        rewrites_others: true,
    })
}

/// What the bound parameters say of a loop of statements.
pub(super) struct Said {
    /// The clause for the finding's sentence ("; each with a different last parameter: …").
    pub text: String,
    /// It writes rows of a table its request did not create, after inserting
    /// one: other data rewritten, a risk beyond what it costs in time.
    pub rewrites_others: bool,
}

/// The clause of [`clause`] for the repeated runs of `statement` in
/// `occurrences` (each a parent's repeated spans): the insert it follows is
/// looked for among the siblings of the first occurrence that has one.
pub(super) fn said(context: &super::Context<'_>, statement: &str, occurrences: &[&[u32]]) -> Option<Said> {
    let set = context.set;
    let runs: Vec<u32> = occurrences.iter().flat_map(|o| o.iter().copied()).collect();
    let Some(Write::Existing(table)) = write_of(statement) else {
        return clause(set, &runs, None, None, None);
    };
    let insert = occurrences
        .iter()
        .find_map(|spans| insert_before(context, spans, &table));
    clause(
        set,
        &runs,
        Some(&table),
        insert.as_deref(),
        owner_column(statement).as_ref(),
    )
}

/// The parameters of the `INSERT INTO table` that ran under the same parent
/// before the first of `spans`, when it carries some.
fn insert_before(context: &super::Context<'_>, spans: &[u32], table: &str) -> Option<Vec<(String, String)>> {
    let set = context.set;
    let &first = spans.first()?;
    let start = set.spans.get(first as usize)?.start;
    let parent = context.index.parent.get(first as usize).copied().flatten()?;
    context.index.children_of(parent).iter().find_map(|&c| {
        let span = set.spans.get(c as usize)?;
        let text = context.database.text(context.database.shape(c)?);
        let inserts = span.start <= start && write_of(text) == Some(Write::Insert(table.to_owned()));
        let params = of(set, c);
        (inserts && !params.is_empty()).then_some(params)
    })
}

/// The column of an `UPDATE … SET` that says whose a row is (`user_id`,
/// `owner_id`, `customer_id`, `account_id`, `tenant_id`), and which bound
/// parameter sets it: the `?` it is set to, counted from 1 as JDBC numbers
/// them.
pub(super) struct Owner {
    column: String,
    number: usize,
}

impl Owner {
    /// Its value among a run's parameters: by number (JDBC counts from 1;
    /// OTel's `db.query.parameter.<key>` indexes from 0, as a key `0` shows),
    /// or by the column's name where parameters are named.
    fn value<'p>(&self, params: &'p [(String, String)]) -> Option<&'p str> {
        let from_zero = params.iter().any(|(k, _)| k == "0");
        let number = (self.number - usize::from(from_zero)).to_string();
        params
            .iter()
            .find(|(k, _)| *k == number || k.eq_ignore_ascii_case(&self.column))
            .map(|(_, v)| v.as_str())
    }
}

/// The owner column `statement` sets, if it is an `UPDATE … SET a=?, b=? …`
/// that sets one (see [`Owner`]).
pub(super) fn owner_column(statement: &str) -> Option<Owner> {
    const OWNERS: [&str; 5] = ["user_id", "owner_id", "customer_id", "account_id", "tenant_id"];
    let lower = statement.to_ascii_lowercase();
    let set = lower.strip_prefix("update ")?.split_once(" set ")?.1;
    let set = set.split(" where ").next().unwrap_or(set);
    let mut number = 0;
    for assignment in top_level_pieces(set) {
        let (column, value) = assignment.split_once('=')?;
        // Placeholders are numbered in the order they appear.
        number += value.matches('?').count();
        let column = column
            .trim()
            .rsplit('.')
            .next()
            .unwrap_or("")
            .trim_matches(|c| matches!(c, '`' | '"'));
        if value.trim() == "?"
            && OWNERS
                .iter()
                .any(|o| column == *o || column.ends_with(&format!("_{o}")))
        {
            return Some(Owner {
                column: column.to_owned(),
                number,
            });
        }
    }
    None
}

/// "330, 287, 333 and 14 more".
fn named_values(values: &[&str]) -> String {
    let shown: Vec<String> = values.iter().take(NAMED_VALUES).map(|v| super::shown(v)).collect();
    match values.len().saturating_sub(NAMED_VALUES) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescaped_nested_quotes_are_read_leniently() {
        let text = r#"{"1":"1602640007910","2":"{"street_address":"250 Rt 59","city":"Airmont","zip_code":10901}","6":"8abc","7":"330"}"#;
        let params = parse_lenient(text);
        let keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["1", "2", "6", "7"]);
        assert_eq!(
            params[1].1,
            r#"{"street_address":"250 Rt 59","city":"Airmont","zip_code":10901}"#
        );
        assert_eq!(last(&params).map(|(_, v)| v.as_str()), Some("330"));
    }

    #[test]
    fn a_comma_in_a_plain_value_stays_in_it() {
        let params = parse_lenient(r#"{"1":"Smith, John","2":"7"}"#);
        assert_eq!(params, [("1".into(), "Smith, John".into()), ("2".into(), "7".into())]);
    }

    #[test]
    fn what_is_no_object_gives_nothing() {
        assert!(parse_lenient("[1, 2]").is_empty());
        assert!(parse_lenient("").is_empty());
        assert!(parse_lenient("{").is_empty());
    }

    #[test]
    fn the_last_parameter_is_the_highest_numbered() {
        let params = vec![("10".into(), "a".into()), ("9".into(), "b".into())];
        assert_eq!(last(&params).map(|(_, v)| v.as_str()), Some("a"));
        let named = vec![("order_id".into(), "1".into()), ("user".into(), "2".into())];
        assert_eq!(last(&named).map(|(_, v)| v.as_str()), Some("2"));
    }

    #[test]
    fn an_owner_column_is_found_by_its_placeholder() {
        let found = |statement: &str| owner_column(statement).map(|o| (o.column, o.number));
        assert_eq!(
            found("update shop.order set created=?, total_cost=?, user_id=? where order_id=?"),
            Some(("user_id".to_owned(), 3))
        );
        let owner = Owner {
            column: "user_id".to_owned(),
            number: 3,
        };
        let params = [("3".to_owned(), "u7".to_owned()), ("4".to_owned(), "330".to_owned())];
        assert_eq!(owner.value(&params), Some("u7"));
        let from_zero = [
            ("0".to_owned(), "a".to_owned()),
            ("2".to_owned(), "u7".to_owned()),
            ("3".to_owned(), "330".to_owned()),
        ];
        assert_eq!(owner.value(&from_zero), Some("u7"));
        assert_eq!(
            found("UPDATE t SET n = n + 1, a = ?, shop_owner_id = ? WHERE id = ?"),
            Some(("shop_owner_id".to_owned(), 2))
        );
        assert!(owner_column("update t set name=? where id=?").is_none());
        assert!(owner_column("update t set user_id=5 where id=?").is_none());
        assert!(owner_column("select user_id from t").is_none());
    }

    #[test]
    fn writes_name_their_table() {
        assert_eq!(
            write_of("update shop.order set a=? where id=?"),
            Some(Write::Existing("shop.order".into()))
        );
        assert_eq!(
            write_of("DELETE FROM `t` WHERE id = ?"),
            Some(Write::Existing("t".into()))
        );
        assert_eq!(
            write_of("insert into shop.order (a) values (?)"),
            Some(Write::Insert("shop.order".into()))
        );
        assert_eq!(write_of("SELECT * FROM t"), None);
    }
}
