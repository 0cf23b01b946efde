//! gzip, decompressed as the bytes come: [`Gunzip`] takes a file a chunk at
//! a time (the web engine reads files in chunks, so a compressed file is
//! never whole in memory beside its decompressed bytes) and stops at
//! [`MAX_DECOMPRESSED_BYTES`] as the bytes come out, so a few kilobytes that
//! would expand to gigabytes (a gzip bomb) cost no more than the limit.

use super::{ImportError, ImportErrorKind};
use std::io::Write;

/// Largest decompressed size accepted from a gzip file (a wasm32 tab has 4 GiB in all).
pub const MAX_DECOMPRESSED_BYTES: u64 = 2 << 30;

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
        self.decoder.write_all(chunk).map_err(|e| self.error(e))
    }

    /// The whole file decompressed, once every chunk is in.
    pub fn finish(mut self) -> Result<Vec<u8>, ImportError> {
        self.decoder.try_finish().map_err(|e| self.error(e))?;
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
        let over = self.decoder.get_ref().over;
        ImportError {
            file: self.name.clone(),
            format: None,
            kind: ImportErrorKind::Decompression {
                detail: if over {
                    format!("it expands to more than {} GiB", MAX_DECOMPRESSED_BYTES >> 30)
                } else {
                    e.to_string()
                },
            },
        }
    }
}

/// Decompressed bytes, refusing any beyond the limit.
#[derive(Default)]
struct Limited {
    bytes: Vec<u8>,
    over: bool,
}

impl Write for Limited {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if (self.bytes.len() + buf.len()) as u64 > MAX_DECOMPRESSED_BYTES {
            // Stopped a few kilobytes short at most: the decoder writes in small pieces.
            self.over = true;
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
        let mut gunzip = Gunzip::new("twice.gz");
        gunzip.push(&gzip(&packed)).unwrap();
        assert!(gunzip.finish().unwrap_err().to_string().contains("gzip inside gzip"));
    }
}
