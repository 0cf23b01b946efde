//! Zipkin v2 JSON, still read through serde (`serde_oracle.rs`) until its
//! streaming reader lands.

mod serde_oracle;

pub(super) use serde_oracle::import;
