//! Many queries per request.
//!
//! **What it detects.** An endpoint whose requests run many more database
//! calls than the other endpoints of its service, across all the services
//! the request passes through.
//!
//! **Why it matters.** Each query is a round trip and load on a shared
//! database; an endpoint that needs ten times more of them than its siblings
//! is usually loading data piece by piece that one query, a join or a cache
//! would serve, and it is the first to suffer when the database slows down.
//!
//! **Rule.** Database calls (as [`super::database`] recognises them) are
//! counted per request: those within the endpoint's request (the spans under
//! its entry that start before it ends, see [`super::calls`]), not the rest of
//! a trace that holds more than one request. An endpoint with at least `min_requests` requests
//! (default 5) whose median count is at least `min_queries` (default 10) and
//! at least `factor` (default 3) times the median of the other endpoints of
//! its service (which needs at least one other endpoint) is reported. When
//! one statement makes up more than `max_single_statement_share` of the
//! queries (default half), the cause is a repeated query and
//! [`super::n_plus_one`] reports it instead. Impact: `request_time_share` is
//! the union of the queries' time within each request over the requests'
//! time; `time` their critical-path time; `of_requests` the endpoint's
//! requests. Severity follows by the shared rules.
//!
//! **Example.** `GET /api/orders` runs 14 database queries per request (median
//! of 29 requests), 7× the other `frontend` endpoints (median 2), 80% of its time.

use super::calls;
use super::wall_clock::Intervals;
use super::{Context, Finding, Impact, Severity, Subject};
use crate::time::DurationNs;
use std::collections::{BTreeMap, HashMap};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::ManyQueries;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Requests an endpoint needs to be judged.
    pub min_requests: usize,
    /// Median queries per request from which an endpoint can be reported.
    pub min_queries: usize,
    /// How many times the other endpoints' median it must be.
    pub factor: f64,
    /// Above this share of one statement, it is an N+1 instead.
    pub max_single_statement_share: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_requests: 5,
            min_queries: 10,
            factor: 3.0,
            max_single_statement_share: 0.5,
        }
    }
}

/// Database calls of one endpoint's requests.
#[derive(Clone, Default)]
struct Counts {
    per_request: Vec<usize>,
    /// Wall-clock union of the queries within each request, summed.
    held: u64,
    /// Their critical-path time, summed.
    time: u64,
    request_time: u64,
    top_statement: usize,
    total: usize,
}

/// The endpoint's traces.
fn traces_of<'c>(context: &'c Context<'_>, endpoint: &str) -> &'c [usize] {
    context.traces_by_endpoint().get(endpoint).map_or(&[], Vec::as_slice)
}

/// `counts` with the queries' wall-clock union and critical-path time in each
/// of `traces`' requests added.
fn measure(context: &Context<'_>, traces: &[usize], mut counts: Counts) -> Counts {
    let (set, index, units) = (context.set, context.index, context.units());
    let mut intervals = Intervals::default();
    let mut queries: Vec<u32> = Vec::new();
    for &t in traces {
        let (Some(trace), Some(entry)) = (index.traces.get(t), context.entries.get(t).copied().flatten()) else {
            continue;
        };
        queries.clear();
        intervals.clear();
        for &i in index.spans_of(trace) {
            if context.database.is_call(i) && units.unit(i) == Some(entry) {
                queries.push(i);
                intervals.push_span(set, i);
            }
        }
        let request = &set.spans[entry as usize];
        let union = intervals.union_within(request.start.0, request.end().0);
        counts.held += union;
        counts.time += calls::unit_cost(context, t, entry, &queries, union);
        counts.request_time += request.duration.0;
    }
    counts
}

/// One finding per endpoint with many more queries than its siblings.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let (set, index) = (context.set, context.index);
    let units = context.units();
    // By service, then endpoint: the queries per request (cheap); their time
    // is measured only for the endpoints that stand out.
    let mut services: BTreeMap<&str, BTreeMap<&str, Counts>> = BTreeMap::new();
    for (&endpoint, traces) in context.traces_by_endpoint() {
        let Some(service) = traces
            .first()
            .and_then(|&t| context.entries.get(t).copied().flatten())
            .map(|entry| set.str(set.spans[entry as usize].service))
        else {
            continue;
        };
        let mut counts = Counts::default();
        let mut statements: HashMap<u32, usize> = HashMap::new();
        for &t in traces {
            let (Some(trace), Some(entry)) = (index.traces.get(t), context.entries.get(t).copied().flatten()) else {
                continue;
            };
            let mut n = 0;
            for &i in index.spans_of(trace) {
                if let Some(shape) = context.database.shape(i).filter(|_| units.unit(i) == Some(entry)) {
                    n += 1;
                    *statements.entry(shape).or_default() += 1;
                }
            }
            counts.per_request.push(n);
            counts.total += n;
        }
        counts.top_statement = statements.values().copied().max().unwrap_or(0);
        services.entry(service).or_default().insert(endpoint, counts);
    }
    let mut findings = Vec::new();
    for (service, endpoints) in &services {
        let medians: BTreeMap<&str, usize> = endpoints
            .iter()
            .map(|(name, counts)| (*name, super::median(counts.per_request.clone())))
            .collect();
        for (endpoint, counts) in endpoints.iter().map(|(e, c)| (e, c.clone())) {
            let median = medians.get(endpoint).copied().unwrap_or(0);
            let others: Vec<usize> = medians
                .iter()
                .filter(|(e, _)| *e != endpoint)
                .map(|(_, m)| *m)
                .collect();
            if others.is_empty() || counts.per_request.len() < config.min_requests || median < config.min_queries {
                continue;
            }
            let others_median = super::median(others);
            let times = median as f64 / others_median.max(1) as f64;
            let single = counts.top_statement as f64 / counts.total.max(1) as f64;
            if times < config.factor || single > config.max_single_statement_share {
                continue;
            }
            let counts = measure(context, traces_of(context, endpoint), counts);
            let share = super::wall_clock::share(counts.held, counts.request_time);
            findings.push(Finding {
                detector: NAME,
                // Judged from the impact by the shared rules in `detect`.
                severity: Severity::Warning,
                impact: Impact {
                    requests: counts.per_request.len() as u64,
                    traces: None,
                    failed_requests: 0,
                    of_requests: counts.per_request.len() as u64,
                    request_time_share: share,
                    time: DurationNs(counts.time),
                    data_at_risk: false,
                    request_time: DurationNs(0),
                },
                subject: Subject {
                    endpoint: Some((*endpoint).to_owned()),
                    service: (*service).to_owned(),
                    operation: (*endpoint).to_owned(),
                    route: None,
                    scope: None,
                },
                explanation: format!(
                    "`{}` runs {median} database queries per request (median of {} requests), {}, {:.0}% of its time",
                    super::shown(endpoint),
                    counts.per_request.len(),
                    if others_median == 0 {
                        format!(
                            "where the other `{}` endpoints run none (median)",
                            super::shown(service)
                        )
                    } else {
                        format!(
                            "{times:.0}× the other `{}` endpoints (median {others_median})",
                            super::shown(service)
                        )
                    },
                    share * 100.0
                ),
                evidence: context.slowest_requests(endpoint, 3),
            });
        }
    }
    findings
}
