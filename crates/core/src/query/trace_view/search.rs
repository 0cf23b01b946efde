//! Search within one trace: the rows whose span holds the text (service,
//! name, status message, attribute values, resource, events, as the trace
//! list's text filter reads them), or whose span ID is the text.

use super::super::text::TextMatch;
use super::tree::TraceTree;
use crate::ids::SpanId;
use crate::model::TraceSet;
use serde::{Deserialize, Serialize};

/// Matches sent at most; `total` still counts them all.
pub const MAX_HITS: usize = 10_000;

/// The rows that match, in tree order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchHits {
    /// The rows, in order.
    pub rows: Vec<u32>,
    /// How many rows match in all.
    pub total: u32,
}

impl TraceTree {
    /// The rows matching `text` (ignoring case); none for blank text.
    pub fn search(&self, set: &TraceSet, text: &str) -> SearchHits {
        let by_id = SpanId::from_hex(text.trim());
        let matcher = TextMatch::new(set, text);
        if matcher.is_none() && by_id.is_none() {
            return SearchHits::default();
        }
        let mut hits = SearchHits::default();
        for (r, row) in self.rows.iter().enumerate() {
            let span = &set.spans[row.span as usize];
            if by_id == Some(span.span_id) || matcher.as_ref().is_some_and(|m| m.span(set, span)) {
                hits.total += 1;
                if hits.rows.len() < MAX_HITS {
                    hits.rows.push(r as u32);
                }
            }
        }
        hits
    }
}
