//! The shape several detectors look for: one parent span whose children
//! include the same call (by some key) many times.

use super::Context;
use crate::intern::Sym;
use crate::model::Span;
use crate::time::DurationNs;
use std::collections::HashMap;
use std::hash::Hash;

/// A parent with `spans.len()` children sharing one key.
pub(super) struct Repeat<K> {
    /// The trace, by index in `index.traces`.
    pub trace: u32,
    /// The parent span.
    pub parent: u32,
    /// The key the children share.
    pub key: K,
    /// The children's service.
    pub service: Sym,
    /// The repeated children, in start order.
    pub spans: Vec<u32>,
    /// Their durations added up.
    pub time: DurationNs,
}

/// Every parent with at least `min` children of the same key; `key` returns
/// `None` for children that do not take part.
pub(super) fn find<K: Copy + Eq + Hash>(
    context: &Context<'_>,
    min: usize,
    key: impl Fn(u32, &Span) -> Option<K>,
) -> Vec<Repeat<K>> {
    let (set, index) = (context.set, context.index);
    let mut found = Vec::new();
    let mut by_key: HashMap<(Sym, K), Vec<u32>> = HashMap::new();
    for (t, trace) in index.traces.iter().enumerate() {
        for &parent in index.spans_of(trace) {
            let children = index.children_of(parent);
            if children.len() < min {
                continue;
            }
            by_key.clear();
            for &child in children {
                let span = &set.spans[child as usize];
                if let Some(k) = key(child, span) {
                    by_key.entry((span.service, k)).or_default().push(child);
                }
            }
            for ((service, key), spans) in by_key.drain() {
                if spans.len() >= min {
                    let time = DurationNs(spans.iter().map(|&s| set.spans[s as usize].duration.0).sum());
                    found.push(Repeat {
                        trace: t as u32,
                        parent,
                        key,
                        service,
                        spans,
                        time,
                    });
                }
            }
        }
    }
    found
}
