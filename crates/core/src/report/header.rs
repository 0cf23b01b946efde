//! The report's header: title, the two periods with what was read for each,
//! services, and the data-quality notes a reader needs before trusting the
//! numbers (from the import reports and the linking of spans into traces).

use super::model::{DataNote, FileRead, Header, Period, Side, Source};
use super::period_name::period_name;
use super::{Options, counted};
use crate::analysis::{Analysis, Overview};
use crate::import::FileReport;
use crate::index::LinkWarnings;
use crate::model::TraceSet;

/// A period read from trace files now, over the time range and traces its
/// analysis found (earliest start and latest end of the spans with a start).
pub fn traces_period(set: &TraceSet, overview: &Overview) -> Period {
    let (start_ns, end_ns) = (overview.start.map(|t| t.0), overview.end.map(|t| t.0));
    Period {
        name: period_name(start_ns, end_ns).unwrap_or_else(|| "no timed spans".to_owned()),
        start_ns,
        end_ns,
        source: Source::Traces,
        files: set.files.iter().map(file_read).collect(),
        spans: set.spans.len() as u64,
        traces: overview.traces,
    }
}

/// The header, with the names `options` gives (else from the time ranges;
/// two periods that would read the same are told apart).
pub fn header(
    set: &TraceSet,
    analysis: &Analysis,
    baseline: Option<(Period, Vec<DataNote>)>,
    options: &Options,
) -> Header {
    let mut current = traces_period(set, &analysis.overview);
    let (mut baseline, baseline_notes) = match baseline {
        Some((period, notes)) => (Some(period), notes),
        None => (None, Vec::new()),
    };
    if let Some((now, then)) = &options.period_names {
        current.name.clone_from(now);
        if let Some(b) = baseline.as_mut() {
            b.name.clone_from(then);
        }
    } else if let Some(b) = baseline.as_mut()
        && b.name == current.name
    {
        current.name = format!("{} (current)", current.name);
        b.name = format!("{} (baseline)", b.name);
    }
    let title = options.title.clone().unwrap_or_else(|| match &baseline {
        Some(b) => format!("Tracelens report: {} against {}", current.name, b.name),
        None => format!("Tracelens report: {}", current.name),
    });
    let mut data_quality = notes(Side::Current, &set.files, &analysis.link_warnings);
    if analysis.overview.sessions + analysis.overview.streams > 0 {
        data_quality.push(DataNote {
            side: Side::Current,
            file: None,
            text: format!(
                "{} and {} are not single requests: left out of the endpoint latency figures.",
                counted(analysis.overview.sessions, "session", "sessions"),
                counted(analysis.overview.streams, "stream", "streams")
            ),
        });
    }
    data_quality.extend(baseline_notes);
    Header {
        title,
        current,
        baseline,
        services: analysis.overview.services.clone(),
        data_quality,
    }
}

fn file_read(file: &FileReport) -> FileRead {
    FileRead {
        name: file.name.clone(),
        format: serde_json::to_value(file.format)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        spans_read: file.spans_read,
        spans_kept: file.spans_kept,
    }
}

/// One note per problem the import reports and the linking counted.
pub fn notes(side: Side, files: &[FileReport], links: &LinkWarnings) -> Vec<DataNote> {
    let mut notes = Vec::new();
    for file in files {
        let mut note = |text: String| {
            notes.push(DataNote {
                side,
                file: Some(file.name.clone()),
                text,
            })
        };
        for (reason, tally) in &file.rejected {
            note(format!(
                "{} rejected: {reason} (first: {}).",
                counted(tally.count, "span", "spans"),
                tally.example
            ));
        }
        for (reason, tally) in &file.skipped {
            note(format!("{} skipped: {reason}.", tally.count));
        }
        for (kind, count) in &file.warnings {
            note(format!("{}: {kind}.", counted(*count, "span", "spans")));
        }
    }
    let mut linking = |count: u64, one: &str, many: &str, what: &str| {
        if count > 0 {
            notes.push(DataNote {
                side,
                file: None,
                text: format!("{} {what}.", counted(count, one, many)),
            });
        }
    };
    linking(
        links.orphans,
        "span",
        "spans",
        "whose parent is missing (treated as roots)",
    );
    linking(
        links.duplicate_span_ids,
        "span",
        "spans",
        "sharing a span ID with another span",
    );
    linking(links.traces_without_root, "trace", "traces", "without a root span");
    linking(
        links.child_starts_before_parent,
        "span",
        "spans",
        "starting before its parent (clock skew)",
    );
    notes
}
