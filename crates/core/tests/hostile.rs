//! Hostile and broken files (issue 13): every case of
//! `tracelens_core::synth::hostile`, in every format it is written in, read
//! after a healthy file and taken through everything the page and the CLI
//! run on a load (import, index, analysis, trace list, waterfall, service
//! map, report). Each test pins what a person sees: the message of a file
//! that cannot be read, or the warnings of one that was read, and that the
//! healthy file loaded before it stays.
//!
//! The cases are made at the sizes (a million spans, 100 MB, ten
//! million attributes) natively, and a hundredth of that on the 32-bit WASI
//! run, which is slow and holds 4 GiB in all. No timing is asserted: a case
//! that went quadratic or recursed shows up as a run that does not end or a
//! stack overflow, not as a number.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::service_map::{ServiceMap, layout};
use tracelens_core::import::{FileReport, Format, Gunzip, ImportError, ImportErrorKind, WarningKind, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::limits;
use tracelens_core::model::AttrValue;
use tracelens_core::query::trace_view::{OperationDurations, RowsQuery, TraceTree};
use tracelens_core::query::{TraceCatalog, TraceQuery};
use tracelens_core::report;
use tracelens_core::synth::hostile::{self, Case, HostileFile, Scale, bytes, spans};

/// The sizes natively; a hundredth on wasm32 (see the module doc).
fn scale() -> Scale {
    if cfg!(target_family = "wasm") {
        Scale::Small
    } else {
        Scale::Full
    }
}

/// The "million" of the million-span cases: a million when the core is
/// optimized (`cargo test --release`), a quarter of that in a debug build.
/// The analysis is linear in spans (measured: about 20 µs a span through
/// everything below in a debug build, 5 when optimized), so the quarter
/// costs what it must; and it is as strict: a walk that recursed would
/// overflow the test's 2 MiB stack far sooner, one that went quadratic would
/// not end. On wasm32, a hundredth.
fn million() -> usize {
    if cfg!(target_family = "wasm") {
        10_000
    } else if cfg!(debug_assertions) {
        250_000
    } else {
        1_000_000
    }
}

/// A file of `spans` written in `format`, named for its case.
fn made(case: Case, format: Format, spans: impl IntoIterator<Item = spans::Bare>) -> HostileFile {
    let template = case.file_as(format, Scale::Small);
    HostileFile {
        bytes: spans::write(format, spans),
        ..template
    }
}

/// Spans of the healthy file every case is read after.
const GOOD_SPANS: usize = 10;

/// A set holding a healthy file (5 traces) and then `file`, with what the
/// import of `file` said. On an error, the healthy file must be all there is.
fn after_good(file: &HostileFile) -> (TraceSet, Result<FileReport, ImportError>) {
    let mut set = TraceSet::new();
    // Trace IDs of its own: the cases' healthy traces are 1-20.
    let good = spans::healthy(5).into_iter().map(|s| spans::Bare {
        trace: s.trace + 500,
        ..s
    });
    import_file(&mut set, "good.json", spans::otlp_json(good).as_bytes()).unwrap();
    let result = import_file(&mut set, &file.name, &file.bytes);
    if result.is_err() {
        assert_eq!(
            set.spans.len(),
            GOOD_SPANS,
            "{}: the failed file added spans",
            file.name
        );
        assert_eq!(set.files.len(), 1, "{}: the failed file was recorded", file.name);
    }
    assert!(
        set.spans.iter().filter(|s| s.file == 0).count() == GOOD_SPANS,
        "{}: the healthy file's spans are gone",
        file.name
    );
    set.shrink_to_fit();
    (set, result)
}

/// The error `case` gives in `format`, after the healthy file stayed and
/// still analyses; its message must name the file.
fn error_of(case: Case, format: Format) -> ImportError {
    let file = case.file_as(format, scale());
    let (set, result) = after_good(&file);
    let error = result.expect_err(&file.name);
    let message = error.to_string();
    assert!(message.starts_with(&format!("{}: ", file.name)), "{message}");
    assert!(message.len() < 600, "a message to read, not a dump: {message}");
    everything(&set);
    error
}

/// The report of `case` in `format`, read after the healthy file, with the
/// set and everything made from it.
fn read(case: Case, format: Format) -> (FileReport, Seen) {
    read_file(&case.file_as(format, scale()))
}

/// [`read`] for a file made here.
fn read_file(file: &HostileFile) -> (FileReport, Seen) {
    let format = file.format;
    let (set, result) = after_good(file);
    let report = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.format, format, "{}", file.name);
    let seen = everything(&set);
    (report, seen)
}

/// What the analysis and the views made of a set.
struct Seen {
    set: TraceSet,
    index: TraceIndex,
    analysis: Analysis,
    /// Rows of each trace's waterfall, by trace (in index order).
    rows: Vec<usize>,
    /// Depth of each trace's waterfall.
    depths: Vec<u32>,
}

/// Everything the page and the CLI make of a load: the analysis, the trace
/// list and its filters, every trace's waterfall (its header, the first
/// rows, the critical path only, a span's details, a search), the service
/// map and its layout, the report and its JSON.
fn everything(set: &TraceSet) -> Seen {
    let index = TraceIndex::build(set);
    let analysis = Analysis::with_index(set, &index);
    let catalog = TraceCatalog::new(set, &index, &analysis);
    let page = catalog.query(set, &index, &TraceQuery::default());
    assert_eq!(page.matched, index.traces.len() as u64);
    let _ = catalog.facets(20);
    let durations = OperationDurations::of(set);
    let (mut rows, mut depths) = (Vec::new(), Vec::new());
    for trace in &index.traces {
        let tree = TraceTree::build(set, &index, trace.trace_id).expect("every trace opens");
        let header = tree.header(set, &[]);
        for critical_only in [false, true] {
            let query = RowsQuery {
                limit: 100,
                critical_only,
                ..Default::default()
            };
            let _ = tree.rows(set, &index, &durations, &query);
        }
        let _ = tree.details(set, &index, &durations, header.spans.saturating_sub(1));
        let _ = tree.search(set, "op");
        rows.push(tree.len());
        depths.push(header.depth);
    }
    let map = ServiceMap::of(set, &index, analysis.requests().failures());
    let _ = layout(&map);
    let (_, report) = report::generate(set, report::BaselineInput::None, &Default::default());
    assert!(!report.to_json().is_empty());
    Seen {
        set: set.clone(),
        index,
        analysis,
        rows,
        depths,
    }
}

fn warnings(report: &FileReport) -> Vec<(WarningKind, u64)> {
    report.warnings.iter().map(|(k, n)| (*k, *n)).collect()
}

const JSON_THREE: [Format; 3] = [Format::OtlpJson, Format::JaegerJson, Format::ZipkinJson];
const ALL_FOUR: [Format; 4] = [
    Format::OtlpJson,
    Format::OtlpProtobuf,
    Format::JaegerJson,
    Format::ZipkinJson,
];

// ---- compression ----

#[test]
fn a_gzip_bomb_stops_at_the_ratio_limit_with_a_message_saying_so() {
    let error = error_of(Case::GzipBomb, Format::OtlpJson);
    let ImportErrorKind::Inflated {
        compressed,
        decompressed,
        ratio_limit: true,
    } = error.kind
    else {
        panic!("{error}");
    };
    // Held: what came out before the write that would have passed the floor.
    assert!(decompressed <= limits::GZIP_RATIO_FLOOR_BYTES, "{decompressed}");
    assert!(
        decompressed > limits::GZIP_RATIO_FLOOR_BYTES - (1 << 20),
        "{decompressed}"
    );
    assert!(decompressed > compressed * limits::MAX_GZIP_RATIO);
    let message = error.to_string();
    assert!(
        message.contains("inflates more than 200 times (64 MiB from ") && message.contains("a gzip bomb?"),
        "{message}"
    );
}

#[test]
fn a_bomb_fed_in_the_web_engine_s_chunks_stops_at_the_same_place() {
    let bomb = Case::GzipBomb.file(Scale::Small).bytes;
    let mut gunzip = Gunzip::new("bomb.json.gz");
    let stopped = bomb
        .chunks(8 << 20)
        .map(|chunk| gunzip.push(chunk))
        .find_map(Result::err)
        .expect("stopped while the chunks came");
    assert!(matches!(
        stopped.kind,
        ImportErrorKind::Inflated { decompressed, ratio_limit: true, .. }
            if decompressed <= limits::GZIP_RATIO_FLOOR_BYTES
    ));
}

#[test]
fn real_exports_inflate_far_below_the_ratio_limit() {
    use std::io::Write;
    // The most compressible export there is: pretty-printed, every span alike.
    let text = tracelens_core::synth::otlp_json::write(&tracelens_core::synth::shop::generate(&Default::default()));
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(text.as_bytes()).unwrap();
    let packed = encoder.finish().unwrap();
    let ratio = text.len() / packed.len();
    assert!((5..=40).contains(&ratio), "the shop example inflates {ratio} times");
    let mut set = TraceSet::new();
    assert!(import_file(&mut set, "shop.json.gz", &packed).is_ok());
}

#[test]
fn empty_and_cut_gzip_files_say_what_they_are() {
    let empty = error_of(Case::EmptyGzip, Format::OtlpJson).to_string();
    assert!(empty.ends_with("the file is empty; Tracelens reads OTLP JSON or JSON Lines, OTLP protobuf, Jaeger JSON or Zipkin v2 JSON, optionally gzip-compressed"), "{empty}");
    let cut = error_of(Case::CutGzipHeader, Format::OtlpJson).to_string();
    assert!(
        cut.contains(
            "the gzip data is broken (the file has 5 bytes, and the smallest gzip file has 20: it was cut short)"
        ),
        "{cut}"
    );
}

// ---- nesting ----

#[test]
fn json_nested_100000_deep_is_refused_at_the_depth_limit_with_a_short_path() {
    let error = error_of(Case::DeepJson, Format::OtlpJson).to_string();
    assert!(
        error.contains("recursion limit exceeded (values nested more than 127 deep"),
        "{error}"
    );
    assert!(
        error.contains("(resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[0] … "),
        "the path keeps its start: {error}"
    );
    // Jaeger and Zipkin have no nested values: the depth is in a field they skip, without recursion.
    for format in [Format::JaegerJson, Format::ZipkinJson] {
        let (report, _) = read(Case::DeepJson, format);
        assert_eq!(report.spans_kept, 1, "{format}");
    }
}

#[test]
fn protobuf_nested_100000_deep_is_refused_at_prost_s_limit() {
    let error = error_of(Case::DeepProtobuf, Format::OtlpProtobuf).to_string();
    assert!(
        error.contains(
            "invalid OTLP protobuf in the message at byte 0: recursion limit reached (messages nested more than 100 deep; Tracelens reads no deeper), in TracesData.resource_spans > ResourceSpans.scope_spans > … "
        ),
        "{error}"
    );
}

// ---- size ----

#[test]
fn a_100_mb_value_is_cut_at_64_kib_with_a_mark() {
    let len = match scale() {
        Scale::Full => 100 << 20,
        Scale::Small => 1 << 20,
    };
    for format in ALL_FOUR {
        let (report, seen) = read(Case::HugeValue, format);
        assert_eq!(warnings(&report), [(WarningKind::TextCut, 1)], "{format}");
        let span = seen.set.spans.iter().find(|s| s.file == 1).unwrap();
        let value = seen
            .set
            .attributes_of(span)
            .iter()
            .find_map(|a| match a.value {
                AttrValue::Str(text) if seen.set.str(a.key) == "big" => Some(seen.set.str(text)),
                _ => None,
            })
            .unwrap();
        let mark = format!("… [cut: {} bytes]", tracelens_core::numbers::count(len as u64));
        assert!(value.ends_with(&mark), "{format}: {} bytes", value.len());
        assert_eq!(value.len(), limits::MAX_TEXT_BYTES + mark.len(), "{format}");
        assert!(
            seen.set.heap_bytes() < 1 << 20,
            "{format}: {} bytes held",
            seen.set.heap_bytes()
        );
    }
}

#[test]
fn ten_million_attributes_keep_the_first_thousand_and_count_the_rest() {
    let count = match scale() {
        Scale::Full => 10_000_000,
        Scale::Small => 100_000,
    };
    // OTLP JSON at the full size (500 MB of JSON); the other readers cap
    // their lists the same way and are checked at the small size (the
    // protobuf reader decodes a message whole before converting it: at ten
    // million attributes that alone is gigabytes).
    for format in ALL_FOUR {
        let scale = if format == Format::OtlpJson {
            scale()
        } else {
            Scale::Small
        };
        let file = Case::ManyAttributes.file_as(format, scale);
        let (set, result) = after_good(&file);
        let report = result.unwrap();
        assert_eq!(warnings(&report), [(WarningKind::AttributesDropped, 1)], "{format}");
        let span = set.spans.iter().find(|s| s.file == 1).unwrap();
        assert_eq!(set.attributes_of(span).len(), limits::MAX_ATTRIBUTES, "{format}");
        let written = if scale == Scale::Small { 100_000 } else { count };
        let dropped = set.extras_of(span).map_or(0, |e| e.dropped.attributes);
        assert_eq!(dropped as usize, written - limits::MAX_ATTRIBUTES, "{format}");
        assert!(set.heap_bytes() < 1 << 20, "{format}: {} bytes held", set.heap_bytes());
        everything(&set);
    }
}

#[test]
fn a_million_empty_events_keep_the_first_thousand_and_count_the_rest() {
    let written = match scale() {
        Scale::Full => 1_000_000,
        Scale::Small => 10_000,
    };
    for format in ALL_FOUR {
        let (report, seen) = read(Case::ManyEvents, format);
        assert_eq!(warnings(&report), [(WarningKind::EventsDropped, 1)], "{format}");
        let span = seen.set.spans.iter().find(|s| s.file == 1).unwrap();
        assert_eq!(seen.set.events_of(span).len(), limits::MAX_EVENTS, "{format}");
        let dropped = seen.set.extras_of(span).map_or(0, |e| e.dropped.events);
        assert_eq!(dropped as usize, written - limits::MAX_EVENTS, "{format}");
        assert!(
            seen.set.heap_bytes() < 1 << 20,
            "{format}: {} bytes held",
            seen.set.heap_bytes()
        );
    }
}

#[test]
fn a_million_links_keep_the_first_thousand_and_count_the_rest() {
    let written = match scale() {
        Scale::Full => 1_000_000,
        Scale::Small => 10_000,
    };
    for format in [Format::OtlpJson, Format::OtlpProtobuf, Format::JaegerJson] {
        let (report, seen) = read(Case::ManyLinks, format);
        assert_eq!(warnings(&report), [(WarningKind::LinksDropped, 1)], "{format}");
        let span = seen.set.spans.iter().find(|s| s.file == 1).unwrap();
        let links = seen.set.links_of(span);
        assert_eq!(links.len(), limits::MAX_LINKS, "{format}");
        // The first ones, in file order.
        assert_eq!(
            links.last().map(|l| l.span_id.get()),
            Some(limits::MAX_LINKS as u64),
            "{format}"
        );
        let dropped = seen.set.extras_of(span).map_or(0, |e| e.dropped.links);
        assert_eq!(dropped as usize, written - limits::MAX_LINKS, "{format}");
        assert!(
            seen.set.heap_bytes() < 1 << 20,
            "{format}: {} bytes held",
            seen.set.heap_bytes()
        );
    }
}

#[test]
fn a_span_in_100000_fragments_merges_in_one_pass_within_the_limits() {
    let fragments = match scale() {
        Scale::Full => 100_000,
        Scale::Small => 5_000,
    };
    let (report, seen) = read(Case::SpanFragments, Format::ZipkinJson);
    assert_eq!((report.spans_read, report.spans_kept), (fragments as u64, 1));
    assert_eq!(
        warnings(&report),
        [(WarningKind::AttributesDropped, 1), (WarningKind::EventsDropped, 1)]
    );
    let span = seen.set.spans.iter().find(|s| s.file == 1).unwrap();
    let attributes = seen.set.attributes_of(span);
    assert_eq!(attributes.len(), limits::MAX_ATTRIBUTES);
    // The keys that came first (`t0`..`t999`), sorted by key.
    let keys: Vec<&str> = attributes.iter().map(|a| seen.set.str(a.key)).collect();
    assert!(
        keys.contains(&"t0") && keys.contains(&"t999") && !keys.contains(&"t1000"),
        "{keys:?}"
    );
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted by key");
    let dropped = seen.set.extras_of(span).map(|e| e.dropped).unwrap_or_default();
    assert_eq!(dropped.attributes as usize, fragments - limits::MAX_ATTRIBUTES);
    assert_eq!(seen.set.events_of(span).len(), limits::MAX_EVENTS);
    assert_eq!(dropped.events as usize, fragments - limits::MAX_EVENTS);
}

// ---- links ----

#[test]
fn a_span_that_is_its_own_parent_is_an_orphan_shown_once() {
    for format in ALL_FOUR {
        let (report, seen) = read(Case::SelfParent, format);
        assert_eq!(report.spans_kept, 4, "{format}");
        let warnings = seen.index.warnings;
        assert_eq!((warnings.orphans, warnings.traces_without_root), (2, 1), "{format}");
        // Every span is a row once: the healthy traces' two, then 3 and 1.
        let rows: usize = seen.rows.iter().sum();
        assert_eq!(rows, GOOD_SPANS + 4, "{format}");
        assert!(seen.analysis.findings.iter().any(|f| f.detector == "data_quality"));
    }
}

#[test]
fn a_parent_cycle_is_walked_once_and_every_span_is_shown() {
    for format in ALL_FOUR {
        let (report, seen) = read(Case::ParentCycle, format);
        assert_eq!(report.spans_kept, 6, "{format}");
        assert_eq!(seen.index.warnings.traces_without_root, 1, "{format}");
        assert_eq!(seen.rows.iter().sum::<usize>(), GOOD_SPANS + 6, "{format}");
    }
}

#[test]
fn a_hundred_thousand_copies_of_one_span_id_link_in_one_pass() {
    // Full size in protobuf, the fastest reader; every format at a tenth.
    let full = if cfg!(target_family = "wasm") { 10_000 } else { 100_000 };
    let sizes = [(Format::OtlpProtobuf, full)]
        .into_iter()
        .chain(ALL_FOUR.map(|format| (format, 10_000)));
    for (format, copies) in sizes {
        let (report, seen) = read_file(&made(Case::DuplicateIds, format, hostile::duplicate_ids(copies)));
        assert_eq!(report.spans_kept as usize, 1 + 2 * copies, "{format}");
        // Each of the two IDs is taken `copies - 1` times too many.
        assert_eq!(
            seen.index.warnings.duplicate_span_ids as usize,
            2 * (copies - 1),
            "{format}"
        );
        // The children name ID 2: all of them hang under its first copy.
        let first_copy = seen
            .set
            .spans
            .iter()
            .position(|s| s.file == 1 && s.span_id.get() == 2 && s.start.0 == spans::BASE_NS + 1_000)
            .unwrap();
        assert_eq!(seen.index.children_of(first_copy as u32).len(), copies, "{format}");
        assert_eq!(seen.rows.iter().sum::<usize>(), GOOD_SPANS + 1 + 2 * copies, "{format}");
    }
}

#[test]
fn identical_copies_of_one_span_merge_into_the_first_in_one_pass() {
    let copies = match scale() {
        Scale::Full => 100_000,
        Scale::Small => 10_000,
    };
    let span = spans::Bare {
        trace: 9,
        id: 9,
        parent: None,
        start_ns: spans::BASE_NS,
        end_ns: spans::BASE_NS + 1_000_000,
    };
    let text = spans::otlp_json(std::iter::repeat_n(span, copies));
    let mut set = TraceSet::new();
    let report = import_file(&mut set, "copies.json", text.as_bytes()).unwrap();
    assert_eq!(report.spans_kept, 1);
    assert_eq!(report.spans_rejected() as usize, copies - 1);
    // Loaded again: every copy merges into the span already there.
    let again = import_file(&mut set, "copies again.json", text.as_bytes()).unwrap();
    assert_eq!((again.spans_kept, set.spans.len()), (0, 1));
}

// ---- shape ----

#[test]
fn a_span_with_a_million_children_is_one_wide_trace() {
    // Full size in protobuf, the fastest reader: the cost past it is the same.
    let sizes = [(Format::OtlpProtobuf, million())]
        .into_iter()
        .chain(ALL_FOUR.map(|format| (format, 10_000)));
    for (format, children) in sizes {
        let (report, seen) = read_file(&made(Case::WideTrace, format, hostile::wide_trace(children)));
        assert_eq!(report.spans_kept as usize, children + 1, "{format}");
        let wide = seen
            .index
            .traces
            .iter()
            .position(|t| t.span_count() as usize == children + 1)
            .unwrap();
        assert_eq!(seen.index.children_of(seen.index.traces[wide].root).len(), children);
        assert_eq!((seen.rows[wide], seen.depths[wide]), (children + 1, 2), "{format}");
    }
}

#[test]
fn a_trace_a_million_spans_deep_is_walked_without_recursion() {
    let sizes = [(Format::OtlpProtobuf, million())]
        .into_iter()
        .chain(ALL_FOUR.map(|format| (format, 10_000)));
    for (format, depth) in sizes {
        let (report, seen) = read_file(&made(Case::DeepTrace, format, hostile::deep_trace(depth)));
        assert_eq!(report.spans_kept as usize, depth, "{format}");
        let deep = seen
            .index
            .traces
            .iter()
            .position(|t| t.span_count() as usize == depth)
            .unwrap();
        assert_eq!(
            (seen.rows[deep], seen.depths[deep] as usize),
            (depth, depth),
            "{format}"
        );
        // The critical path runs down the whole chain: each span ends after its child.
        let summary = seen
            .analysis
            .traces
            .iter()
            .find(|t| t.span_count as usize == depth)
            .unwrap();
        assert_eq!(summary.duration.0, 2 * depth as u64 * 1_000, "{format}");
    }
}

// ---- times ----

/// The healthy traces' endpoint, unpoisoned by the odd trace beside them:
/// 20 requests of 100 ms, and the set's time range within their 20 seconds.
fn healthy_statistics_hold(seen: &Seen, format: Format) {
    let endpoint = seen
        .analysis
        .groups
        .endpoints
        .iter()
        .find(|g| g.name == "op")
        .unwrap_or_else(|| panic!("{format}: no endpoint"));
    assert_eq!(endpoint.durations.max.0, 100_000_000, "{format}: max");
    assert_eq!(endpoint.durations.p99.0, 100_000_000, "{format}: p99");
    let (start, end) = (
        seen.analysis.overview.start.unwrap(),
        seen.analysis.overview.end.unwrap(),
    );
    assert!(
        start.0 >= spans::BASE_NS && end.0 < spans::BASE_NS + 30_000_000_000,
        "{format}: {start:?}..{end:?}"
    );
    assert!(
        !seen.analysis.findings.iter().any(|f| f.detector == "long_tail"),
        "{format}: a long tail made of one bogus span"
    );
}

#[test]
fn times_of_zero_are_missing_times_not_1970() {
    for format in ALL_FOUR {
        let (report, seen) = read(Case::ZeroTimestamps, format);
        assert_eq!(report.spans_kept, 43, "{format}");
        let missing_end = match format {
            // Jaeger always writes a duration: an end of 0 reads as "0 µs long".
            Format::JaegerJson => vec![(WarningKind::MissingTimestamp, 2)],
            _ => vec![(WarningKind::MissingTimestamp, 2), (WarningKind::MissingDuration, 1)],
        };
        assert_eq!(warnings(&report), missing_end, "{format}");
        healthy_statistics_hold(&seen, format);
    }
}

#[test]
fn times_of_u64_max_are_kept_without_a_time_or_refused_with_a_reason() {
    for format in ALL_FOUR {
        let (report, seen) = read(Case::MaxTimestamps, format);
        match format {
            // Microseconds that do not fit in 64-bit nanoseconds: rejected, counted, with where.
            Format::JaegerJson | Format::ZipkinJson => {
                assert_eq!(report.spans_kept, 40, "{format}");
                let rejected = &report.rejected[&tracelens_core::import::RejectReason::TimestampOutOfRange];
                assert_eq!(rejected.count, 2, "{format}");
                assert!(
                    rejected.example.contains("18446744073709551615"),
                    "{format}: {}",
                    rejected.example
                );
            }
            _ => {
                assert_eq!(report.spans_kept, 42, "{format}");
                let expected = [
                    (WarningKind::ImplausibleDuration, 1),
                    (WarningKind::ImplausibleTimestamp, 1),
                ];
                assert_eq!(warnings(&report), expected, "{format}");
            }
        }
        healthy_statistics_hold(&seen, format);
    }
}

#[test]
fn an_end_before_the_start_is_a_span_of_no_length_with_a_warning() {
    for format in ALL_FOUR {
        let (report, seen) = read(Case::EndBeforeStart, format);
        assert_eq!(report.spans_kept, 41, "{format}");
        assert_eq!(warnings(&report), [(WarningKind::NegativeDuration, 1)], "{format}");
        let odd = seen.set.spans.iter().find(|s| s.trace_id.0 == 1_000).unwrap();
        assert_eq!((odd.duration.0, odd.duration_known()), (0, true), "{format}");
        healthy_statistics_hold(&seen, format);
    }
}

#[test]
fn durations_of_centuries_are_unknown_and_poison_no_statistic() {
    for format in ALL_FOUR {
        let (report, seen) = read(Case::CenturyDurations, format);
        assert_eq!(report.spans_kept, 42, "{format}");
        assert_eq!(warnings(&report), [(WarningKind::ImplausibleDuration, 2)], "{format}");
        healthy_statistics_hold(&seen, format);
    }
}

// ---- types ----

#[test]
fn the_type_swaps_exporters_make_are_read() {
    for format in JSON_THREE {
        let (report, seen) = read(Case::SwappedTypes, format);
        assert_eq!((report.spans_kept, report.warnings.len()), (1, 0), "{format}");
        let span = seen.set.spans.iter().find(|s| s.file == 1).unwrap();
        assert_eq!(span.start.0, 1_700_000_000_000_000_000, "{format}");
        // Jaeger and Zipkin: 1.5e3 µs; OTLP: an end of 1.700000000001536e18 ns.
        let duration = if format == Format::OtlpJson {
            1_536_000
        } else {
            1_500_000
        };
        assert_eq!(span.duration.0, duration, "{format}");
        let n = seen
            .set
            .attributes_of(span)
            .iter()
            .find(|a| seen.set.str(a.key) == "n")
            .unwrap();
        match format {
            // Zipkin tags are text.
            Format::ZipkinJson => assert!(matches!(n.value, AttrValue::Str(s) if seen.set.str(s) == "42")),
            _ => assert_eq!(n.value, AttrValue::Int(42), "{format}"),
        }
    }
}

#[test]
fn a_number_for_a_name_and_text_for_a_time_are_refused_where_they_are() {
    let cases = [
        (
            Format::OtlpJson,
            "(resourceSpans[0].scopeSpans[0].spans[3].name): invalid type: integer `42`, expected a string",
        ),
        (
            Format::JaegerJson,
            "(data[1].spans[1].operationName): invalid type: integer `42`, expected a string",
        ),
        (
            Format::ZipkinJson,
            "([3].name): invalid type: integer `42`, expected a string",
        ),
    ];
    for (format, expected) in cases {
        let error = error_of(Case::NumberForString, format).to_string();
        assert!(error.contains(expected), "{error}");
    }
    let cases = [
        (
            Format::OtlpJson,
            "(resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano): expected a non-negative integer, found \"soon\"",
        ),
        (
            Format::JaegerJson,
            "(data[1].spans[0].startTime): expected a non-negative integer, found \"soon\"",
        ),
        (
            Format::ZipkinJson,
            "([2].timestamp): expected a non-negative integer, found \"soon\"",
        ),
    ];
    for (format, expected) in cases {
        let error = error_of(Case::TextForNumber, format).to_string();
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn nan_and_infinity_as_numbers_are_not_json_and_the_message_says_so() {
    for format in JSON_THREE {
        let error = error_of(Case::NanLiteral, format).to_string();
        assert!(
            error.contains(": expected value (") && error.contains("NaN and Infinity are not JSON"),
            "{error}"
        );
    }
}

#[test]
fn nan_and_infinity_as_text_are_doubles_where_a_double_belongs() {
    for format in [Format::OtlpJson, Format::JaegerJson] {
        let (report, seen) = read(Case::NanStrings, format);
        assert_eq!(report.spans_kept, 1, "{format}");
        let span = seen.set.spans.iter().find(|s| s.file == 1).unwrap();
        let values: Vec<&AttrValue> = seen.set.attributes_of(span).iter().map(|a| &a.value).collect();
        assert!(
            matches!(values[..], [AttrValue::Double(a), AttrValue::Double(b)] if a.is_nan() && *b == f64::NEG_INFINITY)
        );
    }
    // Zipkin's only numbers are times, which cannot be NaN.
    let error = error_of(Case::NanStrings, Format::ZipkinJson).to_string();
    assert!(
        error.contains("([0].annotations[0].timestamp): expected a non-negative integer, found \"NaN\""),
        "{error}"
    );
}

// ---- encodings ----

#[test]
fn text_that_is_not_utf8_is_replaced_and_counted_or_refused_where_it_is() {
    let (report, seen) = read(Case::InvalidUtf8, Format::OtlpJson);
    assert_eq!(warnings(&report), [(WarningKind::InvalidUtf8, 2)]);
    let span = seen.set.spans.iter().find(|s| s.file == 1).unwrap();
    assert_eq!(seen.set.str(span.name), "o\u{FFFD}p");
    // The Jaeger and Zipkin readers check text as serde did: refused, with where.
    for (format, path) in [
        (Format::JaegerJson, "(data[0].spans[0].operationName)"),
        (Format::ZipkinJson, "([0].name)"),
    ] {
        let error = error_of(Case::InvalidUtf8, format).to_string();
        assert!(
            error.contains(&format!("{path}: invalid unicode code point (the text is not UTF-8")),
            "{error}"
        );
    }
}

#[test]
fn a_utf8_byte_order_mark_is_skipped() {
    for format in JSON_THREE {
        let (report, _) = read(Case::Utf8Bom, format);
        assert_eq!((report.spans_kept, report.warnings.len()), (6, 0), "{format}");
    }
}

#[test]
fn utf16_and_utf32_are_named_and_the_message_says_to_save_as_utf8() {
    let error = error_of(Case::Utf16, Format::OtlpJson).to_string();
    assert!(
        error.ends_with("the text is UTF-16 (little-endian), and Tracelens reads UTF-8, as trace exporters write it: save it as UTF-8 and load it again"),
        "{error}"
    );
    let text = spans::otlp_json(spans::healthy(1));
    let utf32: Vec<u8> = text.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
    for (bytes, encoding) in [
        (bytes::utf16(&text, true, true), "UTF-16 (big-endian)"),
        (bytes::utf16(&text, false, false), "UTF-16 (little-endian)"),
        (bytes::utf16(&text, true, false), "UTF-16 (big-endian)"),
        (utf32, "UTF-32 (little-endian)"),
    ] {
        let error = import_file(&mut TraceSet::new(), "wide.json", &bytes).unwrap_err();
        assert_eq!(
            error.kind,
            ImportErrorKind::Encoding {
                encoding: encoding.to_owned()
            }
        );
    }
}

// ---- not traces at all ----

#[test]
fn a_png_named_json_is_called_an_image() {
    let error = error_of(Case::PngAsJson, Format::OtlpJson).to_string();
    assert!(
        error.starts_with("png-as-json.json: this is a PNG image, not a trace export"),
        "{error}"
    );
}

#[test]
fn an_empty_file_is_called_empty() {
    let error = error_of(Case::Empty, Format::OtlpJson);
    assert_eq!(error.kind, ImportErrorKind::Empty);
}

#[test]
fn millions_of_empty_protobuf_spans_are_refused_before_they_are_decoded() {
    let error = error_of(Case::EmptySpans, Format::OtlpProtobuf);
    let ImportErrorKind::Amplified { offset, bytes, decoded } = error.kind else {
        panic!("{error}");
    };
    assert_eq!(offset, 0);
    // About 130 times: a two-byte span is a struct of about 260 bytes.
    assert!(decoded > 100 * bytes, "{decoded} from {bytes}");
    let message = error.to_string();
    assert!(
        message.contains("in memory decoded, more than 20 times its ")
            && message.contains("masses of empty spans, events or attributes?"),
        "{message}"
    );
    // Empty events cost 28 times their bytes: past the floor, refused too.
    let events = spans::otlp_proto_document(&{
        let mut body = Vec::new();
        let span = spans::healthy(1)[0];
        spans::length_delimited(
            2,
            &spans::otlp_proto_span(&span, &[0x5a, 0x00].repeat(2_000_000)),
            &mut body,
        );
        body
    });
    let mut set = TraceSet::new();
    let error = import_file(&mut set, "events.pb", &events).unwrap_err();
    assert!(matches!(error.kind, ImportErrorKind::Amplified { .. }), "{error}");
}

#[test]
fn a_truncated_protobuf_stream_says_it_was_cut_short() {
    let error = error_of(Case::TruncatedProtobuf, Format::OtlpProtobuf).to_string();
    assert!(
        error.contains(
            "buffer underflow (the data ends inside a message: the file was cut short?), in TracesData.resource_spans"
        ),
        "{error}"
    );
}

#[test]
fn a_file_changed_while_it_was_read_is_refused_where_it_stops_making_sense() {
    let json = error_of(Case::ChangedWhileRead, Format::OtlpJson).to_string();
    assert!(json.contains("invalid OTLP JSON at line 1, column "), "{json}");
    let proto = error_of(Case::ChangedWhileRead, Format::OtlpProtobuf).to_string();
    assert!(
        proto.contains("invalid OTLP protobuf in the message at byte 0: "),
        "{proto}"
    );
    // JSON Lines still being written: the whole lines are read (the second
    // repeats the first: merged), the cut one skipped with where it stops.
    let (report, _) = read(Case::ChangedWhileRead, Format::OtlpJsonLines);
    assert_eq!((report.spans_read, report.spans_kept), (8, 4));
    let skipped = &report.skipped[&tracelens_core::import::SkipReason::MalformedLine];
    assert_eq!(skipped.count, 1);
    assert!(skipped.example.starts_with("line 3, column "), "{}", skipped.example);
}

#[test]
fn every_case_in_every_format_ends_with_a_message_or_a_report() {
    for case in Case::ALL {
        for &format in case.formats() {
            // The big ones are tested above at full size; here every one at the small.
            let file = case.file_as(format, Scale::Small);
            let (set, result) = after_good(&file);
            if let Err(error) = &result {
                assert!(error.to_string().starts_with(&file.name), "{error}");
            }
            everything(&set);
        }
    }
}
