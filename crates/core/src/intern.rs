//! String interning: service names, operation names and attribute keys repeat
//! across millions of spans, so each distinct string is stored once and spans
//! refer to it by a 4-byte [`Sym`].

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;
use std::num::NonZeroU32;

/// A handle to an interned string; resolve it with [`Interner::resolve`].
/// Never zero, so an `Option<Sym>` is as small as a `Sym`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym(NonZeroU32);

/// Stores each distinct string once.
#[derive(Default, Clone, Debug)]
pub struct Interner {
    strings: Vec<Box<str>>,
    // Holds handles (index + 1) into `strings`; the table never stores a second copy of the text.
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// The handle last returned for each hint slot of [`Interner::intern_bytes_hinted`] (0: none).
    recent: RecentSlots,
}

/// How many hint slots [`Interner::intern_bytes_hinted`] keeps.
const HINT_SLOTS: usize = 256;

#[derive(Clone, Debug)]
struct RecentSlots([u32; HINT_SLOTS]);

impl Default for RecentSlots {
    fn default() -> Self {
        RecentSlots([0; HINT_SLOTS])
    }
}

impl Interner {
    /// The handle for `text`, adding it on first sight.
    pub fn intern(&mut self, text: &str) -> Sym {
        match self.find(text.as_bytes()) {
            Ok(sym) => sym,
            Err(hash) => self.insert(hash, text.into()),
        }
    }

    /// The handle for `bytes` read straight from a file, which are checked to
    /// be UTF-8 only the first time they are seen: a string repeated on a
    /// million spans is validated once. Invalid UTF-8 is stored with U+FFFD
    /// replacements and returned as `Err`, so the caller can report it.
    pub fn intern_bytes(&mut self, bytes: &[u8]) -> Result<Sym, Sym> {
        let hash = match self.find(bytes) {
            Ok(sym) => return Ok(sym),
            Err(hash) => hash,
        };
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(self.insert(hash, text.into())),
            Err(_) => Err(self.intern(&String::from_utf8_lossy(bytes))),
        }
    }

    /// [`Interner::intern_bytes`], trying first the string last interned
    /// under the same `hint` (any number; callers pass what predicts the
    /// string, such as the key an attribute value belongs to). A repeat
    /// costs one comparison instead of hashing and a table probe; that was a
    /// fifth of an OTLP JSON import in the browser.
    #[inline]
    pub fn intern_bytes_hinted(&mut self, hint: usize, bytes: &[u8]) -> Result<Sym, Sym> {
        let slot = hint % HINT_SLOTS;
        let recent = self.recent.0.get(slot).copied().unwrap_or(0);
        // A handle undone by `truncate` is out of range, or names whatever
        // string took its place: comparing the text is right either way.
        if let Some(text) = (recent as usize).checked_sub(1).and_then(|i| self.strings.get(i))
            && same_bytes(text.as_bytes(), bytes)
        {
            return Ok(Sym(NonZeroU32::MIN.saturating_add(recent - 1)));
        }
        let result = self.intern_bytes(bytes);
        if let (Ok(sym), Some(entry)) = (result, self.recent.0.get_mut(slot)) {
            *entry = sym.0.get();
        }
        result
    }

    /// Whether `sym` stands for exactly `bytes`: a reader that guessed a
    /// string's handle checks its guess with one comparison. A handle
    /// undone by `truncate`, or from another interner, names no string or
    /// another one, and the answer is right either way.
    #[inline]
    pub fn is(&self, sym: Sym, bytes: &[u8]) -> bool {
        self.strings
            .get(Self::index(sym))
            .is_some_and(|text| same_bytes(text.as_bytes(), bytes))
    }

    /// The handle of `text` if it was ever interned, without adding it.
    pub fn get(&self, text: &str) -> Option<Sym> {
        self.find(text.as_bytes()).ok()
    }

    /// The handle of `bytes` if interned, else their hash for [`Interner::insert`].
    /// Strings are hashed as bytes so both entry points agree.
    fn find(&self, bytes: &[u8]) -> Result<Sym, u64> {
        let hash = self.hasher.hash_one(bytes);
        let strings = &self.strings;
        let bytes_of = |id: u32| strings.get(id as usize - 1).map_or(&b""[..], |s| s.as_bytes());
        match self.table.find(hash, |&id| same_bytes(bytes_of(id), bytes)) {
            Some(&id) => Ok(Sym(NonZeroU32::MIN.saturating_add(id - 1))),
            None => Err(hash),
        }
    }

    fn insert(&mut self, hash: u64, text: Box<str>) -> Sym {
        // More than 4 billion distinct strings cannot come from a browser-sized input;
        // saturating keeps the handle valid (it resolves to the last string) instead of panicking.
        self.strings.push(text);
        let id = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        let (strings, hasher) = (&self.strings, &self.hasher);
        self.table.insert_unique(hash, id, |&id| {
            hasher.hash_one(strings.get(id as usize - 1).map_or(&b""[..], |s| s.as_bytes()))
        });
        Sym(NonZeroU32::MIN.saturating_add(id - 1))
    }

    /// The text behind `sym`. A handle from another interner resolves to `""`.
    pub fn resolve(&self, sym: Sym) -> &str {
        self.strings.get(sym.0.get() as usize - 1).map_or("", |s| s)
    }

    /// Forgets every string interned after the first `len` (undoing a failed import).
    /// One string at a time, so taking back a rejected span's few strings
    /// costs as little as adding them did.
    pub(crate) fn truncate(&mut self, len: usize) {
        while self.strings.len() > len {
            let id = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
            let Some(text) = self.strings.pop() else { break };
            let hash = self.hasher.hash_one(text.as_bytes());
            if let Ok(entry) = self.table.find_entry(hash, |&other| other == id) {
                entry.remove();
            }
        }
    }

    /// The position of `sym` among the strings, from 0 (for hint slots).
    pub fn index(sym: Sym) -> usize {
        sym.0.get() as usize - 1
    }

    /// Heap bytes: the text, the handles and the hash table.
    pub fn heap_bytes(&self) -> usize {
        self.strings.iter().map(|s| s.len()).sum::<usize>()
            + self.strings.capacity() * std::mem::size_of::<Box<str>>()
            + self.table.capacity() * (std::mem::size_of::<u32>() + 1)
    }

    /// Every string stored, in the order of [`Interner::index`]: for work
    /// done once per distinct string rather than once per use (a text
    /// search over a million spans matches each interned value once).
    pub fn texts(&self) -> impl ExactSizeIterator<Item = &str> {
        self.strings.iter().map(|s| &**s)
    }

    /// How many distinct strings are stored.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when nothing has been interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

/// `a == b`, eight bytes at a time. Slice equality calls `memcmp`, which on
/// wasm32 is a separate function comparing byte by byte; interning compares
/// every attribute key and value of an import.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if len < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |bytes: &[u8], at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_ne_bytes)
    };
    let mut at = 0;
    while at + 8 < len {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    // The last word may overlap the one before: bytes compared twice are equal.
    word(a, len - 8) == word(b, len - 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_handle() {
        let mut interner = Interner::default();
        let a = interner.intern("frontend");
        let b = interner.intern("backend");
        assert_ne!(a, b);
        assert_eq!(interner.intern("frontend"), a);
        assert_eq!(interner.resolve(a), "frontend");
        assert_eq!(interner.resolve(b), "backend");
        assert_eq!(interner.len(), 2);
        assert_eq!(interner.intern_bytes(b"backend"), Ok(b));
        let bad = interner.intern_bytes(b"caf\xE9").unwrap_err();
        assert_eq!(interner.resolve(bad), "caf\u{FFFD}");
    }

    #[test]
    fn same_bytes_is_slice_equality() {
        let texts: [&[u8]; 9] = [
            b"",
            b"a",
            b"abcdefg",
            b"abcdefh",
            b"abcdefgh",
            b"abcdefgi",
            b"abcdefghi",
            b"abcdefghj",
            b"bbcdefghijklmnopq",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
        assert!(!same_bytes(b"abcdefghijklmnopq", b"bbcdefghijklmnopq"));
        assert!(!same_bytes(b"abcdefghijklmnopq", b"abcdefghijklmnopr"));
        assert!(!same_bytes(b"abcdefghijklmnopq", b"abcdefghXjklmnopq"));
    }

    #[test]
    fn hinted_interning_gives_the_same_handles() {
        let mut interner = Interner::default();
        let get = interner.intern("GET");
        assert_eq!(interner.intern_bytes_hinted(7, b"GET"), Ok(get));
        assert_eq!(interner.intern_bytes_hinted(7, b"GET"), Ok(get));
        let post = interner.intern_bytes_hinted(7, b"POST").unwrap();
        assert_eq!(interner.intern_bytes_hinted(7 + HINT_SLOTS, b"GET"), Ok(get));
        assert_eq!(interner.resolve(post), "POST");
        // After an undo the slot's handle may be gone or reused by other text.
        interner.truncate(1);
        assert_eq!(
            interner
                .intern_bytes_hinted(7, b"POST")
                .map(|s| interner.resolve(s).to_owned()),
            Ok("POST".to_owned())
        );
        let put = interner.intern_bytes_hinted(8, b"PUT").unwrap();
        interner.truncate(2);
        let patch = interner.intern_bytes_hinted(9, b"PATCH").unwrap();
        assert_eq!(put, patch, "the handle was reused");
        assert_eq!(
            interner
                .intern_bytes_hinted(8, b"PUT")
                .map(|s| interner.resolve(s).to_owned()),
            Ok("PUT".to_owned())
        );
        assert_eq!(
            interner
                .intern_bytes_hinted(8, b"caf\xE9")
                .map_err(|s| interner.resolve(s).to_owned()),
            Err("caf\u{FFFD}".to_owned())
        );
        assert_eq!(interner.len(), 5);
    }

    #[test]
    fn truncate_forgets_later_strings_only() {
        let mut interner = Interner::default();
        let a = interner.intern("a");
        interner.intern("b");
        interner.intern("c");
        interner.truncate(1);
        assert_eq!(interner.len(), 1);
        assert_eq!(interner.get("a"), Some(a));
        assert_eq!(interner.get("b"), None);
        assert_eq!(interner.get("c"), None);
        let c = interner.intern("c");
        assert_eq!(interner.resolve(c), "c");
        assert_eq!(interner.len(), 2);
    }
}
