//! Reading trace exports into the model.
//!
//! One module per format, each with private wire types that mirror the format
//! exactly and a conversion into [`crate::model`]. [`import_file`] detects the
//! format from the content, parses the whole file first and only then adds its
//! spans, so a broken file adds nothing and the set stays as it was.

mod builder;
mod dedup;
mod error;
mod gunzip;
mod jaeger_json;
mod json_scan;
mod lenient;
mod otlp_common;
mod otlp_json;
mod otlp_jsonl;
/// OTLP protobuf; its wire types are shared with the synthetic-data writer.
pub(crate) mod otlp_proto;
mod proto_cost;

mod progress;
mod report;
mod shared_keys;
mod sniff;
#[cfg(test)]
mod testing;
mod text_id;
/// Spans given as values, for fuzzing the analysis; not for reading files.
#[doc(hidden)]
pub mod values;
mod zipkin_json;

pub use error::{ImportError, ImportErrorKind, SUPPORTED};
pub use gunzip::{Gunzip, MAX_DECOMPRESSED_BYTES, is_gzip};
pub use progress::{ImportProgress, SPANS_BETWEEN_REPORTS};
pub use report::{Compression, FileReport, Format, RejectReason, SkipReason, Tally, WarningKind};
pub use sniff::{Sniffed, sniff};

use crate::model::TraceSet;
use builder::Builder;
use progress::ProgressHook;

/// The service name OpenTelemetry SDKs use when none is configured.
pub const UNKNOWN_SERVICE: &str = "unknown_service";

/// Reads one file into `set` and returns its report (also kept in `set.files`).
///
/// On error nothing is added (not even interned strings): the error names the
/// file, the format it was read as, where it failed and what was expected.
pub fn import_file(set: &mut TraceSet, name: &str, bytes: &[u8]) -> Result<FileReport, ImportError> {
    import_file_with_progress(set, name, bytes, &mut |_| {})
}

/// [`import_file`], telling `on_progress` how many spans it has read every
/// [`SPANS_BETWEEN_REPORTS`] spans, whatever the format, and once more when
/// the file is read (`done`). A gzip file is decompressed first, without
/// reports.
pub fn import_file_with_progress(
    set: &mut TraceSet,
    name: &str,
    bytes: &[u8],
    on_progress: &mut dyn FnMut(ImportProgress),
) -> Result<FileReport, ImportError> {
    if is_gzip(bytes) {
        let mut gunzip = Gunzip::new(name);
        gunzip.push(bytes)?;
        return import_gunzipped(set, name, &gunzip.finish()?, on_progress);
    }
    finish_reports(import_plain(set, name, bytes, None, on_progress), on_progress)
}

/// A file read while its bytes arrive, for a reader that gets a big file a
/// part at a time (a browser reads a 100 MB file in about the time the
/// engine parses it: together instead of one after the other, they take
/// half as long). Give [`StreamingImport::feed`] the file's first bytes each
/// time more arrive, then [`StreamingImport::finish`] all of them: the set,
/// the report, the progress and any error are exactly those of
/// [`import_file_with_progress`] on the whole file.
///
/// Only Jaeger JSON of the shape exporters write is read in parts so far
/// (see `jaeger_json::Chunked`); every other file, and one that turns out
/// not to be of that shape, is read whole by `finish`.
pub struct StreamingImport<'s> {
    name: String,
    total: usize,
    state: Streaming<'s>,
    /// [`SEEN_BEFORE_DECIDING`], and `jaeger_json::NEAR_THE_END`: smaller in tests.
    seen_before_deciding: usize,
    near_the_end: usize,
}

enum Streaming<'s> {
    /// Nothing read yet: the file's first bytes decide how it is read.
    Undecided {
        set: &'s mut TraceSet,
        hook: &'s mut dyn FnMut(ImportProgress),
    },
    /// Read in parts; `from` is where its spans begin in the set.
    Parts {
        reader: Box<jaeger_json::Chunked<'s>>,
        from: usize,
    },
    /// Read whole by `finish`.
    Whole {
        set: &'s mut TraceSet,
        hook: &'s mut dyn FnMut(ImportProgress),
    },
    /// Only while changing from one state to another.
    Changing,
}

/// How much of a file the decision to read it in parts waits for: twice
/// what the sniffer looks at, so it sees what it would see in the whole file.
const SEEN_BEFORE_DECIDING: usize = 2 << 20;

impl<'s> StreamingImport<'s> {
    /// A file `name` of `total` bytes (as they will be read, gzip or not)
    /// for `set`, with progress to `on_progress`.
    pub fn new(
        set: &'s mut TraceSet,
        name: &str,
        total: usize,
        on_progress: &'s mut dyn FnMut(ImportProgress),
    ) -> StreamingImport<'s> {
        StreamingImport {
            name: name.to_owned(),
            total,
            state: Streaming::Undecided { set, hook: on_progress },
            seen_before_deciding: SEEN_BEFORE_DECIDING,
            near_the_end: jaeger_json::NEAR_THE_END,
        }
    }

    /// The same with the sizes that decide when to read in parts and when
    /// to check that a span is there whole, for tests on small documents.
    #[cfg(test)]
    pub(crate) fn with_sizes(mut self, seen_before_deciding: usize, near_the_end: usize) -> Self {
        self.seen_before_deciding = seen_before_deciding;
        self.near_the_end = near_the_end;
        self
    }

    /// Whether the file's first bytes said to read it whole at the end
    /// (not Jaeger JSON, gzip, ...): feeding it more does nothing.
    pub fn reads_whole(&self) -> bool {
        matches!(self.state, Streaming::Whole { .. })
    }

    /// Whether the file is being read in parts (and the reader has not
    /// given up on it so far).
    pub fn in_parts(&self) -> bool {
        matches!(&self.state, Streaming::Parts { reader, .. } if !reader.gave_up())
    }

    /// Reads what it can of `bytes`, the file's first bytes so far.
    pub fn feed(&mut self, bytes: &[u8]) {
        if let Streaming::Undecided { .. } = self.state
            && (bytes.len() >= self.seen_before_deciding || bytes.len() >= self.total)
        {
            self.decide(bytes);
        }
        if let Streaming::Parts { reader, .. } = &mut self.state {
            reader.feed(bytes);
        }
    }

    /// Parts for Jaeger JSON that is neither gzip nor starts with a byte
    /// order mark (they change what the offsets count), whole otherwise.
    fn decide(&mut self, bytes: &[u8]) {
        let Streaming::Undecided { set, hook } = std::mem::replace(&mut self.state, Streaming::Changing) else {
            return;
        };
        let in_parts = bytes.len() < self.total && !bytes.starts_with(b"\xEF\xBB\xBF") && is_jaeger(bytes);
        self.state = match in_parts {
            true => {
                let from = set.spans.len();
                let report = FileReport::new(&self.name, Format::JaegerJson, self.total);
                let builder = Builder::new(set, report).reporting(ProgressHook::new(hook, self.total));
                Streaming::Parts {
                    reader: Box::new(jaeger_json::Chunked::new(builder, self.total, self.near_the_end)),
                    from,
                }
            }
            false => Streaming::Whole { set, hook },
        };
    }

    /// Reads the rest of `bytes`, the whole file.
    pub fn finish(self, bytes: &[u8]) -> Result<FileReport, ImportError> {
        let (set, hook) = match self.state {
            Streaming::Undecided { set, hook } | Streaming::Whole { set, hook } => (set, hook),
            Streaming::Parts { reader, from } => {
                // What `import_plain` decides from the whole file must be what was decided from its start.
                let read = match is_jaeger(bytes) {
                    true => reader.finish(bytes),
                    false => (reader.abandon(), false),
                };
                match read {
                    (builder, true) => {
                        let (mut report, set, hook) = builder.finish_into_parts();
                        dedup::merge_identical(set, from, &mut report);
                        return match hook {
                            Some(hook) => finish_reports(Ok(report), hook.into_hook()),
                            None => Ok(report),
                        };
                    }
                    (builder, false) => match builder.abandon_into_parts() {
                        (set, Some(hook)) => (set, hook.into_hook()),
                        (set, None) => return import_file(set, &self.name, bytes),
                    },
                }
            }
            // `decide` always puts a state back; were it ever not, this says so rather than panics.
            Streaming::Changing => {
                return Err(ImportError {
                    file: self.name,
                    format: None,
                    kind: ImportErrorKind::UnsupportedShape {
                        looks_like: "a file whose reading was interrupted".to_owned(),
                    },
                });
            }
        };
        import_file_with_progress(set, &self.name, bytes, hook)
    }
}

/// Whether `bytes` are what the sniffer takes for Jaeger JSON.
fn is_jaeger(bytes: &[u8]) -> bool {
    sniff(bytes) == Sniffed::Supported(Format::JaegerJson)
}

/// Reads one file that [`Gunzip`] decompressed (its report says it was
/// gzip), with progress as [`import_file_with_progress`] gives it.
pub fn import_gunzipped(
    set: &mut TraceSet,
    name: &str,
    decompressed: &[u8],
    on_progress: &mut dyn FnMut(ImportProgress),
) -> Result<FileReport, ImportError> {
    finish_reports(
        import_plain(set, name, decompressed, Some(Compression::Gzip), on_progress),
        on_progress,
    )
}

/// The last progress report of a file read: all of it.
fn finish_reports(
    read: Result<FileReport, ImportError>,
    on_progress: &mut dyn FnMut(ImportProgress),
) -> Result<FileReport, ImportError> {
    let report = read?;
    on_progress(ImportProgress {
        spans_read: report.spans_read,
        bytes_total: report.bytes,
        done: true,
    });
    Ok(report)
}

fn import_plain(
    set: &mut TraceSet,
    name: &str,
    bytes: &[u8],
    compression: Option<Compression>,
    on_progress: &mut dyn FnMut(ImportProgress),
) -> Result<FileReport, ImportError> {
    let fail = |kind| ImportError {
        file: name.to_owned(),
        format: None,
        kind,
    };
    let format = match sniff(bytes) {
        Sniffed::Supported(format) => format,
        Sniffed::Empty => return Err(fail(ImportErrorKind::Empty)),
        Sniffed::NotJson(looks_like) => return Err(fail(ImportErrorKind::NotJson { looks_like })),
        Sniffed::OtherEncoding(encoding) => {
            return Err(fail(ImportErrorKind::Encoding {
                encoding: encoding.to_owned(),
            }));
        }
        Sniffed::Gzip => {
            return Err(fail(ImportErrorKind::NotJson {
                looks_like: "gzip inside gzip".to_owned(),
            }));
        }
        Sniffed::Unsupported(looks_like) | Sniffed::UnknownJson(looks_like) => {
            return Err(fail(ImportErrorKind::UnsupportedShape { looks_like }));
        }
    };
    read_as(
        set,
        name,
        bytes,
        format,
        compression,
        ProgressHook::new(on_progress, bytes.len()),
    )
}

/// Reads one file into `set` as `format`, without looking at its content to
/// decide (no gzip either): for when the caller knows better than the sniffer,
/// and for fuzzing each importer on its own.
pub fn import_file_as(set: &mut TraceSet, name: &str, bytes: &[u8], format: Format) -> Result<FileReport, ImportError> {
    read_as(
        set,
        name,
        bytes,
        format,
        None,
        ProgressHook::new(&mut |_| {}, bytes.len()),
    )
}

/// Reads `bytes` as `format`, then merges the spans that were already loaded
/// (see [`dedup`]).
fn read_as(
    set: &mut TraceSet,
    name: &str,
    bytes: &[u8],
    format: Format,
    compression: Option<Compression>,
    mut progress: ProgressHook<'_>,
) -> Result<FileReport, ImportError> {
    let from = set.spans.len();
    let mut report = read_format(set, name, bytes, format, compression, &mut progress)?;
    dedup::merge_identical(set, from, &mut report);
    Ok(report)
}

fn read_format(
    set: &mut TraceSet,
    name: &str,
    bytes: &[u8],
    format: Format,
    compression: Option<Compression>,
    progress: &mut ProgressHook<'_>,
) -> Result<FileReport, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut report = FileReport::new(name, format, bytes.len());
    report.compression = compression;
    match format {
        Format::OtlpJson => {
            let mut builder = Builder::new(set, report).reporting(progress.reborrow());
            match otlp_json::stream(bytes, &mut builder, None) {
                Ok(_) => Ok(builder.finish()),
                Err(error) => {
                    builder.abandon();
                    // JSON Lines whose first line was too long for the sniffer to see its end.
                    let next = error.trailing_at().and_then(|at| bytes.get(..at)).map(|before| {
                        let gap = before
                            .iter()
                            .rposition(|b| !b.is_ascii_whitespace())
                            .map_or(0, |i| i + 1);
                        bytes.get(gap..).unwrap_or_default()
                    });
                    if next.is_some_and(sniff::is_otlp_record_line) {
                        return read_format(set, name, bytes, Format::OtlpJsonLines, compression, progress);
                    }
                    let (line, column) = error.line_column(bytes);
                    Err(ImportError::malformed_json(name, format, line, column, &error))
                }
            }
        }
        Format::OtlpJsonLines => {
            let mut builder = Builder::new(set, report).reporting(progress.reborrow());
            match otlp_jsonl::import(name, bytes, &mut builder) {
                Ok(()) => Ok(builder.finish()),
                Err(error) => {
                    builder.abandon();
                    Err(error)
                }
            }
        }
        Format::OtlpProtobuf => {
            let mut builder = Builder::new(set, report).reporting(progress.reborrow());
            match otlp_proto::import(name, bytes, &mut builder) {
                Ok(()) => Ok(builder.finish()),
                Err(error) => {
                    builder.abandon();
                    Err(error)
                }
            }
        }
        Format::JaegerJson => {
            let mut builder = Builder::new(set, report).reporting(progress.reborrow());
            match jaeger_json::stream(bytes, &mut builder) {
                Ok(()) => Ok(builder.finish()),
                Err(error) => {
                    builder.abandon();
                    let (line, column) = error.line_column(bytes);
                    Err(ImportError::malformed_json(name, format, line, column, &error))
                }
            }
        }
        Format::ZipkinJson => {
            let mut builder = Builder::new(set, report).reporting(progress.reborrow());
            match zipkin_json::stream(bytes, &mut builder) {
                Ok(()) => Ok(builder.finish()),
                Err(error) => {
                    builder.abandon();
                    let (line, column) = error.line_column(bytes);
                    Err(ImportError::malformed_json(name, format, line, column, &error))
                }
            }
        }
    }
}
