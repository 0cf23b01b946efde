//! The Report view: the feedback-meeting report of what is loaded, section by
//! section as the core's `Report` has them, with the person's title, period
//! names and per-finding note, owner and state (kept in localStorage, see
//! `report_state.rs`), a box for the previous report as the baseline, and
//! the downloads.
//!
//! The report on screen is made without the edits, once per analysis or
//! baseline, so typing never redraws it; the edits are drawn from their own
//! signal and go into the builder's options when a file is saved.

mod baseline_drop;
mod downloads;
mod errors;
mod findings;
mod header;
mod headlines;
mod latency;
mod questions;
mod usage;

use crate::report_state::Edits;
use crate::workspace::Workspace;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::report::{Report, ReportFinding, Tracking};

/// What the report's parts share.
#[derive(Clone, Copy)]
pub struct ReportState {
    /// The report without the person's edits; `None` before traces load.
    pub report: Memo<Option<Arc<Report>>>,
    /// The person's edits of this trace set's report.
    pub edits: RwSignal<Edits>,
    /// Where the edits are kept (from the trace set's fingerprint).
    key: Memo<Option<String>>,
    /// A problem keeping the edits or saving a file, to show.
    pub message: RwSignal<Option<String>>,
}

impl ReportState {
    fn new(workspace: Workspace) -> ReportState {
        let report = Memo::new(move |_| {
            workspace.analysis.track();
            workspace.report_baseline.track();
            workspace.report(&Default::default()).map(Arc::new)
        });
        let key = Memo::new(move |_| workspace.analysis.with(|a| a.as_deref().map(Edits::key)));
        let edits = RwSignal::new(Edits::default());
        // Another trace set, other edits (also on first draw).
        Effect::new(move |_| edits.set(key.get().map(|k| Edits::load(&k)).unwrap_or_default()));
        ReportState {
            report,
            edits,
            key,
            message: RwSignal::new(None),
        }
    }

    /// Changes the edits and keeps them.
    pub fn edit(&self, change: impl FnOnce(&mut Edits)) {
        self.edits.update(change);
        let Some(key) = self.key.get_untracked() else { return };
        let saved = self.edits.with_untracked(|e| e.save(&key));
        self.message.set(saved.err());
    }

    /// A finding's tracking: as the person set it, else as the report carries it.
    pub fn tracking(&self, finding: &ReportFinding) -> Tracking {
        self.edits
            .with(|e| e.tracking.get(&finding.fingerprint).cloned())
            .unwrap_or_else(|| finding.tracking.clone())
    }

    /// Changes a finding's tracking, starting from what it shows.
    pub fn set_tracking(&self, finding: &ReportFinding, change: impl FnOnce(&mut Tracking)) {
        let mut tracking = self.tracking(finding);
        change(&mut tracking);
        let fingerprint = finding.fingerprint.clone();
        self.edit(move |e| {
            e.tracking.insert(fingerprint, tracking);
        });
    }
}

/// The whole view; the page shows it instead of the analysis at `#/report`.
#[component]
pub fn ReportView() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let state = ReportState::new(workspace);
    provide_context(state);
    view! {
        <section class="report" data-testid="report-view">
            <div class="report-bar">
                <a class="button quiet" href="#/" data-testid="report-back">
                    "← Back to the analysis"
                </a>
                <downloads::Downloads />
            </div>
            <Show when=move || state.message.with(Option::is_some)>
                <p class="warning-note" role="alert" data-testid="report-message">
                    {move || state.message.get().unwrap_or_default()}
                </p>
            </Show>
            <baseline_drop::BaselineDrop />
            {move || {
                state
                    .report
                    .get()
                    .map(|report| {
                        view! {
                            <header::Header report=report.clone() />
                            <headlines::Headlines report=report.clone() />
                            <usage::Usage report=report.clone() />
                            <latency::Latency report=report.clone() />
                            <findings::Findings report=report.clone() />
                            <errors::Errors report=report.clone() />
                            <questions::Questions report=report />
                        }
                    })
            }}
        </section>
    }
}
