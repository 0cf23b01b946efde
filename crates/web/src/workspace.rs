//! The page's state: the merged trace set of every file loaded so far, an
//! optional baseline (traces of an earlier period, loaded into a second set),
//! the analysis derived from both, and the files that could not be read.
//! A previous report's JSON given as the baseline is kept apart: it is the
//! report's baseline (statuses, carried notes), not the comparison's.
//!
//! The trace sets themselves are not reactive (they can hold a million spans);
//! views subscribe to the analysis, which is replaced after each load.

use crate::io::LoadedBytes;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::{FileReport, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::report::{self, BaselineInput, Report};
use tracelens_core::time::TimestampNs;

/// Which of the two trace sets a file goes into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// The traces being looked at: everything the page shows is about them.
    Current,
    /// Traces of an earlier period, used only to compare with.
    Baseline,
}

/// A file that could not be loaded, with the message to show.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadFailure {
    /// Increasing number, so the same file failing twice shows twice.
    pub id: u64,
    /// The set the file was meant for: its message shows beside that set.
    pub period: Period,
    pub message: String,
}

/// What the baseline holds, so the page can say what it compares with.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineSummary {
    pub files: Vec<FileReport>,
    pub spans: u64,
    pub traces: u64,
    /// Earliest span start (spans without a start time left out, as in the overview).
    pub start: Option<TimestampNs>,
    /// Latest span end.
    pub end: Option<TimestampNs>,
}

/// Shared state of the page, cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Workspace {
    set: StoredValue<TraceSet>,
    baseline_set: StoredValue<TraceSet>,
    pub analysis: RwSignal<Option<Arc<Analysis>>>,
    pub files: RwSignal<Vec<FileReport>>,
    /// `None` until a baseline file loads.
    pub baseline: RwSignal<Option<BaselineSummary>>,
    pub failures: RwSignal<Vec<LoadFailure>>,
    pub busy: RwSignal<bool>,
    /// While files are dragged over the page: the set a drop would add them to.
    pub drop_target: RwSignal<Option<Period>>,
    /// A trace the user asked to see (from a finding); the trace list shows only it.
    pub focused_trace: RwSignal<Option<tracelens_core::ids::TraceId>>,
    /// A previous report read back from its JSON: the report's baseline, in
    /// place of the baseline traces (which the rest of the page still uses).
    pub report_baseline: RwSignal<Option<Arc<Report>>>,
    next_failure: StoredValue<u64>,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            set: StoredValue::new(TraceSet::new()),
            baseline_set: StoredValue::new(TraceSet::new()),
            analysis: RwSignal::new(None),
            files: RwSignal::new(Vec::new()),
            baseline: RwSignal::new(None),
            failures: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            drop_target: RwSignal::new(None),
            focused_trace: RwSignal::new(None),
            report_baseline: RwSignal::new(None),
            next_failure: StoredValue::new(0),
        }
    }

    fn store(&self, period: Period) -> StoredValue<TraceSet> {
        match period {
            Period::Current => self.set,
            Period::Baseline => self.baseline_set,
        }
    }

    /// Imports each file into the set of `period`; those that fail are
    /// reported and change nothing. The analysis is recomputed once at the end.
    pub fn load(&self, period: Period, results: Vec<Result<LoadedBytes, String>>) {
        let store = self.store(period);
        let mut added = false;
        for result in results {
            let result = match result {
                Ok(file) if Report::looks_like(&file.bytes) => {
                    self.load_report(period, &file);
                    continue;
                }
                other => other,
            };
            let outcome = result.and_then(|file| {
                store
                    .try_update_value(|set| {
                        import_file(set, &file.name, &file.bytes)
                            .map(drop)
                            .map_err(|e| e.to_string())
                    })
                    .unwrap_or_else(|| Err(format!("{}: the page was reset while loading", file.name)))
            });
            match outcome {
                Ok(_) => added = true,
                Err(message) => self.fail(period, message),
            }
        }
        if added {
            store.update_value(TraceSet::shrink_to_fit);
            self.refresh();
        }
    }

    /// A report JSON given for `period`: the report's baseline when given as
    /// a baseline; for the current traces, a message saying where it goes.
    fn load_report(&self, period: Period, file: &LoadedBytes) {
        match (period, Report::from_json(&file.bytes)) {
            (Period::Baseline, Ok(previous)) => self.report_baseline.set(Some(Arc::new(previous))),
            (Period::Baseline, Err(e)) => self.fail(period, format!("{}: {e}", file.name)),
            (Period::Current, _) => self.fail(
                period,
                format!(
                    "{}: this is a Tracelens report, not traces. To compare with it, open the Report and drop it on its baseline box.",
                    file.name
                ),
            ),
        }
    }

    /// The report of what is loaded (`None` before any traces), against the
    /// previous report if one was given, else against the baseline traces.
    /// The core's one entry point analyses again (a trace baseline too, for
    /// the findings' statuses), so this is for a view opened or a file saved,
    /// not for every keystroke.
    pub fn report(&self, options: &report::Options) -> Option<Report> {
        let previous = self.report_baseline.get_untracked();
        let baseline_set = self.baseline_set;
        self.set.with_value(|set| {
            if set.files.is_empty() {
                return None;
            }
            baseline_set.with_value(|traces| {
                let baseline = match previous.as_deref() {
                    Some(previous) => BaselineInput::Report(previous),
                    None if !traces.files.is_empty() => BaselineInput::Traces(traces),
                    None => BaselineInput::None,
                };
                Some(report::generate(set, baseline, options).1)
            })
        })
    }

    /// Records a failure to show beside the set of `period`.
    pub fn fail(&self, period: Period, message: String) {
        let id = self.next_failure.get_value();
        self.next_failure.set_value(id + 1);
        self.failures.update(|f| f.push(LoadFailure { id, period, message }));
    }

    /// Forgets everything loaded, the baseline too.
    pub fn clear(&self) {
        self.set.set_value(TraceSet::new());
        self.baseline_set.set_value(TraceSet::new());
        self.analysis.set(None);
        self.files.set(Vec::new());
        self.baseline.set(None);
        self.failures.set(Vec::new());
        self.focused_trace.set(None);
        self.report_baseline.set(None);
    }

    /// Forgets the baseline and its failures; the current traces stay.
    pub fn clear_baseline(&self) {
        self.baseline_set.set_value(TraceSet::new());
        self.failures.update(|f| f.retain(|x| x.period != Period::Baseline));
        self.refresh();
    }

    fn refresh(&self) {
        let baseline_set = self.baseline_set;
        let computed = self.set.with_value(|set| {
            if set.files.is_empty() {
                // Only a baseline so far: nothing to show or compare yet.
                return None;
            }
            let index = TraceIndex::build(set);
            let analysis = baseline_set.with_value(|baseline| {
                Analysis::with_baseline(
                    set,
                    &index,
                    (!baseline.files.is_empty()).then_some(baseline),
                    &Default::default(),
                )
            });
            Some((analysis, set.files.clone()))
        });
        let (analysis, files) = computed.unzip();
        let baseline =
            baseline_set.with_value(|set| (!set.files.is_empty()).then(|| summarize(set, analysis.as_ref())));
        self.analysis.set(analysis.map(Arc::new));
        self.files.set(files.unwrap_or_default());
        self.baseline.set(baseline);
    }
}

/// The baseline's files, totals and time range. Its trace count is the
/// comparison's (the analysis indexed the baseline already).
fn summarize(set: &TraceSet, analysis: Option<&Analysis>) -> BaselineSummary {
    let timed = set.spans.iter().filter(|s| s.start.0 != 0);
    BaselineSummary {
        files: set.files.clone(),
        spans: set.spans.len() as u64,
        traces: analysis
            .and_then(|a| a.comparison.as_ref())
            .map_or(0, |c| c.baseline_traces),
        start: timed.clone().map(|s| s.start).min(),
        end: timed.map(|s| s.end()).max(),
    }
}

impl Workspace {
    /// Reads `files` in the background, then loads them into the set of `period`.
    pub fn load_files(self, period: Period, files: Vec<web_sys::File>) {
        if files.is_empty() {
            return;
        }
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            let mut results = Vec::with_capacity(files.len());
            for file in &files {
                results.push(crate::io::read_file(file).await);
            }
            self.load(period, results);
            self.busy.set(false);
        });
    }

    /// Fetches the example trace set that ships with the site, then loads it.
    pub fn load_example(self) {
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            let result = crate::io::fetch_example().await;
            self.load(Period::Current, vec![result]);
            self.busy.set(false);
        });
    }
}
