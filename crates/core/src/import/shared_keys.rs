//! Which items of a list may share a key with another, for readers that
//! look for repeats (fragments of a span, copies of a span) that nearly
//! every file lacks. Each item sets one bit, chosen by its key's hash, in a
//! bit set of about [`BITS_PER_ITEM`] bits per item: small enough to stay
//! in cache while a file streams past, where a hash map or a sort of every
//! item cost a tenth of an import. Items whose bit no other item set have
//! a key of their own; the rest (about one in eight, by chance, plus the
//! real repeats) are left to an exact comparison.

use crate::ids::{SpanId, TraceId};

/// Bits per item expected: with 4, about one item in eight shares its bit by chance.
const BITS_PER_ITEM: usize = 4;

/// The bit set's size, as a power of two: at least 4 Kbit, at most 16 Mbit (2 MiB).
const MIN_BITS_LOG2: u32 = 12;
const MAX_BITS_LOG2: u32 = 24;

/// The bits set once, and those set more than once.
pub(super) struct SharedKeys {
    once: Vec<u64>,
    twice: Vec<u64>,
    bits_log2: u32,
    /// Whether any bit was set more than once.
    any_twice: bool,
}

impl SharedKeys {
    /// A bit set sized for about `items` items (more only make false alarms likelier).
    pub fn for_items(items: usize) -> SharedKeys {
        SharedKeys::with_bits(bits_log2(items))
    }

    /// A bit set of 2^`bits_log2` bits (tests use tiny ones, where every item collides).
    pub fn with_bits(bits_log2: u32) -> SharedKeys {
        let words = ((1usize << bits_log2.min(MAX_BITS_LOG2)) / 64).max(1);
        SharedKeys {
            once: vec![0; words],
            twice: vec![0; words],
            bits_log2: bits_log2.min(MAX_BITS_LOG2),
            any_twice: false,
        }
    }

    /// The bit of a key, given its hash ([`ids_hash`] or any well-mixed one).
    #[inline]
    pub fn bit(&self, hash: u64) -> u32 {
        // The top bits of a multiplication depend on every bit of the hash.
        let bit = hash
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .checked_shr(64 - self.bits_log2)
            .unwrap_or(0);
        // At most `MAX_BITS_LOG2` bits.
        bit as u32
    }

    /// Sets `bit` for one more item.
    #[inline]
    pub fn insert(&mut self, bit: u32) {
        self.touch(bit);
        let (word, mask) = word_and_mask(bit);
        if let Some(once) = self.once.get_mut(word) {
            *once |= mask;
        }
    }

    /// Marks `bit` as shared if some item set it, without setting it: for
    /// items of another list, compared against this one.
    #[inline]
    pub fn touch(&mut self, bit: u32) {
        let (word, mask) = word_and_mask(bit);
        if self.once.get(word).is_some_and(|once| once & mask != 0) {
            self.mark_twice(word, mask);
        }
    }

    fn mark_twice(&mut self, word: usize, mask: u64) {
        self.any_twice = true;
        if let Some(twice) = self.twice.get_mut(word) {
            *twice |= mask;
        }
    }

    /// Whether any bit is shared.
    pub fn any_shared(&self) -> bool {
        self.any_twice
    }

    /// Whether `bit` is shared: its items may share their key.
    #[inline]
    pub fn shared(&self, bit: u32) -> bool {
        let (word, mask) = word_and_mask(bit);
        self.twice.get(word).is_some_and(|twice| twice & mask != 0)
    }
}

/// A hash of a trace and span ID (both random in nearly every file: mixed, not hashed again).
#[inline]
pub(super) fn ids_hash(trace: TraceId, span: SpanId) -> u64 {
    span.get() ^ (trace.0 as u64) ^ ((trace.0 >> 64) as u64).rotate_left(21)
}

/// log2 of the bits for about `items` items.
fn bits_log2(items: usize) -> u32 {
    items
        .saturating_mul(BITS_PER_ITEM)
        .max(1)
        .checked_next_power_of_two()
        .map_or(MAX_BITS_LOG2, usize::trailing_zeros)
        .clamp(MIN_BITS_LOG2, MAX_BITS_LOG2)
}

/// Where bit `bit` is in a bit set of words.
#[inline]
fn word_and_mask(bit: u32) -> (usize, u64) {
    ((bit / 64) as usize, 1u64 << (bit % 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_set_twice_or_touched_are_shared() {
        let mut keys = SharedKeys::for_items(1000);
        let (a, b, c) = (keys.bit(1), keys.bit(2), keys.bit(3));
        assert!(a != b && b != c && a != c, "distinct keys, distinct bits here");
        keys.insert(a);
        keys.insert(b);
        assert!(!keys.any_shared());
        keys.insert(a);
        keys.touch(b);
        keys.touch(c);
        assert!(keys.any_shared());
        assert!(keys.shared(a) && keys.shared(b) && !keys.shared(c));
    }

    #[test]
    fn one_bit_makes_every_item_shared() {
        let mut keys = SharedKeys::with_bits(0);
        keys.insert(keys.bit(1));
        keys.insert(keys.bit(u64::MAX));
        assert!(keys.shared(keys.bit(12345)));
    }

    #[test]
    fn the_bit_set_grows_with_the_items_within_bounds() {
        assert_eq!(bits_log2(0), MIN_BITS_LOG2);
        assert_eq!(bits_log2(100_000), 19);
        assert_eq!(bits_log2(usize::MAX), MAX_BITS_LOG2);
    }
}
