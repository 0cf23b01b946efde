//! The feedback-meeting report: one model of what a team discusses every two
//! weeks (did it work, is anyone using it, did it get faster or slower, what
//! broke, what to ask), built from an [`Analysis`] and shown by every
//! renderer alike (JSON here; HTML, Markdown and the app's view read the
//! same [`Report`]).
//!
//! ```text
//! alone:      TraceSet ── TraceIndex ── Analysis ── its Requests (entry span, endpoint,
//!                                       failures per trace, as the analysis found
//!                                       them) ── Samples::of_requests
//! a baseline: its TraceSet ── Analysis ── Samples::of_requests ─────────────────┐
//!         or  a Report JSON ── summary::samples ────────────────────────────────┤
//!                                                                               ▼
//!             TraceSet ── TraceIndex ── Analysis::against_samples (the current samples
//!                                       gathered from its Requests, the comparison,
//!                                       every detector)
//!                                                                               ▼
//!   build: header · usage · latency · findings (+ status against the previous
//!          report's findings) · errors · headlines · questions · summary
//! ```
//!
//! Each section is its own module, computed from what the analysis and the
//! comparison's [`Samples`] already hold, so the report's numbers are the
//! app's and the CLI's numbers; [`summary`] keeps the current samples (with a
//! bounded sample of durations) so the report can be the next baseline.

pub mod errors;
pub mod findings;
pub mod header;
pub mod headlines;
pub mod latency;
pub mod model;
pub mod period_name;
pub mod questions;
pub mod render;
pub mod summary;
pub mod usage;

pub use model::*;

use crate::analysis::Analysis;
use crate::analysis::detectors::{self, regression::Samples};
use crate::index::TraceIndex;
use crate::model::TraceSet;
use std::collections::BTreeMap;

/// What a person chose for the report.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The title; by default one naming the periods.
    pub title: Option<String>,
    /// Names of the current and the baseline period; by default from their time ranges.
    pub period_names: Option<(String, String)>,
    /// Notes, owners and states by finding fingerprint (e.g. edited in the
    /// app); they win over what a previous report carried.
    pub tracking: BTreeMap<String, Tracking>,
    /// Detector thresholds and severity rules.
    pub config: detectors::Config,
}

/// What the current period is compared with.
#[derive(Clone, Copy, Debug)]
pub enum BaselineInput<'a> {
    /// Nothing: the report describes the current period alone.
    None,
    /// Traces of the earlier period (or the other environment).
    Traces(&'a TraceSet),
    /// A previous report, read back from its JSON.
    Report(&'a Report),
}

/// The baseline as [`build`] reads it, with what was derived from it.
pub struct Baseline<'a> {
    /// Its durations per endpoint and operation.
    pub samples: &'a Samples,
    /// Its period for the header, and its data-quality notes.
    pub period: Period,
    /// Its notes.
    pub notes: Vec<DataNote>,
    /// Its error types with counts.
    pub errors: errors::ErrorTypes,
    /// Its findings, to give each current finding a status; `None` when not known.
    pub findings: Option<Vec<ReportFinding>>,
}

/// Everything [`build`] reads.
pub struct Inputs<'a> {
    /// The current traces.
    pub set: &'a TraceSet,
    /// Their index.
    pub index: &'a TraceIndex,
    /// Their analysis, made with `samples` (and the baseline's, if any).
    pub analysis: &'a Analysis,
    /// [`Samples::of`] the current traces.
    pub samples: &'a Samples,
    /// The baseline, if any.
    pub baseline: Option<Baseline<'a>>,
    /// Title, names, tracking.
    pub options: &'a Options,
}

/// Reads traces (and a baseline), analyses them and makes the report: the
/// one entry point the CLI and the app share. With a trace baseline its
/// findings are found too, so statuses (new, still open, resolved) work
/// against raw files as against a previous report. The report reads what the
/// analysis found per trace ([`Analysis::requests`]) rather than finding it again.
pub fn generate(set: &TraceSet, baseline: BaselineInput<'_>, options: &Options) -> (Analysis, Report) {
    let index = TraceIndex::build(set);
    // Declared here so the baseline can borrow them past the match.
    let baseline_samples;
    let baseline = match baseline {
        BaselineInput::None => return alone(set, &index, options),
        BaselineInput::Traces(b) => {
            let b_index = TraceIndex::build(b);
            let b_analysis = Analysis::with_samples(b, &b_index, None, &options.config);
            baseline_samples = Samples::of_requests(b, &b_index, b_analysis.requests());
            Baseline::of_analysed_traces(b, &b_index, &b_analysis, &baseline_samples)
        }
        BaselineInput::Report(previous) => {
            baseline_samples = summary::samples(&previous.summary);
            Baseline::of_report(previous, &baseline_samples)
        }
    };
    let (analysis, samples) = Analysis::against_samples(set, &index, baseline.samples, &options.config);
    let report = build(&Inputs {
        set,
        index: &index,
        analysis: &analysis,
        samples: &samples,
        baseline: Some(baseline),
        options,
    });
    (analysis, report)
}

impl<'a> Baseline<'a> {
    /// Baseline traces as the report reads them: their own analysis (for
    /// the findings' statuses), period, notes and error types. `index` and
    /// `samples` are [`TraceIndex::build`] and [`Samples::of`] `set`, so a
    /// caller that has them already (the app) does not make them again.
    pub fn of_traces(
        set: &TraceSet,
        index: &TraceIndex,
        samples: &'a Samples,
        config: &detectors::Config,
    ) -> Baseline<'a> {
        let analysis = Analysis::with_samples(set, index, None, config);
        Baseline::of_analysed_traces(set, index, &analysis, samples)
    }

    /// The same with the baseline traces' analysis (without a baseline of
    /// its own) already made: its per-trace entry spans, endpoints and
    /// failures give the error types, its overview the period.
    pub fn of_analysed_traces(
        set: &TraceSet,
        index: &TraceIndex,
        analysis: &Analysis,
        samples: &'a Samples,
    ) -> Baseline<'a> {
        Baseline {
            samples,
            period: header::traces_period(set, &analysis.overview),
            notes: header::notes(Side::Baseline, &set.files, &analysis.link_warnings),
            errors: errors::ErrorTypes::of_requests(set, index, analysis.requests()),
            findings: Some(analysis.findings.iter().map(findings::report_finding).collect()),
        }
    }

    /// A previous report as the baseline: its current period (marked as
    /// read from a report), its notes on that period, its error types and
    /// findings. `samples` is [`summary::samples`] of its summary.
    pub fn of_report(previous: &Report, samples: &'a Samples) -> Baseline<'a> {
        let mut period = previous.header.current.clone();
        period.source = Source::Report;
        let notes = previous
            .header
            .data_quality
            .iter()
            .filter(|n| n.side == Side::Current)
            .map(|n| DataNote {
                side: Side::Baseline,
                ..n.clone()
            })
            .collect();
        Baseline {
            samples,
            period,
            notes,
            errors: errors::ErrorTypes::of_report(&previous.errors),
            findings: Some(previous.findings.clone()),
        }
    }
}

/// The report of the current period alone: its samples are gathered only
/// for the summary (the next period's baseline).
fn alone(set: &TraceSet, index: &TraceIndex, options: &Options) -> (Analysis, Report) {
    let analysis = Analysis::with_samples(set, index, None, &options.config);
    let samples = Samples::of_requests(set, index, analysis.requests());
    let report = build(&Inputs {
        set,
        index,
        analysis: &analysis,
        samples: &samples,
        baseline: None,
        options,
    });
    (analysis, report)
}

/// The report of an analysis already made.
pub fn build(inputs: &Inputs<'_>) -> Report {
    let Inputs {
        set,
        index,
        analysis,
        samples,
        options,
        ..
    } = inputs;
    let baseline = inputs.baseline.as_ref();
    let has_baseline = baseline.is_some();
    let usage = usage::usage(samples, baseline.map(|b| b.samples));
    let latency = latency::latency(analysis, samples, baseline.map(|b| b.samples));
    let findings = findings::findings(
        &analysis.findings,
        baseline.and_then(|b| b.findings.as_deref()),
        &options.tracking,
    );
    let errors = errors::errors(
        &errors::ErrorTypes::of_requests(set, index, analysis.requests()),
        baseline.map(|b| &b.errors),
    );
    let headlines = headlines::headlines(&usage, &latency, &findings, &errors, has_baseline);
    let questions = questions::questions(&usage, &latency, &findings, &errors, has_baseline);
    Report {
        schema_version: SCHEMA_VERSION,
        header: header::header(
            set,
            analysis,
            baseline.map(|b| (b.period.clone(), b.notes.clone())),
            options,
        ),
        headlines,
        usage,
        latency,
        findings,
        errors,
        questions,
        summary: summary::summarise(samples, summary::SAMPLE_LIMIT),
    }
}

/// Why a report JSON could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not a report of a version this build reads.
    #[error("report schema_version {found} is not supported (this build reads {SCHEMA_VERSION})")]
    Version {
        /// The version the file says.
        found: u64,
    },
    /// Not JSON, or not shaped like a report.
    #[error("not a Tracelens report: {0}")]
    Json(#[from] serde_json::Error),
}

impl Report {
    /// The report as JSON (pretty-printed, stable field order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A report read back from [`Report::to_json`]'s output. The version is
    /// checked first, so a newer report says so instead of naming a field.
    pub fn from_json(bytes: &[u8]) -> Result<Report, ReadError> {
        #[derive(serde::Deserialize)]
        struct Version {
            schema_version: Option<u64>,
        }
        let version: Version = serde_json::from_slice(bytes)?;
        match version.schema_version {
            Some(v) if v == u64::from(SCHEMA_VERSION) => Ok(serde_json::from_slice(bytes)?),
            Some(found) => Err(ReadError::Version { found }),
            None => Err(ReadError::Json(serde::de::Error::missing_field("schema_version"))),
        }
    }

    /// Whether `bytes` look like a report JSON rather than trace data: a
    /// `schema_version` and a `summary` among the top-level keys.
    pub fn looks_like(bytes: &[u8]) -> bool {
        let head = &bytes[..bytes.len().min(4096)];
        let has = |key: &[u8]| head.windows(key.len()).any(|w| w == key);
        has(b"\"schema_version\"") && has(b"\"header\"")
    }
}

pub(crate) use crate::numbers::counted;

/// `p50 9.62ms → 14.7ms (+52%), p95 15.5ms → 21.5ms (+39%), p < 0.001`.
pub(crate) fn describe_change(endpoint: &EndpointLatency, change: &LatencyChange) -> String {
    let percent = detectors::regression::percent;
    let p = match change.p_value {
        Some(p) if p < 0.001 => ", p < 0.001".to_owned(),
        Some(p) => format!(", p = {p:.3}"),
        None => String::new(),
    };
    format!(
        "p50 {} → {} ({}), p95 {} → {} ({}){p}",
        change.baseline_p50,
        endpoint.p50,
        percent(change.p50_change),
        change.baseline_p95,
        endpoint.p95,
        percent(change.p95_change),
    )
}

/// `` `SELECT …` in `cart` under `GET /api/cart` `` for a sentence, or the
/// finding's scope when it covers more than one operation ([`Subject::named`]).
pub(crate) fn subject_text(subject: &Subject) -> String {
    subject.named()
}
