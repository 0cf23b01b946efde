//! What the analysis finds per trace that the meeting report reads again:
//! the span each request entered through, its endpoint name, and which spans
//! and requests failed.
//!
//! The analysis finds these once ([`super::groups::SpanFacts`]) and keeps
//! them ([`super::Analysis::requests`]), so the report's samples
//! ([`super::detectors::regression::Samples::of_requests`]) and error types
//! do not walk every trace again for its entry span, nor format a name per
//! trace, nor judge every span's failure a second time: at a million spans
//! that repeated work was most of the report's time.

use super::failure::Failures;
use super::groups::{endpoint_name, entry_server_span};
use crate::index::{TraceIndex, TraceShape};
use crate::model::TraceSet;

/// Per trace (by index in [`TraceIndex::traces`]): its entry span, its
/// endpoint, and the failures, as the analysis found them. Empty (the
/// default) in an [`super::Analysis`] read back from JSON: they are not
/// serialised, being per trace and only for the report built beside the
/// analysis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Requests {
    /// The entry server span of each trace, if it has one (also for sessions
    /// and streams: their failures are judged at it).
    pub(crate) entries: Vec<Option<u32>>,
    /// The endpoint name of each trace that is a request with an entry span.
    pub(crate) endpoint_names: Vec<Option<String>>,
    /// Which spans and requests failed.
    pub(crate) failures: Failures,
}

impl Requests {
    /// Found afresh, as the analysis finds them: for callers without an analysis at hand.
    pub fn of(set: &TraceSet, index: &TraceIndex) -> Requests {
        let (entries, endpoint_names) = entries_and_endpoints(set, index);
        let failures = Failures::of(set, index, &entries);
        Requests {
            entries,
            endpoint_names,
            failures,
        }
    }

    /// Which spans and requests failed (what [`super::ServiceMap::of`] reads).
    pub fn failures(&self) -> &Failures {
        &self.failures
    }

    /// The entry span and endpoint name of trace `t`, when it is a request
    /// with an endpoint (the entry span of a session or stream is no endpoint).
    pub(crate) fn endpoint(&self, t: usize) -> Option<(u32, &str)> {
        let name = self.endpoint_names.get(t)?.as_deref()?;
        Some((self.entries.get(t).copied().flatten()?, name))
    }
}

/// Each trace's entry server span, and its endpoint name when the trace is
/// one request: a session or a stream is not, so it stays out of endpoint
/// percentiles and per-request findings.
pub(crate) fn entries_and_endpoints(set: &TraceSet, index: &TraceIndex) -> (Vec<Option<u32>>, Vec<Option<String>>) {
    let entries: Vec<Option<u32>> = index
        .traces
        .iter()
        .map(|trace| entry_server_span(set, index, index.spans_of(trace)))
        .collect();
    let names = entries
        .iter()
        .zip(&index.traces)
        .map(|(entry, trace)| {
            entry
                .filter(|_| trace.shape == TraceShape::Request)
                .map(|span| endpoint_name(set, span))
        })
        .collect();
    (entries, names)
}
