//! What the page's analysis built that the report needs again: the current
//! traces' index and durations (`Samples`), the baseline traces' index and
//! durations, and what the report derives from a baseline once (the
//! baseline's own findings, period, notes and error types; the analysis
//! against a previous report's summaries). Kept beside the analysis so that
//! opening the report or saving it only costs `report::build`, not a second
//! analysis of everything on the page's main thread.
//!
//! What the analysis page never needs is made on the first report and kept:
//! the current `Samples` when there is no baseline (the comparison makes
//! them otherwise), the baseline traces' own analysis, and the analysis
//! against a previous report (a report baseline changes the comparison and
//! so the regression findings, which only a run of the detectors gives).
//! The result is the report `report::generate` makes from the same inputs.

use std::sync::Arc;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::{Config, regression::Samples};
use tracelens_core::index::TraceIndex;
use tracelens_core::report::{self, Baseline, DataNote, Options, Period, Report, ReportFinding, errors::ErrorTypes};

/// The page's analysis and what was built on the way to it.
pub struct Prepared {
    pub analysis: Arc<Analysis>,
    index: TraceIndex,
    /// `Samples::of` the current traces; `None` until a report needs them
    /// when there is no baseline.
    samples: Option<Samples>,
    baseline: Option<TraceBaseline>,
    /// The analysis against the last previous report the report was made with.
    against_report: Option<AgainstReport>,
}

/// Baseline traces as far as the page's comparison read them.
struct TraceBaseline {
    index: TraceIndex,
    samples: Samples,
    /// What the report reads of them beyond their durations; made on the first report.
    parts: Option<BaselineParts>,
}

/// The owned part of a `report::Baseline` (everything but its samples).
#[derive(Clone)]
struct BaselineParts {
    period: Period,
    notes: Vec<DataNote>,
    errors: ErrorTypes,
    findings: Option<Vec<ReportFinding>>,
}

impl BaselineParts {
    fn of(baseline: Baseline<'_>) -> BaselineParts {
        BaselineParts {
            period: baseline.period,
            notes: baseline.notes,
            errors: baseline.errors,
            findings: baseline.findings,
        }
    }

    fn with_samples(self, samples: &Samples) -> Baseline<'_> {
        Baseline {
            samples,
            period: self.period,
            notes: self.notes,
            errors: self.errors,
            findings: self.findings,
        }
    }
}

/// The current traces analysed against a previous report's summaries.
struct AgainstReport {
    /// The report it was made for (compared by identity: a new drop is a new `Arc`).
    previous: Arc<Report>,
    samples: Samples,
    analysis: Analysis,
}

impl Prepared {
    /// The baseline traces' index, when they are loaded.
    pub fn baseline_index(&self) -> Option<&TraceIndex> {
        self.baseline.as_ref().map(|b| &b.index)
    }

    /// The current traces' index.
    pub fn index(&self) -> &TraceIndex {
        &self.index
    }

    /// Analyses `set` as the page shows it: against `baseline` traces when
    /// given (the same as `Analysis::with_baseline`), keeping the indexes and
    /// durations it built.
    pub fn analyse(set: &TraceSet, baseline: Option<&TraceSet>) -> Prepared {
        Prepared::analyse_in_two_steps(set, baseline, |_, _| ()).0
    }

    /// [`Prepared::analyse`] in two steps (`Analysis::in_two_steps`):
    /// `listed` sees the index and the analysis before its findings, and
    /// what it returns comes back beside the result.
    pub fn analyse_in_two_steps<T>(
        set: &TraceSet,
        baseline: Option<&TraceSet>,
        listed: impl FnOnce(&TraceIndex, &Analysis) -> T,
    ) -> (Prepared, T) {
        let index = crate::engine::timing::measure("tracelens: index", || TraceIndex::build(set));
        let baseline = baseline.map(|b| {
            let index = TraceIndex::build(b);
            let samples = Samples::of(b, &index);
            TraceBaseline {
                index,
                samples,
                parts: None,
            }
        });
        // With a baseline the analysis gathers the current durations itself,
        // from the entry spans and endpoints it finds anyway.
        let baseline_samples = baseline.as_ref().map(|b| &b.samples);
        let (analysis, samples, seen) =
            Analysis::in_two_steps(set, &index, baseline_samples, &Config::default(), |analysis| {
                listed(&index, analysis)
            });
        let prepared = Prepared {
            analysis: Arc::new(analysis),
            index,
            samples,
            baseline,
            against_report: None,
        };
        (prepared, seen)
    }

    /// The report of `set` (the traces [`Prepared::analyse`] was given, as is
    /// `baseline_set`) against `previous` if given, else against the baseline
    /// traces. `options.config` is ignored: the page analyses with the
    /// default thresholds, and so does its report.
    pub fn report(
        &mut self,
        set: &TraceSet,
        baseline_set: &TraceSet,
        previous: Option<&Arc<Report>>,
        options: &Options,
    ) -> Report {
        // Gathered from what the analysis already found per trace (entry span,
        // endpoint, failures): a third of the cost of finding them again.
        let (index, analysis) = (&self.index, &self.analysis);
        let samples: &Samples = self
            .samples
            .get_or_insert_with(|| Samples::of_requests(set, index, analysis.requests()));
        let (analysis, baseline) = match (previous, self.baseline.as_mut()) {
            (Some(previous), _) => {
                let against = match self.against_report.take() {
                    Some(kept) if Arc::ptr_eq(&kept.previous, previous) => kept,
                    _ => {
                        let previous_samples = report::summary::samples(&previous.summary);
                        let analysis = Analysis::with_samples(
                            set,
                            &self.index,
                            Some((samples, &previous_samples)),
                            &Config::default(),
                        );
                        AgainstReport {
                            previous: previous.clone(),
                            samples: previous_samples,
                            analysis,
                        }
                    }
                };
                let against = self.against_report.insert(against);
                (&against.analysis, Some(Baseline::of_report(previous, &against.samples)))
            }
            (None, Some(traces)) => {
                let parts = traces
                    .parts
                    .get_or_insert_with(|| {
                        BaselineParts::of(Baseline::of_traces(
                            baseline_set,
                            &traces.index,
                            &traces.samples,
                            &Config::default(),
                        ))
                    })
                    .clone();
                (&*self.analysis, Some(parts.with_samples(&traces.samples)))
            }
            (None, None) => (&*self.analysis, None),
        };
        report::build(&report::Inputs {
            set,
            index: &self.index,
            analysis,
            samples,
            baseline,
            options,
        })
    }
}
