//! Error messages folded to their shape, so the same failure with a different
//! URL, ID, address or count is counted as one: `Connection refused to
//! 10.0.0.7:6379` and `Connection refused to 10.0.0.9:6379` both read
//! `Connection refused to <ip>`.
//!
//! Folded, in this order: URLs (`<url>`), UUIDs (`<uuid>`), IPv4 addresses
//! with or without a port (`<ip>`), `host:port` and dotted host names of three
//! labels or more (`<host>`), hexadecimal IDs of 8 digits or more and `0x…`
//! (`<hex>`), quoted values (`'<value>'`; a quoted JSON key stays), and every
//! other run of digits (`<n>`), but for HTTP status codes: a number from 100
//! to 599 right after the word `status`, `code` or `HTTP`, or after such a
//! code (`Expected status: 404 != 200`), says what went wrong and stays. Messages are folded whole and only shortened
//! for display, after counting, so two messages that differ past any cut-off
//! are never merged.

/// `message` with its variable parts folded.
pub fn normalise(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message.trim();
    let mut previous: Option<char> = None;
    // The last word said a status code follows (`status`, or a code itself).
    let mut status_follows = false;
    while let Some(c) = rest.chars().next() {
        let at_word_start = previous.is_none_or(|p| !is_word_char(p));
        // A quote opens a value after a space or punctuation, not inside a word (`can't`).
        let may_open_quote = previous.is_none_or(|p| !p.is_alphanumeric());
        let consumed = if at_word_start && let Some(len) = url_len(rest) {
            out.push_str("<url>");
            len
        } else if (c == '"' || c == '\'')
            && may_open_quote
            && let Some(len) = quoted_value_len(rest, c)
        {
            out.push(c);
            out.push_str("<value>");
            out.push(c);
            len
        } else if is_word_char(c) {
            let len = rest.find(|ch: char| !is_word_char(ch)).unwrap_or(rest.len());
            let (word, _) = rest.split_at(len);
            // Punctuation closing a sentence or a key is not part of the word.
            let core = word.trim_end_matches(['.', ':', '-']);
            let status = status_follows && is_status_code(core);
            if status {
                out.push_str(core);
            } else {
                fold_word(core, &mut out);
            }
            out.push_str(&word[core.len()..]);
            status_follows = status || ["status", "code", "http"].iter().any(|w| core.eq_ignore_ascii_case(w));
            len
        } else {
            out.push(c);
            c.len_utf8()
        };
        previous = rest[..consumed].chars().next_back();
        rest = &rest[consumed..];
    }
    out
}

/// An HTTP status code: three digits from 100 to 599.
fn is_status_code(word: &str) -> bool {
    word.len() == 3 && word.bytes().all(|b| b.is_ascii_digit()) && word.starts_with(['1', '2', '3', '4', '5'])
}

/// `text` cut to `max` characters with an ellipsis, for display only.
pub fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_owned(),
    }
}

/// `text` as it can stand inside an explanation: control characters and
/// backslashes escaped, quotes and apostrophes left as they read.
pub fn readable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' || c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// Letters, digits and the characters that hold IDs, hosts and numbers together.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '_')
}

/// The length of the URL `text` starts with (`scheme://…` up to a space or a
/// quote, closing punctuation left out), if it starts with one.
fn url_len(text: &str) -> Option<usize> {
    // Only the scheme's own characters are read before `://`, so a long
    // message is not scanned again from every word.
    let scheme = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
        .unwrap_or(text.len());
    let is_scheme = (1..=10).contains(&scheme)
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text[scheme..].starts_with("://");
    if !is_scheme {
        return None;
    }
    let end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'))
        .unwrap_or(text.len());
    Some(text[..end].trim_end_matches(['.', ',', ';', ')', ']', '}']).len())
}

/// The length of the quoted value `text` starts with, quotes included; `None`
/// when the quote is not closed at the end of a word, or it quotes a JSON key.
fn quoted_value_len(text: &str, quote: char) -> Option<usize> {
    let inner = &text[quote.len_utf8()..];
    let close = inner.find(quote)?;
    let len = quote.len_utf8() + close + quote.len_utf8();
    let after = text[len..].chars().next();
    if close == 0 || after.is_some_and(is_word_char) && after != Some('.') {
        return None;
    }
    (after != Some(':')).then_some(len)
}

/// Appends `word` folded: the whole word when it is an ID, an address or a
/// number, else with its digit runs folded.
fn fold_word(word: &str, out: &mut String) {
    if let Some(token) = whole_word_token(word) {
        out.push_str(token);
        return;
    }
    let mut digits = false;
    for c in word.chars() {
        if c.is_ascii_digit() {
            if !digits {
                out.push_str("<n>");
            }
            digits = true;
        } else {
            digits = false;
            out.push(c);
        }
    }
}

/// The token that stands for all of `word`, if it is one value.
fn whole_word_token(word: &str) -> Option<&'static str> {
    if is_uuid(word) {
        return Some("<uuid>");
    }
    let (host, port) = match word.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => (host, true),
        _ => (word, false),
    };
    if is_ipv4(host) {
        return Some("<ip>");
    }
    let labels = host.split('.').count();
    let host_name = !host.is_empty()
        && host.starts_with(|c: char| c.is_ascii_alphabetic())
        && host
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        && !host.contains("..");
    if host_name && (port || labels >= 3) {
        return Some("<host>");
    }
    let hex_digits = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X"));
    if hex_digits.is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit())) {
        return Some("<hex>");
    }
    let is_hex_id = word.len() >= 8
        && word.chars().all(|c| c.is_ascii_hexdigit())
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_alphabetic());
    is_hex_id.then_some("<hex>")
}

fn is_uuid(word: &str) -> bool {
    let groups: Vec<&str> = word.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_ipv4(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_parts_fold_and_words_stay() {
        let cases = [
            ("redis timeout", "redis timeout"),
            (
                "Url: http://observability-clickhouse:8123/ Expected status: 404 != 200",
                "Url: <url> Expected status: 404 != 200",
            ),
            ("Connection refused to 10.0.0.12:6379.", "Connection refused to <ip>."),
            (
                "dial tcp redis-cart:6379: connect: refused",
                "dial tcp <host>: connect: refused",
            ),
            (
                "lookup cartservice.default.svc.cluster.local: no such host",
                "lookup <host>: no such host",
            ),
            (
                "order 36de61d2-63c5-411e-bddd-64e4f580792c not found",
                "order <uuid> not found",
            ),
            ("span fe65c5beefbe4e96 at 0x7ffd3a", "span <hex> at <hex>"),
            (
                "File '/otel-traces/traces.jsonl' does not exist.",
                "File '<value>' does not exist.",
            ),
            ("Can't access cart storage", "Can't access cart storage"),
            (
                r#"returned 403: {"detail":"The runner can not be used","status":null}"#,
                r#"returned <n>: {"detail":"<value>","status":null}"#,
            ),
            ("driver T757492C retry 3 of 5", "driver T<n>C retry <n> of <n>"),
            ("HTTP 503 after 250 ms", "HTTP 503 after <n> ms"),
            ("status code 500 in 300 ms", "status code 500 in <n> ms"),
            ("timed out after 300 ms", "timed out after <n> ms"),
            ("System.IO.IOException: disk full", "System.IO.IOException: disk full"),
        ];
        for (message, folded) in cases {
            assert_eq!(normalise(message), folded, "{message}");
        }
    }

    #[test]
    fn messages_differing_past_eighty_characters_stay_apart() {
        let stem = "x".repeat(100);
        assert_ne!(
            normalise(&format!("{stem} disk full")),
            normalise(&format!("{stem} quota"))
        );
    }

    #[test]
    fn readable_text_escapes_control_characters_but_not_quotes() {
        assert_eq!(readable("Can't \"x\"\n\\"), "Can't \"x\"\\n\\\\");
    }

    #[test]
    fn shortening_is_for_display_and_marks_the_cut() {
        assert_eq!(shortened("abcdef", 3), "abc…");
        assert_eq!(shortened("abc", 3), "abc");
        assert_eq!(shortened("ééééé", 2), "éé…");
    }
}
