//! Whether a file holds fragments of one span, decided once every span is
//! read. Fragments are rare and nearly every file has none, so the common
//! case must cost little per span: each span sets a bit for its IDs and
//! service ([`SharedKeys`]; the hash map of every span this replaced
//! missed the cache on each, 7% of an import). Only spans whose bit another
//! span also set can be fragments; those few are sorted into their groups
//! and compared as a fragment is compared on merging ([`compatible`], with
//! the [`MERGE_CANDIDATES`] spans before it in its group). The answer is
//! exact: a false alarm of the bit set costs a comparison, never a second
//! reading of the file.

use super::convert::{MERGE_CANDIDATES, Sides, compatible};
use crate::ids::{SpanId, TraceId};
use crate::import::shared_keys::{SharedKeys, ids_hash};

/// A span's group: same trace ID, span ID and local service (its number).
pub(super) type Group = (TraceId, SpanId, u32);

/// Each span with valid IDs, in file order, and the bits they set.
pub(super) struct FragmentFinder {
    keys: SharedKeys,
    /// Each span's bit.
    bits: Vec<u32>,
    spans: Vec<(Group, Sides<u32>)>,
}

impl FragmentFinder {
    /// A finder sized for about `spans` spans (more only make false alarms likelier).
    pub fn new(spans: usize) -> FragmentFinder {
        FragmentFinder::with_keys(SharedKeys::for_items(spans), spans)
    }

    fn with_keys(keys: SharedKeys, spans: usize) -> FragmentFinder {
        FragmentFinder {
            keys,
            bits: Vec::with_capacity(spans),
            spans: Vec::with_capacity(spans),
        }
    }

    /// Notes the next span with valid IDs.
    #[inline]
    pub fn add(&mut self, group: Group, sides: Sides<u32>) {
        let (trace, span, service) = group;
        let bit = self.keys.bit(ids_hash(trace, span) ^ u64::from(service));
        self.keys.insert(bit);
        self.bits.push(bit);
        self.spans.push((group, sides));
    }

    /// Whether some span is a fragment of one before it: compatible with one
    /// of the [`MERGE_CANDIDATES`] spans before it in its group.
    pub fn found(&self) -> bool {
        if !self.keys.any_shared() {
            return false;
        }
        // The spans that shared a bit, by group and then in file order.
        let mut suspects: Vec<(Group, usize)> = self
            .bits
            .iter()
            .enumerate()
            .filter(|&(_, &bit)| self.keys.shared(bit))
            .filter_map(|(i, _)| Some((self.spans.get(i)?.0, i)))
            .collect();
        suspects.sort_unstable();
        let sides = |i: usize| self.spans.get(i).map(|(_, sides)| sides);
        suspects.chunk_by(|a, b| a.0 == b.0).any(|group| {
            group.iter().enumerate().any(|(n, &(_, i))| {
                let earlier = group.get(n.saturating_sub(MERGE_CANDIDATES)..n).unwrap_or_default();
                earlier.iter().any(|&(_, j)| match (sides(j), sides(i)) {
                    (Some(a), Some(b)) => compatible(a, b),
                    _ => false,
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::import::lenient::Micros;

    fn group(trace: u128, span: u64, service: u32) -> Group {
        (TraceId(trace), SpanId::new(span).unwrap(), service)
    }

    fn at(micros: u64) -> Sides<u32> {
        Sides {
            kind: None,
            timestamp: Some(Micros {
                whole: micros,
                nanos: 0,
            }),
            shared: None,
        }
    }

    /// The spans, fed to finders of several sizes, down to one bit (every span a suspect).
    fn found(spans: &[(Group, Sides<u32>)]) -> bool {
        let answers: Vec<bool> = [0, 3, 12]
            .into_iter()
            .map(|bits_log2| {
                let mut finder = FragmentFinder::with_keys(SharedKeys::with_bits(bits_log2), spans.len());
                for &(group, sides) in spans {
                    finder.add(group, sides);
                }
                finder.found()
            })
            .collect();
        assert!(answers.iter().all(|&a| a == answers[0]), "{answers:?}");
        answers[0]
    }

    #[test]
    fn distinct_spans_are_no_fragments_even_when_their_bits_collide() {
        let spans: Vec<_> = (1..=500).map(|i| (group(7, i, 0), at(i))).collect();
        assert!(!found(&spans));
    }

    #[test]
    fn a_later_part_of_a_span_is_a_fragment_wherever_it_comes() {
        let mut spans: Vec<_> = (1..=500).map(|i| (group(7, i, 0), at(i))).collect();
        spans.push((
            group(7, 3, 0),
            Sides {
                timestamp: None,
                ..at(0)
            },
        ));
        assert!(found(&spans));
    }

    #[test]
    fn same_ids_in_another_service_or_contradicting_are_no_fragments() {
        let spans = [
            (group(7, 3, 0), at(10)),
            // The server half of a shared span: another service.
            (group(7, 3, 1), at(10)),
            // Same group, another start: two spans, as a fan-out makes.
            (group(7, 3, 0), at(11)),
            (group(8, 3, 0), at(10)),
        ];
        assert!(!found(&spans));
    }

    #[test]
    fn only_the_spans_just_before_in_a_group_are_compared() {
        // A fragment compatible only with a span 17 members back is not found, as on merging.
        let mut spans: Vec<_> = (0..=MERGE_CANDIDATES as u64).map(|i| (group(7, 3, 0), at(i))).collect();
        spans.push((group(7, 3, 0), at(0)));
        assert!(!found(&spans));
        spans.push((group(7, 3, 0), at(MERGE_CANDIDATES as u64)));
        assert!(found(&spans));
    }
}
