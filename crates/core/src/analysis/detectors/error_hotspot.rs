//! Error hotspots, with their root cause.
//!
//! **What it detects.** Where errors start: the deepest failing span of each
//! failure (a failing span none of whose children failed), as opposed to the
//! spans that only fail because a call under them did. Reported per endpoint
//! and operation with the count, the share of requests it failed, how far the
//! error climbs, and the most common exception types and messages.
//!
//! **Why it matters.** A failed request usually shows errors on five spans in
//! three services, and dashboards count all of them; the team needs the one
//! place to fix, and whether its failures reach the user.
//!
//! **Rule.** Failing spans (status error) with no failing child are origins.
//! Origins are grouped by endpoint, service and operation; a group with at
//! least `min_errors` origins (default 3) is a hotspot. Exception types come
//! from `exception` events (`exception.type`), else the `error.type`
//! attribute; messages from `exception.message`, else the status message.
//! Severity: critical when the origin fails 10% or more of the endpoint's
//! requests, warning from 1%, info below.
//!
//! **Example.** Errors in `POST /api/checkout` start at `POST /v1/charges` in
//! `payment`: 8 of 53 requests (15%) and 8 of its 53 calls failed there, and
//! each error climbed 5 spans up to `frontend`; CardDeclined ×8, "card declined" ×8.

use super::{Context, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::{Span, StatusCode};
use crate::time::DurationNs;
use std::collections::{BTreeMap, HashMap};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::ErrorHotspot;

/// Thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Errors starting at one operation from which it is reported.
    pub min_errors: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config { min_errors: 3 }
    }
}

/// One failure's origin and how far it climbed.
struct Origin {
    trace: usize,
    span: u32,
    /// Failing ancestors directly above it.
    propagated: u32,
    /// The service of the highest of them (or of the origin itself).
    top_service: Sym,
}

/// One finding per endpoint and operation where errors start.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let (set, index) = (context.set, context.index);
    let mut groups: HashMap<(Option<&str>, Sym, Sym), Vec<Origin>> = HashMap::new();
    for (t, trace) in index.traces.iter().enumerate() {
        if trace.error_count == 0 {
            continue;
        }
        for &i in index.spans_of(trace) {
            let span = &set.spans[i as usize];
            let failed = |s: u32| set.spans.get(s as usize).is_some_and(|s| s.status == StatusCode::Error);
            if span.status != StatusCode::Error || index.children_of(i).iter().any(|&c| failed(c)) {
                continue;
            }
            let (mut propagated, mut top_service, mut at) = (0u32, span.service, i);
            // Bounded by the trace's size, so a parent cycle in bad data cannot loop.
            while let Some(parent) = index.parent.get(at as usize).copied().flatten() {
                if !failed(parent) || propagated as usize >= index.spans_of(trace).len() {
                    break;
                }
                propagated += 1;
                top_service = set.spans[parent as usize].service;
                at = parent;
            }
            let endpoint = context.endpoints.get(t).and_then(|e| e.as_deref());
            groups
                .entry((endpoint, span.service, span.name))
                .or_default()
                .push(Origin {
                    trace: t,
                    span: i,
                    propagated,
                    top_service,
                });
        }
    }
    let requests_by_endpoint = context.traces_by_endpoint();
    groups
        .into_iter()
        .filter(|(_, origins)| origins.len() >= config.min_errors.max(1))
        .map(|((endpoint, service, name), origins)| {
            let traces: &[usize] = endpoint
                .and_then(|e| requests_by_endpoint.get(e))
                .map_or(&[], |v| v.as_slice());
            finding(context, endpoint, service, name, &origins, traces)
        })
        .collect()
}

fn finding(
    context: &Context<'_>,
    endpoint: Option<&str>,
    service: Sym,
    name: Sym,
    origins: &[Origin],
    endpoint_traces: &[usize],
) -> Finding {
    let (set, index) = (context.set, context.index);
    let mut failed_traces: Vec<usize> = origins.iter().map(|o| o.trace).collect();
    failed_traces.sort_unstable();
    failed_traces.dedup();
    // Calls of the operation in the endpoint's requests (or, without an endpoint, in the failed traces).
    let scope = if endpoint_traces.is_empty() {
        &failed_traces[..]
    } else {
        endpoint_traces
    };
    let calls = scope
        .iter()
        .filter_map(|&t| index.traces.get(t))
        .flat_map(|trace| index.spans_of(trace))
        .filter(|&&i| set.spans[i as usize].service == service && set.spans[i as usize].name == name)
        .count()
        .max(origins.len());
    let request_share = failed_traces.len() as f64 / scope.len().max(1) as f64;
    let severity = if request_share >= 0.1 {
        Severity::Critical
    } else if request_share >= 0.01 {
        Severity::Warning
    } else {
        Severity::Info
    };
    let spans: Vec<&Span> = origins.iter().map(|o| &set.spans[o.span as usize]).collect();
    let time: u64 = failed_traces
        .iter()
        .map(|&t| context.request_durations.get(t).map_or(0, |d| d.0))
        .sum();
    let propagated = super::median(origins.iter().map(|o| o.propagated as usize).collect());
    let top_service = most_common(origins.iter().map(|o| set.str(o.top_service)));
    let climb = if propagated == 0 {
        "no span above it failed".to_owned()
    } else {
        format!(
            "each error climbed {propagated} span{} up to `{}`",
            if propagated == 1 { "" } else { "s" },
            super::shown(&top_service.unwrap_or_default())
        )
    };
    let causes = top_causes(context, &spans);
    let (service, name) = (set.str(service), set.str(name));
    let place = match endpoint {
        Some(endpoint) => format!("Errors in `{}` start", super::shown(endpoint)),
        None => "Errors start".to_owned(),
    };
    let evidence = origins.iter().take(3).map(|o| context.span_evidence(o.span)).collect();
    Finding {
        detector: NAME,
        severity,
        impact: Impact {
            requests: failed_traces.len() as u64,
            failed_requests: failed_traces.len() as u64,
            of_requests: scope.len() as u64,
            request_time_share: request_share,
            time: DurationNs(time),
        },
        subject: Subject {
            endpoint: endpoint.map(str::to_owned),
            service: service.to_owned(),
            operation: name.to_owned(),
        },
        explanation: format!(
            "{place} at `{}` in `{}`: {} of {} requests ({:.0}%) and {} of its {calls} calls failed there, and {climb}{causes}",
            super::shown(name),
            super::shown(service),
            failed_traces.len(),
            scope.len(),
            request_share * 100.0,
            origins.len(),
        ),
        evidence,
    }
}

/// "; CardDeclined ×8, "card declined" ×8": the three most common exception
/// types and messages, or nothing when the spans carry neither.
fn top_causes(context: &Context<'_>, spans: &[&Span]) -> String {
    let set = context.set;
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    let mut messages: BTreeMap<&str, usize> = BTreeMap::new();
    for span in spans {
        let exception = set
            .events_of(span)
            .iter()
            .find(|e| set.str(e.name) == "exception")
            .map(|e| e.attributes);
        let kind = exception
            .and_then(|a| set.str_attribute_in(a, "exception.type"))
            .or_else(|| set.str_attribute(span, "error.type"));
        let message = exception
            .and_then(|a| set.str_attribute_in(a, "exception.message"))
            .or_else(|| span.status_message.map(|m| set.str(m)));
        if let Some(kind) = kind.filter(|k| !k.is_empty()) {
            *types.entry(kind).or_default() += 1;
        }
        if let Some(message) = message.filter(|m| !m.is_empty()) {
            *messages.entry(message).or_default() += 1;
        }
    }
    let top = |counts: BTreeMap<&str, usize>, quote: bool| -> Vec<String> {
        let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        counts
            .into_iter()
            .take(3)
            .map(|(text, n)| {
                let text: String = super::shown(text).chars().take(80).collect();
                if quote {
                    format!("\"{text}\" ×{n}")
                } else {
                    format!("{text} ×{n}")
                }
            })
            .collect()
    };
    let causes: Vec<String> = top(types, false).into_iter().chain(top(messages, true)).collect();
    if causes.is_empty() {
        String::new()
    } else {
        format!("; {}", causes.join(", "))
    }
}

/// The most frequent text, ties broken alphabetically.
fn most_common<'a>(texts: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for text in texts {
        *counts.entry(text).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(text, _)| text.to_owned())
}
