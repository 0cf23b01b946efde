//! What a person wrote into the report (its title, the periods' names, and a
//! note, owner and state per finding), kept in localStorage under the trace
//! set's fingerprint so it survives a reload of the same traces, and turned
//! into the report builder's options for every export. A saved report opened
//! with no traces has its own key (see [`Edits::saved_key`]) and takes the
//! edits directly ([`Edits::apply`]), since nothing can be analysed again.
//! Also the export formats and the one place that renders them.

use crate::engine::protocol::ReportChoices;
use crate::io;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tracelens_core::report::{self, Report, Tracking};

/// The person's edits to the report of one trace set. An empty text means
/// "the default"; a finding absent from `tracking` keeps what the report
/// carries (from the previous report, else nothing).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Edits {
    pub title: String,
    pub current_name: String,
    pub baseline_name: String,
    /// By finding fingerprint.
    pub tracking: BTreeMap<String, Tracking>,
}

/// One of the report's texts a person can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    Title,
    CurrentName,
    BaselineName,
}

impl Edits {
    /// The text as set; empty for the default.
    pub fn text(&self, which: Text) -> &str {
        match which {
            Text::Title => &self.title,
            Text::CurrentName => &self.current_name,
            Text::BaselineName => &self.baseline_name,
        }
    }

    pub fn set_text(&mut self, which: Text, value: String) {
        *match which {
            Text::Title => &mut self.title,
            Text::CurrentName => &mut self.current_name,
            Text::BaselineName => &mut self.baseline_name,
        } = value;
    }

    /// The storage key of the trace set with this fingerprint (see
    /// `report::findings::trace_set_fingerprint`).
    pub fn key(fingerprint: &str) -> String {
        format!("tracelens.report.v1.{fingerprint}")
    }

    /// The storage key of a saved report opened without traces. Its JSON
    /// holds no trace IDs, so the trace set's fingerprint cannot be made
    /// again; its summary stands in: the durations per endpoint and
    /// operation with the span and trace counts, which come from the traces
    /// alone and which no edit changes. The same report saved again after
    /// edits keeps its key, so opening either file shows the latest edits.
    pub fn saved_key(saved: &Report) -> String {
        let summary = serde_json::to_vec(&saved.summary).unwrap_or_default();
        format!("tracelens.report.v1.summary:{:016x}", fnv1a(&summary))
    }

    /// The edits kept under `key`, or none.
    pub fn load(key: &str) -> Edits {
        io::stored(key).unwrap_or_default()
    }

    /// Keeps these edits under `key`; the error is a message for the user.
    pub fn save(&self, key: &str) -> Result<(), String> {
        io::store(key, self)
    }

    /// The builder's options: the names given, each missing one taken from
    /// `defaults` (the report made without edits), since the builder takes
    /// both names or neither.
    pub fn choices(&self, defaults: &Report) -> ReportChoices {
        let default_baseline = defaults.header.baseline.as_ref().map(|b| b.name.clone());
        let period_names = match (given(&self.current_name), given(&self.baseline_name)) {
            (None, None) => None,
            (current, baseline) => Some((
                current.unwrap_or_else(|| defaults.header.current.name.clone()),
                baseline.or(default_baseline).unwrap_or_default(),
            )),
        };
        ReportChoices {
            title: given(&self.title),
            period_names,
            tracking: self.tracking.clone(),
        }
    }
}

impl Edits {
    /// A saved report with these edits applied: the title and names given,
    /// each finding's tracking as set here, and the action items and
    /// questions (which read owners and states) made again from its own
    /// sections, as the builder makes them. Without a title of its own, a
    /// report whose title was the default one follows renamed periods.
    pub fn apply(&self, saved: &Report) -> Report {
        let mut report = saved.clone();
        let header = &mut report.header;
        if let Some(name) = given(&self.current_name) {
            header.current.name = name;
        }
        if let (Some(period), Some(name)) = (header.baseline.as_mut(), given(&self.baseline_name)) {
            period.name = name;
        }
        header.title = match given(&self.title) {
            Some(title) => title,
            None if saved.header.title == default_title(&saved.header) => default_title(header),
            None => saved.header.title.clone(),
        };
        for finding in &mut report.findings {
            if let Some(tracking) = self.tracking.get(&finding.fingerprint) {
                finding.tracking = tracking.clone();
            }
        }
        report.questions = report::questions::questions(
            &report.usage,
            &report.latency,
            &report.findings,
            &report.errors,
            report.header.baseline.is_some(),
        );
        report
    }
}

/// A text as given; `None` when left empty (the default).
fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The title the core's header gives when none is set (`report::header`).
fn default_title(header: &report::Header) -> String {
    match &header.baseline {
        Some(b) => format!("Tracelens report: {} against {}", header.current.name, b.name),
        None => format!("Tracelens report: {}", header.current.name),
    }
}

/// FNV-1a, 64 bits: the same on every platform and version, which a storage key needs.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A file the report can be saved as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Html,
    Markdown,
    Json,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] = [ExportFormat::Html, ExportFormat::Markdown, ExportFormat::Json];

    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Html => "HTML",
            ExportFormat::Markdown => "Markdown",
            ExportFormat::Json => "JSON",
        }
    }

    /// The `data-testid` of its download button.
    pub fn test_id(self) -> &'static str {
        match self {
            ExportFormat::Html => "report-download-html",
            ExportFormat::Markdown => "report-download-markdown",
            ExportFormat::Json => "report-download-json",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            ExportFormat::Html => "report.html",
            ExportFormat::Markdown => "report.md",
            ExportFormat::Json => "report.json",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Html => "text/html;charset=utf-8",
            ExportFormat::Markdown => "text/markdown;charset=utf-8",
            ExportFormat::Json => "application/json",
        }
    }
}

/// The report as a file of `format`: the core's writers, so a download is
/// byte for byte what `tracelens report --out report.<ext>` writes.
pub fn render_export(report: &Report, format: ExportFormat) -> String {
    match format {
        ExportFormat::Json => report.to_json(),
        ExportFormat::Html => tracelens_core::report::render::html(report),
        ExportFormat::Markdown => tracelens_core::report::render::markdown(report),
    }
}
