//! A canonical, readable text form of a [`TraceSet`]: every span with its
//! resource, scope, attributes, events and links, strings resolved, in an order
//! that does not depend on file order or encoding. Two imports of the same
//! traces in different formats give the same dump; snapshot tests pin it.

use crate::model::{AttrValue, Attribute, Span, TraceSet};
use std::fmt::Write;

/// The dump of every span in `set`, sorted by trace ID, start and span ID.
pub fn dump(set: &TraceSet) -> String {
    let mut spans: Vec<&Span> = set.spans.iter().collect();
    spans.sort_by_key(|s| (s.trace_id, s.start, s.span_id));
    let mut out = String::new();
    for span in spans {
        dump_span(set, span, &mut out);
    }
    out
}

fn dump_span(set: &TraceSet, span: &Span, out: &mut String) {
    let parent = span.parent_span_id.map_or_else(|| "-".to_owned(), |p| p.to_string());
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "{} {} parent={parent} {:?} \"{}\" start={} duration={} {:?}{}",
        span.trace_id,
        span.span_id,
        span.kind,
        set.str(span.name),
        span.start.0,
        span.known_duration()
            .map_or_else(|| "unknown".to_owned(), |d| format!("{}ns", d.0)),
        span.status,
        span.status_message
            .map_or_else(String::new, |m| format!(" \"{}\"", set.str(m))),
    );
    if let Some(resource) = set.resource_of(span) {
        let _ = writeln!(
            out,
            "  resource {}",
            attributes(set, set.attributes(resource.attributes))
        );
    }
    if let Some(scope) = set
        .scope_of(span)
        .filter(|s| !set.str(s.name).is_empty() || !s.attributes.is_empty())
    {
        let _ = writeln!(
            out,
            "  scope {} {} {}",
            set.str(scope.name),
            set.str(scope.version),
            attributes(set, set.attributes(scope.attributes))
        );
    }
    if !span.attributes.is_empty() {
        let _ = writeln!(out, "  attributes {}", attributes(set, set.attributes_of(span)));
    }
    for event in set.events_of(span) {
        let _ = writeln!(
            out,
            "  event {} \"{}\" {}",
            event.time.0,
            set.str(event.name),
            attributes(set, set.attributes(event.attributes))
        );
    }
    for link in set.links_of(span) {
        let _ = writeln!(
            out,
            "  link {} {} {}",
            link.trace_id,
            link.span_id,
            attributes(set, set.attributes(link.attributes))
        );
    }
    let more = set.extras_of(span);
    let extras = [
        more.and_then(|m| m.trace_state)
            .map(|t| format!("trace_state=\"{}\"", set.str(t))),
        (span.trace_flags != 0).then(|| format!("flags={:#04x}", span.trace_flags)),
        more.filter(|m| m.dropped != Default::default())
            .map(|m| format!("dropped={:?}", m.dropped)),
    ];

    let extras: Vec<String> = extras.into_iter().flatten().collect();
    if !extras.is_empty() {
        let _ = writeln!(out, "  {}", extras.join(" "));
    }
}

/// `{key=value, ...}` sorted by key.
fn attributes(set: &TraceSet, attributes: &[Attribute]) -> String {
    let mut pairs: Vec<String> = attributes
        .iter()
        .map(|a| format!("{}={}", set.str(a.key), value(set, &a.value)))
        .collect();
    pairs.sort();
    format!("{{{}}}", pairs.join(", "))
}

fn value(set: &TraceSet, value: &AttrValue) -> String {
    match value {
        AttrValue::Str(s) => format!("{:?}", set.str(*s)),
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Double(d) => format!("{d:?}"),
        AttrValue::Bytes(b) => format!("bytes:{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
        AttrValue::Array(items) => format!(
            "[{}]",
            items.iter().map(|v| self::value(set, v)).collect::<Vec<_>>().join(", ")
        ),
        AttrValue::Map(entries) => attributes(set, entries),
    }
}
