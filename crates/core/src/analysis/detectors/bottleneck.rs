//! Bottlenecks.
//!
//! **What it detects.** One operation whose own work takes a large share of
//! its endpoint's critical path in most requests: the single place where
//! making the code faster would make the requests faster.
//!
//! **Why it matters.** Only time on the critical path delays a response.
//! When one span holds a third or more of it, request after request, tuning
//! anything else barely shows; tuning it (a cache, an index, a timeout, a
//! faster provider) shows at once.
//!
//! **Rule.** In each trace with an endpoint, a span other than the entry span
//! whose own time on the critical path ([`crate::analysis::critical_path`])
//! is at least `min_share` of the trace's critical path (default 30%; when
//! the entry span is below the trace's root, of the path within the entry's
//! unit of work, the request's own spans) and at
//! least `min_time` (default 10 ms, so fast requests are left alone) is a hit
//! for its operation (service and span name; one hit per trace). An operation
//! with hits in at least `min_trace_share` of its endpoint's traces (default
//! half) and at least `min_requests` traces (default 3), or in every trace of
//! an endpoint with fewer (a single trace is enough to name it, with `n=1`),
//! is a bottleneck. Severity follows from its cost (the share of the
//! requests' time it holds on the critical path) by the shared rules, which
//! make a finding seen in one request a warning only from
//! `severity.warning_min_time_once` (100 ms). The same operation in
//! several endpoints, and the slow endpoint it causes, are one finding
//! ([`super::consolidate`]).
//!
//! **Own time that is not own work.** A client's time outside its traced
//! callee is a wait between them. A span's own time that the data explains
//! ([`super::own_time_cause`]: a wait its own log records, queued behind
//! another handler, or its work traced under another parent) is still a
//! bottleneck, since the request waited, but the sentence says what it was.
//! A call of its own process that the file parents above it is no part of
//! its time on the path: the path runs through the call
//! ([`crate::analysis::critical_path`]).
//! A wait of 100 ms or more behind another handler is left to
//! [`super::queued_handlers`], which tells a service's waits as one.
//!
//! **Sessions.** A session is no request: inside it, each unit of work (a
//! message handler, a request, see [`super::session_units`]) is judged as
//! one, on its own critical path, and units of one handler (service and span
//! name, IDs folded) are counted together like an endpoint's requests. A span
//! counts only from `session_min_time` (default 100 ms) on its unit's path: a
//! session holds many units, mostly one of a kind. A bottleneck in a
//! handler that ran once, whose operation has no other span in the session
//! (a token fetched at start, a timer that fired once), is work done once:
//! its time is sized against the whole session, not against its one run,
//! and the sentence says so (the .NET session's one 506 ms token fetch in
//! 174 s: info).
//!
//! **Example.** `POST /v1/charges` in `payment` holds 92% (median 118 ms) of
//! the critical path of `POST /api/checkout` in 53 of its 53 requests.

use super::own_time_cause::{self, Cause};
use super::{Context, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::time::{DurationNs, sum_ns};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::Bottleneck;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Share of a trace's critical path from which a span counts.
    pub min_share: f64,
    /// Time on the critical path from which a span counts.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_time: DurationNs,
    /// Share of the endpoint's traces that must show it.
    pub min_trace_share: f64,
    /// Traces that must show it.
    pub min_requests: usize,
    /// Time on a unit's critical path from which a span counts, inside a
    /// session: a session holds many units of work, most of them alone of
    /// their kind (n=1), and with `min_time` nearly every handler would name
    /// its largest child (ten warnings on one .NET call session, for
    /// handlers of 14 to 54 ms). From this floor, the delay is one a caller
    /// notices.
    pub session_min_time: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_share: 0.3,
            min_time: DurationNs(10_000_000),
            min_trace_share: 0.5,
            min_requests: 3,
            session_min_time: DurationNs(100_000_000),
        }
    }
}

/// One request where an operation held the path: the span, its time on the
/// path, its share, and the request's (or unit's) duration.
struct Hit {
    span: u32,
    time: u64,
    share: f64,
    request_time: u64,
}

/// The hits of each operation (service, span name).
type Hits = HashMap<(Sym, Sym), Vec<Hit>>;

/// What the requests of a finding are: an endpoint's, or the runs of a
/// handler inside sessions.
enum Of<'a> {
    Endpoint(&'a str),
    /// Service and handler name ([`crate::analysis::groups::unit_name`]: IDs
    /// folded, a scheduler's `POST …/calls/{id}/rona/{id}`; a request path for a bare `get`).
    Handler(Sym, String),
}

/// One finding per endpoint and operation, and per handler of sessions and operation.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut own: Vec<u32> = Vec::new();
    for (&endpoint, traces) in context.traces_by_endpoint() {
        let mut hits: Hits = HashMap::new();
        for &t in traces {
            let Some(trace) = context.index.traces.get(t) else {
                continue;
            };
            let entry = context.entries.get(t).copied().flatten();
            let on_path = |i: u32| context.on_path.get(i as usize).map_or(0, |d| d.0);
            // An entry below the root (a server called by a traced client or
            // job) is a request inside a larger trace: its share is of its own
            // unit's path, as the critical-path finding tells it, not of the
            // whole trace's (Tempo's `pg.query:SELECT` held 79% of
            // `GET /:endpoint`, said as 52% of the requester's trace).
            let (spans, path_total) = match entry.filter(|&e| e != trace.root) {
                Some(e) => {
                    let units = context.units();
                    own.clear();
                    own.extend(
                        context
                            .index
                            .spans_of(trace)
                            .iter()
                            .copied()
                            .filter(|&i| units.unit(i) == Some(e)),
                    );
                    (own.as_slice(), own.iter().map(|&i| on_path(i)).sum())
                }
                None => (
                    context.index.spans_of(trace),
                    context.path_totals.get(t).copied().unwrap_or(0),
                ),
            };
            let request = Request {
                spans,
                entry,
                path_total,
                duration: context.request_durations.get(t).map_or(0, |d| d.0),
                on_path: &|i| context.on_path.get(i as usize).map_or(0, |d| d.0),
                min_time: config.min_time.0,
            };
            collect(context, &mut hits, hits_in(context, config, &request));
        }
        findings.extend(judged(context, config, Of::Endpoint(endpoint), hits, traces.len()));
    }
    findings.extend(in_sessions(context, config));
    findings
}

/// Bottlenecks of the units of work inside sessions, each unit judged on its
/// own critical path: a session is no request, but its handlers are.
fn in_sessions(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let units = context.session_units();
    // Per handler: how many runs, and the hits per operation in them.
    let mut by_handler: BTreeMap<(Sym, String), (usize, Hits)> = BTreeMap::new();
    let mut name = String::new();
    for unit in &units.units {
        let Some(span) = context.set.spans.get(unit.span as usize) else {
            continue;
        };
        let request = Request {
            spans: units.spans(unit),
            entry: Some(unit.span),
            path_total: unit.path_total,
            duration: span.duration.0,
            on_path: &|i| units.on_path(i),
            min_time: config.min_time.max(config.session_min_time).0,
        };
        name.clear();
        crate::analysis::groups::unit_name(context.set, unit.span, &mut name);
        let (runs, hits) = by_handler.entry((span.service, name.clone())).or_default();
        *runs += 1;
        collect(context, hits, hits_in(context, config, &request));
    }
    by_handler
        .into_iter()
        .flat_map(|((service, name), (runs, hits))| judged(context, config, Of::Handler(service, name), hits, runs))
        .collect()
}

/// One request or unit of work: its spans, its own span (never a hit: it
/// holds the whole path), its critical path and duration.
struct Request<'a> {
    spans: &'a [u32],
    entry: Option<u32>,
    path_total: u64,
    duration: u64,
    on_path: &'a dyn Fn(u32) -> u64,
    /// Time on the path from which a span counts.
    min_time: u64,
}

fn collect(context: &Context<'_>, hits: &mut Hits, found: Vec<Hit>) {
    for hit in found {
        let span = &context.set.spans[hit.span as usize];
        hits.entry((span.service, span.name)).or_default().push(hit);
    }
}

/// The findings of the operations whose hits are enough among `requests`.
fn judged(context: &Context<'_>, config: &Config, of: Of<'_>, hits: Hits, requests: usize) -> Vec<Finding> {
    let mut findings = Vec::new();
    for ((service, name), hits) in hits {
        // Fewer requests than `min_requests` are enough when every one shows it:
        // one slow trace dropped in alone still has its bottleneck named.
        let enough = (hits.len() >= config.min_requests.max(1) || hits.len() == requests)
            && hits.len() as f64 >= config.min_trace_share * requests as f64;
        if enough {
            findings.push(finding(context, &of, service, name, hits, requests));
        }
    }
    findings
}

/// The spans holding at least the configured share of a request's path, at
/// most one per operation (the one with the most time on it).
fn hits_in(context: &Context<'_>, config: &Config, request: &Request<'_>) -> Vec<Hit> {
    let set = context.set;
    let total = request.path_total;
    let mut best: HashMap<(Sym, Sym), Hit> = HashMap::new();
    for &i in request.spans {
        let mut time = (request.on_path)(i);
        if Some(i) == request.entry || total == 0 || time < request.min_time {
            continue;
        }
        if (time as f64 / total as f64) < config.min_share {
            continue;
        }
        // A client around a callee its clock does not contain: its time
        // there is the hosts' skew (the data-quality finding says so).
        if crate::analysis::self_time::callee_outside(set, context.index, i) {
            continue;
        }
        // A handler that waited behind another is told by `queued_handlers`.
        if super::queued_handlers::told_here(context, i) {
            continue;
        }
        // A leaf beside a sibling doing the work holds only what it did alone
        // (looked at only for the few spans that would count).
        time = time.min(super::wall_clock::alone_time(context, i).unwrap_or(u64::MAX));
        let share = time as f64 / total as f64;
        if time < request.min_time || share < config.min_share {
            continue;
        }
        let span = &set.spans[i as usize];
        let hit = Hit {
            span: i,
            time,
            share,
            request_time: request.duration,
        };
        match best.entry((span.service, span.name)) {
            Entry::Occupied(mut slot) => {
                if slot.get().time < time {
                    slot.insert(hit);
                }
            }
            Entry::Vacant(slot) => {
                slot.insert(hit);
            }
        }
    }
    best.into_values().collect()
}

fn finding(
    context: &Context<'_>,
    of: &Of<'_>,
    service: Sym,
    name: Sym,
    mut hits: Vec<Hit>,
    requests: usize,
) -> Finding {
    let set = context.set;
    let median_share = super::median_f64(hits.iter().map(|h| h.share).collect());
    let median_time = DurationNs(super::median(hits.iter().map(|h| h.time).collect()));
    let time = sum_ns(hits.iter().map(|h| h.time));
    let request_time = sum_ns(hits.iter().map(|h| h.request_time));
    let once = ran_once(context, of, service, name, &hits, requests);
    let (service, name) = (set.str(service), set.str(name));
    let named = super::operation_of(set, hits.iter().map(|h| h.span));
    // A client's time on the path outside its traced callee is not its own
    // work: it is the network, a queue or a proxy between them, or the two
    // hosts' clocks disagreeing. Say so, naming the callee.
    let waiting = hits
        .iter()
        .filter(|h| crate::analysis::self_time::waits_on_callee(set, context.index, h.span))
        .count();
    let callee = (2 * waiting > hits.len())
        .then(|| {
            let h = hits.first()?;
            context.index.children_of(h.span).iter().find_map(|&c| {
                let child = set.spans.get(c as usize)?;
                (child.kind == crate::model::SpanKind::Server)
                    .then(|| (crate::analysis::groups::operation_name(set, c), set.str(child.service)))
            })
        })
        .flatten();
    let what = match &callee {
        Some((callee, callee_service)) => format!(
            ", waiting outside its traced callee `{}` in `{}` (network, a queue or a proxy between them, or clock skew)",
            super::shown(callee),
            super::shown(callee_service)
        ),
        None => String::new(),
    };
    hits.sort_by_key(|h| std::cmp::Reverse(h.time));
    // Own time that the service's other spans explain: a wait behind another
    // request, or work traced under another parent (see `own_time_cause`).
    let causes: Vec<Option<Cause>> = hits.iter().map(|h| own_time_cause::of(context, h.span)).collect();
    let what = match callee {
        Some(_) => what,
        None => format!("{what}{}", own_time_told(context, &causes)),
    };
    let evidence = hits
        .iter()
        .zip(&causes)
        .take(3)
        .map(|(h, cause)| {
            let mut evidence = context.span_evidence(h.span);
            if let Some(other) = cause.and_then(|c| set.spans.get(c.other()? as usize)) {
                evidence.span_ids.push(other.span_id);
            }
            evidence
        })
        .collect();
    Finding {
        detector: NAME,
        severity: if median_share >= 0.5 {
            Severity::Critical
        } else {
            Severity::Warning
        },
        impact: Impact {
            requests: hits.len() as u64,
            traces: Some(super::distinct(
                hits.iter().map(|h| set.spans[h.span as usize].trace_id),
            )),
            of_requests: requests as u64,
            // Work that ran once is sized against the session it ran in.
            request_time_share: super::time_share(time, once.unwrap_or(request_time)),
            time: DurationNs(time),
            ..Default::default()
        },
        subject: Subject {
            endpoint: match of {
                Of::Endpoint(endpoint) => Some((*endpoint).to_owned()),
                Of::Handler(..) => None,
            },
            service: service.to_owned(),
            operation: name.to_owned(),
            route: None,
            scope: None,
        },
        explanation: format!(
            // The time beside the share it is: after the endpoint, "(1.38s)"
            // read as the request's duration.
            "`{}` in `{}` holds {:.0}% ({}{median_time}) of the critical path of {} {}{what}",
            super::shown(&named),
            super::shown(service),
            median_share * 100.0,
            if hits.len() == 1 { "" } else { "median " },
            of.shown(set),
            of.counted(hits.len(), requests),
        ) + &once.map_or_else(String::new, |session| {
            format!(
                "; it ran once in the {} session ({:.1}% of it): work done once, not on every run",
                DurationNs(session),
                super::time_share(time, session) * 100.0
            )
        }),
        evidence,
    }
}

/// The session's length, when a bottleneck is work that ran once in it: the
/// handler ran once, and the operation has no other span in the session (a
/// token fetched at start, a timer that fired once). Its cost is once in the
/// session, not a share of every run (the .NET session's one 506 ms token
/// fetch in 174 s); `None` otherwise.
fn ran_once(context: &Context<'_>, of: &Of<'_>, service: Sym, name: Sym, hits: &[Hit], requests: usize) -> Option<u64> {
    let ([hit], Of::Handler(..), 1) = (hits, of, requests) else {
        return None;
    };
    let set = context.set;
    let t = context.trace_of(hit.span);
    let trace = context.index.traces.get(t as usize)?;
    let alone = context
        .index
        .spans_of(trace)
        .iter()
        .filter_map(|&i| set.spans.get(i as usize))
        .filter(|s| s.service == service && s.name == name)
        .count()
        == 1;
    alone.then(|| trace.end.0.saturating_sub(trace.start.0))
}

/// ", but it did nothing traced for its first …", when most hits share one
/// cause of their own time; "" otherwise. `causes` follow the hits, longest first.
fn own_time_told(context: &Context<'_>, causes: &[Option<Cause>]) -> String {
    let set = context.set;
    let name = |i: u32| crate::analysis::groups::operation_name(set, i);
    let queued: Vec<(u32, u64, u64)> = causes
        .iter()
        .filter_map(|c| match *c {
            Some(Cause::QueuedBehind { other, lead, after }) => Some((other, lead, after)),
            _ => None,
        })
        .collect();
    let elsewhere: Vec<u32> = causes
        .iter()
        .filter_map(|c| match *c {
            Some(Cause::TracedElsewhere { other, .. }) => Some(other),
            _ => None,
        })
        .collect();
    let logged: Vec<(Sym, Sym, u64)> = causes
        .iter()
        .filter_map(|c| match *c {
            Some(Cause::LoggedWait { began, ended, waited }) => Some((began, ended, waited)),
            _ => None,
        })
        .collect();
    if 2 * logged.len() > causes.len() {
        let waited = super::duration_range(logged.iter().map(|l| l.2));
        let Some(&(began, ended, _)) = logged.first() else {
            return String::new();
        };
        let whose = if causes.len() == 1 {
            "its own log records"
        } else {
            "their own logs record"
        };
        return format!(
            ", but {waited} of it is a wait {whose}: \"{}\", then \"{}\" (queueing for what \
             other requests hold, not its own work)",
            super::shown(set.str(began)),
            super::shown(set.str(ended)),
        );
    }
    if 2 * queued.len() > causes.len() {
        let mut others: Vec<String> = queued
            .iter()
            .map(|&(o, ..)| format!("`{}`", super::shown(&name(o))))
            .collect();
        others.dedup();
        let lead = super::duration_range(queued.iter().map(|q| q.1));
        let after = super::duration_range(queued.iter().map(|q| q.2));
        if causes.len() == 1 {
            return format!(
                ", but it did nothing traced for its first {lead}: it started while {} (another handler of \
                 the same service) was running, and went on {after} after that ended (a lock or a \
                 queue that runs them one at a time?)",
                others.join(", ")
            );
        }
        let who = if queued.len() == causes.len() {
            "each".to_owned()
        } else {
            format!("{} of them", queued.len())
        };
        return format!(
            ", but {who} did nothing traced for its first {lead}: each started while another handler of the \
             same service was running ({}) and went on {after} after that one ended (a lock or a queue \
             that runs them one at a time?)",
            others.join(", ")
        );
    }
    if 2 * elsewhere.len() > causes.len() {
        let Some(&other) = elsewhere.first() else {
            return String::new();
        };
        let parent = context.index.parent.get(other as usize).copied().flatten().map_or_else(
            || "as a trace root".to_owned(),
            |p| format!("under `{}`, which had ended before it began", super::shown(&name(p))),
        );
        return format!(
            ", but its own time is `{}` in the same service, which ran inside it and ended with it, traced {parent}: \
             its work, parented to an older context instead of to it",
            super::shown(&name(other))
        );
    }
    String::new()
}

impl Of<'_> {
    /// "`GET /dispatch`", or "`IncomingCall` in `callhandler`".
    fn shown(&self, set: &crate::model::TraceSet) -> String {
        match self {
            Of::Endpoint(endpoint) => format!("`{}`", super::shown(endpoint)),
            Of::Handler(service, name) => format!("`{}` in `{}`", super::shown(name), super::shown(set.str(*service))),
        }
    }

    /// "in its one request (n=1)", "in 4 of its 5 requests"; a handler's
    /// requests are its runs in sessions.
    fn counted(&self, hits: usize, requests: usize) -> String {
        let (one, many) = match self {
            Of::Endpoint(_) => ("request", "requests"),
            Of::Handler(..) => ("run in a session", "runs in sessions"),
        };
        if requests == 1 {
            format!("in its one {one} (n=1)")
        } else {
            format!("in {hits} of its {requests} {many}")
        }
    }
}
