//! OTLP/JSON: `TracesData` / `ExportTraceServiceRequest` as the OpenTelemetry
//! protocol specifies its JSON encoding (hex IDs, integer enums, 64-bit
//! integers as strings), plus the spellings real tools write:
//! - protobuf's default JSON mapping: base64 IDs and enum names (accepted, and
//!   counted as warnings because the file does not follow OTLP/JSON);
//! - numbers for 64-bit integers, snake_case field names;
//! - Tempo's `{"batches": [...]}` with the older `instrumentationLibrarySpans` /
//!   `instrumentationLibrary` names;
//! - Jaeger query api_v3's `{"result": {"resourceSpans": [...]}}`.
//!
//! Read in one pass with [`Cursor`] straight into the builder, with no
//! document tree and no wire struct per span: this module walks the document
//! down to the spans, [`span`] reads each span, [`values`] attributes and
//! scalars.

mod span;
mod values;

#[cfg(test)]
mod tests;

use super::builder::Builder;
use super::json_scan::{Cursor, JsonError};
use crate::intern::Sym;
use span::ScopeContext;
use std::borrow::Cow;
use values::{A_STRING, first, key_values, u32_field};

/// What a parsed document holds, for JSON Lines to count lines without spans.
pub(super) enum Content {
    Spans,
    Logs,
    Metrics,
    Nothing,
}

/// Reads one OTLP/JSON document from `bytes` into the builder, span by span.
/// `line` is the 1-based line for JSON Lines, so rejection examples say where.
///
/// On error, spans before the failure were already added: the caller restores
/// the builder (see [`Builder::abandon`], [`Builder::restore`]).
pub(super) fn stream(bytes: &[u8], out: &mut Builder<'_>, line: Option<usize>) -> Result<Content, JsonError> {
    // Exporters write 300-600 bytes per span, about 80 per attribute: room
    // for a little more than that many, so the stores rarely have to grow.
    out.reserve(bytes.len() / 256, bytes.len() / 64);
    let mut cur = Cursor::new(bytes);
    let content = document(&mut cur, out, line)?;
    cur.end()?;
    Ok(content)
}

/// `TracesData`, or api_v3's `{"result": TracesData}`; `null` holds nothing.
fn document(cur: &mut Cursor<'_>, out: &mut Builder<'_>, line: Option<usize>) -> Result<Content, JsonError> {
    let mut content = Content::Nothing;
    if cur.null()? {
        return Ok(content);
    }
    cur.object("an OTLP TracesData object", |cur, key| {
        match key {
            b"resourceSpans" | b"resource_spans" | b"batches" => {
                if resource_spans_list(cur, out, line)? > 0 {
                    content = Content::Spans;
                }
            }
            b"result" => {
                document(cur, out, line)?;
                content = Content::Spans;
            }
            b"resourceLogs" | b"resource_logs" => {
                cur.skip_value()?;
                if matches!(content, Content::Nothing) {
                    content = Content::Logs;
                }
            }
            b"resourceMetrics" | b"resource_metrics" => {
                cur.skip_value()?;
                if matches!(content, Content::Nothing) {
                    content = Content::Metrics;
                }
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    Ok(content)
}

/// The `resourceSpans` list (or `null`); returns how many entries it had.
fn resource_spans_list(cur: &mut Cursor<'_>, out: &mut Builder<'_>, line: Option<usize>) -> Result<usize, JsonError> {
    let mut count = 0;
    if cur.null()? {
        return Ok(count);
    }
    cur.array("a list of ResourceSpans", |cur, r| {
        count = r + 1;
        resource_spans(cur, out, line, r)
    })?;
    Ok(count)
}

/// One `ResourceSpans`. Its `resource` may come before or after its spans
/// (JSON objects are unordered), so spans read before it are given it at the end.
fn resource_spans(cur: &mut Cursor<'_>, out: &mut Builder<'_>, line: Option<usize>, r: usize) -> Result<(), JsonError> {
    let first_span = out.span_count();
    let mut resource_read = None;
    let mut next_scope = 0;
    cur.object("a ResourceSpans object", |cur, key| {
        match key {
            b"resource" => resource_read = Some(resource(cur, out)?),
            b"scopeSpans" | b"instrumentationLibrarySpans" | b"scope_spans" => {
                if cur.null()? {
                    return Ok(());
                }
                cur.array("a list of ScopeSpans", |cur, _| {
                    let context = ScopeContext {
                        line,
                        r,
                        s: next_scope,
                        resource: resource_read,
                        scope: None,
                    };
                    next_scope += 1;
                    scope_spans(cur, out, context)
                })?;
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    let resource = match resource_read {
        Some(resource) => resource,
        None => out.resource(None, Vec::new(), 0),
    };
    out.assign_resource(first_span, resource);
    Ok(())
}

/// A `Resource`, or `null` (a resource without attributes).
fn resource(cur: &mut Cursor<'_>, out: &mut Builder<'_>) -> Result<(u32, Sym), JsonError> {
    if cur.null()? {
        return Ok(out.resource(None, Vec::new(), 0));
    }
    let mut seen = 0;
    let mut attributes = None;
    let mut dropped = 0;
    let fields: &[&[u8]] = &[b"attributes", b"droppedAttributesCount"];
    cur.record("a Resource object", fields, |cur, key| {
        match key {
            b"attributes" => {
                first(cur, &mut seen, 0, "attributes")?;
                attributes = Some(key_values(cur, out)?);
            }
            b"droppedAttributesCount" | b"dropped_attributes_count" => {
                first(cur, &mut seen, 1, "droppedAttributesCount")?;
                dropped = u32_field(cur)?;
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    let (range, service) = attributes.map_or_else(Default::default, |list| (list.range, list.service));
    Ok(out.stored_resource(service, range, dropped))
}

/// One `ScopeSpans`; like the resource, its `scope` may follow its spans.
fn scope_spans(cur: &mut Cursor<'_>, out: &mut Builder<'_>, mut context: ScopeContext) -> Result<(), JsonError> {
    let first_span = out.span_count();
    cur.object("a ScopeSpans object", |cur, key| {
        match key {
            b"scope" | b"instrumentationLibrary" => context.scope = Some(scope(cur, out)?),
            b"spans" => {
                if !cur.null()? {
                    let mut order = span::FieldOrder::default();
                    cur.array("a list of spans", |cur, i| {
                        span::span(cur, out, &context, &mut order, i)
                    })?;
                }
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    let scope = match context.scope {
        Some(scope) => scope,
        None => out.no_scope(),
    };
    out.assign_scope(first_span, scope);
    Ok(())
}

/// An `InstrumentationScope` (or `null`: no scope).
fn scope(cur: &mut Cursor<'_>, out: &mut Builder<'_>) -> Result<u32, JsonError> {
    if cur.null()? {
        return Ok(out.no_scope());
    }
    let attributes_start = out.attribute_count();
    let mut seen = 0;
    let (mut name, mut version) = (Cow::default(), Cow::default());
    let fields: &[&[u8]] = &[b"name", b"version", b"attributes"];
    cur.record("an InstrumentationScope object", fields, |cur, key| {
        match key {
            b"name" => {
                first(cur, &mut seen, 0, "name")?;
                name = cur.string_text(A_STRING)?;
            }
            b"version" => {
                first(cur, &mut seen, 1, "version")?;
                version = cur.string_text(A_STRING)?;
            }
            b"attributes" => {
                first(cur, &mut seen, 2, "attributes")?;
                key_values(cur, out)?;
            }
            _ => cur.skip_unknown(key)?,
        }
        Ok(())
    })?;
    Ok(out.stored_scope(&name, &version, attributes_start))
}
