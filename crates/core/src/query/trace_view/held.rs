//! Which rows a page of the waterfall still needs from the engine, given
//! those it holds (the web view asks with this; plain Rust, so it is tested
//! here).
//!
//! The page holds the rows in view and some around them. A
//! scroll of a screen moves that range by a screen: all but a screen of the
//! rows are held already, so the page asks for the part it lacks and puts it
//! together with what it holds ([`merge`]) instead of asking for all of them
//! again (the JSON of 168 rows an answer was about 15% of the page's script
//! in a scroll step). This holds only while the rows were answered with the
//! same folds and the same path switch: the caller checks that.

use super::RowsPage;

/// What to ask for to show visible rows `offset..offset + limit`, holding `held`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// Nothing: every wanted row is held.
    Nothing,
    /// Rows `offset..offset + limit`: the wanted ones not held (one side of
    /// the held range), or all wanted if both sides are missing.
    Part {
        /// The first row to ask for.
        offset: u32,
        /// How many.
        limit: u32,
    },
    /// None of the wanted rows is held: the view jumped.
    All,
}

/// What is missing of rows `offset..offset + limit` (cut at the end of the
/// visible rows) when `held` is held.
pub fn missing(held: &RowsPage, offset: u32, limit: u32) -> Missing {
    let end = offset.saturating_add(limit).min(held.visible);
    let (from, to) = (held.offset, held.offset + held.rows.len() as u32);
    if offset >= end {
        return Missing::Nothing;
    }
    if held.rows.is_empty() || to <= offset || end <= from {
        return Missing::All;
    }
    match (offset < from, end > to) {
        (false, false) => Missing::Nothing,
        (true, false) => Missing::Part {
            offset,
            limit: from - offset,
        },
        (false, true) => Missing::Part {
            offset: to,
            limit: end - to,
        },
        (true, true) => Missing::Part {
            offset,
            limit: end - offset,
        },
    }
}

/// The next question for rows: which to ask the engine for, which of those
/// held to keep with its answer ([`merge`]'s range), and whether only the
/// screen was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NextAsk {
    /// The first row to ask for, and how many.
    pub ask: (u32, u32),
    /// The rows to keep of those held, with the answer: first, how many.
    pub keep: (u32, u32),
    /// Only the screen was asked for: the rows around it are to be asked
    /// for once it is painted.
    pub screen_first: bool,
}

/// What to ask for so that `screen` (the rows in view, a few either side)
/// shows and `wanted` (the screen with the rows around it) is held, holding
/// `held`; `None` when everything wanted is held.
///
/// A screen not wholly held is asked for first, and alone. Whether the view
/// jumped far (nothing held) or a few screens (part of `wanted` held, but
/// not what is in view), the small answer paints sooner than all of
/// `wanted` would; before this, a jump of a few screens asked for nearly all
/// of `wanted` (168 rows) and the frame waited for them.
pub fn next_ask(held: &RowsPage, screen: (u32, u32), wanted: (u32, u32)) -> Option<NextAsk> {
    let first_the_screen = |ask| NextAsk {
        ask,
        keep: screen,
        screen_first: true,
    };
    match missing(held, screen.0, screen.1) {
        Missing::Part { offset, limit } => Some(first_the_screen((offset, limit))),
        Missing::All => Some(first_the_screen(screen)),
        Missing::Nothing => {
            let ask = match missing(held, wanted.0, wanted.1) {
                Missing::Nothing => return None,
                Missing::Part { offset, limit } => (offset, limit),
                Missing::All => wanted,
            };
            Some(NextAsk {
                ask,
                keep: wanted,
                screen_first: false,
            })
        }
    }
}

/// `answer`'s rows with those of `held` that lie in `offset..offset + limit`,
/// in order. The rest of the page (how many are visible, the folds, the
/// minimap) is the answer's. If the two do not join into one run of rows
/// (they should), the answer alone.
pub fn merge(held: &RowsPage, answer: RowsPage, offset: u32, limit: u32) -> RowsPage {
    let end = offset.saturating_add(limit);
    let keep = |at: u32| at >= offset && at < end;
    let answered = answer.offset..answer.offset + answer.rows.len() as u32;
    let mut rows: Vec<(u32, &_)> = (held.offset..)
        .zip(&held.rows)
        .filter(|(at, _)| keep(*at) && !answered.contains(at))
        .collect();
    rows.extend((answer.offset..).zip(&answer.rows));
    rows.sort_by_key(|(at, _)| *at);
    let joined = rows.windows(2).all(|pair| pair[1].0 == pair[0].0 + 1);
    if !joined || rows.is_empty() {
        return answer;
    }
    RowsPage {
        offset: rows[0].0,
        rows: rows.into_iter().map(|(_, r)| r.clone()).collect(),
        ..answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SpanId;
    use crate::query::trace_view::SpanRow;

    fn row(n: u32) -> SpanRow {
        SpanRow {
            row: n,
            depth: 0,
            parent: None,
            descendants: 0,
            folded: false,
            span_id: SpanId::new(u64::from(n) + 1).expect("not zero"),
            service: "s".into(),
            name: format!("r{n}"),
            kind: Default::default(),
            start: Default::default(),
            duration: None,
            self_time: Default::default(),
            gaps: Vec::new(),
            path_time: Default::default(),
            path: Vec::new(),
            on_path: false,
            failed: false,
            placement: None,
            skew: None,
        }
    }

    /// Rows `from..to` of a trace of `visible` rows, row numbers = positions.
    fn page(from: u32, to: u32, visible: u32) -> RowsPage {
        RowsPage {
            rows: (from..to).map(row).collect(),
            offset: from,
            visible,
            ..RowsPage::default()
        }
    }

    fn numbers(page: &RowsPage) -> Vec<u32> {
        page.rows.iter().map(|r| r.row).collect()
    }

    #[test]
    fn a_scroll_asks_only_for_the_rows_it_brings_in() {
        let held = page(100, 268, 10_000);
        assert_eq!(missing(&held, 124, 168), Missing::Part { offset: 268, limit: 24 });
        assert_eq!(missing(&held, 76, 168), Missing::Part { offset: 76, limit: 24 });
        assert_eq!(missing(&held, 100, 168), Missing::Nothing);
        // Wider than held on both sides: all of it.
        assert_eq!(
            missing(&page(100, 130, 10_000), 90, 168),
            Missing::Part { offset: 90, limit: 168 }
        );
    }

    #[test]
    fn a_jump_holds_nothing_and_the_end_of_the_trace_is_not_asked_for() {
        let held = page(100, 268, 10_000);
        assert_eq!(missing(&held, 5_000, 168), Missing::All);
        assert_eq!(missing(&page(0, 0, 10_000), 0, 168), Missing::All);
        // Nothing visible (everything filtered out): nothing to ask for.
        assert_eq!(missing(&page(0, 0, 0), 0, 168), Missing::Nothing);
        // The last rows are held: what lies past the end is not missing.
        assert_eq!(missing(&page(900, 1_000, 1_000), 920, 168), Missing::Nothing);
        assert_eq!(
            missing(&page(800, 968, 1_000), 832, 168),
            Missing::Part { offset: 968, limit: 32 }
        );
    }

    /// The screen of a view whose first visible row is `top` (six rows
    /// either side), and the rows wanted around it (72 either side), as the
    /// web view asks.
    fn view_at(top: u32) -> ((u32, u32), (u32, u32)) {
        ((top.saturating_sub(6), 36), (top.saturating_sub(72), 168))
    }

    #[test]
    fn a_screen_held_asks_for_the_rows_around_it_that_are_not() {
        let held = page(100, 268, 10_000);
        // A screen down from 172: in view 196..220, held.
        let (screen, wanted) = view_at(196);
        assert_eq!(
            next_ask(&held, screen, wanted),
            Some(NextAsk {
                ask: (268, 24),
                keep: wanted,
                screen_first: false
            })
        );
        assert_eq!(next_ask(&held, view_at(172).0, view_at(172).1), None);
    }

    #[test]
    fn a_jump_of_a_few_screens_asks_for_its_screen_first() {
        let held = page(100, 268, 10_000);
        // 166 rows on (a 10,000-row trace dragged top to bottom in 60
        // steps): part of what is wanted is held, but not the screen.
        let (screen, wanted) = view_at(338);
        let next = next_ask(&held, screen, wanted).expect("the screen is missing");
        assert!(next.screen_first);
        assert_eq!(next.keep, screen);
        assert_eq!(next.ask, screen, "none of the screen is held");
        // Half the screen held: only the other half is asked for.
        let (screen, wanted) = view_at(256);
        let next = next_ask(&held, screen, wanted).expect("part of the screen is missing");
        assert_eq!((next.ask, next.screen_first), ((268, 18), true));
        // A far jump: the screen alone.
        let (screen, wanted) = view_at(5_000);
        assert_eq!(next_ask(&held, screen, wanted).map(|n| n.ask), Some(screen));
    }

    #[test]
    fn nothing_visible_asks_for_nothing() {
        let (screen, wanted) = view_at(0);
        assert_eq!(next_ask(&page(0, 0, 0), screen, wanted), None);
    }

    #[test]
    fn merged_rows_are_the_wanted_ones_in_order() {
        let held = page(100, 268, 10_000);
        let merged = merge(&held, page(268, 292, 10_000), 124, 168);
        assert_eq!(merged.offset, 124);
        assert_eq!(numbers(&merged), (124..292).collect::<Vec<_>>());
        let merged = merge(&held, page(76, 100, 10_000), 76, 168);
        assert_eq!(numbers(&merged), (76..244).collect::<Vec<_>>());
    }

    #[test]
    fn an_answer_that_does_not_join_what_is_held_stands_alone() {
        let held = page(100, 268, 10_000);
        let merged = merge(&held, page(5_000, 5_036, 10_000), 5_000, 36);
        assert_eq!(numbers(&merged), (5_000..5_036).collect::<Vec<_>>());
        let merged = merge(&held, page(300, 324, 10_000), 124, 200);
        assert_eq!(numbers(&merged), (300..324).collect::<Vec<_>>());
    }
}
