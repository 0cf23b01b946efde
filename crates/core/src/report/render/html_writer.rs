//! A small HTML writer that cannot be told to write markup from data: tag
//! and attribute names are `&'static str` chosen by the renderer, and every
//! text or attribute value goes through [`escape`]. Values are made
//! [`visible`](super::text::visible) first, so hidden and reordering
//! characters show as escapes.

use super::document::Inline;
use super::text::{NAME_LIMIT, PROSE_LIMIT, visible};

/// A name with a run longer than this (in bytes) may break anywhere.
const LONG_WORD: usize = 40;

/// Elements closed with a line break after them.
const BLOCKS: [&str; 22] = [
    "head", "body", "html", "header", "nav", "ul", "ol", "li", "main", "section", "footer", "h1", "h2", "h3", "p",
    "table", "tr", "div", "article", "dd", "figure", "svg",
];

/// An HTML document being written.
#[derive(Default)]
pub struct Html {
    out: String,
}

impl Html {
    /// An empty document.
    pub fn new() -> Html {
        Html::default()
    }

    /// `<tag a="v" …>`, values escaped.
    pub fn open(&mut self, tag: &'static str, attributes: &[(&'static str, &str)]) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attributes {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape(&mut self.out, &visible(value, PROSE_LIMIT));
            self.out.push('"');
        }
        self.out.push('>');
        self
    }

    /// `</tag>`, and a line break after a block, so the file reads (and
    /// diffs) a block a line.
    pub fn close(&mut self, tag: &'static str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        if BLOCKS.contains(&tag) {
            self.out.push('\n');
        }
        self
    }

    /// `<tag …>text</tag>`.
    pub fn element(&mut self, tag: &'static str, attributes: &[(&'static str, &str)], text: &str) -> &mut Self {
        self.open(tag, attributes).text(text).close(tag)
    }

    /// Text, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape(&mut self.out, &visible(text, PROSE_LIMIT));
        self
    }

    /// Markup written by the renderer itself (the doctype, the stylesheet):
    /// only ever a literal.
    pub fn markup(&mut self, markup: &'static str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// A run of inlines: names as `<code>`, links to anchors in the page.
    pub fn inlines(&mut self, inlines: &[Inline]) -> &mut Self {
        for inline in inlines {
            match inline {
                Inline::Text(t) => {
                    self.text(t);
                }
                Inline::Strong(t) => {
                    self.element("strong", &[], t);
                }
                Inline::Name(n) => {
                    let shown = visible(n, NAME_LIMIT);
                    let unbroken = shown.split_whitespace().map(str::len).max().unwrap_or(0);
                    self.open(
                        "code",
                        if unbroken > LONG_WORD {
                            &[("class", "long")]
                        } else {
                            &[]
                        },
                    );
                    escape(&mut self.out, &shown);
                    self.close("code");
                }
                Inline::Link(t, anchor) => {
                    self.element("a", &[("href", &format!("#{}", anchor.id()))], t);
                }
            }
        }
        self
    }

    /// The document written.
    pub fn finish(self) -> String {
        self.out
    }
}

/// `text` with the five characters that can end text or an attribute value
/// written as character references.
pub fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::render::document::Anchor;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut html = Html::new();
        html.open("p", &[("title", "\"><script>x</script>")])
            .text("<img src=x onerror=alert(1)> & 'q'")
            .close("p");
        assert_eq!(
            html.finish(),
            "<p title=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\">\
             &lt;img src=x onerror=alert(1)&gt; &amp; &#39;q&#39;</p>\n"
        );
    }

    #[test]
    fn names_are_code_and_links_stay_in_the_page() {
        let mut html = Html::new();
        html.inlines(&[
            Inline::Name("</code><b>".to_owned()),
            Inline::Link("see".to_owned(), Anchor::Section("latency")),
        ]);
        assert_eq!(
            html.finish(),
            "<code>&lt;/code&gt;&lt;b&gt;</code><a href=\"#latency\">see</a>"
        );
    }
}
