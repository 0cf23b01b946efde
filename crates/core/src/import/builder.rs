//! The one place where importers add spans to the model, so every format
//! applies the same checks (times, counts) and reports them the same way.

use super::{FileReport, RejectReason, SkipReason, WarningKind};
use crate::ids::{SpanId, TraceId};
use crate::intern::Sym;
use crate::model::{
    Attribute, DroppedCounts, Event, Link, Mark, Resource, Scope, Span, SpanExtras, SpanKind, StatusCode, TraceSet,
};

use crate::time::{DurationNs, TimestampNs};

/// An event as an importer understood it.
pub(super) struct EventFields {
    pub time: TimestampNs,
    pub name: Sym,
    pub attributes: Vec<Attribute>,
}

/// A link as an importer understood it.
pub(super) struct LinkFields {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub trace_state: Option<Sym>,
    pub attributes: Vec<Attribute>,
}

/// A span as an importer understood it, before the shared checks.
pub(super) struct SpanFields {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent_span_id: Option<SpanId>,
    /// From [`Builder::resource`]: the index and its service name; `None` when
    /// the importer will set it later with [`Builder::assign_resource`].
    pub resource: Option<(u32, Sym)>,
    /// From [`Builder::scope`] or [`Builder::no_scope`]; `None` when the
    /// importer will set it later with [`Builder::assign_scope`].
    pub scope: Option<u32>,
    pub name: Sym,
    pub kind: SpanKind,
    pub start: TimestampNs,
    pub end: TimestampNs,
    pub status: StatusCode,
    pub status_message: Option<Sym>,
    pub attributes: Vec<Attribute>,
    pub events: Vec<EventFields>,
    pub links: Vec<LinkFields>,
    pub trace_state: Option<Sym>,
    pub trace_flags: u8,
    pub dropped: DroppedCounts,
}

/// Adds one file's spans to a [`TraceSet`] and counts what happened in its report.
pub(super) struct Builder<'s> {
    set: &'s mut TraceSet,
    report: FileReport,
    file: u32,
    no_scope: Option<u32>,
    start: Mark,
}

/// Where a builder was, to return to if what follows fails; see [`Builder::checkpoint`].
pub(super) struct Checkpoint {
    set: Mark,
    report: FileReport,
    no_scope: Option<u32>,
}

/// Placeholder for a resource or scope that [`Builder::assign_resource`] or
/// [`Builder::assign_scope`] fills in.
const NOT_YET: u32 = u32::MAX;

impl<'s> Builder<'s> {
    pub fn new(set: &'s mut TraceSet, report: FileReport) -> Builder<'s> {
        let file = u32::try_from(set.files.len()).unwrap_or(u32::MAX);
        let start = set.mark();
        Builder {
            set,
            report,
            file,
            no_scope: None,
            start,
        }
    }

    /// Undoes everything this builder added: the file failed part-way.
    pub fn abandon(self) {
        self.set.rollback(self.start);
    }

    /// Remembers the current state, for [`Builder::restore`].
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            set: self.set.mark(),
            report: self.report.clone(),
            no_scope: self.no_scope,
        }
    }

    /// Undoes everything added since `checkpoint`, counts included.
    pub fn restore(&mut self, checkpoint: Checkpoint) {
        self.set.rollback(checkpoint.set);
        self.report = checkpoint.report;
        self.no_scope = checkpoint.no_scope;
    }

    /// How many spans the set holds; a start for [`Builder::assign_resource`].
    pub fn span_count(&self) -> usize {
        self.set.spans.len()
    }

    /// Gives the spans kept since `from` without a resource this one, and
    /// counts those whose service is unknown.
    pub fn assign_resource(&mut self, from: usize, (resource, service): (u32, Sym)) {
        let unknown = self.set.str(service) == super::UNKNOWN_SERVICE;
        let mut missing = 0;
        for span in self.set.spans.get_mut(from..).unwrap_or_default() {
            if span.resource == NOT_YET {
                span.resource = resource;
                span.service = service;
                missing += u64::from(unknown);
            }
        }
        if missing > 0 {
            *self.report.warnings.entry(WarningKind::MissingServiceName).or_insert(0) += missing;
        }
    }

    /// Gives the spans kept since `from` without a scope this one.
    pub fn assign_scope(&mut self, from: usize, scope: u32) {
        for span in self.set.spans.get_mut(from..).unwrap_or_default() {
            if span.scope == NOT_YET {
                span.scope = scope;
            }
        }
    }

    pub fn intern(&mut self, text: &str) -> Sym {
        self.set.strings.intern(text)
    }

    /// Interns text read as raw bytes; invalid UTF-8 is kept with U+FFFD
    /// replacements and counted as a warning.
    pub fn intern_raw(&mut self, bytes: &[u8]) -> Sym {
        self.set.strings.intern_bytes(bytes).unwrap_or_else(|replaced| {
            self.report.warn(WarningKind::InvalidUtf8);
            replaced
        })
    }

    pub fn warn(&mut self, kind: WarningKind) {
        self.report.warn(kind);
    }

    /// Adds a resource; a missing or empty service name becomes `unknown_service`
    /// (a warning is counted per span by [`Builder::keep`]).
    pub fn resource(
        &mut self,
        service: Option<&str>,
        attributes: Vec<Attribute>,
        dropped_attributes: u32,
    ) -> (u32, Sym) {
        let service = self.intern(service.filter(|s| !s.is_empty()).unwrap_or(super::UNKNOWN_SERVICE));
        let attributes = self.set.push_attributes(attributes);
        let index = u32::try_from(self.set.resources.len()).unwrap_or(u32::MAX);
        self.set.resources.push(Resource {
            service,
            attributes,
            dropped_attributes,
        });
        (index, service)
    }

    /// Adds an instrumentation scope.
    pub fn scope(&mut self, name: &str, version: &str, attributes: Vec<Attribute>) -> u32 {
        let (name, version) = (self.intern(name), self.intern(version));
        let attributes = self.set.push_attributes(attributes);
        let index = u32::try_from(self.set.scopes.len()).unwrap_or(u32::MAX);
        self.set.scopes.push(Scope {
            name,
            version,
            attributes,
        });
        index
    }

    /// The empty scope, for formats that do not name one (Jaeger, Zipkin).
    pub fn no_scope(&mut self) -> u32 {
        match self.no_scope {
            Some(index) => index,
            None => {
                let index = self.scope("", "", Vec::new());
                self.no_scope = Some(index);
                index
            }
        }
    }

    /// Counts a span found in the file; each must then be kept or rejected.
    pub fn span_read(&mut self) {
        self.report.spans_read += 1;
    }

    pub fn reject(&mut self, reason: RejectReason, example: impl FnOnce() -> String) {
        self.report.reject(reason, example);
    }

    /// Counts a line or message that held no spans.
    pub fn skip(&mut self, reason: SkipReason, example: impl FnOnce() -> String) {
        self.report.skip(reason, example);
    }

    pub fn keep(&mut self, fields: SpanFields) {
        if fields.start.0 == 0 {
            self.report.warn(WarningKind::MissingTimestamp);
        }
        if fields.end < fields.start {
            self.report.warn(WarningKind::NegativeDuration);
        }
        let (resource, service) = match fields.resource {
            Some((resource, service)) => {
                if self.set.str(service) == super::UNKNOWN_SERVICE {
                    self.report.warn(WarningKind::MissingServiceName);
                }
                (resource, service)
            }
            // The service is filled in with the resource, by `assign_resource`.
            None => (NOT_YET, self.set.strings.intern(super::UNKNOWN_SERVICE)),
        };
        let attributes = self.set.push_attributes(fields.attributes);
        let mut events = Vec::with_capacity(fields.events.len());
        for event in fields.events {
            let attributes = self.set.push_attributes(event.attributes);
            events.push(Event {
                time: event.time,
                name: event.name,
                attributes,
            });
        }
        let events = self.set.push_events(events);
        let mut links = Vec::with_capacity(fields.links.len());
        for link in fields.links {
            let attributes = self.set.push_attributes(link.attributes);
            links.push(Link {
                trace_id: link.trace_id,
                span_id: link.span_id,
                trace_state: link.trace_state,
                attributes,
            });
        }
        let extras = SpanExtras {
            links: self.set.push_links(links),
            trace_state: fields.trace_state,
            dropped: fields.dropped,
        };
        let extras = self.set.push_extras(extras);
        self.set.spans.push(Span {
            trace_id: fields.trace_id,
            span_id: fields.span_id,
            parent_span_id: fields.parent_span_id,
            service,
            name: fields.name,
            kind: fields.kind,
            start: fields.start,
            // Without a start, `end - 0` would be decades: no duration is known.
            duration: if fields.start.0 == 0 {
                DurationNs(0)
            } else {
                fields.end.saturating_since(fields.start)
            },
            status: fields.status,
            status_message: fields.status_message,
            attributes,
            events,
            extras,
            trace_flags: fields.trace_flags,
            resource,
            scope: fields.scope.unwrap_or(NOT_YET),
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
