//! One trace as the waterfall shows it (issue 12): its spans as rows of a
//! tree, a page of the rows in view at a time, search within it, one span's
//! details, and a minimap of the whole trace.
//!
//! The engine builds a [`TraceTree`] when a trace is opened (or ahead of
//! the click) and keeps a few ([`LaidOut`]);
//! the page asks for the rows it draws ([`RowsQuery`]), so a 100,000-span
//! trace costs the page a screenful of rows, not 100,000. Collapsing is the
//! page's state (which rows are folded), sent with each query; the tree
//! answers with the visible rows in one pass.
//!
//! Each row carries what the bar needs: its place on the trace's time axis,
//! self time and the stretches no child covers (waiting, or work nobody
//! traced), the time it spent on the critical path
//! ([`crate::analysis::critical_path`]), whether it failed (the one notion
//! of [`crate::analysis::failure`]), clock skew against its parent, and
//! where its duration sits among its operation's ([`placement`]).

mod details;
pub mod held;
pub mod laid_out;
mod minimap;
pub mod placement;
mod rows;
mod search;
mod tree;

pub use details::{AttributeText, EventText, LinkText, SpanDetails};
pub use laid_out::LaidOut;
pub use minimap::MiniBar;
pub use placement::{OperationDurations, Placement};
pub use rows::{Gap, RowsPage, RowsQuery, Skew, SpanRow, TraceHeader};
pub use search::SearchHits;
pub use tree::TraceTree;
