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
mod recent;
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
