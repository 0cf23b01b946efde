//! Data quality: which numbers to trust.
//!
//! **What it detects.** Problems in the traces themselves that make some of
//! the other numbers wrong, one finding per kind:
//! - clock skew: a server span that starts before the client span that
//!   called it, or ends after it, because the two hosts' clocks disagree;
//! - orphans: spans whose parent is not in the data (lost by sampling or an
//!   exporter, or in a file not loaded), in traces that still have a root;
//! - traces without a root: every span names a parent, so the request's own
//!   span is missing;
//! - missing times: spans without a start time or without a duration (Zipkin
//!   one-way sends, spans reported before they finished), whose duration is
//!   unknown;
//! - duplicate span IDs: spans sharing their trace and span ID with a
//!   different span (identical copies are merged on import), so links through
//!   that ID are ambiguous.
//!
//! **Why it matters.** Skew distorts every duration that crosses the two
//! services (critical paths, self times, waterfalls); orphans and missing
//! roots hide part of a request, so its endpoint and duration are partial;
//! untimed spans are left out of the statistics; duplicates may hang spans
//! under the wrong parent. The team should know before it acts on a number,
//! and needs one line per problem, not one per service.
//!
//! **Rule.** Clock skew: for calls from one service to another (a SERVER span
//! whose parent is a CLIENT span of another service, both with a start and a
//! duration), the server span lying outside its caller by more than
//! `skew_tolerance` (default 1 ms: less is within what network timing
//! explains). A pair of services counts when at least `skew_min_calls`
//! (default 3) of its calls and at least `skew_min_share` (default 1%) of them
//! are skewed: one skewed call in thousands is noise, not a clock; or when one
//! call lies outside its caller by `skew_distorting_share` (default 25%) of
//! the caller's duration or more, and by `skew_distorting_min` (10 ms), which makes that request's numbers wrong
//! even if it is the only one (Zipkin's skew capture: a server half starting
//! 65 ms before its 95 ms client). Orphans,
//! missing times and duplicates: any. One finding per kind, naming the worst
//! few service pairs (or services) with their counts; its subject is the most
//! affected service, and it is named by all of them ("orphan spans in
//! `transfer-service` and 1 other service", "clock skew on `servicea` →
//! `serviceb`"): the problem is the report's own word, not a name from the
//! data, so it is written without backticks. Severity: warning when, in the worst pair or service, at
//! least `warning_share` (default 10%) of the calls, spans or traces concerned
//! are affected, info below.
//!
//! **Example.** Clock skew in calls from `checkout` to `payment`: in 53 of 53
//! calls the `payment` span lies outside its caller, by 40.0ms (median);
//! the services' clocks differ by at least as much, so durations across them
//! are unreliable. How far outside is the least skew that explains a call:
//! the callee could sit anywhere inside it.

use super::untimed::{self, Untimed};
use super::{Context, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::SpanKind;
use crate::time::DurationNs;
use std::collections::BTreeMap;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::DataQuality;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How far a server span may lie outside its caller before it counts as skew.
    #[serde(serialize_with = "crate::time::as_written")]
    pub skew_tolerance: DurationNs,
    /// Skewed calls a pair of services needs before it counts...
    pub skew_min_calls: usize,
    /// ...and the share of the pair's calls they must be; or one call must lie
    /// outside its caller by at least this share of the caller's duration.
    pub skew_min_share: f64,
    /// A skew this large against the calling span's duration counts even once...
    pub skew_distorting_share: f64,
    #[serde(serialize_with = "crate::time::as_written")]
    /// ...when it is at least this long.
    pub skew_distorting_min: DurationNs,
    /// Share of affected calls, spans or traces (in the worst pair or
    /// service) from which a finding is a warning.
    pub warning_share: f64,
    /// How many pairs or services an explanation names before "and N more".
    pub named: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            skew_tolerance: DurationNs(1_000_000),
            skew_min_calls: 3,
            skew_min_share: 0.01,
            skew_distorting_share: 0.25,
            skew_distorting_min: DurationNs(10_000_000),
            warning_share: 0.1,
            named: 3,
        }
    }
}

/// Spans with one problem in one place (a service or a pair), and the
/// population they are a share of.
#[derive(Default)]
struct Tally {
    affected: Vec<u32>,
    offsets: Vec<u64>,
    of: usize,
    /// For skew: some call lies outside its caller by a large share of the
    /// caller's own duration, which distorts that call however rare it is.
    distorting: bool,
}

impl Tally {
    fn share(&self) -> f64 {
        self.affected.len() as f64 / self.of.max(1) as f64
    }
}

/// One problem across its places: the rows of its table, worst first.
struct Rows<'t, K> {
    rows: Vec<(K, &'t Tally)>,
}

impl<'t, K: Copy> Rows<'t, K> {
    /// The places with any affected span, most affected first (ties keep `tallies`' order).
    fn of(tallies: &'t BTreeMap<K, Tally>, counts: impl Fn(&Tally) -> bool) -> Rows<'t, K> {
        let mut rows: Vec<(K, &Tally)> = tallies
            .iter()
            .filter(|(_, t)| counts(t))
            .map(|(k, t)| (*k, t))
            .collect();
        rows.sort_by_key(|(_, t)| std::cmp::Reverse(t.affected.len()));
        Rows { rows }
    }

    fn affected(&self) -> usize {
        self.rows.iter().map(|(_, t)| t.affected.len()).sum()
    }

    fn worst_share(&self) -> f64 {
        self.rows.iter().map(|(_, t)| t.share()).fold(0.0, f64::max)
    }

    /// Every affected span, the worst place's first (so evidence shows it).
    fn spans(&self) -> Vec<u32> {
        self.rows.iter().flat_map(|(_, t)| t.affected.iter().copied()).collect()
    }

    /// "`a` 38, `b` 2 and 3 more": the first `named` places, with `row` saying each.
    fn listed(&self, named: usize, row: impl Fn(K, &Tally) -> String) -> String {
        let mut parts: Vec<String> = self.rows.iter().take(named).map(|(k, t)| row(*k, t)).collect();
        let more = self.rows.len().saturating_sub(named);
        if more > 0 {
            parts.push(format!("{more} more"));
        }
        match parts.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => parts.join(""),
        }
    }
}

/// At most one finding per kind: clock skew, orphan spans, traces without a
/// root, missing times and duplicate span IDs.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let (set, index) = (context.set, context.index);
    let mut skew: BTreeMap<(Sym, Sym), Tally> = BTreeMap::new();
    let mut orphans: BTreeMap<Sym, Tally> = BTreeMap::new();
    let mut untimed: BTreeMap<Sym, Tally> = BTreeMap::new();
    let mut twins: BTreeMap<Sym, Tally> = BTreeMap::new();
    let mut one_way: BTreeMap<Sym, Tally> = BTreeMap::new();
    // How far apart the furthest unfinished copy began from its finished twin.
    let mut twins_apart = 0u64;
    let mut rootless: BTreeMap<Sym, Tally> = BTreeMap::new();
    // A trace without a root has only orphans at its top: reported once, as such.
    let mut rootless_trace = vec![false; set.spans.len()];
    for trace in &index.traces {
        let service = set.spans.get(trace.root as usize).map(|s| s.service);
        let Some(service) = service else { continue };
        let tally = rootless.entry(service).or_default();
        tally.of += 1;
        if trace.has_root {
            continue;
        }
        tally.affected.push(trace.root);
        for &i in index.spans_of(trace) {
            if let Some(flag) = rootless_trace.get_mut(i as usize) {
                *flag = true;
            }
        }
    }
    for (i, span) in set.spans.iter().enumerate() {
        let parent = index.parent.get(i).copied().flatten();
        let orphan = orphans.entry(span.service).or_default();
        orphan.of += 1;
        if parent.is_none() && span.parent_span_id.is_some() && !rootless_trace[i] {
            orphan.affected.push(i as u32);
        }
        let i = i as u32;
        untimed.entry(span.service).or_default().of += 1;
        if !span.duration_known() {
            // Only a duration that was there to measure is lost.
            let tallies = match untimed::classify(context, i) {
                Untimed::Unknown => &mut untimed,
                Untimed::Twin(apart) => {
                    twins_apart = twins_apart.max(apart);
                    &mut twins
                }
                Untimed::OneWay => &mut one_way,
            };
            tallies.entry(span.service).or_default().affected.push(i);
        }
        let Some(caller) = parent.and_then(|p| set.spans.get(p as usize)) else {
            continue;
        };
        let is_call = span.kind == SpanKind::Server && caller.kind == SpanKind::Client;
        // Skew is judged only between spans that are both placed in time.
        if !is_call || caller.service == span.service || !span.duration_known() || !caller.duration_known() {
            continue;
        }
        let pair = skew.entry((caller.service, span.service)).or_default();
        pair.of += 1;
        let before = caller.start.0.saturating_sub(span.start.0);
        let after = span.end().0.saturating_sub(caller.end().0);
        let outside = before.max(after);
        if outside > config.skew_tolerance.0 {
            pair.affected.push(i);
            pair.offsets.push(outside);
            pair.distorting |= outside >= config.skew_distorting_min.0
                && outside as f64 >= config.skew_distorting_share * caller.duration.0 as f64;
        }
    }
    let duplicates = duplicate_ids(context);

    let mut findings = Vec::new();
    let named = config.named;
    let skewed = Rows::of(&skew, |t| {
        (t.affected.len() >= config.skew_min_calls.max(1) && t.share() >= config.skew_min_share) || t.distorting
    });
    if let Some(&((_, callee), _)) = skewed.rows.first() {
        let pairs = skewed.listed(named, |(caller, callee), t| {
            format!(
                "in {} of {} from `{}` to `{}` the `{}` span lies outside its caller, by {}{}",
                t.affected.len(),
                super::counted(t.of as u64, "call", "calls"),
                super::shown(set.str(caller)),
                super::shown(set.str(callee)),
                super::shown(set.str(callee)),
                DurationNs(super::median(t.offsets.clone())),
                // A median of one call is that call's.
                if t.affected.len() > 1 { " (median)" } else { "" },
            )
        });
        let pairs = if skewed.rows.len() > named {
            format!("{pairs} pairs of services")
        } else {
            pairs
        };
        // Named by its pairs of services, not by the first pair's callee alone.
        let (caller, _) = skewed.rows.first().map_or((callee, callee), |r| r.0);
        let others = skewed.rows.len() - 1;
        let scope = format!(
            "clock skew on `{}` → `{}`{}",
            super::shown(set.str(caller)),
            super::shown(set.str(callee)),
            if others > 0 {
                format!(
                    " and {}",
                    super::counted(others as u64, "other pair of services", "other pairs of services")
                )
            } else {
                String::new()
            }
        );
        findings.push(finding(
            context,
            config,
            &skewed,
            (set.str(callee), Some(scope)),
            "clock skew",
            // How far outside is the least skew that explains a call, not
            // the skew (the callee can sit anywhere inside it).
            format!(
                "Clock skew: {pairs}; the services' clocks differ by at least as much, so durations across them are \
                 unreliable"
            ),
        ));
    }
    let lost = Rows::of(&orphans, |t| !t.affected.is_empty());
    if let Some(&(service, _)) = lost.rows.first() {
        let traces = super::distinct_traces(context, &lost.spans());
        let services = lost.listed(named, |s, t| {
            format!("`{}` {}", super::shown(set.str(s)), t.affected.len())
        });
        findings.push(finding(
            context,
            config,
            &lost,
            (set.str(service), in_services(set, "orphan spans", &lost)),
            "orphan spans",
            format!(
                "{} (in {}) {} a parent that is not in the data ({services}): spans were lost or are in files not loaded, so those requests are incomplete",
                super::counted(lost.affected() as u64, "span", "spans"),
                super::counted(traces, "trace", "traces"),
                super::agrees(lost.affected() as u64, "names", "name"),
            ),
        ));
    }
    let missing_root = Rows::of(&rootless, |t| !t.affected.is_empty());
    if let Some(&(service, _)) = missing_root.rows.first() {
        // One service needs no count: it holds them all ("`telemetrygen` 1" read as a typo).
        let one_service = missing_root.rows.len() == 1;
        let services = missing_root.listed(named, |s, t| {
            if one_service {
                format!("`{}`", super::shown(set.str(s)))
            } else {
                format!("`{}` {}", super::shown(set.str(s)), t.affected.len())
            }
        });
        findings.push(finding(
            context,
            config,
            &missing_root,
            (
                set.str(service),
                in_services(set, "traces without a root", &missing_root),
            ),
            "traces without a root",
            format!(
                "{} of {} {} no root span (every span names a parent; {} in {services}): {}",
                missing_root.affected(),
                super::counted(index.traces.len() as u64, "trace", "traces"),
                super::agrees(missing_root.affected() as u64, "has", "have"),
                super::agrees(
                    missing_root.affected() as u64,
                    "its topmost span is",
                    "their topmost spans are"
                ),
                super::agrees(
                    missing_root.affected() as u64,
                    "its request's own span is missing, so its endpoint and duration are partial",
                    "their requests' own spans are missing, so their endpoints and durations are partial"
                ),
            ),
        ));
    }
    let no_time = Rows::of(&untimed, |t| !t.affected.is_empty());
    let twinned = Rows::of(&twins, |t| !t.affected.is_empty());
    let one_way = Rows::of(&one_way, |t| !t.affected.is_empty());
    let lost_nothing = lost_nothing(context, &twinned, DurationNs(twins_apart), &one_way, named);
    if let Some(&(service, _)) = no_time.rows.first() {
        let services = no_time.listed(named, |s, t| {
            format!("`{}` {} of {}", super::shown(set.str(s)), t.affected.len(), t.of)
        });
        findings.push(finding(
            context,
            config,
            &no_time,
            (set.str(service), in_services(set, "missing times", &no_time)),
            "missing times",
            format!(
                "{} of {} {} no start time or no duration ({services}): {}{}",
                no_time.affected(),
                super::counted(set.spans.len() as u64, "span", "spans"),
                super::agrees(no_time.affected() as u64, "has", "have"),
                super::agrees(
                    no_time.affected() as u64,
                    "its duration is unknown, so it is left out of every duration, percentile and critical path",
                    "their durations are unknown, so they are left out of every duration, percentile and critical path"
                ),
                lost_nothing.map(|more| format!("; another {more}")).unwrap_or_default(),
            ),
        ));
    } else if let Some(more) = lost_nothing {
        // Every untimed span lost nothing: worth knowing (a call traced
        // twice inflates every count of it), never a warning.
        let worst = twinned.rows.first().or(one_way.rows.first());
        let service = worst.map(|(s, _)| set.str(*s)).unwrap_or_default();
        let both = Rows {
            rows: twinned.rows.iter().chain(&one_way.rows).copied().collect(),
        };
        let mut found = finding(
            context,
            config,
            &both,
            (service, in_services(set, "missing times", &both)),
            "missing times",
            format!(
                "{} of {} {} no duration, and none of them loses time: {more}",
                both.affected(),
                super::counted(set.spans.len() as u64, "span", "spans"),
                super::agrees(both.affected() as u64, "has", "have"),
            ),
        );
        found.severity = Severity::Info;
        findings.push(found);
    }
    let duplicated = Rows::of(&duplicates, |t| !t.affected.is_empty());
    if let Some(&(service, _)) = duplicated.rows.first() {
        let services = duplicated.listed(named, |s, t| {
            format!("`{}` {}", super::shown(set.str(s)), t.affected.len())
        });
        findings.push(finding(
            context,
            config,
            &duplicated,
            (set.str(service), in_services(set, "duplicate span IDs", &duplicated)),
            "duplicate span IDs",
            format!(
                "{} {} trace and span ID with a different span ({services}): children of that ID may hang under the wrong one",
                super::counted(duplicated.affected() as u64, "span", "spans"),
                super::agrees(duplicated.affected() as u64, "shares its", "share their"),
            ),
        ));
    }
    findings
}

/// What is said of the untimed spans whose time is not lost: "83 in `a`
/// were never finished …, and 8 are the spans of 2 one-way calls …"; `None`
/// if none.
fn lost_nothing(
    context: &Context<'_>,
    twins: &Rows<'_, Sym>,
    twins_apart: DurationNs,
    one_way: &Rows<'_, Sym>,
    named: usize,
) -> Option<String> {
    let mut parts = Vec::new();
    if twins.affected() > 0 {
        parts.push(twins_said(context, twins, twins_apart, named));
    }
    if one_way.affected() > 0 {
        parts.push(one_way_said(context, one_way, named));
    }
    match parts.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [first, second] => Some(format!("{first}, and {second}")),
        _ => Some(parts.join(", ")),
    }
}

/// "83 in `platformapi` were never finished (…), each beside a finished
/// twin …: `platformapi` traced 83 of its 84 calls twice (…)".
fn twins_said(context: &Context<'_>, twins: &Rows<'_, Sym>, apart: DurationNs, named: usize) -> String {
    let set = context.set;
    let spans = twins.spans();
    let flushed = spans
        .iter()
        .filter(|&&i| untimed::flushed_unfinished(context, i))
        .count();
    let mark = match flushed {
        0 => String::new(),
        n if n == spans.len() => format!(
            " (each carries `{}`, the tracer's mark of a span it sent unfinished)",
            untimed::FLUSHED_UNFINISHED
        ),
        n => format!(
            " ({n} carry `{}`, the tracer's mark of a span it sent unfinished)",
            untimed::FLUSHED_UNFINISHED
        ),
    };
    let where_ = match twins.rows.as_slice() {
        [(s, _)] => format!("in `{}`", super::shown(set.str(*s))),
        _ => format!(
            "({})",
            twins.listed(named, |s, t| format!(
                "`{}` {}",
                super::shown(set.str(s)),
                t.affected.len()
            ))
        ),
    };
    // What to fix: the share of the service's calls traced twice says
    // whether one code path or the whole HTTP client is instrumented twice.
    let worst = twins.rows.first().map(|&(service, t)| {
        let calls = set
            .spans
            .iter()
            .filter(|s| s.service == service && s.kind == SpanKind::Client && s.duration_known())
            .count();
        let share = match (t.affected.len(), calls) {
            (1, 1) => "its one call".to_owned(),
            (n, calls) if n == calls => format!("all {n} of its calls"),
            (n, calls) => format!("{n} of its {calls} calls"),
        };
        format!(
            ": `{}` traced {share} twice (a second tracing interceptor on its client?)",
            super::shown(set.str(service)),
        )
    });
    format!(
        "{} {where_} {} never finished{mark}, each beside a finished twin (the same call under the same parent, begun {} apart at most), so the call's time is in the twin{}",
        spans.len(),
        super::agrees(spans.len() as u64, "was", "were"),
        apart,
        worst.unwrap_or_default(),
    )
}

/// "8 are the spans of 2 one-way calls, which no answer ends (`send x` from
/// `a`, received 5 times in `b`; `redirect` from `c`, received in `d`)".
fn one_way_said(context: &Context<'_>, one_way: &Rows<'_, Sym>, named: usize) -> String {
    let set = context.set;
    // Each send with its receipts, in the order first met.
    let mut sends: Vec<(u32, Vec<u32>)> = Vec::new();
    for i in one_way.spans() {
        let send = untimed::one_way_send(context, i);
        let at = match sends.iter().position(|(s, _)| *s == send) {
            Some(at) => at,
            None => {
                sends.push((send, Vec::new()));
                sends.len() - 1
            }
        };
        if send != i {
            sends[at].1.push(i);
        }
    }
    sends.sort_by_key(|(send, _)| set.spans.get(*send as usize).map(|s| s.start));
    let said: Vec<String> = sends
        .iter()
        .take(named)
        .filter_map(|(send, receipts)| {
            let span = set.spans.get(*send as usize)?;
            let received = match receipts.first().and_then(|&r| set.spans.get(r as usize)) {
                None => String::new(),
                Some(first) => format!(
                    ", received {}in `{}`",
                    match receipts.len() {
                        1 => String::new(),
                        n => format!("{n} times "),
                    },
                    super::shown(set.str(first.service))
                ),
            };
            Some(format!(
                "`{}` from `{}`{received}",
                super::shown(&crate::analysis::groups::operation_name(set, *send)),
                super::shown(set.str(span.service))
            ))
        })
        .collect();
    let more = sends.len().saturating_sub(named);
    let listed = if more > 0 {
        format!("{}; and {more} more", said.join("; "))
    } else {
        said.join("; ")
    };
    format!(
        "{} {} {}, with no answer to end them ({listed})",
        one_way.affected(),
        super::agrees(one_way.affected() as u64, "is a span of", "are the spans of"),
        super::counted(sends.len() as u64, "one-way call", "one-way calls"),
    )
}

/// Per service, the spans that share their (trace, span) ID with another span
/// (all copies but the first, as [`crate::index::LinkWarnings`] counts them).
fn duplicate_ids(context: &Context<'_>) -> BTreeMap<Sym, Tally> {
    let set = context.set;
    let mut tallies: BTreeMap<Sym, Tally> = BTreeMap::new();
    if context.index.warnings.duplicate_span_ids == 0 {
        return tallies;
    }
    let mut ids: Vec<(crate::ids::TraceId, crate::ids::SpanId, u32)> = set
        .spans
        .iter()
        .zip(0u32..)
        .map(|(s, i)| (s.trace_id, s.span_id, i))
        .collect();
    ids.sort_unstable();
    for span in &set.spans {
        tallies.entry(span.service).or_default().of += 1;
    }
    for pair in ids.windows(2) {
        if let [a, b] = pair
            && (a.0, a.1) == (b.0, b.1)
            && let Some(span) = set.spans.get(b.2 as usize)
        {
            tallies.entry(span.service).or_default().affected.push(b.2);
        }
    }
    tallies
}

/// "orphan spans in `transfer-service` and 1 other service", or "orphan
/// spans in `transfer-service`": what a finding about a problem is named by
/// (the first service is the most affected, its subject's service). Always
/// a scope, even for one service: the subject alone would put the problem,
/// its operation, in backticks like a span name. `None` only without rows.
fn in_services(set: &crate::model::TraceSet, problem: &str, rows: &Rows<'_, Sym>) -> Option<String> {
    let mut services: Vec<Sym> = Vec::new();
    for &(service, _) in &rows.rows {
        if !services.contains(&service) {
            services.push(service);
        }
    }
    let (first, others) = services.split_first()?;
    let first = super::shown(set.str(*first));
    Some(if others.is_empty() {
        format!("{problem} in `{first}`")
    } else {
        format!(
            "{problem} in `{first}` and {}",
            super::counted(others.len() as u64, "other service", "other services")
        )
    })
}

/// One finding; `(service, scope)` is its subject's service (the most affected) and,
/// when it covers more than that one, what it is named by.
fn finding<K: Copy>(
    context: &Context<'_>,
    config: &Config,
    rows: &Rows<'_, K>,
    (service, scope): (&str, Option<String>),
    problem: &str,
    explanation: String,
) -> Finding {
    let spans = rows.spans();
    Finding {
        detector: NAME,
        severity: if rows.worst_share() >= config.warning_share {
            Severity::Warning
        } else {
            Severity::Info
        },
        // Not a cost to requests: which requests it touches, out of all.
        impact: Impact {
            requests: super::distinct_traces(context, &spans),
            of_requests: context.index.traces.len() as u64,
            ..Default::default()
        },
        subject: Subject {
            endpoint: None,
            service: service.to_owned(),
            operation: problem.to_owned(),
            route: None,
            scope: scope.or_else(|| Some(problem.to_owned())),
        },
        explanation,
        evidence: spans.iter().take(3).map(|&i| context.span_evidence(i)).collect(),
    }
}
