//! The report as one self-contained HTML file: inline CSS and SVG, no
//! script, and a Content-Security-Policy that lets the page load nothing
//! (only its own inline styles and `data:` images), so it reads the same
//! from a mail attachment, a wiki or a disk, and prints to PDF with one
//! section per page and no row cut in two.

use super::document::{Block, Document, FindingBlock, Part, Table};
use super::html_writer::Html;
use super::{sections, svg};
use crate::report::Report;

/// The policy in the page's `<meta>`: no network, no script.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The whole report as an HTML page.
pub fn html(report: &Report) -> String {
    let document = sections::document(report);
    let mut html = Html::new();
    html.markup("<!DOCTYPE html>\n")
        .open("html", &[("lang", "en")])
        .open("head", &[]);
    html.open("meta", &[("charset", "utf-8")]);
    html.open(
        "meta",
        &[
            ("http-equiv", "Content-Security-Policy"),
            ("content", CONTENT_SECURITY_POLICY),
        ],
    );
    html.open(
        "meta",
        &[("name", "viewport"), ("content", "width=device-width, initial-scale=1")],
    );
    html.open("meta", &[("name", "referrer"), ("content", "no-referrer")]);
    html.open("meta", &[("name", "generator"), ("content", "Tracelens")]);
    html.element("title", &[], &document.title);
    html.markup(STYLE).close("head").open("body", &[]);
    body(&mut html, &document);
    html.close("body").close("html");
    html.finish()
}

fn body(html: &mut Html, document: &Document<'_>) {
    html.open("header", &[]).element("h1", &[], &document.title);
    html.open("nav", &[("aria-label", "Sections")]).open("ul", &[]);
    for part in &document.sections {
        html.open("li", &[])
            .element("a", &[("href", &format!("#{}", part.id))], part.title)
            .close("li");
    }
    html.close("ul").close("nav").close("header");
    html.open("main", &[]);
    for part in &document.sections {
        section(html, part);
    }
    html.close("main");
    html.open("footer", &[])
        .element("p", &[], &document.footer)
        .close("footer");
}

fn section(html: &mut Html, part: &Part<'_>) {
    html.open("section", &[("id", part.id), ("data-section", part.id)]);
    html.element("h2", &[], part.title);
    if let Some(lead) = part.lead {
        html.element("p", &[("class", "lead")], lead);
    }
    for block in &part.blocks {
        match block {
            Block::Paragraph(inlines) => {
                html.open("p", &[]).inlines(inlines).close("p");
            }
            Block::Subheading(title) => {
                html.element("h3", &[], title);
            }
            Block::List(items) => list(html, "ul", items),
            Block::Numbered(items) => list(html, "ol", items),
            Block::Table(t) => table(html, t),
            Block::Charts(charts) => {
                html.element("h3", &[], "Endpoints that changed");
                html.element(
                    "p",
                    &[],
                    "Share of requests per duration bin (log scale): this period in blue over the baseline in grey.",
                );
                html.open("div", &[("class", "charts")]);
                for chart in charts {
                    let label: String = chart.caption.iter().map(plain).collect();
                    html.open("figure", &[]);
                    svg::histogram(html, chart.histogram, &label);
                    html.open("figcaption", &[]).inlines(&chart.caption).close("figcaption");
                    html.close("figure");
                }
                html.close("div");
            }
            Block::Findings(findings) => {
                for f in findings {
                    finding(html, f);
                }
            }
        }
    }
    html.close("section");
}

/// An inline as plain text, for an attribute (a chart's label).
fn plain(inline: &super::document::Inline) -> &str {
    use super::document::Inline;
    match inline {
        Inline::Text(t) | Inline::Strong(t) | Inline::Name(t) | Inline::Link(t, _) => t,
    }
}

fn list(html: &mut Html, tag: &'static str, items: &[Vec<super::document::Inline>]) {
    html.open(tag, &[]);
    for item in items {
        html.open("li", &[]).inlines(item).close("li");
    }
    html.close(tag);
}

fn table(html: &mut Html, table: &Table) {
    html.open("div", &[("class", "table")]).open("table", &[]);
    html.open("thead", &[]).open("tr", &[]);
    for column in &table.columns {
        let attributes: &[_] = if column.numeric {
            &[("class", "num"), ("scope", "col")]
        } else {
            &[("scope", "col")]
        };
        html.element("th", attributes, column.title);
    }
    html.close("tr").close("thead").open("tbody", &[]);
    for row in &table.rows {
        html.open("tr", &[]);
        for (column, cell) in table.columns.iter().zip(row) {
            let attributes: &[_] = if column.numeric { &[("class", "num")] } else { &[] };
            html.open("td", attributes).inlines(cell).close("td");
        }
        html.close("tr");
    }
    html.close("tbody").close("table").close("div");
}

fn finding(html: &mut Html, finding: &FindingBlock) {
    html.open("article", &[("class", finding.class), ("id", &finding.anchor)]);
    html.element("h3", &[], &finding.heading);
    html.open("p", &[]).inlines(&finding.explanation).close("p");
    html.open("dl", &[]);
    for (label, value) in &finding.facts {
        html.element("dt", &[], label);
        html.open("dd", &[]).inlines(value).close("dd");
    }
    html.close("dl").close("article");
}

/// Screen and print styles. Names with a long unbroken run wrap anywhere
/// rather than widen the page (others only between words, so table columns
/// keep short names whole); in print every section starts a page, rows and findings
/// stay whole, and table headings repeat on each page.
const STYLE: &str = "<style>
:root { color-scheme: light; --muted: #5b6270; --line: #d9dde4; --accent: #2f6fde; }
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1d2330; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 .3em; }
h2 { font-size: 1.3em; border-bottom: 2px solid var(--line); padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
p, li, dd, figcaption, h1, h2, h3 { overflow-wrap: anywhere; }
td, th { overflow-wrap: break-word; }
.lead { color: var(--muted); margin-top: -.4em; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4em 1.2em; }
a { color: var(--accent); }
code { font: .9em ui-monospace, 'SF Mono', Menlo, Consolas, monospace; background: #f1f3f6; padding: 0 .25em; border-radius: 3px; }
code.long { overflow-wrap: anywhere; word-break: break-all; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; font-size: .92em; }
th, td { border-bottom: 1px solid var(--line); padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f6f7f9; font-weight: 600; }
.num { text-align: right; white-space: nowrap; }
.finding { border: 1px solid var(--line); border-radius: 6px; padding: .2em 1em .6em; margin: 1em 0; }
.finding.critical { border-left: 4px solid #c62828; }
.finding.warning { border-left: 4px solid #ef8f00; }
.finding.info { border-left: 4px solid #8a94a6; }
.finding dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: 0; }
.finding dt { color: var(--muted); }
.finding dd { margin: 0; }
.charts { display: flex; flex-wrap: wrap; gap: 1em 2em; }
figure { margin: 0; max-width: 320px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: .85em; color: var(--muted); }
footer { color: var(--muted); font-size: .85em; margin-top: 3em; }
@media print {
  @page { margin: 15mm; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  th, code { background: none; }
  section { break-before: page; }
  section#header, section#headlines { break-before: avoid; }
  tr, .finding, figure, li { break-inside: avoid; }
  thead { display: table-header-group; }
  h2, h3 { break-after: avoid; }
  .table { overflow: visible; }
}
</style>";
