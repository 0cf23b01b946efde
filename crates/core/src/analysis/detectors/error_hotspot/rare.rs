//! The errors under both thresholds of an error hotspot (fewer than
//! `min_errors` of a kind, failing no request), told together in one `info`
//! finding of their own detector ([`super::super::Detector::RareErrors`]).
//!
//! Thresholds keep one-off failures from burying the incidents that cost
//! users, but a person who drops one recorded session or a test run wants to
//! know every error in it: the async capture's session ended on one
//! "Countdown failed", and the Robot Framework run's only 403s ("The runner
//! [robot-runner] can not be…") failed one step each. The finding names up to
//! `SHOWN` kinds, most frequent first, and counts the rest. Kinds whose every
//! error met the same refusal, a server operation answering with one HTTP
//! 4xx status ([`super::refused`]), are one item that names the server's
//! answer first: one endpoint refusing a test run twice is one thing to fix.
//! Errors of several operations are named by them all ("`a` in `x` and 3
//! other operations"); the most frequent kind's operation keys it.

use super::super::{Evidence, Finding, Impact, Severity, Subject, shown};
use super::sentence::{join_and, plural};
use super::{Config, Described, message};
use crate::intern::Sym;
use crate::time::{DurationNs, sum_ns};

/// Kinds of rare error named in the sentence; the others are counted.
const SHOWN: usize = 4;

/// One finding for every incident that was too rare (each a list of origins), or none.
pub(super) fn finding(
    context: &super::Context<'_>,
    config: &Config,
    messages: &[String],
    incidents: &[Vec<&Described>],
) -> Option<Finding> {
    let set = context.set;
    let keys = super::cause::CauseKeys::of(set);
    let errors: usize = incidents.iter().map(Vec::len).sum();
    if errors == 0 {
        return None;
    }
    let mut ordered: Vec<&Vec<&Described>> = incidents.iter().filter(|i| !i.is_empty()).collect();
    // Most frequent first, then the earliest: the order a reader checks them in.
    ordered.sort_by_key(|members| {
        (
            std::cmp::Reverse(members.len()),
            members.iter().map(|m| m.start).min().unwrap_or(0),
        )
    });
    // Incidents whose every error met the same refusal are one item.
    let refusals = super::refused::Answers::of(context);
    let refusal_of = |members: &Vec<&Described>| -> Option<(Sym, Sym, i64)> {
        let mut tied = members.iter().map(|m| {
            let span = set.spans.get(m.origin.span as usize)?;
            let message = keys.message(set, span).map(|m| set.str(m))?;
            refusals
                .of_origin(context, m.origin.span, message)
                .map(|r| (r.service, r.name, r.status))
        });
        let first = tied.next().flatten()?;
        tied.all(|r| r == Some(first)).then_some(first)
    };
    let mut items: Vec<(usize, u64, Vec<&Vec<&Described>>)> = Vec::new();
    let mut by_refusal: Vec<((Sym, Sym, i64), usize)> = Vec::new();
    for &members in &ordered {
        let start = members.iter().map(|m| m.start).min().unwrap_or(0);
        match refusal_of(members) {
            Some(refusal) => match by_refusal.iter().find(|(r, _)| *r == refusal) {
                Some(&(_, at)) => {
                    if let Some(item) = items.get_mut(at) {
                        item.0 += members.len();
                        item.1 = item.1.min(start);
                        item.2.push(members);
                    }
                }
                None => {
                    by_refusal.push((refusal, items.len()));
                    items.push((members.len(), start, vec![members]));
                }
            },
            None => items.push((members.len(), start, vec![members])),
        }
    }
    items.sort_by_key(|&(count, start, _)| (std::cmp::Reverse(count), start));
    let told = |members: &Vec<&Described>| -> Option<String> {
        let first = members.first()?;
        let span = set.spans.get(first.origin.span as usize)?;
        // One error is shown as written: folding is for grouping, and
        // "returned <n>" hides the 403 a single failure is about.
        let raw = (members.len() == 1)
            .then(|| keys.message(set, span))
            .flatten()
            .map(|m| set.str(m).to_owned());
        let text = raw
            .or_else(|| first.message.and_then(|m| messages.get(m)).cloned())
            .map(|m| {
                format!(
                    "\"{}\"",
                    message::shortened(&message::readable(&m), config.shown_message_chars)
                )
            });
        // The exception type, or the HTTP status a server answered with
        // ("`HTTP 500`" where the span carries no message).
        let kind = first.kind.as_deref().map(|k| format!("`{}`", shown(k)));
        let said: Vec<String> = kind.into_iter().chain(text).collect();
        let text = if said.is_empty() {
            String::new()
        } else {
            format!(": {}", said.join(" "))
        };
        Some(format!(
            "`{}` in `{}`{text} ×{}",
            shown(&super::super::operation_of(set, members.iter().map(|m| m.origin.span))),
            shown(set.str(span.service)),
            members.len()
        ))
    };
    let named: Vec<String> = items
        .iter()
        .take(SHOWN)
        .filter_map(|(count, _, group)| {
            let steps: Vec<String> = group.iter().filter_map(|members| told(members)).collect();
            let refusal = group.first().and_then(|members| refusal_of(members));
            match refusal.filter(|_| group.len() > 1) {
                // "`POST /v2/executions` in `essvt-core` answered HTTP 403 to
                // 2 of its 2 requests, traced apart from the steps …".
                Some((service, name, status)) => {
                    let server = group
                        .iter()
                        .flat_map(|members| members.iter())
                        .find_map(|m| {
                            let span = set.spans.get(m.origin.span as usize)?;
                            let message = keys.message(set, span).map(|m| set.str(m))?;
                            refusals.of_origin(context, m.origin.span, message)
                        })
                        .map(|r| r.span);
                    let operation = server.map_or_else(
                        || set.str(name).to_owned(),
                        |s| super::super::operation_of(set, [s]).into_owned(),
                    );
                    // How many requests the operation had in all: "2 of its 2".
                    let all = context
                        .groups
                        .operations
                        .iter()
                        .find(|g| g.service == set.str(service) && g.name == set.str(name))
                        .map(|g| g.durations.count);
                    let (operation, service) = (shown(&operation), shown(set.str(service)));
                    Some(match all {
                        // Every request refused: what the run tried never
                        // happened, said first, not as errors "too rare".
                        Some(all) if all as usize == *count => format!(
                            "`{operation}` in `{service}` refused every request made to it (HTTP {status} to {count} of \
                             {count}), and each step that made one failed on the answer, traced apart from it ({})",
                            steps.join("; ")
                        ),
                        Some(all) => format!(
                            "`{operation}` in `{service}` answered HTTP {status} to {count} of its {all} requests, and \
                             each step that made one failed on the answer, traced apart from it ({})",
                            steps.join("; ")
                        ),
                        None => format!(
                            "`{operation}` in `{service}` answered HTTP {status} to {count} requests, and each step \
                             that made one failed on the answer, traced apart from it ({})",
                            steps.join("; ")
                        ),
                    })
                }
                None => steps.into_iter().next(),
            }
        })
        .collect();
    let more = items.len().saturating_sub(named.len());
    let more = if more > 0 {
        vec![format!("{more} more kind{}", plural(more))]
    } else {
        Vec::new()
    };
    let list: Vec<String> = named.into_iter().chain(more).collect();
    // A refusal's answer is in a trace of its own: the server's span joins
    // the evidence where there is room.
    let mut evidence = evidence(context, &ordered);
    for (_, _, group) in items.iter().filter(|(_, _, group)| group.len() > 1) {
        for m in group.iter().flat_map(|members| members.iter()) {
            let answer = set.spans.get(m.origin.span as usize).and_then(|span| {
                let message = keys.message(set, span).map(|m| set.str(m))?;
                refusals.of_origin(context, m.origin.span, message)
            });
            if let Some(server) = answer.and_then(|r| set.spans.get(r.span as usize))
                && evidence.len() < 3
                && !evidence.iter().any(|e| e.trace_id == server.trace_id)
            {
                evidence.push(Evidence {
                    trace_id: server.trace_id,
                    span_ids: vec![server.span_id],
                });
            }
        }
    }
    let all: Vec<&Described> = incidents.iter().flatten().copied().collect();
    let lead = ordered.first().and_then(|m| m.first())?;
    let lead_span = set.spans.get(lead.origin.span as usize)?;
    // Errors of several operations are named by them all, the lead first.
    let operations_of = |members: &mut dyn Iterator<Item = &&Described>| {
        let mut operations: Vec<(Sym, Sym)> = members
            .filter_map(|m| set.spans.get(m.origin.span as usize))
            .map(|s| (s.service, s.name))
            .collect();
        operations.sort_unstable();
        operations.dedup();
        operations
    };
    let operations = operations_of(&mut all.iter());
    let others = |n: usize| super::super::counted(n as u64, "other operation", "other operations");
    // The first item, when its errors met a server's refusal: what a team
    // acts on is the call that answered 4xx, so the finding leads with it
    // and keeps the steps as where it was seen (the Robot Framework run:
    // `POST /v2/executions` in `essvt-core` answering 403, not the
    // `Should Be True` step that checked the answer). Only where the
    // sentence names the call (an item of several refused steps): a name
    // the finding is called by is one its sentence says.
    let refused_lead = items
        .first()
        .filter(|(_, _, group)| group.len() > 1)
        .and_then(|(_, _, group)| {
            let refusal = refusal_of(group.first()?)?;
            let server = group.iter().flat_map(|members| members.iter()).find_map(|m| {
                let span = set.spans.get(m.origin.span as usize)?;
                let message = keys.message(set, span).map(|m| set.str(m))?;
                refusals.of_origin(context, m.origin.span, message)
            })?;
            let steps = operations_of(&mut group.iter().flat_map(|members| members.iter()));
            // The step named first is the lead's when it is among them.
            let lead_step = set.spans.get(lead.origin.span as usize).map(|s| (s.service, s.name));
            let step = lead_step.filter(|s| steps.contains(s)).or(steps.first().copied())?;
            Some((refusal, server.span, steps, step))
        });
    let (subject_service, subject_operation, scope) = match &refused_lead {
        Some(((service, name, status), server, steps, (step_service, step_name))) => {
            let seen = match steps.len() {
                1 => format!(
                    "`{}` in `{}`",
                    shown(set.str(*step_name)),
                    shown(set.str(*step_service))
                ),
                n => format!(
                    "`{}` in `{}` and {}",
                    shown(set.str(*step_name)),
                    shown(set.str(*step_service)),
                    others(n - 1)
                ),
            };
            let rest = operations.len().saturating_sub(steps.len());
            let scope = format!(
                "`{}` in `{}` answering HTTP {status} (seen in {seen}){}",
                shown(&super::super::operation_of(set, [*server])),
                shown(set.str(*service)),
                if rest > 0 {
                    format!(" and {}", others(rest))
                } else {
                    String::new()
                }
            );
            (set.str(*service), set.str(*name), Some(scope))
        }
        None => (
            set.str(lead_span.service),
            set.str(lead_span.name),
            (operations.len() > 1).then(|| {
                format!(
                    "`{}` in `{}` and {}",
                    shown(set.str(lead_span.name)),
                    shown(set.str(lead_span.service)),
                    others(operations.len() - 1)
                )
            }),
        ),
    };
    let traces = super::super::distinct(all.iter().map(|m| m.origin.trace));
    // A refused request is an endpoint's request that did not succeed: the
    // lead does not say the errors failed none.
    let refused = items.iter().any(|(_, _, group)| group.len() > 1);
    let explanation = format!(
        "{errors} error{} too rare for an error hotspot (fewer than {} of a kind{}){}: {}.",
        plural(errors),
        config.min_errors.max(1),
        if refused { "" } else { ", failing no endpoint's request" },
        super::sentence::window(&all),
        join_and(&list)
    );
    Some(Finding {
        detector: super::super::Detector::RareErrors,
        severity: Severity::Info,
        impact: Impact {
            requests: super::super::distinct(all.iter().map(|m| (m.origin.trace, m.origin.message))),
            traces: Some(traces),
            failed_requests: 0,
            of_requests: 0,
            request_time_share: 0.0,
            time: DurationNs(sum_ns(
                all.iter()
                    .map(|m| context.self_times.get(m.origin.span as usize).map_or(0, |d| d.0)),
            )),
            data_at_risk: false,
            request_time: DurationNs(0),
        },
        subject: Subject {
            endpoint: None,
            service: subject_service.to_owned(),
            operation: subject_operation.to_owned(),
            route: None,
            scope,
        },
        explanation,
        evidence,
    })
}

/// The first origin of each kind, grouped by trace: up to three traces.
fn evidence(context: &super::Context<'_>, ordered: &[&Vec<&Described>]) -> Vec<Evidence> {
    let set = context.set;
    let mut evidence: Vec<Evidence> = Vec::new();
    for members in ordered {
        let Some(span) = members.first().and_then(|m| set.spans.get(m.origin.span as usize)) else {
            continue;
        };
        match evidence.iter().position(|e| e.trace_id == span.trace_id) {
            Some(at) => evidence[at].span_ids.push(span.span_id),
            None if evidence.len() < 3 => evidence.push(Evidence {
                trace_id: span.trace_id,
                span_ids: vec![span.span_id],
            }),
            None => {}
        }
    }
    evidence
}
