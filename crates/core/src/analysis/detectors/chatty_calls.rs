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
//! 30% of request time, warning from 10%, info below. One finding per
//! endpoint: the costliest chatty call, naming the others.
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
pub const NAME: super::Detector = super::Detector::ChattyCalls;

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
            if span.kind == SpanKind::Client && !context.database.is_call(i) {
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
    let findings = by_subject
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
        .collect();
    one_per_endpoint(findings)
}

/// Keeps the costliest chatty call of each endpoint as its finding and names
/// the others in it: a long session trace can repeat a dozen calls, and a
/// dozen findings about one request bury everything else.
fn one_per_endpoint(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        b.impact
            .time
            .cmp(&a.impact.time)
            .then_with(|| a.explanation.cmp(&b.explanation))
    });
    let mut kept: Vec<(Finding, Vec<String>)> = Vec::new();
    for finding in findings {
        match kept
            .iter_mut()
            .find(|(k, _)| k.subject.endpoint == finding.subject.endpoint)
        {
            Some((first, others)) => {
                others.push(format!(
                    "`{}` from `{}`",
                    super::shown(&finding.subject.operation),
                    super::shown(&finding.subject.service)
                ));
                first.severity = first.severity.max(finding.severity);
                first.impact.time = DurationNs(first.impact.time.0.saturating_add(finding.impact.time.0));
                first.impact.requests = first.impact.requests.max(finding.impact.requests);
            }
            None => kept.push((finding, Vec::new())),
        }
    }
    kept.into_iter()
        .map(|(mut finding, others)| {
            if !others.is_empty() {
                let shown: Vec<&str> = others.iter().take(3).map(String::as_str).collect();
                let more = others.len().saturating_sub(shown.len());
                finding.explanation.push_str(&format!(
                    "; {} other call{} also repeated: {}{}",
                    others.len(),
                    if others.len() == 1 { " is" } else { "s are" },
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ));
            }
            finding
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
            ..Default::default()
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
