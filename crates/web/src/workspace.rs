//! The page's state: the merged trace set of every file loaded so far, an
//! optional baseline (traces of an earlier period, loaded into a second set),
//! the analysis derived from both, and the files that could not be read.
//! A previous report's JSON given as the baseline is kept apart: it is the
//! report's baseline (statuses, carried notes), not the comparison's. A
//! report's JSON dropped while no traces are loaded is opened on its own, to
//! go on editing; traces dropped after it make the next period's report,
//! with it as the baseline.
//!
//! The trace sets themselves are not reactive (they can hold a million spans);
//! views subscribe to the analysis, which is replaced after each load. What
//! the analysis built on the way (indexes, durations) is kept beside it for
//! the report (`prepared.rs`).

use crate::io::LoadedBytes;
use crate::prepared::Prepared;
use crate::report_state::Edits;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::{FileReport, import_file};
use tracelens_core::report::{self, Report};
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

/// A report read back from its JSON with no traces loaded: shown as it was
/// saved, to edit and save again.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedReport {
    /// The file it came from.
    pub name: String,
    pub report: Arc<Report>,
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
    /// A report opened on its own (no traces loaded); `None` once traces load.
    pub saved_report: RwSignal<Option<SavedReport>>,
    /// What the current analysis built, for the report; `None` without traces.
    prepared: StoredValue<Option<Prepared>>,
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
            saved_report: RwSignal::new(None),
            prepared: StoredValue::new(None),
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
        // Decided once per drop, so files dropped together do not depend on their order.
        let had_traces = self.set.with_value(|set| !set.files.is_empty());
        let mut added = false;
        for result in results {
            let result = match result {
                Ok(file) if Report::looks_like(&file.bytes) => {
                    self.load_report(period, had_traces, file);
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
            let saved = (period == Period::Current)
                .then(|| self.saved_report.get_untracked())
                .flatten();
            if let Some(saved) = &saved {
                self.continue_from(saved);
            }
            self.refresh();
            if saved.is_some() {
                // Only now, so the page goes from the saved report straight to the new one.
                self.saved_report.set(None);
            }
        }
    }

    /// Traces loaded while a saved report was open are the next period: the
    /// saved report, with the edits made to it here, becomes the report's
    /// baseline (statuses, carried notes and owners).
    fn continue_from(&self, saved: &SavedReport) {
        let edits = Edits::load(&Edits::saved_key(&saved.report));
        self.report_baseline.set(Some(Arc::new(edits.apply(&saved.report))));
    }

    /// A report JSON given for `period`: the report's baseline when given as
    /// a baseline; opened on its own when no traces were loaded; else a
    /// message saying where it goes.
    fn load_report(&self, period: Period, had_traces: bool, file: LoadedBytes) {
        if period == Period::Current && had_traces {
            return self.fail(
                period,
                format!(
                    "{}: this is a Tracelens report, not traces. To compare with it, open the Report and drop it on its baseline box.",
                    file.name
                ),
            );
        }
        let report = match Report::from_json(&file.bytes) {
            Ok(report) => Arc::new(report),
            Err(e) => return self.fail(period, format!("{}: {e}", file.name)),
        };
        match period {
            Period::Baseline => self.report_baseline.set(Some(report)),
            Period::Current => {
                self.saved_report.set(Some(SavedReport {
                    name: file.name,
                    report,
                }));
                crate::io::go_to(crate::route::REPORT);
            }
        }
    }

    /// The report of what is loaded (`None` before any traces), against the
    /// previous report if one was given, else against the baseline traces.
    /// Made from what the page's analysis built (see `prepared.rs`): only
    /// the first report after a load, or after another previous report is
    /// given, analyses anything again.
    pub fn report(&self, options: &report::Options) -> Option<Report> {
        let previous = self.report_baseline.get_untracked();
        let (set, baseline_set) = (self.set, self.baseline_set);
        self.prepared
            .try_update_value(|prepared| {
                let prepared = prepared.as_mut()?;
                set.with_value(|set| {
                    baseline_set.with_value(|baseline| Some(prepared.report(set, baseline, previous.as_ref(), options)))
                })
            })
            .flatten()
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
        self.saved_report.set(None);
        self.prepared.set_value(None);
    }

    /// Forgets the baseline and its failures; the current traces stay.
    pub fn clear_baseline(&self) {
        self.baseline_set.set_value(TraceSet::new());
        self.failures.update(|f| f.retain(|x| x.period != Period::Baseline));
        self.refresh();
    }

    fn refresh(&self) {
        let baseline_set = self.baseline_set;
        let prepared = self.set.with_value(|set| {
            if set.files.is_empty() {
                // Only a baseline so far: nothing to show or compare yet.
                return None;
            }
            let prepared = baseline_set
                .with_value(|baseline| Prepared::analyse(set, (!baseline.files.is_empty()).then_some(baseline)));
            Some((prepared, set.files.clone()))
        });
        let (prepared, files) = prepared.unzip();
        let analysis = prepared.as_ref().map(|p| p.analysis.clone());
        self.prepared.set_value(prepared);
        let baseline =
            baseline_set.with_value(|set| (!set.files.is_empty()).then(|| summarize(set, analysis.as_deref())));
        self.analysis.set(analysis);
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
