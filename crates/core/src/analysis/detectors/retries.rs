//! Retries.
//!
//! **What it detects.** A call that failed and was made again at once: the
//! same call (the same statement shape for a database call, the same callee
//! for a remote call, see [`super::calls`]) under the same parent, started
//! after the failed one ended, asking the same thing (the same attributes,
//! leaving out those that describe the outcome: status, error, response,
//! exception, timing, connection reuse), or marked by its instrumentation
//! (`http.request.resend_count` above 0).
//!
//! **Why it matters.** A retry hides a failure from the user at the cost of
//! time: the failed attempt (often a timeout) is on the request's path. The
//! request succeeding does not make the failure go away, and a retry storm
//! multiplies load on a callee that is already struggling.
//!
//! **Rule.** Every retried call is reported per unit of work (the endpoint's
//! request, else the handler that made it), service and call, with the failed
//! attempts' count and most common message. Not judged by cost: `info` when
//! every request recovered (its entry span did not fail), `warning` when a
//! request still failed after retrying (`min_failed_requests`, default 1).
//! When the requests that gave up are also an error incident at the same
//! call, and the failed attempts make the operation's long tail,
//! [`super::consolidate`] folds both into this finding (one cause, one
//! finding), which is then `critical` if those failures are by the severity
//! rules. N+1 queries and chatty calls count retries apart ("13 calls, 3 of them
//! retries") and leave them out of their thresholds.
//!
//! Impact: `time` is the failed attempts' critical-path time (what the
//! retries cost; their union in a handler that is not its trace's root); `request_time_share` the union of the failed attempts over
//! the affected requests' time.
//!
//! **Example.** `GetDriver` in `redis` failed 3 times with "redis timeout"
//! (91.0ms on the critical path) and was retried in its one `GET /dispatch`
//! request (n=1); the request still succeeded (the HotROD 2019 capture in
//! `tests/fixtures`): the sentence says what the failed attempts cost.

use super::calls::{self, UnitName, Units};
use super::wall_clock;
use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::{AttrValue, Attribute, Span, StatusCode, TraceSet};
use crate::time::DurationNs;
use std::collections::{BTreeMap, HashMap};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::Retries;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Requests that still failed after retrying from which a finding is a warning.
    pub min_failed_requests: u64,
    /// How long before the failed attempt's end a retry may start (timestamps are rounded).
    #[serde(serialize_with = "crate::time::as_written")]
    pub start_slack: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_failed_requests: 1,
            start_slack: DurationNs(10_000),
        }
    }
}

/// Whether `next` retries `failed`: both are calls with the same key under
/// the same parent (the caller checks that), `failed` failed, and `next`
/// started after it ended asking the same thing, or says it is a resend.
pub(super) fn is_retry(set: &TraceSet, failed: u32, next: u32, slack: DurationNs) -> bool {
    let (Some(a), Some(b)) = (set.spans.get(failed as usize), set.spans.get(next as usize)) else {
        return false;
    };
    if a.status != StatusCode::Error || a.name != b.name || b.start.0.saturating_add(slack.0) < a.end().0 {
        return false;
    }
    marked_as_resend(set, b) || same_request(set, set.attributes_of(a), set.attributes_of(b))
}

fn marked_as_resend(set: &TraceSet, span: &Span) -> bool {
    set.attributes_of(span).iter().any(|a| {
        matches!(set.str(a.key), "http.request.resend_count" | "http.resend_count")
            && matches!(a.value, AttrValue::Int(n) if n > 0)
    })
}

/// Whether an attribute describes how a call went rather than what it asked.
fn describes_outcome(key: &str) -> bool {
    const OUTCOME: [&str; 14] = [
        "error",
        "status",
        "exception",
        "response",
        "resend",
        "retry",
        "attempt",
        "reused",
        "idle",
        "thread",
        "duration",
        "time",
        "port",
        "conflict",
    ];
    let key = key.to_ascii_lowercase();
    OUTCOME.iter().any(|word| key.contains(word)) || key == "redis.exists"
}

/// The same attributes apart from those describing the outcome.
fn same_request(set: &TraceSet, a: &[Attribute], b: &[Attribute]) -> bool {
    let asked = |attributes: &'_ [Attribute]| -> Vec<(Sym, AttrValue)> {
        let mut asked: Vec<(Sym, AttrValue)> = attributes
            .iter()
            .filter(|x| !describes_outcome(set.str(x.key)))
            .map(|x| (x.key, x.value.clone()))
            .collect();
        asked.sort_by_key(|(key, _)| *key);
        asked
    };
    asked(a) == asked(b)
}

/// The message of a failed span: its exception's message, its status
/// message, or the `error` field of an event (Jaeger logs).
pub(super) fn failure_message(set: &TraceSet, span: &Span) -> Option<String> {
    let events = set.events_of(span);
    let exception = events
        .iter()
        .filter(|e| set.str(e.name) == "exception")
        .find_map(|e| set.str_attribute_in(e.attributes, "exception.message"));
    let logged = || {
        events.iter().find_map(|e| {
            set.str_attribute_in(e.attributes, "error")
                .or_else(|| set.str_attribute_in(e.attributes, "error.message"))
                .filter(|m| *m != "true")
        })
    };
    exception
        .or_else(|| span.status_message.map(|m| set.str(m)).filter(|m| !m.is_empty()))
        .or_else(logged)
        .filter(|m| !m.trim().is_empty())
        .map(str::to_owned)
}

/// One retried call in one unit of work.
struct Occurrence {
    trace: u32,
    unit: u32,
    parent: u32,
    /// The failed attempts that were retried.
    failed: Vec<u32>,
    /// Whether the last attempt failed too.
    gave_up: bool,
}

/// What one finding is about: the unit, the called service and the call's name.
type Key<'a> = (UnitName<'a>, Sym, Sym);

/// The findings, one per unit, service and call.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let units = context.units();
    // The repeats N+1 queries and chatty calls read too, unless a configured
    // slack tells retries apart differently.
    let own;
    let repeats = if config.start_slack == Config::default().start_slack {
        context.repeats()
    } else {
        own = super::repeats::find(context, 2, config.start_slack, |i| {
            super::repeats::shared_key(context, i)
        });
        &own
    };
    let set = context.set;
    let mut by_subject: BTreeMap<Key<'_>, Vec<Occurrence>> = BTreeMap::new();
    for repeat in repeats {
        if repeat.retried.is_empty() {
            continue;
        }
        let Some(unit) = units.unit(repeat.parent) else {
            continue;
        };
        let failed: Vec<u32> = repeat.retried.iter().map(|&(failed, _)| failed).collect();
        // Failed as the shared notion says (an error status, or a server's 5xx).
        let gave_up = repeat.spans.last().is_some_and(|&s| context.failures.span(s));
        let Some(first) = repeat.spans.first().and_then(|&s| set.spans.get(s as usize)) else {
            continue;
        };
        let name = units.name(context, repeat.trace as usize, unit);
        by_subject
            .entry((name, first.service, first.name))
            .or_default()
            .push(Occurrence {
                trace: repeat.trace,
                unit,
                parent: repeat.parent,
                failed,
                gave_up,
            });
    }
    by_subject
        .into_iter()
        .map(|((unit, service, name), occurrences)| finding(context, config, units, unit, service, name, &occurrences))
        .collect()
}

fn finding(
    context: &Context<'_>,
    config: &Config,
    units: &Units,
    unit: UnitName<'_>,
    service: Sym,
    name: Sym,
    occurrences: &[Occurrence],
) -> Finding {
    let set = context.set;
    // Per unit of work: its failed attempts, and whether it failed in the end.
    let mut per_unit: HashMap<u32, (Vec<u32>, bool, usize)> = HashMap::new();
    for o in occurrences {
        let entry = per_unit.entry(o.unit).or_default();
        entry.0.extend_from_slice(&o.failed);
        // A proxy answering 500 with its status unset failed the request too.
        let unit_failed = context.failures.span(o.unit);
        entry.1 |= o.gave_up && unit_failed;
        entry.2 = o.trace as usize;
    }
    let calls::Held {
        held, unit_time, time, ..
    } = calls::held(
        context,
        per_unit.iter().map(|(&u, (failed, _, t))| (*t, u, failed.as_slice())),
    );
    let failed_spans: Vec<u32> = per_unit.values().flat_map(|(f, _, _)| f.iter().copied()).collect();
    let failed_requests = per_unit.values().filter(|(_, still_failed, _)| *still_failed).count() as u64;
    let mut messages: BTreeMap<String, usize> = BTreeMap::new();
    for &f in &failed_spans {
        if let Some(message) = set.spans.get(f as usize).and_then(|s| failure_message(set, s)) {
            *messages.entry(message).or_default() += 1;
        }
    }
    let message = messages
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(m, _)| format!(" with \"{}\"", super::shown(m).chars().take(80).collect::<String>()))
        .unwrap_or_default();
    let requests = per_unit.len() as u64;
    let of_requests = units.count(context, unit).max(requests);
    let place = if requests == 1 {
        format!("in {}", unit.the_one(set, of_requests))
    } else {
        format!("in {requests} of {of_requests} {}", plural_units(unit, set))
    };
    let n = failed_spans.len();
    // The last attempts that failed too were not retried, so not counted
    // above: said, so the failures add up to the operation's error count.
    let last_failed = occurrences.iter().filter(|o| o.gave_up).count();
    let in_all = match last_failed {
        0 => String::new(),
        1 => format!(", its last attempt failing too, {} failures in all", n + last_failed),
        _ => format!(", their last attempts failing too, {} failures in all", n + last_failed),
    };
    let outcome = match (requests, failed_requests) {
        (1, 0) => "the request still succeeded".to_owned(),
        (1, _) => format!("the request failed all the same{in_all}"),
        (_, 0) => "every one of them still succeeded".to_owned(),
        (_, n) => format!("{n} of them failed all the same{in_all}"),
    };
    let mut examples: Vec<&Occurrence> = occurrences.iter().collect();
    examples.sort_by_key(|o| std::cmp::Reverse(o.failed.len()));
    Finding {
        detector: NAME,
        severity: if failed_requests >= config.min_failed_requests.max(1) {
            Severity::Warning
        } else {
            Severity::Info
        },
        impact: Impact {
            requests,
            traces: Some(super::distinct(per_unit.values().map(|(_, _, t)| *t))),
            failed_requests,
            of_requests,
            request_time_share: wall_clock::share(held, unit_time),
            time: DurationNs(time),
            data_at_risk: false,
            request_time: DurationNs(0),
        },
        subject: Subject {
            endpoint: unit.endpoint(),
            service: set.str(service).to_owned(),
            operation: set.str(name).to_owned(),
            route: None,
            scope: None,
        },
        explanation: format!(
            "`{}` in `{}` failed {n} time{}{message}{cost} and was retried {place}; {outcome}",
            super::shown(&super::operation_of(set, failed_spans.iter().copied())),
            super::shown(set.str(service)),
            if n == 1 { "" } else { "s" },
            // What the failed attempts cost the response: what a faster
            // failure (or none) would save.
            cost = match (time, requests) {
                (0, _) => String::new(),
                (_, 1) => format!(" ({} on the critical path)", DurationNs(time)),
                _ => format!(" ({} on their critical paths in all)", DurationNs(time)),
            },
        ),
        evidence: examples
            .iter()
            .take(3)
            .map(|o| Evidence {
                trace_id: context.trace_id(o.trace as usize),
                span_ids: std::iter::once(o.parent)
                    .chain(o.failed.iter().copied().take(5))
                    .filter_map(|s| set.spans.get(s as usize).map(|s| s.span_id))
                    .collect(),
            })
            .collect(),
    }
}

/// "`GET /dispatch` requests" / "`IncomingCall` in `callhandler` calls".
fn plural_units(unit: UnitName<'_>, set: &TraceSet) -> String {
    match unit {
        UnitName::Endpoint(e) => format!("`{}` requests", super::shown(e)),
        UnitName::Handler(service, name) => {
            format!("`{}` in `{}` calls", super::shown(name), super::shown(set.str(service)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::describes_outcome;

    #[test]
    fn outcome_attributes_are_told_from_what_was_asked() {
        for key in [
            "error",
            "http.status_code",
            "http.response.status_code",
            "otel.status_description",
            "net/http.reused",
            "exception.message",
            "redis.exists",
        ] {
            assert!(describes_outcome(key), "{key}");
        }
        for key in ["param.driverID", "db.statement", "url.full", "http.method", "redis.key"] {
            assert!(!describes_outcome(key), "{key}");
        }
    }
}
