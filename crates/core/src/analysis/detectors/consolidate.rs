//! One finding per root cause: findings that different detectors (or one
//! detector at several endpoints) make about the same cause are merged before
//! severities are judged and findings ranked.
//!
//! - **A bottleneck seen from several endpoints** is one finding about the
//!   operation: its subject is the endpoint where it costs most, its sentence
//!   names the others, its evidence holds traces of every endpoint affected and
//!   its impact adds theirs up; it is named by all of them ("`X` in `svc`
//!   under `GET /a` and 2 other endpoints", [`super::Subject::scope`]), as
//!   a repeated call seen from several units of work is.
//! - **A slow endpoint whose critical path a bottleneck holds** is that
//!   bottleneck: the endpoint's slowness against its peers is added to the
//!   bottleneck's sentence, and the slow endpoint finding is dropped.
//!
//! - **A bottleneck whose time is a stretch no child span explains** is that
//!   unexplained time: the uninstrumented-time finding on the same operation
//!   and endpoint says more (what the time is not), so the bottleneck is
//!   dropped.
//!
//! - **A bottleneck on one of a repeated call's calls** is that repeated
//!   call: when each of its example spans is a call the N+1 or chatty-calls
//!   finding counts (the same service and callee or statement, in the same
//!   unit of work), the one call on the path is the last of the many (one of
//!   52 device fetches of one page, waiting in the same queue as the other
//!   51), and the repeated call's finding, which measures them all, speaks.
//!   The bottleneck is dropped; a slow endpoint folded into it moves along.
//!
//! - **Calls that wait in front of their callee, told twice**: a chatty
//!   call whose sentence already says its callee's span began long after
//!   each call (SmartThings' 52 device fetches, a median 89.6 ms in front of
//!   `platformapi`) is what a call-overhead finding on the same calls (the
//!   same caller service, callee and unit of work) would say again: that
//!   finding is dropped.
//!
//! - **An N+1 query or chatty call seen from several units of work** (the
//!   same statement in the same service under two endpoints, or under an
//!   endpoint and a handler outside it; for chatty calls, the same callee)
//!   is one code path: the finding where it holds most of its unit's time
//!   speaks, its sentence adds "also in `X` (n=…)" for the others, their
//!   evidence joins and impacts add up (the time share weighted by requests).
//!
//! - **An error whose origin waited on a span with no child**: when the
//!   error's evidence spans (in the same trace) are the unexplained span or
//!   its ancestors, the wait is why it failed (the OTel demo's proxy answers
//!   504 after 15 s on a frontend `POST` that has no child span): the error's
//!   sentence says the awaited span had no child span for that time, its
//!   span joins the evidence, and the uninstrumented-time finding is dropped.
//!
//! - **Retried calls that still failed, and the tail they make**: the retries
//!   finding on a call (service and operation, in one endpoint's requests)
//!   speaks for the error incident that starts at the same call when every
//!   request that incident failed is one that retried and gave up (its
//!   failed requests are at most the retries' and its example origins are
//!   attempts of a repeated call), and for the long tail of that operation
//!   (or of its endpoint) whose slowest spans are failed attempts (or whose
//!   slowest requests hold one). A cache timing out is one cause, told once:
//!   how often it failed and was retried, how many requests gave up, how far
//!   the error climbed and when, and the tail it makes. Its severity is the
//!   higher of the retries' rule and what the failed requests earn by the
//!   severity rules (a rate of failures is critical whichever detector tells it).
//!
//! (A long tail on an endpoint and the operation that makes it are merged by
//! [`super::long_tail`] itself, which knows which spans make which tail.)

use super::{Context, Detector, Finding, Impact, SeverityRules, counted};
use crate::ids::{SpanId, TraceId};
use crate::time::DurationNs;
use std::collections::BTreeMap;

/// At most this many endpoints named in a merged sentence; the rest are counted.
const NAMED_ENDPOINTS: usize = 3;

/// `findings` with those about one cause merged.
pub fn consolidate(context: &Context<'_>, rules: &SeverityRules, findings: Vec<Finding>) -> Vec<Finding> {
    // Slow endpoints first, while each bottleneck still names one endpoint.
    let findings = fold_slow_endpoints_into_their_bottleneck(findings);
    let findings = drop_bottlenecks_of_unexplained_time(findings);
    let findings = drop_bottlenecks_on_repeated_calls(context, findings);
    let findings = drop_overheads_told_as_chatty(context, findings);
    let findings = fold_unexplained_waits_into_their_error(context, findings);
    let findings = fold_failures_and_tails_into_their_retries(context, rules, findings);
    let findings = merge_repeats_across_units(findings);
    merge_bottlenecks_across_endpoints(findings)
}

/// One N+1 finding per (service, statement) and one chatty-calls finding per
/// (service, callee), whichever units of work show it.
fn merge_repeats_across_units(findings: Vec<Finding>) -> Vec<Finding> {
    let (repeats, mut rest): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| matches!(f.detector, Detector::NPlusOneQueries | Detector::ChattyCalls));
    let mut by_cause: BTreeMap<(Detector, String, String, String), Vec<Finding>> = BTreeMap::new();
    for finding in repeats {
        let key = (
            finding.detector,
            finding.subject.service.clone(),
            finding.subject.operation.clone(),
            callee(&finding).to_owned(),
        );
        by_cause.entry(key).or_default().push(finding);
    }
    for (_, mut group) in by_cause {
        // Where it hurts its unit most speaks: failed requests, then the share
        // of the unit's time (a 17% login request before 1% of a long handler),
        // then the time.
        group.sort_by(|a, b| {
            b.impact
                .failed_requests
                .cmp(&a.impact.failed_requests)
                .then_with(|| b.impact.request_time_share.total_cmp(&a.impact.request_time_share))
                .then_with(|| b.impact.time.cmp(&a.impact.time))
                .then_with(|| a.explanation.cmp(&b.explanation))
        });
        let mut group = group.into_iter();
        let Some(mut merged) = group.next() else {
            continue;
        };
        let others: Vec<Finding> = group.collect();
        if !others.is_empty() {
            merged.impact = merged_impact(&merged, &others);
            let named: Vec<String> = others
                .iter()
                .take(NAMED_ENDPOINTS)
                .map(|f| format!("{} (n={})", unit_of(f), f.impact.requests))
                .collect();
            let more = others.len().saturating_sub(NAMED_ENDPOINTS);
            merged.subject.scope = under_several(&merged, &others);
            merged.explanation.push_str(&format!(
                "; also in {}{}",
                super::join(&named),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
            for other in others {
                merged.evidence.extend(other.evidence.into_iter().take(1));
            }
        }
        rest.push(merged);
    }
    rest
}

/// The callee a chatty-calls finding names ("`GET /devices/{id}` from
/// `stLogin`", the sentence's opening up to " is called "), since its subject
/// holds only the caller's span name; empty for other findings.
fn callee(finding: &Finding) -> &str {
    if finding.detector != Detector::ChattyCalls {
        return "";
    }
    finding
        .explanation
        .split_once(" is called ")
        .map_or(finding.explanation.as_str(), |(call, _)| call)
}

/// The unit of work a repeat finding is about, as its sentence names it:
/// "`GET /login/tokenAuth`" for an endpoint, "`get authorize/finalize` in
/// `strongman`" for a handler (read from the sentence, the only place a
/// handler unit is named).
fn unit_of(finding: &Finding) -> String {
    if let Some(endpoint) = &finding.subject.endpoint {
        return format!("`{}`", super::shown(endpoint));
    }
    let sentence = finding.explanation.as_str();
    // After the statement or call, which may hold any words.
    let after = [" runs ", " is called "]
        .iter()
        .find_map(|m| sentence.find(m).map(|at| &sentence[at..]))
        .unwrap_or(sentence);
    for marker in [" in its one ", " in one ", " per "] {
        if let Some((_, rest)) = after.split_once(marker) {
            let end = [" of ", " (", ","]
                .iter()
                .filter_map(|m| rest.find(m))
                .min()
                .unwrap_or(rest.len());
            return rest[..end].trim_end_matches(" request").to_owned();
        }
    }
    format!("`{}`", super::shown(&finding.subject.service))
}

/// Uninstrumented-time findings whose every example span is the error
/// origin's own span or lies below it, in the same trace as an error
/// finding's evidence, are folded into that error finding.
fn fold_unexplained_waits_into_their_error(context: &Context<'_>, findings: Vec<Finding>) -> Vec<Finding> {
    let (waits, mut rest): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.detector == Detector::UninstrumentedTime);
    for wait in waits {
        let error = rest.iter_mut().find(|f| {
            f.detector == Detector::ErrorHotspot
                && !wait.evidence.is_empty()
                && wait.evidence.iter().all(|w| {
                    f.evidence.iter().any(|e| {
                        e.trace_id == w.trace_id
                            && w.span_ids.iter().all(|&s| {
                                e.span_ids
                                    .iter()
                                    .any(|&origin| is_at_or_below(context, w.trace_id, s, origin))
                            })
                    })
                })
        });
        let Some(error) = error else {
            rest.push(wait);
            continue;
        };
        let each = DurationNs(wait.impact.time.0 / wait.impact.requests.max(1));
        let sentence = error.explanation.trim_end_matches('.').to_owned();
        // The waiting span as its own finding named it (a bare `POST` by its route).
        let named = named_first(&wait.explanation).map_or_else(|| super::shown(&wait.subject.operation), str::to_owned);
        error.explanation = format!(
            "{sentence}; `{named}` in `{}` had no child span for {each} of that wait.",
            super::shown(&wait.subject.service),
        );
        for w in wait.evidence {
            match error.evidence.iter_mut().find(|e| e.trace_id == w.trace_id) {
                Some(e) => {
                    for s in w.span_ids {
                        if !e.span_ids.contains(&s) {
                            e.span_ids.push(s);
                        }
                    }
                }
                None => error.evidence.push(w),
            }
        }
    }
    rest
}

/// The operation a sentence that opens "`X` in `service` …" names first, as
/// it was shown there; `None` when it opens otherwise.
fn named_first(sentence: &str) -> Option<&str> {
    let rest = sentence.strip_prefix('`')?;
    rest.get(..rest.find("` in `")?)
}

/// Error incidents and long tails made by a retried call, folded into its
/// retries finding (see the module docs for when).
fn fold_failures_and_tails_into_their_retries(
    context: &Context<'_>,
    rules: &SeverityRules,
    findings: Vec<Finding>,
) -> Vec<Finding> {
    // The error first, so its clause follows "failed all the same".
    let findings = fold_into_retries(findings, Detector::ErrorHotspot, |retried, error| {
        let joins = gave_up_in(context, retried, error);
        if joins {
            absorb_error(rules, retried, error);
        }
        joins
    });
    fold_into_retries(findings, Detector::LongTail, |retried, tail| {
        let joins = made_by(context, retried, tail);
        if joins {
            absorb_tail(retried, tail);
        }
        joins
    })
}

/// Each finding of `detector` that `absorb` takes into a retries finding
/// (it says whether it did) is dropped; its requests, time and evidence join.
fn fold_into_retries(
    findings: Vec<Finding>,
    detector: Detector,
    mut absorb: impl FnMut(&mut Finding, &Finding) -> bool,
) -> Vec<Finding> {
    let (mut retries, rest): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.detector == Detector::Retries);
    let mut kept = Vec::with_capacity(rest.len());
    for finding in rest {
        let taken = if finding.detector == detector {
            // `position` hands each finding over mutably, so `absorb` can write it.
            retries.iter_mut().position(|r| absorb(r, &finding))
        } else {
            None
        };
        let Some(retried) = taken.and_then(|at| retries.get_mut(at)) else {
            kept.push(finding);
            continue;
        };
        retried.impact.requests = retried.impact.requests.max(finding.impact.requests);
        retried.impact.time = retried.impact.time.max(finding.impact.time);
        for e in finding.evidence {
            if !retried.evidence.iter().any(|r| r.trace_id == e.trace_id) {
                retried.evidence.push(e);
            }
        }
    }
    kept.extend(retries);
    kept
}

/// Whether the error incident `error` is the retried call of `retried`
/// giving up: the same call in the same endpoint's requests, no more failed
/// requests than those that retried and still failed, and each example
/// origin an attempt of a call repeated under its parent.
fn gave_up_in(context: &Context<'_>, retried: &Finding, error: &Finding) -> bool {
    same_call(retried, error)
        && error.subject.endpoint.is_some()
        && error.subject.endpoint == retried.subject.endpoint
        && error.impact.failed_requests > 0
        && error.impact.failed_requests <= retried.impact.failed_requests
        && !error.evidence.is_empty()
        && error.evidence.iter().all(|e| {
            e.span_ids
                .first()
                .and_then(|&s| span_index(context, e.trace_id, s))
                .is_some_and(|i| is_repeated(context, i))
        })
}

/// Whether the long tail `tail` is made by the failed attempts of
/// `retried`: about the same operation, its slowest spans failed attempts;
/// or about the retried call's endpoint, its slowest requests each holding
/// a failed attempt.
fn made_by(context: &Context<'_>, retried: &Finding, tail: &Finding) -> bool {
    let about_the_call = same_call(retried, tail);
    let about_the_endpoint = tail.subject.endpoint.is_some()
        && tail.subject.endpoint == retried.subject.endpoint
        && tail.subject.operation == tail.subject.endpoint.clone().unwrap_or_default();
    if !(about_the_call || about_the_endpoint) || tail.evidence.is_empty() {
        return false;
    }
    tail.evidence.iter().all(|e| {
        if about_the_call {
            e.span_ids
                .first()
                .and_then(|&s| span_index(context, e.trace_id, s))
                .is_some_and(|i| context.failures.span(i))
        } else {
            holds_failed_call(
                context,
                e.trace_id,
                &retried.subject.service,
                &retried.subject.operation,
            )
        }
    })
}

fn same_call(a: &Finding, b: &Finding) -> bool {
    a.subject.service == b.subject.service && a.subject.operation == b.subject.operation
}

/// The error's failed requests raise the retries' severity as the rules
/// say; its window and how far it climbed join the sentence.
fn absorb_error(rules: &SeverityRules, retried: &mut Finding, error: &Finding) {
    let failures = Impact {
        requests: error.impact.requests,
        failed_requests: error.impact.failed_requests,
        of_requests: error.impact.of_requests,
        ..Impact::default()
    };
    retried.severity = retried.severity.max(rules.judge(&failures));
    retried.impact.failed_requests = retried.impact.failed_requests.max(error.impact.failed_requests);
    let sentence = error.explanation.trim_end_matches('.');
    let window = sentence
        .find(" between ")
        .or_else(|| sentence.find(" at "))
        .and_then(|at| sentence.get(at..))
        .and_then(|rest| rest.split_once(" UTC"))
        .map(|(window, _)| format!("{} UTC", window.trim_start()));
    // How far it climbed: "the 3 spans above it failed with it, up to `frontend`".
    let climbed = sentence
        .split("; ")
        .skip(1)
        .find(|part| part.contains(" above it failed with it"))
        .map(str::to_owned);
    let said: Vec<String> = [window, climbed].into_iter().flatten().collect();
    if !said.is_empty() {
        retried.explanation.push_str(&format!(" ({})", said.join("; ")));
    }
}

/// The tail's numbers join the sentence: the failed attempts make it.
fn absorb_tail(retried: &mut Finding, tail: &Finding) {
    let Some((_, numbers)) = tail.explanation.split_once(" has a long tail") else {
        return;
    };
    let numbers = numbers.replace("; it makes the long tail of ", ", and the long tail of ");
    if same_call(retried, tail) {
        retried
            .explanation
            .push_str(&format!("; the failed attempts make its long tail{numbers}"));
    } else {
        retried
            .explanation
            .push_str(&format!("; the failed attempts make the endpoint's long tail{numbers}"));
    }
}

/// The index of the span `span` of trace `trace`, if loaded.
fn span_index(context: &Context<'_>, trace: TraceId, span: SpanId) -> Option<u32> {
    let t = context.index.traces.iter().find(|t| t.trace_id == trace)?;
    context
        .index
        .spans_of(t)
        .iter()
        .copied()
        .find(|&i| context.set.spans.get(i as usize).is_some_and(|s| s.span_id == span))
}

/// Whether span `i` has a sibling of the same service and name (a repeated call).
fn is_repeated(context: &Context<'_>, i: u32) -> bool {
    let set = context.set;
    let (Some(span), Some(Some(parent))) = (set.spans.get(i as usize), context.index.parent.get(i as usize)) else {
        return false;
    };
    context.index.children_of(*parent).iter().any(|&c| {
        c != i
            && set
                .spans
                .get(c as usize)
                .is_some_and(|s| s.service == span.service && s.name == span.name)
    })
}

/// Whether trace `trace` holds a failed span named `operation` in `service`.
fn holds_failed_call(context: &Context<'_>, trace: TraceId, service: &str, operation: &str) -> bool {
    let set = context.set;
    let Some(t) = context.index.traces.iter().find(|t| t.trace_id == trace) else {
        return false;
    };
    context.index.spans_of(t).iter().any(|&i| {
        context.failures.span(i)
            && set
                .spans
                .get(i as usize)
                .is_some_and(|s| set.str(s.service) == service && set.str(s.name) == operation)
    })
}

/// Whether span `span` is `ancestor` or lies below it, in trace `trace`
/// (a walk up the parents, at most as many steps as the trace has spans,
/// so a parent cycle in bad data ends).
fn is_at_or_below(context: &Context<'_>, trace: TraceId, span: SpanId, ancestor: SpanId) -> bool {
    let Some(t) = context.index.traces.iter().find(|t| t.trace_id == trace) else {
        return false;
    };
    let spans = context.index.spans_of(t);
    let Some(mut at) = spans
        .iter()
        .copied()
        .find(|&i| context.set.spans.get(i as usize).is_some_and(|s| s.span_id == span))
    else {
        return false;
    };
    for _ in 0..=spans.len() {
        if context
            .set
            .spans
            .get(at as usize)
            .is_some_and(|s| s.span_id == ancestor)
        {
            return true;
        }
        match context.index.parent.get(at as usize).copied().flatten() {
            Some(parent) => at = parent,
            None => return false,
        }
    }
    false
}

/// One bottleneck finding per operation, however many endpoints it holds.
fn merge_bottlenecks_across_endpoints(findings: Vec<Finding>) -> Vec<Finding> {
    let (bottlenecks, mut rest): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.detector == Detector::Bottleneck);
    let mut by_operation: BTreeMap<(String, String, String), Vec<Finding>> = BTreeMap::new();
    for finding in bottlenecks {
        // A bare `POST` on two routes is two operations, as its sentences name them.
        let named = named_first(&finding.explanation).unwrap_or("").to_owned();
        let key = (
            finding.subject.service.clone(),
            finding.subject.operation.clone(),
            named,
        );
        by_operation.entry(key).or_default().push(finding);
    }
    for (_, mut group) in by_operation {
        // The endpoint where it costs most speaks for the others.
        group.sort_by_key(|f| std::cmp::Reverse(f.impact.time));
        let mut group = group.into_iter();
        let Some(mut merged) = group.next() else {
            continue;
        };
        let others: Vec<Finding> = group.collect();
        if !others.is_empty() {
            merged.impact = merged_impact(&merged, &others);
            merged.subject.scope = under_several(&merged, &others);
            merged.explanation.push_str(&also_in(&others));
            for other in others {
                merged.evidence.extend(other.evidence.into_iter().take(1));
            }
        }
        rest.push(merged);
    }
    rest
}

/// What a finding merged from several units of work is named by when its
/// subject names one endpoint: "`X` in `svc` under `GET /a` and 2 other
/// endpoints", not the endpoint where it costs most alone (its impact adds
/// up all of them). `None` when the subject names no endpoint: "`X` in
/// `svc`" already covers every unit.
fn under_several(merged: &Finding, others: &[Finding]) -> Option<String> {
    let endpoint = merged.subject.endpoint.as_deref()?;
    let mut one = merged.subject.clone();
    one.endpoint = None;
    let n = others.len() as u64;
    let more = if others.iter().all(|f| f.subject.endpoint.is_some()) {
        counted(n, "other endpoint", "other endpoints")
    } else {
        counted(n, "other endpoint or handler", "other endpoints or handlers")
    };
    Some(format!("{} under `{endpoint}` and {more}", one.named()))
}

/// "; also in `GET /a` (4 requests) and `GET /b` (1 request)", the first few named.
fn also_in(others: &[Finding]) -> String {
    let named: Vec<String> = others
        .iter()
        .take(NAMED_ENDPOINTS)
        .map(|f| {
            let n = f.impact.requests;
            match &f.subject.endpoint {
                Some(endpoint) => format!("`{}` ({})", super::shown(endpoint), counted(n, "request", "requests")),
                // A handler inside sessions is named only in the sentence:
                // "…of the critical path of `UserInvited` in `callhandler` in its…",
                // kept up to the service's closing backtick.
                None => {
                    let handler = f
                        .explanation
                        .split_once(" of the critical path of ")
                        .and_then(|(_, rest)| {
                            let service = rest.find("` in `")? + "` in `".len();
                            rest.get(..service + rest.get(service..)?.find('`')?)
                        })
                        .unwrap_or("");
                    format!("{handler}` ({})", counted(n, "run", "runs"))
                }
            }
        })
        .collect();
    let more = others.len().saturating_sub(NAMED_ENDPOINTS);
    let list = match (named.split_last(), more) {
        (Some((last, first)), 0) if !first.is_empty() => format!("{} and {last}", first.join(", ")),
        (_, 0) => named.join(", "),
        (_, more) => format!("{} and {more} more", named.join(", ")),
    };
    format!("; also in {list}")
}

/// The impacts of one cause in several units of work added up. Runs of
/// handlers inside sessions may be runs in the same recordings, so their
/// traces are counted as the most any of them has; requests of different
/// endpoints are different traces and add up.
fn merged_impact(first: &Finding, others: &[Finding]) -> Impact {
    let mut all_requests = first.subject.endpoint.is_some();
    others.iter().fold(first.impact.clone(), |sum, f| {
        all_requests &= f.subject.endpoint.is_some();
        add(&sum, &f.impact, all_requests)
    })
}

/// Two impacts of one cause in different units of work: counts and times add
/// up, the time share is weighted by the requests affected; their traces add
/// up when `distinct_traces` (else the larger count stands).
fn add(a: &Impact, b: &Impact, distinct_traces: bool) -> Impact {
    let requests = a.requests + b.requests;
    let share = if requests == 0 {
        0.0
    } else {
        (a.request_time_share * a.requests as f64 + b.request_time_share * b.requests as f64) / requests as f64
    };
    let traces = if distinct_traces {
        a.traces() + b.traces()
    } else {
        a.traces().max(b.traces())
    };
    Impact {
        requests,
        traces: (traces < requests).then_some(traces),
        failed_requests: a.failed_requests + b.failed_requests,
        of_requests: a.of_requests + b.of_requests,
        request_time_share: share,
        time: crate::time::DurationNs(a.time.0.saturating_add(b.time.0)),
        data_at_risk: a.data_at_risk || b.data_at_risk,
        request_time: crate::time::DurationNs(a.request_time.0.saturating_add(b.request_time.0)),
    }
}

/// A slow endpoint is dropped when a bottleneck holds its critical path; the
/// bottleneck's sentence says how slow the endpoint is against its peers.
fn fold_slow_endpoints_into_their_bottleneck(findings: Vec<Finding>) -> Vec<Finding> {
    let (slow, mut rest): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.detector == Detector::SlowEndpoint);
    for slow in slow {
        let cause = rest
            .iter_mut()
            .filter(|f| {
                f.detector == Detector::Bottleneck
                    && slow.subject.endpoint.is_some()
                    && f.subject.endpoint == slow.subject.endpoint
            })
            .max_by_key(|f| f.impact.time);
        match cause {
            Some(bottleneck) => {
                bottleneck
                    .explanation
                    .push_str(&format!("; so {}", lowercase_first(&slow.explanation)));
            }
            None => rest.push(slow),
        }
    }
    rest
}

/// A sentence made a clause: its first letter lower-cased unless it opens a name.
fn lowercase_first(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) if first.is_uppercase() => first.to_lowercase().chain(chars).collect(),
        _ => sentence.to_owned(),
    }
}

/// Bottlenecks on an operation and endpoint an uninstrumented-time finding
/// already names are dropped; a slow endpoint folded into one moves along.
fn drop_bottlenecks_of_unexplained_time(findings: Vec<Finding>) -> Vec<Finding> {
    let unexplained: Vec<(Option<String>, String, String)> = findings
        .iter()
        .filter(|f| f.detector == Detector::UninstrumentedTime)
        .map(key)
        .collect();
    let (dropped, mut kept): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.detector == Detector::Bottleneck && unexplained.contains(&key(f)));
    for bottleneck in dropped {
        let slowness = bottleneck.explanation.split_once("; so ").map(|(_, s)| s.to_owned());
        if let (Some(slowness), Some(target)) = (
            slowness,
            kept.iter_mut()
                .find(|f| f.detector == Detector::UninstrumentedTime && key(f) == key(&bottleneck)),
        ) {
            target.explanation.push_str(&format!("; so {slowness}"));
        }
    }
    kept
}

/// Bottlenecks whose every example span is one of the calls an N+1 or
/// chatty-calls finding counts are dropped (see the module doc); the slowness
/// of an endpoint folded into one is said by the repeated call instead.
fn drop_bottlenecks_on_repeated_calls(context: &Context<'_>, findings: Vec<Finding>) -> Vec<Finding> {
    let repeated = |f: &Finding| matches!(f.detector, Detector::NPlusOneQueries | Detector::ChattyCalls);
    if !findings.iter().any(repeated) {
        return findings;
    }
    let units = context.units();
    // A call's place: its unit of work and what it calls (callee or statement).
    let place = |i: u32| Some((units.unit(i)?, super::repeats::shared_key(context, i)?));
    let places = |f: &Finding| -> Vec<(String, Option<(u32, u64)>)> {
        f.evidence
            .iter()
            .flat_map(|e| e.span_ids.iter().map(move |&id| (e.trace_id, id)))
            .map(|(trace, id)| {
                (
                    f.subject.service.clone(),
                    span_index(context, trace, id).and_then(place),
                )
            })
            .collect()
    };
    let counted: Vec<(String, Option<(u32, u64)>)> = findings.iter().filter(|f| repeated(f)).flat_map(places).collect();
    let is_counted = |f: &Finding| {
        let mine = places(f);
        f.detector == Detector::Bottleneck
            && !mine.is_empty()
            && mine
                .iter()
                .all(|(service, at)| at.is_some() && counted.iter().any(|(s, c)| s == service && c == at))
    };
    let (dropped, mut kept): (Vec<Finding>, Vec<Finding>) = findings.into_iter().partition(is_counted);
    for bottleneck in dropped {
        let slowness = bottleneck.explanation.split_once("; so ").map(|(_, s)| s.to_owned());
        let target = kept
            .iter_mut()
            .find(|f| repeated(f) && f.subject.service == bottleneck.subject.service);
        if let (Some(slowness), Some(target)) = (slowness, target) {
            target.explanation.push_str(&format!("; so {slowness}"));
        }
    }
    kept
}

/// Call-overhead findings whose every example call is one a chatty-calls
/// finding counts and already says waited in front of its callee.
fn drop_overheads_told_as_chatty(context: &Context<'_>, findings: Vec<Finding>) -> Vec<Finding> {
    let told =
        |f: &Finding| f.detector == Detector::ChattyCalls && f.explanation.contains(super::chatty_calls::WAIT_TOLD);
    if !findings.iter().any(told) || !findings.iter().any(|f| f.detector == Detector::CallOverhead) {
        return findings;
    }
    let (units, keys) = (context.units(), context.call_keys());
    // A call's place: its service, unit of work and callee, as chatty calls count it.
    let places = |f: &Finding| -> Vec<Option<(crate::intern::Sym, u32, u32)>> {
        f.evidence
            .iter()
            .flat_map(|e| e.span_ids.iter().map(move |&id| (e.trace_id, id)))
            .map(|(trace, id)| {
                let i = span_index(context, trace, id)?;
                Some((context.set.spans.get(i as usize)?.service, units.unit(i)?, keys.key(i)?))
            })
            .collect()
    };
    let counted: Vec<(crate::intern::Sym, u32, u32)> =
        findings.iter().filter(|f| told(f)).flat_map(places).flatten().collect();
    let mut kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| {
            let mine = places(f);
            f.detector != Detector::CallOverhead
                || mine.is_empty()
                || !mine.iter().all(|at| at.is_some_and(|at| counted.contains(&at)))
        })
        .collect();
    // A sentence that points at the call-overhead finding it overlaps no
    // longer can once that finding is gone.
    if !kept.iter().any(|f| f.detector == Detector::CallOverhead) {
        for f in &mut kept {
            without_overhead_told(&mut f.explanation);
        }
    }
    kept
}

/// `sentence` without its ", 401ms of it … the call-overhead finding counts
/// too" clause ([`super::repeated_along_chain::OVERHEAD_TOLD`]), if it has one.
fn without_overhead_told(sentence: &mut String) {
    let told = super::repeated_along_chain::OVERHEAD_TOLD;
    if let Some(end) = sentence.find(told)
        && let Some(start) = sentence.get(..end).and_then(|s| s.rfind(", "))
    {
        sentence.replace_range(start..end + told.len(), "");
    }
}

fn key(finding: &Finding) -> (Option<String>, String, String) {
    (
        finding.subject.endpoint.clone(),
        finding.subject.service.clone(),
        finding.subject.operation.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::without_overhead_told;

    #[test]
    fn the_overlap_clause_goes_with_the_finding_it_names() {
        let told = super::super::repeated_along_chain::OVERHEAD_TOLD;
        let mut sentence = format!("483ms on their critical paths (8% of their time), 401ms{told}; the calls record");
        without_overhead_told(&mut sentence);
        assert_eq!(
            sentence,
            "483ms on their critical paths (8% of their time); the calls record"
        );
        let mut plain = "483ms on their critical paths; the calls record".to_owned();
        without_overhead_told(&mut plain);
        assert_eq!(plain, "483ms on their critical paths; the calls record");
    }
}
