//! The finding's sentence, part by part: what failed (per endpoint), when,
//! with which types and messages, how far the error climbed, and what the
//! origin was waiting on.

use super::super::{Context, median, shown};
use super::origins::Origin;
use super::{Config, Described, Reach, message, most_common};
use crate::time::{DurationNs, TimestampNs};
use std::collections::BTreeMap;

/// " failed 12 `POST /api/checkout` requests (12 of 40, 30%) and … {window}",
/// or " failed 5 of its 40 calls in 3 requests {window}, but no request failed …".
/// A consumed message's endpoint counts messages: "all 3 messages of
/// `serviceb: poll messages`".
pub(super) fn what_failed(
    reach: &BTreeMap<Option<&str>, Reach>,
    endpoint_requests: &dyn Fn(&str) -> u64,
    is_message: &dyn Fn(&str) -> bool,
    calls: u64,
    window: &str,
    errors: usize,
) -> String {
    let mut failing: Vec<(Option<&str>, &Reach)> = reach
        .iter()
        .filter(|(_, r)| !r.failed.is_empty())
        .map(|(e, r)| (*e, r))
        .collect();
    failing.sort_by(|a, b| b.1.failed.len().cmp(&a.1.failed.len()).then_with(|| a.0.cmp(&b.0)));
    if failing.is_empty() {
        let affected: usize = reach.values().map(|r| r.affected.len()).sum();
        // Errors outside any request's span (a test runner's own steps) are
        // in a trace, not a request, and no caller handled them.
        // A test runner's trace may fail at its root: it is no endpoint's request.
        let (unit, handled) = if reach.keys().all(Option::is_some) {
            ("request", ", but no request failed (the caller handled it)")
        } else {
            ("trace", ", outside any endpoint's request")
        };
        return format!(
            " failed {errors} of its {calls} calls in {affected} {unit}{}{window}{handled}",
            plural(affected)
        );
    }
    let items: Vec<String> = failing
        .iter()
        .map(|(endpoint, r)| {
            let n = r.failed.len();
            match endpoint {
                // A message endpoint's name holds its topic ("`serviceb: poll
                // messages`"): "3 `serviceb: poll messages` messages" read as
                // tool talk (the second review).
                Some(endpoint) if is_message(endpoint) => {
                    let of = endpoint_requests(endpoint);
                    if of <= 1 {
                        format!("the one message of `{}` (n=1)", shown(endpoint))
                    } else if n as u64 == of {
                        format!("all {n} messages of `{}`", shown(endpoint))
                    } else {
                        format!(
                            "{n} of the {of} messages of `{}` ({:.0}%)",
                            shown(endpoint),
                            n as f64 * 100.0 / of as f64
                        )
                    }
                }
                Some(endpoint) => {
                    let of = endpoint_requests(endpoint);
                    let noun = unit_noun(false);
                    if of <= 1 {
                        format!("the one `{}` {noun} (n=1)", shown(endpoint))
                    } else {
                        format!(
                            "{n} `{}` {noun}{} ({n} of {of}, {:.0}%)",
                            shown(endpoint),
                            plural(n),
                            n as f64 * 100.0 / of as f64
                        )
                    }
                }
                None if n == 1 => "one request without an endpoint (n=1)".to_owned(),
                None => format!("{n} requests without an endpoint"),
            }
        })
        .collect();
    // Requests where it erred but which did not fail, named per endpoint.
    let survived: Vec<String> = reach
        .iter()
        .filter_map(|(endpoint, r)| {
            let n = r.affected.len().saturating_sub(r.failed.len());
            (n > 0).then(|| match endpoint {
                Some(endpoint) if is_message(endpoint) => {
                    format!("{n} message{} of `{}`", plural(n), shown(endpoint))
                }
                Some(endpoint) => format!("{n} `{}` {}{}", shown(endpoint), unit_noun(false), plural(n)),
                None => format!("{n} trace{} outside a request", plural(n)),
            })
        })
        .collect();
    // "without failing them" before the list: after it, "that did not fail"
    // read as said of "a request" in "1 trace outside a request".
    let also = if survived.is_empty() {
        String::new()
    } else {
        format!(", and erred without failing them in {}", join_and(&survived))
    };
    format!(" failed {}{window}{also}", join_and(&items))
}

/// ", all 44 requests those endpoints had in that time" (or "44 of the 46
/// …"): an outage reads as 33% of a day's requests when it failed every
/// request made while it lasted. Counted over the requests (entry spans, else
/// roots) of the endpoints it failed that overlap the window from the first
/// origin to the last; said when that is fewer than all their requests and
/// it failed at least half of them.
pub(super) fn in_that_time(
    context: &Context<'_>,
    reach: &BTreeMap<Option<&str>, Reach>,
    members: &[&Described],
) -> String {
    let starts = members.iter().map(|m| m.start).filter(|&s| s != 0);
    let (Some(first), Some(last)) = (starts.clone().min(), starts.max()) else {
        return String::new();
    };
    if first == last {
        return String::new();
    }
    let by_endpoint = context.traces_by_endpoint();
    let (mut failed, mut during, mut all, mut endpoints) = (0usize, 0usize, 0usize, 0usize);
    for (endpoint, r) in reach {
        let (Some(endpoint), false) = (endpoint, r.failed.is_empty()) else {
            continue;
        };
        // Consumed messages have no traces of their own to count.
        let Some(traces) = by_endpoint.get(endpoint) else {
            return String::new();
        };
        endpoints += 1;
        failed += r.failed.len();
        all += traces.len();
        during += traces
            .iter()
            .filter(|&&t| {
                let request = context
                    .entries
                    .get(t)
                    .copied()
                    .flatten()
                    .or_else(|| context.index.traces.get(t).map(|trace| trace.root));
                request
                    .and_then(|i| context.set.spans.get(i as usize))
                    .is_some_and(|span| span.start.0 != 0 && span.start.0 <= last && span.end().0 >= first)
            })
            .count();
    }
    if endpoints == 0 || during >= all || during < 3 || 2 * failed < during {
        return String::new();
    }
    let whose = if endpoints == 1 {
        "that endpoint"
    } else {
        "those endpoints"
    };
    if failed >= during {
        format!(", all {during} requests {whose} had in that time")
    } else {
        format!(", {failed} of the {during} requests {whose} had in that time")
    }
}

/// What one unit of an endpoint is: a request, or a consumed message.
fn unit_noun(message: bool) -> &'static str {
    if message { "message" } else { "request" }
}

/// " between 2026-11-21 10:04:12 and 10:09:55 UTC": first to last origin start.
pub(super) fn window(members: &[&Described]) -> String {
    let starts = members.iter().map(|m| m.start).filter(|&s| s != 0);
    let (Some(first), Some(last)) = (starts.clone().min(), starts.max()) else {
        return String::new();
    };
    let (first_day, first_time) = day_and_time(TimestampNs(first));
    let (last_day, last_time) = day_and_time(TimestampNs(last));
    if (&first_day, &first_time) == (&last_day, &last_time) {
        format!(" at {first_day} {first_time} UTC")
    } else if first_day == last_day {
        format!(" between {first_day} {first_time} and {last_time} UTC")
    } else {
        format!(" between {first_day} {first_time} and {last_day} {last_time} UTC")
    }
}

/// `2026-11-21` and `10:04:12` of a timestamp, in UTC.
fn day_and_time(at: TimestampNs) -> (String, String) {
    let text = at.to_rfc3339_millis();
    (
        text.get(..10).unwrap_or_default().to_owned(),
        text.get(11..19).unwrap_or_default().to_owned(),
    )
}

/// ": `CardDeclined` ×8 ("card declined" ×8)": the three most common
/// exception types and, in parentheses, folded messages, or nothing when
/// the spans carry neither.
pub(super) fn causes(members: &[&Described], messages: &[String], max_chars: usize) -> String {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut texts: BTreeMap<&str, usize> = BTreeMap::new();
    for member in members {
        if let Some(kind) = member.kind.as_deref() {
            *kinds.entry(kind).or_default() += 1;
        }
        if let Some(text) = member.message.and_then(|m| messages.get(m)) {
            *texts.entry(text.as_str()).or_default() += 1;
        }
    }
    let top = |counts: BTreeMap<&str, usize>, quote: &str| -> Vec<String> {
        let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        counts
            .into_iter()
            .take(3)
            .map(|(text, n)| {
                let text = message::shortened(&message::readable(text), max_chars);
                format!("{quote}{text}{quote} ×{n}")
            })
            .collect()
    };
    // Origins that say nothing are counted too, so the counts add up (Kafka:
    // "some error" ×2 of 3 failed messages, the third an empty error tag).
    let silent = members.iter().filter(|m| m.message.is_none()).count();
    let silent = (silent > 0 && !texts.is_empty()).then(|| format!("{silent} without a message"));
    // The messages in parentheses after the types: listed side by side,
    // "`RedisConnectionException` ×44, \"SocketFailure…\" ×33, …" read as 88 errors.
    let kinds = top(kinds, "`");
    let said: Vec<String> = top(texts, "\"").into_iter().chain(silent).collect();
    match (kinds.is_empty(), said.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(": {}", kinds.join(", ")),
        (true, false) => format!(": {}", said.join(", ")),
        (false, false) => format!(": {} ({})", kinds.join(", "), said.join(", ")),
    }
}

/// "; the 4 spans above it failed with it, up to `frontend`", from the median origin.
pub(super) fn climb(context: &Context<'_>, members: &[&Described]) -> String {
    let set = context.set;
    let climbed = median(members.iter().map(|m| m.origin.climbed).collect());
    let top = most_common(
        members
            .iter()
            .filter_map(|m| set.spans.get(m.origin.top? as usize))
            .map(|s| s.service),
    );
    match top {
        // Said as what happened to the request ("climbed N spans" read as
        // the tool's word, the second review).
        Some(service) if climbed == 1 => {
            format!("; the span above it failed with it, in `{}`", shown(set.str(service)))
        }
        Some(service) if climbed > 0 => format!(
            "; the {climbed} spans above it failed with it, up to `{}`",
            shown(set.str(service))
        ),
        _ => String::new(),
    }
}

/// "; it spent 15.0s waiting on `POST /api/checkout` in `frontend`, which did not fail (a
/// timeout?)", when most origins spent nearly all their time in one call;
/// "…, until the proxy's timeout for it ran out (Envoy's response flag
/// `UT`)" when the proxy said so.
pub(super) fn waited(context: &Context<'_>, config: &Config, members: &[&Described]) -> String {
    let set = context.set;
    let waits: Vec<(u32, DurationNs)> = members
        .iter()
        .filter_map(|m| waited_on(context, config.waited_share, &m.origin))
        .collect();
    if waits.is_empty() || waits.len() * 2 < members.len() {
        return String::new();
    }
    let on = most_common(
        waits
            .iter()
            .filter_map(|&(span, _)| set.spans.get(span as usize))
            .map(|s| (s.service, s.name)),
    );
    // Named as the finding names any operation: a bare `POST` by its route.
    let waited_spans = |(service, name)| {
        waits.iter().map(|&(span, _)| span).filter(move |&span| {
            set.spans
                .get(span as usize)
                .is_some_and(|s| (s.service, s.name) == (service, name))
        })
    };
    let duration = median(waits.iter().map(|&(_, d)| d).collect());
    // An Envoy proxy says why it answered: `UT` is its upstream timeout.
    let timed_out = members
        .iter()
        .filter(|m| {
            set.spans
                .get(m.origin.span as usize)
                .is_some_and(|s| proxy_timed_out(set, s))
        })
        .count();
    let why = if 2 * timed_out > members.len() {
        ", until the proxy's timeout for it ran out (Envoy's response flag `UT`)"
    } else {
        " (a timeout?)"
    };
    match on {
        Some((service, name)) => format!(
            "; it spent {duration} waiting on `{}` in `{}`, which did not fail{why}",
            shown(&super::super::operation_of(set, waited_spans((service, name)))),
            shown(set.str(service))
        ),
        None => String::new(),
    }
}

/// Whether `span` is an Envoy proxy's span whose `response_flags` include
/// `UT` (upstream request timeout): the proxy gave up waiting and answered
/// 504 itself. Flags are comma-separated (`UT,URX`).
fn proxy_timed_out(set: &crate::model::TraceSet, span: &crate::model::Span) -> bool {
    let Some(key) = set.strings.get("response_flags") else {
        return false;
    };
    set.attributes_of(span).iter().any(|a| {
        a.key == key
            && matches!(a.value, crate::model::AttrValue::Str(v) if set.str(v).split(',').any(|f| f.trim() == "UT"))
    })
}

/// The call an origin spent nearly all its time waiting on: the longest
/// child, followed down while it holds `share` of its parent's time.
fn waited_on(context: &Context<'_>, share: f64, origin: &Origin) -> Option<(u32, DurationNs)> {
    let (set, index) = (context.set, context.index);
    let span = set.spans.get(origin.span as usize)?;
    let own = context.self_times.get(origin.span as usize)?;
    if span.duration.0 == 0 || own.0 as f64 > (1.0 - share) * span.duration.0 as f64 {
        return None;
    }
    let bound = index.traces.get(origin.trace).map_or(0, |t| t.span_count());
    let mut at = origin.span;
    // Bounded by the trace's size, so a parent cycle in bad data cannot loop.
    for _ in 0..bound {
        let duration = set.spans.get(at as usize)?.duration.0;
        let longest = index
            .children_of(at)
            .iter()
            .copied()
            .filter_map(|c| Some((c, set.spans.get(c as usize)?.duration)))
            .max_by_key(|&(c, d)| (d, std::cmp::Reverse(c)));
        match longest {
            Some((child, d)) if d.0 as f64 >= share * duration as f64 => at = child,
            _ => break,
        }
    }
    (at != origin.span).then(|| (at, set.spans.get(at as usize).map_or(DurationNs(0), |s| s.duration)))
}

/// "a", "a and b", "a, b and c".
pub(super) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The plural ending a count asks for (see [`super::super::agrees`]).
pub(super) fn plural(n: usize) -> &'static str {
    super::super::agrees(n as u64, "", "s")
}
