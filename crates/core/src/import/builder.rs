//! The one place where importers add spans to the model, so every format
//! applies the same checks (times, counts) and reports them the same way.

use super::progress::{ProgressHook, SPANS_BETWEEN_REPORTS};
use super::{FileReport, RejectReason, SkipReason, WarningKind};
use crate::ids::{SpanId, TraceId};
use crate::intern::Sym;
use crate::model::{
    Attribute, DroppedCounts, Event, Link, Mark, Resource, Scope, Span, SpanExtras, SpanKind, StatusCode, StoreRange,
    TraceSet,
};

use crate::limits::{CUT_MARK, LATEST_START_NS, MAX_DURATION_NS, MAX_EVENTS, MAX_LINKS, MAX_TEXT_BYTES};
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

/// A span as an importer understood it, before the shared checks. Its
/// attributes, events and links are lists (`Vec`s), or ranges of the set's
/// stores for an importer that pushed them there while reading (see
/// [`Builder::begin_span`]).
pub(super) struct SpanFields<A = Vec<Attribute>, E = Vec<EventFields>, L = Vec<LinkFields>> {
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
    /// When it ended; 0 when the file gave no end or duration (unknown, see [`crate::model::Span::has_duration`]).
    pub end: TimestampNs,
    pub status: StatusCode,
    pub status_message: Option<Sym>,
    pub attributes: A,
    pub events: E,
    pub links: L,
    pub trace_state: Option<Sym>,
    pub trace_flags: u8,
    pub dropped: DroppedCounts,
}

impl<A, E, L> SpanFields<A, E, L> {
    /// The same span with other attributes, events and links.
    fn with<A2, E2, L2>(self, attributes: A2, events: E2, links: L2) -> SpanFields<A2, E2, L2> {
        let SpanFields {
            trace_id,
            span_id,
            parent_span_id,
            resource,
            scope,
            name,
            kind,
            start,
            end,
            status,
            status_message,
            attributes: _,
            events: _,
            links: _,
            trace_state,
            trace_flags,
            dropped,
        } = self;
        SpanFields {
            trace_id,
            span_id,
            parent_span_id,
            resource,
            scope,
            name,
            kind,
            start,
            end,
            status,
            status_message,
            attributes,
            events,
            links,
            trace_state,
            trace_flags,
            dropped,
        }
    }
}

/// A span whose attributes, events and links go straight into the set's
/// stores while it is read; see [`Builder::begin_span`].
pub(super) type StoredSpan = SpanFields<StoreRange, StoreRange, StoreRange>;

/// Adds one file's spans to a [`TraceSet`] and counts what happened in its report.
pub(super) struct Builder<'s> {
    set: &'s mut TraceSet,
    report: FileReport,
    file: u32,
    no_scope: Option<u32>,
    start: Mark,
    /// Warnings about the span being read (see [`Builder::begin_span`]), counted only if it is kept.
    span_warnings: Vec<WarningKind>,
    /// Whether a span is being read, so warnings wait for [`Builder::keep_span`].
    in_span: bool,
    /// Events and links of the span being read that were past
    /// [`MAX_EVENTS`] or [`MAX_LINKS`]: added to its dropped counts when it
    /// is kept (attributes are counted by each reader, list by list).
    span_dropped: DroppedCounts,
    /// Where the span being read began in the event and link stores, to
    /// know when it has reached the limits.
    span_events_start: usize,
    span_links_start: usize,
    /// Where progress goes, if anywhere, and the count of spans read that is reported next.
    progress: Option<ProgressHook<'s>>,
    next_report: u64,
}

/// What [`Builder::undo`] returns to.
pub(super) struct UndoMark {
    set: Mark,
    span_warnings: usize,
}

/// Where the stores ended when a span began, to take back what it added if
/// it is rejected; see [`Builder::begin_span`].
pub(super) struct SpanStart {
    mark: Mark,
    events: usize,
    links: usize,
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
            span_warnings: Vec::new(),
            in_span: false,
            span_dropped: DroppedCounts::default(),
            span_events_start: 0,
            span_links_start: 0,
            progress: None,
            next_report: u64::MAX,
        }
    }

    /// The builder, reporting its progress to `progress`.
    pub fn reporting(mut self, progress: ProgressHook<'s>) -> Builder<'s> {
        self.progress = Some(progress);
        self.next_report = SPANS_BETWEEN_REPORTS;
        self
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
        self.span_warnings.clear();
        self.in_span = false;
    }

    /// Makes room for about `spans` more spans with `attributes` attributes
    /// in all, so that the stores do not grow (copying everything each time)
    /// while a large file is read. Room that stays unused is never written to
    /// (so never paged in), and `TraceSet::shrink_to_fit` returns it. Only a
    /// hint: where memory is short (a wasm32 tab reading a huge file), the
    /// stores grow as they need instead.
    pub fn reserve(&mut self, spans: usize, attributes: usize) {
        let _ = self.set.spans.try_reserve(spans);
        let _ = self.set.attributes.try_reserve(attributes);
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

    /// Gives the span kept at `index` this resource (it was kept without
    /// one), and counts it if its service is unknown.
    pub fn assign_resource_at(&mut self, index: usize, (resource, service): (u32, Sym)) {
        let unknown = self.set.str(service) == super::UNKNOWN_SERVICE;
        if let Some(span) = self.set.spans.get_mut(index) {
            span.resource = resource;
            span.service = service;
            if unknown {
                self.report.warn(WarningKind::MissingServiceName);
            }
        }
    }

    /// The parent of the span kept at `index`.
    pub fn parent_of(&self, index: usize) -> Option<SpanId> {
        self.set.spans.get(index)?.parent_span_id
    }

    /// Moves the span kept at `index` under another parent.
    pub fn set_parent(&mut self, index: usize, parent: SpanId) {
        if let Some(span) = self.set.spans.get_mut(index) {
            span.parent_span_id = Some(parent);
        }
    }

    /// Gives the span kept at `index` the ID `own`, under the span whose ID
    /// it had (a server half that shared its client's ID), and counts it.
    pub fn split_server_half(&mut self, index: usize, own: SpanId) {
        if let Some(span) = self.set.spans.get_mut(index) {
            span.parent_span_id = Some(span.span_id);
            span.span_id = own;
            self.report.warn(WarningKind::SharedSpanSplit);
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

    /// Whether `sym` is what interning `bytes` would give, when that needs
    /// no cut or repair: a guess, confirmed by one comparison (see
    /// [`crate::intern::Interner::is`]).
    #[inline]
    pub fn interned_as(&self, sym: Sym, bytes: &[u8]) -> bool {
        self.set.strings.is(sym, bytes)
    }

    /// Interns `text`, cut to [`MAX_TEXT_BYTES`] (see [`Builder::intern_raw`]).
    pub fn intern(&mut self, text: &str) -> Sym {
        if text.len() > MAX_TEXT_BYTES {
            return self.intern_raw(text.as_bytes());
        }
        self.set.strings.intern(text)
    }

    /// Interns text read as raw bytes; invalid UTF-8 is kept with U+FFFD
    /// replacements and counted as a warning. Text longer than
    /// [`MAX_TEXT_BYTES`] is cut there, ends with [`CUT_MARK`] and its
    /// length, and is counted as a warning.
    pub fn intern_raw(&mut self, bytes: &[u8]) -> Sym {
        if bytes.len() > MAX_TEXT_BYTES {
            return self.intern_cut(bytes);
        }
        self.set.strings.intern_bytes(bytes).unwrap_or_else(|replaced| {
            self.warn(WarningKind::InvalidUtf8);
            replaced
        })
    }

    /// [`Builder::intern_raw`] with a hint of what the string will be: see
    /// [`crate::intern::Interner::intern_bytes_hinted`].
    #[inline]
    pub fn intern_raw_hinted(&mut self, hint: usize, bytes: &[u8]) -> Sym {
        if bytes.len() > MAX_TEXT_BYTES {
            return self.intern_cut(bytes);
        }
        self.set
            .strings
            .intern_bytes_hinted(hint, bytes)
            .unwrap_or_else(|replaced| {
                self.warn(WarningKind::InvalidUtf8);
                replaced
            })
    }

    /// Interns the first [`MAX_TEXT_BYTES`] of `bytes` (ending on a character
    /// boundary, so the cut itself makes no invalid UTF-8) and a mark
    /// saying how long the text was.
    #[cold]
    fn intern_cut(&mut self, bytes: &[u8]) -> Sym {
        self.warn(WarningKind::TextCut);
        let mut end = MAX_TEXT_BYTES.min(bytes.len());
        // Back off over continuation bytes (10xxxxxx) to the start of a character.
        while end > 0 && bytes.get(end).is_some_and(|b| b & 0xC0 == 0x80) {
            end -= 1;
        }
        let mut text = bytes.get(..end).unwrap_or_default().to_vec();
        text.extend_from_slice(format!("{CUT_MARK}{} bytes]", crate::numbers::count(bytes.len() as u64)).as_bytes());
        // Not `intern_raw`: the mark makes the text longer than the limit again.
        self.set.strings.intern_bytes(&text).unwrap_or_else(|replaced| {
            self.warn(WarningKind::InvalidUtf8);
            replaced
        })
    }

    /// The first [`MAX_TEXT_BYTES`] of a bytes value, counted as a warning when cut.
    pub fn cut_bytes(&mut self, bytes: &[u8]) -> Vec<u8> {
        if bytes.len() > MAX_TEXT_BYTES {
            self.warn(WarningKind::TextCut);
        }
        bytes.get(..MAX_TEXT_BYTES).unwrap_or(bytes).to_vec()
    }

    /// Counts a list of attributes (or of a value's items) that had
    /// `dropped` more than [`crate::limits::MAX_ATTRIBUTES`]; nothing when 0.
    pub fn attributes_dropped(&mut self, dropped: usize) {
        if dropped > 0 {
            self.warn(WarningKind::AttributesDropped);
        }
    }

    pub fn warn(&mut self, kind: WarningKind) {
        if self.in_span {
            self.span_warnings.push(kind);
        } else {
            self.report.warn(kind);
        }
    }

    /// Adds a resource; a missing or empty service name becomes `unknown_service`
    /// (a warning is counted per span by [`Builder::keep`]).
    pub fn resource(
        &mut self,
        service: Option<&str>,
        attributes: Vec<Attribute>,
        dropped_attributes: u32,
    ) -> (u32, Sym) {
        let service = service.filter(|s| !s.is_empty()).map(|s| self.intern(s));
        let attributes = self.set.push_attributes(attributes);
        self.stored_resource(service, attributes, dropped_attributes)
    }

    /// [`Builder::resource`] for attributes already pushed with [`Builder::push_attribute`].
    pub fn stored_resource(
        &mut self,
        service: Option<Sym>,
        attributes: StoreRange,
        dropped_attributes: u32,
    ) -> (u32, Sym) {
        let service = match service {
            Some(service) if !self.set.str(service).is_empty() => service,
            _ => self.intern(super::UNKNOWN_SERVICE),
        };
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
        let start = self.attribute_count();
        self.set.attributes.extend(attributes);
        self.stored_scope(name, version, start)
    }

    /// [`Builder::scope`] for attributes pushed with [`Builder::push_attribute`] since `attributes_start`.
    pub fn stored_scope(&mut self, name: &str, version: &str, attributes_start: usize) -> u32 {
        let attributes = self.attributes_since(attributes_start);
        let (name, version) = (self.intern(name), self.intern(version));
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
    #[inline]
    pub fn span_read(&mut self) {
        self.report.spans_read += 1;
        self.span_dropped = DroppedCounts::default();
        if self.report.spans_read >= self.next_report {
            self.progressed();
        }
    }

    #[cold]
    fn progressed(&mut self) {
        let read = self.report.spans_read;
        self.next_report = read + SPANS_BETWEEN_REPORTS;
        if let Some(progress) = &mut self.progress {
            progress.report(read, false);
        }
    }

    pub fn reject(&mut self, reason: RejectReason, example: impl FnOnce() -> String) {
        self.report.reject(reason, example);
    }

    /// Counts a line or message that held no spans.
    pub fn skip(&mut self, reason: SkipReason, example: impl FnOnce() -> String) {
        self.report.skip(reason, example);
    }

    /// Keeps a span given as lists; events and links past [`MAX_EVENTS`] and
    /// [`MAX_LINKS`] are dropped and counted (a reader that decoded them
    /// anyway should rather stop at the limits and call
    /// [`Builder::events_dropped`], so nothing past them is interned).
    pub fn keep(&mut self, mut fields: SpanFields) {
        if fields.events.len() > MAX_EVENTS {
            self.events_dropped(fields.events.len() - MAX_EVENTS);
            fields.events.truncate(MAX_EVENTS);
        }
        if fields.links.len() > MAX_LINKS {
            self.links_dropped(fields.links.len() - MAX_LINKS);
            fields.links.truncate(MAX_LINKS);
        }
        self.settle_dropped(&mut fields.dropped);
        let attributes = self.set.push_attributes(std::mem::take(&mut fields.attributes));
        let events_start = self.set.events.len();
        for event in std::mem::take(&mut fields.events) {
            let attributes = self.set.push_attributes(event.attributes);
            self.set.events.push(Event {
                time: event.time,
                name: event.name,
                attributes,
            });
        }
        let links_start = self.set.links.len();
        for link in std::mem::take(&mut fields.links) {
            let attributes = self.set.push_attributes(link.attributes);
            self.set.links.push(Link {
                trace_id: link.trace_id,
                span_id: link.span_id,
                trace_state: link.trace_state,
                attributes,
            });
        }
        let events = StoreRange::of(&self.set.events, events_start);
        let links = StoreRange::of(&self.set.links, links_start);
        self.keep_stored(fields.with(attributes, events, links));
    }

    /// Starts reading a span (and counts it as read) whose attributes, events
    /// and links are pushed into the set's stores as they are read
    /// ([`Builder::push_attribute`], [`Builder::push_event`],
    /// [`Builder::push_link`]), with no list of its own to allocate. Its
    /// warnings wait until it is kept; then [`Builder::keep_span`] or
    /// [`Builder::reject_span`] ends it.
    pub fn begin_span(&mut self) -> SpanStart {
        self.span_read();
        self.in_span = true;
        self.span_events_start = self.set.events.len();
        self.span_links_start = self.set.links.len();
        SpanStart {
            mark: self.set.mark(),
            events: self.set.events.len(),
            links: self.set.links.len(),
        }
    }

    /// Keeps the span begun at `start`, with the events and links pushed since.
    pub fn keep_span(&mut self, start: SpanStart, mut fields: SpanFields<StoreRange, (), ()>) {
        self.in_span = false;
        for kind in std::mem::take(&mut self.span_warnings) {
            self.report.warn(kind);
        }
        self.settle_dropped(&mut fields.dropped);
        let events = StoreRange::of(&self.set.events, start.events);
        let links = StoreRange::of(&self.set.links, start.links);
        let attributes = fields.attributes;
        self.keep_stored(fields.with(attributes, events, links));
    }

    /// Rejects the span begun at `start`: everything it added (strings
    /// included) is taken back and its warnings are dropped.
    pub fn reject_span(&mut self, start: SpanStart, reason: RejectReason, example: impl FnOnce() -> String) {
        self.in_span = false;
        self.span_warnings.clear();
        self.span_dropped = DroppedCounts::default();
        self.set.rollback(start.mark);
        self.reject(reason, example);
    }

    /// Where the stores end now, to [`Builder::undo`] what follows (a link that turns out unreadable).
    pub fn mark(&self) -> UndoMark {
        UndoMark {
            set: self.set.mark(),
            span_warnings: self.span_warnings.len(),
        }
    }

    /// Takes back everything added since `mark`, strings and the span's warnings included.
    pub fn undo(&mut self, mark: UndoMark) {
        self.set.rollback(mark.set);
        self.span_warnings.truncate(mark.span_warnings);
    }

    /// How many attributes the set holds: where the next pushed one goes.
    pub fn attribute_count(&self) -> usize {
        self.set.attributes.len()
    }

    pub fn push_attribute(&mut self, attribute: Attribute) {
        self.set.attributes.push(attribute);
    }

    /// The attributes pushed since `start`.
    pub fn attributes_since(&self, start: usize) -> StoreRange {
        StoreRange::of(&self.set.attributes, start)
    }

    /// Adds an event to the span being read, or, past [`MAX_EVENTS`] on it,
    /// takes back what the event added since `since` (its attributes and
    /// strings, taken before it was read) and counts it dropped.
    pub fn push_event(&mut self, since: UndoMark, event: Event) {
        if self.set.events.len().saturating_sub(self.span_events_start) < MAX_EVENTS {
            self.set.events.push(event);
        } else {
            self.undo(since);
            self.events_dropped(1);
        }
    }

    /// Adds a link to the span being read, or, past [`MAX_LINKS`] on it,
    /// takes back what it added since `since` and counts it dropped.
    pub fn push_link(&mut self, since: UndoMark, link: Link) {
        if self.set.links.len().saturating_sub(self.span_links_start) < MAX_LINKS {
            self.set.links.push(link);
        } else {
            self.undo(since);
            self.links_dropped(1);
        }
    }

    /// Counts `n` events of the span being read that a reader read but did
    /// not keep, being past [`MAX_EVENTS`].
    pub fn events_dropped(&mut self, n: usize) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.span_dropped.events = self.span_dropped.events.saturating_add(n);
    }

    /// Counts `n` links of the span being read that a reader read but did
    /// not keep, being past [`MAX_LINKS`].
    pub fn links_dropped(&mut self, n: usize) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.span_dropped.links = self.span_dropped.links.saturating_add(n);
    }

    /// Adds the events and links the limits dropped from the span being kept
    /// to what its file said were dropped, with one warning for each list cut.
    fn settle_dropped(&mut self, dropped: &mut DroppedCounts) {
        let ours = std::mem::take(&mut self.span_dropped);
        if ours.events > 0 {
            self.report.warn(WarningKind::EventsDropped);
            dropped.events = dropped.events.saturating_add(ours.events);
        }
        if ours.links > 0 {
            self.report.warn(WarningKind::LinksDropped);
            dropped.links = dropped.links.saturating_add(ours.links);
        }
    }

    fn keep_stored(&mut self, mut fields: StoredSpan) {
        // A start after 2200 (`u64::MAX` is in 2554) is no time anyone
        // recorded: kept as a span without one, so that no time range or
        // rate is stretched over centuries.
        let implausible_start = fields.start.0 > LATEST_START_NS;
        if implausible_start {
            self.report.warn(WarningKind::ImplausibleTimestamp);
            fields.start = TimestampNs(0);
        }
        // An end of 0 is no end given (importers pass it for a missing
        // duration): the duration is unknown, not zero. Without a start,
        // `end - 0` would be decades: no duration is known either. Nor is
        // one of more than a year: times in two units or from two clocks.
        let has_duration = if fields.start.0 == 0 {
            if !implausible_start {
                self.report.warn(WarningKind::MissingTimestamp);
            }
            false
        } else if fields.end.0 == 0 {
            self.report.warn(WarningKind::MissingDuration);
            false
        } else if fields.end.saturating_since(fields.start).0 > MAX_DURATION_NS {
            self.report.warn(WarningKind::ImplausibleDuration);
            false
        } else {
            if fields.end < fields.start {
                self.report.warn(WarningKind::NegativeDuration);
            }
            true
        };
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
        let extras = SpanExtras {
            // An empty range anywhere is no links (and keeps the extras empty when nothing else is set).
            links: if fields.links.is_empty() {
                StoreRange::default()
            } else {
                fields.links
            },
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
            duration: if has_duration {
                fields.end.saturating_since(fields.start)
            } else {
                DurationNs(0)
            },
            has_duration,
            status: fields.status,
            status_message: fields.status_message,
            attributes: fields.attributes,
            events: fields.events,
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
