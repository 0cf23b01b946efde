//! Zipkin v2 JSON (`POST /api/v2/spans`, `GET /api/v2/trace/{id}`): a list of
//! spans or a single span object; also the answer of `GET /api/v2/traces`, a
//! list of traces, each a list of spans. Times are microseconds (floats, with
//! an exponent or a fraction, read to the nanosecond) and may be missing
//! (spans reported before they finished). Tags are all strings.
//!
//! Two Zipkin habits need repair, and each repair is counted:
//! - A span may arrive in fragments (one with the timestamp, a later one with
//!   the duration or tags). Fragments with the same trace ID, span ID and local
//!   service, whose kinds and timestamps do not contradict each other, are
//!   merged into one span (the extra fragments are counted as rejected with
//!   reason `MergedFragment`, so read = kept + rejected still holds).
//! - An RPC's client and server halves may share one span ID, the server half
//!   marked `shared`; a message may even reach several consumers under one ID.
//!   The model needs one ID per span, so each server half gets a derived ID and
//!   becomes the client's child; spans that named the shared ID as parent and run
//!   in the server's service (or, with one server half, in any service but the
//!   client's) move under the (first) server half. Each split is
//!   counted as a `SharedSpanSplit` warning.
//!
//! Mapping follows OpenTelemetry's Zipkin mapping: `localEndpoint.serviceName`
//! is the service, the `error` tag an error status (its value the message),
//! annotations are events, the remote endpoint becomes `peer.service` and
//! `net.peer.*` attributes.
//!
//! Read in one pass with [`Cursor`], each span into a reused [`WireSpan`] and
//! then straight into the builder, with no document tree. Shared spans are
//! split once every span is in ([`convert::split_shared`]). Fragments are
//! rare: if [`fragments`] finds any once every span is in, what was added is
//! taken back and a second reading keeps every span's wire form, merges the
//! fragments, then converts. The reader
//! accepts, rejects and words its errors as the serde reader it replaced
//! (kept for the tests in `serde_oracle.rs`).

mod convert;
mod fragments;
mod wire;

#[cfg(test)]
pub(super) mod serde_oracle;
#[cfg(test)]
mod tests;

use super::builder::Builder;
use super::json_scan::{Cursor, JsonError};
use super::recent::Recent;
use convert::{Seen, Services, Sides, convert_span, ids_of, merge_fragments, split_shared};
use fragments::FragmentFinder;
use wire::{Text, WireSpan};

/// Reads one Zipkin JSON document from `bytes` into the builder.
///
/// On error, spans before the failure were already added: the caller
/// abandons the builder.
pub(super) fn stream(bytes: &[u8], out: &mut Builder<'_>) -> Result<(), JsonError> {
    // Zipkin writes about 350 bytes per span and 40 per tag.
    out.reserve(bytes.len() / 256, bytes.len() / 48);
    let start = out.checkpoint();
    match direct(bytes, out)? {
        Direct::Done => Ok(()),
        Direct::HasFragments => {
            out.restore(start);
            with_fragments(bytes, out)
        }
    }
}

/// Where a span is, for rejection examples: `[i]` in a list of spans,
/// `[t][i]` in a list of traces.
#[derive(Clone, Copy)]
enum Place {
    Span(usize),
    Trace(usize, usize),
}

impl Place {
    fn text(self) -> String {
        match self {
            Place::Span(i) => format!("[{i}]"),
            Place::Trace(t, i) => format!("[{t}][{i}]"),
        }
    }
}

/// Calls `each` with the cursor on every span of the document, and where it is.
fn walk<'a>(
    cur: &mut Cursor<'a>,
    mut each: impl FnMut(&mut Cursor<'a>, Place) -> Result<(), JsonError>,
) -> Result<(), JsonError> {
    if cur.next_byte() != Some(b'[') {
        each(cur, Place::Span(0))?;
        return cur.end();
    }
    cur.array("a sequence", |cur, i| {
        if cur.next_byte() == Some(b'[') {
            // Zipkin's `/api/v2/traces`: a trace, as the list of its spans.
            cur.array("a sequence", |cur, j| each(cur, Place::Trace(i, j)))
        } else {
            each(cur, Place::Span(i))
        }
    })?;
    cur.end()
}

enum Direct {
    Done,
    HasFragments,
}

/// Reads and converts each span as it comes, noting each in a
/// [`FragmentFinder`]; if that finds fragments once all are read, what was
/// added must be taken back for [`with_fragments`].
fn direct(bytes: &[u8], out: &mut Builder<'_>) -> Result<Direct, JsonError> {
    let scope = out.no_scope();
    let mut cur = Cursor::new(bytes);
    let mut span = WireSpan::default();
    let mut order = wire::FieldOrder::default();
    let mut services = Services::default();
    let spans = bytes.len() / 256;
    let mut seen: Vec<Seen> = Vec::with_capacity(spans);
    let mut fragments = FragmentFinder::new(spans);
    let mut recent = Recent::default();
    // Kinds as written, numbered, to compare fragments without keeping their text.
    let mut kinds: Vec<Text<'_>> = Vec::new();
    walk(&mut cur, |cur, place| {
        wire::span(cur, &mut span, &mut order)?;
        let service = services.of(&span.local_endpoint_service(), out);
        let kept = convert_span(&span, service, scope, &mut recent, out, || place.text());
        let service = service.0;
        if let Some(ids) = ids_of(&span) {
            let kind = span
                .kind
                .as_ref()
                .map(|k| match kinds.iter().position(|known| known == k) {
                    Some(i) => i as u32,
                    None => {
                        kinds.push(k.clone());
                        (kinds.len() - 1) as u32
                    }
                });
            let sides = Sides {
                kind,
                timestamp: span.timestamp,
                shared: span.shared,
            };
            fragments.add((ids.0, ids.1, service), sides);
            seen.push(Seen {
                ids,
                shared: span.shared,
                service,
                kept,
            });
        }
        Ok(())
    })?;
    if fragments.found() {
        return Ok(Direct::HasFragments);
    }
    split_shared(&seen, out);
    Ok(Direct::Done)
}

/// Reads every span's wire form, merges the fragments, then converts.
fn with_fragments(bytes: &[u8], out: &mut Builder<'_>) -> Result<(), JsonError> {
    let mut cur = Cursor::new(bytes);
    let mut spans = Vec::new();
    let mut nested = false;
    let mut order = wire::FieldOrder::default();
    walk(&mut cur, |cur, place| {
        let mut span = WireSpan::default();
        wire::span(cur, &mut span, &mut order)?;
        nested |= matches!(place, Place::Trace(..));
        spans.push((span, place.text()));
        Ok(())
    })?;
    let spans = merge_fragments(spans, out);
    let scope = out.no_scope();
    let mut services = Services::default();
    let mut seen = Vec::new();
    let mut recent = Recent::default();
    for (i, (span, place)) in spans.iter().enumerate() {
        let service = services.of(&span.local_endpoint_service(), out);
        // A list of spans names them by their place after merging, as before.
        let kept = convert_span(span, service, scope, &mut recent, out, || {
            if nested { place.clone() } else { format!("[{i}]") }
        });
        let service = service.0;
        if let Some(ids) = ids_of(span) {
            seen.push(Seen {
                ids,
                shared: span.shared,
                service,
                kept,
            });
        }
    }
    split_shared(&seen, out);
    Ok(())
}
