//! OTLP JSON Lines: one `TracesData` per line, as the OpenTelemetry
//! Collector's file exporter writes. Dumps mix in lines of logs and metrics;
//! those are skipped and counted, not errors. A malformed line (typically the
//! last line of a file still being written) is skipped and counted with its
//! position, so the rest of the file still loads; only a file with no readable
//! line at all is an error.

use super::builder::Builder;
use super::otlp_json::{Content, stream};
use super::{Format, ImportError, ImportErrorKind, SkipReason};

/// Reads every line of `bytes` into the builder.
pub(super) fn import(name: &str, bytes: &[u8], out: &mut Builder<'_>) -> Result<(), ImportError> {
    let mut first_error = None;
    let mut readable_lines = 0usize;
    let mut trace_lines = 0usize;
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_number = index + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let checkpoint = out.checkpoint();
        match stream(line, out, Some(line_number)) {
            Ok(content) => {
                readable_lines += 1;
                match content {
                    Content::Spans => trace_lines += 1,
                    Content::Logs => out.skip(SkipReason::LogsLine, || format!("line {line_number}")),
                    Content::Metrics => out.skip(SkipReason::MetricsLine, || format!("line {line_number}")),
                    Content::Nothing => out.skip(SkipReason::NoSpans, || format!("line {line_number}")),
                }
            }
            Err(error) => {
                // Spans of the line read before the error are taken back: a line loads whole or not at all.
                out.restore(checkpoint);
                let (_, column) = error.line_column(line);
                out.skip(SkipReason::MalformedLine, || {
                    format!("line {line_number}, column {column}: {}", error.detail())
                });
                first_error.get_or_insert((line_number, column, error));
            }
        }
    }
    if readable_lines == 0 {
        let (line, column, error) = first_error.ok_or_else(|| ImportError {
            file: name.to_owned(),
            format: Some(Format::OtlpJsonLines),
            kind: ImportErrorKind::Empty,
        })?;
        return Err(ImportError::malformed_json(
            name,
            Format::OtlpJsonLines,
            line,
            column,
            &error,
        ));
    }
    if trace_lines == 0 {
        return Err(ImportError {
            file: name.to_owned(),
            format: Some(Format::OtlpJsonLines),
            kind: ImportErrorKind::UnsupportedShape {
                looks_like: "OTLP JSON Lines with logs or metrics but no spans".to_owned(),
            },
        });
    }
    Ok(())
}
