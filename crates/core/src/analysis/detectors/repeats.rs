//! The shape N+1 queries are: one parent span whose children include the
//! same call many times, the call named by a key such as a statement shape
//! from [`super::database`]. Kept apart so a detector of another repeated
//! call can key it its own way.

use super::Context;
use crate::intern::Sym;
use crate::time::DurationNs;
use std::collections::HashMap;

/// A parent with `spans.len()` children sharing one key.
pub(super) struct Repeat {
    /// The trace, by index in `index.traces`.
    pub trace: u32,
    /// The parent span.
    pub parent: u32,
    /// The key the children share.
    pub key: u32,
    /// The children's service.
    pub service: Sym,
    /// The repeated children, in start order.
    pub spans: Vec<u32>,
    /// Their durations added up.
    pub time: DurationNs,
}

/// Every parent with at least `min` children of the same key; `key` returns
/// `None` for children that do not take part.
pub(super) fn find(context: &Context<'_>, min: usize, key: impl Fn(u32) -> Option<u32>) -> Vec<Repeat> {
    let (set, index) = (context.set, context.index);
    let mut found = Vec::new();
    let mut by_key: HashMap<(Sym, u32), Vec<u32>> = HashMap::new();
    for (t, trace) in index.traces.iter().enumerate() {
        for &parent in index.spans_of(trace) {
            let children = index.children_of(parent);
            if children.len() < min {
                continue;
            }
            by_key.clear();
            for &child in children {
                let span = &set.spans[child as usize];
                if let Some(k) = key(child) {
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
