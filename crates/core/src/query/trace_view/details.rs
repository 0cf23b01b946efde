//! Everything about one span, for the side panel: its attributes, resource,
//! scope, events, links, status, kind and IDs, and what in the data about
//! it did not fit (a missing parent, a duplicate ID, an unknown duration,
//! clock skew). Values are written as text here, once, so every view shows
//! them the same way; the page shows them as text, never as markup.

use super::placement::{OperationDurations, Placement};
use super::tree::TraceTree;
use crate::ids::{SpanId, TraceId};
use crate::index::TraceIndex;
use crate::intern::Sym;
use crate::model::{AttrValue, Attribute, SpanKind, StatusCode, TraceSet};
use crate::time::{DurationNs, TimestampNs};
use serde::{Deserialize, Serialize};

/// One span in full.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpanDetails {
    /// The row (stable while the trace is open).
    pub row: u32,
    /// The trace.
    pub trace_id: TraceId,
    /// The span.
    pub span_id: SpanId,
    /// Its parent as written in the file (which may not be loaded).
    pub parent_span_id: Option<SpanId>,
    /// The service that emitted it.
    pub service: String,
    /// The span (operation) name.
    pub name: String,
    /// Its role in a call.
    pub kind: SpanKind,
    /// Its status as written.
    pub status: StatusCode,
    /// The status message, if any.
    pub status_message: Option<String>,
    /// Whether it failed (see `analysis::failure`).
    pub failed: bool,
    /// When it started (Unix nanoseconds) and how far into the trace.
    pub start: TimestampNs,
    /// How far into the trace.
    pub offset: DurationNs,
    /// How long; `None` when unknown.
    pub duration: Option<DurationNs>,
    /// Time no child covers.
    pub self_time: DurationNs,
    /// Time on the trace's critical path.
    pub path_time: DurationNs,
    /// Where its duration sits among its operation's.
    pub placement: Option<Placement>,
    /// Its attributes, as written.
    pub attributes: Vec<AttributeText>,
    /// The attributes of the resource (service instance) that emitted it.
    pub resource: Vec<AttributeText>,
    /// The instrumentation scope's name and version, and its attributes.
    pub scope: Option<(String, String)>,
    /// The scope's attributes.
    pub scope_attributes: Vec<AttributeText>,
    /// Its events, in time order as written.
    pub events: Vec<EventText>,
    /// Its links to other spans.
    pub links: Vec<LinkText>,
    /// W3C trace state, if given.
    pub trace_state: Option<String>,
    /// Attributes, events and links the producer dropped.
    pub dropped: (u32, u32, u32),
    /// The file it came from.
    pub file: Option<String>,
    /// What did not fit about this span, one sentence each.
    pub warnings: Vec<String>,
}

/// An attribute as text: its key, its value written out, and the value's type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttributeText {
    /// The attribute key.
    pub key: String,
    /// The value written as text.
    pub value: String,
    /// `string`, `int`, `double`, `bool`, `bytes`, `array` or `map`.
    pub kind: String,
}

/// An event, from the trace's start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventText {
    /// How far into the trace.
    pub offset: DurationNs,
    /// The span (operation) name.
    pub name: String,
    /// Its attributes, as written.
    pub attributes: Vec<AttributeText>,
}

/// A link to another span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkText {
    /// The trace.
    pub trace_id: TraceId,
    /// The span.
    pub span_id: SpanId,
    /// Whether the linked trace is loaded (so the link can open it).
    pub trace_loaded: bool,
    /// Its attributes, as written.
    pub attributes: Vec<AttributeText>,
}

impl TraceTree {
    /// The details of row `row`; `None` past the last row.
    pub fn details(
        &self,
        set: &TraceSet,
        index: &TraceIndex,
        durations: &OperationDurations,
        row: u32,
    ) -> Option<SpanDetails> {
        let at = self.rows.get(row as usize)?;
        let span = set.spans.get(at.span as usize)?;
        let resource = set.resource_of(span);
        let scope = set.scope_of(span);
        let extras = set.extras_of(span);
        let text = |sym: Sym| set.str(sym).to_owned();
        let offset = |t: TimestampNs| t.saturating_since(self.start);
        let loaded = |trace: TraceId| index.traces.iter().any(|t| t.trace_id == trace);
        Some(SpanDetails {
            row,
            trace_id: span.trace_id,
            span_id: span.span_id,
            parent_span_id: span.parent_span_id,
            service: text(span.service),
            name: text(span.name),
            kind: span.kind,
            status: span.status,
            status_message: span.status_message.map(text),
            failed: at.failed,
            start: span.start,
            offset: offset(span.start),
            duration: span.known_duration(),
            self_time: at.self_time,
            path_time: at.on_path,
            placement: durations.place(span),
            attributes: attributes(set, set.attributes_of(span)),
            resource: resource
                .map(|r| attributes(set, set.attributes(r.attributes)))
                .unwrap_or_default(),
            scope: scope
                .filter(|s| !set.str(s.name).is_empty())
                .map(|s| (text(s.name), text(s.version))),
            scope_attributes: scope
                .map(|s| attributes(set, set.attributes(s.attributes)))
                .unwrap_or_default(),
            events: set
                .events_of(span)
                .iter()
                .map(|e| EventText {
                    offset: offset(e.time),
                    name: text(e.name),
                    attributes: attributes(set, set.attributes(e.attributes)),
                })
                .collect(),
            links: set
                .links_of(span)
                .iter()
                .map(|l| LinkText {
                    trace_id: l.trace_id,
                    span_id: l.span_id,
                    trace_loaded: loaded(l.trace_id),
                    attributes: attributes(set, set.attributes(l.attributes)),
                })
                .collect(),
            trace_state: extras.and_then(|e| e.trace_state).map(text),
            dropped: extras.map_or((0, 0, 0), |e| (e.dropped.attributes, e.dropped.events, e.dropped.links)),
            file: set.files.get(span.file as usize).map(|f| f.name.clone()),
            warnings: self.warnings(set, row),
        })
    }

    /// What did not fit about row `row`'s span.
    fn warnings(&self, set: &TraceSet, row: u32) -> Vec<String> {
        let Some(at) = self.rows.get(row as usize) else {
            return Vec::new();
        };
        let span = &set.spans[at.span as usize];
        let mut warnings = Vec::new();
        match (span.parent_span_id, at.parent) {
            (Some(parent), _) if parent == span.span_id => {
                warnings.push("It names itself as its parent, so it is shown as a top span.".to_owned())
            }
            (Some(parent), None) => warnings.push(format!(
                "Its parent span {parent} is not in the loaded files, so it is shown as a top span."
            )),
            _ => {}
        }
        let same_id = self
            .rows
            .iter()
            .filter(|r| set.spans[r.span as usize].span_id == span.span_id)
            .count();
        if same_id > 1 {
            warnings.push(format!(
                "{same_id} spans of this trace have the ID {}; children link to the earliest.",
                span.span_id
            ));
        }
        if !span.duration_known() {
            warnings.push(if span.start.0 == 0 {
                "It has no start time, so its duration is unknown and left out of every statistic.".to_owned()
            } else {
                "It has no end time, so its duration is unknown and left out of every statistic.".to_owned()
            });
        }
        if let Some(skew) = self.skew(set, row) {
            if skew.before_parent.0 > 0 {
                warnings.push(format!(
                    "It starts {} before its parent: the two hosts' clocks probably disagree.",
                    skew.before_parent
                ));
            }
            if skew.after_parent.0 > 0 {
                warnings.push(format!(
                    "It ends {} after its parent ends: clock skew, or work the parent did not wait for.",
                    skew.after_parent
                ));
            }
        }
        warnings
    }
}

fn attributes(set: &TraceSet, attributes: &[Attribute]) -> Vec<AttributeText> {
    attributes
        .iter()
        .map(|a| AttributeText {
            key: set.str(a.key).to_owned(),
            value: written(set, &a.value),
            kind: kind(&a.value).to_owned(),
        })
        .collect()
}

fn kind(value: &AttrValue) -> &'static str {
    match value {
        AttrValue::Str(_) => "string",
        AttrValue::Bool(_) => "bool",
        AttrValue::Int(_) => "int",
        AttrValue::Double(_) => "double",
        AttrValue::Bytes(_) => "bytes",
        AttrValue::Array(_) => "array",
        AttrValue::Map(_) => "map",
    }
}

/// A value as a person reads it: text as it is, numbers in decimal, bytes
/// in hex, lists and maps in JSON-like brackets.
fn written(set: &TraceSet, value: &AttrValue) -> String {
    match value {
        AttrValue::Str(s) => set.str(*s).to_owned(),
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Double(d) => d.to_string(),
        AttrValue::Bytes(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        AttrValue::Array(items) => format!(
            "[{}]",
            items.iter().map(|v| written(set, v)).collect::<Vec<_>>().join(", ")
        ),
        AttrValue::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|a| format!("{}: {}", set.str(a.key), written(set, &a.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
