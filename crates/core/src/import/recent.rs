//! Guesses of a span's strings from the last span like it. Spans of one
//! operation (same name and service) carry the same tag keys in the same
//! order, and often the same values: the last such span's handles are
//! tried first, each confirmed by one comparison ([`Builder::interned_as`]),
//! where interning hashes the text and probes a table. The interner's own
//! hint slots, keyed by a tag's position or key, missed on a third of the
//! strings of a file of mixed operations.
//!
//! A wrong guess costs a comparison and the string is interned as before,
//! so the handles, and the order strings are added in, do not change.

use crate::import::builder::Builder;
use crate::intern::Sym;

/// Operations remembered at once (a power of two); two that share a slot
/// take turns, missing more often. A trace of 20 services held 1,534 pairs
/// of name and service, which 256 slots thrashed; 2,048 cost 270 KB.
const SLOTS: usize = 2048;

/// Tags per span remembered; later ones are interned without a guess.
const POSITIONS: usize = 16;

/// What the last span of an operation held, by the tags' positions.
#[derive(Clone, Copy, Default)]
pub(super) struct Operation {
    name: Option<Sym>,
    keys: [Option<Sym>; POSITIONS],
    values: [Option<Sym>; POSITIONS],
}

/// The last span of each operation, by slot.
pub(super) struct Recent {
    slots: Box<[Operation; SLOTS]>,
}

impl Default for Recent {
    fn default() -> Self {
        Recent {
            slots: Box::new([Operation::default(); SLOTS]),
        }
    }
}

impl Recent {
    /// The remembered span of the operation named `name` in service `service`.
    #[inline]
    pub fn operation(&mut self, name: &[u8], service: u32) -> &mut Operation {
        // Cheap rather than good: a name's length and its first and last
        // eight bytes tell most operations apart.
        let word = |bytes: &[u8]| {
            let mut word = [0u8; 8];
            for (to, from) in word.iter_mut().zip(bytes) {
                *to = *from;
            }
            u64::from_le_bytes(word)
        };
        let head = word(name);
        let tail = word(name.get(name.len().saturating_sub(8)..).unwrap_or_default());
        let mixed = head ^ tail.rotate_left(29) ^ ((name.len() as u64) << 48) ^ u64::from(service);
        let slot = (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.ilog2())) as usize;
        // Never out of bounds: the remainder is below the array's length.
        &mut self.slots[slot % SLOTS]
    }
}

impl Operation {
    /// The handle of the span's name; `intern` interns it when the guess is wrong.
    #[inline]
    pub fn name(&mut self, out: &mut Builder<'_>, bytes: &[u8], intern: impl FnOnce(&mut Builder<'_>) -> Sym) -> Sym {
        guess(&mut self.name, out, bytes, intern)
    }

    /// The handle of the key (`Part::Key`) or value of the tag at `position`.
    #[inline]
    pub fn tag(
        &mut self,
        (position, part): (usize, Part),
        out: &mut Builder<'_>,
        bytes: &[u8],
        intern: impl FnOnce(&mut Builder<'_>) -> Sym,
    ) -> Sym {
        let remembered = match part {
            Part::Key => &mut self.keys,
            Part::Value => &mut self.values,
        };
        match remembered.get_mut(position) {
            Some(slot) => guess(slot, out, bytes, intern),
            None => intern(out),
        }
    }
}

/// Which part of a tag.
#[derive(Clone, Copy)]
pub(super) enum Part {
    Key,
    Value,
}

/// The handle in `slot` if it stands for `bytes`, else `intern`'s, remembered.
#[inline]
fn guess(
    slot: &mut Option<Sym>,
    out: &mut Builder<'_>,
    bytes: &[u8],
    intern: impl FnOnce(&mut Builder<'_>) -> Sym,
) -> Sym {
    if let Some(sym) = *slot
        && out.interned_as(sym, bytes)
    {
        return sym;
    }
    let sym = intern(out);
    *slot = Some(sym);
    sym
}
