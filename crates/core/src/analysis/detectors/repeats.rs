//! The shape N+1 queries and retries are: one parent span whose children
//! include the same call several times, the call named by a key such as a
//! statement shape from [`super::database`] or a callee from
//! [`super::calls`]. Kept apart so each detector keys calls its own way.
//!
//! Within a group, a call that repeats a failed one right after it is a retry
//! ([`super::retries::is_retry`]), and one run of a statement may take two
//! spans (a JDBC driver's `prepare` and `execute` both carry the statement):
//! `runs` counts the times the call was made, neither retries nor the second
//! span of a run.

use super::Context;
use crate::intern::Sym;
use crate::time::DurationNs;
use std::collections::HashMap;

/// A parent with several children sharing one key.
pub(super) struct Repeat {
    /// The trace, by index in `index.traces`.
    pub trace: u32,
    /// The parent span.
    pub parent: u32,
    /// The key the children share.
    pub key: u64,
    /// The children's service.
    pub service: Sym,
    /// The repeated children, in start order.
    pub spans: Vec<u32>,
    /// Pairs of a failed call and the call that retried it.
    pub retried: Vec<(u32, u32)>,
    /// Times the call was made: per span name, the spans that are no retry; the most of any name.
    pub runs: usize,
}

/// Marks a [`Repeat::key`] that is a remote call's callee key (from
/// [`super::calls::CallKeys`]); without it the key is a database statement
/// shape. The two never meet: callee keys leave database calls out.
pub(super) const CALL_KEY: u64 = 1 << 32;

/// The key [`shared`] groups calls by: a database call's statement shape,
/// else a remote call's callee key marked with [`CALL_KEY`].
pub(super) fn shared_key(context: &Context<'_>, i: u32) -> Option<u64> {
    context
        .database
        .shape(i)
        .map(u64::from)
        .or_else(|| context.call_keys().key(i).map(|k| CALL_KEY | u64::from(k)))
}

/// What N+1 queries, chatty calls and retries read, found in one walk over
/// every span's children rather than three: every repeat of at least two
/// calls by [`shared_key`], with the default retry slack. Each reader keeps
/// its own: N+1 queries the database keys with `runs` at its threshold (a
/// repeat of `min` runs has at least `min` spans and its parent `min`
/// children, so [`find`] with that `min` yields the same), chatty calls the
/// retries among callee keys (grouped by the callee key alone, they fall in
/// the same groups: a span has at most one of the two keys), retries all of
/// them when its slack is the default.
pub(super) fn shared(context: &Context<'_>) -> Vec<Repeat> {
    let slack = super::retries::Config::default().start_slack;
    find(context, 2, slack, |i| shared_key(context, i))
}

/// Every parent whose children include at least `min` runs of one key (after
/// leaving out retries); `key` returns `None` for children that do not take part.
pub(super) fn find(
    context: &Context<'_>,
    min: usize,
    retry_slack: DurationNs,
    key: impl Fn(u32) -> Option<u64>,
) -> Vec<Repeat> {
    let (set, index) = (context.set, context.index);
    let mut found = Vec::new();
    // A parent's keyed children as (service, key, child), grouped by a sort
    // rather than a map of vectors: no allocation per parent and key.
    let mut keyed: Vec<(Sym, u64, u32)> = Vec::new();
    let mut per_name: HashMap<Sym, usize> = HashMap::new();
    // The last call of each (key, name) seen while walking a group in start order.
    let mut last: HashMap<Sym, u32> = HashMap::new();
    for (t, trace) in index.traces.iter().enumerate() {
        for &parent in index.spans_of(trace) {
            let children = index.children_of(parent);
            if children.len() < min {
                continue;
            }
            keyed.clear();
            for &child in children {
                // A span without a start time is an incomplete record: it was not seen running.
                let Some(span) = set.spans.get(child as usize).filter(|s| s.start.0 != 0) else {
                    continue;
                };
                if let Some(k) = key(child) {
                    keyed.push((span.service, k, child));
                }
            }
            if keyed.len() < min {
                continue;
            }
            // Stable: each group keeps its children in start order.
            keyed.sort_by_key(|&(service, key, _)| (service, key));
            for group in keyed.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
                if group.len() < min {
                    continue;
                }
                let (service, group_key) = (group[0].0, group[0].1);
                let spans: Vec<u32> = group.iter().map(|&(_, _, child)| child).collect();
                per_name.clear();
                last.clear();
                let mut retried = Vec::new();
                for &s in &spans {
                    let name = set.spans[s as usize].name;
                    match last.insert(name, s) {
                        Some(previous) if super::retries::is_retry(set, previous, s, retry_slack) => {
                            retried.push((previous, s));
                        }
                        _ => *per_name.entry(name).or_default() += 1,
                    }
                }
                let runs = per_name.values().copied().max().unwrap_or(0);
                if runs >= min || !retried.is_empty() {
                    found.push(Repeat {
                        trace: t as u32,
                        parent,
                        key: group_key,
                        service,
                        spans,
                        retried,
                        runs,
                    });
                }
            }
        }
    }
    found
}
