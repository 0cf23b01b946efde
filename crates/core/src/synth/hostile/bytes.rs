//! The cases made of bytes rather than spans: a gzip bomb, protobuf nested
//! deep, UTF-16 text, a PNG image.

use flate2::{Compress, Compression, Crc, FlushCompress};
use prost::encoding::{encode_varint, encoded_len_varint};

/// A gzip file of `decompressed` bytes or a little more: an OTLP JSON
/// document with no spans whose list is padded with spaces (valid JSON,
/// so only a size limit stops it), with a correct trailer.
///
/// Made cheaply: one MiB of spaces is compressed once, ending on a byte
/// boundary (a sync flush), and those bytes are repeated. Each copy only
/// refers back to spaces (the MiB before it), so the repetition is a valid
/// deflate stream; its CRC is combined per copy, not computed over gigabytes.
pub fn gzip_bomb(decompressed: u64) -> Vec<u8> {
    const CHUNK: usize = 1 << 20;
    let (head, tail) = (&br#"{"resourceSpans":["#[..], &b"]}"[..]);
    let spaces = vec![b' '; CHUNK];
    let copies = decompressed.saturating_sub(CHUNK as u64).div_ceil(CHUNK as u64);

    let mut compress = Compress::new(Compression::best(), false);
    // Fixed header: deflate, no flags, no time, no extra flags, unknown OS.
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(deflate(&mut compress, head, FlushCompress::Sync));
    // The first MiB of spaces fills the window, so the next one's bytes
    // refer only to spaces and can be repeated.
    out.extend(deflate(&mut compress, &spaces, FlushCompress::Sync));
    let repeated = deflate(&mut compress, &spaces, FlushCompress::Sync);
    let tail_bytes = deflate(&mut compress, tail, FlushCompress::Finish);
    out.reserve(repeated.len().saturating_mul(copies as usize) + tail_bytes.len() + 8);

    let mut crc = Crc::new();
    crc.update(head);
    crc.update(&spaces);
    let mut chunk_crc = Crc::new();
    chunk_crc.update(&spaces);
    for _ in 0..copies {
        out.extend_from_slice(&repeated);
        crc.combine(&chunk_crc);
    }
    out.extend_from_slice(&tail_bytes);
    crc.update(tail);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE: the length modulo 2^32, as RFC 1952 says.
    out.extend_from_slice(&crc.amount().to_le_bytes());
    out
}

/// `input` through `compress` with `flush`, the output it gives.
fn deflate(compress: &mut Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 256 + 4096);
    let mut consumed = 0usize;
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(64 << 10);
        }
        let before = compress.total_in();
        let rest = input.get(consumed..).unwrap_or_default();
        let Ok(status) = compress.compress_vec(rest, &mut out, flush) else {
            return out;
        };
        consumed += usize::try_from(compress.total_in() - before).unwrap_or(usize::MAX);
        let room_left = out.len() < out.capacity();
        if status == flate2::Status::StreamEnd || (consumed >= input.len() && room_left) {
            return out;
        }
    }
}

/// An OTLP `AnyValue` nesting `depth` messages: arrays (`AnyValue` →
/// `ArrayValue` → `AnyValue` ...) around the string `bottom`. Written from
/// the outside in, each length known beforehand, so it costs one pass.
pub fn deep_any_value(depth: usize) -> Vec<u8> {
    let levels = depth / 2;
    // The innermost value, `{string_value: "bottom"}`, and each level's two
    // message lengths going outwards: (ArrayValue, AnyValue around it).
    let bottom: &[u8] = b"\x0a\x06bottom";
    let mut lengths = Vec::with_capacity(levels);
    let mut inner = bottom.len();
    for _ in 0..levels {
        let array = 1 + encoded_len_varint(inner as u64) + inner;
        let any = 1 + encoded_len_varint(array as u64) + array;
        lengths.push((array, inner));
        inner = any;
    }
    let mut out = Vec::with_capacity(inner);
    for &(array, inner) in lengths.iter().rev() {
        out.push(5 << 3 | 2); // AnyValue.array_value
        encode_varint(array as u64, &mut out);
        out.push(1 << 3 | 2); // ArrayValue.values
        encode_varint(inner as u64, &mut out);
    }
    out.extend_from_slice(bottom);
    out
}

/// `text` as UTF-16, little- or big-endian, with or without a byte order mark.
pub fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
    units
        .flat_map(|unit| {
            if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            }
        })
        .collect()
}

/// A 1×1 PNG image: signature, header, one pixel, end.
pub fn png() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    // 1×1, 8 bits per channel, RGBA, default compression, filter, no interlace.
    png_chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    let mut pixel = Vec::new();
    let mut compress = Compress::new(Compression::default(), true);
    pixel.extend(deflate(&mut compress, &[0, 0xff, 0x80, 0, 0xff], FlushCompress::Finish));
    png_chunk(&mut out, b"IDAT", &pixel);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_bomb_is_a_valid_gzip_file_of_the_size_asked() {
        let bomb = gzip_bomb(8 << 20);
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&bomb[..]).read_to_end(&mut text).unwrap();
        assert!(text.len() >= 8 << 20 && text.len() < 10 << 20, "{}", text.len());
        assert!(text.starts_with(br#"{"resourceSpans":[ "#) && text.ends_with(b" ]}"));
        assert!(bomb.len() * 500 < text.len(), "{} bytes compressed", bomb.len());
    }

    #[test]
    fn deep_values_nest_as_deep_as_asked() {
        // Three levels of arrays: six messages, decoded by hand.
        let bytes = deep_any_value(6);
        let mut rest = &bytes[..];
        let mut messages = 0;
        while let [tag, ..] = rest {
            if *tag == 0x0a && rest.get(1) == Some(&6) {
                break;
            }
            rest = &rest[1..];
            prost::encoding::decode_varint(&mut rest).unwrap();
            messages += 1;
        }
        assert_eq!((messages, rest), (6, &b"\x0a\x06bottom"[..]));
    }
}
