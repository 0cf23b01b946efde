//! The report as a document that no format has seen yet: sections of
//! paragraphs, lists, tables, charts and findings made of plain pieces
//! (prose, names, links). [`super::sections`] builds it from a
//! [`crate::report::Report`]; the HTML and Markdown writers each write it,
//! so both formats say the same thing in the same words and only the
//! escaping and layout differ.

use crate::report::SharedHistogram;

/// The whole report.
pub struct Document<'a> {
    /// The report's title.
    pub title: String,
    /// Header first, then headlines, usage, latency, findings, errors, questions.
    pub sections: Vec<Part<'a>>,
    /// A closing line (what made it).
    pub footer: String,
}

/// One section, with a stable anchor.
pub struct Part<'a> {
    /// The anchor (`latency`): [`crate::report::Section::id`] for the five
    /// sections headlines link to.
    pub id: &'static str,
    /// The heading; one word, so that Markdown's own heading anchors equal `id`.
    pub title: &'static str,
    /// The question it answers, under the heading.
    pub lead: Option<&'static str>,
    /// What it shows.
    pub blocks: Vec<Block<'a>>,
}

/// A paragraph-level piece of a section.
pub enum Block<'a> {
    /// A run of text.
    Paragraph(Vec<Inline>),
    /// A smaller heading inside the section.
    Subheading(&'static str),
    /// A bulleted list.
    List(Vec<Vec<Inline>>),
    /// A numbered list.
    Numbered(Vec<Vec<Inline>>),
    /// A table.
    Table(Table),
    /// Histograms of endpoints that changed, under their own heading (HTML
    /// only: a PR comment shows no inline images, and the table has the numbers).
    Charts(Vec<Chart<'a>>),
    /// The findings, most costly first.
    Findings(Vec<FindingBlock>),
}

/// A piece of running text.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    /// Prose (from the core; a sentence's prose pieces).
    Text(String),
    /// Emphasised prose: a label in a list.
    Strong(String),
    /// A name from the traces or another literal, shown as code.
    Name(String),
    /// A link to a place in the report.
    Link(String, Anchor),
}

/// A place in the report a link points to.
#[derive(Clone, Debug, PartialEq)]
pub enum Anchor {
    /// A section, by its id.
    Section(&'static str),
    /// A finding, by [`finding_anchor`].
    Finding(String),
}

impl Anchor {
    /// The id it points to.
    pub fn id(&self) -> &str {
        match self {
            Anchor::Section(id) => id,
            Anchor::Finding(id) => id,
        }
    }
}

/// A table; a cell is a run of inlines.
pub struct Table {
    /// What a row is, for "N more endpoints not shown" (plural).
    pub noun: &'static str,
    /// Column headings.
    pub columns: Vec<Column>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<Vec<Inline>>>,
}

/// A column heading and how its cells line up.
pub struct Column {
    /// The heading.
    pub title: &'static str,
    /// Numbers line up on the right.
    pub numeric: bool,
}

/// One endpoint's histogram.
pub struct Chart<'a> {
    /// The endpoint, for the caption.
    pub caption: Vec<Inline>,
    /// The bins.
    pub histogram: &'a SharedHistogram,
}

/// One finding as the meeting reads it.
pub struct FindingBlock {
    /// Its anchor.
    pub anchor: String,
    /// Rank, severity, label, status.
    pub heading: String,
    /// `finding critical`: a style class naming its severity.
    pub class: &'static str,
    /// The explanation.
    pub explanation: Vec<Inline>,
    /// Labelled facts: where, cost, examples, next step, tracking.
    pub facts: Vec<(&'static str, Vec<Inline>)>,
}

/// The anchor of a finding: its fingerprint with anything but letters,
/// digits, `-` and `_` replaced, so it is a plain id in any format.
pub fn finding_anchor(fingerprint: &str) -> String {
    let safe: String = fingerprint
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("finding-{safe}")
}

/// A sentence from the model as inlines: its backticked names as names.
pub fn sentence(text: &str) -> Vec<Inline> {
    super::text::pieces(text)
        .into_iter()
        .map(|piece| match piece {
            super::text::Piece::Prose(p) => Inline::Text(p.to_owned()),
            super::text::Piece::Name(n) => Inline::Name(n.to_owned()),
        })
        .collect()
}

/// Prose alone.
pub fn text(text: impl Into<String>) -> Vec<Inline> {
    vec![Inline::Text(text.into())]
}

/// A name alone.
pub fn name(name: impl Into<String>) -> Vec<Inline> {
    vec![Inline::Name(name.into())]
}
