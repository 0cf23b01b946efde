//! Chatty calls.
//!
//! **What it detects.** The same remote call (a CLIENT span of one service
//! with one operation name) made many times within one request, whether from
//! one loop or from all over the request's code.
//!
//! **Why it matters.** Every remote call pays network latency, serialisation
//! and load on the callee; many small calls where one batched call would do
//! make a request slow and fragile (any one of them failing fails it), and the
//! callee busier than it needs to be.
//!
//! **Rule.** Per trace, CLIENT spans that are not database calls (those are
//! [`super::n_plus_one`]'s) are counted by calling service and span name. A
//! call made at least `min_calls` times (default 10) in a request is an
//! occurrence. Occurrences are reported per endpoint, service and call, with
//! the median calls per affected request and the share of those requests' time
//! the calls took (overlapping calls counted in full). Severity: critical from
//! 30% of request time, warning from 10%, info below.
//!
//! **Example.** `HTTP GET` from `frontend` is called 11 times per
//! `GET /dispatch` request (median of 1 requests), 78% of their time (the
//! HotROD capture in `tests/fixtures`).

use super::{Context, Evidence, Finding, Impact, Subject};
use crate::intern::Sym;
use crate::model::SpanKind;
use crate::time::DurationNs;
use std::collections::HashMap;

/// The detector's name in findings.
pub const NAME: &str = "chatty_calls";

/// Thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Calls within one request from which a call counts as chatty.
    pub min_calls: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config { min_calls: 10 }
    }
}

/// One request's repeated call.
struct Occurrence {
    trace: u32,
    spans: Vec<u32>,
    time: u64,
}

/// The findings, one per endpoint, service and call.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let (set, index) = (context.set, context.index);
    let mut by_subject: HashMap<(Option<&str>, Sym, Sym), Vec<Occurrence>> = HashMap::new();
    let mut calls: HashMap<(Sym, Sym), Vec<u32>> = HashMap::new();
    for (t, trace) in index.traces.iter().enumerate() {
        calls.clear();
        for &i in index.spans_of(trace) {
            let span = &set.spans[i as usize];
            let is_database = context.text_attribute(span, &["db.system.name", "db.system"]).is_some();
            if span.kind == SpanKind::Client && !is_database {
                calls.entry((span.service, span.name)).or_default().push(i);
            }
        }
        let endpoint = context.endpoints.get(t).and_then(|e| e.as_deref());
        for ((service, name), spans) in calls.drain() {
            if spans.len() >= config.min_calls.max(2) {
                let time = spans.iter().map(|&s| set.spans[s as usize].duration.0).sum();
                by_subject
                    .entry((endpoint, service, name))
                    .or_default()
                    .push(Occurrence {
                        trace: t as u32,
                        spans,
                        time,
                    });
            }
        }
    }
    by_subject
        .into_iter()
        .map(|((endpoint, service, name), occurrences)| {
            finding(
                context,
                endpoint,
                context.set.str(service),
                context.set.str(name),
                &occurrences,
            )
        })
        .collect()
}

fn finding(
    context: &Context<'_>,
    endpoint: Option<&str>,
    service: &str,
    call: &str,
    occurrences: &[Occurrence],
) -> Finding {
    let median = super::median(occurrences.iter().map(|o| o.spans.len()).collect());
    let time: u64 = occurrences.iter().map(|o| o.time).sum();
    let request_time: u64 = occurrences
        .iter()
        .map(|o| context.request_durations.get(o.trace as usize).map_or(0, |d| d.0))
        .sum();
    let (share, severity) = super::share_and_severity(time, request_time);
    let place = super::per_request(endpoint);
    let mut examples: Vec<&Occurrence> = occurrences.iter().collect();
    examples.sort_by_key(|o| std::cmp::Reverse(o.spans.len()));
    let spans = &context.set.spans;
    let evidence = examples
        .iter()
        .take(3)
        .map(|o| Evidence {
            trace_id: context
                .index
                .traces
                .get(o.trace as usize)
                .map_or(crate::ids::TraceId(0), |t| t.trace_id),
            span_ids: o.spans.iter().take(6).map(|&s| spans[s as usize].span_id).collect(),
        })
        .collect();
    Finding {
        detector: NAME,
        severity,
        impact: Impact {
            requests: occurrences.len() as u64,
            request_time_share: share,
            time: DurationNs(time),
        },
        subject: Subject {
            endpoint: endpoint.map(str::to_owned),
            service: service.to_owned(),
            operation: call.to_owned(),
        },
        explanation: format!(
            "`{}` from `{}` is called {median} times {place} (median of {} requests), {:.0}% of their time",
            super::shown(call),
            super::shown(service),
            occurrences.len(),
            share * 100.0
        ),
        evidence,
    }
}
