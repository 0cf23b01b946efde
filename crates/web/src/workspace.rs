//! The page's state: the merged trace set of every file loaded so far, the
//! analysis derived from it, and the files that could not be read.
//!
//! The trace set itself is not reactive (it can hold a million spans); views
//! subscribe to the analysis, which is replaced after each load.

use crate::io::LoadedBytes;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::import::{FileReport, import_file};

/// A file that could not be loaded, with the message to show.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadFailure {
    /// Increasing number, so the same file failing twice shows twice.
    pub id: u64,
    pub message: String,
}

/// Shared state of the page, cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Workspace {
    set: StoredValue<TraceSet>,
    pub analysis: RwSignal<Option<Arc<Analysis>>>,
    pub files: RwSignal<Vec<FileReport>>,
    pub failures: RwSignal<Vec<LoadFailure>>,
    pub busy: RwSignal<bool>,
    /// A trace the user asked to see (from a finding); the trace list shows only it.
    pub focused_trace: RwSignal<Option<tracelens_core::ids::TraceId>>,
    next_failure: StoredValue<u64>,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            set: StoredValue::new(TraceSet::new()),
            analysis: RwSignal::new(None),
            files: RwSignal::new(Vec::new()),
            failures: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            focused_trace: RwSignal::new(None),
            next_failure: StoredValue::new(0),
        }
    }

    /// Imports each file; those that fail are reported and change nothing.
    /// The analysis is recomputed once at the end.
    pub fn load(&self, results: Vec<Result<LoadedBytes, String>>) {
        let mut added = false;
        for result in results {
            let outcome = result.and_then(|file| {
                self.set
                    .try_update_value(|set| {
                        import_file(set, &file.name, &file.bytes)
                            .map(drop)
                            .map_err(|e| e.to_string())
                    })
                    .unwrap_or_else(|| Err(format!("{}: the page was reset while loading", file.name)))
            });
            match outcome {
                Ok(_) => added = true,
                Err(message) => self.fail(message),
            }
        }
        if added {
            self.set.update_value(TraceSet::shrink_to_fit);
            self.refresh();
        }
    }

    /// Records a failure to show.
    pub fn fail(&self, message: String) {
        let id = self.next_failure.get_value();
        self.next_failure.set_value(id + 1);
        self.failures.update(|f| f.push(LoadFailure { id, message }));
    }

    /// Forgets everything loaded.
    pub fn clear(&self) {
        self.set.set_value(TraceSet::new());
        self.analysis.set(None);
        self.files.set(Vec::new());
        self.failures.set(Vec::new());
        self.focused_trace.set(None);
    }

    fn refresh(&self) {
        let (analysis, files) = self.set.with_value(|set| (Analysis::of(set), set.files.clone()));
        self.analysis.set(Some(Arc::new(analysis)));
        self.files.set(files);
    }
}

impl Workspace {
    /// Reads `files` in the background, then loads them.
    pub fn load_files(self, files: Vec<web_sys::File>) {
        if files.is_empty() {
            return;
        }
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            let mut results = Vec::with_capacity(files.len());
            for file in &files {
                results.push(crate::io::read_file(file).await);
            }
            self.load(results);
            self.busy.set(false);
        });
    }

    /// Fetches the example trace set that ships with the site, then loads it.
    pub fn load_example(self) {
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            let result = crate::io::fetch_example().await;
            self.load(vec![result]);
            self.busy.set(false);
        });
    }
}
