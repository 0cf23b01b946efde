//! Which spans and which requests failed: the one notion of failure that the
//! endpoint and operation tables, the trace list and the error detector share,
//! computed once per analysis in O(n).
//!
//! - A **span failed** when its status is error, or when it is a SERVER span
//!   with no status set that answered HTTP 5xx (`http.response.status_code` or
//!   the older `http.status_code`, as an integer or as text). Proxies such as
//!   Envoy, and many HTTP server instrumentations, leave the status unset and
//!   record only the code; OpenTelemetry's HTTP conventions say a server span
//!   with a 5xx code is an error. A 4xx answer is the client's mistake, not a
//!   failure of the server, and an explicit OK status is taken at its word.
//! - A **request failed** when the span it entered through failed: the entry
//!   server span its endpoint comes from, else the trace's root. Errors below
//!   that span which the request survived (a retry, a fallback) do not fail it.

use crate::index::TraceIndex;
use crate::intern::Sym;
use crate::model::{AttrValue, Span, SpanKind, StatusCode, TraceSet};

/// Failed spans and failed requests of one analysis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Failures {
    /// Per span (by index in [`TraceSet::spans`]): whether it failed.
    span_failed: Vec<bool>,
    /// Per trace (by index in [`TraceIndex::traces`]): whether its request failed.
    request_failed: Vec<bool>,
    /// Per trace: how many of its spans failed.
    failed_spans: Vec<u32>,
}

impl Failures {
    /// Which spans and requests of `set` failed; `entries` is the entry server
    /// span of each trace, if it has one (its request span; else the root).
    pub fn of(set: &TraceSet, index: &TraceIndex, entries: &[Option<u32>]) -> Failures {
        let codes = HttpStatusKeys::of(set);
        let span_failed: Vec<bool> = set.spans.iter().map(|span| codes.failed(set, span)).collect();
        let failed = |i: u32| span_failed.get(i as usize).copied().unwrap_or(false);
        let request_failed = index
            .traces
            .iter()
            .enumerate()
            .map(|(t, trace)| failed(entries.get(t).copied().flatten().unwrap_or(trace.root)))
            .collect();
        let failed_spans = index
            .traces
            .iter()
            .map(|trace| index.spans_of(trace).iter().filter(|&&i| failed(i)).count() as u32)
            .collect();
        Failures {
            span_failed,
            request_failed,
            failed_spans,
        }
    }

    /// Whether span `i` failed.
    pub fn span(&self, i: u32) -> bool {
        self.span_failed.get(i as usize).copied().unwrap_or(false)
    }

    /// Whether the request of trace `t` failed at the span it entered through.
    pub fn request(&self, t: usize) -> bool {
        self.request_failed.get(t).copied().unwrap_or(false)
    }

    /// How many spans of trace `t` failed.
    pub fn spans_in_trace(&self, t: usize) -> u32 {
        self.failed_spans.get(t).copied().unwrap_or(0)
    }
}

/// Whether single spans failed, for views that look at one trace and need
/// no [`Failures`] of the whole set: the same rule, spans checked one by one.
pub struct FailureCheck(HttpStatusKeys);

impl FailureCheck {
    /// The check for spans of `set` (looks up the status-code keys once).
    pub fn new(set: &TraceSet) -> FailureCheck {
        FailureCheck(HttpStatusKeys::of(set))
    }

    /// Whether `span` failed (see the module docs).
    pub fn failed(&self, set: &TraceSet, span: &Span) -> bool {
        self.0.failed(set, span)
    }
}

/// The interned keys of the HTTP status code attribute (current and older
/// conventions), looked up once so checking a span costs no string hashing.
pub(crate) struct HttpStatusKeys([Option<Sym>; 2]);

impl HttpStatusKeys {
    pub(crate) fn of(set: &TraceSet) -> HttpStatusKeys {
        HttpStatusKeys([
            set.strings.get("http.response.status_code"),
            set.strings.get("http.status_code"),
        ])
    }

    /// Whether `span` failed: error status, or an unset server span answering 5xx.
    fn failed(&self, set: &TraceSet, span: &Span) -> bool {
        match span.status {
            StatusCode::Error => true,
            StatusCode::Ok => false,
            StatusCode::Unset => span.kind == SpanKind::Server && self.code(set, span).is_some_and(is_server_error),
        }
    }

    /// The HTTP status code `span` answered with, if it carries one.
    pub(crate) fn code(&self, set: &TraceSet, span: &Span) -> Option<i64> {
        let keys = &self.0;
        set.attributes_of(span)
            .iter()
            .filter(|a| keys.contains(&Some(a.key)))
            .find_map(|a| match &a.value {
                AttrValue::Int(code) => Some(*code),
                AttrValue::Str(text) => set.str(*text).trim().parse().ok(),
                AttrValue::Double(code) if code.fract() == 0.0 => Some(*code as i64),
                _ => None,
            })
    }
}

/// 5xx: the server could not answer.
fn is_server_error(code: i64) -> bool {
    (500..600).contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{SynthSpan, SynthValue, encode};

    fn span(id: u64, parent: Option<u64>, kind: SpanKind, attributes: Vec<(&'static str, SynthValue)>) -> SynthSpan {
        let base = 1_700_000_000_000_000_000u64;
        SynthSpan {
            trace_id: 1,
            span_id: id,
            parent_span_id: parent,
            service: if parent.is_none() { "edge" } else { "api" },
            name: format!("op{id}"),
            kind,
            start_ns: base + id * 1_000,
            end_ns: base + 1_000_000,
            error: None,
            attributes,
        }
    }

    fn failures(spans: &[SynthSpan], format: crate::import::Format) -> (Vec<bool>, bool) {
        let mut set = TraceSet::new();
        crate::import::import_file(&mut set, "test", &encode(spans, format)).unwrap();
        let index = TraceIndex::build(&set);
        let entries: Vec<Option<u32>> = index
            .traces
            .iter()
            .map(|trace| super::super::groups::entry_server_span(&set, &index, index.spans_of(trace)))
            .collect();
        let failures = Failures::of(&set, &index, &entries);
        let mut by_id: Vec<(u64, bool)> = set
            .spans
            .iter()
            .enumerate()
            .map(|(i, s)| (s.span_id.get(), failures.span(i as u32)))
            .collect();
        by_id.sort_unstable();
        (by_id.into_iter().map(|(_, f)| f).collect(), failures.request(0))
    }

    #[test]
    fn an_unset_server_span_answering_5xx_failed_a_client_or_4xx_did_not() {
        let code = |c: i64| vec![("http.response.status_code", SynthValue::Int(c))];
        let old_text = |c: &str| vec![("http.status_code", SynthValue::Str(c.to_owned()))];
        let spans = vec![
            span(1, None, SpanKind::Server, code(503)),
            span(2, Some(1), SpanKind::Server, old_text("500")),
            span(3, Some(1), SpanKind::Client, code(500)),
            span(4, Some(1), SpanKind::Server, code(404)),
            span(5, Some(1), SpanKind::Server, old_text("oops")),
        ];
        for format in [crate::import::Format::OtlpJson, crate::import::Format::JaegerJson] {
            let (spans, request) = failures(&spans, format);
            assert_eq!(spans, [true, true, false, false, false], "{format:?}");
            assert!(request, "the entry span answered 503");
        }
    }

    #[test]
    fn an_error_status_fails_a_span_but_only_the_entry_span_fails_the_request() {
        let mut spans = vec![
            span(1, None, SpanKind::Server, Vec::new()),
            span(2, Some(1), SpanKind::Client, Vec::new()),
        ];
        spans[1].error = Some("timeout".to_owned());
        let (failed, request) = failures(&spans, crate::import::Format::OtlpJson);
        assert_eq!(failed, [false, true]);
        assert!(!request, "the request recovered");
    }
}
