//! The report as GitHub-flavoured Markdown, for a wiki page or a pull
//! request comment: the same sections and words as the HTML (no charts),
//! no raw HTML, every trace string escaped ([`super::md_inline`]), and at
//! most [`BUDGET`] characters ([`super::md_table::fit`] leaves out rows of
//! the longest tables first and says how many).

use super::document::{Block, Document, FindingBlock, Inline};
use super::md_inline::{Place, inlines, prose};
use super::md_table::{self, BUDGET, Chunk, Rows};
use super::sections;
use crate::report::Report;

/// The whole report as Markdown.
pub fn markdown(report: &Report) -> String {
    md_table::fit(chunks(&sections::document(report)), BUDGET)
}

/// The document as chunks: text, and tables and findings that can give up rows.
fn chunks(document: &Document<'_>) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut text = String::from("# ");
    prose(&mut text, &document.title);
    text.push('\n');
    for part in &document.sections {
        text.push_str("\n## ");
        prose(&mut text, part.title);
        text.push('\n');
        if let Some(lead) = part.lead {
            text.push_str("\n*");
            prose(&mut text, lead);
            text.push_str("*\n");
        }
        for block in &part.blocks {
            text.push('\n');
            match block {
                Block::Paragraph(line) => paragraph(&mut text, line),
                Block::Subheading(title) => {
                    text.push_str("### ");
                    prose(&mut text, title);
                    text.push('\n');
                }
                Block::List(items) => list(&mut text, items, false),
                Block::Numbered(items) => list(&mut text, items, true),
                Block::Table(table) => {
                    chunks.push(Chunk::Fixed(std::mem::take(&mut text)));
                    chunks.push(Chunk::Rows(Rows {
                        head: md_table::head(table),
                        rows: md_table::rows(table),
                        noun: table.noun,
                        rank: 0,
                    }));
                }
                // A PR comment shows no inline images; the table has the numbers.
                Block::Charts(_) => {}
                Block::Findings(findings) => {
                    chunks.push(Chunk::Fixed(std::mem::take(&mut text)));
                    chunks.push(Chunk::Rows(Rows {
                        head: String::new(),
                        rows: findings.iter().map(finding).collect(),
                        noun: "findings",
                        rank: 1,
                    }));
                }
            }
        }
    }
    text.push_str("\n---\n\n");
    paragraph(&mut text, &[Inline::Text(document.footer.clone())]);
    chunks.push(Chunk::Fixed(text));
    chunks
}

fn paragraph(out: &mut String, line: &[Inline]) {
    inlines(out, line, Place::Flow);
    out.push('\n');
}

fn list(out: &mut String, items: &[Vec<Inline>], numbered: bool) {
    for (i, item) in items.iter().enumerate() {
        if numbered {
            out.push_str(&format!("{}. ", i + 1));
        } else {
            out.push_str("- ");
        }
        paragraph(out, item);
    }
}

/// One finding: a heading, its explanation, its facts as a list.
fn finding(finding: &FindingBlock) -> String {
    let mut out = String::from("### ");
    prose(&mut out, &finding.heading);
    out.push_str("\n\n");
    paragraph(&mut out, &finding.explanation);
    out.push('\n');
    for (label, value) in &finding.facts {
        out.push_str("- **");
        prose(&mut out, label);
        out.push_str(":** ");
        paragraph(&mut out, value);
    }
    out.push('\n');
    out
}
