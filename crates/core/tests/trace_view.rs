//! One trace as the waterfall reads it (`tracelens_core::query::trace_view`):
//! on a recorded HotROD capture, the rows are the trace's spans once each,
//! in depth-first order with children by start; folding hides exactly a
//! subtree and revealing unfolds its ancestors; the critical path rows add
//! up to the trace's duration; a span's place among its operation agrees
//! with the operation table's p95; search and details read what the file
//! says. Hand-built traces cover parent cycles and orphans.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::import;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::ids::{SpanId, TraceId};
use tracelens_core::import::import_file;
use tracelens_core::index::TraceIndex;
use tracelens_core::model::SpanKind;
use tracelens_core::query::trace_view::{LaidOut, OperationDurations, RowsQuery, SpanRow, TraceTree};
use tracelens_core::synth::SynthSpan;
use tracelens_core::time::DurationNs;

const HOTROD: &str = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";

struct Opened {
    set: TraceSet,
    index: TraceIndex,
    durations: OperationDurations,
    tree: TraceTree,
}

impl Opened {
    fn of(set: TraceSet) -> Opened {
        let index = TraceIndex::build(&set);
        let trace_id = index.traces[0].trace_id;
        let tree = TraceTree::build(&set, &index, trace_id).unwrap();
        Opened {
            durations: OperationDurations::of(&set),
            set,
            index,
            tree,
        }
    }

    fn hotrod() -> Opened {
        let path = common::fixtures_dir().join(HOTROD);
        let mut set = TraceSet::new();
        import_file(&mut set, HOTROD, &std::fs::read(path).unwrap()).unwrap();
        Opened::of(set)
    }

    fn rows(&self, query: RowsQuery) -> Vec<SpanRow> {
        let page = self.tree.rows(
            &self.set,
            &self.index,
            &self.durations,
            &RowsQuery { limit: 2_000, ..query },
        );
        assert_eq!(page.rows.len() as u32, page.visible.min(2_000));
        page.rows
    }

    fn all_rows(&self) -> Vec<SpanRow> {
        self.rows(RowsQuery::default())
    }
}

#[test]
fn every_span_is_one_row_in_depth_first_order_with_children_by_start() {
    let opened = Opened::hotrod();
    let rows = opened.all_rows();
    assert_eq!(rows.len(), 40, "the capture's one trace has 40 spans");
    let mut ids: Vec<SpanId> = rows.iter().map(|r| r.span_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "each span once");
    assert_eq!(rows[0].depth, 0);
    assert_eq!(rows[0].descendants, 39, "the root holds every other span");
    let by_id = |id: SpanId| opened.set.spans.iter().find(|s| s.span_id == id).unwrap();
    for (at, row) in rows.iter().enumerate().skip(1) {
        // The parent is the nearest earlier row one level up.
        let parent = rows[..at].iter().rev().find(|r| r.depth + 1 == row.depth).unwrap();
        assert_eq!(by_id(row.span_id).parent_span_id, Some(parent.span_id), "row {at}");
        assert!(row.depth <= rows[at - 1].depth + 1, "no level is skipped");
        // A later sibling starts no earlier.
        if let Some(next) = rows[at + 1..]
            .iter()
            .take_while(|r| r.depth >= row.depth)
            .find(|r| r.depth == row.depth)
        {
            assert!(next.start >= row.start, "siblings in start order at row {at}");
        }
        // Descendants are exactly the rows until the next one no deeper.
        let until = rows[at + 1..].iter().take_while(|r| r.depth > row.depth).count();
        assert_eq!(row.descendants as usize, until, "row {at}");
    }
}

#[test]
fn folding_hides_a_subtree_and_revealing_unfolds_its_ancestors() {
    let opened = Opened::hotrod();
    let all = opened.all_rows();
    let folded = all.iter().find(|r| r.depth == 1 && r.descendants > 2).unwrap();
    let shown = opened.rows(RowsQuery {
        collapsed: vec![folded.row],
        ..RowsQuery::default()
    });
    assert_eq!(shown.len(), all.len() - folded.descendants as usize);
    assert!(shown.iter().any(|r| r.row == folded.row && r.folded));
    assert!(
        !shown
            .iter()
            .any(|r| r.row > folded.row && r.row <= folded.row + folded.descendants)
    );

    let root_folded = opened.rows(RowsQuery {
        collapsed: vec![0],
        ..RowsQuery::default()
    });
    assert_eq!(root_folded.len(), 1, "folding the root leaves it alone");

    let deep = all.iter().max_by_key(|r| r.depth).unwrap();
    let page = opened.tree.rows(
        &opened.set,
        &opened.index,
        &opened.durations,
        &RowsQuery {
            collapsed: vec![0, folded.row],
            reveal: Some(deep.row),
            limit: 100,
            ..RowsQuery::default()
        },
    );
    let at = page.revealed_at.expect("the deep row is shown") as usize;
    assert_eq!(page.rows[at].span_id, deep.span_id);
    assert!(!page.collapsed.contains(&0), "its ancestor unfolded");
    let folded_is_ancestor = folded.row < deep.row && deep.row <= folded.row + folded.descendants;
    assert_eq!(page.collapsed.contains(&folded.row), !folded_is_ancestor);
}

#[test]
fn the_critical_path_adds_up_to_the_trace_and_can_be_shown_alone() {
    let opened = Opened::hotrod();
    let all = opened.all_rows();
    let on_path: u64 = all.iter().map(|r| r.path_time.0).sum();
    assert_eq!(
        on_path,
        opened.tree.duration().0,
        "the path's pieces add up to the trace"
    );
    // Each row's stretches lie inside its span and add up to its time on the
    // path when none was left out (at most 8 are sent).
    for row in &all {
        let end = row.start.0 + row.duration.map_or(0, |d| d.0);
        assert!(
            row.path
                .iter()
                .all(|g| g.start >= row.start && g.start.0 + g.length.0 <= end)
        );
        if row.path.len() < 8 {
            assert_eq!(row.path.iter().map(|g| g.length.0).sum::<u64>(), row.path_time.0);
        }
    }
    let path = opened.rows(RowsQuery {
        critical_only: true,
        ..RowsQuery::default()
    });
    assert!(!path.is_empty());
    assert!(path.iter().all(|r| r.on_path));
    assert_eq!(
        path.len(),
        all.iter().filter(|r| r.on_path).count(),
        "every span the path goes through, and only those"
    );
    // Every path row's parent is on the path too: it reads as a tree.
    for (at, row) in path.iter().enumerate().skip(1) {
        assert!(path[..at].iter().any(|p| p.depth + 1 == row.depth), "row {}", row.row);
    }
}

#[test]
fn a_span_is_placed_among_its_operation_as_the_table_does() {
    let opened = Opened::hotrod();
    let analysis = Analysis::with_index(&opened.set, &opened.index);
    let mut checked = 0;
    for row in opened.all_rows() {
        let Some(placement) = row.placement else { continue };
        let group = analysis
            .groups
            .operations
            .iter()
            .find(|g| g.service == row.service && g.name == row.name)
            .unwrap();
        assert_eq!(placement.count, group.durations.count);
        assert_eq!(placement.p95, group.durations.p95, "{}", row.name);
        assert_eq!(placement.p50, group.durations.p50);
        assert_eq!(placement.above_p95, row.duration.unwrap() > group.durations.p95);
        assert!((1..=100).contains(&placement.percentile));
        checked += 1;
    }
    assert_eq!(checked, 40);
    // The 10 serial route calls: the slowest is p100, the fastest p10 (1 of 10).
    let routes: Vec<SpanRow> = opened
        .all_rows()
        .into_iter()
        .filter(|r| r.service == "route" && r.name == "GET /route")
        .collect();
    assert_eq!(routes.len(), 10);
    let slowest = routes.iter().max_by_key(|r| r.duration).unwrap();
    assert_eq!(slowest.placement.unwrap().percentile, 100);
    let fastest = routes.iter().min_by_key(|r| r.duration).unwrap();
    assert_eq!(fastest.placement.unwrap().percentile, 10);
}

#[test]
fn search_finds_text_and_span_ids_and_details_read_the_file() {
    let opened = Opened::hotrod();
    let all = opened.all_rows();
    let hits = opened.tree.search(&opened.set, "redis");
    assert!(hits.total > 0);
    for &row in &hits.rows {
        let r = &all[row as usize];
        let details = opened
            .tree
            .details(&opened.set, &opened.index, &opened.durations, row)
            .unwrap();
        let text = format!(
            "{} {} {:?} {:?} {:?}",
            r.service, r.name, details.attributes, details.resource, details.events
        )
        .to_lowercase();
        assert!(text.contains("redis"), "row {row} matched 'redis' without it");
    }
    assert!(opened.tree.search(&opened.set, "   ").rows.is_empty());
    let id = all[5].span_id;
    assert_eq!(opened.tree.search(&opened.set, &id.to_string()).rows, vec![5]);

    let failed = all.iter().find(|r| r.failed).expect("the capture has errors");
    let details = opened
        .tree
        .details(&opened.set, &opened.index, &opened.durations, failed.row)
        .unwrap();
    assert_eq!(details.span_id, failed.span_id);
    assert!(details.failed);
    assert!(!details.attributes.is_empty());
    assert!(details.resource.iter().any(|a| a.key == "service.name"));
    assert!(
        details.events.iter().any(|e| !e.attributes.is_empty()),
        "its events keep their fields: {:?}",
        details.events
    );
    assert!(
        opened
            .tree
            .details(&opened.set, &opened.index, &opened.durations, 40)
            .is_none()
    );
}

fn span(id: u64, parent: Option<u64>, start_ms: u64, end_ms: u64) -> SynthSpan {
    let base = 1_700_000_000_000_000_000u64;
    SynthSpan {
        trace_id: 7,
        span_id: id,
        parent_span_id: parent,
        service: if id.is_multiple_of(2) { "api" } else { "db" },
        name: format!("op{id}"),
        kind: SpanKind::Internal,
        start_ns: base + start_ms * 1_000_000,
        end_ns: base + end_ms * 1_000_000,
        error: None,
        attributes: Vec::new(),
    }
}

#[test]
fn cycles_and_orphans_are_rows_once_and_warned_about() {
    // 1 is the root; 2 and 3 name each other as parent; 4's parent is not loaded.
    let set = import(&[
        span(1, None, 0, 100),
        span(2, Some(3), 10, 20),
        span(3, Some(2), 12, 18),
        span(4, Some(99), 30, 40),
        span(5, Some(1), 50, 60),
    ]);
    let opened = Opened::of(set);
    let rows = opened.all_rows();
    assert_eq!(rows.len(), 5);
    let mut ids: Vec<u64> = rows.iter().map(|r| r.span_id.get()).collect();
    ids.sort();
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
    let orphan = rows.iter().find(|r| r.span_id.get() == 4).unwrap();
    assert_eq!(orphan.depth, 0);
    let details = opened
        .tree
        .details(&opened.set, &opened.index, &opened.durations, orphan.row)
        .unwrap();
    assert!(
        details.warnings.iter().any(|w| w.contains("not in the loaded files")),
        "{:?}",
        details.warnings
    );
    let header = opened
        .tree
        .header(&opened.set, &[SpanId::new(5).unwrap(), SpanId::new(77).unwrap()]);
    assert_eq!(header.trace_id, TraceId(7));
    assert_eq!(header.spans, 5);
    assert_eq!(header.focus.len(), 1, "a span not in the trace is left out");
    assert_eq!(rows[header.focus[0] as usize].span_id.get(), 5);
}

#[test]
fn spans_off_the_critical_path_are_hidden_when_only_the_path_is_shown() {
    // 3 runs while 5 does, and ends first: the request waited on 5, not on 3.
    let set = import(&[
        span(2, None, 0, 100),
        span(3, Some(2), 35, 45),
        span(5, Some(2), 30, 70),
    ]);
    let opened = Opened::of(set);
    let path = opened.rows(RowsQuery {
        critical_only: true,
        ..RowsQuery::default()
    });
    let ids: Vec<u64> = path.iter().map(|r| r.span_id.get()).collect();
    assert_eq!(ids, vec![2, 5]);
    // Where each held the path: the root before 5 began and after it ended.
    let ms = |d: DurationNs| d.0 / 1_000_000;
    let stretches: Vec<Vec<(u64, u64)>> = path
        .iter()
        .map(|r| r.path.iter().map(|g| (ms(g.start), ms(g.length))).collect())
        .collect();
    assert_eq!(stretches, vec![vec![(0, 30), (70, 30)], vec![(30, 40)]]);
    let all = opened.all_rows();
    let off = all.iter().find(|r| r.span_id.get() == 3).unwrap();
    assert!(off.path.is_empty() && !off.on_path);
}

#[test]
fn gaps_are_the_stretches_no_child_covers() {
    let set = import(&[
        span(2, None, 0, 100),
        span(3, Some(2), 10, 40),
        span(5, Some(2), 30, 70),
    ]);
    let opened = Opened::of(set);
    let rows = opened.all_rows();
    let ms = |d: u64| d / 1_000_000;
    let gaps: Vec<(u64, u64)> = rows[0].gaps.iter().map(|g| (ms(g.start.0), ms(g.length.0))).collect();
    assert_eq!(gaps, vec![(0, 10), (70, 30)]);
    assert_eq!(ms(rows[0].self_time.0), 40);
    assert!(rows[1].gaps.is_empty(), "a leaf's whole bar is its own time");
}

#[test]
fn a_span_is_placed_by_whole_percentiles_without_rounding_down() {
    // 100 calls of one operation lasting 1 to 100 ms: the k-th is pk exactly
    // (29 of 100 is p29, which 0.29 × 100 in floating point is not).
    let mut spans = vec![span(2, None, 0, 200)];
    for k in 1..=100u64 {
        let mut call = span(2 + k * 2, Some(2), 0, k);
        call.name = "query".to_owned();
        spans.push(call);
    }
    let opened = Opened::of(import(&spans));
    for row in opened.all_rows().iter().filter(|r| r.name == "query") {
        let ms = row.duration.unwrap().0 / 1_000_000;
        let placement = row.placement.unwrap();
        assert_eq!(u64::from(placement.percentile), ms, "the call of {ms} ms");
        assert_eq!(placement.count, 100);
        assert_eq!(placement.above_p95, ms > 95);
    }
}

/// Trace `trace` of `spans` spans: a root and its children.
fn trace_of(trace: u128, spans: u64) -> Vec<SynthSpan> {
    (1..=spans)
        .map(|id| SynthSpan {
            trace_id: trace,
            parent_span_id: (id > 1).then_some(1),
            ..span(id, None, id, id + 1)
        })
        .collect()
}

#[test]
fn laid_out_traces_are_kept_within_the_budget_the_last_used_always() {
    // Traces 1, 2 and 3 of 10, 20 and 40 spans.
    let spans: Vec<SynthSpan> = [(1, 10), (2, 20), (3, 40)]
        .into_iter()
        .flat_map(|(trace, n)| trace_of(trace, n))
        .collect();
    let set = import(&spans);
    let index = TraceIndex::build(&set);
    let ids = |kept: &LaidOut| kept.trace_ids().map(|t| t.0).collect::<Vec<_>>();

    // Two trees and 35 rows at most.
    let mut kept = LaidOut::with_budget(2, 35);
    assert_eq!(kept.open(&set, &index, TraceId(1)).map(TraceTree::len), Some(10));
    assert!(kept.prepare(&set, &index, TraceId(2)));
    assert_eq!(ids(&kept), vec![2, 1], "the most recently used first");
    // Opening one kept moves it first; the tree is the same one.
    assert_eq!(kept.open(&set, &index, TraceId(1)).map(TraceTree::len), Some(10));
    assert_eq!(ids(&kept), vec![1, 2]);
    // 40 rows alone are over the budget: the one used last stays, alone.
    assert_eq!(kept.open(&set, &index, TraceId(3)).map(TraceTree::len), Some(40));
    assert_eq!(ids(&kept), vec![3]);
    // Two trees at most, though 10 + 20 rows would fit with the third.
    let mut kept = LaidOut::with_budget(2, 1_000);
    for trace in [1, 2, 3] {
        kept.open(&set, &index, TraceId(trace));
    }
    assert_eq!(ids(&kept), vec![3, 2]);
    // A trace not loaded is not kept and drops nothing.
    assert!(!kept.prepare(&set, &index, TraceId(99)));
    assert!(kept.open(&set, &index, TraceId(99)).is_none());
    assert_eq!(ids(&kept), vec![3, 2]);
    assert!(kept.contains(TraceId(2)) && !kept.contains(TraceId(1)));
    kept.clear();
    assert_eq!(ids(&kept), Vec::<u128>::new());
}
