//! The page's state: what the engine says is loaded (a summary of the
//! current traces and the baseline), the files that could not be read, the
//! load in progress, and the previous reports the page holds itself. The
//! traces live in the engine (see `engine`); views ask it for what they
//! draw.
//!
//! Loads are numbered. The page keeps each file it has sent (a `Blob`
//! handle, not a copy), so that a cancelled load or a dead engine can be
//! undone: the page stops the worker, starts a fresh one and sends it the
//! files that had loaded before. A previous report's JSON given as the
//! baseline is the report's baseline (statuses, carried notes), not the
//! comparison's. A report's JSON dropped while no traces are loaded is opened
//! on its own, to go on editing; traces dropped after it make the next
//! period's report, with it as the baseline.

use crate::components::stages::Stages;
use crate::engine::client::{Engine, Event};
use crate::engine::protocol::{FileOutcome, LoadId, Progress, Reply, ReportChoices, Request, Summary};
use crate::report_state::Edits;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::Finding;
use tracelens_core::import::FileReport;
use tracelens_core::query::{Facets, TracePage, TraceQuery};
use tracelens_core::report::Report;
use tracelens_core::time::DurationNs;
use web_sys::Blob;

pub use crate::engine::protocol::{BaselineSummary, Period};

/// The duration axes of the endpoint and the operation table.
pub type GroupRanges = (Option<(DurationNs, DurationNs)>, Option<(DurationNs, DurationNs)>);

/// A file that could not be loaded, with the message to show.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadFailure {
    /// Increasing number, so the same file failing twice shows twice.
    pub id: u64,
    /// The set the file was meant for: its message shows beside that set.
    pub period: Period,
    pub message: String,
}

/// A report read back from its JSON with no traces loaded: shown as it was
/// saved, to edit and save again.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedReport {
    /// The file it came from.
    pub name: String,
    pub report: Arc<Report>,
}

/// A file the page sent to the engine: its name and a handle on its bytes.
#[derive(Clone, Debug)]
pub struct Source {
    pub period: Period,
    pub name: String,
    pub blob: Blob,
}

/// A trace picked in the list to compare with another of its kind.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparePick {
    pub trace_id: tracelens_core::ids::TraceId,
    pub kind: RequestKind,
}

/// What a trace is a request to, for comparing like with like: its
/// endpoint, or for a trace with none (a session, a job), its root span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestKind {
    Endpoint(tracelens_core::query::GroupKey),
    Root { service: String, operation: String },
}

impl RequestKind {
    /// "`GET /api/cart` in `frontend`", as the list's titles say it.
    pub fn shown(&self) -> String {
        match self {
            RequestKind::Endpoint(key) => format!("{} in {}", key.name, key.service),
            RequestKind::Root { service, operation } => format!("{operation} in {service} (no endpoint)"),
        }
    }
}

/// The findings the page shows: the engine sends a load's list first and
/// its findings when its detectors are done.
#[derive(Clone, Debug, PartialEq)]
pub enum Findings {
    /// The detectors still run on this load's traces.
    Waiting(LoadId),
    /// What they found (none before any traces).
    Found(Arc<Vec<Finding>>),
}

/// Findings the test hook holds back, with their loads, in the order they came.
type HeldFindings = Vec<(LoadId, Vec<Finding>)>;

/// A load sent and not yet answered: its files, kept to send again.
struct Pending {
    load: LoadId,
    sources: Vec<Source>,
    /// It puts back files loaded (and kept) before: nothing new to keep.
    restoring: bool,
}

/// The load the page waits for.
#[derive(Clone, Debug, PartialEq)]
pub struct Loading {
    pub load: LoadId,
    pub period: Period,
    /// Files and bytes in the load.
    pub files: usize,
    pub bytes: u64,
    /// The engine's last word on it; `None` before the first.
    pub progress: Option<Progress>,
    /// Whether it puts back files loaded before (after a cancel or a restart).
    pub restoring: bool,
}

/// Shared state of the page, cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Workspace {
    /// `None` only while the workspace is being made.
    engine: StoredValue<Option<Engine>, LocalStorage>,
    /// The current traces' analysis, without its per-trace rows (ask the
    /// engine for a page of those); `None` before any traces.
    pub analysis: RwSignal<Option<Arc<Analysis>>>,
    /// What the detectors found in the current traces, or that they are
    /// still at it (the analysis's own `findings` are left empty then).
    pub findings: RwSignal<Findings>,
    /// Held back by the test hook until released (see `app.rs`).
    held_findings: StoredValue<Option<HeldFindings>>,
    /// Traces in the current set.
    pub trace_count: RwSignal<u64>,
    /// Endpoints and operations in all (the analysis holds the busiest only).
    pub group_counts: RwSignal<(usize, usize)>,
    /// The duration axis of the endpoint and the operation table, over all their rows.
    pub group_ranges: RwSignal<GroupRanges>,
    /// The choices of the trace list's filter menus.
    pub facets: RwSignal<Facets>,
    /// The current set's fingerprint (see `CurrentSummary`).
    pub fingerprint: RwSignal<Option<String>>,
    pub files: RwSignal<Vec<FileReport>>,
    /// `None` until a baseline file loads.
    pub baseline: RwSignal<Option<BaselineSummary>>,
    pub failures: RwSignal<Vec<LoadFailure>>,
    /// The loads sent and not yet answered, oldest first.
    pub loading: RwSignal<Vec<Loading>>,
    /// How the engine died, until the person starts it again.
    pub engine_failure: RwSignal<Option<String>>,
    /// Bytes of the loaded files kept in the browser's storage for the next
    /// visit, or why they are not (see `kept_files.rs`).
    pub kept: RwSignal<Result<u64, String>>,
    /// While files are dragged over the page: the set a drop would add them to.
    pub drop_target: RwSignal<Option<Period>>,
    /// A previous report read back from its JSON: the report's baseline, in
    /// place of the baseline traces (which the rest of the page still uses).
    pub report_baseline: RwSignal<Option<Arc<Report>>>,
    /// A report opened on its own (no traces loaded); `None` once traces load.
    pub saved_report: RwSignal<Option<SavedReport>>,
    /// The trace list's first page, sent with the last load's summary (the
    /// list takes it instead of asking, when its query is the same).
    pub first_page: StoredValue<Option<(TraceQuery, TracePage)>>,
    /// The trace picked in the list as the first of two to compare.
    pub compare_pick: RwSignal<Option<ComparePick>>,
    /// How far the analysis page is drawn: it starts again with each summary.
    pub stages: Stages,
    /// Files the engine holds, to send again to a fresh engine.
    loaded: StoredValue<Vec<Source>, LocalStorage>,
    /// The file `report_baseline` was read from, kept with the loaded files
    /// so a reload brings the comparison back.
    report_source: StoredValue<Option<Source>, LocalStorage>,
    /// Files of each load not yet answered, by load.
    pending: StoredValue<Vec<Pending>, LocalStorage>,
    /// Whether the files loaded wait to be kept for the next visit until
    /// the engine's next findings (see `on_loaded`).
    keep_after_findings: StoredValue<bool>,
    next_load: StoredValue<LoadId>,
    next_failure: StoredValue<u64>,
}

impl Workspace {
    pub fn new() -> Workspace {
        let workspace = Workspace::blank();
        workspace
            .engine
            .set_value(Some(Engine::start(move |event| workspace.on_event(event))));
        workspace.restore_kept();
        // The engine compares with the previous report the page holds.
        Effect::new(move |_| {
            let report = workspace.report_baseline.get().map(|r| Box::new(Report::clone(&r)));
            workspace.send(&Request::SetReportBaseline { report }, &[]);
        });
        workspace
    }

    /// A workspace with no engine: what it is asked goes unanswered. The
    /// page's drawing is warmed up on one (see `components/warm_up.rs`).
    pub fn detached() -> Workspace {
        let workspace = Workspace::blank();
        Workspace {
            stages: Stages::off_page(),
            ..workspace
        }
    }

    /// The signals of a workspace, nothing loaded, no engine.
    fn blank() -> Workspace {
        Workspace {
            // The engine's events need the workspace: `new` starts it after.
            engine: StoredValue::new_local(None),
            analysis: RwSignal::new(None),
            findings: RwSignal::new(Findings::Found(Arc::default())),
            held_findings: StoredValue::new(None),
            trace_count: RwSignal::new(0),
            group_counts: RwSignal::new((0, 0)),
            group_ranges: RwSignal::new((None, None)),
            facets: RwSignal::new(Facets::default()),
            fingerprint: RwSignal::new(None),
            files: RwSignal::new(Vec::new()),
            baseline: RwSignal::new(None),
            failures: RwSignal::new(Vec::new()),
            loading: RwSignal::new(Vec::new()),
            engine_failure: RwSignal::new(None),
            kept: RwSignal::new(Ok(0)),
            drop_target: RwSignal::new(None),
            report_baseline: RwSignal::new(None),
            saved_report: RwSignal::new(None),
            first_page: StoredValue::new(None),
            compare_pick: RwSignal::new(None),
            stages: Stages::new(),
            loaded: StoredValue::new_local(Vec::new()),
            report_source: StoredValue::new_local(None),
            pending: StoredValue::new_local(Vec::new()),
            keep_after_findings: StoredValue::new(false),
            next_load: StoredValue::new(0),
            next_failure: StoredValue::new(0),
        }
    }

    /// Loads the files kept from the last visit, if any.
    fn restore_kept(self) {
        leptos::task::spawn_local(async move {
            let sources = match crate::kept_files::kept().await {
                Ok(sources) => sources,
                Err(message) => return self.kept.set(Err(message)),
            };
            for period in [Period::Baseline, Period::Current] {
                let sources: Vec<Source> = sources.iter().filter(|s| s.period == period).cloned().collect();
                if !sources.is_empty() {
                    self.start_load(period, sources, true);
                }
            }
            self.refresh_kept_size().await;
        });
    }

    /// Keeps the files loaded now (and only those) for the next visit.
    fn keep_loaded(self) {
        let mut sources = self.loaded.get_value();
        sources.extend(self.report_source.get_value());
        leptos::task::spawn_local(async move {
            match crate::kept_files::keep(&sources).await {
                Ok(()) => self.refresh_kept_size().await,
                Err(message) => self.kept.set(Err(message)),
            }
        });
    }

    async fn refresh_kept_size(self) {
        self.kept.set(crate::kept_files::kept_bytes().await);
    }

    fn engine(&self) -> Option<Engine> {
        self.engine.get_value()
    }

    fn send(&self, request: &Request, blobs: &[Blob]) {
        if let Some(engine) = self.engine() {
            engine.send(request, blobs);
        }
    }

    /// Asks the engine a question; `None` when it stopped before answering.
    pub async fn ask(&self, question: impl FnOnce(u64) -> Request) -> Option<Reply> {
        self.engine()?.ask(question).await
    }

    /// Sends files to the engine to read into `period`. A load bigger than
    /// the tab can hold is refused here, before anything is read.
    pub fn load_sources(&self, period: Period, sources: Vec<Source>) {
        if sources.is_empty() {
            return;
        }
        let held: f64 = self.loaded.with_value(|l| l.iter().map(|s| s.blob.size()).sum());
        if let Err(message) =
            crate::engine::budget::check(held, sources.iter().map(|s| (s.name.as_str(), s.blob.size())))
        {
            return self.fail(period, message);
        }
        self.start_load(period, sources, false);
    }

    fn start_load(&self, period: Period, sources: Vec<Source>, restoring: bool) {
        let load = self.next_load.get_value();
        self.next_load.set_value(load + 1);
        let names = sources.iter().map(|s| s.name.clone()).collect();
        let blobs: Vec<Blob> = sources.iter().map(|s| s.blob.clone()).collect();
        self.loading.update(|l| {
            l.push(Loading {
                load,
                period,
                files: sources.len(),
                bytes: blobs.iter().map(|b| b.size() as u64).sum(),
                progress: None,
                restoring,
            })
        });
        self.pending.update_value(|p| {
            p.push(Pending {
                load,
                sources,
                restoring,
            })
        });
        let list = crate::components::trace_list::first_query(&crate::route::Route::of(&crate::io::location_hash()));
        self.send(
            &Request::Load {
                load,
                period,
                names,
                list,
            },
            &blobs,
        );
    }

    /// Stops every load under way and puts the engine back as it was before
    /// them: a fresh worker, sent the files that had loaded.
    pub fn cancel(&self) {
        self.pending.set_value(Vec::new());
        self.loading.set(Vec::new());
        self.restart();
    }

    /// After a cancel, or when the person starts a dead engine again: a new
    /// worker with the files loaded before.
    pub fn restart(&self) {
        self.engine_failure.set(None);
        if let Some(engine) = self.engine() {
            engine.restart();
        }
        let loaded = self.loaded.get_value();
        self.loaded.set_value(Vec::new());
        for period in [Period::Baseline, Period::Current] {
            let sources: Vec<Source> = loaded.iter().filter(|s| s.period == period).cloned().collect();
            if !sources.is_empty() {
                self.start_load(period, sources, true);
            }
        }
        if let Some(report) = self.report_baseline.get_untracked() {
            let report = Some(Box::new(Report::clone(&report)));
            self.send(&Request::SetReportBaseline { report }, &[]);
        }
    }

    /// Stops the engine as a crash would: the test hook proving the page
    /// survives one.
    pub fn kill_engine(&self) {
        if let Some(engine) = self.engine() {
            engine.kill();
        }
    }

    fn on_event(&self, event: Event) {
        let reply = match event {
            Event::Reply(reply) => *reply,
            Event::Died(how) => {
                // No findings will come: the later sections draw without them.
                self.stages.resume();
                let during = self.loading.with_untracked(|l| !l.is_empty());
                self.pending.set_value(Vec::new());
                self.loading.set(Vec::new());
                self.engine_failure.set(Some(died_message(&how, during)));
                return;
            }
        };
        match reply {
            Reply::Progress(progress) => self.loading.update(|loads| {
                if let Some(l) = loads.iter_mut().find(|l| l.load == progress.load) {
                    l.progress = Some(progress);
                }
            }),
            Reply::Loaded {
                load,
                period,
                outcomes,
                summary,
                list,
            } => crate::engine::timing::measure("tracelens: show a load", || {
                if let Some(list) = list {
                    self.first_page.set_value(Some(*list));
                }
                self.on_loaded(load, period, outcomes, summary)
            }),
            Reply::Findings { load, findings } => {
                if self.keep_after_findings.try_update_value(std::mem::take) == Some(true) {
                    self.keep_loaded();
                }
                if let Some(held) = self.held_findings.try_update_value(|h| h.take()).flatten() {
                    // The test hook holds them: keep them in order until released.
                    let mut held = held;
                    held.push((load, findings));
                    self.held_findings.set_value(Some(held));
                } else {
                    self.show_findings(load, findings);
                }
            }
            Reply::Summary(summary) => {
                // A page sent with an earlier load is out of date now.
                self.first_page.set_value(None);
                self.show(summary, None)
            }
            Reply::Sample(sample) => crate::components::warm_up::draw(*sample),
            _ => {}
        }
    }

    fn on_loaded(&self, load: LoadId, period: Period, outcomes: Vec<FileOutcome>, summary: Option<Summary>) {
        let pending = self.pending.try_update_value(|p| {
            let at = p.iter().position(|x| x.load == load)?;
            Some(p.remove(at))
        });
        let Some(Some(Pending { sources, restoring, .. })) = pending else {
            // A load the page gave up on (cancelled, or cleared since).
            return;
        };
        self.loading.update(|l| l.retain(|x| x.load != load));
        let mut added = false;
        for (source, outcome) in sources.into_iter().zip(outcomes) {
            match outcome {
                FileOutcome::Added => {
                    added = true;
                    self.loaded.update_value(|l| l.push(source));
                }
                FileOutcome::Failed(message) => self.fail(period, message),
                FileOutcome::Report { name, report } => {
                    if period == Period::Baseline {
                        self.report_source.set_value(Some(source));
                        added = true;
                    }
                    self.open_report(period, name, *report)
                }
            }
        }
        // Files put back are kept already; keeping the set while only part
        // of it is back would drop the rest from the store.
        if added && !restoring {
            if summary.as_ref().is_some_and(|s| s.current.is_some()) {
                // The engine's findings follow: keep the files after them.
                // The browser copies each file into its storage, which for
                // a 100 MB file takes a core for a while, and it should not
                // be the core the list is drawn on or the detectors run on.
                // Should the engine die before, the files are not kept: a
                // reload would only load what stopped it again.
                self.keep_after_findings.set_value(true);
            } else {
                self.keep_loaded();
            }
        }
        let Some(summary) = summary else { return };
        let saved = (period == Period::Current && summary.current.is_some())
            .then(|| self.saved_report.get_untracked())
            .flatten();
        if let Some(saved) = &saved {
            self.continue_from(saved);
        }
        self.show(summary, Some(load));
        if saved.is_some() {
            // Only now, so the page goes from the saved report straight to the new one.
            self.saved_report.set(None);
        }
    }

    /// Shows `summary`; `from_load` is the load it answers, whose findings
    /// follow (a summary without a load has its findings in it).
    pub(crate) fn show(&self, summary: Summary, from_load: Option<LoadId>) {
        // Before anything the analysis page shows changes: its later
        // sections go until the frames after this one, or, while the
        // engine looks for patterns, until their findings come.
        let current = summary.current;
        match (&current, from_load) {
            (Some(_), Some(_)) => self.stages.restart_held(),
            _ => {
                self.stages.resume();
                self.stages.restart();
            }
        }
        self.findings.set(match (&current, from_load) {
            (Some(_), Some(load)) => Findings::Waiting(load),
            (Some(c), None) => Findings::Found(Arc::new(c.analysis.findings.clone())),
            (None, _) => Findings::Found(Arc::default()),
        });
        self.trace_count.set(current.as_ref().map_or(0, |c| c.traces));
        self.group_counts
            .set(current.as_ref().map_or((0, 0), |c| (c.endpoints, c.operations)));
        self.group_ranges.set(
            current
                .as_ref()
                .map_or((None, None), |c| (c.endpoint_range, c.operation_range)),
        );
        self.facets
            .set(current.as_ref().map(|c| c.facets.clone()).unwrap_or_default());
        self.fingerprint.set(current.as_ref().map(|c| c.fingerprint.clone()));
        self.files
            .set(current.as_ref().map(|c| c.files.clone()).unwrap_or_default());
        self.analysis.set(current.map(|c| Arc::new(c.analysis)));
        self.baseline.set(summary.baseline);
    }

    /// The findings of `load`, if the page still waits for them: those of
    /// a load given up on (a clear, or a newer load since) are dropped.
    fn show_findings(&self, load: LoadId, findings: Vec<Finding>) {
        if self.findings.with_untracked(|f| *f == Findings::Waiting(load)) {
            self.findings.set(Findings::Found(Arc::new(findings)));
            self.stages.resume();
        }
    }

    /// The test hook: from now on, findings from the engine wait until
    /// [`Workspace::release_findings`], so a test can see the page before
    /// they arrive without racing the detectors.
    pub fn hold_findings(&self) {
        if self.held_findings.with_value(Option::is_none) {
            self.held_findings.set_value(Some(Vec::new()));
        }
    }

    /// Shows the findings held back (in the order they came), and stops holding.
    pub fn release_findings(&self) {
        let held = self.held_findings.try_update_value(|h| h.take()).flatten();
        for (load, findings) in held.unwrap_or_default() {
            self.show_findings(load, findings);
        }
    }

    /// Traces loaded while a saved report was open are the next period: the
    /// saved report, with the edits made to it here, becomes the report's
    /// baseline (statuses, carried notes and owners).
    fn continue_from(&self, saved: &SavedReport) {
        let edits = Edits::load(&Edits::saved_key(&saved.report));
        self.report_baseline.set(Some(Arc::new(edits.apply(&saved.report))));
    }

    /// A report's JSON the engine found in a load (it refuses one dropped
    /// on current traces itself): the report's baseline when given as a
    /// baseline, else opened on its own.
    fn open_report(&self, period: Period, name: String, report: Report) {
        let report = Arc::new(report);
        match period {
            Period::Baseline => self.report_baseline.set(Some(report)),
            Period::Current => {
                self.saved_report.set(Some(SavedReport { name, report }));
                crate::io::go_to(crate::route::REPORT);
            }
        }
    }

    /// The report of what is loaded (`None` before any traces, or when the
    /// engine stopped before answering).
    pub async fn report(&self, choices: ReportChoices) -> Option<Report> {
        match self.ask(|ticket| Request::Report { ticket, choices }).await? {
            Reply::Report { report, .. } => report.map(|r| *r),
            _ => None,
        }
    }

    /// Records a failure to show beside the set of `period`.
    pub fn fail(&self, period: Period, message: String) {
        let id = self.next_failure.get_value();
        self.next_failure.set_value(id + 1);
        self.failures.update(|f| f.push(LoadFailure { id, period, message }));
    }

    /// Forgets everything loaded, the baseline too, here and in the
    /// browser's storage. Loads under way stop.
    pub fn clear(&self) {
        if self.loading.with_untracked(|l| !l.is_empty()) {
            // Faster than waiting for them, and none of them can land late.
            if let Some(engine) = self.engine() {
                engine.restart();
            }
        } else {
            self.send(&Request::Clear, &[]);
        }
        self.pending.set_value(Vec::new());
        self.keep_after_findings.set_value(false);
        self.loaded.set_value(Vec::new());
        self.loading.set(Vec::new());
        self.first_page.set_value(None);
        self.show(Summary::default(), None);
        self.failures.set(Vec::new());
        self.report_baseline.set(None);
        self.report_source.set_value(None);
        self.saved_report.set(None);
        let workspace = *self;
        leptos::task::spawn_local(async move {
            match crate::kept_files::forget().await {
                Ok(()) => workspace.refresh_kept_size().await,
                Err(message) => workspace.kept.set(Err(message)),
            }
        });
    }

    /// Forgets the previous report the report is compared with, here and in
    /// the browser's storage.
    pub fn clear_report_baseline(&self) {
        self.report_baseline.set(None);
        if self.report_source.try_update_value(Option::take).flatten().is_some() {
            self.keep_loaded();
        }
    }

    /// Forgets the baseline and its failures; the current traces stay.
    pub fn clear_baseline(&self) {
        self.loaded.update_value(|l| l.retain(|s| s.period != Period::Baseline));
        self.keep_loaded();
        self.failures.update(|f| f.retain(|x| x.period != Period::Baseline));
        self.send(&Request::ClearBaseline, &[]);
    }

    /// Reads `files` into the set of `period`.
    pub fn load_files(self, period: Period, files: Vec<web_sys::File>) {
        let sources = files
            .into_iter()
            .map(|file| Source {
                period,
                name: file.name(),
                blob: file.into(),
            })
            .collect();
        self.load_sources(period, sources);
    }

    /// Fetches the example trace set that ships with the site, then loads it.
    pub fn load_example(self) {
        leptos::task::spawn_local(async move {
            match crate::io::fetch_example().await {
                Ok((name, blob)) => self.load_sources(
                    Period::Current,
                    vec![Source {
                        period: Period::Current,
                        name,
                        blob,
                    }],
                ),
                Err(message) => self.fail(Period::Current, message),
            }
        });
    }
}

/// What the page says when the engine died.
fn died_message(how: &str, during_load: bool) -> String {
    let when = if during_load { " while reading files" } else { "" };
    format!(
        "The analysis engine stopped{when}: {how}. It most likely ran out of memory: a tab holds about 4 GB of traces' data at most. Start it again to get back the files loaded before, or load fewer files at once; the tracelens CLI reads files of any size."
    )
}
