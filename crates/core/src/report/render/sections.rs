//! The report's sections as a [`Document`]: the header under the title, then
//! headlines, usage, latency, findings, errors and questions, each with the
//! id of its [`Section`] so headlines and questions link to it. Wording and
//! order are decided here once for both formats; the numbers are the
//! model's, formatted, never recomputed.

use super::document::{Anchor, Block, Document, Inline, Part, Table, finding_anchor, name, sentence, text};
use super::{findings_block, tables, words};
use crate::report::{Period, Report, Section, Source, counted};

/// At most this many services are named in the header (the rest counted).
const SERVICES_SHOWN: usize = 50;

/// The report as a format-neutral document.
pub fn document(report: &Report) -> Document<'_> {
    let has_baseline = report.header.baseline.is_some();
    let mut sections = vec![header(report), headlines(report)];
    sections.push(Part {
        id: Section::Usage.id(),
        title: "Usage",
        lead: Some("Is anyone using it?"),
        blocks: tables::usage(&report.usage, has_baseline),
    });
    sections.push(Part {
        id: Section::Latency.id(),
        title: "Latency",
        lead: Some("Did it get faster or slower?"),
        blocks: tables::latency(report),
    });
    sections.push(Part {
        id: Section::Findings.id(),
        title: "Findings",
        lead: Some("What the detectors found, most costly first."),
        blocks: findings_block::findings(&report.findings),
    });
    sections.push(Part {
        id: Section::Errors.id(),
        title: "Errors",
        lead: Some("What broke, by error type and where it starts."),
        blocks: tables::errors(&report.errors, has_baseline),
    });
    sections.push(questions(report));
    Document {
        title: report.header.title.clone(),
        sections,
        footer: format!(
            "Made by Tracelens from {} (report schema version {}).",
            counted(report.header.current.spans, "span", "spans"),
            report.schema_version
        ),
    }
}

/// A sentence of the model, then a link to its section in parentheses.
fn linked(text: &str, section: Section) -> Vec<Inline> {
    let mut line = sentence(text);
    line.extend([
        Inline::Text(" (see ".to_owned()),
        Inline::Link(title(section).to_owned(), Anchor::Section(section.id())),
        Inline::Text(")".to_owned()),
    ]);
    line
}

fn title(section: Section) -> &'static str {
    match section {
        Section::Usage => "Usage",
        Section::Latency => "Latency",
        Section::Findings => "Findings",
        Section::Errors => "Errors",
        Section::Questions => "Questions",
    }
}

fn header(report: &Report) -> Part<'_> {
    let header = &report.header;
    let mut blocks = vec![Block::Paragraph(period("Current period", &header.current))];
    blocks.push(Block::Paragraph(match &header.baseline {
        Some(baseline) => period("Baseline", baseline),
        None => text("No baseline: the report describes the current period alone."),
    }));
    let mut services = vec![Inline::Strong(format!("Services ({}):", header.services.len()))];
    for (i, service) in header.services.iter().take(SERVICES_SHOWN).enumerate() {
        services.push(Inline::Text(if i == 0 { " " } else { ", " }.to_owned()));
        services.push(Inline::Name(service.clone()));
    }
    if header.services.len() > SERVICES_SHOWN {
        services.push(Inline::Text(format!(
            " and {} more.",
            header.services.len() - SERVICES_SHOWN
        )));
    }
    blocks.push(Block::Paragraph(services));
    blocks.push(Block::Table(tables::files(header)));
    if !header.data_quality.is_empty() {
        blocks.push(Block::Subheading("Data quality"));
        blocks.push(Block::Table(tables::data_quality(&header.data_quality)));
    }
    Part {
        id: "header",
        title: "Periods",
        lead: None,
        blocks,
    }
}

/// `Current period: Sprint 12, 1,611 spans in 240 traces from 1 file, 2026-11-02 09:00 – 09:03 UTC.`
fn period(label: &str, period: &Period) -> Vec<Inline> {
    let mut line = vec![
        Inline::Strong(format!("{label}:")),
        Inline::Text(" ".to_owned()),
        Inline::Name(period.name.clone()),
    ];
    let mut facts = format!(
        ", {} in {} from {}",
        counted(period.spans, "span", "spans"),
        counted(period.traces, "trace", "traces"),
        counted(period.files.len() as u64, "file", "files"),
    );
    if let Some(range) = words::range(period.start_ns, period.end_ns) {
        facts.push_str(&format!(", {range}"));
    }
    if period.source == Source::Report {
        facts.push_str(" (read from a previous report's summaries: see Latency for what is approximate)");
    }
    facts.push('.');
    line.push(Inline::Text(facts));
    line
}

fn headlines(report: &Report) -> Part<'_> {
    let blocks = if report.headlines.is_empty() {
        vec![Block::Paragraph(text("Nothing stands out in this period."))]
    } else {
        vec![Block::List(
            report.headlines.iter().map(|h| linked(&h.text, h.section)).collect(),
        )]
    };
    Part {
        id: "headlines",
        title: "Headlines",
        lead: None,
        blocks,
    }
}

fn questions(report: &Report) -> Part<'_> {
    let questions = &report.questions;
    let mut blocks = Vec::new();
    if questions.questions.is_empty() {
        blocks.push(Block::Paragraph(text("The numbers raise no question this time.")));
    } else {
        blocks.push(Block::Numbered(
            questions.questions.iter().map(|q| linked(&q.text, q.section)).collect(),
        ));
    }
    blocks.push(Block::Subheading("Action items"));
    if questions.action_items.is_empty() {
        blocks.push(Block::Paragraph(text("None.")));
    } else {
        let items = questions
            .action_items
            .iter()
            .map(|a| {
                let mut item = if a.owner.is_empty() {
                    vec![Inline::Strong("Nobody yet:".to_owned())]
                } else {
                    vec![Inline::Strong(format!("{}:", a.owner))]
                };
                item.push(Inline::Text(" ".to_owned()));
                item.extend(sentence(&a.text));
                item.push(Inline::Text(" (".to_owned()));
                item.push(Inline::Link(
                    "finding".to_owned(),
                    Anchor::Finding(finding_anchor(&a.fingerprint)),
                ));
                item.push(Inline::Text(")".to_owned()));
                item
            })
            .collect();
        blocks.push(Block::List(items));
    }
    Part {
        id: Section::Questions.id(),
        title: "Questions",
        lead: Some("For the meeting: what the numbers ask, and who does what next."),
        blocks,
    }
}

/// A table's empty case as a paragraph.
pub fn table_or(table: Table, empty: &str) -> Block<'static> {
    if table.rows.is_empty() {
        Block::Paragraph(text(empty))
    } else {
        Block::Table(table)
    }
}

/// `` `op` in `service` `` (and `` under `endpoint` ``).
pub fn place(operation: &str, service: &str, endpoint: Option<&str>) -> Vec<Inline> {
    let mut out = name(operation);
    out.push(Inline::Text(" in ".to_owned()));
    out.push(Inline::Name(service.to_owned()));
    if let Some(endpoint) = endpoint.filter(|e| *e != operation) {
        out.push(Inline::Text(" under ".to_owned()));
        out.push(Inline::Name(endpoint.to_owned()));
    }
    out
}
