//! One component per thing on screen.

pub mod baseline;
pub mod comparison;
pub mod drop_zone;
pub mod empty_state;
pub mod endpoint;
pub mod failures;
pub mod findings;
pub mod group_table;
pub mod histogram;
pub mod intro;
pub mod names;
pub mod overview;
pub mod privacy;
pub mod progress;
pub mod report;
pub mod service_map;
pub mod stages;
pub mod trace_compare;
pub mod trace_list;
pub mod trace_view;
pub mod warm_up;
