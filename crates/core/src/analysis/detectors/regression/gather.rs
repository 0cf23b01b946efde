//! Gathering a set's durations per endpoint and per operation under each
//! endpoint: the [`Samples`] a comparison (and the meeting report) reads.
//!
//! Each trace's entry span and endpoint name are either found here
//! ([`Samples::of`]) or taken from what the analysis found
//! ([`Samples::of_requests`]); the result is the same. The work per span is
//! kept small because it runs over every span of a period: one hash of a
//! packed key to a group's number, one push. Each group's durations are
//! sorted alone; the spans near its p95 that a regression finding names are
//! picked afterwards from the few spans with durations around it, rather than
//! sorting every (duration, span) pair.

use super::{Example, Group, Key, RowKind, Samples};
use crate::analysis::requests::{Requests, entries_and_endpoints};
use crate::index::TraceIndex;
use crate::intern::{Interner, Sym};
use crate::model::TraceSet;
use crate::time::DurationNs;
use std::collections::BTreeMap;

impl Samples {
    /// Gathers the durations of `set` (with its index) per endpoint and per
    /// operation under each endpoint. Spans without a known duration are left
    /// out, as in the group statistics.
    pub fn of(set: &TraceSet, index: &TraceIndex) -> Samples {
        let (entries, names) = entries_and_endpoints(set, index);
        Samples::of_requests_found(set, index, &entries, &names)
    }

    /// The same as [`Samples::of`], from the entry spans and endpoints the
    /// analysis found ([`crate::analysis::Analysis::requests`]).
    pub fn of_requests(set: &TraceSet, index: &TraceIndex, requests: &Requests) -> Samples {
        Samples::of_requests_found(set, index, &requests.entries, &requests.endpoint_names)
    }

    /// Gathers with each trace's entry span and, for a request, its endpoint name.
    pub(crate) fn of_requests_found(
        set: &TraceSet,
        index: &TraceIndex,
        entries: &[Option<u32>],
        names: &[Option<String>],
    ) -> Samples {
        let mut endpoints = Endpoints::default();
        let mut groups = Gatherings::default();
        for (t, trace) in index.traces.iter().enumerate() {
            // As in the group statistics: a session or stream has no endpoint (no name).
            let (entry, endpoint) = match (
                entries.get(t).copied().flatten(),
                names.get(t).and_then(Option::as_deref),
            ) {
                (Some(entry), Some(name)) => (Some(entry), Some(endpoints.id(name))),
                _ => (None, None),
            };
            let request = entry.unwrap_or(trace.root);
            let request_ns = set.spans.get(request as usize).map_or(0, |s| u128::from(s.duration.0));
            for &i in index.spans_of(trace) {
                let Some(span) = set.spans.get(i as usize) else {
                    continue;
                };
                if !span.duration_known() {
                    continue;
                }
                let key = if Some(i) == entry {
                    // Keyed by endpoint and service, as in the group statistics; the last
                    // place only fills the tuple (the row's name is the endpoint's).
                    (RowKind::Endpoint, endpoint, span.service, span.service)
                } else {
                    (RowKind::Operation, endpoint, span.service, span.name)
                };
                let example = Example {
                    trace: t as u32,
                    span: i,
                };
                groups.add(key, span.duration, example, request_ns);
            }
        }
        let name_of = |id: Option<u32>| {
            id.and_then(|id| endpoints.names.get(id as usize))
                .map(|n| (*n).to_owned())
        };
        let groups: BTreeMap<Key, Group> = groups
            .keys
            .into_iter()
            .zip(groups.groups)
            .map(|((kind, endpoint, service, name), gathering)| {
                let key = Key {
                    kind,
                    endpoint: name_of(endpoint),
                    service: set.str(service).to_owned(),
                    name: match kind {
                        RowKind::Endpoint => name_of(endpoint).unwrap_or_default(),
                        RowKind::Operation => set.str(name).to_owned(),
                    },
                };
                (key, gathering.into_group())
            })
            .collect();
        Samples {
            groups,
            spans: set.spans.len() as u64,
            traces: index.traces.len() as u64,
        }
    }
}

/// Endpoint names numbered in the order first seen: a hash per trace, none per span.
#[derive(Default)]
struct Endpoints<'a> {
    ids: hashbrown::HashMap<&'a str, u32>,
    names: Vec<&'a str>,
}

impl<'a> Endpoints<'a> {
    fn id(&mut self, name: &'a str) -> u32 {
        let next = self.names.len() as u32;
        *self.ids.entry(name).or_insert_with(|| {
            self.names.push(name);
            next
        })
    }
}

/// A group's key while gathering: kind, endpoint (numbered), service, name.
type SymKey = (RowKind, Option<u32>, Sym, Sym);

/// The groups while gathering, numbered in the order first seen, found by a
/// packed key: hashing one `u128` (hashbrown's default hasher, as the
/// interner's) is the cheapest lookup per span measured.
#[derive(Default)]
struct Gatherings {
    numbers: hashbrown::HashMap<u128, usize>,
    keys: Vec<SymKey>,
    groups: Vec<Gathering>,
}

impl Gatherings {
    #[inline]
    fn add(&mut self, key: SymKey, duration: DurationNs, example: Example, request_ns: u128) {
        let next = self.groups.len();
        let number = *self.numbers.entry(packed(key)).or_insert(next);
        if number == next {
            self.keys.push(key);
            self.groups.push(Gathering::default());
        }
        if let Some(group) = self.groups.get_mut(number) {
            group.add(duration, example, request_ns);
        }
    }
}

/// `key` in one number: distinct keys give distinct numbers (the endpoint's
/// number plus one, or 0 for none, and the kind in the high half; the two
/// string handles in the low half).
fn packed((kind, endpoint, service, name): SymKey) -> u128 {
    let endpoint = endpoint.map_or(0, |e| u128::from(e) + 1);
    let kind = u128::from(kind == RowKind::Endpoint);
    let sym = |s: Sym| Interner::index(s) as u128 & u128::from(u32::MAX);
    (endpoint << 65) | (kind << 64) | (sym(service) << 32) | sym(name)
}

/// One group while gathering: its durations where they were seen, unsorted.
#[derive(Default)]
struct Gathering {
    seen: Vec<(DurationNs, Example)>,
    /// The trace of the last span added, plus one (0: none yet).
    last_trace: u64,
    traces: u64,
    request_time_ns: u128,
}

impl Gathering {
    #[inline]
    fn add(&mut self, duration: DurationNs, example: Example, request_ns: u128) {
        // Traces come one after the other, so a new trace is one unlike the
        // last span's. Counted without a branch: whether a span starts a new
        // trace for its group is a coin toss the processor mispredicts often.
        let trace = u64::from(example.trace) + 1;
        let new = u64::from(self.last_trace != trace);
        self.last_trace = trace;
        self.traces += new;
        self.request_time_ns += request_ns * u128::from(new);
        self.seen.push((duration, example));
    }

    fn into_group(self) -> Group {
        let mut durations: Vec<DurationNs> = self.seen.iter().map(|(d, _)| *d).collect();
        durations.sort_unstable();
        let examples = near_p95(&durations, &self.seen);
        Group {
            durations,
            examples,
            traces: self.traces,
            request_time_ns: self.request_time_ns,
            stated: None,
        }
    }
}

/// The spans a finding names as examples: those at [`super::p95_ranks`] when
/// the group's spans are ordered by duration, then by span index. Only the
/// spans with durations between the lowest and highest of those ranks are
/// sorted; the ones shorter are counted in `sorted`.
fn near_p95(sorted: &[DurationNs], seen: &[(DurationNs, Example)]) -> Vec<Example> {
    let ranks: Vec<usize> = super::p95_ranks(sorted.len()).collect();
    let at = |rank: Option<&usize>| rank.and_then(|&r| sorted.get(r)).copied();
    let (Some(low), Some(high)) = (at(ranks.iter().min()), at(ranks.iter().max())) else {
        return Vec::new();
    };
    let shorter = sorted.partition_point(|d| *d < low);
    let mut near: Vec<(DurationNs, Example)> = seen.iter().copied().filter(|(d, _)| (low..=high).contains(d)).collect();
    near.sort_unstable_by_key(|(d, e)| (*d, e.span));
    ranks
        .iter()
        .filter_map(|r| near.get(r.checked_sub(shorter)?).map(|(_, e)| *e))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `near_p95` must equal: every (duration, span) pair sorted, read at the ranks.
    fn by_full_sort(seen: &[(DurationNs, Example)]) -> Vec<Example> {
        let mut all = seen.to_vec();
        all.sort_unstable_by_key(|(d, e)| (*d, e.span));
        super::super::p95_ranks(all.len())
            .filter_map(|r| all.get(r).map(|(_, e)| *e))
            .collect()
    }

    #[test]
    fn examples_near_the_p95_are_those_of_a_full_sort_with_ties() {
        let mut rng = fastrand::Rng::with_seed(5);
        for n in [0usize, 1, 2, 3, 19, 20, 21, 100, 1000] {
            for spread in [1u64, 3, 50, 1_000_000] {
                // Spans in a shuffled order, durations with many ties when the spread is small.
                let mut spans: Vec<u32> = (0..n as u32).collect();
                rng.shuffle(&mut spans);
                let seen: Vec<(DurationNs, Example)> = spans
                    .iter()
                    .map(|&span| {
                        let example = Example { trace: span / 4, span };
                        (DurationNs(rng.u64(0..spread)), example)
                    })
                    .collect();
                let mut sorted: Vec<DurationNs> = seen.iter().map(|(d, _)| *d).collect();
                sorted.sort_unstable();
                let near = near_p95(&sorted, &seen);
                assert_eq!(near, by_full_sort(&seen), "n {n}, spread {spread}");
                assert_eq!(near.len(), super::super::p95_ranks(n).count(), "n {n}");
            }
        }
    }

    #[test]
    fn distinct_keys_pack_to_distinct_numbers() {
        let mut interner = Interner::default();
        let (a, b) = (interner.intern("a"), interner.intern("b"));
        let keys = [
            (RowKind::Endpoint, Some(0), a, a),
            (RowKind::Operation, Some(0), a, a),
            (RowKind::Operation, None, a, a),
            (RowKind::Operation, Some(1), a, a),
            (RowKind::Operation, Some(u32::MAX), a, a),
            (RowKind::Operation, Some(0), b, a),
            (RowKind::Operation, Some(0), a, b),
        ];
        let packed: std::collections::HashSet<u128> = keys.iter().map(|&k| packed(k)).collect();
        assert_eq!(packed.len(), keys.len());
    }
}
