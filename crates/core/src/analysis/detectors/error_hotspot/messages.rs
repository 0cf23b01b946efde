//! Messages as requests: a CONSUMER span that starts a unit of work is an
//! entry like a SERVER span, and a failed message is a failed request of that
//! message "endpoint".
//!
//! - A **message entry** is a CONSUMER span with no parent in the data, or
//!   whose parent is in another service (the PRODUCER that sent it, or a
//!   broker's span): the message was sent, not waited for, so no request
//!   above it fails when it does.
//! - It is named like an endpoint: its service (two services reading one
//!   topic are two endpoints), its span name, and its destination
//!   (`messaging.destination.name`, `messaging.destination`, `kafka.topic`,
//!   `message_bus.destination`) unless the name already holds it
//!   (`serviceb: poll messages`; `billing: orders process`).
//! - The **message failed** when the consumer span failed, or a span directly
//!   under it in the same service that is not an outbound call: its
//!   processing (Brave's Kafka instrumentation records a 1 µs `poll` and the
//!   handler's `on-message` as its child). An outbound call the handler
//!   survived does not fail the message, as it would not fail a request.
//! - An error origin belongs to the nearest message entry above it, unless the
//!   trace's entry server span comes first: then it is in that HTTP request.

use super::super::Context;
use super::origins::Origin;
use crate::intern::Sym;
use crate::model::SpanKind;
use std::collections::HashMap;

/// The message entries of an analysis, found only when an origin needs them.
pub(super) struct Messages {
    /// Per message entry span: its name (index in `names`) and whether it failed.
    entries: HashMap<u32, (usize, bool)>,
    /// Distinct message endpoint names and how many messages each had.
    names: Vec<(String, u64)>,
}

impl Messages {
    /// Every message entry of `context`'s spans.
    pub(super) fn of(context: &Context<'_>) -> Messages {
        let (set, index) = (context.set, context.index);
        let destinations: Vec<Sym> = [
            "messaging.destination.name",
            "messaging.destination",
            "kafka.topic",
            "message_bus.destination",
        ]
        .iter()
        .filter_map(|k| set.strings.get(k))
        .collect();
        let mut entries = HashMap::new();
        let mut names: Vec<(String, u64)> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, span) in set.spans.iter().enumerate() {
            let i = i as u32;
            if span.kind != SpanKind::Consumer {
                continue;
            }
            let parent = index.parent.get(i as usize).copied().flatten();
            if parent
                .and_then(|p| set.spans.get(p as usize))
                .is_some_and(|p| p.service == span.service)
            {
                continue;
            }
            // The consuming service leads: two services reading one topic are two endpoints.
            let mut name = format!("{}: {}", set.str(span.service), set.str(span.name));
            let destination = set.attributes_of(span).iter().find_map(|a| {
                let text = match &a.value {
                    crate::model::AttrValue::Str(s) if destinations.contains(&a.key) => set.str(*s),
                    _ => return None,
                };
                (!text.is_empty()).then_some(text)
            });
            if let Some(destination) = destination.filter(|d| !name.contains(d)) {
                name.push(' ');
                name.push_str(destination);
            }
            let processing_failed = index.children_of(i).iter().any(|&c| {
                set.spans
                    .get(c as usize)
                    .is_some_and(|child| is_processing(span, child) && context.failures.span(c))
            });
            let failed = context.failures.span(i) || processing_failed;
            let n = *by_name.entry(name).or_insert_with_key(|name| {
                names.push((name.clone(), 0));
                names.len() - 1
            });
            if let Some((_, count)) = names.get_mut(n) {
                *count += 1;
            }
            entries.insert(i, (n, failed));
        }
        Messages { entries, names }
    }

    /// The message entry `origin` lies in: the nearest above it (or itself),
    /// unless its trace's entry server span comes first.
    pub(super) fn of_origin(&self, context: &Context<'_>, origin: &Origin) -> Option<u32> {
        if self.entries.is_empty() {
            return None;
        }
        let index = context.index;
        let entry = context.entries.get(origin.trace).copied().flatten();
        let bound = index.traces.get(origin.trace).map_or(0, |t| t.span_count());
        let mut at = Some(origin.span);
        // Bounded by the trace's size, so a parent cycle in bad data cannot loop.
        for _ in 0..=bound {
            let span = at?;
            if self.entries.contains_key(&span) {
                return Some(span);
            }
            if Some(span) == entry {
                return None;
            }
            at = index.parent.get(span as usize).copied().flatten();
        }
        None
    }

    /// When the message entered at `span` was handled: from the entry span's
    /// start, or its processing's if that began first (clock skew), to the
    /// end of the last of them. Brave's Kafka instrumentation ends a 1 µs
    /// `poll` before its `on-message` handler runs: the message's time is the
    /// handler's, not the poll's.
    pub(super) fn handled(context: &Context<'_>, span: u32) -> Option<(u64, u64)> {
        let set = context.set;
        let entry = set.spans.get(span as usize).filter(|s| s.duration_known())?;
        let mut extent = (entry.start.0, entry.end().0);
        for &c in context.index.children_of(span) {
            if let Some(child) = set
                .spans
                .get(c as usize)
                .filter(|child| is_processing(entry, child) && child.duration_known())
            {
                extent = (extent.0.min(child.start.0), extent.1.max(child.end().0));
            }
        }
        Some(extent)
    }

    /// Whether the message entered at `span` failed.
    pub(super) fn failed(&self, span: u32) -> bool {
        self.entries.get(&span).is_some_and(|&(_, failed)| failed)
    }

    /// The endpoint name of the message entered at `span`.
    pub(super) fn name(&self, span: u32) -> Option<&str> {
        let &(n, _) = self.entries.get(&span)?;
        self.names.get(n).map(|(name, _)| name.as_str())
    }

    /// How many messages the data holds under this endpoint name.
    pub(super) fn count(&self, name: &str) -> Option<u64> {
        self.names.iter().find(|(n, _)| n == name).map(|&(_, count)| count)
    }
}

/// Whether `child`, a span directly under the message entry `entry`, is the
/// message's processing: in the same service and not an outbound call.
fn is_processing(entry: &crate::model::Span, child: &crate::model::Span) -> bool {
    child.service == entry.service && !matches!(child.kind, SpanKind::Client | SpanKind::Producer)
}
