//! The report's tables: files read, data-quality notes, usage, latency and
//! error types, as [`Table`]s with one cell per column, and the blocks of
//! the usage, latency and errors sections around them.

use super::document::{Block, Chart, Column, Inline, Table, name, sentence, text};
use super::sections::{place, table_or};
use super::words;
use crate::analysis::detectors::regression::{Verdict, percent};
use crate::report::{DataNote, EndpointLatency, ErrorType, Errors, Header, Name, Report, Side, Source, Usage};

fn column(title: &'static str) -> Column {
    Column { title, numeric: false }
}

fn number(title: &'static str) -> Column {
    Column { title, numeric: true }
}

fn count(n: u64) -> Vec<Inline> {
    text(crate::numbers::count(n))
}

/// The files read for each period.
pub fn files(header: &Header) -> Table {
    let sides = std::iter::once(("current", &header.current)).chain(header.baseline.iter().map(|b| ("baseline", b)));
    let rows = sides
        .flat_map(|(side, period)| {
            period.files.iter().map(move |f| {
                vec![
                    text(side),
                    name(f.name.clone()),
                    text(words::format(&f.format)),
                    count(f.spans_read),
                    count(f.spans_kept),
                ]
            })
        })
        .collect();
    Table {
        noun: "files",
        columns: vec![
            column("Period"),
            column("File"),
            column("Format"),
            number("Spans read"),
            number("Spans kept"),
        ],
        rows,
    }
}

/// What a reader should know about the data.
pub fn data_quality(notes: &[DataNote]) -> Table {
    let rows = notes
        .iter()
        .map(|n| {
            vec![
                text(match n.side {
                    Side::Current => "current",
                    Side::Baseline => "baseline",
                }),
                n.file.as_ref().map_or_else(|| text("all files"), |f| name(f.clone())),
                sentence(&n.text),
            ]
        })
        .collect();
    Table {
        noun: "notes",
        columns: vec![column("Period"), column("File"), column("Note")],
        rows,
    }
}

/// Requests per endpoint, names new and gone, and who calls what.
pub fn usage(usage: &Usage, has_baseline: bool) -> Vec<Block<'static>> {
    let mut columns = vec![column("Service"), column("Endpoint"), number("Requests")];
    if has_baseline {
        columns.extend([number("Baseline"), number("Change")]);
    }
    let rows = usage
        .endpoints
        .iter()
        .map(|e| {
            let mut row = vec![
                name(e.endpoint.service.clone()),
                name(e.endpoint.name.clone()),
                count(e.requests),
            ];
            if has_baseline {
                row.push(e.baseline_requests.map_or_else(|| text("–"), count));
                row.push(text(match e.baseline_requests {
                    Some(0) => "new".to_owned(),
                    _ => percent(e.change),
                }));
            }
            row
        })
        .collect();
    let mut blocks = vec![table_or(
        Table {
            noun: "endpoints",
            columns,
            rows,
        },
        "No endpoint received requests.",
    )];
    blocks.push(Block::Subheading("Started and stopped"));
    if has_baseline {
        let lists = [
            ("new endpoint", &usage.new_endpoints),
            ("gone endpoint", &usage.gone_endpoints),
            ("new operation", &usage.new_operations),
            ("gone operation", &usage.gone_operations),
        ];
        let rows = lists
            .into_iter()
            .flat_map(|(what, names)| {
                names
                    .iter()
                    .map(move |n: &Name| vec![text(what), name(n.service.clone()), name(n.name.clone())])
            })
            .collect();
        blocks.push(table_or(
            Table {
                noun: "names",
                columns: vec![column("Change"), column("Service"), column("Name")],
                rows,
            },
            "No endpoint or operation started or stopped receiving traffic.",
        ));
    } else {
        blocks.push(Block::Paragraph(text("Without a baseline nothing is new or gone.")));
    }
    blocks.push(Block::Subheading("Who calls what"));
    blocks.push(table_or(callers(usage), "No operation was called."));
    if usage.callers_omitted > 0 {
        blocks.push(Block::Paragraph(text(format!(
            "{} more operations are not listed (only the busiest are).",
            usage.callers_omitted
        ))));
    }
    blocks
}

fn callers(usage: &Usage) -> Table {
    let mut rows = Vec::new();
    for operation in &usage.callers {
        let what = || {
            vec![
                name(operation.operation.name.clone()),
                name(operation.operation.service.clone()),
                count(operation.spans),
            ]
        };
        for caller in &operation.callers {
            let mut row = what();
            row.push(match &caller.endpoint {
                Some(endpoint) => name(endpoint.clone()),
                None => text("no endpoint (sessions, background work)"),
            });
            row.push(caller.service.as_ref().map_or_else(|| text("–"), |s| name(s.clone())));
            row.extend([count(caller.spans), count(caller.requests)]);
            rows.push(row);
        }
        if operation.omitted > 0 {
            let mut row = what();
            row.extend([
                text(format!("{} more callers", operation.omitted)),
                text(""),
                text(""),
                text(""),
            ]);
            rows.push(row);
        }
    }
    Table {
        noun: "callers",
        columns: vec![
            column("Operation"),
            column("Service"),
            number("Spans"),
            column("Called from"),
            column("Its service"),
            number("Spans there"),
            number("Requests"),
        ],
        rows,
    }
}

/// The endpoint table, charts of the endpoints that changed, and how
/// changes are judged.
pub fn latency(report: &Report) -> Vec<Block<'_>> {
    let latency = &report.latency;
    let has_baseline = report.header.baseline.is_some();
    let mut blocks = Vec::new();
    let mut columns = vec![
        column("Service"),
        column("Endpoint"),
        number("Requests"),
        number("Errors"),
        number("p50"),
        number("p95"),
        number("p99"),
    ];
    if has_baseline {
        columns.extend([
            number("Baseline p50"),
            number("Baseline p95"),
            number("Change"),
            column("Verdict"),
        ]);
    }
    let rows = latency.endpoints.iter().map(|e| latency_row(e, has_baseline)).collect();
    blocks.push(table_or(
        Table {
            noun: "endpoints",
            columns,
            rows,
        },
        "No endpoint has a request with a known duration.",
    ));
    let charts: Vec<Chart<'_>> = latency
        .endpoints
        .iter()
        .filter_map(|e| {
            let change = e.change.as_ref()?;
            let histogram = e.histogram.as_ref().filter(|h| h.baseline.is_some())?;
            matches!(change.verdict, Verdict::Regression | Verdict::Improvement).then(|| {
                let mut caption = place(&e.endpoint.name, &e.endpoint.service, None);
                caption.push(Inline::Text(format!(
                    ": {}, p50 {}",
                    words::verdict(change.verdict),
                    percent(change.p50_change)
                )));
                Chart { caption, histogram }
            })
        })
        .collect();
    if !charts.is_empty() {
        blocks.push(Block::Charts(charts));
    }
    if let Some(method) = &latency.method {
        let mut how = vec![
            Inline::Strong("How changes are judged:".to_owned()),
            Inline::Text(" ".to_owned()),
        ];
        how.extend(sentence(method));
        blocks.push(Block::Paragraph(how));
    }
    if report
        .header
        .baseline
        .as_ref()
        .is_some_and(|b| b.source == Source::Report)
    {
        let mut note = vec![Inline::Strong("The baseline is a previous report.".to_owned())];
        note.push(Inline::Text(" ".to_owned()));
        note.extend(sentence(&report.summary.approximate));
        blocks.push(Block::Paragraph(note));
    }
    blocks
}

fn latency_row(e: &EndpointLatency, has_baseline: bool) -> Vec<Vec<Inline>> {
    let mut row = vec![
        name(e.endpoint.service.clone()),
        name(e.endpoint.name.clone()),
        count(e.requests),
        text(words::share(e.error_rate)),
        text(e.p50.to_string()),
        text(e.p95.to_string()),
        text(e.p99.to_string()),
    ];
    if has_baseline {
        match &e.change {
            Some(c) => {
                let verdict = match c.p_value {
                    Some(p) => format!("{}, {}", words::verdict(c.verdict), words::p_value(p)),
                    None => words::verdict(c.verdict).to_owned(),
                };
                row.extend([
                    text(c.baseline_p50.to_string()),
                    text(c.baseline_p95.to_string()),
                    text(format!("{} / {}", percent(c.p50_change), percent(c.p95_change))),
                    text(verdict),
                ]);
            }
            None => row.extend([text("–"), text("–"), text("–"), text("new")]),
        }
    }
    row
}

/// Error types new, recurring and gone (all of them as "new" without a baseline).
pub fn errors(errors: &Errors, has_baseline: bool) -> Vec<Block<'static>> {
    if !has_baseline {
        return vec![table_or(error_table(&errors.new, false), "No errors in this period.")];
    }
    let mut blocks = Vec::new();
    for (heading, types, empty) in [
        ("New in this period", &errors.new, "No new error types."),
        ("Recurring", &errors.recurring, "No error type seen in both periods."),
        ("Gone", &errors.gone, "No error type of the baseline is gone."),
    ] {
        blocks.push(Block::Subheading(heading));
        blocks.push(table_or(error_table(types, true), empty));
    }
    blocks
}

fn error_table(types: &[ErrorType], has_baseline: bool) -> Table {
    let mut columns = vec![
        column("Error"),
        column("Where it starts"),
        column("Message"),
        number("Count"),
    ];
    if has_baseline {
        columns.push(number("Baseline"));
    }
    columns.extend([number("Failed requests"), column("Seen in")]);
    let rows = types
        .iter()
        .map(|t| {
            let mut row = vec![
                // The stand-in for an untyped error is no name of the data.
                if t.kind_is_named() {
                    name(t.kind.clone())
                } else {
                    text(&t.kind)
                },
                place(&t.operation, &t.service, None),
                t.message.as_ref().map_or_else(|| text("–"), |m| name(m.clone())),
                count(t.count),
            ];
            if has_baseline {
                row.push(t.baseline_count.map_or_else(|| text("–"), count));
            }
            row.push(count(t.failed_requests));
            let mut seen = Vec::new();
            for (i, endpoint) in t.endpoints.iter().enumerate() {
                if i > 0 {
                    seen.push(Inline::Text(", ".to_owned()));
                }
                seen.push(Inline::Name(endpoint.clone()));
            }
            row.push(seen);
            row
        })
        .collect();
    Table {
        noun: "error types",
        columns,
        rows,
    }
}
