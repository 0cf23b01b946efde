//! Error hotspots: one finding per incident, told from where it started.
//!
//! **What it detects.** Where errors start (the failing span below which
//! nothing failed), grouped into incidents: the same origin failing with the
//! same message, wherever the requests came from, and failures of one
//! dependency close in time (a DNS failure, then connection refused, on the
//! same peer). Each finding lists the endpoints whose requests it failed (with
//! counts per endpoint), the exception types and messages, the time window,
//! and how far the error climbed.
//!
//! **Why it matters.** A failed request shows errors on five spans in three
//! services, and dashboards count all of them; the team needs the one place to
//! fix, and whether its failures reach the user. An error the caller survived
//! (a fallback) is worth knowing but not urgent; one it retried away is
//! reported by the `retries` detector instead.
//!
//! **Rule and thresholds.**
//! - A span failed, and a request failed, as [`crate::analysis::failure`]
//!   says (error status, or a server answering HTTP 5xx; a request when its
//!   entry span failed). An *origin* is a failing span with no failing
//!   descendant: a failing span above it, even across spans without a status
//!   (an Envoy sidecar), only passes the error on.
//! - An origin whose request did not fail and which (or a failing call above
//!   it) was followed by a later call of the same service and operation under
//!   the same parent that succeeded was retried: left out.
//! - Origins with the same service, operation and message, the message
//!   folded first (URLs, UUIDs, hex IDs, hosts, IP addresses, quoted values and
//!   numbers; see `message.rs`) are one incident, and so are origins without
//!   a message when their operation fails with one message only; incidents calling the same
//!   peer (`peer.service`, `server.address`, `net.peer.name`, `db.system`…)
//!   whose time windows overlap, or are less than `peer_gap` apart (default
//!   a minute), are merged, and named by them all ("`a` in `x` and 2 other
//!   operations calling `y`"), not by the lead alone.
//! - Reported when it failed at least `min_failed_requests` requests (default
//!   1), or started at least `min_errors` errors (default 3). The incidents
//!   under both are told together in one `info` finding (`rare.rs`), so no
//!   error in the data goes unsaid: a session that ended on one failed
//!   countdown, a test run's one failing step.
//! - Impact: failed requests of the endpoints' requests (without an endpoint,
//!   of all calls of the operation), the share of the affected requests' time
//!   the origin spans cover (their union, clipped to the request), and the
//!   origins' own time. Severity follows from it (see `SeverityRules`): an
//!   incident that failed no request is never critical by its failures.
//! - An incident whose every origin was handled (a span above it set its
//!   status to OK) by a span whose caller then failed anyway, through
//!   another incident's origin begun after the check, is said in that
//!   incident's finding ("each followed a failed check its caller handled,
//!   …") and makes none of its own (`handled.rs`: Robot Framework's
//!   `File Should Exist` under `Run Keyword And Return Status`, then `Fail`).
//! - When the origin spent at least `waited_share` (default 90%) of its time
//!   waiting on a call that did not fail, the finding names that call: a
//!   timeout upstream (a proxy answering 504) is caused by the slow call.
//!
//! **Example.** "`GetCart` in `cart` failed 12 `POST /api/checkout` requests
//! (12 of 40, 30%) and 3 `GET /api/cart` requests (3 of 90, 3%) between
//! 2026-11-21 10:04:12 and 10:09:55 UTC, 15 of the 21 requests those
//! endpoints had in that time: `RpcException` ×15 (\"Can't access cart
//! storage: Connection refused to <host>\" ×15); the 4 spans above it failed with it,
//! up to `frontend`." The share of the requests made while it lasted is said
//! when the window holds fewer than all of them and it failed at least half.

pub(crate) mod cause;
mod handled;
pub(crate) mod message;
mod messages;
mod origins;
mod rare;
mod refused;
mod sentence;

use super::{Context, Evidence, Finding, Impact, Subject, shown};
use crate::intern::Sym;
use crate::time::{DurationNs, sum_ns};
use origins::Origin;
use std::collections::{BTreeMap, HashMap};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::ErrorHotspot;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Errors an incident needs to be reported when it failed too few requests.
    pub min_errors: usize,
    /// Failed requests from which an incident is reported whatever its errors.
    pub min_failed_requests: u64,
    /// Share of an origin's time spent waiting on one call that did not fail
    /// from which the finding names that call (a timeout).
    pub waited_share: f64,
    /// Characters of a message shown (messages are grouped whole).
    pub shown_message_chars: usize,
    /// Failures of one peer this close in time (or overlapping) are one incident.
    #[serde(serialize_with = "crate::time::as_written")]
    pub peer_gap: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_errors: 3,
            min_failed_requests: 1,
            waited_share: 0.9,
            shown_message_chars: 100,
            peer_gap: DurationNs(60_000_000_000),
        }
    }
}

/// An origin and what its span says about the error.
struct Described {
    origin: Origin,
    /// The exception type.
    kind: Option<String>,
    /// The folded message, by index in the list of messages.
    message: Option<usize>,
    /// The dependency it called.
    peer: Option<Sym>,
    /// When it started; 0 when unknown.
    start: u64,
}

/// Service, operation and folded message (by index) of an origin.
type GroupKey = (Sym, Sym, Option<usize>);

/// Origins with the same service, operation and folded message.
struct Group {
    service: Sym,
    name: Sym,
    members: Vec<usize>,
    /// The peer most of them called.
    peer: Option<Sym>,
    /// From the first origin's start to the last one's end.
    window: (u64, u64),
}

/// One finding per incident.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let mut origins = origins::origins(context);
    if origins.is_empty() {
        return Vec::new();
    }
    // A consumed message is a request of its own: its failure is a failed request.
    let messages = messages::Messages::of(context);
    for origin in &mut origins {
        origin.message = messages.of_origin(context, origin);
        if let Some(message) = origin.message {
            origin.failed_request = messages.failed(message);
        }
    }
    let (described, texts) = describe(context, origins);
    let groups = groups(context, &described, &texts);
    let op_calls: HashMap<(&str, &str), u64> = context
        .groups
        .operations
        .iter()
        .map(|g| ((g.service.as_str(), g.name.as_str()), g.durations.count))
        .collect();
    let incidents = incidents(context, &groups, config.peer_gap);
    let mut told: Vec<Told> = incidents
        .iter()
        .map(|incident| {
            let incident: Vec<&Group> = incident.iter().filter_map(|&g| groups.get(g)).collect();
            finding(context, config, &described, &texts, &incident, &op_calls, &messages)
        })
        .collect();
    // A handled check whose caller failed anyway is said in that failure's finding.
    // (A check that led to another handled check is left as it is.)
    let led_map = handled::led_to(context, &described, &groups, &incidents);
    let mut led: Vec<(usize, usize)> = led_map
        .iter()
        .filter(|(_, then)| !led_map.contains_key(then))
        .map(|(&check, &then)| (check, then))
        .collect();
    led.sort_unstable();
    for (check, then) in led {
        let clause = handled_clause(context, &described, &texts, &groups, &incidents[check]);
        if let Some(Told::Finding(finding)) = told.get_mut(then) {
            finding.explanation = super::with_clause(&finding.explanation, &clause);
            told[check] = Told::Nothing;
        }
    }
    let mut findings = Vec::new();
    let mut too_rare: Vec<Vec<&Described>> = Vec::new();
    for told in told {
        match told {
            Told::Finding(finding) => findings.push(*finding),
            Told::TooRare(members) => too_rare.push(members),
            Told::Nothing => {}
        }
    }
    findings.extend(rare::finding(context, config, &texts, &too_rare));
    findings
}

/// "; each followed a failed check its caller handled, `File Should Exist
/// ${TRACES_FILE}`: "File '<value>' does not exist." ×4": the handled
/// incident's operation, message and count.
fn handled_clause(
    context: &Context<'_>,
    described: &[Described],
    messages: &[String],
    groups: &[Group],
    incident: &[usize],
) -> String {
    let set = context.set;
    let mut told: Vec<String> = Vec::new();
    for group in incident.iter().filter_map(|&g| groups.get(g)) {
        let message = group
            .members
            .first()
            .and_then(|&d| described.get(d)?.message)
            .and_then(|m| messages.get(m));
        let spans = group
            .members
            .iter()
            .filter_map(|&d| described.get(d))
            .map(|d| d.origin.span);
        told.push(format!(
            "`{}`{} ×{}",
            shown(&super::operation_of(set, spans)),
            message.map_or(String::new(), |m| format!(": \"{m}\"")),
            group.members.len()
        ));
    }
    format!("; each followed a failed check its caller handled, {}", told.join(", "))
}

/// What one incident gives.
enum Told<'d> {
    Finding(Box<Finding>),
    /// Under both thresholds: its origins, told together with the other rare ones.
    TooRare(Vec<&'d Described>),
    Nothing,
}

/// Each origin not retried away, with its type, folded message and peer; and
/// the folded messages (each folded once per distinct text).
fn describe(context: &Context<'_>, origins: Vec<Origin>) -> (Vec<Described>, Vec<String>) {
    let set = context.set;
    let keys = cause::CauseKeys::of(set);
    let mut messages: Vec<String> = Vec::new();
    let mut by_folded: HashMap<String, usize> = HashMap::new();
    let mut by_text: HashMap<Sym, usize> = HashMap::new();
    let mut described = Vec::new();
    for origin in origins {
        if origin.retried && !origin.failed_request {
            continue;
        }
        let Some(span) = set.spans.get(origin.span as usize) else {
            continue;
        };
        let message = keys.message(set, span).map(|text| {
            *by_text.entry(text).or_insert_with(|| {
                let folded = message::normalise(set.str(text));
                *by_folded.entry(folded).or_insert_with_key(|folded| {
                    messages.push(folded.clone());
                    messages.len() - 1
                })
            })
        });
        described.push(Described {
            origin,
            kind: keys.kind(set, span),
            message,
            peer: keys.peer(set, span),
            start: span.start.0,
        });
    }
    (described, messages)
}

/// Origins grouped by service, operation and folded message, in a fixed order.
fn groups(context: &Context<'_>, described: &[Described], messages: &[String]) -> Vec<Group> {
    let set = context.set;
    let mut by_key: HashMap<GroupKey, Vec<usize>> = HashMap::new();
    for (d, item) in described.iter().enumerate() {
        if let Some(span) = set.spans.get(item.origin.span as usize) {
            by_key
                .entry((span.service, span.name, item.message))
                .or_default()
                .push(d);
        }
    }
    // An origin that says nothing (no message: an empty `error` tag) is the
    // same incident as its operation's failures that do, when they say one thing.
    let silent: Vec<GroupKey> = by_key.keys().filter(|k| k.2.is_none()).copied().collect();
    for key in silent {
        let mut told = by_key.keys().filter(|k| (k.0, k.1) == (key.0, key.1) && k.2.is_some());
        if let (Some(&target), None) = (told.next(), told.next()) {
            let moved = by_key.remove(&key).unwrap_or_default();
            by_key.entry(target).or_default().extend(moved);
        }
    }
    let mut keyed: Vec<(GroupKey, Vec<usize>)> = by_key.into_iter().collect();
    let message_text = |m: Option<usize>| m.and_then(|m| messages.get(m)).map_or("", String::as_str);
    keyed.sort_by(|(a, _), (b, _)| {
        (set.str(a.0), set.str(a.1), message_text(a.2)).cmp(&(set.str(b.0), set.str(b.1), message_text(b.2)))
    });
    keyed
        .into_iter()
        .map(|((service, name, _), members)| {
            let peer = most_common(members.iter().filter_map(|&d| described.get(d)?.peer));
            let (mut first, mut last) = (u64::MAX, 0u64);
            for span in members
                .iter()
                .filter_map(|&d| set.spans.get(described.get(d)?.origin.span as usize))
                .filter(|s| s.start.0 != 0)
            {
                first = first.min(span.start.0);
                last = last.max(span.end().0);
            }
            Group {
                service,
                name,
                members,
                peer,
                window: (first.min(last), last),
            }
        })
        .collect()
}

/// Groups that are one incident: each group alone, except groups calling the
/// same peer whose time windows overlap or are less than `gap` apart (a DNS
/// failure, then connection refused), which are merged.
fn incidents(context: &Context<'_>, groups: &[Group], gap: DurationNs) -> Vec<Vec<usize>> {
    let set = context.set;
    let mut incidents: Vec<Vec<usize>> = Vec::new();
    let mut with_peer: Vec<usize> = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        if group.peer.is_some() {
            with_peer.push(g);
        } else {
            incidents.push(vec![g]);
        }
    }
    let peer_of = |g: usize| groups.get(g).and_then(|g| g.peer).map_or("", |p| set.str(p));
    let window_of = |g: usize| groups.get(g).map_or((0, 0), |g| g.window);
    with_peer.sort_by(|&a, &b| (peer_of(a), window_of(a)).cmp(&(peer_of(b), window_of(b))));
    // Sorted by peer, then start: one sweep merges overlapping windows.
    let mut current: Option<(usize, u64)> = None;
    for g in with_peer {
        let (start, end) = window_of(g);
        match (current, incidents.last_mut()) {
            (Some((first, reach)), Some(incident))
                if peer_of(first) == peer_of(g) && start <= reach.saturating_add(gap.0) =>
            {
                incident.push(g);
                current = Some((first, reach.max(end)));
            }
            _ => {
                incidents.push(vec![g]);
                current = Some((g, end));
            }
        }
    }
    incidents
}

/// A request: its trace, and the message entry span when it is a message
/// (`u32::MAX` for the trace's own request).
type RequestId = (usize, u32);

/// Where an incident's origins were, per endpoint (`None`: outside any endpoint's request).
#[derive(Default)]
struct Reach {
    /// Requests with an origin.
    affected: Vec<RequestId>,
    /// Of those, requests that failed because of it.
    failed: Vec<RequestId>,
}

fn finding<'d>(
    context: &Context<'_>,
    config: &Config,
    described: &'d [Described],
    messages: &[String],
    incident: &[&Group],
    op_calls: &HashMap<(&str, &str), u64>,
    consumed: &messages::Messages,
) -> Told<'d> {
    let set = context.set;
    let members: Vec<&Described> = incident
        .iter()
        .flat_map(|g| g.members.iter().filter_map(|&d| described.get(d)))
        .collect();
    let Some(lead) = incident
        .iter()
        .copied()
        .enumerate()
        .max_by_key(|(order, g)| (g.members.len(), std::cmp::Reverse(*order)))
        .map(|(_, g)| g)
    else {
        return Told::Nothing;
    };
    let mut reach: BTreeMap<Option<&str>, Reach> = BTreeMap::new();
    let request_of = |origin: &origins::Origin| (origin.trace, origin.message.unwrap_or(u32::MAX));
    for member in &members {
        let t = member.origin.trace;
        let endpoint = match member.origin.message {
            Some(message) => consumed.name(message),
            None if member.origin.in_request => context.endpoints.get(t).and_then(|e| e.as_deref()),
            None => None,
        };
        let entry = reach.entry(endpoint).or_default();
        entry.affected.push(request_of(&member.origin));
        if member.origin.failed_request {
            entry.failed.push(request_of(&member.origin));
        }
    }
    for r in reach.values_mut() {
        for traces in [&mut r.affected, &mut r.failed] {
            traces.sort_unstable();
            traces.dedup();
        }
    }
    let mut affected: Vec<RequestId> = members.iter().map(|m| request_of(&m.origin)).collect();
    affected.sort_unstable();
    affected.dedup();
    let mut failed: Vec<RequestId> = members
        .iter()
        .filter(|m| m.origin.failed_request)
        .map(|m| request_of(&m.origin))
        .collect();
    failed.sort_unstable();
    failed.dedup();
    if (failed.len() as u64) < config.min_failed_requests.max(1) && members.len() < config.min_errors.max(1) {
        return Told::TooRare(members);
    }
    let by_endpoint = context.traces_by_endpoint();
    let endpoint_requests = |e: &str| {
        by_endpoint
            .get(e)
            .map(|v| v.len() as u64)
            .or_else(|| consumed.count(e))
            .unwrap_or(0)
    };
    let operations: Vec<(&str, &str)> = {
        let mut ops: Vec<(&str, &str)> = incident.iter().map(|g| (set.str(g.service), set.str(g.name))).collect();
        ops.sort_unstable();
        ops.dedup();
        ops
    };
    let calls = (operations
        .iter()
        .map(|op| op_calls.get(op).copied().unwrap_or(0))
        .sum::<u64>())
    .max(members.len() as u64);
    let of_requests: u64 = reach
        .keys()
        .map(|endpoint| endpoint.map_or(calls, endpoint_requests))
        .sum();
    let time = DurationNs(sum_ns(
        members
            .iter()
            .map(|m| context.self_times.get(m.origin.span as usize).map_or(0, |d| d.0)),
    ));
    let endpoints: Vec<&str> = reach.keys().copied().collect::<Option<Vec<&str>>>().unwrap_or_default();
    let subject_endpoint = match endpoints.as_slice() {
        [only] => Some((*only).to_owned()),
        _ => None,
    };
    let (service, operation) = (set.str(lead.service), set.str(lead.name));
    let lead_spans = lead
        .members
        .iter()
        .filter_map(|&d| described.get(d))
        .map(|d| d.origin.span);
    let mut sentence = format!(
        "`{}` in `{}`",
        shown(&super::operation_of(set, lead_spans)),
        shown(service)
    );
    // An incident of several operations calling one peer is named by them
    // all, as its sentence opens, not by the lead alone.
    let mut scope = None;
    if let Some(peer) = lead.peer.filter(|_| incident.len() > 1) {
        sentence.push_str(&format!(
            " and {} other operation{} calling `{}`",
            incident.len() - 1,
            sentence::plural(incident.len() - 1),
            shown(set.str(peer))
        ));
        scope = Some(sentence.clone());
    }
    // A name the requests do not have is a consumed message's.
    let is_message = |e: &str| !by_endpoint.contains_key(e) && consumed.count(e).is_some();
    sentence.push_str(&sentence::what_failed(
        &reach,
        &endpoint_requests,
        &is_message,
        calls,
        &sentence::window(&members),
        members.len(),
    ));
    sentence.push_str(&sentence::in_that_time(context, &reach, &members));
    sentence.push_str(&sentence::causes(&members, messages, config.shown_message_chars));
    sentence.push_str(&sentence::climb(context, &members));
    sentence.push_str(&sentence::waited(context, config, &members));
    sentence.push('.');
    let (share, covered) = time_share(context, &members);
    Told::Finding(Box::new(Finding {
        detector: NAME,
        severity: super::Severity::Info,
        impact: Impact {
            requests: affected.len() as u64,
            traces: Some(super::distinct(affected.iter().map(|(trace, _)| *trace))),
            failed_requests: failed.len() as u64,
            of_requests,
            request_time_share: share,
            time,
            data_at_risk: false,
            request_time: DurationNs(covered),
        },
        subject: Subject {
            endpoint: subject_endpoint,
            service: service.to_owned(),
            operation: operation.to_owned(),
            route: None,
            scope,
        },
        explanation: sentence,
        evidence: evidence(context, &members),
    }))
}

/// Of the affected requests' wall-clock time, the share the origin spans
/// cover (per request, the union of their intervals clipped to the request),
/// and that time in nanoseconds: how long the failures kept their requests
/// waiting. A request is its trace's entry span (else its root), or, for an
/// origin in a consumed message, the message's handling
/// ([`messages::Messages::handled`]): the Kafka capture's handlers run after
/// their 1 µs poll ended, and clipped to the poll they covered nothing.
fn time_share(context: &Context<'_>, members: &[&Described]) -> (f64, u64) {
    let (set, index) = (context.set, context.index);
    let request = |trace: usize, message: Option<u32>| -> (u64, u64) {
        if let Some(message) = message {
            return messages::Messages::handled(context, message).unwrap_or((0, 0));
        }
        index
            .traces
            .get(trace)
            .map(|t| context.entries.get(trace).copied().flatten().unwrap_or(t.root))
            .and_then(|r| set.spans.get(r as usize))
            .map_or((0, 0), |r| (r.start.0, r.end().0))
    };
    // (request, start, end), the request keyed as `request_of` keys it.
    let mut intervals: Vec<((usize, u32), u64, u64)> = members
        .iter()
        .filter_map(|m| {
            let span = set.spans.get(m.origin.span as usize)?;
            let key = (m.origin.trace, m.origin.message.unwrap_or(u32::MAX));
            Some((key, span.start.0, span.end().0))
        })
        .collect();
    intervals.sort_unstable();
    let (mut covered, mut total) = (0u128, 0u128);
    let mut at = 0;
    while let Some(&(key, _, _)) = intervals.get(at) {
        let (from, to) = request(key.0, (key.1 != u32::MAX).then_some(key.1));
        total += u128::from(to - from.min(to));
        let mut reach = from;
        while let Some(&(_, start, end)) = intervals.get(at).filter(|i| i.0 == key) {
            // Sorted by start: each interval adds only what lies past the last one's reach.
            let (start, end) = (start.max(reach).min(to), end.max(from).min(to));
            if end > start {
                covered += u128::from(end - start);
                reach = end;
            }
            at += 1;
        }
    }
    let time = u64::try_from(covered).unwrap_or(u64::MAX);
    if total == 0 {
        (0.0, time)
    } else {
        ((covered as f64 / total as f64).min(1.0), time)
    }
}

/// Up to three origins, one per trace, those that failed their request first.
fn evidence(context: &Context<'_>, members: &[&Described]) -> Vec<Evidence> {
    let mut ordered: Vec<&Described> = members.to_vec();
    ordered.sort_by_key(|m| (!m.origin.failed_request, m.start, m.origin.trace));
    let mut seen: Vec<usize> = Vec::new();
    let mut evidence = Vec::new();
    for member in ordered {
        if evidence.len() == 3 {
            break;
        }
        if !seen.contains(&member.origin.trace) {
            seen.push(member.origin.trace);
            evidence.push(context.span_evidence(member.origin.span));
        }
    }
    evidence
}

/// The most frequent value, ties broken by the smallest.
fn most_common<T: Ord + Copy>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(value, _)| value)
}
