//! The minimap: the whole trace in a strip above the rows, so a long trace
//! shows where its time went and where the view is. Visible rows are cut
//! into at most [`MINIMAP_BARS`] runs; each run is drawn as its longest span,
//! flagged when any span in it failed or is on the critical path.

use super::tree::TraceTree;
use crate::model::TraceSet;
use crate::time::DurationNs;
use serde::{Deserialize, Serialize};

/// Bars in a minimap at most: about one per pixel row of its strip.
pub const MINIMAP_BARS: usize = 400;

/// One run of visible rows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MiniBar {
    /// Position of the run's first row among the visible rows.
    pub first: u32,
    /// The longest span of the run, from the trace's start.
    pub start: DurationNs,
    /// How long.
    pub length: DurationNs,
    /// Whether a span of the run failed.
    pub failed: bool,
    /// Whether the critical path goes through a span of the run.
    pub on_path: bool,
}

pub(super) fn minimap(tree: &TraceTree, set: &TraceSet, visible: &[u32]) -> Vec<MiniBar> {
    let per_bar = visible.len().div_ceil(MINIMAP_BARS).max(1);
    visible
        .chunks(per_bar)
        .enumerate()
        .map(|(n, run)| {
            let spans = run
                .iter()
                .map(|&r| (&tree.rows[r as usize], &set.spans[tree.rows[r as usize].span as usize]));
            let mut bar = MiniBar {
                first: (n * per_bar) as u32,
                start: DurationNs(0),
                length: DurationNs(0),
                failed: false,
                on_path: false,
            };
            let mut longest = None;
            for (row, span) in spans {
                bar.failed |= row.failed;
                bar.on_path |= row.path;
                let length = span.known_duration().unwrap_or_default();
                if longest.is_none_or(|l| length > l) {
                    longest = Some(length);
                    bar.start = DurationNs(span.start.0.saturating_sub(tree.start.0));
                    bar.length = length;
                }
            }
            bar
        })
        .collect()
}
