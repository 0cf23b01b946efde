//! gzip, decompressed as the bytes come: [`Gunzip`] takes a file a chunk at
//! a time (the web engine reads files in chunks, so a compressed file is
//! never whole in memory beside its decompressed bytes) and stops as the
//! bytes come out, at [`MAX_DECOMPRESSED_BYTES`] or as soon as they are
//! more than [`MAX_GZIP_RATIO`] times the compressed bytes read (past
//! [`GZIP_RATIO_FLOOR_BYTES`]), so a gzip bomb costs 64 MiB and a fraction
//! of a second, not gigabytes.

use super::{ImportError, ImportErrorKind};
pub use crate::limits::MAX_DECOMPRESSED_BYTES;
use crate::limits::{GZIP_RATIO_FLOOR_BYTES, MAX_GZIP_RATIO};
use std::io::Write;

/// Compressed bytes given to the decoder at a time, so the ratio is checked
/// against what was really read: an 8 MB chunk of a bomb would otherwise
/// allow 200 × 8 MB before the check could tell.
const PIECE: usize = 64 << 10;

/// Fewest bytes of a gzip file: a 10-byte header, an empty deflate block
/// and an 8-byte trailer.
const SMALLEST_GZIP: u64 = 20;

/// The first bytes of every gzip stream.
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// Whether `bytes` start a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(GZIP_MAGIC)
}

/// A gzip file being decompressed, chunk by chunk. Several gzip members one
/// after another (as `cat a.gz b.gz` makes) decompress to one file.
pub struct Gunzip {
    name: String,
    decoder: flate2::write::MultiGzDecoder<Limited>,
}

impl Gunzip {
    /// Starts on the file called `name` (for its messages).
    pub fn new(name: &str) -> Gunzip {
        Gunzip {
            name: name.to_owned(),
            decoder: flate2::write::MultiGzDecoder::new(Limited::default()),
        }
    }

    /// Decompresses the next bytes of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), ImportError> {
        for piece in chunk.chunks(PIECE) {
            self.decoder.get_mut().compressed += piece.len() as u64;
            self.decoder.write_all(piece).map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// The whole file decompressed, once every chunk is in.
    pub fn finish(mut self) -> Result<Vec<u8>, ImportError> {
        if let Err(e) = self.decoder.try_finish() {
            // flate2 says "does not have a matching checksum" both for a
            // stream that stops early and for a damaged one: say both.
            let compressed = self.decoder.get_ref().compressed;
            let detail = if compressed < SMALLEST_GZIP {
                format!(
                    "the file has {compressed} bytes, and the smallest gzip file has {SMALLEST_GZIP}: it was cut short"
                )
            } else if e.kind() == std::io::ErrorKind::InvalidInput && e.to_string().contains("checksum") {
                "it stops before the end of its gzip stream, or its checksum does not match: the file was cut short (still being written or downloaded?) or damaged".to_owned()
            } else {
                e.to_string()
            };
            return Err(self.failed(ImportErrorKind::Decompression { detail }));
        }
        let bytes = std::mem::take(&mut self.decoder.get_mut().bytes);
        // A gzip file holding another gzip file is not an export anyone writes.
        if is_gzip(&bytes) {
            return Err(ImportError {
                file: self.name,
                format: None,
                kind: ImportErrorKind::NotJson {
                    looks_like: "gzip inside gzip".to_owned(),
                },
            });
        }
        Ok(bytes)
    }

    fn error(&self, e: std::io::Error) -> ImportError {
        let limited = self.decoder.get_ref();
        self.failed(match limited.over {
            Some(Stop::Memory) => ImportErrorKind::OutOfMemory {
                decompressed: limited.bytes.len() as u64,
            },
            Some(stop) => ImportErrorKind::Inflated {
                compressed: limited.compressed,
                decompressed: limited.bytes.len() as u64,
                ratio_limit: stop == Stop::Ratio,
            },
            None => ImportErrorKind::Decompression { detail: e.to_string() },
        })
    }

    fn failed(&self, kind: ImportErrorKind) -> ImportError {
        ImportError {
            file: self.name.clone(),
            format: None,
            kind,
        }
    }
}

/// Decompressed bytes, refusing any beyond the limits.
#[derive(Default)]
struct Limited {
    bytes: Vec<u8>,
    /// Compressed bytes given to the decoder so far.
    compressed: u64,
    /// Which limit stopped it, if one did.
    over: Option<Stop>,
}

/// What stopped a decompression.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stop {
    /// [`MAX_GZIP_RATIO`]: a bomb.
    Ratio,
    /// [`MAX_DECOMPRESSED_BYTES`].
    Size,
    /// The memory for the next bytes could not be had.
    Memory,
}

impl Limited {
    /// Room for `more` bytes, growing by doubling as `Vec` does but never
    /// past the size limit, and asking rather than assuming: on wasm32 a
    /// `Vec` cannot pass 2 GiB - 1 (`isize::MAX`), so plain doubling from
    /// 1 GiB would panic ("capacity overflow") and kill the engine, and a
    /// tab may run out of memory before that. Whether the room was had.
    fn make_room(&mut self, more: usize) -> bool {
        let needed = self.bytes.len().saturating_add(more);
        if needed <= self.bytes.capacity() {
            return true;
        }
        let ceiling = usize::try_from(MAX_DECOMPRESSED_BYTES)
            .unwrap_or(usize::MAX)
            .min(isize::MAX as usize);
        let wanted = self
            .bytes
            .capacity()
            .saturating_mul(2)
            .clamp(needed, ceiling.max(needed));
        self.bytes.try_reserve_exact(wanted - self.bytes.len()).is_ok() || self.bytes.try_reserve_exact(more).is_ok()
    }
}

impl Write for Limited {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Stopped a few kilobytes short at most: the decoder writes in small pieces.
        let total = (self.bytes.len() + buf.len()) as u64;
        if total > MAX_DECOMPRESSED_BYTES {
            self.over = Some(Stop::Size);
        } else if total > GZIP_RATIO_FLOOR_BYTES && total > self.compressed.saturating_mul(MAX_GZIP_RATIO) {
            self.over = Some(Stop::Ratio);
        } else if !self.make_room(buf.len()) {
            self.over = Some(Stop::Memory);
        }
        if self.over.is_some() {
            return Err(std::io::Error::other("too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn chunks_of_any_size_decompress_to_the_file() {
        let text: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut two_members = gzip(&text[..300_000]);
        two_members.extend(gzip(&text[300_000..]));
        for chunk in [1, 7, 4096, two_members.len()] {
            let mut gunzip = Gunzip::new("t.gz");
            for part in two_members.chunks(chunk) {
                gunzip.push(part).unwrap();
            }
            assert_eq!(gunzip.finish().unwrap(), text, "chunks of {chunk}");
        }
    }

    #[test]
    fn a_truncated_stream_and_gzip_inside_gzip_say_so() {
        let packed = gzip(b"{\"resourceSpans\":[]}");
        let mut gunzip = Gunzip::new("cut.gz");
        gunzip.push(&packed[..packed.len() / 2]).unwrap();
        let error = gunzip.finish().unwrap_err();
        assert!(matches!(error.kind, ImportErrorKind::Decompression { .. }), "{error}");
        assert!(error.to_string().contains("the file was cut short"), "{error}");
        let mut gunzip = Gunzip::new("twice.gz");
        gunzip.push(&gzip(&packed)).unwrap();
        assert!(gunzip.finish().unwrap_err().to_string().contains("gzip inside gzip"));
    }
}
