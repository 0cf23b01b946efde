//! The engine's state and what it does with each request: the two trace
//! sets, the analysis and what was built on the way to it (`Prepared`),
//! what makes trace-list queries fast, and the previous report the report
//! compares with. Plain Rust with no browser in it: the worker glue
//! (`worker.rs`) reads the files and passes their bytes in.
//!
//! A load adds each file as it comes (a file that fails adds nothing, see
//! `import_file`), then analyses once at the end. A load the page cancels is
//! never half-applied: the page stops the worker and starts another.

use super::protocol::{
    BaselineSummary, Compared, CurrentSummary, FileOutcome, Grouping, Period, ReportChoices, SUMMARY_GROUP_ROWS,
    Summary, TraceAnswer, TraceAsk,
};
use crate::components::histogram::shared_range;
use crate::prepared::Prepared;
use std::sync::Arc;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::GroupStats;
use tracelens_core::analysis::Requests;
use tracelens_core::analysis::detectors::Finding;
use tracelens_core::analysis::service_map::{Layout, ServiceMap, layout_with};
use tracelens_core::ids::TraceId;
use tracelens_core::import::{ImportProgress, import_file_with_progress, import_gunzipped};
use tracelens_core::query::compare::compare_traces;
use tracelens_core::query::trace_view::{LaidOut, OperationDurations, RowsQuery};
use tracelens_core::query::{TraceCatalog, TracePage, TraceQuery};
use tracelens_core::report::{self, Report};

/// Everything the engine holds.
#[derive(Default)]
pub struct EngineState {
    current: TraceSet,
    baseline: TraceSet,
    /// The analysis of `current` (against `baseline` if loaded) and what it
    /// built; `None` without current traces.
    prepared: Option<Prepared>,
    catalog: Option<TraceCatalog>,
    /// A previous report given as the report's baseline.
    report_baseline: Option<Arc<Report>>,
    /// The traces laid out for the trace view: the one it shows, and those
    /// laid out ahead of a click after a load (`prepare_trace_view`).
    laid_out: LaidOut,
    /// Every operation's durations, for placing a span among them; made
    /// after a load (or when the first trace opens after an analysis).
    durations: Option<OperationDurations>,
    /// The service map and its layout, made when first asked for.
    service_map: Option<(ServiceMap, Layout)>,
}

/// A file's bytes as read.
pub struct FileBytes {
    pub bytes: Vec<u8>,
    /// Decompressed from gzip on the way in (see `import::Gunzip`).
    pub gunzipped: bool,
}

/// Choices a filter menu offers at most (the rarest left out).
const MENU_CHOICES: usize = 2_000;

/// Spans from which the largest trace is laid out ahead of a click: below
/// this, laying a trace out at the click takes a few milliseconds.
const LAY_OUT_AHEAD_SPANS: u32 = 10_000;

/// A load in progress: what decides how its files are taken.
pub struct Load {
    period: Period,
    /// Whether current traces were loaded when the load began. Decided once
    /// per load, so files dropped together do not depend on their order.
    had_traces: bool,
    added: bool,
}

impl EngineState {
    /// Starts a load into `period`.
    pub fn begin(&self, period: Period) -> Load {
        Load {
            period,
            had_traces: !self.current.files.is_empty(),
            added: false,
        }
    }

    /// Reads one file of `load` (its bytes, or the message saying why they
    /// could not be read), telling `on_spans` every few thousand spans how
    /// many of the file's it has read.
    pub fn add(
        &mut self,
        load: &mut Load,
        name: &str,
        file: Result<FileBytes, String>,
        on_spans: &mut dyn FnMut(u64),
    ) -> FileOutcome {
        let FileBytes { bytes, gunzipped } = match file {
            Ok(file) => file,
            Err(message) => return FileOutcome::Failed(message),
        };
        if Report::looks_like(&bytes) {
            return report_file(load, name, &bytes);
        }
        let set = match load.period {
            Period::Current => &mut self.current,
            Period::Baseline => &mut self.baseline,
        };
        let mut on_progress = |progress: ImportProgress| on_spans(progress.spans_read);
        let imported = if gunzipped {
            import_gunzipped(set, name, &bytes, &mut on_progress)
        } else {
            import_file_with_progress(set, name, &bytes, &mut on_progress)
        };
        match imported {
            Ok(_) => {
                load.added = true;
                FileOutcome::Added
            }
            Err(e) => FileOutcome::Failed(e.to_string()),
        }
    }

    /// Ends `load`: analyses again if it added anything. `listed` is told
    /// what the page shows then (`None` when nothing changed) with the
    /// first page of the trace list for `list`, before the detectors run;
    /// their findings are returned after, when there are current traces
    /// (`None` otherwise: nothing to find in, or nothing changed).
    pub fn finish(
        &mut self,
        load: Load,
        list: &TraceQuery,
        listed: impl FnOnce(Option<Summary>, Option<TracePage>),
    ) -> Option<Vec<Finding>> {
        if !load.added {
            listed(None, None);
            return None;
        }
        // Before the analysis, not after the findings (19 ms sooner for
        // 100,000 spans): the spare capacity, up to half of each store, would
        // otherwise be held through the analysis, at the peak of a load.
        match load.period {
            Period::Current => self.current.shrink_to_fit(),
            Period::Baseline => self.baseline.shrink_to_fit(),
        }
        self.forget_built();
        if self.current.files.is_empty() {
            self.prepared = None;
            self.catalog = None;
            listed(Some(self.summary()), None);
            return None;
        }
        let baseline = (!self.baseline.files.is_empty()).then_some(&self.baseline);
        let (current, all_baseline) = (&self.current, &self.baseline);
        let (prepared, catalog) = Prepared::analyse_in_two_steps(current, baseline, |index, analysis| {
            // The catalog reads no findings: the one made now is the one kept.
            let (catalog, page, summary) = super::timing::measure("tracelens: list and summary", || {
                let catalog = TraceCatalog::new(current, index, analysis);
                let page = catalog.query(current, index, list);
                let summary = summary_of(current, all_baseline, Some(analysis), Some(&catalog));
                (catalog, page, summary)
            });
            listed(Some(summary), Some(page));
            catalog
        });
        let findings = prepared.analysis.findings.clone();
        self.catalog = Some(catalog);
        self.prepared = Some(prepared);
        Some(findings)
    }

    /// Spans in the set `period` names, for progress.
    pub fn spans(&self, period: Period) -> u64 {
        match period {
            Period::Current => self.current.spans.len() as u64,
            Period::Baseline => self.baseline.spans.len() as u64,
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        *self = EngineState::default();
    }

    /// Forgets the baseline traces and analyses the current ones alone.
    pub fn clear_baseline(&mut self) -> Summary {
        self.baseline = TraceSet::new();
        self.analyse();
        self.summary()
    }

    pub fn set_report_baseline(&mut self, report: Option<Report>) {
        self.report_baseline = report.map(Arc::new);
    }

    /// A page of the trace list; an empty page without traces.
    pub fn traces(&self, query: &TraceQuery) -> TracePage {
        match (&self.catalog, &self.prepared) {
            (Some(catalog), Some(prepared)) => catalog.query(&self.current, prepared.index(), query),
            _ => TracePage::default(),
        }
    }

    /// Rows of a group table from `offset` (none without traces).
    pub fn groups(&self, grouping: Grouping, service: Option<&str>, offset: usize, limit: usize) -> Vec<GroupStats> {
        let Some(prepared) = &self.prepared else {
            return Vec::new();
        };
        let groups = &prepared.analysis.groups;
        let rows = match grouping {
            Grouping::Endpoints => &groups.endpoints,
            Grouping::Operations => &groups.operations,
        };
        rows.iter()
            .filter(|g| service.is_none_or(|s| g.service == s))
            .skip(offset)
            .take(limit)
            .cloned()
            .collect()
    }

    /// The report of what is loaded (`None` before any traces), against the
    /// previous report if one was given, else against the baseline traces.
    pub fn report(&mut self, choices: ReportChoices) -> Option<Report> {
        let options = report::Options {
            title: choices.title,
            period_names: choices.period_names,
            tracking: choices.tracking,
            config: Default::default(),
        };
        let prepared = self.prepared.as_mut()?;
        Some(prepared.report(&self.current, &self.baseline, self.report_baseline.as_ref(), &options))
    }

    /// Traces `a` and `b` compared span by span, with the endpoint each is a
    /// request to; `None` unless both are loaded.
    pub fn compare(&self, a: TraceId, b: TraceId) -> Option<Compared> {
        let prepared = self.prepared.as_ref()?;
        let comparison = compare_traces(&self.current, prepared.index(), a, b)?;
        let endpoint = |t| self.catalog.as_ref().and_then(|c| c.endpoint_of(&self.current, t));
        Some(Compared {
            endpoints: (endpoint(a), endpoint(b)),
            comparison,
        })
    }

    /// Makes what opening a trace needs, if it is not made yet: every
    /// operation's durations, and laid out, the largest trace if it is big
    /// (opening 100,000 spans was mostly laying them out) and `top`, the
    /// trace at the top of the list. The worker calls it after a load, while
    /// the page draws and the person reads, so the click only asks for rows.
    pub fn prepare_trace_view(&mut self, top: Option<TraceId>) {
        let Some(prepared) = &self.prepared else { return };
        let (set, index) = (&self.current, prepared.index());
        if self.durations.is_none() {
            self.durations = Some(OperationDurations::of(set));
        }
        let largest = index
            .traces
            .iter()
            .max_by_key(|t| t.span_count())
            .filter(|t| t.span_count() >= LAY_OUT_AHEAD_SPANS)
            .map(|t| t.trace_id);
        // The top of the list last: the one kept first if the budget is short.
        for trace_id in largest.into_iter().chain(top) {
            if !self.laid_out.contains(trace_id) {
                self.laid_out.prepare(set, index, trace_id);
            }
        }
    }

    /// Answers the trace view's `ask` about trace `trace_id`.
    pub fn trace(&mut self, trace_id: TraceId, ask: TraceAsk) -> TraceAnswer {
        let Some(prepared) = &self.prepared else {
            return TraceAnswer::Missing;
        };
        let (set, index) = (&self.current, prepared.index());
        let Some(tree) = self.laid_out.open(set, index, trace_id) else {
            return TraceAnswer::Missing;
        };
        let durations = self.durations.get_or_insert_with(|| OperationDurations::of(set));
        match ask {
            TraceAsk::Open { focus, rows } => {
                let header = tree.header(set, &focus);
                let endpoint = self.catalog.as_ref().and_then(|catalog| {
                    let endpoint = catalog.endpoint_of(set, trace_id)?;
                    let typical = catalog.typical(set, &endpoint);
                    Some((endpoint, typical))
                });
                let rows = RowsQuery {
                    reveal: rows.reveal.or(header.focus.first().copied()),
                    ..rows
                };
                TraceAnswer::Opened {
                    rows: tree.rows(set, index, durations, &rows),
                    header,
                    endpoint,
                }
            }
            TraceAsk::Rows(query) => TraceAnswer::Rows(tree.rows(set, index, durations, &query)),
            TraceAsk::Details { row } => TraceAnswer::Details(tree.details(set, index, durations, row).map(Box::new)),
            TraceAsk::Search { text } => TraceAnswer::Search(tree.search(set, &text)),
        }
    }

    /// The service map of the current traces, against the baseline traces
    /// if loaded, and its layout; `None` without traces.
    pub fn service_map(&mut self) -> Option<(ServiceMap, Layout)> {
        let prepared = self.prepared.as_ref()?;
        if self.service_map.is_none() {
            let mut map = ServiceMap::of(&self.current, prepared.index(), prepared.analysis.requests().failures());
            if let Some(index) = prepared.baseline_index() {
                // The baseline's own notion of failure: its entry spans are its own.
                let requests = Requests::of(&self.baseline, index);
                map.compare(&ServiceMap::of(&self.baseline, index, requests.failures()));
            }
            let drawn = layout_with(&map, &crate::components::service_map::node_box_width);
            self.service_map = Some((map, drawn));
        }
        self.service_map.clone()
    }

    /// Forgets what was built on the sets as they were.
    fn forget_built(&mut self) {
        self.laid_out.clear();
        self.durations = None;
        self.service_map = None;
    }

    fn analyse(&mut self) {
        self.forget_built();
        if self.current.files.is_empty() {
            // Only a baseline so far: nothing to show or compare yet.
            self.prepared = None;
            self.catalog = None;
            return;
        }
        let baseline = (!self.baseline.files.is_empty()).then_some(&self.baseline);
        let prepared = Prepared::analyse(&self.current, baseline);
        self.catalog = Some(TraceCatalog::new(&self.current, prepared.index(), &prepared.analysis));
        self.prepared = Some(prepared);
    }

    /// What the page shows about the sets as they are.
    pub fn summary(&self) -> Summary {
        let analysis = self.prepared.as_ref().map(|p| &*p.analysis);
        summary_of(&self.current, &self.baseline, analysis, self.catalog.as_ref())
    }
}

/// What the page shows about `current` (with its `analysis` and `catalog`,
/// when analysed) and `baseline`.
fn summary_of(
    current: &TraceSet,
    baseline: &TraceSet,
    analysis: Option<&Analysis>,
    catalog: Option<&TraceCatalog>,
) -> Summary {
    Summary {
        current: analysis.map(|analysis| {
            let mut summary = analysis.summary();
            summary.groups.endpoints.truncate(SUMMARY_GROUP_ROWS);
            summary.groups.operations.truncate(SUMMARY_GROUP_ROWS);
            CurrentSummary {
                fingerprint: report::findings::trace_set_fingerprint(
                    analysis.overview.spans,
                    analysis.traces.iter().map(|t| t.trace_id),
                ),
                traces: analysis.traces.len() as u64,
                // The rows are the bulk of it; the page asks for a page at a time.
                analysis: summary,
                endpoints: analysis.groups.endpoints.len(),
                operations: analysis.groups.operations.len(),
                endpoint_range: shared_range(analysis.groups.endpoints.iter().map(|g| &g.histogram)),
                operation_range: shared_range(analysis.groups.operations.iter().map(|g| &g.histogram)),
                facets: catalog.map(|c| c.facets(MENU_CHOICES)).unwrap_or_default(),
                files: current.files.clone(),
            }
        }),
        baseline: (!baseline.files.is_empty()).then(|| summarize(baseline, analysis)),
    }
}

/// A report's JSON in a load: the report's baseline when given as a
/// baseline; opened on its own when no traces were loaded; else a message
/// saying where it goes.
fn report_file(load: &Load, name: &str, bytes: &[u8]) -> FileOutcome {
    if load.period == Period::Current && load.had_traces {
        return FileOutcome::Failed(format!(
            "{name}: this is a Tracelens report, not traces. To compare with it, open the Report and drop it on its baseline box."
        ));
    }
    match Report::from_json(bytes) {
        Ok(report) => FileOutcome::Report {
            name: name.to_owned(),
            report: Box::new(report),
        },
        Err(e) => FileOutcome::Failed(format!("{name}: {e}")),
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
