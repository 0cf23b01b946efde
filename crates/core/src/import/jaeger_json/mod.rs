//! Jaeger JSON as Jaeger UI downloads it and the Jaeger query API serves it
//! (`/api/traces`): `{"data": [trace, ...]}` with or without
//! `total/limit/offset/errors`, a bare trace object, or a bare array of traces.
//! Times are microseconds (floats with a fraction or an exponent are read to
//! the nanosecond); the service comes from the trace's `processes`.
//!
//! Mapping to the model follows OpenTelemetry's Jaeger mapping: the `span.kind`
//! tag is the kind, `error=true` or `otel.status_code=ERROR` is an error
//! status, `otel.status_description` its message.
//!
//! Read in one pass with [`Cursor`] straight into the builder, as the OTLP
//! JSON reader does: no document tree, no struct per span. This module walks
//! the document down to the traces and gives each span its process once the
//! trace's `processes` are read (Jaeger writes them after the spans); [`span`]
//! reads one span, [`tags`] tags and processes. The reader accepts, rejects
//! and words its errors as the serde reader it replaced (kept for the tests in
//! `serde_oracle.rs`).

mod span;
mod tags;

#[cfg(test)]
pub(super) mod serde_oracle;
#[cfg(test)]
mod tests;

use super::builder::Builder;
use super::json_scan::{Cursor, JsonError, first};
use crate::intern::Sym;
use hashbrown::HashMap;
use span::Scratch;
use std::borrow::Cow;
use tags::Process;

/// Reads one Jaeger JSON document from `bytes` into the builder, span by span.
///
/// On error, spans before the failure were already added: the caller
/// abandons the builder.
pub(super) fn stream(bytes: &[u8], out: &mut Builder<'_>) -> Result<(), JsonError> {
    // Jaeger writes about 600 bytes per span and 60 per tag.
    out.reserve(bytes.len() / 512, bytes.len() / 64);
    // Every file has the empty scope, spans or not, as before.
    let scope = out.no_scope();
    let mut cur = Cursor::new(bytes);
    let mut reader = Reader {
        scope,
        scratch: Scratch::default(),
        trace: Trace::default(),
    };
    if cur.next_byte() == Some(b'[') {
        reader.traces(&mut cur, out)?;
    } else {
        reader.top_level(&mut cur, out)?;
    }
    cur.end()
}

/// What the walk keeps from trace to trace.
struct Reader<'a> {
    scope: u32,
    scratch: Scratch<'a>,
    trace: Trace<'a>,
}

impl<'a> Reader<'a> {
    /// `{"data": [...]}` or a bare trace. When both are there, `data` wins
    /// and the bare trace's spans are read (for errors) but not kept.
    fn top_level(&mut self, cur: &mut Cursor<'a>, out: &mut Builder<'_>) -> Result<(), JsonError> {
        let mut seen = 0;
        let mut bare = Trace::default();
        let mut bare_start = None;
        let mut data = false;
        cur.record("struct TopLevel", &[b"data", b"spans", b"processes"], |cur, key| {
            match key {
                b"data" => {
                    first(cur, &mut seen, 0, "data")?;
                    if cur.null()? {
                        return Ok(());
                    }
                    if let Some(checkpoint) = bare_start.take() {
                        out.restore(checkpoint);
                    }
                    data = true;
                    self.traces(cur, out)?;
                }
                b"spans" => {
                    first(cur, &mut seen, 1, "spans")?;
                    let checkpoint = out.checkpoint();
                    self.spans(cur, out, &mut bare, 0)?;
                    if data {
                        out.restore(checkpoint);
                    } else {
                        bare_start = Some(checkpoint);
                    }
                }
                b"processes" => {
                    first(cur, &mut seen, 2, "processes")?;
                    processes(cur, &mut bare.processes)?;
                }
                _ => cur.skip_unknown(key)?,
            }
            Ok(())
        })?;
        if !data {
            bare.finish(out);
        }
        Ok(())
    }

    /// A list of traces.
    fn traces(&mut self, cur: &mut Cursor<'a>, out: &mut Builder<'_>) -> Result<(), JsonError> {
        cur.array("a sequence", |cur, t| self.trace(cur, out, t))
    }

    /// One trace: `{"traceID": ..., "spans": [...], "processes": {...}}`.
    fn trace(&mut self, cur: &mut Cursor<'a>, out: &mut Builder<'_>, t: usize) -> Result<(), JsonError> {
        let mut seen = 0;
        let mut trace = std::mem::take(&mut self.trace);
        cur.record("struct WireTrace", &[b"spans", b"processes"], |cur, key| {
            match key {
                b"spans" => {
                    first(cur, &mut seen, 0, "spans")?;
                    self.spans(cur, out, &mut trace, t)?;
                }
                b"processes" => {
                    first(cur, &mut seen, 1, "processes")?;
                    processes(cur, &mut trace.processes)?;
                }
                _ => cur.skip_unknown(key)?,
            }
            Ok(())
        })?;
        trace.finish(out);
        self.trace = trace;
        Ok(())
    }

    /// The `spans` list of trace `t`.
    fn spans(
        &mut self,
        cur: &mut Cursor<'a>,
        out: &mut Builder<'_>,
        trace: &mut Trace<'a>,
        t: usize,
    ) -> Result<(), JsonError> {
        let (scope, scratch) = (self.scope, &mut self.scratch);
        cur.array("a sequence", |cur, i| {
            span::span(cur, out, trace, scratch, scope, (t, i))
        })
    }
}

/// The `processes` map: process ID to process; a later entry replaces an earlier one.
fn processes<'a>(cur: &mut Cursor<'a>, map: &mut HashMap<Cow<'a, [u8]>, Process<'a>>) -> Result<(), JsonError> {
    map.clear();
    cur.members("a map", |cur, _| {
        let key = cur.key()?;
        let read = cur.key_text(key.clone()).and_then(|id| Ok((id, tags::process(cur)?)));
        let (id, process) = read.map_err(|error| error.within_key(&key))?;
        let id = match id {
            Cow::Borrowed(id) => Cow::Borrowed(id.as_bytes()),
            Cow::Owned(id) => Cow::Owned(id.into_bytes()),
        };
        map.insert(id, process);
        Ok(())
    })
}

/// One trace while it is read: its processes, and which span uses which.
/// Its lists are kept from trace to trace ([`Trace::finish`] empties them),
/// so that a file of many small traces does not allocate them for each.
#[derive(Default)]
pub(super) struct Trace<'a> {
    processes: HashMap<Cow<'a, [u8]>, Process<'a>>,
    /// The process IDs spans named, in the order first named.
    used: Vec<Cow<'a, [u8]>>,
    /// Each ID's place in `used`.
    slots: HashMap<Cow<'a, [u8]>, u32>,
    /// The index of each kept span that names a process, and the process's place in `used`.
    spans: Vec<(usize, u32)>,
    /// The last ID looked up and its place: spans of one process come together.
    last: Option<(Cow<'a, [u8]>, u32)>,
    /// The resource made for each entry of `used`.
    resources: Vec<(u32, Sym)>,
}

impl<'a> Trace<'a> {
    /// The place of process `id` in `used`, adding it on first use.
    pub fn use_process(&mut self, id: Cow<'a, [u8]>) -> u32 {
        if let Some((last, slot)) = &self.last
            && *last == id
        {
            return *slot;
        }
        let next = u32::try_from(self.used.len()).unwrap_or(u32::MAX);
        let slot = *self.slots.entry(id.clone()).or_insert_with(|| {
            self.used.push(id.clone());
            next
        });
        self.last = Some((id, slot));
        slot
    }

    /// Notes that the span kept at `index` runs in the process at `slot`.
    pub fn kept(&mut self, index: usize, slot: u32) {
        self.spans.push((index, slot));
    }

    /// Makes a resource of every process a span named (in the order first
    /// named, kept or not, as before) and gives the kept spans theirs.
    fn finish(&mut self, out: &mut Builder<'_>) {
        self.resources.clear();
        for id in &self.used {
            let resource = tags::process_resource(self.processes.get(id), out);
            self.resources.push(resource);
        }
        for &(index, slot) in &self.spans {
            if let Some(&resource) = self.resources.get(slot as usize) {
                out.assign_resource_at(index, resource);
            }
        }
        self.processes.clear();
        self.used.clear();
        self.slots.clear();
        self.spans.clear();
        self.last = None;
    }
}
