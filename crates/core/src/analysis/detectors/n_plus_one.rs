//! N+1 queries.
//!
//! **What it detects.** The same database statement run many times under one
//! parent span: a loop that queries once per item instead of once for all.
//!
//! **Why it matters.** Each query pays a round trip; with N items the request
//! pays N of them, so it gets slower as data grows, and the database does N
//! times the work. One query with `IN (...)` or a join usually does the same.
//!
//! **Rule.** Among the children of any span, database calls (spans with
//! `db.system` / `db.system.name`) are grouped by service and statement:
//! `db.query.text` or `db.statement` with literals and parameter markers folded
//! ([`super::statement`]), else the span name (which OpenTelemetry's
//! conventions build from the operation and the table, like `SELECT orders`;
//! `db.operation.name` alone is too coarse: every Redis read is `GET`).
//! A group of at least `min_repeats` (default 5)
//! calls is an occurrence. Occurrences are reported per endpoint, service and
//! statement, with the median repeats per affected request and the share of
//! those requests' time the repeated calls took. Severity: critical from 30%
//! of request time, warning from 10%, info below.
//!
//! **Example.** `SELECT * FROM items WHERE id = $1` runs 23 times per
//! `GET /api/cart` request (median), 61% of its time.

use super::repeats::{self, Repeat};
use super::{Context, Evidence, Finding, Impact, Subject};
use crate::time::DurationNs;
use std::collections::HashMap;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::NPlusOneQueries;

/// Thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Repeats under one parent from which a statement counts as N+1.
    pub min_repeats: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config { min_repeats: 5 }
    }
}

/// Endpoint, service and statement shape: what one finding is about.
type Key<'a> = (Option<&'a str>, &'a str, &'a str);

/// The findings, one per endpoint, service and statement.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let occurrences = repeats::find(context, config.min_repeats.max(2), |i| context.database.shape(i));
    let mut by_subject: HashMap<Key<'_>, Vec<&Repeat>> = HashMap::new();
    for occurrence in &occurrences {
        let endpoint = context
            .endpoints
            .get(occurrence.trace as usize)
            .and_then(|e| e.as_deref());
        let service = context.set.str(occurrence.service);
        by_subject
            .entry((endpoint, service, context.database.text(occurrence.key)))
            .or_default()
            .push(occurrence);
    }
    by_subject
        .into_iter()
        .map(|((endpoint, service, statement), occurrences)| {
            finding(context, endpoint, service, statement, &occurrences)
        })
        .collect()
}

fn finding(
    context: &Context<'_>,
    endpoint: Option<&str>,
    service: &str,
    statement: &str,
    occurrences: &[&Repeat],
) -> Finding {
    // Per affected request: repeats and repeated time (a request may repeat under several parents).
    let mut per_trace: HashMap<u32, (usize, u64)> = HashMap::new();
    for o in occurrences {
        let entry = per_trace.entry(o.trace).or_default();
        entry.0 += o.spans.len();
        entry.1 += o.time.0;
    }
    let median = super::median(per_trace.values().map(|(n, _)| *n).collect());
    let time: u64 = per_trace.values().map(|(_, t)| t).sum();
    let request_time: u64 = per_trace
        .keys()
        .map(|&t| context.request_durations.get(t as usize).map_or(0, |d| d.0))
        .sum();
    let (share, severity) = super::share_and_severity(time, request_time);
    let place = super::per_request(endpoint);
    let mut examples: Vec<&&Repeat> = occurrences.iter().collect();
    examples.sort_by_key(|o| std::cmp::Reverse(o.spans.len()));
    let spans = &context.set.spans;
    let evidence = examples
        .iter()
        .take(3)
        .map(|o| Evidence {
            trace_id: context
                .index
                .traces
                .get(o.trace as usize)
                .map_or(crate::ids::TraceId(0), |t| t.trace_id),
            span_ids: std::iter::once(o.parent)
                .chain(o.spans.iter().copied().take(5))
                .map(|s| spans[s as usize].span_id)
                .collect(),
        })
        .collect();
    Finding {
        detector: NAME,
        severity,
        impact: Impact {
            requests: per_trace.len() as u64,
            request_time_share: share,
            time: DurationNs(time),
            ..Default::default()
        },
        subject: Subject {
            endpoint: endpoint.map(str::to_owned),
            service: service.to_owned(),
            operation: statement.to_owned(),
        },
        explanation: format!(
            "`{}` runs {median} times {place} (median of {} requests), {:.0}% of their time",
            super::shown(statement),
            per_trace.len(),
            share * 100.0
        ),
        evidence,
    }
}
