//! Unexplained time.
//!
//! **What it detects.** A span that spends a long stretch with no child span
//! running: a server that waits 15 s and answers with a timeout, a handler
//! whose slow work nobody instrumented, a call to something that is not
//! traced.
//!
//! **Why it matters.** The trace cannot say what happened in that stretch, yet
//! it delays the response. Usually it is a timeout (the length is often a
//! round number of seconds), a lock or a sleep, or code worth a span.
//!
//! **Rule.** Only spans inside the request count: when the trace has an entry
//! span (the endpoint's SERVER span), the entry and the spans below it that
//! started before it answered ([`super::calls`]'s unit of work), so a test
//! runner's keywords around a backend request are not that request's time.
//! Inside a session, each unit of work (a message handler, a request) is a
//! request measured on its own critical path ([`super::session_units`]); a
//! stretch its service's other spans explain ([`super::own_time_cause`]:
//! queued behind another handler, work traced elsewhere, a logged wait) is
//! left to the findings that say so, and an operation needs stretches in
//! two runs at least (Kafka's `on-message`: 152–213 ms before its first
//! child in 3 of the 6 messages `servicea` handled).
//! A span named as a deliberate wait (the words `sleep`, `wait`, `waiting`, `delay` or
//! `backoff`, e.g. `Sleep ${wait}`, `Thread.sleep`, `time.sleep`) explains its
//! own time and is skipped. For each other span that is not a call out (kind
//! CLIENT or PRODUCER, or a database call: their time is the callee's), the
//! longest stretch of its
//! own duration that no child covers (for a span with no child, that no
//! concurrent sibling covers: the parent was busy with the sibling, so the
//! time is explained from its point of view). A stretch is a hit for the
//! span's operation (service and name) when its time on the critical path
//! (the span's own time on it, at most the stretch) is at least
//! `min_request_share` (default 20%) of its request's duration (the entry
//! span's, else the root's) and it lasts at least `min_gap` (default 1 s) in
//! a span with no child, or `min_gap_with_children` (default 100 ms) in a
//! span with children: a leaf's shorter own work is the bottleneck's to
//! tell, while dark time between traced children is what this detector is
//! for (a 352 ms upload with 304 ms of nothing traced between its queries;
//! SmartThings' install page, 140–195 ms after its last call returned, 31–43%
//! of each run). An operation with hits in at least `min_trace_share` of the traces
//! it appears in (default half) and in at least `min_requests` of them
//! (default 3), or in all of them when it appears in fewer, gets one finding:
//! one trace is enough. A span alone in its request (a trace of one span)
//! is never a hit: it is the whole request, with nothing traced around it
//! for time to be missing from (the OTLP example's one 1 s server span). The
//! sentence guesses a timeout when the stretch is a round number of seconds.
//! Severity follows from cost: the stretch's time on the
//! critical path, summed over the requests, against their duration. A
//! bottleneck on the same operation is the same cause and is folded into it
//! ([`super::consolidate`]).
//!
//! **Example.** `POST /api/checkout` in `frontend` runs 15.0s with no child span in its one
//! request (n=1), 99% of the critical path of `POST /api/checkout`: a
//! timeout of 15 s?

use super::{Context, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::SpanKind;
use crate::time::{DurationNs, sum_ns};
use std::collections::HashMap;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::UninstrumentedTime;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The shortest stretch worth naming in a span with no child.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_gap: DurationNs,
    /// The shortest stretch worth naming in a span with children (between
    /// them, before the first or after the last).
    #[serde(serialize_with = "crate::time::as_written", alias = "min_dominant_gap")]
    pub min_gap_with_children: DurationNs,
    /// Share of its request's duration the stretch must hold on the
    /// critical path, however long it is (one share: a stretch under 1 s
    /// needed the same fifth as a longer one once `dominant_request_share`
    /// was lowered to it, so that setting is gone).
    pub min_request_share: f64,
    /// Share of the operation's traces that must show it.
    pub min_trace_share: f64,
    /// Traces that must show it, when the operation appears in more.
    pub min_requests: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_gap: DurationNs(1_000_000_000),
            min_gap_with_children: DurationNs(100_000_000),
            min_request_share: 0.2,
            min_trace_share: 0.5,
            min_requests: 3,
        }
    }
}

/// One span's unexplained stretch.
struct Hit {
    span: u32,
    /// The request it is in: a trace's request, or a unit of work inside a
    /// session ([`Request::key`]).
    request: u32,
    trace: u32,
    /// That request's duration (a session unit's: its critical path).
    request_time: u64,
    gap: u64,
    /// Of the stretch, the time on the critical path (at most the span's own time on it).
    on_path: u64,
    leaf: bool,
    /// Whether the stretch ends the span: after its last child ended.
    at_end: bool,
}

/// A span of a request, as this detector reads it.
struct InRequest {
    span: u32,
    /// Which request: the trace's index for a request-shaped trace; past the
    /// traces, the unit's index for a unit of work inside a session.
    key: u32,
    trace: u32,
    /// The request's duration, the critical path's length its stretches are
    /// measured against.
    request_time: u64,
    /// The span's own time on that request's critical path.
    on_path: u64,
}

/// Every span inside a request: in request-shaped traces, the entry's own
/// unit of work (spans around it are not its time); inside sessions, each
/// unit of work (a message handler, a request) measured on its own critical
/// path, as the bottleneck detector does. A session as a whole is long by
/// design: its length is no wait, but a handler's is (Kafka's `on-message`
/// spends 152–213 ms of each message before its first child).
fn in_requests<'c>(context: &'c Context<'c>) -> impl Iterator<Item = InRequest> + 'c {
    let units = context.units();
    let traces = context.index.traces.len() as u32;
    let requests = context
        .index
        .traces
        .iter()
        .enumerate()
        .filter(|(_, trace)| trace.shape == crate::index::TraceShape::Request)
        .flat_map(move |(t, trace)| {
            let entry = context.entries.get(t).copied().flatten();
            let request_time = context.request_durations.get(t).map_or(0, |d| d.0);
            context
                .index
                .spans_of(trace)
                .iter()
                .filter(move |&&i| entry.is_none_or(|entry| units.unit(i) == Some(entry)))
                .map(move |&i| InRequest {
                    span: i,
                    key: t as u32,
                    trace: t as u32,
                    request_time,
                    on_path: context.on_path.get(i as usize).map_or(0, |d| d.0),
                })
        });
    let sessions = context.session_units();
    let in_sessions = sessions.units.iter().zip(traces..).flat_map(move |(unit, key)| {
        let trace = unit.trace as u32;
        sessions.spans(unit).iter().map(move |&i| InRequest {
            span: i,
            key,
            trace,
            request_time: unit.path_total,
            on_path: sessions.on_path(i),
        })
    });
    requests.chain(in_sessions)
}

/// One finding per operation whose spans wait unexplained in most of its traces.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let set = context.set;
    let traces = context.index.traces.len() as u32;
    let mut hits: HashMap<(Sym, Sym), Vec<Hit>> = HashMap::new();
    for InRequest {
        span: i,
        key,
        trace,
        request_time: request,
        on_path: own_on_path,
    } in in_requests(context)
    {
        // A span's longest stretch without a child is at most its self time:
        // most spans are ruled out by one read, before any text is looked at.
        let shortest = config.min_gap.min(config.min_gap_with_children).0;
        if context.self_times.get(i as usize).map_or(0, |d| d.0) < shortest {
            continue;
        }
        let Some(span) = set.spans.get(i as usize) else {
            continue;
        };
        let calls_out = matches!(span.kind, SpanKind::Client | SpanKind::Producer) || context.database.is_call(i);
        if calls_out || span.start.0 == 0 || is_deliberate_wait(set.str(span.name)) {
            continue;
        }
        let (gap, leaf, at_end) = longest_gap(context, i);
        // Only a wait the response waited for: async work after it delays no one.
        let held = own_on_path.min(gap) as f64;
        // A leaf's own work is told by the bottleneck unless it is long; a
        // span with children that is dark between them is what this
        // detector is for.
        let shortest = if leaf {
            config.min_gap
        } else {
            config.min_gap_with_children
        };
        if gap < shortest.0 || held < config.min_request_share * request as f64 {
            continue;
        }
        // Inside a session, a handler's dark start is often its service's
        // doing (queued behind another handler, its work traced elsewhere, a
        // wait it logged): the findings that say so tell it. In any request,
        // a call of its process parented above it is no dark time: the
        // bottleneck says whose call it is.
        match super::own_time_cause::of(context, i) {
            Some(super::own_time_cause::Cause::CallAbove { .. }) => continue,
            Some(_) if key >= traces => continue,
            _ => {}
        }
        hits.entry((span.service, span.name)).or_default().push(Hit {
            span: i,
            request: key,
            trace,
            request_time: request,
            gap,
            on_path: own_on_path.min(gap),
            leaf,
            at_end,
        });
    }
    // Requests each operation with a hit appears in, counted once per
    // request, and the spans of each request (a second pass, only when
    // something was found).
    let mut appears: HashMap<(Sym, Sym), (u32, usize)> = HashMap::new();
    let mut spans_in: HashMap<u32, usize> = HashMap::new();
    if !hits.is_empty() {
        for InRequest { span: i, key, .. } in in_requests(context) {
            *spans_in.entry(key).or_default() += 1;
            let Some(span) = set.spans.get(i as usize) else {
                continue;
            };
            if let Some(seen) = hits
                .contains_key(&(span.service, span.name))
                .then(|| appears.entry((span.service, span.name)).or_insert((u32::MAX, 0)))
                && seen.0 != key
            {
                *seen = (key, seen.1 + 1);
            }
        }
    }
    let mut findings = Vec::new();
    for (operation, mut hits) in hits {
        // A span alone in its request (the OTLP example's one 1 s server
        // span) is the whole request: nothing was traced around it for its
        // time to be missing from, and its length is the slow endpoint's to
        // judge. Leaves beside other spans stay (the OTel demo's frontend,
        // 15 s under the proxy that gave up on it).
        hits.retain(|h| !h.leaf || spans_in.get(&h.request).copied().unwrap_or(0) > 1);
        if hits.is_empty() {
            continue;
        }
        // One hit per request: its longest stretch.
        hits.sort_by_key(|h| (h.request, std::cmp::Reverse(h.gap)));
        hits.dedup_by_key(|h| h.request);
        let requests = appears.get(&operation).map_or(hits.len(), |a| a.1);
        // A handler's one dark run in a session is one sample among the
        // session's many units (SmartThings' 108 ms `authorize/confirm`, an
        // orphaned 2.6 s send): a pattern needs a second run.
        let in_sessions = hits.iter().all(|h| h.request >= traces);
        let enough = (hits.len() >= config.min_requests.max(1) || hits.len() == requests)
            && hits.len() as f64 >= config.min_trace_share * requests as f64
            && (!in_sessions || hits.len() >= SESSION_MIN_RUNS);
        if enough {
            findings.push(finding(context, operation, hits, requests));
        }
    }
    findings
}

/// The longest stretch of span `i` no child covers (children clipped to the
/// span), whether it has no child at all, and whether that stretch ends the
/// span (the work after its last child returned).
///
/// A span with no child is covered by its concurrent siblings instead: from
/// its parent's point of view, time another child was running is explained
/// (the GenAI capture's childless `graphql.execution` runs beside the agent
/// call that does the work; its 43 s are not missing spans of its own).
fn longest_gap(context: &Context<'_>, i: u32) -> (u64, bool, bool) {
    let set = context.set;
    let Some(span) = set.spans.get(i as usize) else {
        return (0, true, false);
    };
    let (start, end) = (span.start.0, span.end().0);
    let children = context.index.children_of(i);
    let leaf = children.is_empty();
    let cover = if leaf {
        context
            .index
            .parent
            .get(i as usize)
            .copied()
            .flatten()
            .map_or(&[][..], |parent| context.index.children_of(parent))
    } else {
        children
    };
    let (mut reach, mut longest) = (start, 0u64);
    // Children come in start order, so one sweep finds the gaps between them.
    for &child in cover.iter().filter(|&&c| c != i) {
        let Some(child) = set.spans.get(child as usize) else {
            continue;
        };
        // A child begun after the span ended (work it handed off, a later
        // unit of a session parented to it) covers none of it.
        if child.start.0 == 0 || child.start.0 >= end {
            continue;
        }
        let (child_start, child_end) = (child.start.0.clamp(start, end), child.end().0.clamp(start, end));
        longest = longest.max(child_start.saturating_sub(reach));
        reach = reach.max(child_end);
    }
    let tail = end.saturating_sub(reach);
    (longest.max(tail), leaf, !leaf && tail > 0 && tail >= longest)
}

fn finding(context: &Context<'_>, (service, name): (Sym, Sym), mut hits: Vec<Hit>, traces: usize) -> Finding {
    let set = context.set;
    let (service, name) = (set.str(service), set.str(name));
    let time = sum_ns(hits.iter().map(|h| h.on_path));
    let request_time = sum_ns(hits.iter().map(|h| h.request_time));
    // Units of work inside sessions are runs of a handler, not requests.
    let in_sessions = hits.iter().all(|h| h.request >= context.index.traces.len() as u32);
    let noun = if in_sessions { "runs" } else { "requests" };
    // A request's critical path runs from its start to its answer: its duration.
    let path_total = request_time;
    hits.sort_by_key(|h| std::cmp::Reverse(h.gap));
    let gap = DurationNs(super::median(hits.iter().map(|h| h.gap).collect()));
    let leaves = hits.iter().filter(|h| h.leaf).count();
    let endpoint = hits
        .first()
        .and_then(|h| context.endpoints.get(h.trace as usize))
        .cloned()
        .flatten();
    let how = if leaves == hits.len() {
        "with no child span"
    } else if hits.iter().all(|h| h.at_end) {
        "after its last child span ended, with no span running"
    } else {
        "without any child span running"
    };
    // A median of two or three says less than the values: "244ms–304ms".
    let few = hits.len() <= 3;
    let stretch = if few {
        super::duration_range(hits.iter().map(|h| h.gap))
    } else {
        // The median belongs to the time, not to the requests it is read in.
        format!("{gap} (median)")
    };
    let in_requests = if hits.len() == 1 && traces == 1 {
        format!("in its one {} (n=1)", noun.trim_end_matches('s'))
    } else {
        format!("in {} of the {traces} {noun} it appears in", hits.len())
    };
    let path_share = if path_total == 0 {
        String::new()
    } else {
        let of = match endpoint.as_deref() {
            Some(e) => format!(" of `{}`", super::shown(e)),
            None if in_sessions && hits.len() == 1 => " of that run".to_owned(),
            None if in_sessions => " of those runs".to_owned(),
            None => String::new(),
        };
        format!(
            ", {:.0}% of the critical path{of}",
            time as f64 / path_total as f64 * 100.0
        )
    };
    Finding {
        detector: NAME,
        severity: Severity::Warning,
        impact: Impact {
            requests: hits.len() as u64,
            traces: Some(super::distinct(hits.iter().map(|h| h.trace))),
            of_requests: traces as u64,
            request_time_share: super::time_share(time, request_time),
            time: DurationNs(time),
            ..Default::default()
        },
        subject: Subject {
            endpoint,
            service: service.to_owned(),
            operation: name.to_owned(),
            route: None,
            scope: None,
        },
        explanation: format!(
            "`{}` in `{}` spends {stretch} {how} {in_requests}{path_share}{}",
            super::shown(&super::operation_of(set, hits.iter().map(|h| h.span))),
            super::shown(service),
            round_seconds(gap).map_or_else(String::new, |s| format!(": a timeout of {s} s?")),
        ),
        evidence: hits.iter().take(3).map(|h| context.span_evidence(h.span)).collect(),
    }
}

/// Words that name a deliberate wait, matched whole and in any case
/// (`waiting:initialize`, a countdown in the async capture, is one).
const WAIT_WORDS: [&str; 6] = ["sleep", "sleeping", "wait", "waiting", "delay", "backoff"];

/// Runs of a handler inside sessions that must show a stretch.
const SESSION_MIN_RUNS: usize = 2;

/// Whether a span's name says it waits on purpose (`Sleep ${wait}`,
/// `Thread.sleep`, `retry backoff`): its time is explained by its name.
/// Words are runs of letters, so `waitress` or `delayed_job` do not count.
fn is_deliberate_wait(name: &str) -> bool {
    name.split(|c: char| !c.is_alphabetic())
        .any(|word| WAIT_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w)))
}

/// The length a timeout is usually configured to that `gap` is within 1% of:
/// 1 to 5 seconds, or a multiple of 5 (10, 15, 30, 60, ...). A whole number
/// of seconds alone is no sign: above 50 s every gap is within 1% of one, and
/// nobody configures 38 s (the GenAI trace's 37.954 s stretch).
fn round_seconds(gap: DurationNs) -> Option<u64> {
    let seconds = (gap.0 as f64 / 1e9).round();
    let usual = seconds <= 5.0 || seconds % 5.0 == 0.0;
    (seconds >= 1.0 && usual && (gap.0 as f64 - seconds * 1e9).abs() <= 0.01 * seconds * 1e9).then_some(seconds as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_usual_timeout_length_is_guessed() {
        let at = |s: f64| round_seconds(DurationNs((s * 1e9) as u64));
        assert_eq!(at(15.02), Some(15));
        assert_eq!(at(2.99), Some(3));
        assert_eq!(at(60.3), Some(60));
        assert_eq!(at(37.954), None);
        assert_eq!(at(43.0), None);
        assert_eq!(at(14.5), None);
        assert_eq!(at(0.4), None);
    }

    #[test]
    fn deliberate_waits_are_told_by_whole_words() {
        for name in [
            "Sleep ${wait}",
            "time.sleep",
            "Thread.sleep",
            "WAIT",
            "retry backoff",
            "delay(5s)",
            "waiting:initialize",
        ] {
            assert!(is_deliberate_wait(name), "{name}");
        }
        for name in ["POST", "waitress", "delayed_job", "sleeper cell", "GET /backoffice"] {
            assert!(!is_deliberate_wait(name), "{name}");
        }
    }
}
