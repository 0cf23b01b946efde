//! What the trace list's queries read, made once per analysis: per trace
//! its sort fields, endpoint and services; the orders of every sort key;
//! the filter menus. A query is then one walk over the traces in the
//! order asked for, testing the cheap conditions first.

use super::order::{Orders, SortFields};
use super::text::TextMatch;
use super::{Facet, FacetList, Facets, GroupKey, MAX_LIMIT, TraceFilter, TracePage, TraceQuery};
use crate::analysis::service_map::peers::Peers;
use crate::analysis::{Analysis, Requests, TraceSummary};
use crate::ids::TraceId;
use crate::index::TraceIndex;
use crate::intern::Sym;
use crate::model::TraceSet;
use crate::time::DurationNs;
use hashbrown::HashMap;

/// Marks a trace without an endpoint in [`TraceCatalog::endpoint`].
const NO_ENDPOINT: u32 = u32::MAX;

/// The trace list of one analysis, ready to be queried. Built with the set
/// and index the analysis was made from, and queried with the same ones.
#[derive(Clone, Debug, Default)]
pub struct TraceCatalog {
    /// Per trace (by position in [`TraceIndex::traces`]).
    fields: Vec<SortFields>,
    /// Per trace: its endpoint's position in `endpoints`, or [`NO_ENDPOINT`].
    endpoint: Vec<u32>,
    /// Each endpoint: the entry span's service and the endpoint name.
    endpoints: Vec<(Sym, String)>,
    /// The services each trace has spans of, sorted: trace `t`'s are
    /// `services[service_start[t]..service_start[t + 1]]`.
    services: Vec<Sym>,
    service_start: Vec<u32>,
    orders: Orders,
    /// Every menu choice, in menu order, not cut.
    facets: Facets,
}

impl TraceCatalog {
    /// The catalog of `analysis`, made from `set` and `index`. The endpoint
    /// and failures of each trace are the ones the analysis found (found
    /// again when it is an analysis read back from JSON, which has none).
    pub fn new(set: &TraceSet, index: &TraceIndex, analysis: &Analysis) -> TraceCatalog {
        let fresh;
        let requests = if analysis.requests().entries.len() == index.traces.len() {
            analysis.requests()
        } else {
            fresh = Requests::of(set, index);
            &fresh
        };
        let fields: Vec<SortFields> = index
            .traces
            .iter()
            .enumerate()
            .map(|(t, trace)| SortFields {
                trace_id: trace.trace_id,
                start: trace.start,
                duration: trace.duration(),
                spans: trace.span_count(),
                errors: requests.failures.spans_in_trace(t),
            })
            .collect();
        let present = Present::of(set, index);
        let (endpoint, endpoints, endpoint_facets) = endpoints_of(set, index, requests);
        let facets = Facets {
            services: all(present.service_facets(set)),
            endpoints: all(endpoint_facets),
            operations: all(present.operation_facets),
        };
        TraceCatalog {
            orders: Orders::of(&fields),
            fields,
            endpoint,
            endpoints,
            services: present.services,
            service_start: present.service_start,
            facets,
        }
    }

    /// Traces in the catalog.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when no trace is loaded.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The filter menus, each cut to its `limit` most common choices.
    pub fn facets(&self, limit: usize) -> Facets {
        let cut = |list: &FacetList| FacetList {
            items: list.items.iter().take(limit).cloned().collect(),
            left_out: list.items.len().saturating_sub(limit) as u64,
        };
        Facets {
            services: cut(&self.facets.services),
            endpoints: cut(&self.facets.endpoints),
            operations: cut(&self.facets.operations),
        }
    }

    /// One page of the traces matching `query.filter`, in its order; `set`
    /// and `index` are those the catalog was made from.
    pub fn query(&self, set: &TraceSet, index: &TraceIndex, query: &TraceQuery) -> TracePage {
        let (offset, limit) = (query.offset, query.limit.min(MAX_LIMIT));
        let mut page = TracePage {
            offset,
            total: self.fields.len() as u64,
            ..TracePage::default()
        };
        let Some(filter) = Compiled::new(self, set, &query.filter) else {
            return page;
        };
        let end = offset.saturating_add(limit);
        let mut shown: Vec<u32> = Vec::new();
        let (key, descending) = (query.sort.key, query.sort.descending);
        self.orders.walk(&self.fields, key, descending, |t| {
            if filter.accepts(self, set, index, t) {
                if (offset..end).contains(&page.matched) {
                    shown.push(t);
                }
                page.matched += 1;
            }
        });
        (page.rows, page.endpoints) = shown
            .into_iter()
            .filter_map(|t| {
                let errors = self.fields.get(t as usize)?.errors;
                let row = TraceSummary::of(set, index.traces.get(t as usize)?, errors);
                Some((row, self.endpoint_at(set, t as usize)))
            })
            .unzip();
        page
    }

    /// The row of one trace, if it is loaded: for a finding's example trace.
    pub fn trace(&self, set: &TraceSet, index: &TraceIndex, trace_id: TraceId) -> Option<TraceSummary> {
        let query = TraceQuery {
            filter: TraceFilter::trace(trace_id),
            limit: 1,
            ..TraceQuery::default()
        };
        self.query(set, index, &query).rows.pop()
    }

    /// The typical trace of `endpoint`, for "compare with a typical one": the
    /// endpoint's trace whose end-to-end duration is nearest the median of its
    /// traces' durations (the nearest-rank p50 of [`crate::stats`], so a trace
    /// of exactly that duration exists), the earliest such trace when several
    /// are. The median is of the trace durations the list shows, not of the
    /// entry spans the endpoint table reads (they differ by what runs before
    /// and after the entry span). `None` when the endpoint has no trace here.
    pub fn typical(&self, set: &TraceSet, endpoint: &GroupKey) -> Option<TraceId> {
        let service = set.strings.get(&endpoint.service)?;
        let wanted = self
            .endpoints
            .iter()
            .position(|(s, n)| *s == service && *n == endpoint.name)
            .and_then(|e| u32::try_from(e).ok())?;
        let mut traces: Vec<&SortFields> = self
            .endpoint
            .iter()
            .zip(&self.fields)
            .filter(|&(&e, _)| e == wanted)
            .map(|(_, f)| f)
            .collect();
        traces.sort_unstable_by_key(|f| (f.duration, f.start, f.trace_id));
        let durations: Vec<DurationNs> = traces.iter().map(|f| f.duration).collect();
        let median = crate::stats::percentile(&durations, crate::stats::Percentile::P50)?;
        traces
            .iter()
            .filter(|f| f.duration == median)
            .min_by_key(|f| (f.start, f.trace_id))
            .map(|f| f.trace_id)
    }

    /// The endpoint trace `trace_id` is a request to, if it is one.
    pub fn endpoint_of(&self, set: &TraceSet, trace_id: TraceId) -> Option<GroupKey> {
        let t = self.fields.iter().position(|f| f.trace_id == trace_id)?;
        self.endpoint_at(set, t)
    }

    /// The endpoint of the trace at position `t`.
    fn endpoint_at(&self, set: &TraceSet, t: usize) -> Option<GroupKey> {
        let (service, name) = self.endpoints.get(*self.endpoint.get(t)? as usize)?;
        Some(GroupKey {
            service: set.str(*service).to_owned(),
            name: name.clone(),
        })
    }

    fn services_of(&self, t: usize) -> &[Sym] {
        let at = |i: usize| self.service_start.get(i).map_or(0, |&s| s as usize);
        self.services.get(at(t)..at(t + 1)).unwrap_or(&[])
    }
}

/// Calls from one service to another, as the service map draws them.
enum CallFilter {
    /// A span of the callee whose parent is in the caller: (caller, callee).
    Traced(Sym, Sym),
    /// A call of the caller's to a peer that sent no spans (a database, an
    /// external API), named as the map names it.
    Untraced {
        caller: Sym,
        callee: String,
        peers: Box<Peers>,
    },
}

/// A filter resolved against one catalog: names turned into handles once.
struct Compiled {
    trace_id: Option<TraceId>,
    service: Option<Sym>,
    endpoint: Option<u32>,
    operation: Option<(Sym, Sym)>,
    call: Option<CallFilter>,
    min_duration: Option<DurationNs>,
    max_duration: Option<DurationNs>,
    errors_only: bool,
    text: Option<TextMatch>,
}

impl Compiled {
    /// `None` when no trace can match: a name that is not in the set, or a
    /// text found in no string, number or boolean.
    fn new(catalog: &TraceCatalog, set: &TraceSet, filter: &TraceFilter) -> Option<Compiled> {
        let sym = |text: &str| set.strings.get(text);
        let endpoint = match &filter.endpoint {
            None => None,
            Some(GroupKey { service, name }) => {
                let service = sym(service)?;
                let at = catalog.endpoints.iter().position(|(s, n)| *s == service && n == name)?;
                Some(u32::try_from(at).ok()?)
            }
        };
        let operation = match &filter.operation {
            None => None,
            Some(GroupKey { service, name }) => Some((sym(service)?, sym(name)?)),
        };
        let call = match &filter.call {
            None => None,
            Some(call) => {
                let caller = sym(&call.caller)?;
                let traced = catalog.facets.services.items.iter().any(|f| f.service == call.callee);
                Some(match sym(&call.callee).filter(|_| traced) {
                    Some(callee) => CallFilter::Traced(caller, callee),
                    None => CallFilter::Untraced {
                        caller,
                        callee: call.callee.clone(),
                        peers: Box::new(Peers::names_only(set)),
                    },
                })
            }
        };
        let text = filter.text.as_deref().and_then(|text| TextMatch::new(set, text));
        if text.as_ref().is_some_and(TextMatch::matches_nothing) {
            return None;
        }
        Some(Compiled {
            trace_id: filter.trace_id,
            service: match &filter.service {
                None => None,
                Some(name) => Some(sym(name)?),
            },
            endpoint,
            operation,
            call,
            min_duration: filter.min_duration,
            max_duration: filter.max_duration,
            errors_only: filter.errors_only,
            text,
        })
    }

    /// Whether trace `t` matches: the conditions on the catalog's columns
    /// first, those that read spans last.
    fn accepts(&self, catalog: &TraceCatalog, set: &TraceSet, index: &TraceIndex, t: u32) -> bool {
        let t = t as usize;
        let Some(f) = catalog.fields.get(t) else {
            return false;
        };
        let column_match = self.trace_id.is_none_or(|id| f.trace_id == id)
            && (!self.errors_only || f.errors > 0)
            && self.min_duration.is_none_or(|min| f.duration >= min)
            && self.max_duration.is_none_or(|max| f.duration <= max)
            && self.endpoint.is_none_or(|e| catalog.endpoint.get(t) == Some(&e))
            && self.service.is_none_or(|s| catalog.services_of(t).contains(&s))
            && self.call.as_ref().is_none_or(|call| {
                let services = catalog.services_of(t);
                match call {
                    CallFilter::Traced(caller, callee) => services.contains(caller) && services.contains(callee),
                    CallFilter::Untraced { caller, .. } => services.contains(caller),
                }
            });
        if !column_match {
            return false;
        }
        if self.operation.is_none() && self.call.is_none() && self.text.is_none() {
            return true;
        }
        let Some(trace) = index.traces.get(t) else {
            return false;
        };
        let spans = || index.spans_of(trace).iter().filter_map(|&i| set.spans.get(i as usize));
        self.operation
            .is_none_or(|(service, name)| spans().any(|s| s.service == service && s.name == name))
            && self.call.as_ref().is_none_or(|call| match call {
                CallFilter::Traced(caller, callee) => index.spans_of(trace).iter().any(|&i| {
                    set.spans.get(i as usize).is_some_and(|s| s.service == *callee)
                        && index.parent[i as usize]
                            .and_then(|p| set.spans.get(p as usize))
                            .is_some_and(|p| p.service == *caller)
                }),
                CallFilter::Untraced { caller, callee, peers } => index.spans_of(trace).iter().any(|&i| {
                    set.spans.get(i as usize).is_some_and(|s| s.service == *caller)
                        && peers.calls_peer_named(set, index, i, callee)
                }),
            })
            && self.text.as_ref().is_none_or(|text| spans().any(|s| text.span(set, s)))
    }
}

/// The services and operations each trace has spans of.
struct Present {
    services: Vec<Sym>,
    service_start: Vec<u32>,
    /// Traces per service, in no order.
    service_traces: HashMap<Sym, u64>,
    operation_facets: Vec<Facet>,
}

impl Present {
    fn of(set: &TraceSet, index: &TraceIndex) -> Present {
        let mut services = Vec::new();
        let mut service_start = Vec::with_capacity(index.traces.len() + 1);
        let mut service_traces: HashMap<Sym, u64> = HashMap::new();
        let mut operation_traces: HashMap<(Sym, Sym), u64> = HashMap::new();
        // Reused per trace: its few operations and services, sorted to count each once.
        let mut operations: Vec<(Sym, Sym)> = Vec::new();
        let mut own: Vec<Sym> = Vec::new();
        service_start.push(0);
        for trace in &index.traces {
            operations.clear();
            let spans = index.spans_of(trace).iter().filter_map(|&i| set.spans.get(i as usize));
            operations.extend(spans.map(|s| (s.service, s.name)));
            operations.sort_unstable();
            operations.dedup();
            own.clear();
            // Sorted by service first, so each service's operations are adjacent.
            own.extend(operations.iter().map(|&(service, _)| service));
            own.dedup();
            for service in &own {
                *service_traces.entry(*service).or_default() += 1;
            }
            services.extend_from_slice(&own);
            for operation in &operations {
                *operation_traces.entry(*operation).or_default() += 1;
            }
            service_start.push(u32::try_from(services.len()).unwrap_or(u32::MAX));
        }
        let operation_facets = operation_traces
            .into_iter()
            .map(|((service, name), traces)| Facet {
                service: set.str(service).to_owned(),
                name: set.str(name).to_owned(),
                traces,
            })
            .collect();
        Present {
            services,
            service_start,
            service_traces,
            operation_facets,
        }
    }

    fn service_facets(&self, set: &TraceSet) -> Vec<Facet> {
        self.service_traces
            .iter()
            .map(|(&service, &traces)| Facet {
                service: set.str(service).to_owned(),
                name: String::new(),
                traces,
            })
            .collect()
    }
}

/// Each trace's endpoint (a position in the list, or [`NO_ENDPOINT`]), the
/// endpoints, and their menu choices.
fn endpoints_of(set: &TraceSet, index: &TraceIndex, requests: &Requests) -> (Vec<u32>, Vec<(Sym, String)>, Vec<Facet>) {
    let mut ids: HashMap<(Sym, &str), u32> = HashMap::new();
    let mut endpoints: Vec<(Sym, String)> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    let endpoint = (0..index.traces.len())
        .map(|t| {
            let Some((service, name)) = requests
                .endpoint(t)
                .and_then(|(entry, name)| Some((set.spans.get(entry as usize)?.service, name)))
            else {
                return NO_ENDPOINT;
            };
            let id = *ids.entry((service, name)).or_insert_with(|| {
                endpoints.push((service, name.to_owned()));
                counts.push(0);
                u32::try_from(endpoints.len() - 1).unwrap_or(NO_ENDPOINT)
            });
            if let Some(count) = counts.get_mut(id as usize) {
                *count += 1;
            }
            id
        })
        .collect();
    let facets = endpoints
        .iter()
        .zip(&counts)
        .map(|((service, name), &traces)| Facet {
            service: set.str(*service).to_owned(),
            name: name.clone(),
            traces,
        })
        .collect();
    (endpoint, endpoints, facets)
}

/// Every choice, most traces first, then by service and name.
fn all(mut items: Vec<Facet>) -> FacetList {
    items.sort_by(|a, b| {
        b.traces
            .cmp(&a.traces)
            .then_with(|| (&a.service, &a.name).cmp(&(&b.service, &b.name)))
    });
    FacetList { items, left_out: 0 }
}
