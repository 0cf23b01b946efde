//! Progress of one file's import, for a page that shows a bar while a
//! worker parses: every importer counts its spans in one place
//! ([`super::builder::Builder::span_read`]), which hands the count on every
//! [`SPANS_BETWEEN_REPORTS`] spans.

/// How far an import has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportProgress {
    /// Spans read so far (kept or rejected; a rolled-back part of the file
    /// can make the count go back).
    pub spans_read: u64,
    /// How many bytes the reader parses (after decompression): the file's size for a bar.
    pub bytes_total: u64,
    /// Whether this is the last report, sent once the file is read whole.
    pub done: bool,
}

/// Spans between two reports: 32,768 take 15-40 ms to read in a browser
/// (0.8-2 M spans/s), well within the 100 ms a progress bar needs, and the
/// check costs one comparison per span.
pub const SPANS_BETWEEN_REPORTS: u64 = 1 << 15;

/// Where an import's progress goes; see [`super::import_file_with_progress`].
pub(super) struct ProgressHook<'p> {
    hook: &'p mut dyn FnMut(ImportProgress),
    bytes_total: u64,
}

impl<'p> ProgressHook<'p> {
    pub fn new(hook: &'p mut dyn FnMut(ImportProgress), bytes_total: usize) -> ProgressHook<'p> {
        ProgressHook {
            hook,
            bytes_total: bytes_total as u64,
        }
    }

    /// Reports `spans_read` spans.
    #[cold]
    pub fn report(&mut self, spans_read: u64, done: bool) {
        (self.hook)(ImportProgress {
            spans_read,
            bytes_total: self.bytes_total,
            done,
        });
    }

    /// The same hook, borrowed for one builder.
    pub fn reborrow(&mut self) -> ProgressHook<'_> {
        ProgressHook {
            hook: &mut *self.hook,
            bytes_total: self.bytes_total,
        }
    }
}
