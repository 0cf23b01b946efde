//! One component per thing on screen.

pub mod drop_zone;
pub mod empty_state;
pub mod failures;
pub mod intro;
pub mod operation_table;
pub mod overview;
pub mod trace_list;
