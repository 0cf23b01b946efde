//! Hostile and broken files (issue 13), made on demand so the repository
//! holds generators, not gigabytes: a gzip bomb, nesting 100,000 deep, a
//! 100 MB value, ten million attributes, parent cycles, a trace a million
//! spans deep, impossible times, wrong types and encodings, files that are
//! not traces at all.
//!
//! Each [`Case`] writes one file in each format where it means something
//! ([`Case::formats`]), at the size the issue names ([`Scale::Full`]) or a
//! hundredth or so of it ([`Scale::Small`], for the 32-bit WASI test run
//! and for quick checks). What the importer and the analysis must make of
//! each is pinned by `crates/core/tests/hostile.rs` and the CLI's tests;
//! `tracelens generate-hostile NAME` writes one to disk for the browser tests.

pub mod bytes;
mod cases;
pub mod spans;

pub use cases::{deep_trace, duplicate_ids, wide_trace};

use crate::import::Format;

/// How big a case is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// The sizes of the issue: a gzip bomb of 8 GiB, a million spans, 100 MB values.
    Full,
    /// About a hundredth of that, still past every limit the case is about.
    Small,
}

impl Scale {
    fn pick(self, full: usize, small: usize) -> usize {
        match self {
            Scale::Full => full,
            Scale::Small => small,
        }
    }
}

/// One hostile or broken input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// gzip of an OTLP JSON document padded with spaces: about 1 MB of
    /// compressed bytes per GiB (deflate's limit is about 1:1032).
    GzipBomb,
    /// JSON nested 100,000 deep: in an attribute value (OTLP), in an unknown
    /// field (Jaeger, Zipkin).
    DeepJson,
    /// Protobuf messages nested 100,000 deep in an attribute value.
    DeepProtobuf,
    /// One attribute value of 100 MB.
    HugeValue,
    /// Ten million tiny attributes on one span.
    ManyAttributes,
    /// A span that is its own parent.
    SelfParent,
    /// A parent cycle A→B→A, under a root and in a trace without one.
    ParentCycle,
    /// 100,000 spans sharing one span ID, and 100,000 children naming it.
    DuplicateIds,
    /// One span with a million children.
    WideTrace,
    /// A trace a million spans deep.
    DeepTrace,
    /// Start and end times of 0, beside healthy traces.
    ZeroTimestamps,
    /// Times of `u64::MAX` (the largest the format can say), beside healthy traces.
    MaxTimestamps,
    /// A span that ends before it starts, beside healthy traces.
    EndBeforeStart,
    /// Spans of 150 and 500 years, beside healthy traces.
    CenturyDurations,
    /// The swaps exporters really make and the readers accept: numbers as
    /// strings (times, integer attributes) and strings as numbers.
    SwappedTypes,
    /// A number where the span name belongs.
    NumberForString,
    /// Text where a time belongs.
    TextForNumber,
    /// `NaN` and `Infinity` written as JSON numbers, which JSON does not have.
    NanLiteral,
    /// `"NaN"`, `"Infinity"` and `"-Infinity"` as text where a double belongs
    /// (protobuf's JSON mapping writes them so).
    NanStrings,
    /// Bytes that are not UTF-8 in a span name and an attribute value.
    InvalidUtf8,
    /// A healthy file starting with a UTF-8 byte order mark.
    Utf8Bom,
    /// A healthy file saved as UTF-16 (little-endian, with a byte order mark).
    Utf16,
    /// A PNG image named `.json`.
    PngAsJson,
    /// A file of zero bytes.
    Empty,
    /// A file of zero bytes named `.gz`.
    EmptyGzip,
    /// A gzip file cut inside its 10-byte header.
    CutGzipHeader,
    /// A protobuf message cut two thirds of the way through.
    TruncatedProtobuf,
    /// A file rewritten while it was read: the first half of one version and
    /// the second half of another (JSON Lines: a last line still being written).
    ChangedWhileRead,
    /// One span with a million empty events (`{}` in OTLP JSON, a Jaeger log
    /// or a Zipkin annotation with nothing in it, two bytes in protobuf).
    ManyEvents,
    /// One span with a million links (Jaeger: `FOLLOWS_FROM` references).
    ManyLinks,
    /// One Zipkin span sent as 100,000 fragments, each with a tag and an
    /// annotation of its own, which the reader merges into one span.
    SpanFragments,
    /// Two million empty spans (two bytes each in protobuf, 4 MB in all),
    /// which a protobuf decoder makes into structs of hundreds of bytes.
    EmptySpans,
}

impl Case {
    /// Every case.
    pub const ALL: [Case; 32] = [
        Case::GzipBomb,
        Case::DeepJson,
        Case::DeepProtobuf,
        Case::HugeValue,
        Case::ManyAttributes,
        Case::SelfParent,
        Case::ParentCycle,
        Case::DuplicateIds,
        Case::WideTrace,
        Case::DeepTrace,
        Case::ZeroTimestamps,
        Case::MaxTimestamps,
        Case::EndBeforeStart,
        Case::CenturyDurations,
        Case::SwappedTypes,
        Case::NumberForString,
        Case::TextForNumber,
        Case::NanLiteral,
        Case::NanStrings,
        Case::InvalidUtf8,
        Case::Utf8Bom,
        Case::Utf16,
        Case::PngAsJson,
        Case::Empty,
        Case::EmptyGzip,
        Case::CutGzipHeader,
        Case::TruncatedProtobuf,
        Case::ChangedWhileRead,
        Case::ManyEvents,
        Case::ManyLinks,
        Case::SpanFragments,
        Case::EmptySpans,
    ];

    /// The case's name on the command line: `gzip-bomb`, `deep-trace`, ...
    pub fn name(self) -> &'static str {
        match self {
            Case::GzipBomb => "gzip-bomb",
            Case::DeepJson => "deep-json",
            Case::DeepProtobuf => "deep-protobuf",
            Case::HugeValue => "huge-value",
            Case::ManyAttributes => "many-attributes",
            Case::SelfParent => "self-parent",
            Case::ParentCycle => "parent-cycle",
            Case::DuplicateIds => "duplicate-ids",
            Case::WideTrace => "wide-trace",
            Case::DeepTrace => "deep-trace",
            Case::ZeroTimestamps => "zero-timestamps",
            Case::MaxTimestamps => "max-timestamps",
            Case::EndBeforeStart => "end-before-start",
            Case::CenturyDurations => "century-durations",
            Case::SwappedTypes => "swapped-types",
            Case::NumberForString => "number-for-string",
            Case::TextForNumber => "text-for-number",
            Case::NanLiteral => "nan-literal",
            Case::NanStrings => "nan-strings",
            Case::InvalidUtf8 => "invalid-utf8",
            Case::Utf8Bom => "utf8-bom",
            Case::Utf16 => "utf16",
            Case::PngAsJson => "png-as-json",
            Case::Empty => "empty",
            Case::EmptyGzip => "empty-gzip",
            Case::CutGzipHeader => "cut-gzip-header",
            Case::TruncatedProtobuf => "truncated-protobuf",
            Case::ChangedWhileRead => "changed-while-read",
            Case::ManyEvents => "many-events",
            Case::ManyLinks => "many-links",
            Case::SpanFragments => "span-fragments",
            Case::EmptySpans => "empty-spans",
        }
    }

    /// The case named `name` (see [`Case::name`]).
    pub fn named(name: &str) -> Option<Case> {
        Case::ALL.into_iter().find(|case| case.name() == name)
    }

    /// The formats the case is written in; the first is its default. A
    /// case about bytes rather than spans (a PNG, an empty file) has one.
    pub fn formats(self) -> &'static [Format] {
        use Format::*;
        const ALL_FOUR: &[Format] = &[OtlpJson, OtlpProtobuf, JaegerJson, ZipkinJson];
        const JSON_THREE: &[Format] = &[OtlpJson, JaegerJson, ZipkinJson];
        match self {
            Case::GzipBomb | Case::Utf16 | Case::PngAsJson | Case::Empty | Case::EmptyGzip | Case::CutGzipHeader => {
                &[OtlpJson]
            }
            Case::DeepProtobuf | Case::TruncatedProtobuf | Case::EmptySpans => &[OtlpProtobuf],
            Case::SpanFragments => &[ZipkinJson],
            Case::ManyLinks => &[OtlpJson, OtlpProtobuf, JaegerJson],
            Case::DeepJson
            | Case::SwappedTypes
            | Case::NumberForString
            | Case::TextForNumber
            | Case::NanLiteral
            | Case::NanStrings
            | Case::InvalidUtf8
            | Case::Utf8Bom => JSON_THREE,
            Case::ChangedWhileRead => &[OtlpJson, OtlpJsonLines, OtlpProtobuf],
            Case::HugeValue
            | Case::ManyAttributes
            | Case::SelfParent
            | Case::ParentCycle
            | Case::DuplicateIds
            | Case::WideTrace
            | Case::DeepTrace
            | Case::ZeroTimestamps
            | Case::MaxTimestamps
            | Case::EndBeforeStart
            | Case::CenturyDurations
            | Case::ManyEvents => ALL_FOUR,
        }
    }

    /// The case in its default format.
    pub fn file(self, scale: Scale) -> HostileFile {
        self.file_as(self.formats().first().copied().unwrap_or(Format::OtlpJson), scale)
    }

    /// The case written as `format` (one of [`Case::formats`]; another gives
    /// the default format's bytes under a name of that format).
    pub fn file_as(self, format: Format, scale: Scale) -> HostileFile {
        let format = if self.formats().contains(&format) {
            format
        } else {
            self.formats().first().copied().unwrap_or(Format::OtlpJson)
        };
        HostileFile {
            name: file_name(self, format),
            format,
            bytes: cases::write(self, format, scale),
        }
    }
}

/// One generated file.
#[derive(Clone, Debug)]
pub struct HostileFile {
    /// A name saying what it is, with the extension a person would give it
    /// (`deep-trace.pb`, `png-as-json.json`, `gzip-bomb.json.gz`).
    pub name: String,
    /// The format it is written in (or pretends to be).
    pub format: Format,
    /// Its content.
    pub bytes: Vec<u8>,
}

fn file_name(case: Case, format: Format) -> String {
    let extension = match (case, format) {
        (Case::GzipBomb | Case::EmptyGzip | Case::CutGzipHeader, _) => ".json.gz",
        (_, Format::OtlpJson) => ".json",
        (_, Format::OtlpJsonLines) => ".jsonl",
        (_, Format::OtlpProtobuf) => ".pb",
        (_, Format::JaegerJson) => ".jaeger.json",
        (_, Format::ZipkinJson) => ".zipkin.json",
    };
    format!("{}{extension}", case.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_again() {
        for case in Case::ALL {
            assert_eq!(Case::named(case.name()), Some(case));
            assert!(!case.formats().is_empty());
        }
        let mut names: Vec<&str> = Case::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Case::ALL.len());
    }
}
