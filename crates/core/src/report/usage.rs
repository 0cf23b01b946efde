//! Is anyone using it: requests per endpoint in each period, endpoints and
//! operations that appeared or disappeared, and the endpoints whose requests
//! reach each of the busiest operations ("who uses this code").
//!
//! Both periods are read from the comparison's [`Samples`] (spans with a
//! known duration, per endpoint and per operation under each endpoint), so
//! a report used as the baseline gives the same lists as its trace files.
//! An operation here is a span below its request's entry span; the entry
//! spans themselves are the endpoints. The two sides may be two periods or
//! two environments (staging against production): nothing assumes time order.

use super::model::{Caller, EndpointUsage, Name, OperationCallers, Usage};
use crate::analysis::detectors::regression::{RowKind, SampleGroup, Samples};
use std::collections::{BTreeMap, HashMap};

/// Operations listed with their callers, busiest first.
pub const OPERATIONS_WITH_CALLERS: usize = 20;
/// Callers listed per operation, busiest first.
pub const CALLERS_LISTED: usize = 5;

/// The usage section of `current` against `baseline`.
pub fn usage(current: &Samples, baseline: Option<&Samples>) -> Usage {
    let now = Counts::of(current);
    let then = baseline.map(Counts::of);
    let mut endpoints: Vec<EndpointUsage> = now
        .endpoints
        .iter()
        .map(|(name, &(requests, _))| {
            let before = then
                .as_ref()
                .map(|t| t.endpoints.get(name).map_or(0, |&(requests, _)| requests));
            EndpointUsage {
                endpoint: name.clone(),
                requests,
                baseline_requests: before,
                change: before.filter(|&b| b > 0).map(|b| requests as f64 / b as f64 - 1.0),
            }
        })
        .collect();
    if let Some(then) = &then {
        // Gone endpoints keep a row with 0 requests now: the table shows them too.
        endpoints.extend(
            then.endpoints
                .iter()
                .filter(|(name, _)| !now.endpoints.contains_key(*name))
                .map(|(name, &(requests, _))| EndpointUsage {
                    endpoint: name.clone(),
                    requests: 0,
                    baseline_requests: Some(requests),
                    change: Some(-1.0),
                }),
        );
    }
    endpoints.sort_by(|a, b| {
        (b.requests, b.baseline_requests)
            .cmp(&(a.requests, a.baseline_requests))
            .then_with(|| a.endpoint.cmp(&b.endpoint))
    });
    let only = |a: &Counts, b: &Counts, endpoints: bool| -> Vec<Name> {
        if endpoints {
            a.endpoints
                .keys()
                .filter(|k| !b.endpoints.contains_key(*k))
                .cloned()
                .collect()
        } else {
            a.operations
                .keys()
                .filter(|k| !b.operations.contains_key(*k))
                .cloned()
                .collect()
        }
    };
    let (new_endpoints, gone_endpoints, new_operations, gone_operations) = match &then {
        Some(then) => (
            only(&now, then, true),
            only(then, &now, true),
            only(&now, then, false),
            only(then, &now, false),
        ),
        None => Default::default(),
    };
    let (callers, callers_omitted) = callers(current, &now);
    Usage {
        endpoints,
        new_endpoints,
        gone_endpoints,
        new_operations,
        gone_operations,
        callers,
        callers_omitted,
    }
}

/// Spans and traces per endpoint and per operation (over all endpoints) of one side.
struct Counts {
    endpoints: BTreeMap<Name, (u64, u64)>,
    operations: BTreeMap<Name, u64>,
}

impl Counts {
    fn of(samples: &Samples) -> Counts {
        let mut endpoints = BTreeMap::new();
        let mut operations: BTreeMap<Name, u64> = BTreeMap::new();
        for g in samples.groups() {
            match g.kind {
                RowKind::Endpoint => {
                    endpoints.insert(name(&g), (g.count, g.traces));
                }
                RowKind::Operation => *operations.entry(name(&g)).or_default() += g.count,
            }
        }
        Counts { endpoints, operations }
    }
}

fn name(g: &SampleGroup<'_>) -> Name {
    Name {
        service: g.service.to_owned(),
        name: g.name.to_owned(),
    }
}

/// The busiest operations with the endpoints whose requests reach them.
fn callers(samples: &Samples, counts: &Counts) -> (Vec<OperationCallers>, u64) {
    // An endpoint's service, by name (the first service serving it, in name order).
    let mut service_of: HashMap<&str, &str> = HashMap::new();
    for name in counts.endpoints.keys() {
        service_of.entry(name.name.as_str()).or_insert(name.service.as_str());
    }
    let mut by_operation: BTreeMap<Name, Vec<Caller>> = BTreeMap::new();
    for g in samples.groups().filter(|g| g.kind == RowKind::Operation) {
        by_operation.entry(name(&g)).or_default().push(Caller {
            endpoint: g.endpoint.map(str::to_owned),
            service: g.endpoint.and_then(|e| service_of.get(e)).map(|s| (*s).to_owned()),
            spans: g.count,
            requests: g.traces,
        });
    }
    let mut busiest: Vec<(&Name, &u64)> = counts.operations.iter().collect();
    busiest.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let omitted = busiest.len().saturating_sub(OPERATIONS_WITH_CALLERS) as u64;
    let listed = busiest
        .into_iter()
        .take(OPERATIONS_WITH_CALLERS)
        .map(|(operation, &spans)| {
            let mut callers = by_operation.remove(operation).unwrap_or_default();
            callers.sort_by(|a, b| b.spans.cmp(&a.spans).then_with(|| a.endpoint.cmp(&b.endpoint)));
            let omitted = callers.len().saturating_sub(CALLERS_LISTED) as u64;
            callers.truncate(CALLERS_LISTED);
            OperationCallers {
                operation: operation.clone(),
                spans,
                callers,
                omitted,
            }
        })
        .collect();
    (listed, omitted)
}
