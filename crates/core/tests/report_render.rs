//! The report's HTML and Markdown: pinned for the generated two periods the
//! JSON snapshot uses; every string from hostile traces (markup, quotes,
//! backticks, pipes, `</style>`, a right-to-left override, a 10,000
//! character name) shown as text in both, proved by parsing what was
//! written; the Markdown within GitHub's comment limit for thousands of
//! endpoints, saying what it left out.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{import, shop, two_periods, two_periods_spans};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::BTreeSet;
use tracelens_core::TraceSet;
use tracelens_core::report::render::text::{NAME_LIMIT, visible};
use tracelens_core::report::render::{self, CONTENT_SECURITY_POLICY, MARKDOWN_BUDGET};
use tracelens_core::report::{self, BaselineInput, Options, Report, Tracking, WorkState};
use tracelens_core::synth::shop::Pattern;
use tracelens_core::synth::{SynthSpan, SynthValue};

fn report_of(current: &TraceSet, baseline: &TraceSet) -> Report {
    report::generate(current, BaselineInput::Traces(baseline), &Options::default()).1
}

#[test]
fn the_two_periods_are_pinned_in_markdown_and_html() {
    let (baseline, current) = two_periods();
    let report = report_of(&current, &baseline);
    insta::assert_snapshot!("two_periods_markdown", render::markdown(&report));
    insta::assert_snapshot!("two_periods_html", render::html(&report));
}

#[test]
fn notes_and_owners_are_in_both_formats() {
    let (baseline, current) = two_periods();
    let mut report = report_of(&current, &baseline);
    report.findings[0].tracking = Tracking {
        notes: "Batch it\nin one query".to_owned(),
        owner: "ana".to_owned(),
        state: WorkState::Fixing,
    };
    let (markdown, html) = (render::markdown(&report), render::html(&report));
    assert!(markdown.contains("- **Owner:** ana\n- **State:** fixing\n- **Notes:** Batch it / in one query\n"));
    assert!(html.contains(
        "<dt>Owner</dt><dd>ana</dd>\n<dt>State</dt><dd>fixing</dd>\n<dt>Notes</dt><dd>Batch it / in one query</dd>"
    ));
}

/// A finding that costs no time (broken propagation, data quality) claims
/// none: its cost line and headline say its requests, not "0ns on the
/// critical path".
#[test]
fn a_finding_without_time_claims_no_critical_path() {
    let (baseline, current) = two_periods();
    let mut report = report_of(&current, &baseline);
    report.findings[0].impact.time = tracelens_core::time::DurationNs(0);
    report.findings[0].impact.request_time_share = 0.0;
    let markdown = render::markdown(&report);
    assert!(markdown.contains("21 of 30 requests\n"), "{markdown}");
    assert!(!markdown.contains("0ns on the critical path"), "{markdown}");
}

// ---------------------------------------------------------------- hostile strings

const SCRIPT_SERVICE: &str = "<script>alert(\"cart\")</script>";
const STYLE_SERVICE: &str = "</style><img src=x onerror=alert(1)>";
const ROUTE: &str = "/api/cart\"'><script>alert(2)</script>|`tick`";
const MESSAGE: &str = "card <b>declined</b>\n# not a heading\n| not | a | row | *em* _em_ [x](#y)";
const KIND: &str = "Card\u{202E}Declined<svg onload=alert(4)>";

/// The two periods with the cart and payment services, the cart's route, the
/// payment error's type and message, and the recommendations service renamed
/// to hostile strings; the catalog named by a 10,000-character string.
fn hostile(spans: &[SynthSpan]) -> Vec<SynthSpan> {
    let long: &'static str = "C".repeat(10_000).leak();
    let text = |t: &str| t.replace("/api/cart", ROUTE).replace("card declined", MESSAGE);
    spans
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.service = match s.service {
                "cart" => SCRIPT_SERVICE,
                "payment" => STYLE_SERVICE,
                "catalog" => long,
                "recommendations" => "recs `|` \u{202E}sgnimmocer",
                other => other,
            };
            s.name = text(&s.name);
            s.error = s.error.as_deref().map(text);
            for (key, value) in &mut s.attributes {
                if let SynthValue::Str(v) = value {
                    *v = if *key == "error.type" { KIND.to_owned() } else { text(v) };
                }
            }
            s
        })
        .collect()
}

fn hostile_report() -> Report {
    let (baseline, current) = two_periods_spans();
    let mut report = report_of(&import(&hostile(&current)), &import(&hostile(&baseline)));
    report.findings[0].tracking = Tracking {
        notes: "<script>alert('note')</script> `x` | y".to_owned(),
        owner: "<b>eve</b>".to_owned(),
        state: WorkState::Open,
    };
    report
}

/// Strings from the traces that the report holds, each as a reader sees it.
fn trace_strings(report: &Report) -> BTreeSet<String> {
    let mut strings: Vec<&str> = report.header.services.iter().map(String::as_str).collect();
    for e in &report.latency.endpoints {
        strings.extend([e.endpoint.service.as_str(), e.endpoint.name.as_str()]);
    }
    for f in &report.findings {
        strings.extend([f.subject.service.as_str(), f.subject.operation.as_str()]);
        strings.extend(f.subject.endpoint.as_deref());
    }
    for e in report.errors.new.iter().chain(&report.errors.recurring) {
        strings.extend([e.service.as_str(), e.operation.as_str(), e.kind.as_str()]);
        strings.extend(e.message.as_deref());
    }
    strings
        .into_iter()
        .map(|s| visible(s, NAME_LIMIT).into_owned())
        .collect()
}

#[test]
fn hostile_strings_reach_the_report() {
    // Else the tests below would prove nothing.
    let report = hostile_report();
    let json = report.to_json();
    for marker in [
        SCRIPT_SERVICE,
        STYLE_SERVICE,
        "<script>alert(2)</script>",
        "<b>declined</b>",
    ] {
        let quoted = serde_json::to_string(marker).unwrap();
        assert!(
            json.contains(&quoted[1..quoted.len() - 1]),
            "{marker} not in the report"
        );
    }
    assert!(report.errors.new.iter().any(|e| e.kind == KIND), "{:#?}", report.errors);
    assert!(report.header.services.iter().any(|s| s.len() == 10_000));
    assert!(report.findings.iter().any(|f| f.subject.service == SCRIPT_SERVICE));
}

#[test]
fn hostile_strings_are_text_in_the_html() {
    let report = hostile_report();
    let html = render::html(&report);
    let page = Page::parse(&html);
    let allowed: BTreeSet<&str> = [
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "h1",
        "nav",
        "ul",
        "ol",
        "li",
        "a",
        "main",
        "section",
        "h2",
        "h3",
        "p",
        "div",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "code",
        "strong",
        "article",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "svg",
        "rect",
        "text",
        "footer",
    ]
    .into();
    for tag in &page.tags {
        assert!(allowed.contains(tag.name.as_str()), "unexpected <{}>", tag.name);
        for (name, value) in &tag.attributes {
            assert!(!name.starts_with("on"), "event handler {name}={value}");
            assert!(
                !matches!(name.as_str(), "src" | "srcset" | "action" | "style"),
                "{name}={value}"
            );
            if name == "href" {
                let target = value.strip_prefix('#').expect("links stay in the page");
                assert!(page.ids.contains(target), "a link to #{target}, which is not there");
            }
        }
    }
    assert_eq!(page.count("style"), 1, "the one stylesheet");
    assert_eq!(page.count("title"), 2, "the page's and the first chart's");
    let csp: Vec<_> = page
        .tags
        .iter()
        .filter(|t| t.attribute("http-equiv") == Some("Content-Security-Policy"))
        .collect();
    assert_eq!(csp.len(), 1);
    assert_eq!(csp[0].attribute("content"), Some(CONTENT_SECURITY_POLICY));
    for id in [
        "header",
        "headlines",
        "usage",
        "latency",
        "findings",
        "errors",
        "questions",
    ] {
        assert!(page.ids.contains(id), "section #{id}");
    }
    // Every string from the traces is there as text, whole or cut to its
    // visible start; nothing invisible or reordering is written raw.
    for string in trace_strings(&report) {
        assert!(page.text.contains(&string), "{string:?} is not text in the page");
    }
    assert!(page.text.contains("<script>alert('note')</script> `x` | y"));
    assert!(page.text.contains("<b>eve</b>"));
    assert!(!html.contains('\u{202E}'));
    assert!(!html.contains(&"C".repeat(NAME_LIMIT + 1)));
    assert!(
        page.text
            .contains(&format!("{}… (9700 more characters)", "C".repeat(NAME_LIMIT)))
    );
}

#[test]
fn hostile_strings_are_text_in_the_markdown() {
    let report = hostile_report();
    let markdown = render::markdown(&report);
    let parsed = Markdown::parse(&markdown);
    assert_eq!(parsed.html, Vec::<String>::new(), "raw HTML in the Markdown");
    assert!(parsed.links.iter().all(|l| l.starts_with('#')), "{:?}", parsed.links);
    assert_eq!(parsed.images, 0);
    // The sections and nothing else as level-2 headings: a name's `# …` made none.
    assert_eq!(
        parsed
            .headings
            .iter()
            .filter(|(level, _)| *level == 2)
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>(),
        [
            "Periods",
            "Headlines",
            "Usage",
            "Latency",
            "Findings",
            "Errors",
            "Questions"
        ]
    );
    assert!(
        parsed
            .headings
            .iter()
            .all(|(level, _)| *level != 1 || parsed.headings[0].0 == 1)
    );
    for string in trace_strings(&report) {
        assert!(parsed.text.contains(&string), "{string:?} is not text in the Markdown");
    }
    // Emphasis and links in a message stayed characters.
    assert!(parsed.text.contains("*em* _em_ [x](#y)"));
    assert!(parsed.text.contains("<script>alert('note')</script> `x` | y"));
    assert!(!markdown.contains('\u{202E}'));
    // Every table row has as many cells as its heading: no `|` split a cell.
    for (columns, cells) in &parsed.rows {
        assert_eq!(columns, cells);
    }
    assert!(parsed.rows.len() > 20);
}

// ---------------------------------------------------------------- size budget

/// `traces` of the shop, each its own endpoint (`/api/endpoint/N`, N from `first`).
fn many_endpoints(seed: u64, traces: usize, first: usize) -> TraceSet {
    let mut spans = shop(seed, traces, &[Pattern::NPlusOne]);
    let mut roots: Vec<u128> = spans
        .iter()
        .filter(|s| s.parent_span_id.is_none())
        .map(|s| s.trace_id)
        .collect();
    roots.sort_unstable();
    for s in spans.iter_mut().filter(|s| s.parent_span_id.is_none()) {
        let n = first + roots.binary_search(&s.trace_id).unwrap_or(0);
        s.name = format!("GET /api/endpoint/{n}");
        for (key, value) in &mut s.attributes {
            if *key == "http.route" {
                *value = SynthValue::Str(format!("/api/endpoint/{n}"));
            }
        }
    }
    import(&spans)
}

#[test]
fn the_markdown_of_thousands_of_endpoints_fits_a_comment() {
    let (baseline, current) = (many_endpoints(1, 2000, 1000), many_endpoints(2, 2000, 0));
    let report = report_of(&current, &baseline);
    assert!(report.usage.endpoints.len() >= 2500, "{}", report.usage.endpoints.len());
    let markdown = render::markdown(&report);
    assert!(markdown.encode_utf16().count() <= MARKDOWN_BUDGET, "{}", markdown.len());
    assert!(
        markdown.chars().count() > MARKDOWN_BUDGET * 9 / 10,
        "the budget is used, not wasted"
    );
    let parsed = Markdown::parse(&markdown);
    assert_eq!(
        parsed.headings.iter().filter(|(level, _)| *level == 2).count(),
        7,
        "every section is there"
    );
    assert!(
        markdown.contains("more endpoints not shown"),
        "it says what it left out"
    );
    assert!(markdown.ends_with(&format!(
        "Made by Tracelens from {} (report schema version 1).\n",
        tracelens_core::numbers::counted(report.header.current.spans, "span", "spans")
    )));
    // The busiest endpoint stays; the findings are whole.
    let busiest = &report.usage.endpoints[0].endpoint.name;
    assert!(parsed.text.contains(busiest.as_str()));
    assert!(!markdown.contains("more findings not shown"));
    // The HTML keeps them all.
    let html = render::html(&report);
    assert!(html.contains(&report.usage.endpoints.last().unwrap().endpoint.name));
}

// ---------------------------------------------------------------- parsing

/// What a CommonMark + tables parser reads in a Markdown text.
struct Markdown {
    /// Raw HTML blocks and inline HTML.
    html: Vec<String>,
    links: Vec<String>,
    images: usize,
    /// (level, text) of each heading.
    headings: Vec<(usize, String)>,
    /// The text and code a reader sees, joined.
    text: String,
    /// (cells in the table's heading, cells in the row) for each body row.
    rows: Vec<(usize, usize)>,
}

impl Markdown {
    fn parse(markdown: &str) -> Markdown {
        let options = pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH;
        let mut out = Markdown {
            html: Vec::new(),
            links: Vec::new(),
            images: 0,
            headings: Vec::new(),
            text: String::new(),
            rows: Vec::new(),
        };
        let (mut heading, mut columns, mut cells) = (None, 0, 0);
        for event in Parser::new_ext(markdown, options) {
            match event {
                Event::Html(h) | Event::InlineHtml(h) => out.html.push(h.into_string()),
                Event::Start(Tag::Link { dest_url, .. }) => out.links.push(dest_url.into_string()),
                Event::Start(Tag::Image { .. }) => out.images += 1,
                Event::Start(Tag::Heading { level, .. }) => heading = Some((level as usize, String::new())),
                Event::End(TagEnd::Heading(_)) => out.headings.extend(heading.take()),
                Event::Start(Tag::TableHead) => cells = 0,
                Event::End(TagEnd::TableHead) => columns = cells,
                Event::Start(Tag::TableRow) => cells = 0,
                Event::End(TagEnd::TableRow) => out.rows.push((columns, cells)),
                Event::Start(Tag::TableCell) => cells += 1,
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, h)) = heading.as_mut() {
                        h.push_str(&t);
                    }
                    out.text.push_str(&t);
                }
                _ => {}
            }
        }
        out
    }
}

/// An HTML page read as the renderer writes it: tags with attributes, text
/// with character references decoded, ids. Anything the writer did not
/// escape would show up here as a tag or attribute of its own.
struct Page {
    tags: Vec<Element>,
    ids: BTreeSet<String>,
    text: String,
}

struct Element {
    name: String,
    attributes: Vec<(String, String)>,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Page {
    fn parse(html: &str) -> Page {
        let mut page = Page {
            tags: Vec::new(),
            ids: BTreeSet::new(),
            text: String::new(),
        };
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            page.text.push_str(&decode(&rest[..open]));
            let close = tag_end(&rest[open..]).expect("every tag is closed") + open;
            let inside = &rest[open + 1..close];
            rest = &rest[close + 1..];
            if inside.starts_with('/') || inside.eq_ignore_ascii_case("!DOCTYPE html") {
                continue;
            }
            let element = element(inside);
            if element.name == "style" {
                // Raw text up to its end tag: the stylesheet is the renderer's own.
                let end = rest.find("</style>").expect("the stylesheet ends");
                assert!(!rest[..end].contains('<'), "markup inside the stylesheet");
                rest = &rest[end..];
            }
            page.ids.extend(element.attribute("id").map(str::to_owned));
            page.tags.push(element);
        }
        page.text.push_str(&decode(rest));
        page
    }

    fn count(&self, name: &str) -> usize {
        self.tags.iter().filter(|t| t.name == name).count()
    }
}

/// Where the tag starting at `text[0]` ends, skipping quoted attribute values.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `name a="v" b="w"` (the writer always quotes with `"`).
fn element(inside: &str) -> Element {
    let name_end = inside.find([' ', '\n']).unwrap_or(inside.len());
    let name = inside[..name_end].to_ascii_lowercase();
    let mut attributes = Vec::new();
    let mut rest = inside[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=').expect("attributes have values");
        let key = rest[..eq].trim().to_owned();
        let value_start = rest[eq + 1..].strip_prefix('"').expect("values are quoted");
        let value_end = value_start.find('"').expect("values end");
        attributes.push((key, decode(&value_start[..value_end])));
        rest = value_start[value_end + 1..].trim_start();
    }
    Element { name, attributes }
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
