//! The feedback-meeting report: one model of what a team discusses every two
//! weeks (did it work, is anyone using it, did it get faster or slower, what
//! broke, what to ask), built from an [`crate::analysis::Analysis`] and shown
//! by every renderer alike.
//!
//! The types are in [`model`]; each section is computed by its own module
//! from what the analysis already computed, so the report's numbers are the
//! app's and the CLI's numbers.

pub mod model;

pub use model::*;
