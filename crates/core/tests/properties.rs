//! Properties that hold for any input, checked on random data:
//! - random span trees (missing parents, duplicate IDs, zero durations) in every
//!   format import with every span accounted for and links that make sense;
//! - arbitrary bytes never panic the importer, and whatever is read is either
//!   kept or counted under a reason;
//! - OTLP JSON, pretty or compact, reads into the same model as OTLP protobuf
//!   whatever text the spans carry (escapes, control characters, any script);
//! - percentiles are observed values and grow with p.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use proptest::prelude::*;
use std::collections::HashSet;
use tracelens_core::TraceSet;
use tracelens_core::import::import_file;
use tracelens_core::index::TraceIndex;
use tracelens_core::model::SpanKind;
use tracelens_core::stats::{Percentile, percentile};
use tracelens_core::synth::{FORMATS, SynthSpan, SynthValue, encode};
use tracelens_core::time::DurationNs;

/// One random span: its parent is an earlier span of the trace, none, or an ID
/// that is nowhere in the data (an orphan).
#[derive(Clone, Debug)]
enum ParentChoice {
    Root,
    Earlier(usize),
    Missing(u64),
}

fn span_tree() -> impl Strategy<Value = Vec<SynthSpan>> {
    let span = (
        prop_oneof![
            Just(ParentChoice::Root),
            (0usize..50).prop_map(ParentChoice::Earlier),
            (1u64..).prop_map(ParentChoice::Missing)
        ],
        0u64..5_000_000,
        0u64..2_000_000,
        prop::sample::select(vec!["api", "db", "cache"]),
        0u8..6,
        any::<bool>(),
    );
    (1u128..u128::MAX, prop::collection::vec(span, 1..40), 1u64..1_000).prop_map(|(trace_id, raw, id_seed)| {
        let base = 1_700_000_000_000_000_000u64;
        let mut spans: Vec<SynthSpan> = Vec::with_capacity(raw.len());
        for (i, (parent, offset_us, duration_us, service, kind, failed)) in raw.into_iter().enumerate() {
            // Span IDs from a small range collide now and then: duplicates are part of the input space.
            let span_id = 1 + (id_seed.wrapping_mul(31).wrapping_add(i as u64 * 7)) % 60;
            let parent_span_id = match parent {
                ParentChoice::Root => None,
                ParentChoice::Earlier(j) => spans.get(j % spans.len().max(1)).map(|p| p.span_id),
                ParentChoice::Missing(id) => Some(1_000_000 + id % 1_000_000),
            };
            let start_ns = base + offset_us * 1_000;
            spans.push(SynthSpan {
                trace_id,
                span_id,
                parent_span_id,
                service,
                name: format!("op{}", i % 5),
                kind: [
                    SpanKind::Unspecified,
                    SpanKind::Internal,
                    SpanKind::Server,
                    SpanKind::Client,
                    SpanKind::Producer,
                    SpanKind::Consumer,
                ][kind as usize],
                start_ns,
                end_ns: start_ns + duration_us * 1_000,
                error: failed.then(|| "failed".to_owned()),
                attributes: vec![("n", SynthValue::Int(i as i64))],
            });
        }
        spans
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_link_consistently_in_every_format(spans in span_tree()) {
        for format in FORMATS {
            let mut set = TraceSet::new();
            let report = import_file(&mut set, "random", &encode(&spans, format)).unwrap();
            prop_assert_eq!(report.spans_read, report.spans_kept + report.spans_rejected());
            prop_assert_eq!(report.spans_kept as usize, spans.len(), "{}", format);
            let index = TraceIndex::build(&set);
            prop_assert_eq!(index.traces.len(), 1);
            prop_assert_eq!(index.traces[0].span_count() as usize, spans.len());
            let ids: HashSet<u64> = spans.iter().map(|s| s.span_id).collect();
            let expected_orphans = spans
                .iter()
                // Orphans: the parent ID is nowhere in the data, or it is the span's own ID
                // (never linked to another copy of itself, which would make a cycle).
                .filter(|s| s.parent_span_id.is_some_and(|p| !ids.contains(&p) || p == s.span_id))
                .count() as u64;
            prop_assert_eq!(index.warnings.orphans, expected_orphans, "{}", format);
            for (child, parent) in index.parent.iter().enumerate() {
                if let Some(parent) = parent {
                    let (child, parent) = (&set.spans[child], &set.spans[*parent as usize]);
                    prop_assert_eq!(Some(parent.span_id), child.parent_span_id);
                    prop_assert_eq!(parent.trace_id, child.trace_id);
                }
            }
            let duplicates = spans.len() - ids.len();
            prop_assert_eq!(index.warnings.duplicate_span_ids as usize, duplicates);
        }
    }

    #[test]
    fn otlp_json_reads_any_text_as_protobuf_does(
        names in prop::collection::vec("\\PC{0,12}|[\"\\\\/\u{0}-\u{1f}\u{7f}-\u{10ffff}]{0,6}", 1..8),
        value in any::<String>(),
        number in any::<i64>(),
    ) {
        let base = 1_700_000_000_000_000_000u64;
        let spans: Vec<SynthSpan> = names.iter().enumerate().map(|(i, name)| SynthSpan {
            trace_id: 0x5b8e_fff7_9803_8103_d269_b633_813f_c60c,
            span_id: i as u64 + 1,
            parent_span_id: (i > 0).then_some(1),
            service: "api",
            name: name.clone(),
            kind: SpanKind::Server,
            start_ns: base + i as u64,
            end_ns: base + 1_000 * i as u64,
            error: (i % 2 == 1).then(|| value.clone()),
            attributes: vec![("text", SynthValue::Str(value.clone())), ("n", SynthValue::Int(number)), ("b", SynthValue::Bool(i % 3 == 0))],
        }).collect();
        let read = |bytes: &[u8]| {
            let mut set = TraceSet::new();
            import_file(&mut set, "x", bytes).unwrap();
            // The JSON writer also names the SDK in the resource; the spans are what is compared.
            let dump = tracelens_core::dump::dump(&set);
            dump.lines().filter(|l| !l.starts_with("  resource ")).collect::<Vec<_>>().join("\n")
        };
        let protobuf = read(&encode(&spans, tracelens_core::import::Format::OtlpProtobuf));
        prop_assert_eq!(&read(&encode(&spans, tracelens_core::import::Format::OtlpJson)), &protobuf);
        prop_assert_eq!(&read(tracelens_core::synth::otlp_json::write(&spans).as_bytes()), &protobuf);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut set = TraceSet::new();
        if let Ok(report) = import_file(&mut set, "noise", &bytes) {
            prop_assert_eq!(report.spans_read, report.spans_kept + report.spans_rejected());
        }
    }

    #[test]
    fn mangled_exports_never_panic(cut in 0usize..4_000, flip in 0usize..4_000, byte in any::<u8>(), which in 0usize..5) {
        let spans = tracelens_core::synth::shop::generate(&tracelens_core::synth::shop::ShopConfig { traces: 3, ..Default::default() });
        let mut bytes = encode(&spans, FORMATS[which]);
        if let Some(b) = bytes.get_mut(flip) {
            *b = byte;
        }
        bytes.truncate(cut.max(1));
        let mut set = TraceSet::new();
        if let Ok(report) = import_file(&mut set, "mangled", &bytes) {
            prop_assert_eq!(report.spans_read, report.spans_kept + report.spans_rejected());
            prop_assert_eq!(set.spans.len() as u64, report.spans_kept);
        } else {
            prop_assert!(set.spans.is_empty(), "a failed import adds nothing");
        }
    }

    #[test]
    fn percentiles_are_observed_and_monotonic(mut values in prop::collection::vec(0u64..1_000_000, 1..200), p in 0u32..=100_000, q in 0u32..=100_000) {
        values.sort_unstable();
        let sorted: Vec<DurationNs> = values.iter().map(|&v| DurationNs(v)).collect();
        let (lo, hi) = (p.min(q), p.max(q));
        let a = percentile(&sorted, Percentile(lo)).unwrap();
        let b = percentile(&sorted, Percentile(hi)).unwrap();
        prop_assert!(sorted.contains(&a) && sorted.contains(&b));
        prop_assert!(a <= b);
        // Nearest rank: at least p% of the values are at or below it.
        let at_or_below = sorted.iter().filter(|&&v| v <= b).count() as u64;
        prop_assert!(at_or_below * 100_000 >= u64::from(hi) * sorted.len() as u64);
    }
}
