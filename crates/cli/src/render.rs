//! Renders an analysis for the terminal or as JSON. No analysis happens here.

use crate::terminal::{safe, wrap};
use serde::Serialize;
use std::io::{self, Write};
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::regression::{Comparison, RowKind, Verdict, percent};
use tracelens_core::analysis::detectors::{Config, Finding, Severity};
use tracelens_core::import::{FileReport, ImportError};
use tracelens_core::numbers;

/// Version of the JSON document below; bumped on any incompatible change.
const JSON_SCHEMA_VERSION: u32 = 3;

/// The traces given with `--baseline`, as read.
#[derive(Clone, Copy)]
pub struct Baseline<'a> {
    /// What was loaded.
    pub set: &'a TraceSet,
    /// Files that could not be read.
    pub failures: &'a [ImportError],
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    files: &'a [FileReport],
    failed_files: Vec<JsonFailure>,
    baseline_files: Option<&'a [FileReport]>,
    baseline_failed_files: Option<Vec<JsonFailure>>,
    /// The thresholds and severity rules the findings were made with.
    config: &'a Config,
    #[serde(flatten)]
    analysis: &'a Analysis,
}

#[derive(Serialize)]
struct JsonFailure {
    file: String,
    message: String,
}

fn json_failures(failures: &[ImportError]) -> Vec<JsonFailure> {
    failures
        .iter()
        .map(|f| JsonFailure {
            file: f.file.clone(),
            message: f.to_string(),
        })
        .collect()
}

/// How the text summary is laid out.
#[derive(Clone, Copy, Debug)]
pub struct TextOptions {
    /// Width to wrap prose to.
    pub width: usize,
    /// Findings listed in full before "and N more"; `None` lists them all.
    pub findings_shown: Option<usize>,
}

/// Everything as one JSON document (documented in the README).
pub fn json(
    out: &mut impl Write,
    set: &TraceSet,
    analysis: &Analysis,
    failures: &[ImportError],
    baseline: Option<Baseline<'_>>,
    config: &Config,
) -> io::Result<()> {
    let report = JsonReport {
        config,
        schema_version: JSON_SCHEMA_VERSION,
        files: &set.files,
        failed_files: json_failures(failures),
        baseline_files: baseline.map(|b| &b.set.files[..]),
        baseline_failed_files: baseline.map(|b| json_failures(b.failures)),
        analysis,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// A readable summary: what was read, then the findings (most costly first),
/// then the files, the slowest traces, the comparison with a baseline, the
/// endpoints and the operations.
pub fn text(
    out: &mut impl Write,
    set: &TraceSet,
    analysis: &Analysis,
    failures: &[ImportError],
    baseline: Option<Baseline<'_>>,
    options: TextOptions,
) -> io::Result<()> {
    let o = &analysis.overview;
    writeln!(
        out,
        "{}, {}, {}",
        count(o.files as u64, "file"),
        count(o.spans, "span"),
        count(o.traces, "trace")
    )?;
    if let (Some(start), Some(end)) = (o.start, o.end) {
        writeln!(
            out,
            "from {} to {} ({})",
            start.to_rfc3339_millis(),
            end.to_rfc3339_millis(),
            end.saturating_since(start)
        )?;
    }
    for line in wrap(&safe(&o.services.join(", ")), options.width, "services: ", "  ") {
        writeln!(out, "{line}")?;
    }

    findings(out, &analysis.findings, options)?;

    writeln!(out, "\nfiles")?;
    file_table(out, &set.files, failures)?;
    if let Some(baseline) = baseline {
        writeln!(out, "\nbaseline")?;
        file_table(out, &baseline.set.files, baseline.failures)?;
        if let Some(comparison) = &analysis.comparison {
            writeln!(
                out,
                "baseline: {}, {}, {}",
                count(baseline.set.files.len() as u64, "file"),
                count(comparison.baseline_spans, "span"),
                count(comparison.baseline_traces, "trace")
            )?;
        }
    }
    let links = &analysis.link_warnings;
    if links.orphans + links.duplicate_span_ids + links.child_starts_before_parent > 0 {
        writeln!(
            out,
            "linking: {}, {}, {}",
            numbers::counted(links.orphans, "orphan span", "orphan spans"),
            numbers::counted(links.duplicate_span_ids, "duplicate span ID", "duplicate span IDs"),
            numbers::counted(
                links.child_starts_before_parent,
                "child starting before its parent",
                "children starting before their parent"
            )
        )?;
    }

    writeln!(out, "\nslowest traces")?;
    if o.sessions + o.streams > 0 {
        writeln!(
            out,
            "(left out: {} and {}, traces that are not one request)",
            numbers::counted(o.sessions, "session", "sessions"),
            numbers::counted(o.streams, "stream", "streams")
        )?;
    }
    let mut slowest: Vec<_> = analysis
        .traces
        .iter()
        .filter(|t| t.shape == tracelens_core::index::TraceShape::Request)
        .collect();
    slowest.sort_by_key(|t| std::cmp::Reverse(t.duration));
    let mut traces = Table::new(["trace", "root", "start", "duration", "spans", "errors"]);
    for t in slowest.iter().take(10) {
        traces.row([
            t.trace_id.to_string(),
            format!("{}: {}", t.root_service, t.root_operation),
            t.start.to_rfc3339_millis(),
            t.duration.to_string(),
            t.span_count.to_string(),
            t.error_count.to_string(),
        ]);
    }
    traces.write(out)?;

    if let Some(comparison) = &analysis.comparison {
        comparison_table(out, comparison)?;
    }

    writeln!(out, "\nendpoints (entry server spans)")?;
    group_table(out, "endpoint", &analysis.groups.endpoints)?;
    writeln!(out, "\noperations")?;
    group_table(out, "operation", &analysis.groups.operations)?;
    let note = format!(
        "percentiles are exact (nearest rank); 'p99 robust' leaves out outliers ({}); \
         'path' is the share of the critical path of the traces the row appears in that was spent in the row's own spans (not their children)",
        tracelens_core::stats::outliers::METHOD
    );
    writeln!(out)?;
    for line in wrap(&note, options.width, "", "") {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// "1 file", "3,918 spans".
fn count(n: u64, what: &str) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} {what}{}", if n == 1 { "" } else { "s" })
}

/// The findings, most costly first: the first few in full, then how many more.
fn findings(out: &mut impl Write, findings: &[Finding], options: TextOptions) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "\nfindings: none");
    }
    let tally: Vec<String> = [Severity::Critical, Severity::Warning, Severity::Info]
        .into_iter()
        .filter_map(|severity| {
            let n = findings.iter().filter(|f| f.severity == severity).count();
            (n > 0).then(|| format!("{n} {}", severity_name(severity)))
        })
        .collect();
    writeln!(out, "\nfindings: {} ({})", findings.len(), tally.join(", "))?;
    let shown = options.findings_shown.unwrap_or(findings.len()).min(findings.len());
    let number_width = shown.to_string().len();
    let indent = " ".repeat(number_width + 2);
    for (n, finding) in findings.iter().take(shown).enumerate() {
        let head = format!(
            "{:>number_width$}. {}  {} [{}]",
            n + 1,
            severity_name(finding.severity).to_uppercase(),
            finding.detector.label(),
            finding.detector
        );
        writeln!(out, "{head}")?;
        for line in wrap(&safe(&finding.explanation), options.width, &indent, &indent) {
            writeln!(out, "{line}")?;
        }
        if let Some(example) = finding.evidence.first() {
            writeln!(out, "{indent}e.g. trace {}", example.trace_id)?;
        }
    }
    let more = findings.len() - shown;
    if more > 0 {
        writeln!(
            out,
            "and {more} more ({}); --all-findings lists them",
            more_by_kind(&findings[shown..])
        )?;
    }
    Ok(())
}

/// "long tail ×2, rare errors": the findings not shown, by kind (a count
/// before a label that is already plural, "1 rare errors", reads wrong).
fn more_by_kind(rest: &[Finding]) -> String {
    let mut kinds: Vec<(&str, usize)> = Vec::new();
    for finding in rest {
        let label = finding.detector.label();
        match kinds.iter_mut().find(|(k, _)| *k == label) {
            Some((_, n)) => *n += 1,
            None => kinds.push((label, 1)),
        }
    }
    kinds
        .iter()
        .map(|(label, n)| match n {
            1 => label.to_lowercase(),
            n => format!("{} ×{n}", label.to_lowercase()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn file_table(out: &mut impl Write, reports: &[FileReport], failures: &[ImportError]) -> io::Result<()> {
    let mut files = Table::new(["file", "format", "read", "kept", "rejected", "warnings"]);
    for report in reports {
        let mut warnings: Vec<String> = report.warnings.iter().map(|(kind, n)| kind.counted(*n)).collect();
        warnings.extend(
            report
                .skipped
                .iter()
                .map(|(reason, t)| format!("{} skipped", reason.counted(t.count))),
        );
        let format = match report.compression {
            Some(compression) => format!("{} ({compression})", report.format),
            None => report.format.to_string(),
        };
        let rejected: Vec<String> = report
            .rejected
            .iter()
            .map(|(reason, r)| reason.counted(r.count))
            .collect();
        files.row([
            report.name.clone(),
            format,
            report.spans_read.to_string(),
            report.spans_kept.to_string(),
            if rejected.is_empty() {
                "0".to_owned()
            } else {
                rejected.join(", ")
            },
            warnings.join(", "),
        ]);
    }
    for failure in failures {
        files.row([
            failure.file.clone(),
            "unreadable".to_owned(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    files.write(out)
}

fn group_table(out: &mut impl Write, what: &str, groups: &[tracelens_core::analysis::GroupStats]) -> io::Result<()> {
    let mut table = Table::new([
        "service",
        what,
        "count",
        "errors",
        "p50",
        "p95",
        "p99",
        "p99 robust",
        "max",
        "self p50",
        "path",
        "per min",
    ]);
    for group in groups {
        let d = &group.durations;
        table.row([
            group.service.clone(),
            group.name.clone(),
            d.count.to_string(),
            format!("{:.1}%", group.error_rate * 100.0),
            d.p50.to_string(),
            d.p95.to_string(),
            d.p99.to_string(),
            format!("{} (-{})", group.robust.durations.p99, group.robust.removed),
            d.max.to_string(),
            group.self_time.p50.to_string(),
            format!("{:.0}%", group.critical_path_share * 100.0),
            group
                .throughput_per_minute
                .map_or_else(|| "-".to_owned(), |t| format!("{t:.1}")),
        ]);
    }
    table.write(out)
}

/// Every endpoint, and the operations that changed, baseline → current.
fn comparison_table(out: &mut impl Write, comparison: &Comparison) -> io::Result<()> {
    writeln!(out, "\ncompared with the baseline")?;
    let mut table = Table::new([
        "service",
        "endpoint / operation",
        "count",
        "p50",
        "change",
        "p95",
        "change",
        "p",
        "verdict",
    ]);
    let shown = comparison
        .rows
        .iter()
        .filter(|r| r.kind == RowKind::Endpoint || matches!(r.verdict, Verdict::Regression | Verdict::Improvement));
    for row in shown {
        let name = match (row.kind, &row.endpoint) {
            (RowKind::Operation, Some(endpoint)) => format!("  {} (under {endpoint})", row.name),
            (RowKind::Operation, None) => format!("  {}", row.name),
            (RowKind::Endpoint, _) => row.name.clone(),
        };
        let (b, c) = (&row.baseline, &row.current);
        table.row([
            row.service.clone(),
            name,
            format!("{} → {}", b.count, c.count),
            format!("{} → {}", b.p50, c.p50),
            percent(row.p50_change),
            format!("{} → {}", b.p95, c.p95),
            percent(row.p95_change),
            row.p_value_adjusted.map_or_else(
                || "-".to_owned(),
                |p| {
                    if p < 0.001 {
                        "<0.001".to_owned()
                    } else {
                        format!("{p:.3}")
                    }
                },
            ),
            match row.verdict {
                Verdict::Regression => "slower",
                Verdict::Improvement => "faster",
                Verdict::Unchanged => "unchanged",
                Verdict::TooFewSamples => "too few",
            }
            .to_owned(),
        ]);
    }
    if comparison.rows.is_empty() {
        writeln!(out, "no endpoint or operation in both")?;
        return Ok(());
    }
    table.write(out)?;
    writeln!(
        out,
        "every endpoint, and the operations that changed; p: {} (see README)",
        comparison.method
    )
}

/// A left-aligned text table with columns as wide as their widest cell.
struct Table<const N: usize> {
    header: [String; N],
    rows: Vec<[String; N]>,
}

impl<const N: usize> Table<N> {
    fn new(header: [&str; N]) -> Self {
        Table {
            header: header.map(str::to_owned),
            rows: Vec::new(),
        }
    }

    /// Adds a row; control characters in cells (names come from traces) are escaped.
    fn row(&mut self, cells: [String; N]) {
        self.rows.push(cells.map(|cell| safe(&cell)));
    }

    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let mut widths = [0usize; N];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let line: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
            writeln!(out, "{}", line.join("  ").trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::detectors::{Detector, Subject};

    fn of(detector: Detector) -> Finding {
        Finding {
            detector,
            severity: Severity::Info,
            impact: Default::default(),
            subject: Subject {
                endpoint: None,
                service: "api".to_owned(),
                operation: "GET /".to_owned(),
                route: None,
                scope: None,
            },
            explanation: String::new(),
            evidence: Vec::new(),
        }
    }

    #[test]
    fn findings_left_out_are_counted_by_kind_without_a_count_of_one() {
        let rest = [
            of(Detector::ChattyCalls),
            of(Detector::RareErrors),
            of(Detector::ChattyCalls),
        ];
        assert_eq!(more_by_kind(&rest), "chatty calls ×2, rare errors");
    }
}
