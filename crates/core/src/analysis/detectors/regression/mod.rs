//! Regressions (and improvements) against a baseline.
//!
//! **What it detects.** When a second set of traces from an earlier period is
//! loaded as the baseline: an endpoint, or an operation under an endpoint,
//! whose p50 or p95 duration changed beyond noise since then. Slower is a
//! regression (detector `regression`); faster is an improvement (detector
//! `improvement`, always severity info), so a CI job can fail on
//! `detector == "regression"` alone.
//!
//! **Why it matters.** A release that makes checkout 40% slower rarely crosses
//! an absolute threshold, but users feel it and it only grows; comparing with
//! last week's traffic shows it the day it ships, and a confirmed improvement
//! shows that a fix worked.
//!
//! **Rule.** Durations are compared per endpoint (entry server spans, as in
//! [`crate::analysis::groups`]) and per operation *under each endpoint*
//! (service and span name, in the traces of that endpoint, the entry span
//! itself left out), so a finding says where the time changed: the
//! `SELECT` under `GET /api/cart` rather than the `SELECT` everywhere. A row
//! needs `min_samples` spans on each side (default 10). It is judged changed
//! when all of these hold:
//! - the two samples differ beyond noise: the Mann–Whitney U rank test
//!   ([`crate::stats::rank_test`]) gives p < `alpha` (default 0.01) *after
//!   Holm's correction over every row compared*, so the chance of even one
//!   false alarm in the whole comparison stays below 1%, however many
//!   operations there are;
//! - p50 or p95 moved in the direction the rank test found by more than
//!   `min_relative_change` (default 10%) and more than `min_absolute_change`
//!   (default 10 µs), so a busy, fast endpoint whose tiny shift is
//!   statistically certain is still left alone.
//!
//! To avoid a flood, an endpoint that changed gives one finding, which names
//! (up to `max_operations_listed`, default 3) its operations that changed the
//! same way, most time first. An operation gets its own finding only when its
//! endpoint did not change the same way (a slower query hidden in a noisy
//! endpoint), at most `max_operation_findings` (default 3) per endpoint and
//! direction. Every row, changed or not, is in [`Comparison`] for tables.
//!
//! Severity: a regression is critical when its p50 rose by at least
//! `critical_change` (default 50%: half the requests got that much slower)
//! and its traces are at least `critical_traffic_share` (default 10%) of all
//! current traces; otherwise a warning. Improvements are info. Impact: the
//! requests concerned, the p50 change times the spans, and that time's share
//! of those requests' total time.
//!
//! The rank test assumes the requests of each period are independent draws;
//! a load spike within a period breaks that, which the 10% / 10 µs floors
//! absorb. A tail-only change (p95 moves, the bulk does not) needs more
//! requests to pass the rank test than a shift of the whole distribution.
//!
//! **Example** (the generated shop, its cart made 1.5× slower).
//! `GET /api/cart` got slower: p50 rose from 9.62ms to 14.7ms (+52%), p95
//! from 15.5ms to 21.5ms (+39%); 82 requests against 78 in the baseline,
//! p < 0.001; slower inside: `GET /cart` in `frontend` (p50 +4.54ms, +49%),
//! `GET /cart` in `cart` (p50 +4.30ms, +48%), `SELECT shop` in `cart` (p50
//! +604µs, +46%).

use super::{Context, Evidence, Finding, Impact, Severity, Subject, shown};
use crate::stats::rank_test::{holm, mann_whitney};
use crate::stats::{Percentile, percentile};
use crate::time::DurationNs;
use serde::Serialize;
use std::collections::BTreeMap;

mod gather;

/// The detector's name in findings for a change for the worse.
pub const NAME: super::Detector = super::Detector::Regression;

/// The detector's name in findings for a change for the better.
pub const IMPROVEMENT: super::Detector = super::Detector::Improvement;

/// How the comparison decides, as reports state it.
pub const METHOD: &str = "Mann-Whitney U (two-sided, normal approximation with tie and continuity correction), \
                          p-values Holm-adjusted over all rows";

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Spans each side needs for a row to be judged.
    pub min_samples: usize,
    /// Family-wise significance level of the Holm-adjusted rank test.
    pub alpha: f64,
    /// How much p50 or p95 must change, relative to the baseline (0.1 = 10%).
    pub min_relative_change: f64,
    /// How much p50 or p95 must change, in time.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_absolute_change: DurationNs,
    /// Relative p50 rise from which a regression is critical…
    pub critical_change: f64,
    /// …when its traces are at least this share of all current traces.
    pub critical_traffic_share: f64,
    /// Operations named in the finding of an endpoint that changed.
    pub max_operations_listed: usize,
    /// Own findings per endpoint and direction for operations whose endpoint did not change.
    pub max_operation_findings: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_samples: 10,
            alpha: 0.01,
            min_relative_change: 0.10,
            min_absolute_change: DurationNs(10_000),
            critical_change: 0.5,
            critical_traffic_share: 0.1,
            max_operations_listed: 3,
            max_operation_findings: 3,
        }
    }
}

/// Baseline against current, row by row.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Comparison {
    /// How rows are judged ([`METHOD`]).
    pub method: String,
    /// Spans in the baseline.
    pub baseline_spans: u64,
    /// Traces in the baseline.
    pub baseline_traces: u64,
    /// Endpoints first (busiest first), then operations by endpoint (busiest
    /// first); only groups present on both sides.
    pub rows: Vec<Row>,
}

/// Whether a row is an endpoint or an operation under one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// Entry server spans of an endpoint.
    Endpoint,
    /// Spans of one service and name in the traces of an endpoint.
    Operation,
}

/// What the comparison concluded for a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Slower beyond noise and the thresholds.
    Regression,
    /// Faster beyond noise and the thresholds.
    Improvement,
    /// No change beyond noise, or one too small to matter.
    Unchanged,
    /// Fewer than `min_samples` spans on a side.
    TooFewSamples,
}

/// One side of a row.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Side {
    /// Spans.
    pub count: u64,
    /// Traces they belong to.
    pub traces: u64,
    /// Median duration.
    pub p50: DurationNs,
    /// 95th percentile duration.
    pub p95: DurationNs,
}

/// One endpoint, or one operation under an endpoint, in both periods. Read
/// back from JSON, a row has no examples: they are what the regression
/// findings were made from, and the findings come serialised beside it.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Row {
    /// Endpoint or operation.
    pub kind: RowKind,
    /// The endpoint (for an operation: the endpoint of the traces it ran in).
    pub endpoint: Option<String>,
    /// The service.
    pub service: String,
    /// The endpoint name, or the operation's span name.
    pub name: String,
    /// The earlier period.
    pub baseline: Side,
    /// The loaded traces.
    pub current: Side,
    /// `current.p50 − baseline.p50`, nanoseconds.
    pub p50_delta_ns: i64,
    /// `current.p95 − baseline.p95`, nanoseconds.
    pub p95_delta_ns: i64,
    /// `p50_delta_ns / baseline.p50` (0.1 = 10% slower); `None` when the baseline p50 is 0.
    pub p50_change: Option<f64>,
    /// `p95_delta_ns / baseline.p95`; `None` when the baseline p95 is 0.
    pub p95_change: Option<f64>,
    /// Probability that a current span is slower than a baseline span (ties
    /// count half); 0.5 is no tendency. `None` with too few samples.
    pub probability_slower: Option<f64>,
    /// The rank test's two-sided p-value. `None` with too few samples.
    pub p_value: Option<f64>,
    /// The same, Holm-adjusted over all rows: what `alpha` is compared with.
    pub p_value_adjusted: Option<f64>,
    /// The conclusion.
    pub verdict: Verdict,
    /// Where to look, for findings: current spans near the new p95.
    #[serde(skip)]
    examples: Vec<Example>,
    /// Total duration of the current requests these spans ran in.
    #[serde(skip)]
    request_time_ns: u128,
}

/// A current span near the p95 of its row: (trace index, span index).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Example {
    trace: u32,
    span: u32,
}

/// Durations of one set, per endpoint and per operation under each endpoint:
/// all a comparison needs from a set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    groups: BTreeMap<Key, Group>,
    spans: u64,
    traces: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    kind: RowKind,
    endpoint: Option<String>,
    service: String,
    name: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Group {
    /// Durations, sorted ascending once built.
    durations: Vec<DurationNs>,
    /// The spans near the p95 a finding names, in the order it names them
    /// (see [`p95_ranks`]); none for a group summarised earlier.
    examples: Vec<Example>,
    traces: u64,
    request_time_ns: u128,
    /// Count and percentiles of all the durations, when `durations` holds only
    /// a sample of them (a baseline read back from a report).
    stated: Option<Side>,
}

/// One group of [`Samples`], read: what a report keeps of it.
#[derive(Clone, Copy, Debug)]
pub struct SampleGroup<'a> {
    /// Endpoint or operation.
    pub kind: RowKind,
    /// The endpoint (for an operation, of the traces it ran in).
    pub endpoint: Option<&'a str>,
    /// The service.
    pub service: &'a str,
    /// The endpoint name, or the operation's span name.
    pub name: &'a str,
    /// The durations, ascending: every one, or a sample for a group
    /// summarised earlier ([`Samples::from_summaries`]).
    pub durations: &'a [DurationNs],
    /// Spans with a known duration (all of them, also when `durations` is a sample).
    pub count: u64,
    /// Traces the durations belong to.
    pub traces: u64,
}

/// A group summarised earlier: exact count and percentiles, and a sample of
/// its durations for the rank test.
#[derive(Clone, Debug)]
pub struct Summarised {
    /// Endpoint or operation.
    pub kind: RowKind,
    /// The endpoint (for an operation, of the traces it ran in).
    pub endpoint: Option<String>,
    /// The service.
    pub service: String,
    /// The endpoint name, or the operation's span name.
    pub name: String,
    /// Count, traces, p50 and p95 of all the durations.
    pub side: Side,
    /// Durations, ascending: all of them, or evenly spaced ranks of them.
    pub sample: Vec<DurationNs>,
}

impl Samples {
    /// Spans and traces of the set the samples come from.
    pub fn totals(&self) -> (u64, u64) {
        (self.spans, self.traces)
    }

    /// Every group, in a stable order (kind, endpoint, service, name).
    pub fn groups(&self) -> impl Iterator<Item = SampleGroup<'_>> {
        self.groups.iter().map(|(key, group)| SampleGroup {
            kind: key.kind,
            endpoint: key.endpoint.as_deref(),
            service: &key.service,
            name: &key.name,
            durations: &group.durations,
            count: group.stated.map_or(group.durations.len() as u64, |s| s.count),
            traces: group.traces,
        })
    }

    /// Samples standing for a set summarised earlier (a report used as the
    /// baseline): each side of a row reads the stated count and percentiles;
    /// the rank test runs on the sample, which is exact when it holds every
    /// duration and an approximation otherwise.
    pub fn from_summaries(spans: u64, traces: u64, groups: impl IntoIterator<Item = Summarised>) -> Samples {
        let groups = groups
            .into_iter()
            .map(|g| {
                let mut durations = g.sample;
                durations.sort_unstable();
                let key = Key {
                    kind: g.kind,
                    endpoint: g.endpoint,
                    service: g.service,
                    name: g.name,
                };
                let group = Group {
                    durations,
                    examples: Vec::new(),
                    traces: g.side.traces,
                    request_time_ns: 0,
                    stated: Some(g.side),
                };
                (key, group)
            })
            .collect();
        Samples { groups, spans, traces }
    }
}

/// Compares `current` with `baseline`, row by row, for every endpoint and
/// operation present in both.
pub fn compare(current: &Samples, baseline: &Samples, config: &Config) -> Comparison {
    let mut rows: Vec<Row> = current
        .groups
        .iter()
        .filter_map(|(key, now)| Some(row(key, now, baseline.groups.get(key)?, config)))
        .collect();
    let tested: Vec<usize> = (0..rows.len()).filter(|&r| rows[r].p_value.is_some()).collect();
    let p_values: Vec<f64> = tested.iter().map(|&r| rows[r].p_value.unwrap_or(1.0)).collect();
    for (&r, adjusted) in tested.iter().zip(holm(&p_values)) {
        if let Some(row) = rows.get_mut(r) {
            row.p_value_adjusted = Some(adjusted);
            row.verdict = verdict(row, config);
        }
    }
    rows.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then_with(|| match a.kind {
                RowKind::Endpoint => std::cmp::Ordering::Equal,
                RowKind::Operation => a.endpoint.cmp(&b.endpoint),
            })
            .then_with(|| b.current.count.cmp(&a.current.count))
            .then_with(|| (&a.service, &a.name).cmp(&(&b.service, &b.name)))
    });
    Comparison {
        method: METHOD.to_owned(),
        baseline_spans: baseline.spans,
        baseline_traces: baseline.traces,
        rows,
    }
}

fn side(group: &Group) -> Side {
    if let Some(stated) = group.stated {
        return stated;
    }
    let at = |p| percentile(&group.durations, p).unwrap_or_default();
    Side {
        count: group.durations.len() as u64,
        traces: group.traces,
        p50: at(Percentile::P50),
        p95: at(Percentile::P95),
    }
}

fn delta(now: DurationNs, then: DurationNs) -> (i64, Option<f64>) {
    let d = i128::from(now.0) - i128::from(then.0);
    let d = i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX });
    (d, (then.0 > 0).then(|| d as f64 / then.0 as f64))
}

fn row(key: &Key, now: &Group, then: &Group, config: &Config) -> Row {
    let (current, baseline) = (side(now), side(then));
    let (p50_delta_ns, p50_change) = delta(current.p50, baseline.p50);
    let (p95_delta_ns, p95_change) = delta(current.p95, baseline.p95);
    let enough = now.durations.len() >= config.min_samples.max(1) && then.durations.len() >= config.min_samples.max(1);
    let test = enough.then(|| mann_whitney(&now.durations, &then.durations)).flatten();
    Row {
        kind: key.kind,
        endpoint: key.endpoint.clone(),
        service: key.service.clone(),
        name: key.name.clone(),
        baseline,
        current,
        p50_delta_ns,
        p95_delta_ns,
        p50_change,
        p95_change,
        probability_slower: test.map(|t| t.probability_greater),
        p_value: test.map(|t| t.p_value),
        p_value_adjusted: None,
        verdict: Verdict::TooFewSamples,
        examples: now.examples.clone(),
        request_time_ns: now.request_time_ns,
    }
}

/// Near the p95 of `n` ascending durations: the rank of the p95 and its
/// neighbours below and above, those that exist.
fn p95_ranks(n: usize) -> impl Iterator<Item = usize> {
    let rank = n.saturating_mul(95).div_ceil(100).saturating_sub(1);
    [Some(rank), rank.checked_sub(1), rank.checked_add(1)]
        .into_iter()
        .flatten()
        .filter(move |&r| r < n)
}

fn verdict(row: &Row, config: &Config) -> Verdict {
    let (Some(p), Some(slower)) = (row.p_value_adjusted, row.probability_slower) else {
        return Verdict::TooFewSamples;
    };
    if p >= config.alpha || slower == 0.5 {
        return Verdict::Unchanged;
    }
    let slower = slower > 0.5;
    let moved = |delta_ns: i64, change: Option<f64>| {
        (delta_ns > 0) == slower
            && delta_ns != 0
            && delta_ns.unsigned_abs() > config.min_absolute_change.0
            && change.is_none_or(|c| c.abs() > config.min_relative_change)
    };
    if !moved(row.p50_delta_ns, row.p50_change) && !moved(row.p95_delta_ns, row.p95_change) {
        Verdict::Unchanged
    } else if slower {
        Verdict::Regression
    } else {
        Verdict::Improvement
    }
}

/// One finding per endpoint that changed (naming its operations that changed
/// the same way), and per operation that changed when its endpoint did not.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let Some(comparison) = context.comparison else {
        return Vec::new();
    };
    let changed = |r: &&Row| matches!(r.verdict, Verdict::Regression | Verdict::Improvement);
    let (endpoints, operations): (Vec<&Row>, Vec<&Row>) = comparison
        .rows
        .iter()
        .filter(changed)
        .partition(|r| r.kind == RowKind::Endpoint);
    let by_time = |rows: &mut Vec<&Row>| {
        rows.sort_by_key(|r| std::cmp::Reverse(time_changed(r)));
    };
    let mut findings = Vec::new();
    for endpoint in &endpoints {
        let mut inside: Vec<&Row> = operations
            .iter()
            .copied()
            .filter(|o| o.endpoint.as_ref() == Some(&endpoint.name) && o.verdict == endpoint.verdict)
            .collect();
        by_time(&mut inside);
        findings.push(finding(context, config, endpoint, &inside));
    }
    // Operations whose endpoint did not change the same way, by endpoint and direction.
    let mut alone: BTreeMap<(Option<&str>, bool), Vec<&Row>> = BTreeMap::new();
    for operation in operations {
        let covered = endpoints
            .iter()
            .any(|e| operation.endpoint.as_ref() == Some(&e.name) && e.verdict == operation.verdict);
        if !covered {
            alone
                .entry((operation.endpoint.as_deref(), operation.verdict == Verdict::Regression))
                .or_default()
                .push(operation);
        }
    }
    for mut rows in alone.into_values() {
        by_time(&mut rows);
        for row in rows.into_iter().take(config.max_operation_findings) {
            findings.push(finding(context, config, row, &[]));
        }
    }
    findings
}

/// How much time the p50 change adds or saves over the current spans.
fn time_changed(row: &Row) -> u64 {
    row.p50_delta_ns.unsigned_abs().saturating_mul(row.current.count)
}

fn finding(context: &Context<'_>, config: &Config, row: &Row, inside: &[&Row]) -> Finding {
    let slower = row.verdict == Verdict::Regression;
    let total_traces = context.index.traces.len().max(1) as f64;
    let critical = slower
        && row.p50_change.is_none_or(|c| c >= config.critical_change)
        && row.p50_delta_ns > 0
        && row.current.traces as f64 / total_traces >= config.critical_traffic_share;
    let severity = if !slower {
        Severity::Info
    } else if critical {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let time = time_changed(row);
    let request_time_share = match row.kind {
        // Of the typical request: the part that is new (slower) or that was saved (faster).
        RowKind::Endpoint => {
            row.p50_delta_ns.unsigned_abs() as f64 / row.current.p50.max(row.baseline.p50).0.max(1) as f64
        }
        RowKind::Operation => (time as f64 / row.request_time_ns.max(1) as f64).min(1.0),
    };
    let listed = inside.iter().take(config.max_operations_listed);
    Finding {
        detector: if slower { NAME } else { IMPROVEMENT },
        severity,
        impact: Impact {
            requests: row.current.traces,
            request_time_share: request_time_share.min(1.0),
            time: DurationNs(time),
            ..Default::default()
        },
        subject: Subject {
            endpoint: row.endpoint.clone(),
            service: row.service.clone(),
            operation: row.name.clone(),
            route: None,
            scope: None,
        },
        explanation: explanation(row, inside, config.max_operations_listed),
        evidence: evidence(context, row, &listed.collect::<Vec<_>>()),
    }
}

/// Current traces near the new p95: the span of the row first, then spans of
/// the named operations in the same trace.
fn evidence(context: &Context<'_>, row: &Row, inside: &[&&Row]) -> Vec<Evidence> {
    let set = context.set;
    row.examples
        .iter()
        .filter_map(|example| {
            let trace = context.index.traces.get(example.trace as usize)?;
            let first = set.spans.get(example.span as usize)?.span_id;
            let others = context
                .index
                .spans_of(trace)
                .iter()
                .filter_map(|&i| set.spans.get(i as usize))
                .filter(|s| {
                    inside
                        .iter()
                        .any(|o| set.str(s.service) == o.service && set.str(s.name) == o.name)
                })
                .map(|s| s.span_id)
                .take(5);
            Some(Evidence {
                trace_id: trace.trace_id,
                span_ids: std::iter::once(first).chain(others).collect(),
            })
        })
        .collect()
}

fn explanation(row: &Row, inside: &[&Row], max_listed: usize) -> String {
    let slower = row.verdict == Verdict::Regression;
    let what = match (row.kind, &row.endpoint) {
        (RowKind::Endpoint, _) => format!("`{}`", shown(&row.name)),
        (RowKind::Operation, Some(endpoint)) => format!(
            "`{}` in `{}` under `{}`",
            shown(&row.name),
            shown(&row.service),
            shown(endpoint)
        ),
        (RowKind::Operation, None) => format!("`{}` in `{}`", shown(&row.name), shown(&row.service)),
    };
    let (b, c) = (&row.baseline, &row.current);
    let unit = match row.kind {
        RowKind::Endpoint => "requests",
        RowKind::Operation => "spans",
    };
    let mut text = format!(
        "{what} got {}: p50 {} from {} to {} ({}), p95 from {} to {} ({}); {} {unit} against {} in the baseline, {}",
        if slower { "slower" } else { "faster" },
        if row.p50_delta_ns >= 0 { "rose" } else { "fell" },
        b.p50,
        c.p50,
        percent(row.p50_change),
        b.p95,
        c.p95,
        percent(row.p95_change),
        c.count,
        b.count,
        p_text(row.p_value_adjusted.unwrap_or(1.0)),
    );
    if !inside.is_empty() && max_listed > 0 {
        let named: Vec<String> = inside
            .iter()
            .take(max_listed)
            .map(|o| {
                format!(
                    "`{}` in `{}` (p50 {}, {})",
                    shown(&o.name),
                    shown(&o.service),
                    signed(o.p50_delta_ns),
                    percent(o.p50_change)
                )
            })
            .collect();
        text.push_str(&format!(
            "; {} inside: {}",
            if slower { "slower" } else { "faster" },
            named.join(", ")
        ));
        if inside.len() > max_listed {
            text.push_str(&format!(" and {} more", inside.len() - max_listed));
        }
    }
    text
}

/// `+53%`, `-40%`, `0%` (no sign on a change that rounds to nothing), or
/// `from 0` when the baseline was 0.
pub fn percent(change: Option<f64>) -> String {
    match change.map(|c| (c * 100.0).round()) {
        None => "from 0".to_owned(),
        Some(p) if p.abs() < 0.5 => "0%".to_owned(),
        Some(p) => format!("{p:+.0}%"),
    }
}

fn signed(delta_ns: i64) -> String {
    let sign = if delta_ns < 0 { '-' } else { '+' };
    format!("{sign}{}", DurationNs(delta_ns.unsigned_abs()))
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_owned()
    } else {
        format!("p = {p:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(durations: &[u64]) -> Group {
        Group {
            durations: durations.iter().map(|&d| DurationNs(d)).collect(),
            examples: p95_ranks(durations.len())
                .map(|i| Example {
                    trace: i as u32,
                    span: i as u32,
                })
                .collect(),
            traces: durations.len() as u64,
            request_time_ns: durations.iter().map(|&d| u128::from(d)).sum(),
            stated: None,
        }
    }

    fn judged(then: &[u64], now: &[u64]) -> Row {
        let key = Key {
            kind: RowKind::Endpoint,
            endpoint: Some("GET /x".to_owned()),
            service: "svc".to_owned(),
            name: "GET /x".to_owned(),
        };
        let mut row = row(&key, &group(now), &group(then), &Config::default());
        row.p_value_adjusted = row.p_value;
        row.verdict = verdict(&row, &Config::default());
        row
    }

    #[test]
    fn clear_shift_is_a_regression_or_improvement() {
        let then: Vec<u64> = (0..40).map(|i| 1_000_000 + i * 1_000).collect();
        let now: Vec<u64> = then.iter().map(|d| d * 3 / 2).collect();
        let slower = judged(&then, &now);
        assert_eq!(slower.verdict, Verdict::Regression, "{slower:?}");
        assert!(slower.p_value.unwrap() < 1e-6);
        assert!((slower.p50_change.unwrap() - 0.5).abs() < 1e-9);
        assert_eq!(judged(&now, &then).verdict, Verdict::Improvement);
    }

    #[test]
    fn certain_but_small_changes_are_left_alone() {
        // 5% slower: the rank test is sure, the change is below 10%.
        let then: Vec<u64> = (0..200).map(|i| 10_000_000 + i * 100).collect();
        let now: Vec<u64> = then.iter().map(|d| d * 105 / 100).collect();
        let row = judged(&then, &now);
        assert!(row.p_value.unwrap() < 1e-6);
        assert_eq!(row.verdict, Verdict::Unchanged);
        // 50% slower but only 7.5 µs: below the 10 µs floor.
        let then: Vec<u64> = (0..200).map(|i| 15_000 + i).collect();
        let now: Vec<u64> = then.iter().map(|d| d * 3 / 2).collect();
        let row = judged(&then, &now);
        assert!(row.p_value.unwrap() < 1e-6);
        assert_eq!(row.verdict, Verdict::Unchanged);
    }

    #[test]
    fn too_few_samples_are_not_judged() {
        let row = judged(&[1_000_000; 9], &[5_000_000; 9]);
        assert_eq!(row.verdict, Verdict::TooFewSamples);
        assert_eq!(row.p_value, None);
    }

    #[test]
    fn percentages_and_p_values_read_well() {
        assert_eq!(percent(Some(0.534)), "+53%");
        assert_eq!(percent(Some(-0.4)), "-40%");
        assert_eq!(percent(None), "from 0");
        assert_eq!(percent(Some(-0.004)), "0%");
        assert_eq!(signed(-2_100_000), "-2.10ms");
        assert_eq!(p_text(0.0004), "p < 0.001");
        assert_eq!(p_text(0.0042), "p = 0.004");
    }
}
