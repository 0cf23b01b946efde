//! The report written for people: [`html`] (one self-contained page to
//! mail, keep or print) and [`markdown`] (a wiki page or a pull-request
//! comment). The web app and the CLI call these two, so the meeting and the
//! pipeline read the same text.
//!
//! ```text
//! Report ── sections::document ──► Document (format-neutral: sections,
//!                                  │          paragraphs, tables, findings,
//!                                  │          charts; names kept apart from prose)
//!            ┌─────────────────────┴──────────────────────┐
//!            ▼                                            ▼
//!   html: html_writer (tags static,              markdown: md_inline (code spans,
//!   every value escaped), svg histograms         escaped prose), md_table (rows
//!                                                trimmed to 65,536 characters)
//! ```
//!
//! Renderers hold no analysis: every number is the model's, formatted. Every
//! string is treated as hostile (a span name can be `<script>`): tag and
//! attribute names are never data, and text is made [`text::visible`]
//! (control and bidirectional characters escaped, very long names cut)
//! before each format escapes it.

mod document;
mod findings_block;
mod html;
mod html_writer;
mod markdown;
mod md_inline;
mod md_table;
mod sections;
mod svg;
mod tables;
pub mod text;
mod words;

pub use html::{CONTENT_SECURITY_POLICY, html};
pub use markdown::markdown;
pub use md_table::BUDGET as MARKDOWN_BUDGET;
pub(crate) use words::whole_share;
