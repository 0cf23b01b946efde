//! Data quality: which numbers to trust.
//!
//! **What it detects.** Problems in the traces themselves that make some of
//! the other numbers wrong:
//! - clock skew: a server span that starts before the client span that
//!   called it, or ends after it, because the two hosts' clocks disagree;
//! - orphans: spans whose parent is not in the data (lost by sampling or an
//!   exporter, or in a file not loaded), in traces that still have a root;
//! - traces without a root: every span names a parent, so the request's own
//!   span is missing;
//! - spans without a start time.
//!
//! **Why it matters.** Skew distorts every duration that crosses the two
//! services (critical paths, self times, waterfalls); orphans and missing
//! roots hide part of a request, so its endpoint and duration are partial;
//! untimed spans are left out of the statistics. The team should know before
//! it acts on a number.
//!
//! **Rule.** Clock skew: for calls from one service to another (a SERVER span
//! whose parent is a CLIENT span of another service), the server span lying
//! outside its caller by more than `skew_tolerance` (default 1 ms: less is
//! within what network timing explains). One finding per pair of services with
//! any skewed call. Orphans and untimed spans: one finding per service with
//! any. Traces without a root: one finding. Severity: warning when at least
//! `warning_share` (default 10%) of the calls, spans or traces concerned are
//! affected, info below.
//!
//! **Example.** Calls from `checkout` to `payment` show clock skew: in 53 of
//! 53 calls the `payment` span lies outside its caller, by 40 ms (median);
//! durations across the two services are unreliable.

use super::{Context, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::SpanKind;
use crate::time::DurationNs;
use std::collections::BTreeMap;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::DataQuality;

/// Thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// How far a server span may lie outside its caller before it counts as skew.
    pub skew_tolerance: DurationNs,
    /// Share of affected calls, spans or traces from which a finding is a warning.
    pub warning_share: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            skew_tolerance: DurationNs(1_000_000),
            warning_share: 0.1,
        }
    }
}

/// Spans with one problem, and the population they are a share of.
#[derive(Default)]
struct Tally {
    affected: Vec<u32>,
    offsets: Vec<u64>,
    of: usize,
}

/// The findings: per pair of services with skew, per service with orphans or
/// untimed spans, and one for traces without a root.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let (set, index) = (context.set, context.index);
    let mut skew: BTreeMap<(Sym, Sym), Tally> = BTreeMap::new();
    let mut orphans: BTreeMap<Sym, Tally> = BTreeMap::new();
    let mut untimed: BTreeMap<Sym, Tally> = BTreeMap::new();
    // A trace without a root has only orphans at its top: reported once, as such.
    let mut rootless_trace = vec![false; set.spans.len()];
    for trace in index.traces.iter().filter(|t| !t.has_root) {
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
        let timed = untimed.entry(span.service).or_default();
        timed.of += 1;
        if span.start.0 == 0 {
            timed.affected.push(i);
        }
        let Some(caller) = parent.and_then(|p| set.spans.get(p as usize)) else {
            continue;
        };
        let is_call = span.kind == SpanKind::Server && caller.kind == SpanKind::Client;
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
        }
    }
    let mut findings = Vec::new();
    for ((caller, callee), tally) in &skew {
        if tally.affected.is_empty() {
            continue;
        }
        let (caller, callee) = (set.str(*caller), set.str(*callee));
        let offset = DurationNs(super::median(tally.offsets.clone()));
        findings.push(finding(
            context,
            config,
            tally,
            callee,
            "clock skew",
            format!(
                "Calls from `{}` to `{}` show clock skew: in {} of {} calls the `{}` span lies outside its caller, by {offset} (median); durations across the two services are unreliable",
                super::shown(caller),
                super::shown(callee),
                tally.affected.len(),
                tally.of,
                super::shown(callee),
            ),
        ));
    }
    for (service, tally) in &orphans {
        if tally.affected.is_empty() {
            continue;
        }
        let service = set.str(*service);
        let traces = distinct_traces(context, &tally.affected);
        findings.push(finding(
            context,
            config,
            tally,
            service,
            "orphan spans",
            format!(
                "{} spans of `{}` (in {traces} traces) name a parent that is not in the data: spans were lost or are in files not loaded, so those requests are incomplete",
                tally.affected.len(),
                super::shown(service),
            ),
        ));
    }
    for (service, tally) in &untimed {
        if tally.affected.is_empty() {
            continue;
        }
        let service = set.str(*service);
        findings.push(finding(
            context,
            config,
            tally,
            service,
            "missing start times",
            format!(
                "{} of {} spans of `{}` have no start time: they are left out of every duration and percentile",
                tally.affected.len(),
                tally.of,
                super::shown(service),
            ),
        ));
    }
    let rootless: Vec<u32> = index.traces.iter().filter(|t| !t.has_root).map(|t| t.root).collect();
    if !rootless.is_empty() {
        let tally = Tally {
            affected: rootless,
            offsets: Vec::new(),
            of: index.traces.len(),
        };
        findings.push(finding(
            context,
            config,
            &tally,
            "",
            "traces without a root",
            format!(
                "{} of {} traces have no root span (every span names a parent): their requests' own spans are missing, so their endpoints and durations are partial",
                tally.affected.len(),
                tally.of
            ),
        ));
    }
    findings
}

fn distinct_traces(context: &Context<'_>, spans: &[u32]) -> usize {
    let mut traces: Vec<_> = spans
        .iter()
        .filter_map(|&i| context.set.spans.get(i as usize))
        .map(|s| s.trace_id)
        .collect();
    traces.sort_unstable();
    traces.dedup();
    traces.len()
}

fn finding(
    context: &Context<'_>,
    config: &Config,
    tally: &Tally,
    service: &str,
    problem: &str,
    explanation: String,
) -> Finding {
    let share = tally.affected.len() as f64 / tally.of.max(1) as f64;
    Finding {
        detector: NAME,
        severity: if share >= config.warning_share {
            Severity::Warning
        } else {
            Severity::Info
        },
        impact: Impact {
            requests: distinct_traces(context, &tally.affected) as u64,
            request_time_share: share,
            time: DurationNs(0),
            ..Default::default()
        },
        subject: Subject {
            endpoint: None,
            service: service.to_owned(),
            operation: problem.to_owned(),
        },
        explanation,
        evidence: tally
            .affected
            .iter()
            .take(3)
            .map(|&i| context.span_evidence(i))
            .collect(),
    }
}
