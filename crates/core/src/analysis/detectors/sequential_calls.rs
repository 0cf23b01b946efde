//! Sequential calls that could run in parallel.
//!
//! **What it detects.** A span that makes several different remote reads one
//! after another, never overlapping, in every request where it makes them:
//! a fan-out written as a row of awaits.
//!
//! **Why it matters.** Calls made one after another cost the sum of their
//! times; made at once, only the longest. When the calls do not need each
//! other's results, running them concurrently is often the cheapest latency
//! win there is.
//!
//! **Rule.** Under each parent span within an endpoint's request (see
//! [`super::calls`]: the spans under the entry that start before it ends), the
//! remote calls (CLIENT spans that are not database calls) are taken in start
//! order. Runs of reads ([`super::call_effect`]: a `GET`, a `GetCart`) whose
//! service and call key (name and callee, [`super::calls`]) occur once under
//! it are the candidates: any other call that may write ends a run (a write
//! between two reads, or a step of a workflow, is there for a reason), a call
//! made several times (a loop) neither joins nor ends one. The run that would
//! save most, with at least `min_calls` reads (default 3) and none
//! overlapping another, was made in sequence. Grouped by
//! endpoint, parent operation and the set of calls: reported when no request
//! ever ran them overlapped, at least `min_requests` requests (default 3, or
//! every request of an endpoint seen fewer times: one trace is enough, n=1)
//! made them, and running them at once would save, at the median, at least
//! `min_saving_share` of the request (default 10%) and `min_saving` (default
//! 1 ms). The saving is the calls' total time minus the longest one, and
//! never more than their time on the critical path (calls off the path delay
//! nothing). Impact: `time` is that saving summed over requests,
//! `request_time_share` the savings over the requests' time, `of_requests`
//! the endpoint's requests. A trace cannot show whether a read needs
//! another's result (the cart's items before their products), so two reads in
//! a row are not enough to report, the sentence says "if none needs another's
//! result" and the team decides. The hipster shop's checkout (get the cart,
//! its products, a quote; charge, ship, empty the cart, store and mail the
//! order: nine calls in a row) is a workflow: its reads would save 13 ms of
//! 363, and nothing is said.
//!
//! **Example.** `GET /api/home` in `frontend` makes 4 reads one after another
//! (`GET /featured`, `GET /accounts/me`, `GET /cart/summary`,
//! `GET /recommendations/top`) in 31 requests; if none needs another's
//! result, made at once they would save 14.2 ms per request (median, 52% of
//! its time).

use super::call_effect::CallEffects;
use super::calls::{self, CallKeys};
use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::time::{DurationNs, sum_ns};
use std::collections::{BTreeMap, HashMap};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::SequentialCalls;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Distinct calls in a row from which they count.
    pub min_calls: usize,
    /// Requests that must show them.
    pub min_requests: usize,
    /// Median saving, as a share of the request, from which they are reported.
    pub min_saving_share: f64,
    /// Median saving from which they are reported.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_saving: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_calls: 3,
            min_requests: 3,
            min_saving_share: 0.1,
            min_saving: DurationNs(1_000_000),
        }
    }
}

/// The calls under one parent, in start order.
struct Calls {
    trace: usize,
    parent: u32,
    calls: Vec<u32>,
    overlapped: bool,
    saving: u64,
}

/// What groups requests: endpoint, parent service and name, and the calls' (service, call key) sorted.
type Key<'a> = (&'a str, Sym, Sym, Vec<(Sym, u32)>);

/// One finding per endpoint, parent operation and set of calls.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let (set, index) = (context.set, context.index);
    let keys = context.call_keys();
    let units = context.units();
    let mut groups: BTreeMap<Key<'_>, Vec<Calls>> = BTreeMap::new();
    let mut by_key: HashMap<(Sym, u32), Vec<u32>> = HashMap::new();
    let mut ordered: Vec<u32> = Vec::new();
    let effects = CallEffects::of(set);
    for (t, trace) in index.traces.iter().enumerate() {
        let Some(endpoint) = context.endpoints.get(t).and_then(|e| e.as_deref()) else {
            continue;
        };
        let entry = context.entries.get(t).copied().flatten();
        for &parent in index.spans_of(trace) {
            let children = index.children_of(parent);
            if children.len() < config.min_calls.max(2) || units.unit(parent) != entry {
                continue;
            }
            by_key.clear();
            for &child in children {
                if let Some(key) = keys.key(child) {
                    by_key
                        .entry((set.spans[child as usize].service, key))
                        .or_default()
                        .push(child);
                }
            }
            // Calls in start order; a call that may write ends a run of reads.
            ordered.clear();
            ordered.extend(by_key.values().flatten().copied());
            ordered.sort_by_key(|&c| (set.spans[c as usize].start, c));
            let Some((calls, saving)) = reads_in_a_row(context, &effects, &by_key, &ordered)
                .filter(|(calls, _)| calls.len() >= config.min_calls.max(2))
            else {
                continue;
            };
            let overlapped = calls
                .windows(2)
                .any(|w| set.spans[w[1] as usize].start < set.spans[w[0] as usize].end());
            let mut signature: Vec<(Sym, u32)> = calls
                .iter()
                .filter_map(|&c| Some((set.spans[c as usize].service, keys.key(c)?)))
                .collect();
            signature.sort_unstable();
            let p = &set.spans[parent as usize];
            groups
                .entry((endpoint, p.service, p.name, signature))
                .or_default()
                .push(Calls {
                    trace: t,
                    parent,
                    calls,
                    overlapped,
                    saving,
                });
        }
    }
    groups
        .into_iter()
        .filter_map(|((endpoint, service, name, _), occurrences)| {
            finding(context, config, keys, endpoint, service, name, occurrences)
        })
        .collect()
}

/// Of the calls under one parent (`ordered` by start), the run of reads made
/// once each with no other call that may write between them that would save
/// the most, with that saving: their total time minus the longest, never
/// more than their time on the critical path (calls off the path delay
/// nothing). A call made several times (a loop: N+1 or chatty calls) neither
/// joins nor ends a run.
fn reads_in_a_row(
    context: &Context<'_>,
    effects: &CallEffects,
    by_key: &HashMap<(Sym, u32), Vec<u32>>,
    ordered: &[u32],
) -> Option<(Vec<u32>, u64)> {
    let (set, keys) = (context.set, context.call_keys());
    let once = |c: u32| {
        keys.key(c)
            .and_then(|k| by_key.get(&(set.spans[c as usize].service, k)))
            .is_some_and(|v| v.len() == 1)
    };
    let saving_of = |run: &[u32]| {
        let durations = run.iter().map(|&c| set.spans[c as usize].duration.0);
        let saving = sum_ns(durations.clone()) - durations.max().unwrap_or(0);
        saving.min(calls::path_time(context, run))
    };
    let mut best: Option<(Vec<u32>, u64)> = None;
    let mut run: Vec<u32> = Vec::new();
    for (n, &c) in ordered.iter().enumerate() {
        let reads = effects.reads(set, context.index, c);
        if reads && once(c) {
            run.push(c);
        }
        let ends = !reads || n + 1 == ordered.len();
        if ends && run.len() >= 2 {
            let saving = saving_of(&run);
            if best.as_ref().is_none_or(|(_, s)| saving > *s) {
                best = Some((std::mem::take(&mut run), saving));
            }
        }
        if ends {
            run.clear();
        }
    }
    best
}

fn finding(
    context: &Context<'_>,
    config: &Config,
    keys: &CallKeys,
    endpoint: &str,
    service: Sym,
    name: Sym,
    mut occurrences: Vec<Calls>,
) -> Option<Finding> {
    // Enough requests show it, or every request of an endpoint seen fewer
    // times than that does: one trace is enough to say something (n=1).
    let endpoint_requests = context.traces_by_endpoint().get(endpoint).map_or(0, Vec::len);
    let every_request = occurrences.len() >= endpoint_requests;
    if occurrences.iter().any(|o| o.overlapped) || (occurrences.len() < config.min_requests.max(1) && !every_request) {
        return None;
    }
    let set = context.set;
    let request = |o: &Calls| context.request_durations.get(o.trace).map_or(0, |d| d.0);
    let saving = super::median(occurrences.iter().map(|o| o.saving).collect());
    let share = super::median_f64(
        occurrences
            .iter()
            .map(|o| o.saving as f64 / request(o).max(1) as f64)
            .collect(),
    );
    if share < config.min_saving_share || saving < config.min_saving.0 {
        return None;
    }
    occurrences.sort_by_key(|o| std::cmp::Reverse(o.saving));
    let example = occurrences.first()?;
    let names: Vec<String> = example
        .calls
        .iter()
        .filter_map(|&c| Some(keys.shown(keys.key(c)?)))
        .collect();
    let time = sum_ns(occurrences.iter().map(|o| o.saving));
    let request_time = sum_ns(occurrences.iter().map(request));
    let (service, name) = (set.str(service), set.str(name));
    let named = super::operation_of(set, occurrences.iter().map(|o| o.parent));
    Some(Finding {
        detector: NAME,
        // Judged from the impact by the shared rules in `detect`.
        severity: Severity::Info,
        impact: Impact {
            requests: occurrences.len() as u64,
            traces: Some(super::distinct(occurrences.iter().map(|o| o.trace))),
            failed_requests: 0,
            of_requests: (context.traces_by_endpoint().get(endpoint).map_or(0, Vec::len) as u64)
                .max(occurrences.len() as u64),
            request_time_share: super::wall_clock::share(time, request_time),
            time: DurationNs(time),
            data_at_risk: false,
            request_time: DurationNs(0),
        },
        subject: Subject {
            endpoint: Some(endpoint.to_owned()),
            service: service.to_owned(),
            operation: name.to_owned(),
            route: None,
            scope: None,
        },
        explanation: if occurrences.len() == 1 {
            format!(
                "`{}` in `{}` makes {} reads one after another ({}) in its one `{}` request (n=1); if none needs another's result, made at once they would save {} ({:.0}% of its time)",
                super::shown(&named),
                super::shown(service),
                example.calls.len(),
                names.join(", "),
                super::shown(endpoint),
                DurationNs(saving),
                share * 100.0
            )
        } else {
            format!(
                "`{}` in `{}` makes {} reads one after another ({}) in {} `{}` requests; if none needs another's result, made at once they would save {} per request (median, {:.0}% of its time)",
                super::shown(&named),
                super::shown(service),
                example.calls.len(),
                names.join(", "),
                occurrences.len(),
                super::shown(endpoint),
                DurationNs(saving),
                share * 100.0
            )
        },
        evidence: occurrences
            .iter()
            .take(3)
            .map(|o| Evidence {
                trace_id: context.trace_id(o.trace),
                span_ids: std::iter::once(o.parent)
                    .chain(o.calls.iter().copied())
                    .map(|s| set.spans[s as usize].span_id)
                    .collect(),
            })
            .collect(),
    })
}
