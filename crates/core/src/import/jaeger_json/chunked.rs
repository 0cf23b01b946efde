//! A Jaeger JSON document read while it arrives, so that reading a big file
//! and parsing it overlap (the browser reads a file at about the speed the
//! engine parses it; one after the other they take twice as long).
//!
//! [`Chunked::feed`] is given the document so far, each time longer, and
//! reads every span that is there whole; [`Chunked::finish`] is given all of
//! it. Only the shape exporters write is walked this way: `{"data": [trace,
//! ...], ...}` with `data` first, or a bare list of traces, each trace an
//! object with its `spans` (its `processes` before or after them). The first thing that
//! does not fit, and every error, makes the reader give up: the caller then
//! reads the whole document at once with [`super::stream`], which gives
//! exactly the model and the error it always gave (the tests hold the two
//! readers to that, cut at every place).

use super::span::{self, Scratch};
use super::{Trace, processes};
use crate::import::builder::Builder;
use crate::import::json_scan::{Cursor, JsonError, first};

/// A span is checked to be there whole (skipped over first, which is a
/// fraction of reading it) when fewer bytes than this follow its start;
/// further from the end, it is read straight away. A span longer than this
/// that is cut by the end of what arrived makes the reader give up.
pub(in crate::import) const NEAR_THE_END: usize = 1 << 20;

/// A Jaeger JSON document read a part at a time; see the module's doc.
pub(in crate::import) struct Chunked<'s> {
    out: Builder<'s>,
    at: At,
    /// Objects and arrays open around each trace: 1 in a bare list, 2 in `{"data": [...]}`.
    around_traces: u32,
    scope: u32,
    trace: Trace<'static>,
    scratch: Scratch<'static>,
    /// The document's length in all.
    total: usize,
    /// [`NEAR_THE_END`], smaller in tests.
    near_the_end: usize,
}

/// Where the walk is, between two parts.
#[derive(Clone, Copy, Debug, PartialEq)]
enum At {
    /// Before the document.
    Start,
    /// In the list of traces at `pos`: before trace `t`, or, when `after`,
    /// before the `,` or `]` that follows trace `t - 1`.
    Traces { t: usize, pos: usize, after: bool },
    /// In the `spans` list of trace `t` at `pos`: before span `i`, or, when
    /// `after`, before the `,` or `]` that follows span `i - 1`. `seen`:
    /// the trace's fields read (bit 0 its spans, bit 1 its processes).
    Spans {
        t: usize,
        i: usize,
        pos: usize,
        after: bool,
        seen: u32,
    },
    /// After the `spans` list of trace `t`, at `pos`: the rest of the trace
    /// (its processes) is read when it is there whole.
    TraceEnd { t: usize, pos: usize, seen: u32 },
    /// After the list of traces, at `pos`: the rest is read by [`Chunked::finish`].
    End { pos: usize },
    /// Given up: the whole document is read again at once.
    GaveUp,
}

/// Why a part stopped.
enum Stop {
    /// What is there is read; the rest has not arrived.
    More,
    /// The document is not of the shape walked here, or has an error.
    GiveUp,
}

impl<'s> Chunked<'s> {
    /// A reader of a document of `total` bytes into `out`.
    pub fn new(mut out: Builder<'s>, total: usize, near_the_end: usize) -> Chunked<'s> {
        // As `stream` does: the same reservation, and the empty scope first.
        out.reserve(total / 512, total / 64);
        let scope = out.no_scope();
        Chunked {
            out,
            at: At::Start,
            around_traces: 0,
            scope,
            trace: Trace::default(),
            scratch: Scratch::default(),
            total,
            near_the_end,
        }
    }

    /// Reads what is whole in `bytes`, the document's first bytes (the
    /// same as the last call's and more).
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.walk(bytes).is_err() {
            self.at = At::GaveUp;
        }
    }

    /// Reads the rest of `bytes`, the whole document: the builder, and
    /// whether it read every span (else it gave up, and the caller abandons
    /// what the builder holds and reads the document at once).
    pub fn finish(mut self, bytes: &[u8]) -> (Builder<'s>, bool) {
        self.feed(bytes);
        let At::End { pos } = self.at else {
            return (self.out, false);
        };
        let mut cur = Cursor::resume(bytes, pos, self.around_traces - 1);
        let read = self.rest_of_document(&mut cur).and_then(|()| cur.end()).is_ok();
        (self.out, read)
    }

    /// Whether the reader gave up (the document is read at once at the end).
    pub fn gave_up(&self) -> bool {
        self.at == At::GaveUp
    }

    /// Gives up: the builder, with what it read, for the caller to abandon.
    pub fn abandon(self) -> Builder<'s> {
        self.out
    }

    /// Reads parts until one stops: `Ok` when it waits for more bytes.
    fn walk(&mut self, bytes: &[u8]) -> Result<(), ()> {
        let mut trace: Trace<'_> = std::mem::take(&mut self.trace);
        let mut scratch: Scratch<'_> = std::mem::take(&mut self.scratch);
        let stopped = loop {
            let next = match self.at {
                At::Start => self.start(bytes),
                At::Traces { t, pos, after } => self.traces(bytes, t, pos, after, &mut trace),
                At::Spans { t, i, pos, after, seen } => {
                    self.spans(bytes, (t, i), pos, (after, seen), &mut trace, &mut scratch)
                }
                At::TraceEnd { t, pos, seen } => self.trace_end(bytes, (t, seen), pos, &mut trace),
                At::End { .. } => Err(Stop::More),
                At::GaveUp => Err(Stop::GiveUp),
            };
            match next {
                Ok(at) => self.at = at,
                Err(stop) => break stop,
            }
        };
        // Nothing may borrow `bytes` once this returns: they grow meanwhile.
        self.trace = trace.detached();
        self.scratch = scratch.detached();
        match stopped {
            Stop::More => Ok(()),
            Stop::GiveUp => Err(()),
        }
    }

    /// Why `error` stopped a part: the end of what arrived (when more is to
    /// come), or a real error or a shape not walked here.
    fn stop(&self, error: &JsonError, bytes: &[u8]) -> Stop {
        match error.offset() >= bytes.len() && bytes.len() < self.total {
            true => Stop::More,
            false => Stop::GiveUp,
        }
    }

    /// `{"data": [` or `[`.
    fn start(&mut self, bytes: &[u8]) -> Result<At, Stop> {
        let mut cur = Cursor::new(bytes);
        let opened = match cur.next_byte() {
            Some(b'[') => cur.enter(b'[', "a sequence").map(|()| 1),
            Some(b'{') => self.data_first(&mut cur).map(|()| 2),
            None if bytes.len() < self.total => return Err(Stop::More),
            _ => return Err(Stop::GiveUp),
        };
        match opened {
            Ok(around) => {
                self.around_traces = around;
                Ok(At::Traces {
                    t: 0,
                    pos: cur.position(),
                    after: false,
                })
            }
            Err(error) => Err(self.stop(&error, bytes)),
        }
    }

    /// `{"data": [`, the object's first key being `data`, holding a list.
    fn data_first(&self, cur: &mut Cursor<'_>) -> Result<(), JsonError> {
        cur.enter(b'{', "struct TopLevel")?;
        let key = cur.key()?;
        if &*key != b"data" || cur.next_byte() != Some(b'[') {
            // Another shape (a bare trace, `data` later or null): read at once.
            return Err(cur.error("not walked in parts"));
        }
        cur.enter(b'[', "a sequence")
    }

    /// Trace `t` begins: its fields up to its `spans` list.
    fn traces<'a>(
        &mut self,
        bytes: &'a [u8],
        t: usize,
        pos: usize,
        after: bool,
        trace: &mut Trace<'a>,
    ) -> Result<At, Stop> {
        let mut cur = Cursor::resume(bytes, pos, self.around_traces);
        let read = (|| {
            if after && !cur.comma_or_close(b']')? {
                return Ok(None);
            }
            if !after && cur.next_byte() == Some(b']') {
                cur.leave();
                return Ok(None);
            }
            trace_head(&mut cur, trace).map(Some)
        })();
        match read {
            Ok(None) => Ok(At::End { pos: cur.position() }),
            Ok(Some(seen)) => Ok(At::Spans {
                t,
                i: 0,
                pos: cur.position(),
                after: false,
                seen,
            }),
            Err(error) => Err(self.stop(&error, bytes)),
        }
    }

    /// The spans of trace `t` from span `i`, as many as are there whole.
    fn spans<'a>(
        &mut self,
        bytes: &'a [u8],
        (t, mut i): (usize, usize),
        pos: usize,
        (mut after, seen): (bool, u32),
        trace: &mut Trace<'a>,
        scratch: &mut Scratch<'a>,
    ) -> Result<At, Stop> {
        let mut cur = Cursor::resume(bytes, pos, self.around_traces + 2);
        loop {
            let at = At::Spans {
                t,
                i,
                pos: cur.position(),
                after,
                seen,
            };
            if after || i == 0 {
                let more = match after {
                    true => cur.comma_or_close(b']'),
                    false if cur.next_byte() == Some(b']') => {
                        cur.leave();
                        Ok(false)
                    }
                    false => Ok(true),
                };
                match more {
                    Ok(true) => {}
                    Ok(false) => {
                        return Ok(At::TraceEnd {
                            t,
                            pos: cur.position(),
                            seen,
                        });
                    }
                    Err(error) => {
                        self.at = at;
                        return Err(self.stop(&error, bytes));
                    }
                }
            }
            let from = cur.position();
            if bytes.len() - from < self.near_the_end && bytes.len() < self.total {
                let mut probe = Cursor::resume(bytes, from, self.around_traces + 2);
                if let Err(error) = probe.skip_value()
                    && let Stop::More = self.stop(&error, bytes)
                {
                    self.at = At::Spans {
                        t,
                        i,
                        pos: from,
                        after: false,
                        seen,
                    };
                    return Err(Stop::More);
                }
            }
            if span::span(&mut cur, &mut self.out, trace, scratch, self.scope, (t, i)).is_err() {
                // Part of the span may be in the builder: only a read from the start undoes that.
                return Err(Stop::GiveUp);
            }
            i += 1;
            after = true;
        }
    }

    /// The rest of trace `t` after its spans (its processes), then the trace
    /// is done: its spans get their processes.
    fn trace_end<'a>(
        &mut self,
        bytes: &'a [u8],
        (t, seen): (usize, u32),
        pos: usize,
        trace: &mut Trace<'a>,
    ) -> Result<At, Stop> {
        let mut cur = Cursor::resume(bytes, pos, self.around_traces + 1);
        match rest_of_trace(&mut cur, trace, seen) {
            Ok(()) => {
                trace.finish(&mut self.out);
                Ok(At::Traces {
                    t: t + 1,
                    pos: cur.position(),
                    after: true,
                })
            }
            Err(error) => Err(self.stop(&error, bytes)),
        }
    }

    /// After the list of traces: the rest of `{"data": [...], ...}` (other
    /// keys are skipped, as `stream` does), or nothing after a bare list.
    fn rest_of_document(&self, cur: &mut Cursor<'_>) -> Result<(), JsonError> {
        if self.around_traces == 1 {
            return Ok(());
        }
        while cur.comma_or_close(b'}')? {
            let key = cur.key()?;
            match &*key {
                // A second `data`, or a bare trace beside it: read at once.
                b"data" | b"spans" | b"processes" => return Err(cur.error("not walked in parts")),
                _ => cur.skip_unknown(&key)?,
            }
        }
        Ok(())
    }
}

/// A trace's `{` and its fields up to and into its `spans` list (its
/// processes when they come first): the fields read, as `seen` bits. Any
/// other shape (the trace as a list, no spans) is read at once.
fn trace_head<'a>(cur: &mut Cursor<'a>, trace: &mut Trace<'a>) -> Result<u32, JsonError> {
    cur.enter(b'{', "struct WireTrace")?;
    if cur.next_byte() == Some(b'}') {
        return Err(cur.error("not walked in parts"));
    }
    let mut seen = 0;
    loop {
        let key = cur.key()?;
        match &*key {
            b"spans" => {
                if cur.next_byte() != Some(b'[') {
                    return Err(cur.error("not walked in parts"));
                }
                cur.enter(b'[', "a sequence")?;
                return Ok(seen | 1);
            }
            b"processes" => {
                first(cur, &mut seen, 1, "processes")?;
                processes(cur, &mut trace.processes)?;
            }
            _ => cur.skip_unknown(&key)?,
        }
        if !cur.comma_or_close(b'}')? {
            return Err(cur.error("not walked in parts"));
        }
    }
}

/// A trace's fields after its `spans` list, up to its `}`.
fn rest_of_trace<'a>(cur: &mut Cursor<'a>, trace: &mut Trace<'a>, mut seen: u32) -> Result<(), JsonError> {
    while cur.comma_or_close(b'}')? {
        let key = cur.key()?;
        match &*key {
            b"processes" => {
                first(cur, &mut seen, 1, "processes")?;
                processes(cur, &mut trace.processes)?;
            }
            b"spans" => return Err(cur.error("not walked in parts")),
            _ => cur.skip_unknown(&key)?,
        }
    }
    Ok(())
}
