//! `tracelens report` and `tracelens check`: the feedback-meeting report
//! written to a file, and the same numbers judged for a CI job. Both read
//! the baseline as trace files or as one previous report JSON, and go
//! through the core's one entry point ([`report::generate`]), so the
//! pipeline prints the numbers the meeting discusses.

use crate::load;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors::Severity;
use tracelens_core::analysis::detectors::regression::{Row, Verdict, percent};
use tracelens_core::import::ImportError;
use tracelens_core::report::{self, BaselineInput, Options, Report, ReportFinding, Status};

/// The baseline as given on the command line, read.
enum Baseline {
    None,
    Traces(Box<TraceSet>, Vec<ImportError>),
    Report(Box<Report>),
}

impl Baseline {
    fn input(&self) -> BaselineInput<'_> {
        match self {
            Baseline::None => BaselineInput::None,
            Baseline::Traces(set, _) => BaselineInput::Traces(set),
            Baseline::Report(report) => BaselineInput::Report(report),
        }
    }

    fn failures(&self) -> &[ImportError] {
        match self {
            Baseline::Traces(_, failures) => failures,
            _ => &[],
        }
    }
}

/// One previous report JSON, or trace files and directories.
fn read_baseline(paths: &[PathBuf]) -> Result<Baseline> {
    if let [path] = paths
        && path.is_file()
    {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        if Report::looks_like(&bytes) {
            let report = Report::from_json(&bytes).with_context(|| format!("reading {}", path.display()))?;
            return Ok(Baseline::Report(Box::new(report)));
        }
    }
    if paths.is_empty() {
        return Ok(Baseline::None);
    }
    let (set, failures) = load(paths)?;
    Ok(Baseline::Traces(Box::new(set), failures))
}

/// Prints the files that could not be read; whether there were any.
fn report_failures(failures: &[ImportError], baseline: &Baseline) -> bool {
    for failure in failures {
        eprintln!("tracelens: {failure}");
    }
    for failure in baseline.failures() {
        eprintln!("tracelens: baseline: {failure}");
    }
    !failures.is_empty() || !baseline.failures().is_empty()
}

/// What `tracelens report` was asked for.
pub struct ReportArgs<'a> {
    pub files: &'a [PathBuf],
    pub baseline: &'a [PathBuf],
    pub out: &'a Path,
    pub title: Option<String>,
    pub period_names: Option<(String, String)>,
    pub options: Options,
}

/// Writes the report as JSON, Markdown or HTML (by the extension); exit 2
/// when a file could not be read (the report is still written from the rest)
/// or the extension names no format.
pub fn write_report(args: ReportArgs<'_>) -> Result<ExitCode> {
    let extension = args.out.extension().and_then(|e| e.to_str()).unwrap_or("");
    let render: fn(&Report) -> String = match extension {
        "json" => Report::to_json,
        "md" => report::render::markdown,
        "html" => report::render::html,
        _ => {
            eprintln!("tracelens: --out must end in .json, .md or .html (the format is taken from it)");
            return Ok(ExitCode::from(2));
        }
    };
    let (set, failures) = load(args.files)?;
    let baseline = read_baseline(args.baseline)?;
    let options = Options {
        title: args.title,
        period_names: args.period_names,
        ..args.options
    };
    let (_, report) = report::generate(&set, baseline.input(), &options);
    std::fs::write(args.out, render(&report)).with_context(|| format!("writing {}", args.out.display()))?;
    let failed = report_failures(&failures, &baseline);
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

/// What `tracelens check` was asked for.
pub struct CheckArgs<'a> {
    pub files: &'a [PathBuf],
    pub baseline: &'a [PathBuf],
    pub fail_on: Severity,
    pub max_regression: Option<f64>,
    pub options: Options,
}

/// Exit 1 for a significant regression above the limit or a new finding at
/// or above `fail_on`, one line per reason; 2 when input cannot be read; 0 otherwise.
pub fn check(args: CheckArgs<'_>) -> ExitCode {
    let run = || -> Result<(Analysis, Report, bool)> {
        let (set, failures) = load(args.files)?;
        let baseline = read_baseline(args.baseline)?;
        let (analysis, report) = report::generate(&set, baseline.input(), &args.options);
        Ok((analysis, report, report_failures(&failures, &baseline)))
    };
    match run() {
        Err(error) => {
            eprintln!("tracelens: {error:#}");
            ExitCode::from(2)
        }
        Ok((_, _, true)) => ExitCode::from(2),
        Ok((analysis, report, false)) => {
            let reasons = reasons(&analysis, &report, args.fail_on, args.max_regression);
            for reason in &reasons {
                println!("{reason}");
            }
            if reasons.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Why the check fails, one line each: regressions first, then findings.
fn reasons(analysis: &Analysis, report: &Report, fail_on: Severity, max_regression: Option<f64>) -> Vec<String> {
    let rows = analysis.comparison.iter().flat_map(|c| &c.rows);
    let over_limit = |row: &&Row| {
        let change = row
            .p50_change
            .into_iter()
            .chain(row.p95_change)
            .fold(f64::NEG_INFINITY, f64::max);
        // A change from 0 has no relative size: it is over any limit.
        let from_zero = row.p50_change.is_none() || row.p95_change.is_none();
        max_regression.is_none_or(|limit| from_zero || change * 100.0 > limit)
    };
    let regressions = rows
        .filter(|r| r.verdict == Verdict::Regression)
        .filter(over_limit)
        .map(|r| {
            let what = match &r.endpoint {
                Some(endpoint) if *endpoint != r.name => {
                    format!("`{}` in `{}` under `{}`", r.name, r.service, endpoint)
                }
                _ => format!("`{}`", r.name),
            };
            format!(
                "regression: {what}: p50 {} → {} ({}), p95 {} → {} ({}), p = {:.2e}",
                r.baseline.p50,
                r.current.p50,
                percent(r.p50_change),
                r.baseline.p95,
                r.current.p95,
                percent(r.p95_change),
                r.p_value_adjusted.unwrap_or(1.0)
            )
        });
    let counted = |f: &&ReportFinding| {
        f.severity >= fail_on
            && f.status.is_none_or(|s| s == Status::New)
            && !matches!(f.detector.as_str(), "regression" | "improvement")
    };
    let findings = report.findings.iter().filter(counted).map(|f| {
        format!(
            "{} {} ({}){}: {}",
            severity_name(f.severity),
            f.detector,
            f.fingerprint,
            if f.status.is_some() { ", new" } else { "" },
            f.explanation
        )
    });
    regressions.chain(findings).collect()
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// `--period-names CURRENT,BASELINE`.
pub fn period_names(text: &str) -> Result<(String, String)> {
    match text.split_once(',') {
        Some((now, then)) if !now.trim().is_empty() && !then.trim().is_empty() => {
            Ok((now.trim().to_owned(), then.trim().to_owned()))
        }
        _ => bail!("--period-names takes two names separated by a comma: CURRENT,BASELINE"),
    }
}
