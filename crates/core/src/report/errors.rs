//! What broke: error types by where they start, new in this period,
//! recurring, and gone.
//!
//! An error starts at a failing span with no failing span below it (the
//! failure notion of [`crate::analysis::failure`], and the error hotspot
//! detector's idea of an origin). Its type is the exception type the span
//! records (or `error.type`, an error log's `error.kind`, or `HTTP 5xx`,
//! read as the error detector reads them), else `error`; an error type is
//! that type at one service and operation (a span named only by its HTTP
//! method by its route, as findings name it). Its message is the most common
//! one with IDs, numbers and addresses folded.

use super::model::{ErrorType, Errors};
use crate::analysis::detectors::error_hotspot::cause::CauseKeys;
use crate::analysis::detectors::error_hotspot::message::{normalise, shortened};
use crate::analysis::requests::Requests;
use crate::index::TraceIndex;
use crate::model::TraceSet;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Endpoints named per error type.
const ENDPOINTS_LISTED: usize = 5;
/// Longest message kept, in characters.
const MESSAGE_CHARS: usize = 200;

/// (service, operation, type).
type Key = (String, String, String);

/// Error types of one period with their counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorTypes(BTreeMap<Key, ErrorType>);

impl ErrorTypes {
    /// Every error type of `set`, counted where it starts.
    pub fn of(set: &TraceSet, index: &TraceIndex) -> ErrorTypes {
        ErrorTypes::of_requests(set, index, &Requests::of(set, index))
    }

    /// The same as [`ErrorTypes::of`], from the entry spans, endpoints and
    /// failures the analysis found ([`crate::analysis::Analysis::requests`]).
    pub fn of_requests(set: &TraceSet, index: &TraceIndex, requests: &Requests) -> ErrorTypes {
        let failures = &requests.failures;
        let keys = CauseKeys::of(set);
        let mut tallies: BTreeMap<Key, Tally> = BTreeMap::new();
        let parent = |i: u32| index.parent.get(i as usize).copied().flatten();
        for (t, trace) in index.traces.iter().enumerate() {
            if failures.spans_in_trace(t) == 0 {
                continue;
            }
            let spans = index.spans_of(trace);
            let failing: Vec<u32> = spans.iter().copied().filter(|&i| failures.span(i)).collect();
            // Spans with a failing span below them are not where an error starts.
            let mut above: HashSet<u32> = HashSet::new();
            for &i in &failing {
                let mut at = parent(i);
                for _ in 0..spans.len() {
                    match at {
                        Some(p) if above.insert(p) => at = parent(p),
                        _ => break,
                    }
                }
            }
            let entry = requests.entries.get(t).copied().flatten();
            let request_failed = failures.span(entry.unwrap_or(trace.root));
            let endpoint = requests.endpoint(t).map(|(_, name)| name);
            for &i in failing.iter().filter(|i| !above.contains(i)) {
                let Some(span) = set.spans.get(i as usize) else {
                    continue;
                };
                let kind = keys.kind(set, span).unwrap_or_else(|| ErrorType::UNTYPED.to_owned());
                // Named as the findings name it: a proxy's `POST` that failed
                // `/api/checkout` is `POST /api/checkout`, not every `POST`.
                let operation = crate::analysis::groups::operation_name(set, i).into_owned();
                let key = (set.str(span.service).to_owned(), operation, kind);
                let tally = tallies.entry(key).or_default();
                tally.count += 1;
                tally.failed_requests += u64::from(request_failed);
                if let Some(message) = keys.message(set, span) {
                    *tally.messages.entry(normalise(set.str(message))).or_default() += 1;
                }
                if let Some(endpoint) = endpoint {
                    *tally.endpoints.entry(endpoint.to_owned()).or_default() += 1;
                }
            }
        }
        ErrorTypes(
            tallies
                .into_iter()
                .map(|(key, tally)| (key.clone(), tally.into_type(key)))
                .collect(),
        )
    }

    /// The error types a previous report counted in its period (its new and recurring ones).
    pub fn of_report(errors: &Errors) -> ErrorTypes {
        ErrorTypes(
            errors
                .new
                .iter()
                .chain(&errors.recurring)
                .map(|e| ((e.service.clone(), e.operation.clone(), e.kind.clone()), e.clone()))
                .collect(),
        )
    }
}

#[derive(Default)]
struct Tally {
    count: u64,
    failed_requests: u64,
    messages: HashMap<String, u64>,
    endpoints: HashMap<String, u64>,
}

impl Tally {
    fn into_type(self, (service, operation, kind): Key) -> ErrorType {
        let most = |map: HashMap<String, u64>| {
            let mut v: Vec<(String, u64)> = map.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        ErrorType {
            service,
            operation,
            kind,
            message: most(self.messages)
                .into_iter()
                .next()
                .map(|(m, _)| shortened(&m, MESSAGE_CHARS)),
            count: self.count,
            baseline_count: None,
            failed_requests: self.failed_requests,
            endpoints: most(self.endpoints)
                .into_iter()
                .take(ENDPOINTS_LISTED)
                .map(|(e, _)| e)
                .collect(),
        }
    }
}

/// New, recurring and gone error types, each most frequent first.
pub fn errors(current: &ErrorTypes, baseline: Option<&ErrorTypes>) -> Errors {
    let mut section = Errors::default();
    for (key, error) in &current.0 {
        let mut error = error.clone();
        let before = baseline.map(|b| b.0.get(key).map_or(0, |e| e.count));
        error.baseline_count = before;
        if before.unwrap_or(0) > 0 {
            section.recurring.push(error);
        } else {
            section.new.push(error);
        }
    }
    for (key, error) in baseline.map(|b| &b.0).into_iter().flatten() {
        if !current.0.contains_key(key) {
            section.gone.push(ErrorType {
                count: 0,
                baseline_count: Some(error.count),
                failed_requests: 0,
                ..error.clone()
            });
        }
    }
    for list in [&mut section.new, &mut section.recurring] {
        list.sort_by_key(|e| std::cmp::Reverse(e.count));
    }
    section.gone.sort_by_key(|e| std::cmp::Reverse(e.baseline_count));
    section
}
