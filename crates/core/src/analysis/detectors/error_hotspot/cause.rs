//! What an origin span says about its error, across instrumentation styles:
//! the exception type and message, and the dependency it was calling.
//!
//! - Type: the `exception` event's `exception.type`, else the span's
//!   `error.type`, else an OpenTracing error log's `error.kind`, else
//!   `HTTP <code>` for a 5xx answer.
//! - Message: the `exception` event's `exception.message`, else the status
//!   message (Zipkin's `error` tag lands there), else an OpenTracing error log:
//!   its `error.object`, `error` or `message` field (HotROD logs
//!   `error: redis timeout`).
//! - Peer: the first of `peer.service`, `server.address`, `net.peer.name`,
//!   `network.peer.address`, `net.peer.ip`, `db.system`, `messaging.system`,
//!   on a span that is not a server (a server's `server.address` is itself).

use crate::intern::Sym;
use crate::model::{AttrValue, Attribute, Span, SpanKind, TraceSet};

/// The interned keys read here, looked up once per analysis.
pub struct CauseKeys {
    exception: Option<Sym>,
    exception_type: Option<Sym>,
    exception_message: Option<Sym>,
    error_type: Option<Sym>,
    log_kind: Option<Sym>,
    log_messages: [Option<Sym>; 3],
    http_codes: [Option<Sym>; 2],
    peers: [Option<Sym>; 7],
}

impl CauseKeys {
    /// The keys as interned in `set` (absent keys match nothing).
    pub fn of(set: &TraceSet) -> CauseKeys {
        let key = |k: &str| set.strings.get(k);
        CauseKeys {
            exception: key("exception"),
            exception_type: key("exception.type"),
            exception_message: key("exception.message"),
            error_type: key("error.type"),
            log_kind: key("error.kind"),
            log_messages: [key("error.object"), key("error"), key("message")],
            http_codes: [key("http.response.status_code"), key("http.status_code")],
            peers: [
                key("peer.service"),
                key("server.address"),
                key("net.peer.name"),
                key("network.peer.address"),
                key("net.peer.ip"),
                key("db.system"),
                key("messaging.system"),
            ],
        }
    }

    /// The exception type of `span`'s error, if it says.
    pub fn kind(&self, set: &TraceSet, span: &Span) -> Option<String> {
        let exception = self.exception_event(set, span);
        exception
            .and_then(|attributes| text(attributes, self.exception_type))
            .or_else(|| text(set.attributes_of(span), self.error_type))
            .or_else(|| self.error_logs(set, span).find_map(|a| text(a, self.log_kind)))
            .map(|sym| set.str(sym).to_owned())
            .filter(|kind| !kind.is_empty())
            .or_else(|| self.server_error_code(set, span).map(|code| format!("HTTP {code}")))
    }

    /// The message of `span`'s error, as written, if it has one.
    pub fn message(&self, set: &TraceSet, span: &Span) -> Option<Sym> {
        let exception = self.exception_event(set, span);
        exception
            .and_then(|attributes| text(attributes, self.exception_message))
            .or(span.status_message)
            .or_else(|| {
                self.error_logs(set, span)
                    .find_map(|a| self.log_messages.iter().find_map(|&key| text(a, key)))
            })
            .filter(|&sym| !set.str(sym).trim().is_empty())
    }

    /// The dependency `span` was calling, if it names one.
    pub fn peer(&self, set: &TraceSet, span: &Span) -> Option<Sym> {
        if span.kind == SpanKind::Server {
            return None;
        }
        let attributes = set.attributes_of(span);
        self.peers
            .iter()
            .find_map(|&key| text(attributes, key))
            .filter(|&sym| !set.str(sym).is_empty())
    }

    /// The attributes of `span`'s `exception` event, if it has one.
    fn exception_event<'s>(&self, set: &'s TraceSet, span: &Span) -> Option<&'s [Attribute]> {
        let name = self.exception?;
        set.events_of(span)
            .iter()
            .find(|e| e.name == name)
            .map(|e| set.attributes(e.attributes))
    }

    /// The attributes of `span`'s OpenTracing-style error logs: events that
    /// carry an `error`, `error.kind` or `error.object` field, or are named `error`.
    fn error_logs<'s>(&self, set: &'s TraceSet, span: &Span) -> impl Iterator<Item = &'s [Attribute]> {
        let [object, error, _] = self.log_messages;
        let keys = [object, error, self.log_kind];
        set.events_of(span)
            .iter()
            .filter(move |e| {
                Some(e.name) == error || set.attributes(e.attributes).iter().any(|a| keys.contains(&Some(a.key)))
            })
            .map(|e| set.attributes(e.attributes))
    }

    /// The HTTP code of a span that answered 5xx.
    fn server_error_code(&self, set: &TraceSet, span: &Span) -> Option<i64> {
        set.attributes_of(span)
            .iter()
            .filter(|a| self.http_codes.contains(&Some(a.key)))
            .find_map(|a| match &a.value {
                AttrValue::Int(code) => Some(*code),
                AttrValue::Str(code) => set.str(*code).trim().parse().ok(),
                _ => None,
            })
            .filter(|code| (500..600).contains(code))
    }
}

/// The text value of attribute `key` among `attributes`, if it is text.
fn text(attributes: &[Attribute], key: Option<Sym>) -> Option<Sym> {
    let key = key?;
    attributes.iter().find(|a| a.key == key).and_then(|a| match a.value {
        AttrValue::Str(s) => Some(s),
        _ => None,
    })
}
