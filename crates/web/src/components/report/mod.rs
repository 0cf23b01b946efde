//! The Report view: the feedback-meeting report of what is loaded, section by
//! section as the core's `Report` has them, with the person's title, period
//! names and per-finding note, owner and state (kept in localStorage, see
//! `report_state.rs`), a box for the previous report as the baseline, and
//! the downloads. With no traces loaded it shows a saved report opened on
//! its own, as it was saved, editable the same way (`saved.rs` says so and
//! what to do next).
//!
//! The report on screen is made without the edits, once per analysis or
//! baseline, so typing never redraws it; the edits are drawn from their own
//! signal and go into the builder's options when a file is saved (for a
//! saved report, straight into a copy of it: see `Edits::apply`).

mod baseline_drop;
mod downloads;
mod errors;
mod findings;
mod header;
mod headlines;
mod latency;
mod questions;
mod saved;
mod usage;

use crate::engine::protocol::ReportChoices;
use crate::report_state::Edits;
use crate::workspace::Workspace;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::report::{Report, ReportFinding, Tracking};

/// What the report's parts share.
#[derive(Clone, Copy)]
pub struct ReportState {
    /// The report without the person's edits: of the traces loaded, else the
    /// saved report opened on its own; `None` when there is neither (or
    /// while the engine makes it).
    pub report: Signal<Option<Arc<Report>>>,
    /// The saved report shown, when no traces are loaded.
    saved: Memo<Option<Arc<Report>>>,
    /// The person's edits of this trace set's report.
    pub edits: RwSignal<Edits>,
    /// Where the edits are kept (from the trace set's fingerprint).
    key: Memo<Option<String>>,
    /// A problem keeping the edits or saving a file, to show.
    pub message: RwSignal<Option<String>>,
}

impl ReportState {
    fn new(workspace: Workspace) -> ReportState {
        let saved = Memo::new(move |_| workspace.saved_report.with(|s| s.as_ref().map(|s| s.report.clone())));
        // Made by the engine once per analysis or previous report.
        let made = LocalResource::new(move || {
            workspace.analysis.track();
            workspace.report_baseline.track();
            async move { workspace.report(ReportChoices::default()).await.map(Arc::new) }
        });
        let report = Signal::derive(move || made.get().flatten().or_else(|| saved.get()));
        let key = Memo::new(move |_| {
            workspace
                .fingerprint
                .with(|f| f.as_deref().map(Edits::key))
                .or_else(|| saved.with(|s| s.as_deref().map(Edits::saved_key)))
        });
        let edits = RwSignal::new(Edits::default());
        // Another trace set, other edits (also on first draw).
        Effect::new(move |_| edits.set(key.get().map(|k| Edits::load(&k)).unwrap_or_default()));
        ReportState {
            report,
            saved,
            edits,
            key,
            message: RwSignal::new(None),
        }
    }

    /// The report with the person's edits, as a download saves it: made
    /// again with them as the builder's options, or for a saved report, the
    /// edits applied to it.
    pub async fn edited(&self, workspace: Workspace) -> Option<Report> {
        if let Some(saved) = self.saved.get_untracked() {
            return Some(self.edits.with_untracked(|e| e.apply(&saved)));
        }
        let defaults = self.report.get_untracked()?;
        let choices = self.edits.with_untracked(|e| e.choices(&defaults));
        workspace.report(choices).await
    }

    /// Whether the report shown is a saved one, with no traces loaded.
    pub fn is_saved(&self) -> bool {
        self.saved.with(Option::is_some)
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
                <Show when=move || !state.is_saved()>
                    <a class="button quiet" href="#/" data-testid="report-back">
                        "← Back to the analysis"
                    </a>
                </Show>
                <downloads::Downloads />
            </div>
            <Show when=move || state.message.with(Option::is_some)>
                <p class="warning-note" role="alert" data-testid="report-message">
                    {move || state.message.get().unwrap_or_default()}
                </p>
            </Show>
            <Show when=move || !state.is_saved() fallback=saved::Saved>
                <baseline_drop::BaselineDrop />
            </Show>
            {move || match state.report.get() {
                Some(report) => {
                    view! {
                        <header::Header report=report.clone() />
                        <headlines::Headlines report=report.clone() />
                        <usage::Usage report=report.clone() />
                        <latency::Latency report=report.clone() />
                        <findings::Findings report=report.clone() />
                        <errors::Errors report=report.clone() />
                        <questions::Questions report=report />
                    }
                        .into_any()
                }
                None => view! { <p class="quiet" data-testid="report-making">"Making the report…"</p> }.into_any(),
            }}
        </section>
    }
}
