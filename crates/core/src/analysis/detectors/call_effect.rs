//! Whether a remote call only reads, told from its HTTP method or the verb
//! that opens its RPC method's name.
//!
//! A trace cannot show whether a call needs another's result, but the calls'
//! own names say what they do. A request that changes state is a workflow:
//! the hipster shop's checkout gets the cart, then charges, ships, empties
//! the cart, stores the order and mails it, each step after the one before
//! for a reason. Reads in a row are the calls that may not need each other:
//! a page fetching its featured items, the account and the recommendations.
//!
//! A call reads when, on the call or else on the server span it reached:
//! - its HTTP method (`http.request.method`, `http.method`, or a word of its
//!   name: `GET /featured`, `HTTP GET: /route`) is `GET`, `HEAD` or `OPTIONS`;
//! - or its RPC method (`rpc.method`, the last part of `grpc.method`, else the
//!   last part of the span name after `/` or `.`:
//!   `Sent.hipstershop.CartService.GetCart`) opens with a verb that reads
//!   (`Get`, `List`, `Find`, `Search`, `Fetch`, …).
//!
//! Anything else (a write, or a name that says nothing) is not a read: no
//! saving is promised on a guess.

use crate::index::TraceIndex;
use crate::intern::Sym;
use crate::model::{AttrValue, SpanKind, TraceSet};

/// Verbs that open the name of an RPC method that only reads, lowercase.
const READ_VERBS: &[&str] = &[
    "get", "list", "find", "search", "fetch", "read", "query", "lookup", "load", "check", "count", "describe",
    "retrieve", "has", "is", "exists", "select", "browse", "scan", "view", "show", "convert",
];

/// Verbs that open the last segment of a path that asks a question about
/// what it is sent, lowercase: a token check (`POST /oauth/check_token`), an
/// introspection (`POST /oauth2/introspect`), a validation. Such calls are
/// sent by `POST` (a token travels in the body, not the URL), so their method
/// alone would call them writes.
const CHECK_VERBS: &[&str] = &["check", "verify", "validate", "introspect"];

/// Whether a callee's path (`auth/oauth/check_token`, or an RPC's
/// `auth.AuthService/Check`) ends in a segment that
/// opens with a verb of checking: `check_token`, `verifyToken`,
/// `introspect`; not `checkout` or `validateownership`, where the verb runs
/// into another word.
pub(super) fn path_checks(path: &str) -> bool {
    let last = path
        .rsplit(['/', ' '])
        .find(|segment| !segment.is_empty())
        .unwrap_or("");
    opens_with(last, CHECK_VERBS)
}

/// Words that name a credential, lowercase: what a check of the caller's
/// identity checks (`/oauth/check_token`, `AuthService/Check`,
/// `/sessions/validate`).
const CREDENTIAL_WORDS: &[&str] = &[
    "token",
    "auth",
    "session",
    "credential",
    "identity",
    "jwt",
    "introspect",
    "principal",
    "apikey",
    "api_key",
];

/// Whether a callee or operation (`auth/oauth/check_token`,
/// `auth.AuthService/Check`) checks a credential: its last segment opens
/// with a verb of checking ([`path_checks`]) and it names a credential. Such
/// a call asks about the credential its request carries, which the call
/// does not record (a token travels in a body or a header).
pub(super) fn checks_credential(callee: &str) -> bool {
    if !path_checks(callee) {
        return false;
    }
    let callee = callee.to_ascii_lowercase();
    CREDENTIAL_WORDS.iter().any(|word| callee.contains(word))
}

/// The attribute keys the classification reads, looked up once per set.
pub(super) struct CallEffects {
    method: Vec<Sym>,
    rpc_method: Vec<Sym>,
}

impl CallEffects {
    /// The keys of `set`'s string table.
    pub(super) fn of(set: &TraceSet) -> CallEffects {
        let keys = |names: &[&str]| -> Vec<Sym> { names.iter().filter_map(|n| set.strings.get(n)).collect() };
        CallEffects {
            method: keys(&["http.request.method", "http.method"]),
            rpc_method: keys(&["rpc.method", "grpc.method"]),
        }
    }

    /// Whether call `i` only reads (by the call, else by the server span it reached).
    pub(super) fn reads(&self, set: &TraceSet, index: &TraceIndex, i: u32) -> bool {
        match self.said_by(set, i) {
            Some(reads) => reads,
            None => {
                let Some(call) = set.spans.get(i as usize) else {
                    return false;
                };
                index
                    .children_of(i)
                    .iter()
                    .filter(|&&c| {
                        set.spans
                            .get(c as usize)
                            .is_some_and(|s| s.kind == SpanKind::Server && s.service != call.service)
                    })
                    .find_map(|&c| self.said_by(set, c))
                    .unwrap_or(false)
            }
        }
    }

    /// What span `i`'s method says: `Some(true)` a read, `Some(false)` a
    /// write, `None` nothing (a name that does not read says nothing).
    fn said_by(&self, set: &TraceSet, i: u32) -> Option<bool> {
        let span = set.spans.get(i as usize)?;
        let attributes = set.attributes_of(span);
        let text = |keys: &[Sym]| -> Option<&str> {
            keys.iter().find_map(|&k| {
                attributes.iter().find(|a| a.key == k).and_then(|a| match &a.value {
                    AttrValue::Str(s) => Some(set.str(*s)).filter(|s| !s.is_empty()),
                    _ => None,
                })
            })
        };
        if let Some(method) = text(&self.method) {
            return http_method_reads(method);
        }
        if let Some(method) = text(&self.rpc_method) {
            return Some(verb_reads(last_part(method)));
        }
        let name = set.str(span.name);
        if let Some(reads) = name
            .split(|c: char| c.is_whitespace() || c == ':')
            .find_map(http_method_reads)
        {
            return Some(reads);
        }
        // A name that does not open with a reading verb may still reach a
        // server whose name or method says more.
        verb_reads(last_part(name)).then_some(true)
    }
}

/// `Some(true)` for a reading HTTP method, `Some(false)` for another method,
/// `None` when `word` is none.
fn http_method_reads(word: &str) -> Option<bool> {
    match word {
        "GET" | "HEAD" | "OPTIONS" | "get" | "head" | "options" => Some(true),
        "POST" | "PUT" | "PATCH" | "DELETE" | "post" | "put" | "patch" | "delete" => Some(false),
        _ => None,
    }
}

/// The method's own name: after the last `/` or `.` (`/pkg.Cart/GetCart`,
/// `Sent.hipstershop.CartService.GetCart`).
fn last_part(name: &str) -> &str {
    name.rsplit(['/', '.']).next().unwrap_or(name).trim()
}

/// Whether a method name opens with a verb that reads: `GetCart`,
/// `list_items`, `findById`; not `Charge`, `Getaway` or `isolate`.
fn verb_reads(method: &str) -> bool {
    opens_with(method, READ_VERBS)
}

/// Whether `name` opens with one of `verbs` as a whole word: followed by
/// nothing, an upper-case letter, a digit, `_` or `-`.
fn opens_with(method: &str, verbs: &[&str]) -> bool {
    verbs.iter().any(|verb| {
        method.len() >= verb.len()
            && method.is_char_boundary(verb.len())
            && method[..verb.len()].eq_ignore_ascii_case(verb)
            && method[verb.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_ascii_uppercase() || c == '_' || c == '-' || c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_read_only_as_whole_words() {
        for reads in [
            "GetCart",
            "ListRecommendations",
            "get_user",
            "findById",
            "Get",
            "isEnabled",
            "Convert",
        ] {
            assert!(verb_reads(reads), "{reads}");
        }
        for writes in [
            "Charge",
            "ShipOrder",
            "EmptyCart",
            "Getaway",
            "isolate",
            "PlaceOrder",
            "SendOrderConfirmation",
            "",
        ] {
            assert!(!verb_reads(writes), "{writes}");
        }
    }

    #[test]
    fn paths_that_check_end_in_a_verb_of_checking() {
        for checks in [
            "auth/oauth/check_token",
            "/oauth2/introspect",
            "/tokens/verifyToken/",
            "validate",
        ] {
            assert!(path_checks(checks), "{checks}");
        }
        for other in [
            "/api/devices/validateownership",
            "/checkout",
            "/oauth/check_token/history",
            "",
        ] {
            assert!(!path_checks(other), "{other}");
        }
    }

    #[test]
    fn credential_checks_name_a_credential() {
        for checks in [
            "auth/oauth/check_token",
            "post /oauth/check_token",
            "auth.AuthService/Check",
            "/oauth2/introspect",
            "/sessions/validate",
        ] {
            assert!(checks_credential(checks), "{checks}");
        }
        for other in [
            "ledger.LedgerService/Check",
            "/api/devices/validateownership",
            "/tokens",
            "/orders/check",
        ] {
            assert!(!checks_credential(other), "{other}");
        }
    }

    #[test]
    fn method_names_are_their_last_part() {
        assert_eq!(last_part("Sent.hipstershop.CartService.GetCart"), "GetCart");
        assert_eq!(
            last_part("/hipstershop.ProductCatalogService/ListProducts"),
            "ListProducts"
        );
        assert_eq!(last_part("oteldemo.CartService/GetCart"), "GetCart");
    }

    #[test]
    fn http_methods_in_names() {
        assert_eq!(http_method_reads("GET"), Some(true));
        assert_eq!(http_method_reads("POST"), Some(false));
        assert_eq!(http_method_reads("Got"), None);
    }
}
