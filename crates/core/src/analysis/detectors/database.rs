//! Database calls and the shape of their statements, found once for every
//! detector that needs them (N+1 queries, many queries, chatty calls and
//! sequential calls, which leave database calls out).
//!
//! A span is a database call when it names its database system
//! (`db.system.name`, or the older `db.system`). Its statement shape is
//! `db.query.text` (or the older `db.statement`) folded by
//! [`super::statement::normalize`], else its span name, which OpenTelemetry's
//! conventions build from the operation and the table (`SELECT orders`).
//! Folding runs once per distinct text, not once per span: a million spans
//! repeat a few hundred statements.

use crate::intern::Sym;
use crate::model::{AttrValue, TraceSet};
use std::collections::HashMap;

/// Marks spans that are no database call.
const NONE: u32 = u32::MAX;

/// Which spans are database calls, and the statement shape of each.
pub struct DatabaseCalls {
    /// Per span, the index of its shape in `shapes`, or [`NONE`].
    shape_of: Vec<u32>,
    /// Distinct shapes.
    shapes: Vec<String>,
}

impl DatabaseCalls {
    /// Finds the database calls of `set`.
    pub fn of(set: &TraceSet) -> DatabaseCalls {
        let keys = |names: [&str; 2]| -> Vec<Sym> { names.iter().filter_map(|n| set.strings.get(n)).collect() };
        let system_keys = keys(["db.system.name", "db.system"]);
        let text_keys = keys(["db.query.text", "db.statement"]);
        let mut shape_of = vec![NONE; set.spans.len()];
        let mut shapes: Vec<String> = Vec::new();
        if system_keys.is_empty() {
            return DatabaseCalls { shape_of, shapes };
        }
        // Shape index by what it was made from: a statement text (folded) or a span name (as is).
        let mut by_source: HashMap<(Sym, bool), u32> = HashMap::new();
        let mut by_shape: HashMap<String, u32> = HashMap::new();
        for (span, slot) in set.spans.iter().zip(&mut shape_of) {
            let attributes = set.attributes_of(span);
            let text_value = |key: Sym| {
                attributes.iter().find(|a| a.key == key).and_then(|a| match a.value {
                    AttrValue::Str(s) => Some(s),
                    _ => None,
                })
            };
            if !system_keys.iter().any(|&k| text_value(k).is_some()) {
                continue;
            }
            let source = match text_keys.iter().find_map(|&k| text_value(k)) {
                Some(text) => (text, true),
                None => (span.name, false),
            };
            *slot = *by_source.entry(source).or_insert_with(|| {
                let (sym, is_text) = source;
                let shape = if is_text {
                    super::statement::normalize(set.str(sym))
                } else {
                    set.str(sym).to_owned()
                };
                *by_shape.entry(shape).or_insert_with_key(|shape| {
                    shapes.push(shape.clone());
                    (shapes.len() - 1) as u32
                })
            });
        }
        DatabaseCalls { shape_of, shapes }
    }

    /// Whether span `i` is a database call.
    pub fn is_call(&self, i: u32) -> bool {
        self.shape(i).is_some()
    }

    /// The statement shape of span `i`, if it is a database call.
    pub fn shape(&self, i: u32) -> Option<u32> {
        self.shape_of.get(i as usize).copied().filter(|&s| s != NONE)
    }

    /// The text of a shape.
    pub fn text(&self, shape: u32) -> &str {
        self.shapes.get(shape as usize).map_or("", String::as_str)
    }
}
