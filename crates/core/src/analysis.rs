//! What the first screen shows after a drop, computed once for the web app and
//! the CLI alike: an overview of what was loaded, the list of traces, and
//! per-operation latency statistics.

use crate::ids::TraceId;
use crate::index::{LinkWarnings, TraceIndex};
use crate::intern::Sym;
use crate::model::{StatusCode, TraceSet};
use crate::stats::DurationSummary;
use crate::time::{DurationNs, TimestampNs};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Everything the overview screen needs, as plain data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Analysis {
    /// Totals over all loaded files.
    pub overview: Overview,
    /// One row per trace, in start-time order.
    pub traces: Vec<TraceSummary>,
    /// One row per (service, operation), busiest first.
    pub operations: Vec<OperationStats>,
    /// What did not link cleanly.
    pub link_warnings: LinkWarnings,
}

/// Totals over all loaded files.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overview {
    /// Files loaded.
    pub files: usize,
    /// Spans kept.
    pub spans: u64,
    /// Distinct traces.
    pub traces: u64,
    /// Earliest span start (spans without a start time are left out).
    pub start: Option<TimestampNs>,
    /// Latest span end.
    pub end: Option<TimestampNs>,
    /// Service names, sorted.
    pub services: Vec<String>,
}

/// One row of the trace list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceSummary {
    /// The trace ID.
    pub trace_id: TraceId,
    /// Service of the root span.
    pub root_service: String,
    /// Operation of the root span.
    pub root_operation: String,
    /// False when no span lacks a parent (the root shown is the earliest orphan).
    pub has_root: bool,
    /// Earliest span start.
    pub start: TimestampNs,
    /// End-to-end duration.
    pub duration: DurationNs,
    /// Number of spans.
    pub span_count: u32,
    /// Spans with an error status.
    pub error_count: u32,
}

/// Latency and errors of one operation of one service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OperationStats {
    /// The service.
    pub service: String,
    /// The operation (span name).
    pub operation: String,
    /// Spans with an error status.
    pub errors: u64,
    /// `errors / count`, between 0 and 1.
    pub error_rate: f64,
    /// Count, min, mean, p50, p95, p99, max of span durations.
    #[serde(flatten)]
    pub durations: DurationSummary,
}

impl Analysis {
    /// Analyses everything in `set`.
    pub fn of(set: &TraceSet) -> Analysis {
        let index = TraceIndex::build(set);
        Analysis::with_index(set, &index)
    }

    /// Analyses `set` with an index already built for it.
    pub fn with_index(set: &TraceSet, index: &TraceIndex) -> Analysis {
        Analysis {
            overview: overview(set, index),
            traces: trace_summaries(set, index),
            operations: operation_stats(set),
            link_warnings: index.warnings,
        }
    }
}

fn overview(set: &TraceSet, index: &TraceIndex) -> Overview {
    let timed = set.spans.iter().filter(|s| s.start.0 != 0);
    let start = timed.clone().map(|s| s.start).min();
    let end = timed.map(|s| s.end()).max();
    let services: BTreeSet<&str> = set.spans.iter().map(|s| set.str(s.service)).collect();
    Overview {
        files: set.files.len(),
        spans: set.spans.len() as u64,
        traces: index.traces.len() as u64,
        start,
        end,
        services: services.into_iter().map(str::to_owned).collect(),
    }
}

fn trace_summaries(set: &TraceSet, index: &TraceIndex) -> Vec<TraceSummary> {
    let mut rows: Vec<TraceSummary> = index
        .traces
        .iter()
        .map(|trace| {
            let root = set.spans.get(trace.root as usize);
            TraceSummary {
                trace_id: trace.trace_id,
                root_service: root.map_or("", |s| set.str(s.service)).to_owned(),
                root_operation: root.map_or("", |s| set.str(s.name)).to_owned(),
                has_root: trace.has_root,
                start: trace.start,
                duration: trace.duration(),
                span_count: trace.span_count(),
                error_count: trace.error_count,
            }
        })
        .collect();
    rows.sort_by_key(|row| (row.start, row.trace_id));
    rows
}

fn operation_stats(set: &TraceSet) -> Vec<OperationStats> {
    let mut groups: HashMap<(Sym, Sym), (Vec<DurationNs>, u64)> = HashMap::new();
    for span in &set.spans {
        let (durations, errors) = groups.entry((span.service, span.name)).or_default();
        durations.push(span.duration);
        if span.status == StatusCode::Error {
            *errors += 1;
        }
    }
    let mut rows: Vec<OperationStats> = groups
        .into_iter()
        .filter_map(|((service, name), (mut durations, errors))| {
            let durations = DurationSummary::of(&mut durations)?;
            Some(OperationStats {
                service: set.str(service).to_owned(),
                operation: set.str(name).to_owned(),
                errors,
                error_rate: errors as f64 / durations.count as f64,
                durations,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.durations
            .count
            .cmp(&a.durations.count)
            .then_with(|| a.service.cmp(&b.service))
            .then_with(|| a.operation.cmp(&b.operation))
    });
    rows
}
