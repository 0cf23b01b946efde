//! Trace and span identifiers, and how the text forms found in real exports
//! become them.
//!
//! W3C/OTLP IDs are 16-byte trace IDs and 8-byte span IDs written as hex. Real
//! files deviate: Jaeger before v1.16 stripped leading zeros, some test data uses
//! arbitrary strings. Each deviation is repaired and reported through [`IdRepair`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::num::NonZeroU64;

/// A 128-bit trace ID (64-bit Jaeger/Zipkin IDs occupy the low half).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TraceId(pub u128);

/// A 64-bit span ID. Never zero (the zero ID is invalid in W3C and OTLP), so an
/// `Option<SpanId>` is as small as a `SpanId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpanId(NonZeroU64);

impl TraceId {
    /// The ID written as hex, as [`TraceId`]'s `Display` writes it (32
    /// digits); leading zeros may be left out, as 64-bit IDs often are. No
    /// repair: `None` for anything else (see [`parse_trace_id`] for reading
    /// exports).
    pub fn from_hex(text: &str) -> Option<TraceId> {
        hex_of_width(text, 32).map(TraceId)
    }
}

impl SpanId {
    /// The ID written as hex (up to 16 digits); `None` for anything else or zero.
    pub fn from_hex(text: &str) -> Option<SpanId> {
        hex_of_width(text, 16).and_then(|value| SpanId::new(u64::try_from(value).ok()?))
    }

    /// The ID with this value; `None` for zero.
    pub fn new(value: u64) -> Option<SpanId> {
        NonZeroU64::new(value).map(SpanId)
    }

    /// Its value.
    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for TraceId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for SpanId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TraceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TraceId, D::Error> {
        crate::serde_text::from_text(d, "a trace ID of up to 32 hex digits", TraceId::from_hex)
    }
}

impl<'de> Deserialize<'de> for SpanId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SpanId, D::Error> {
        crate::serde_text::from_text(d, "a nonzero span ID of up to 16 hex digits", SpanId::from_hex)
    }
}

/// `text` as a number if it is 1 to `digits` hex digits and nothing else.
fn hex_of_width(text: &str, digits: usize) -> Option<u128> {
    let hex = !text.is_empty() && text.len() <= digits && text.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then(|| u128::from_str_radix(text, 16).ok()).flatten()
}

/// What had to be done to turn an ID's text into an ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdRepair {
    /// The text was canonical hex.
    None,
    /// Hex shorter than the full width: left-padded with zeros.
    Padded,
    /// Not hex at all: replaced by a stable hash of the text, so equal texts
    /// still link up within the file set.
    Hashed,
}

/// Parses a trace ID written as hex (any case, leading zeros optional).
/// 64-bit trace IDs (16 digits, as Jaeger and Zipkin write them) are canonical.
/// Returns `None` for the empty string and for zero (invalid in W3C and OTLP,
/// and it would merge every such span into one trace); non-hex text is hashed.
pub fn parse_trace_id(text: &str) -> Option<(TraceId, IdRepair)> {
    let (value, repair) = parse_hex_or_hash(text, 32).filter(|(value, _)| *value != 0)?;
    let repair = match (repair, text.len()) {
        (IdRepair::Padded, 16) => IdRepair::None,
        _ => repair,
    };
    Some((TraceId(value), repair))
}

/// Parses a span ID written as hex (any case, leading zeros optional).
/// Returns `None` for the empty string and for zero; non-hex text is hashed.
pub fn parse_span_id(text: &str) -> Option<(SpanId, IdRepair)> {
    let (value, repair) = parse_hex_or_hash(text, 16)?;
    Some((SpanId::new(value as u64)?, repair))
}

/// Parses exact-width hex only, as OTLP/JSON requires; anything else is `None`.
pub fn parse_strict_hex(text: &str, width: usize) -> Option<u128> {
    parse_strict_hex_bytes(text.as_bytes(), width)
}

/// [`parse_strict_hex`] on raw bytes (IDs are read from files without UTF-8 checks).
pub fn parse_strict_hex_bytes(text: &[u8], width: usize) -> Option<u128> {
    if text.len() != width || width > 32 {
        return None;
    }
    // On every span's IDs, so decoded directly rather than via from_str_radix
    // (which also accepts a leading '+'): eight digits at a time, the usual
    // widths (16 and 32) in whole words.
    let mut chunks = text.chunks_exact(8);
    let mut value = 0u128;
    for chunk in chunks.by_ref() {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?);
        value = (value << 32) | u128::from(eight_hex_digits(word)?);
    }
    for &b in chunks.remainder() {
        let digit = HEX_DIGITS[usize::from(b)];
        if digit > 0x0F {
            return None;
        }
        value = (value << 4) | u128::from(digit);
    }
    Some(value)
}

/// The value of eight hex digits (any case) read as a little-endian word, the
/// first digit the most significant; `None` if any byte is not a hex digit.
/// All eight at once (SWAR): a table lookup per digit cost 5% of an import.
fn eight_hex_digits(word: u64) -> Option<u32> {
    const ONES: u64 = u64::MAX / 255;
    // Bytes strictly between `low` and `high` get their top bit set (for
    // bounds below 128; bytes with the top bit set never match).
    let between = |x: u64, low: u64, high: u64| {
        let seven = x & (ONES * 127);
        ((ONES * (127 + high)).wrapping_sub(seven) & !x & seven.wrapping_add(ONES * (127 - low))) & (ONES * 128)
    };
    // Setting bit 5 folds 'A'-'F' onto 'a'-'f' and leaves '0'-'9' alone.
    let lower = word | (ONES * 0x20);
    let digit = between(word, b'0' as u64 - 1, b'9' as u64 + 1);
    let letter = between(lower, b'a' as u64 - 1, b'f' as u64 + 1);
    if digit | letter != ONES * 128 {
        return None;
    }
    // Letters have bit 6 set and digits not: 'a' is 1 + 9.
    let nibbles = (lower & (ONES * 0x0F)) + ((lower >> 6) & ONES) * 9;
    // Pack the nibbles, most significant first: pairs, then fours, then all eight.
    let pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF_00FF_00FF_00FF;
    let fours = ((pairs << 8) | (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((((fours << 16) | (fours >> 32)) & 0xFFFF_FFFF) as u32)
}

/// Each byte's value as a hex digit, or 0xFF when it is not one.
static HEX_DIGITS: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// How an OTLP/JSON ID was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdEncoding {
    /// Hex, as OTLP/JSON specifies.
    Hex,
    /// Base64, as protobuf's default JSON mapping writes bytes.
    Base64,
}

/// Parses an OTLP/JSON ID of `bytes` bytes (16 for traces, 8 for spans): hex
/// of exactly that width, or base64 decoding to exactly that many bytes.
pub fn parse_otlp_id(text: &[u8], bytes: usize) -> Option<(u128, IdEncoding)> {
    if let Some(value) = parse_strict_hex_bytes(text, bytes * 2) {
        return Some((value, IdEncoding::Hex));
    }
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD.decode(text).ok()?;
    (decoded.len() == bytes).then(|| (be_bytes_to_u128(&decoded), IdEncoding::Base64))
}

/// Reads a big-endian ID of up to 16 bytes (wire IDs are big-endian byte strings).
pub fn be_bytes_to_u128(bytes: &[u8]) -> u128 {
    bytes.iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
}

fn parse_hex_or_hash(text: &str, width: usize) -> Option<(u128, IdRepair)> {
    if text.is_empty() {
        return None;
    }
    if let Some(value) = hex_of_width(text, width) {
        let repair = if text.len() < width {
            IdRepair::Padded
        } else {
            IdRepair::None
        };
        return Some((value, repair));
    }
    let hash = fnv1a_128(text.as_bytes());
    let value = if width == 16 { hash & u128::from(u64::MAX) } else { hash };
    Some((value, IdRepair::Hashed))
}

/// A new span ID derived from `id` and `salt`, stable across runs and platforms:
/// used when a repair has to split one ID into two spans (Zipkin shared spans).
pub fn derived_span_id(id: SpanId, salt: &str) -> SpanId {
    let mut bytes = id.get().to_be_bytes().to_vec();
    bytes.extend_from_slice(salt.as_bytes());
    SpanId(NonZeroU64::new(fnv1a_128(&bytes) as u64).unwrap_or(NonZeroU64::MIN))
}

/// FNV-1a: stable across platforms and versions (unlike std's hasher), so a
/// hashed ID is the same in the CLI and in the browser.
fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u128::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time decoder against a digit-by-digit one, with every
    /// byte value in every position of a valid word.
    #[test]
    fn eight_hex_digits_equal_one_at_a_time() {
        let one_at_a_time = |bytes: &[u8; 8]| u32::from_str_radix(std::str::from_utf8(bytes).ok()?, 16).ok();
        let valid = *b"09afAF5c";
        assert_eq!(eight_hex_digits(u64::from_le_bytes(valid)), Some(0x09af_af5c));
        for position in 0..8 {
            for byte in 0..=255u8 {
                let mut bytes = valid;
                bytes[position] = byte;
                // from_str_radix also takes a leading '+', which an ID may not have.
                let expected = one_at_a_time(&bytes).filter(|_| byte != b'+');
                assert_eq!(eight_hex_digits(u64::from_le_bytes(bytes)), expected, "{bytes:?}");
            }
        }
    }

    #[test]
    fn canonical_hex_in_any_case() {
        let (id, repair) = parse_trace_id("5B8EFFF798038103D269B633813FC60C").unwrap();
        assert_eq!(repair, IdRepair::None);
        assert_eq!(id.to_string(), "5b8efff798038103d269b633813fc60c");
        let (span, _) = parse_span_id("eee19b7ec3c1b174").unwrap();
        assert_eq!(span.get(), 0xeee19b7ec3c1b174);
    }

    #[test]
    fn sixty_four_bit_trace_ids_are_canonical() {
        let (id, repair) = parse_trace_id("0000000000000001").unwrap();
        assert_eq!((id, repair), (TraceId(1), IdRepair::None));
        assert_eq!(parse_trace_id("1").unwrap().1, IdRepair::Padded);
    }

    #[test]
    fn short_hex_is_padded() {
        let (id, repair) = parse_span_id("abc").unwrap();
        assert_eq!((id.get(), repair), (0xabc, IdRepair::Padded));
        assert_eq!(id.to_string(), "0000000000000abc");
    }

    #[test]
    fn non_hex_is_hashed_stably() {
        let (a, repair) = parse_span_id("span-2_1").unwrap();
        assert_eq!(repair, IdRepair::Hashed);
        assert_eq!(parse_span_id("span-2_1").unwrap().0, a);
        assert_ne!(parse_span_id("span-2_2").unwrap().0, a);
        // Too long for a span ID counts as not hex.
        assert_eq!(parse_span_id("00000000000000001").unwrap().1, IdRepair::Hashed);
    }

    #[test]
    fn empty_and_zero_are_absent() {
        assert!(parse_span_id("").is_none());
        assert!(parse_span_id("0000000000000000").is_none());
    }

    #[test]
    fn otlp_ids_in_hex_or_base64() {
        assert_eq!(parse_otlp_id(b"00000000000000ff", 8), Some((255, IdEncoding::Hex)));
        assert_eq!(parse_otlp_id(b"AAAAAAAAAP8=", 8), Some((255, IdEncoding::Base64)));
        assert_eq!(
            parse_otlp_id(b"AAAAAAAAAAAAAAAAAAAAAQ==", 16),
            Some((1, IdEncoding::Base64))
        );
        assert_eq!(parse_otlp_id(b"AAAAAAAAAP8=", 16), None, "wrong length");
        assert_eq!(parse_otlp_id(b"zzz", 16), None);
    }

    #[test]
    fn strict_hex_needs_full_width() {
        assert_eq!(parse_strict_hex("00000000000000ff", 16), Some(255));
        assert_eq!(parse_strict_hex("ff", 16), None);
        assert_eq!(parse_strict_hex("zzzzzzzzzzzzzzzz", 16), None);
    }
}
