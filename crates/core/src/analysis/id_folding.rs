//! Identifiers folded out of paths and names (`/orders/12345/items` →
//! `/orders/{id}/items`), so every request of one route, and every call to
//! one resource, gets one name. Endpoint names (`groups.rs`), callee keys and
//! span names of calls (`detectors/calls.rs`) and the paths broken
//! propagation matches all fold the same way, so the same URL never reads as
//! two different templates in two places.

/// Appends `text` to `out` with the identifiers in it folded to `{id}`. Text
/// is cut into tokens at `/`, space, `:`, `=`, `,`, `&` and `;`; a token is an
/// identifier by [`is_id`].
pub fn fold_ids(text: &str, out: &mut String) {
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(is_separator).unwrap_or(rest.len());
        let (token, after) = rest.split_at(end);
        if is_id(token) {
            out.push_str("{id}");
        } else {
            out.push_str(token);
        }
        let mut chars = after.chars();
        if let Some(separator) = chars.next() {
            out.push(separator);
        }
        rest = chars.as_str();
    }
}

/// `text` with its identifiers folded, as a new string.
pub fn folded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_ids(text, &mut out);
    out
}

fn is_separator(c: char) -> bool {
    matches!(c, '/' | ' ' | ':' | '=' | ',' | '&' | ';')
}

/// Whether a token names one item rather than a route or an operation: all
/// digits; hex (a UUID, a hash) of 8 or more with a digit; a token of 8 or
/// more letters and digits mixed (`9SIQT8TOJO`, an anonymised UUID); or a
/// dotted token of 24 or more whose every part is one of those (a JWT).
/// Words, versions (`v2`, `oauth2`, `v1.0`), addresses (`10.0.0.1`) and
/// dotted names (`hipstershop.CartService`, `x01.table.core.windows.net`) stay.
pub fn is_id(token: &str) -> bool {
    const TOKEN_LEN: usize = 8;
    const DOTTED_LEN: usize = 24;
    is_plain_id(token, TOKEN_LEN)
        || (token.len() >= DOTTED_LEN
            && token.contains('.')
            && token.split('.').all(|part| is_plain_id(part, TOKEN_LEN)))
}

fn is_plain_id(token: &str, min_len: usize) -> bool {
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    if token.is_empty() || digits == 0 {
        return false;
    }
    if digits == token.len() {
        return true;
    }
    let hex = token.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    let mixed = token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && token.bytes().any(|b| b.is_ascii_alphabetic());
    (hex || mixed) && token.len() >= min_len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_dotted_names_stay() {
        assert_eq!(folded("GET 10.0.0.1/x"), "GET 10.0.0.1/x");
        assert_eq!(folded("v1.0"), "v1.0");
        assert_eq!(folded("/OLJCESPC7Z"), "/{id}");
    }
}
