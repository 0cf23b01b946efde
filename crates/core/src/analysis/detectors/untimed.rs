//! Why a span has no duration, as far as the data tells: whether its time is
//! lost, or was never there to lose.
//!
//! Data quality reports spans without a start or a duration, because they are
//! left out of every statistic. Two kinds of them lose nothing, and a finding
//! that counted them as lost timing would send a team after a problem it does
//! not have (SmartThings' capture: 83 of its 91 untimed spans are one or the
//! other):
//! - **a twin left unfinished**: the same call recorded twice, under the same
//!   parent, in the same service, of the same kind and URL (or name, without
//!   a URL), both begun within [`TWIN_WITHIN`]; one copy has a
//!   duration, the other was never finished (Brave sends such a span when it
//!   flushes, marked with a `brave.flush` annotation). The call's time is in
//!   the finished copy: what is wrong is the double instrumentation;
//! - **a one-way message**: a send whose receipts have no duration either, or
//!   such a receipt (Zipkin's one-way RPC, or a message fanned out to several
//!   consumers under one span ID). Nothing waits for an answer, so there is
//!   no end to measure.

use super::Context;
use crate::model::{Span, SpanKind};
use crate::time::DurationNs;

/// How close the starts of a call's two copies are: the instrumentations of
/// one call begin it within a few milliseconds of each other (SmartThings:
/// all 83 within 5 ms), while a second call of the same URL by the same
/// parent follows the first one's answer.
pub const TWIN_WITHIN: DurationNs = DurationNs(5_000_000);

/// The attributes that say which URL a call asked for: a twin must ask for the same.
const URL_KEYS: [&str; 6] = [
    "http.url",
    "url.full",
    "http.target",
    "http.path",
    "url.path",
    "http.route",
];

/// The annotation Brave gives a span it sends unfinished.
pub const FLUSHED_UNFINISHED: &str = "brave.flush";

/// What a span without a known duration is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Untimed {
    /// A copy of a call whose other copy has a duration, begun this many
    /// nanoseconds apart.
    Twin(u64),
    /// A message that is not answered, or its receipt.
    OneWay,
    /// Neither: its duration is unknown, and with it part of a request's time.
    Unknown,
}

/// What span `i` is, given that its duration is not known.
pub fn classify(context: &Context<'_>, i: u32) -> Untimed {
    let (set, index) = (context.set, context.index);
    let Some(span) = set.spans.get(i as usize) else {
        return Untimed::Unknown;
    };
    let parent = index.parent.get(i as usize).copied().flatten();
    if span.start.0 != 0
        && let Some(parent) = parent
        && let Some(twin) = index
            .children_of(parent)
            .iter()
            .filter_map(|&s| set.spans.get(s as usize))
            .find(|other| is_finished_twin(context, span, other))
    {
        return Untimed::Twin(twin.start.0.abs_diff(span.start.0));
    }
    if is_one_way(context, i, span, parent) {
        return Untimed::OneWay;
    }
    Untimed::Unknown
}

/// Whether `other` is a finished copy of the call `span` recorded: the same
/// URL, or the same name where neither has a URL. The names may differ when
/// the URLs agree: SmartThings' unfinished copies are all named `get`, their
/// twins `post`, `put` or `delete` as well.
fn is_finished_twin(context: &Context<'_>, span: &Span, other: &Span) -> bool {
    let set = context.set;
    let urls = |s: &Span| URL_KEYS.map(|key| set.str_attribute(s, key));
    let url = urls(span);
    other.duration_known()
        && other.service == span.service
        && other.kind == span.kind
        && other.start.0.abs_diff(span.start.0) <= TWIN_WITHIN.0
        && url == urls(other)
        && (other.name == span.name || url.iter().any(Option::is_some))
}

/// Whether `span` sends a message no one answers (every receipt in another
/// service has no duration either), or is the receipt of such a message.
fn is_one_way(context: &Context<'_>, i: u32, span: &Span, parent: Option<u32>) -> bool {
    let (set, index) = (context.set, context.index);
    let untimed_send = |s: &Span| matches!(s.kind, SpanKind::Client | SpanKind::Producer) && !s.duration_known();
    match span.kind {
        SpanKind::Server | SpanKind::Consumer => parent
            .and_then(|p| set.spans.get(p as usize))
            .is_some_and(|caller| caller.service != span.service && untimed_send(caller)),
        SpanKind::Client | SpanKind::Producer => {
            let mut receipts = index
                .children_of(i)
                .iter()
                .filter_map(|&c| set.spans.get(c as usize))
                .filter(|c| c.service != span.service && matches!(c.kind, SpanKind::Server | SpanKind::Consumer))
                .peekable();
            receipts.peek().is_some() && receipts.all(|c| !c.duration_known())
        }
        _ => false,
    }
}

/// Whether span `i` carries Brave's mark of a span sent unfinished.
pub fn flushed_unfinished(context: &Context<'_>, i: u32) -> bool {
    let set = context.set;
    set.spans.get(i as usize).is_some_and(|span| {
        set.events_of(span)
            .iter()
            .any(|e| set.str(e.name) == FLUSHED_UNFINISHED)
    })
}

/// The send of one-way span `i`: itself, or the send it is a receipt of.
pub fn one_way_send(context: &Context<'_>, i: u32) -> u32 {
    let is_send = context
        .set
        .spans
        .get(i as usize)
        .is_some_and(|s| matches!(s.kind, SpanKind::Client | SpanKind::Producer));
    if is_send {
        return i;
    }
    context.index.parent.get(i as usize).copied().flatten().unwrap_or(i)
}
