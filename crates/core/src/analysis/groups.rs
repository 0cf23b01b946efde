//! Statistics per group of spans: per endpoint, per service and per operation.
//!
//! - An **endpoint** is what a request entered through: the entry SERVER span
//!   of each trace (the first server span whose parent is absent or in another
//!   service), named `METHOD /route` from `http.route` when present, else
//!   `METHOD /path` from the URL with IDs folded to `{id}`, else
//!   `service/method` from `rpc.method`, else its span name
//!   ([`endpoint_name`]). A trace without a server span has no endpoint, nor
//!   has a session or a stream (see [`crate::index::TraceShape`]): their
//!   durations are not latencies.
//! - A **service** groups every span it emitted.
//! - An **operation** is a service and a span name.
//!
//! Spans without a known duration (no start time, or no end: see
//! [`crate::model::Span::duration_known`]) are left out: their duration is
//! unknown, not zero, and the import report counts them.
//! For each: count, failed spans (the one notion of failure of
//! [`super::failure`]; for an endpoint, its failed requests), exact percentiles of the durations, the same after
//! removing outliers (method in [`crate::stats::outliers`]), self time, a
//! log-scale histogram, throughput per minute over the loaded time range, and
//! the group's share of the critical path of the traces it appears in (its
//! spans' time on the path divided by those traces' total path time).

use super::failure::Failures;
use crate::analysis::self_time::waits_on_callee;
use crate::index::TraceIndex;
use crate::intern::Sym;
use crate::model::{SpanKind, TraceSet};
use crate::stats::histogram::{Histogram, log_histogram};
use crate::stats::{DurationSummary, outliers};
use crate::time::{DurationNs, TimestampNs};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Statistics of one endpoint, service or operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// The service.
    pub service: String,
    /// The endpoint or operation name; empty for a service.
    pub name: String,
    /// Spans that failed (see [`super::failure`]): for an endpoint, its failed requests.
    pub errors: u64,
    /// `errors / count`, between 0 and 1.
    pub error_rate: f64,
    /// Count, min, mean, standard deviation, percentiles and max of the durations.
    #[serde(flatten)]
    pub durations: DurationSummary,
    /// The same after removing outliers.
    pub robust: RobustSummary,
    /// Percentiles of self time (time not covered by child spans).
    pub self_time: DurationSummary,
    /// Percentiles of the self time of the spans that wait on a traced callee
    /// (see [`crate::analysis::self_time::waits_on_callee`]): time between
    /// caller and callee (network, queue, skew), not own work. `None` when
    /// none of the group's spans does; when `wait.count` equals
    /// `self_time.count`, none of its self time is own work.
    pub wait: Option<DurationSummary>,
    /// Durations on a log scale, with percentile marks.
    pub histogram: Histogram,
    /// Spans per minute over the loaded time range; `None` when it is under a second.
    pub throughput_per_minute: Option<f64>,
    /// Share of the critical path of the traces this group appears in, 0 to 1.
    pub critical_path_share: f64,
}

/// Durations after outlier removal, and what was removed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RobustSummary {
    /// How outliers were found.
    pub method: String,
    /// How many durations were removed.
    pub removed: u64,
    /// Statistics of the rest.
    #[serde(flatten)]
    pub durations: DurationSummary,
}

/// The three groupings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Groups {
    /// Per endpoint, busiest first.
    pub endpoints: Vec<GroupStats>,
    /// Per service, busiest first.
    pub services: Vec<GroupStats>,
    /// Per operation, busiest first.
    pub operations: Vec<GroupStats>,
}

/// What the group computations share: per-span derived values.
pub struct SpanFacts<'a> {
    pub(crate) set: &'a TraceSet,
    pub(crate) index: &'a TraceIndex,
    pub(crate) self_times: &'a [DurationNs],
    pub(crate) on_path: &'a [DurationNs],
    /// Trace (index into `index.traces`) of each span.
    pub(crate) trace_of: Vec<u32>,
    /// Total critical-path time of each trace.
    pub(crate) trace_path_total: Vec<u64>,
    /// Loaded time range in minutes, if at least a second.
    pub(crate) minutes: Option<f64>,
    /// Entry server span of each trace, if it has one.
    pub(crate) entries: Vec<Option<u32>>,
    /// Endpoint name of each trace, if it has an entry span.
    pub(crate) endpoint_names: Vec<Option<String>>,
    /// Which spans and requests failed.
    pub(crate) failures: Failures,
}

impl<'a> SpanFacts<'a> {
    /// Gathers per-span facts once for all groupings.
    pub fn new(
        set: &'a TraceSet,
        index: &'a TraceIndex,
        self_times: &'a [DurationNs],
        on_path: &'a [DurationNs],
        range: Option<(TimestampNs, TimestampNs)>,
    ) -> SpanFacts<'a> {
        let mut trace_of = vec![0u32; set.spans.len()];
        let mut trace_path_total = vec![0u64; index.traces.len()];
        for (t, trace) in index.traces.iter().enumerate() {
            for &span in index.spans_of(trace) {
                trace_of[span as usize] = t as u32;
                let on = on_path.get(span as usize).map_or(0, |d| d.0);
                trace_path_total[t] = trace_path_total[t].saturating_add(on);
            }
        }
        let (entries, endpoint_names) = super::requests::entries_and_endpoints(set, index);
        let failures = Failures::of(set, index, &entries);
        let minutes = range
            .map(|(start, end)| end.saturating_since(start).0 as f64 / 60e9)
            .filter(|m| *m >= 1.0 / 60.0);
        SpanFacts {
            set,
            index,
            self_times,
            on_path,
            trace_of,
            trace_path_total,
            minutes,
            entries,
            endpoint_names,
            failures,
        }
    }

    /// A copy of what [`SpanFacts::into_requests`] keeps, for while the facts are still in use.
    pub(crate) fn requests(&self) -> super::requests::Requests {
        super::requests::Requests {
            entries: self.entries.clone(),
            endpoint_names: self.endpoint_names.clone(),
            failures: self.failures.clone(),
        }
    }

    /// What the report reads again of these facts, kept past the analysis.
    pub(crate) fn into_requests(self) -> super::requests::Requests {
        super::requests::Requests {
            entries: self.entries,
            endpoint_names: self.endpoint_names,
            failures: self.failures,
        }
    }
}

/// Endpoints, services and operations of everything in the set.
pub fn groups(facts: &SpanFacts<'_>) -> Groups {
    let set = facts.set;
    let mut operations: HashMap<(Sym, Sym), Vec<u32>> = HashMap::new();
    let mut services: HashMap<Sym, Vec<u32>> = HashMap::new();
    for (i, span) in set.spans.iter().enumerate() {
        operations.entry((span.service, span.name)).or_default().push(i as u32);
        services.entry(span.service).or_default().push(i as u32);
    }
    let mut endpoints: HashMap<(Sym, &str), Vec<u32>> = HashMap::new();
    for (entry, name) in facts.entries.iter().zip(&facts.endpoint_names) {
        if let (Some(entry), Some(name)) = (entry, name) {
            let span = &set.spans[*entry as usize];
            endpoints.entry((span.service, name.as_str())).or_default().push(*entry);
        }
    }
    // Which group last counted each trace, so counting a group's traces needs no sort.
    let mut seen = TraceStamps(vec![usize::MAX; facts.index.traces.len()], 0);
    let sorted = |mut v: Vec<GroupStats>| {
        v.sort_by(|a, b| {
            b.durations
                .count
                .cmp(&a.durations.count)
                .then_with(|| (&a.service, &a.name).cmp(&(&b.service, &b.name)))
        });
        v
    };
    Groups {
        endpoints: sorted(
            endpoints
                .into_iter()
                .filter_map(|((service, name), spans)| {
                    stats(facts, &mut seen, set.str(service), name.to_owned(), &spans)
                })
                .collect(),
        ),
        services: sorted(
            services
                .into_iter()
                .filter_map(|(service, spans)| stats(facts, &mut seen, set.str(service), String::new(), &spans))
                .collect(),
        ),
        operations: sorted(
            operations
                .into_iter()
                .filter_map(|((service, name), spans)| {
                    stats(facts, &mut seen, set.str(service), set.str(name).to_owned(), &spans)
                })
                .collect(),
        ),
    }
}

/// The SERVER span a request entered through: among the server spans whose
/// parent is absent or in another service, the one nearest the root (then the
/// earliest). Nearest, not earliest: a callee whose clock runs behind can
/// appear to start before the real entry.
pub fn entry_server_span(set: &TraceSet, index: &TraceIndex, spans: &[u32]) -> Option<u32> {
    let depth = |mut at: u32| {
        let mut depth = 0usize;
        // Bounded by the trace's size, so a parent cycle in bad data cannot loop.
        while let Some(parent) = index.parent[at as usize] {
            depth += 1;
            if depth > spans.len() {
                break;
            }
            at = parent;
        }
        depth
    };
    spans
        .iter()
        .copied()
        .filter(|&i| {
            let span = &set.spans[i as usize];
            span.kind == SpanKind::Server
                && index.parent[i as usize].is_none_or(|p| set.spans[p as usize].service != span.service)
        })
        .enumerate()
        .min_by_key(|&(order, i)| (depth(i), order))
        .map(|(_, i)| i)
}

/// What a request is called, from the most to the least specific thing its
/// entry span says: `GET /api/cart` from `http.route` and the method; else the
/// URL path (`url.path`, `http.target`, `http.path`, `http.url`, `url.full`)
/// with its IDs folded (`GET /api/products/{id}`), so requests behind a proxy
/// whose spans are all named `ingress` or `POST` stay apart; else
/// `Service/Method` from `rpc.method`; else the span name.
pub fn endpoint_name(set: &TraceSet, span: u32) -> String {
    let span = &set.spans[span as usize];
    let text = |key: &str| set.str_attribute(span, key);
    let name = set.str(span.name);
    let method = || {
        text("http.request.method")
            .or_else(|| text("http.method"))
            .map(str::to_owned)
            .or_else(|| method_in_name(name))
    };
    let with_method = |path: &str| match method() {
        Some(method) => format!("{method} {path}"),
        None => path.to_owned(),
    };
    if let Some(route) = text("http.route") {
        return with_method(route);
    }
    if let Some(path) = request_path(&text) {
        return with_method(&fold_ids(&path));
    }
    if let Some(method) = text("rpc.method") {
        return match text("rpc.service") {
            Some(service) => format!("{service}/{method}"),
            None => method.to_owned(),
        };
    }
    name.to_owned()
}

/// What a span is called as a unit of work (a handler in a session, work
/// outside any endpoint's request), written to `out`: its span name with IDs
/// folded (`POST …/calls/{id}/rona/{id}`), except that a span named only by
/// its HTTP method (Zipkin's `get`, `post`) is named like an endpoint, by its
/// route or path (`GET /api/oauth/authorize`): under the bare method, a
/// service's page, its eight asset downloads and its API calls were one
/// handler, and "1 of its 10 runs" counted them all. Without a route or path
/// the method is all there is, and stays.
pub fn unit_name(set: &TraceSet, span: u32, out: &mut String) {
    let Some(s) = set.spans.get(span as usize) else {
        return;
    };
    match route_name(set, span) {
        Some(route) => out.push_str(&route),
        None => super::id_folding::fold_ids(set.str(s.name), out),
    }
}

/// What a finding calls the operation of span `span`: its span name, except
/// that a span named only by its HTTP method is named by its route or path
/// like an endpoint, as [`unit_name`] does (the OTel demo's proxy `POST` that
/// failed is `POST /api/checkout`; its `POST /api/cart` did not fail). Other
/// names are kept as written (IDs unfolded): the operations table and the
/// regressions still key on the span name, and a finding's subject with them.
pub fn operation_name(set: &TraceSet, span: u32) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match route_name(set, span) {
        Some(route) => Cow::Owned(route),
        None => Cow::Borrowed(set.spans.get(span as usize).map_or("", |s| set.str(s.name))),
    }
}

/// Whether a span name is only an HTTP method (`POST`, `get`, or OTel's
/// older `HTTP GET`, as HotROD's frontend names its calls): it says what was
/// done, not to what.
pub fn is_bare_method(name: &str) -> bool {
    method_in_name(name).is_some() && !without_http_word(name).trim().contains(' ')
}

/// `name` without the word `HTTP` that OTel's instrumentations put before
/// the method until the semantic conventions of 2023 (`HTTP GET`, `HTTP
/// POST`): the method is what the name says.
fn without_http_word(name: &str) -> &str {
    match name.trim_start().split_once(' ') {
        Some((word, rest)) if word.eq_ignore_ascii_case("HTTP") => rest.trim_start(),
        _ => name,
    }
}

/// The route or path a span named only by its HTTP method is known by
/// (`POST /api/checkout`), or `None` when its name says more, or nothing
/// on the span says more than the method.
pub(crate) fn route_name(set: &TraceSet, span: u32) -> Option<String> {
    let name = set.str(set.spans.get(span as usize)?.name);
    if !is_bare_method(name) {
        return None;
    }
    let endpoint = endpoint_name(set, span);
    (endpoint != name).then_some(endpoint)
}

/// The request path a span carries: `url.path`, `http.target` or
/// `http.path`, else the path of `http.url` or `url.full`. A path recorded
/// without its leading slash (Zipkin's `http.path` of `api/oauth/authorize`)
/// gets one; a target that is no path (`*`) is none.
fn request_path<'s>(text: &impl Fn(&str) -> Option<&'s str>) -> Option<std::borrow::Cow<'s, str>> {
    use std::borrow::Cow;
    let relative = |path: &'s str| {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let plain = path.starts_with(|c: char| c.is_ascii_alphanumeric())
            && !path.contains("://")
            && !path.contains(char::is_whitespace);
        plain.then(|| Cow::Owned(format!("/{path}")))
    };
    let path = ["url.path", "http.target", "http.path"]
        .iter()
        .find_map(|key| text(key).and_then(|path| url_path(path).map(Cow::Borrowed).or_else(|| relative(path))));
    path.or_else(|| {
        ["http.url", "url.full"]
            .iter()
            .find_map(|key| text(key).and_then(url_path).map(Cow::Borrowed))
    })
}

/// The HTTP method a span name starts with, as Zipkin's instrumentations
/// name server spans (`get /login/tokenauth`, `post`) and OTel's older ones
/// client spans (`HTTP GET`), upper-cased.
pub(crate) fn method_in_name(name: &str) -> Option<String> {
    const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    let first = without_http_word(name).split(' ').next()?;
    METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(first))
        .map(|m| (*m).to_owned())
}

/// The path of a URL or request target: without scheme, host, query and
/// fragment; `None` when nothing of a path is left.
fn url_path(url: &str) -> Option<&str> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = if after_scheme.len() < url.len() {
        // A full URL: the path starts at the first slash after the host.
        after_scheme.find('/').map_or("", |at| &after_scheme[at..])
    } else {
        url
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.starts_with('/').then_some(path)
}

/// `path` with each segment that names one item rather than a route
/// (`/orders/12345`, a UUID, a hash, a token) replaced by `{id}`, so every
/// request of one route gets one name ([`super::id_folding`]).
fn fold_ids(path: &str) -> String {
    super::id_folding::folded(path)
}

/// Per trace, the number of the group that last counted it; and the number of the current group.
struct TraceStamps(Vec<usize>, usize);

fn stats(
    facts: &SpanFacts<'_>,
    seen: &mut TraceStamps,
    service: &str,
    name: String,
    spans: &[u32],
) -> Option<GroupStats> {
    let set = facts.set;
    // Spans without a known duration would read as 0 ns and drag every
    // percentile down: left out here, counted by the import report.
    let spans: Vec<u32> = spans
        .iter()
        .copied()
        .filter(|&i| set.spans[i as usize].duration_known())
        .collect();
    let spans = &spans[..];
    let mut durations: Vec<DurationNs> = spans.iter().map(|&i| set.spans[i as usize].duration).collect();
    durations.sort_unstable();
    let summary = DurationSummary::of_sorted(&durations)?;
    let (kept, removed) = outliers::without_outliers(&durations);
    let robust = RobustSummary {
        method: outliers::METHOD.to_owned(),
        removed: removed as u64,
        durations: DurationSummary::of_sorted(kept).unwrap_or(summary),
    };
    let mut self_times: Vec<DurationNs> = spans
        .iter()
        .map(|&i| facts.self_times.get(i as usize).copied().unwrap_or_default())
        .collect();
    let self_time = DurationSummary::of(&mut self_times)?;
    let mut waits: Vec<DurationNs> = spans
        .iter()
        .filter(|&&i| waits_on_callee(set, facts.index, i))
        .map(|&i| facts.self_times.get(i as usize).copied().unwrap_or_default())
        .collect();
    let wait = DurationSummary::of(&mut waits);
    let errors = spans.iter().filter(|&&i| facts.failures.span(i)).count() as u64;
    let on_path: u128 = spans
        .iter()
        .map(|&i| u128::from(facts.on_path.get(i as usize).map_or(0, |d| d.0)))
        .sum();
    seen.1 += 1;
    let group = seen.1;
    let mut path_total: u128 = 0;
    for &i in spans {
        let t = facts.trace_of[i as usize] as usize;
        if let Some(stamp) = seen.0.get_mut(t)
            && *stamp != group
        {
            *stamp = group;
            path_total += u128::from(facts.trace_path_total[t]);
        }
    }
    Some(GroupStats {
        service: service.to_owned(),
        name,
        errors,
        error_rate: errors as f64 / summary.count as f64,
        durations: summary,
        robust,
        self_time,
        wait,
        histogram: log_histogram(&durations)?,
        throughput_per_minute: facts.minutes.map(|m| summary.count as f64 / m),
        critical_path_share: if path_total == 0 {
            0.0
        } else {
            on_path as f64 / path_total as f64
        },
    })
}

#[cfg(test)]
mod endpoint_name_tests {
    use super::{fold_ids, is_bare_method, method_in_name, url_path};

    #[test]
    fn zipkin_span_names_give_the_method() {
        assert_eq!(method_in_name("get /login/tokenauth").as_deref(), Some("GET"));
        assert_eq!(method_in_name("post").as_deref(), Some("POST"));
        assert_eq!(method_in_name("getDriver"), None);
        assert_eq!(method_in_name("HTTP GET").as_deref(), Some("GET"));
        assert_eq!(method_in_name("HTTP"), None);
    }

    #[test]
    fn only_a_name_that_is_a_method_alone_is_bare() {
        for name in ["POST", "get", "Delete", "PUT", "HTTP GET", "HTTP POST", "http put"] {
            assert!(is_bare_method(name), "{name}");
        }
        for name in [
            "get /login/tokenauth",
            "HTTP GET /route",
            "HTTP GET: /route",
            "HTTP",
            "HTTP Client",
            "GetDriver",
            "post api proxy proxy",
            "",
        ] {
            assert!(!is_bare_method(name), "{name}");
        }
    }

    #[test]
    fn ids_fold_and_route_words_stay() {
        let cases = [
            ("/api/products/9SIQT8TOJO", "/api/products/{id}"),
            ("/product/36de61d2-63c5-411e-bddd-64e4f580792c", "/product/{id}"),
            ("/orders/12345/items", "/orders/{id}/items"),
            ("/v2/executions", "/v2/executions"),
            ("/oauth2/token", "/oauth2/token"),
            ("/commits/9fceb02d0ae598e95dc970b74767f19372d61af8", "/commits/{id}"),
            ("/hipstershop.CartService/GetCart", "/hipstershop.CartService/GetCart"),
            (
                "/hipstershop.ProductCatalogService/ListProducts",
                "/hipstershop.ProductCatalogService/ListProducts",
            ),
            ("/reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0", "/reset/{id}"),
            ("/installedapps/configs", "/installedapps/configs"),
            ("/", "/"),
        ];
        for (path, folded) in cases {
            assert_eq!(fold_ids(path), folded, "{path}");
        }
    }

    #[test]
    fn the_path_is_taken_out_of_full_urls() {
        assert_eq!(url_path("http://frontend-proxy:8080/api/cart?x=1"), Some("/api/cart"));
        assert_eq!(url_path("/loginservice/check?token=abc"), Some("/loginservice/check"));
        assert_eq!(url_path("https://example.com"), None);
        assert_eq!(url_path("not a path"), None);
    }
}
