//! What the screens show after a drop, computed once for the web app and the
//! CLI alike: an overview of what was loaded, the list of traces, and
//! per-operation latency statistics.

pub mod critical_path;
pub mod detectors;
pub mod failure;
pub mod groups;
pub mod id_folding;
pub mod requests;
pub mod self_time;
pub mod service_map;

pub use groups::{GroupStats, Groups, RobustSummary};
pub use requests::Requests;
pub use service_map::ServiceMap;

use crate::ids::TraceId;
use crate::index::{LinkWarnings, TraceIndex, TraceShape};
use crate::model::TraceSet;
use crate::time::{DurationNs, TimestampNs};
use detectors::regression::Samples;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Everything the overview screen needs, as plain data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Totals over all loaded files.
    pub overview: Overview,
    /// One row per trace, in start-time order.
    pub traces: Vec<TraceSummary>,
    /// Statistics per endpoint, service and operation.
    #[serde(flatten)]
    pub groups: Groups,
    /// What the detectors found, most severe first.
    pub findings: Vec<detectors::Finding>,
    /// What did not link cleanly.
    pub link_warnings: LinkWarnings,
    /// Baseline against current per endpoint and operation; `None` without a baseline.
    pub comparison: Option<detectors::regression::Comparison>,
    /// Each trace's entry span, endpoint and failures, kept for the meeting
    /// report (not shown: [`Analysis::traces`] and the groups say it for people).
    /// Not serialised: an analysis read back from JSON (the page's copy of
    /// the worker's) has none, and the report is made where the traces are.
    #[serde(skip)]
    requests: Requests,
}

/// Totals over all loaded files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// Traces that are sessions, not one request (see [`TraceShape`]): left
    /// out of endpoint latency statistics and the slowest traces.
    pub sessions: u64,
    /// Traces that are streaming calls (see [`TraceShape`]): left out likewise.
    pub streams: u64,
}

/// One row of the trace list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// Spans that failed: an error status, or a server answering HTTP 5xx
    /// (the notion of [`failure`], shared with the tables and the detectors).
    pub error_count: u32,
    /// One request, or a session or stream whose duration is not a latency.
    pub shape: TraceShape,
}

impl Analysis {
    /// Analyses everything in `set`.
    pub fn of(set: &TraceSet) -> Analysis {
        let index = TraceIndex::build(set);
        Analysis::with_index(set, &index)
    }

    /// Analyses `set` with an index already built for it.
    pub fn with_index(set: &TraceSet, index: &TraceIndex) -> Analysis {
        Analysis::with_baseline(set, index, None, &detectors::Config::default())
    }

    /// Analyses `set` (with its index) and, when given, compares it with
    /// `baseline`, traces of an earlier period: adds [`Analysis::comparison`]
    /// and the regression and improvement findings. Only the baseline's
    /// durations per endpoint and operation are used. `config` holds every
    /// detector's thresholds and the severity rules.
    pub fn with_baseline(
        set: &TraceSet,
        index: &TraceIndex,
        baseline: Option<&TraceSet>,
        config: &detectors::Config,
    ) -> Analysis {
        match baseline.map(|b| Samples::of(b, &TraceIndex::build(b))) {
            Some(baseline) => Analysis::against_samples(set, index, &baseline, config).0,
            None => Analysis::analyse(set, index, Compare::Not, config).0,
        }
    }

    /// As [`Analysis::with_baseline`], with the durations to compare already
    /// gathered: `(current, baseline)`, where the current ones are
    /// [`Samples::of`] `set` and the baseline's come from its traces or from
    /// a report's summaries.
    pub fn with_samples(
        set: &TraceSet,
        index: &TraceIndex,
        samples: Option<(&Samples, &Samples)>,
        config: &detectors::Config,
    ) -> Analysis {
        let compare = match samples {
            Some((current, baseline)) => Compare::Given(current, baseline),
            None => Compare::Not,
        };
        Analysis::analyse(set, index, compare, config).0
    }

    /// What the analysis found per trace (entry spans, endpoints, failures),
    /// for the meeting report, which would otherwise find them again
    /// ([`Samples::of_requests`], [`crate::report::errors::ErrorTypes::of_requests`]).
    pub fn requests(&self) -> &Requests {
        &self.requests
    }

    /// A copy without what is per trace (the rows and the requests): what a
    /// page shows as a summary, asking for the traces a page at a time.
    pub fn summary(&self) -> Analysis {
        Analysis {
            overview: self.overview.clone(),
            traces: Vec::new(),
            groups: self.groups.clone(),
            findings: self.findings.clone(),
            link_warnings: self.link_warnings,
            comparison: self.comparison.clone(),
            requests: Requests::default(),
        }
    }

    /// The analysis compared with `baseline` (durations of an earlier period,
    /// from its traces or a report's summaries), with the current durations
    /// gathered from what the analysis found per trace
    /// ([`Samples::of_requests`], equal to [`Samples::of`] `set`), handed
    /// back for the report.
    pub fn against_samples(
        set: &TraceSet,
        index: &TraceIndex,
        baseline: &Samples,
        config: &detectors::Config,
    ) -> (Analysis, Samples) {
        let (analysis, current) = Analysis::analyse(set, index, Compare::Gathered(baseline), config);
        // Gathered is given, so the samples are there; an empty set of them otherwise is only a fallback.
        (analysis, current.unwrap_or_default())
    }

    /// The analysis in two steps, for a caller that shows what it can as
    /// soon as it can: `listed` sees everything but the findings (the
    /// overview, the trace rows, the groups, the comparison, the requests),
    /// then the detectors run. The result is [`Analysis::against_samples`]
    /// with a `baseline`, else [`Analysis::with_samples`] without one, with
    /// what `listed` returned.
    pub fn in_two_steps<T>(
        set: &TraceSet,
        index: &TraceIndex,
        baseline: Option<&Samples>,
        config: &detectors::Config,
        listed: impl FnOnce(&Analysis) -> T,
    ) -> (Analysis, Option<Samples>, T) {
        let compare = match baseline {
            Some(baseline) => Compare::Gathered(baseline),
            None => Compare::Not,
        };
        Analysis::analyse_then(set, index, compare, config, true, listed)
    }

    /// The one analysis behind every entry point above.
    fn analyse(
        set: &TraceSet,
        index: &TraceIndex,
        compare: Compare<'_>,
        config: &detectors::Config,
    ) -> (Analysis, Option<Samples>) {
        let (analysis, samples, ()) = Analysis::analyse_then(set, index, compare, config, false, |_| ());
        (analysis, samples)
    }

    /// [`Analysis::analyse`], calling `listed` with the analysis before its
    /// findings (see [`Analysis::in_two_steps`]); with `requests_early` that
    /// analysis holds a copy of the requests, which a trace list reads.
    fn analyse_then<T>(
        set: &TraceSet,
        index: &TraceIndex,
        compare: Compare<'_>,
        config: &detectors::Config,
        requests_early: bool,
        listed: impl FnOnce(&Analysis) -> T,
    ) -> (Analysis, Option<Samples>, T) {
        let overview = overview(set, index);
        let self_times = self_time::self_times(set, index);
        let on_path = critical_path::on_path_times(set, index);
        let range = overview.start.zip(overview.end);
        let facts = groups::SpanFacts::new(set, index, &self_times, &on_path, range);
        // The current durations come from the entry spans and endpoints just found.
        let gathered = match compare {
            Compare::Gathered(_) => Some(Samples::of_requests_found(
                set,
                index,
                &facts.entries,
                &facts.endpoint_names,
            )),
            Compare::Not | Compare::Given(..) => None,
        };
        let comparison = match (compare, &gathered) {
            (Compare::Given(current, baseline), _) => Some((current, baseline)),
            (Compare::Gathered(baseline), Some(current)) => Some((current, baseline)),
            _ => None,
        }
        .map(|(current, baseline)| detectors::regression::compare(current, baseline, &config.regression));
        let groups = groups::groups(&facts);
        let traces = trace_summaries(set, index, &facts.failures);
        let mut analysis = Analysis {
            traces,
            groups,
            findings: Vec::new(),
            overview,
            link_warnings: index.warnings,
            comparison,
            // A copy while the detectors still read the facts; a trace list
            // made from the analysis meanwhile needs them.
            requests: if requests_early {
                facts.requests()
            } else {
                Requests::default()
            },
        };
        let seen = listed(&analysis);
        let findings = {
            let mut context = detectors::Context::new(&facts, &analysis.groups);
            context.comparison = analysis.comparison.as_ref();
            detectors::detect(&context, config)
        };
        analysis.findings = findings;
        analysis.requests = facts.into_requests();
        (analysis, gathered, seen)
    }
}

/// What the analysis compares the current period with.
#[derive(Clone, Copy)]
enum Compare<'a> {
    /// Nothing.
    Not,
    /// Current and baseline durations, both gathered by the caller.
    Given(&'a Samples, &'a Samples),
    /// The baseline's durations; the current ones are gathered here.
    Gathered(&'a Samples),
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
        sessions: index.traces.iter().filter(|t| t.shape == TraceShape::Session).count() as u64,
        streams: index.traces.iter().filter(|t| t.shape == TraceShape::Streaming).count() as u64,
    }
}

fn trace_summaries(set: &TraceSet, index: &TraceIndex, failures: &failure::Failures) -> Vec<TraceSummary> {
    let mut rows: Vec<TraceSummary> = index
        .traces
        .iter()
        .enumerate()
        .map(|(t, trace)| TraceSummary::of(set, trace, failures.spans_in_trace(t)))
        .collect();
    rows.sort_by_key(|row| (row.start, row.trace_id));
    rows
}

impl TraceSummary {
    /// The row of `trace`, with `error_count` failed spans (see [`failure`]).
    pub(crate) fn of(set: &TraceSet, trace: &crate::index::Trace, error_count: u32) -> TraceSummary {
        let root = set.spans.get(trace.root as usize);
        TraceSummary {
            trace_id: trace.trace_id,
            root_service: root.map_or("", |s| set.str(s.service)).to_owned(),
            root_operation: root.map_or("", |s| set.str(s.name)).to_owned(),
            has_root: trace.has_root,
            start: trace.start,
            duration: trace.duration(),
            span_count: trace.span_count(),
            error_count,
            shape: trace.shape,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! Hand-built traces for the analysis tests, read through the real import.

    use crate::index::TraceIndex;
    use crate::model::{SpanKind, TraceSet};
    use crate::synth::{SynthSpan, encode};

    /// One span of a test trace: IDs and times in milliseconds from a fixed start.
    pub struct Tree {
        pub id: u64,
        pub parent: Option<u64>,
        pub start: u64,
        pub end: u64,
    }

    /// The spans of one trace, imported as OTLP JSON and indexed.
    pub fn build(trees: &[Tree]) -> (TraceSet, TraceIndex) {
        let base = 1_700_000_000_000_000_000u64;
        let spans: Vec<SynthSpan> = trees
            .iter()
            .map(|t| SynthSpan {
                trace_id: 7,
                span_id: t.id,
                parent_span_id: t.parent,
                service: "svc",
                name: format!("op{}", t.id),
                kind: SpanKind::Internal,
                start_ns: base + t.start * 1_000_000,
                end_ns: base + t.end * 1_000_000,
                error: None,
                attributes: Vec::new(),
            })
            .collect();
        let mut set = TraceSet::new();
        crate::import::import_file(&mut set, "test", &encode(&spans, crate::import::Format::OtlpJson)).unwrap();
        let index = TraceIndex::build(&set);
        (set, index)
    }
}
