//! The one place where importers add spans to the model, so every format
//! applies the same checks (times, counts) and reports them the same way.

use super::{FileReport, RejectReason, WarningKind};
use crate::ids::{SpanId, TraceId};
use crate::intern::Sym;
use crate::model::{Attribute, Span, SpanKind, StatusCode, TraceSet};
use crate::time::TimestampNs;

/// A span as an importer understood it, before the shared checks.
pub(super) struct SpanFields {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent_span_id: Option<SpanId>,
    pub service: Sym,
    pub name: Sym,
    pub kind: SpanKind,
    pub start: TimestampNs,
    pub end: TimestampNs,
    pub status: StatusCode,
    pub status_message: Option<Sym>,
    pub attributes: Vec<Attribute>,
}

/// Adds one file's spans to a [`TraceSet`] and counts what happened in its report.
pub(super) struct Builder<'s> {
    set: &'s mut TraceSet,
    report: FileReport,
    file: u32,
}

impl<'s> Builder<'s> {
    pub fn new(set: &'s mut TraceSet, report: FileReport) -> Builder<'s> {
        let file = u32::try_from(set.files.len()).unwrap_or(u32::MAX);
        Builder { set, report, file }
    }

    pub fn intern(&mut self, text: &str) -> Sym {
        self.set.strings.intern(text)
    }

    pub fn warn(&mut self, kind: WarningKind) {
        self.report.warn(kind);
    }

    /// Counts a span found in the file; each must then be kept or rejected.
    pub fn span_read(&mut self) {
        self.report.spans_read += 1;
    }

    pub fn reject(&mut self, reason: RejectReason, example: impl FnOnce() -> String) {
        self.report.reject(reason, example);
    }

    pub fn keep(&mut self, fields: SpanFields) {
        if fields.start.0 == 0 {
            self.report.warn(WarningKind::MissingTimestamp);
        }
        if fields.end < fields.start {
            self.report.warn(WarningKind::NegativeDuration);
        }
        let attributes = self.set.push_attributes(fields.attributes);
        self.set.spans.push(Span {
            trace_id: fields.trace_id,
            span_id: fields.span_id,
            parent_span_id: fields.parent_span_id,
            service: fields.service,
            name: fields.name,
            kind: fields.kind,
            start: fields.start,
            duration: fields.end.saturating_since(fields.start),
            status: fields.status,
            status_message: fields.status_message,
            attributes,
            file: self.file,
        });
        self.report.spans_kept += 1;
    }

    /// Records the file's report in the set and returns it.
    pub fn finish(self) -> FileReport {
        debug_assert_eq!(
            self.report.spans_read,
            self.report.spans_kept + self.report.spans_rejected(),
            "every span read is kept or rejected"
        );
        self.set.files.push(self.report.clone());
        self.report
    }
}
