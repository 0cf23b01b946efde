//! The trace list's text filter: case-insensitive substring search over
//! what a person sees of a trace's spans.
//!
//! Strings are interned, so a query first decides for each distinct string
//! whether it contains the text (one pass over the interner, however many
//! spans repeat each string), then walks the spans comparing handles only.
//! Numbers and booleans are not interned: they are written out and searched
//! only when the text could be part of one.

use crate::intern::{Interner, Sym};
use crate::model::{AttrValue, Attribute, Span, TraceSet};
use std::io::Write;

/// A compiled text filter for one trace set.
pub(super) struct TextMatch {
    /// Per interned string (by [`Interner::index`]): whether it contains the text.
    hits: Vec<bool>,
    /// Per resource: whether one of its attribute values contains the text.
    resources: Vec<bool>,
    /// The text lowercased, when it could be part of a written number.
    numeric: Option<String>,
    /// Whether `true` / `false` contain the text.
    in_true: bool,
    in_false: bool,
}

impl TextMatch {
    /// The filter for `text` over `set`; `None` when it is blank (no condition).
    pub(super) fn new(set: &TraceSet, text: &str) -> Option<TextMatch> {
        let needle = Needle::new(text.trim())?;
        let hits: Vec<bool> = set.strings.texts().map(|s| needle.found_in(s)).collect();
        let lower = needle.lower.as_str();
        let numeric = lower
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'.'))
            .then(|| lower.to_owned());
        let mut matcher = TextMatch {
            hits,
            resources: Vec::new(),
            numeric,
            in_true: "true".contains(lower),
            in_false: "false".contains(lower),
        };
        matcher.resources = set
            .resources
            .iter()
            .map(|r| matcher.sym(r.service) || matcher.any_attribute(set, set.attributes(r.attributes)))
            .collect();
        Some(matcher)
    }

    /// Whether nothing in the set can match: no string contains the text and
    /// it cannot be part of a number or a boolean.
    pub(super) fn matches_nothing(&self) -> bool {
        self.numeric.is_none() && !self.in_true && !self.in_false && !self.hits.contains(&true)
    }

    /// Whether the text is in `span`: its service, name, status message,
    /// attribute values, its resource's, or its events' names and values.
    pub(super) fn span(&self, set: &TraceSet, span: &Span) -> bool {
        self.sym(span.service)
            || self.sym(span.name)
            || span.status_message.is_some_and(|m| self.sym(m))
            || self.resources.get(span.resource as usize).copied().unwrap_or(false)
            || self.any_attribute(set, set.attributes_of(span))
            || set
                .events_of(span)
                .iter()
                .any(|e| self.sym(e.name) || self.any_attribute(set, set.attributes(e.attributes)))
    }

    fn sym(&self, sym: Sym) -> bool {
        self.hits.get(Interner::index(sym)).copied().unwrap_or(false)
    }

    fn any_attribute(&self, set: &TraceSet, attributes: &[Attribute]) -> bool {
        attributes.iter().any(|a| self.value(set, &a.value))
    }

    fn value(&self, set: &TraceSet, value: &AttrValue) -> bool {
        match value {
            AttrValue::Str(s) => self.sym(*s),
            AttrValue::Bool(b) => (*b && self.in_true) || (!*b && self.in_false),
            AttrValue::Int(i) => self.numeric.as_deref().is_some_and(|n| written_contains(i, n)),
            AttrValue::Double(d) => self.numeric.as_deref().is_some_and(|n| written_contains(d, n)),
            AttrValue::Bytes(_) => false,
            AttrValue::Array(values) => values.iter().any(|v| self.value(set, v)),
            AttrValue::Map(attributes) => self.any_attribute(set, attributes),
        }
    }
}

/// Whether `number` written in decimal contains `needle` (lowercase), without
/// allocating: a number written by `Display` fits in 32 bytes, except a
/// double of extreme magnitude, which is then written out in full.
fn written_contains(number: &dyn std::fmt::Display, needle: &str) -> bool {
    let mut buffer = [0u8; 32];
    let mut rest = &mut buffer[..];
    if write!(rest, "{number}").is_ok() {
        let written = 32 - rest.len();
        let text = buffer.get(..written).unwrap_or(&[]);
        return memchr::memmem::find(text, needle.as_bytes()).is_some();
    }
    number.to_string().to_lowercase().contains(needle)
}

/// The text searched for, lowercased once.
struct Needle {
    lower: String,
}

impl Needle {
    fn new(text: &str) -> Option<Needle> {
        (!text.is_empty()).then(|| Needle {
            lower: text.to_lowercase(),
        })
    }

    /// Whether `haystack` contains the text, ignoring case. An ASCII text
    /// (what people type) is searched byte by byte from each place its first
    /// letter appears in either case, with no allocation; any other text is
    /// compared on lowercased copies.
    fn found_in(&self, haystack: &str) -> bool {
        let needle = self.lower.as_bytes();
        if !self.lower.is_ascii() {
            return haystack.to_lowercase().contains(&self.lower);
        }
        let (Some(&first), hay) = (needle.first(), haystack.as_bytes()) else {
            return true;
        };
        if hay.len() < needle.len() {
            return false;
        }
        let last_start = hay.len() - needle.len();
        let upper = first.to_ascii_uppercase();
        memchr::memchr2_iter(first, upper, hay)
            .take_while(|&at| at <= last_start)
            .any(|at| {
                hay.get(at..at + needle.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(needle))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_text_is_found_in_any_case() {
        let needle = Needle::new("Cart").unwrap();
        assert!(needle.found_in("GET /api/CART/items"));
        assert!(needle.found_in("cart"));
        assert!(!needle.found_in("car"));
        assert!(!needle.found_in("cat rt"));
        assert!(Needle::new("").is_none());
    }

    #[test]
    fn other_text_is_compared_lowercased() {
        let needle = Needle::new("ÜBER").unwrap();
        assert!(needle.found_in("Grüße über alles"));
        assert!(!needle.found_in("uber"));
    }

    #[test]
    fn numbers_are_searched_as_written() {
        assert!(written_contains(&404i64, "04"));
        assert!(!written_contains(&404i64, "405"));
        assert!(written_contains(&-12i64, "-1"));
        assert!(written_contains(&1.5f64, "1.5"));
        assert!(written_contains(&1e300f64, "1000000000"));
    }
}
