//! The critical path of a single trace.
//!
//! **What it detects.** Where one trace's time went: the operations that held
//! its critical path ([`crate::analysis::critical_path`]), longest first.
//!
//! **Why it matters.** Someone who drops one slow trace wants to know what
//! made it slow before any statistics can speak: only time on the critical
//! path delays the response, and a few operations usually hold most of it.
//!
//! **Rule.** Only when the data has at most `max_traces` traces (default 3),
//! one `info` finding per trace: its critical-path time per operation
//! (service and span name, spans counted; a span named only by its HTTP
//! method by its route or path, `POST /api/checkout`, as every finding names
//! it; spans of one name that went to
//! several places, a client's `HTTP GET`, told apart by where they went, and
//! a childless one whose host sends no spans says so; the rest of such a
//! name added up, "`HTTP GET` in `frontend` to 3 other places"; a proxy's
//! hops ([`super::proxies`]) told as "the proxy `proxy` in front of
//! `partnerintegrationservice:9397/integrate`" and their rest added up
//! whatever their span names), the top `top` operations (default
//! 3) that hold at least `min_share` of the path (default 5%). A trace whose
//! root answered before most of its work ended (the path covers less than
//! `min_coverage` of the trace's wall-clock time, default half: async work)
//! is left out: its path says nothing about where the time went. When the
//! trace has an entry span (the endpoint's SERVER span) below its root, say a
//! test runner calling a backend, the path described is the request's: only
//! the entry and the spans below it that started before it answered count,
//! against the entry's duration. A callee whose host's clock put it outside
//! the call that waited for it is counted inside that call (the path's skew
//! repair), and the sentence says so. A client's time on the path outside
//! the server span of another service that answered it is told as a wait
//! between the two, not as an operation ("a 36.1ms wait (27%) between
//! `routing`'s call and `yelp_main/api_proxy`'s answer (outside `post api
//! proxy proxy`'s span: 26.0ms before it began, 10.1ms after it ended)").
//!
//! **Told once.** The paths are described after the other findings are
//! merged: when another finding tells the path's first part (its evidence
//! holds one of the part's spans, or for calls, an untraced callee, chatty
//! calls or N+1 queries, a span above it), the parts other findings tell are
//! left out, the sentence begins "Besides `SQL SELECT` in `mysql`, which the
//! bottleneck finding tells, …", and with nothing left there is no finding:
//! a team should not read one cost twice. Never more than `info`: it describes a
//! trace, it does not judge it. Its subject's operation is the top part (its
//! key); it is named by the request whose path it is ("`GET /dispatch` in
//! `frontend`"), not by one of the parts.
//!
//! **Example.** The critical path of `GET /dispatch` (1.81s) runs through
//! `SQL SELECT` in `mysql` (1.38s, 76%), `GetDriver` in `redis` ×13 (190ms,
//! 10%) and `HTTP GET /route` in `route` ×10 (…).

use super::calls::Units;
use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::time::DurationNs;
// hashbrown's hasher: the set of services is built from every span.
use hashbrown::{HashMap, HashSet};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::CriticalPath;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Traces in the data up to which each gets its critical path described.
    pub max_traces: usize,
    /// Operations named per trace.
    pub top: usize,
    /// Share of the path an operation must hold to be named.
    pub min_share: f64,
    /// Share of the trace's wall-clock time its critical path must cover.
    pub min_coverage: f64,
    /// Paths shorter than this are not described: nobody waits on them.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_time: DurationNs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_traces: 3,
            top: 3,
            min_share: 0.05,
            min_coverage: 0.5,
            min_time: DurationNs(1_000_000),
        }
    }
}

/// One operation's part of a trace's critical path.
struct Part {
    service: Sym,
    name: Sym,
    /// The route or path a span named only by its HTTP method is told by
    /// (`POST /api/checkout`: [`crate::analysis::groups::operation_name`]).
    route: Option<String>,
    /// Where its spans went, when spans of its name went to several places.
    target: String,
    time: u64,
    spans: usize,
    /// Its span with the most time on the path.
    longest: (u64, u32),
    /// When every span of it is a call answered by a server span of another
    /// service, the time its calls waited before and after their answers'
    /// spans ([`waits_outside`]): its time on the path is that wait.
    waits: Option<(u64, u64)>,
    /// Its spans on the path.
    on_path: Vec<u32>,
}

/// One finding per trace, when there are few traces; `told` are the other
/// detectors' findings, after they were merged, whose spans the path's
/// description does not tell again ([`Told`]).
pub fn detect(context: &Context<'_>, config: &Config, told: &[Finding]) -> Vec<Finding> {
    let traces = &context.index.traces;
    if traces.len() > config.max_traces {
        return Vec::new();
    }
    let units = context.units();
    // Which names are services, found once: a host that is none sends no spans.
    let services: HashSet<Sym> = context.set.spans.iter().map(|s| s.service).collect();
    (0..traces.len())
        .filter_map(|t| {
            let told = Told::of(context, told, t);
            describe(context, config, units, &services, &told, t)
        })
        .collect()
}

/// The spans of one trace whose time other findings tell, each with the
/// finding that tells it: the evidence spans of a finding that sizes a cost
/// on the path (not the data quality's skewed span, nor a long tail's or
/// slow endpoint's whole requests), and for findings about calls (an
/// untraced callee, chatty calls, N+1 queries) everything below them too,
/// the callee's time being what they measure (the hipster shop's untraced
/// callee names `Sent./integrate`, whose path runs down through two sidecar
/// hops).
struct Told {
    by_span: HashMap<u32, super::Detector>,
}

impl Told {
    fn of(context: &Context<'_>, findings: &[Finding], t: usize) -> Told {
        let (set, index) = (context.set, context.index);
        let mut by_span = HashMap::new();
        let Some(trace) = index.traces.get(t) else {
            return Told { by_span };
        };
        let tellers: Vec<&Finding> = findings
            .iter()
            .filter(|f| tells_a_cost(f.detector) && f.evidence.iter().any(|e| e.trace_id == trace.trace_id))
            .collect();
        if tellers.is_empty() {
            return Told { by_span };
        }
        // The evidence's spans found in one pass over the trace: a search
        // per span ID was a pass per ID (15 ms on one trace of 100,000 spans).
        let wanted: HashSet<crate::ids::SpanId> = tellers
            .iter()
            .flat_map(|f| &f.evidence)
            .filter(|e| e.trace_id == trace.trace_id)
            .flat_map(|e| e.span_ids.iter().copied())
            .collect();
        // The first span of an ID, should the file repeat one.
        let mut found: HashMap<crate::ids::SpanId, u32> = HashMap::new();
        for &i in index.spans_of(trace) {
            if let Some(span) = set.spans.get(i as usize)
                && wanted.contains(&span.span_id)
            {
                found.entry(span.span_id).or_insert(i);
            }
        }
        for finding in tellers {
            let calls = matches!(
                finding.detector,
                super::Detector::UntracedCallee | super::Detector::ChattyCalls | super::Detector::NPlusOneQueries
            );
            for evidence in finding.evidence.iter().filter(|e| e.trace_id == trace.trace_id) {
                for id in &evidence.span_ids {
                    let Some(&i) = found.get(id) else {
                        continue;
                    };
                    by_span.entry(i).or_insert(finding.detector);
                    if calls {
                        // Explicit stack, each span once: no parent cycle loops.
                        let mut below: Vec<u32> = index.children_of(i).to_vec();
                        while let Some(c) = below.pop() {
                            if by_span.contains_key(&c) {
                                continue;
                            }
                            by_span.insert(c, finding.detector);
                            below.extend_from_slice(index.children_of(c));
                        }
                    }
                }
            }
        }
        Told { by_span }
    }

    /// The finding that tells a part: the one that tells its longest span,
    /// or any of its spans (evidence holds a few of many calls: HotROD's
    /// chatty calls list 6 of the 10 route calls, the path runs through 6).
    fn teller(&self, part: &Part) -> Option<super::Detector> {
        self.by_span
            .get(&part.longest.1)
            .or_else(|| part.on_path.iter().find_map(|i| self.by_span.get(i)))
            .copied()
    }
}

/// Whether a detector's findings size a cost on the path by their evidence
/// spans, so that the path's description need not tell those spans again.
fn tells_a_cost(detector: super::Detector) -> bool {
    use super::Detector as D;
    matches!(
        detector,
        D::Bottleneck
            | D::UninstrumentedTime
            | D::UntracedCallee
            | D::ChattyCalls
            | D::NPlusOneQueries
            | D::ErrorHotspot
            | D::Retries
            | D::CallOverhead
            | D::ConsistencyCost
            | D::RepeatedAlongChain
    )
}

fn describe(
    context: &Context<'_>,
    config: &Config,
    units: &Units,
    services: &HashSet<Sym>,
    told: &Told,
    t: usize,
) -> Option<Finding> {
    let set = context.set;
    let trace = context.index.traces.get(t)?;
    // An entry below the root is a request inside a larger trace; an entry
    // that is the root keeps the whole trace, async work after it included,
    // so a root that answered early is still told apart below.
    let entry = context.entries.get(t).copied().flatten().filter(|&e| e != trace.root);
    // The request's spans: with an entry span, those of its unit of work.
    let in_request = |i: u32| entry.is_none_or(|entry| units.unit(i) == Some(entry));
    let (total, wall_clock) = match entry {
        Some(entry) => (
            context
                .index
                .spans_of(trace)
                .iter()
                .filter(|&&i| in_request(i))
                .map(|&i| context.on_path.get(i as usize).map_or(0, |d| d.0))
                .sum::<u64>(),
            context
                .request_durations
                .get(t)
                .map_or(0, |d| d.0)
                .max(set.spans.get(entry as usize).map_or(0, |s| s.duration.0)),
        ),
        None => (context.path_totals.get(t).copied().unwrap_or(0), trace.duration().0),
    };
    // A root that answered long before its children finished (async work,
    // FOLLOWS_FROM): its path says nothing about where the trace's time went.
    if total < config.min_time.0.max(1) || (total as f64) < config.min_coverage * wall_clock as f64 {
        return None;
    }
    let on_path: Vec<u32> = context
        .index
        .spans_of(trace)
        .iter()
        .copied()
        .filter(|&i| in_request(i) && context.on_path.get(i as usize).is_some_and(|d| d.0 > 0))
        .collect();
    let targets = Targets::of(context, &on_path);
    let mut parts: HashMap<(Sym, Sym, &str, Option<String>), Part> = HashMap::new();
    for &i in &on_path {
        let time = context.on_path.get(i as usize).map_or(0, |d| d.0);
        let Some(span) = set.spans.get(i as usize) else {
            continue;
        };
        let target = targets.target(i);
        let route = crate::analysis::groups::route_name(set, i);
        let part = parts
            .entry((span.service, span.name, target, route.clone()))
            .or_insert(Part {
                service: span.service,
                name: span.name,
                route,
                target: target.to_owned(),
                time: 0,
                spans: 0,
                longest: (0, i),
                waits: Some((0, 0)),
                on_path: Vec::new(),
            });
        part.on_path.push(i);
        part.time += time;
        part.spans += 1;
        part.longest = part.longest.max((time, i));
        part.waits = part
            .waits
            .zip(waits_outside(context, i))
            .map(|((before, after), (b, a, _))| (before + b, after + a));
    }
    let mut parts: Vec<Part> = parts.into_values().collect();
    parts.sort_by(|a, b| {
        b.time.cmp(&a.time).then_with(|| {
            (set.str(a.service), set.str(a.name), &a.route, &a.target).cmp(&(
                set.str(b.service),
                set.str(b.name),
                &b.route,
                &b.target,
            ))
        })
    });
    let share = |time: u64| time as f64 / total as f64;
    // When another finding tells the path's first part, its cost is read
    // there: the path keeps the parts no other finding tells, and says
    // which finding has the first (nothing left: no finding).
    let lead = parts
        .first()
        .filter(|p| share(p.time) >= config.min_share)
        .and_then(|p| Some((told.teller(p)?, name_of(context, p))));
    if lead.is_some() {
        parts.retain(|p| told.teller(p).is_none());
    }
    let named: Vec<&Part> = parts
        .iter()
        .filter(|p| share(p.time) >= config.min_share)
        .take(config.top.max(1))
        .collect();
    let top = named.first()?;
    // A path that runs only through the request's own span (a trace of one
    // span, or children too short to matter) says nothing the trace list does not.
    let request_span = set.spans.get(entry.unwrap_or(trace.root) as usize)?;
    let request = entry.unwrap_or(trace.root);
    if lead.is_none()
        && named.len() == 1
        && (top.service, top.name) == (request_span.service, request_span.name)
        && top.route == crate::analysis::groups::route_name(set, request)
        && top.target.is_empty()
    {
        return None;
    }
    let endpoint = context.endpoints.get(t).cloned().flatten();
    let root = set.spans.get(trace.root as usize);
    let root_name = root.map_or("", |s| set.str(s.name));
    let what = endpoint.as_deref().unwrap_or(root_name);
    // The path is the request's, whatever parts hold it: it is named by the
    // request (the entry's service, or the root's without an endpoint).
    let what_service = match endpoint {
        Some(_) => Some(request_span.service),
        None => root.map(|s| s.service),
    };
    let list: Vec<(u64, String)> = named
        .iter()
        .map(|p| {
            let times = if p.spans > 1 {
                format!(" ×{}", p.spans)
            } else {
                String::new()
            };
            let told = match waiting(context, p, &share) {
                Some(told) if !is_proxy(context, p) => told,
                _ => format!(
                    "{}{times} ({}, {:.0}%{})",
                    name_of(context, p),
                    DurationNs(p.time),
                    share(p.time) * 100.0,
                    untraced_behind(context, services, p),
                ),
            };
            (p.time, told)
        })
        .collect();
    // The rest of a name told apart by target, added up: a sidecar's hops
    // to everywhere else hold the path too (hipster: 24 more `ingress`, 17%).
    // A proxy's hops add up whatever their span names (`ingress`, `egress
    // cartservice:7070`): they are the proxy's, not an operation's.
    let rest_key = |part: &Part| (part.service, (!is_proxy(context, part)).then_some(part.name));
    let mut rest: Vec<Rest> = Vec::new();
    for part in parts.iter().filter(|p| !p.target.is_empty()) {
        if named.iter().any(|n| std::ptr::eq(*n, part)) {
            continue;
        }
        let key = rest_key(part);
        let r = match rest.iter().position(|r| r.key == key) {
            Some(at) => &mut rest[at],
            None => {
                rest.push(Rest {
                    key,
                    time: 0,
                    places: 0,
                    biggest: (0, ""),
                    untraced: Vec::new(),
                });
                let last = rest.len() - 1;
                &mut rest[last]
            }
        };
        r.time += part.time;
        r.places += 1;
        r.biggest = r.biggest.max((part.time, part.target.as_str()));
        if key.1.is_none()
            && let Some(host) = untraced_host(context, services, part)
        {
            match r.untraced.iter_mut().find(|(h, _)| *h == host) {
                Some((_, time)) => *time += part.time,
                None => r.untraced.push((host, part.time)),
            }
        }
    }
    // Longest first; the added-up rest of a name right after the part of
    // that name the sentence named, which its "other places" points back to.
    let held: u64 = named.iter().map(|p| p.time).sum();
    let mut list: Vec<(u64, bool, String)> = list.into_iter().map(|(time, told)| (time, false, told)).collect();
    let mut held_elsewhere = 0;
    for r in rest.into_iter().filter(|r| share(r.time) >= config.min_share) {
        let sibling = named
            .iter()
            .filter(|p| rest_key(p) == r.key)
            .map(|p| p.time)
            .max()
            .unwrap_or(0);
        held_elsewhere += r.time;
        let at = if sibling > 0 { sibling } else { r.time };
        list.push((at, sibling > 0, r.told(set, &share, sibling > 0)));
    }
    list.sort_by_key(|(time, after, _)| (std::cmp::Reverse(*time), *after));
    let held = held + held_elsewhere;
    let list: Vec<String> = list.into_iter().map(|(_, _, told)| told).collect();
    Some(Finding {
        detector: NAME,
        severity: Severity::Info,
        impact: Impact {
            requests: 1,
            of_requests: 1,
            // The parts the sentence names, for both: their share beside
            // the first part's time alone read as 98% beside 1.38s (76%).
            request_time_share: share(held),
            time: DurationNs(held),
            ..Default::default()
        },
        subject: Subject {
            endpoint: endpoint.clone(),
            service: set.str(top.service).to_owned(),
            operation: set.str(top.name).to_owned(),
            route: None,
            scope: what_service
                .map(|service| format!("`{}` in `{}`", super::shown(what), super::shown(set.str(service)))),
        },
        explanation: format!(
            "{}he critical path of `{}` ({}) runs through {}{}{}",
            lead.map_or_else(
                || "T".to_owned(),
                |(teller, name)| format!(
                    "Besides {name}, which the {} finding tells, t",
                    teller.label().to_lowercase()
                )
            ),
            super::shown(what),
            DurationNs(total),
            super::join(&list),
            placed(context, trace, &in_request),
            made_inside(context, trace, &in_request),
        ),
        evidence: vec![Evidence {
            trace_id: trace.trace_id,
            span_ids: named
                .iter()
                .filter_map(|p| set.spans.get(p.longest.1 as usize).map(|s| s.span_id))
                .collect(),
        }],
    })
}

/// The callees the path counts inside their calls though their hosts'
/// clocks put them outside ([`crate::analysis::critical_path`]'s skew
/// repair), said so the path is not read as the recorded times: "; `post`
/// in `serviceb` is counted inside the call that waited for it, where its
/// host's clock put it 65.4ms outside (a clock skew of 65.4ms to 66.4ms)":
/// how far outside is only the least the skew can be
/// ([`crate::analysis::critical_path::skew_range`]). Empty when none was.
fn placed(context: &Context<'_>, trace: &crate::index::Trace, in_request: &impl Fn(u32) -> bool) -> String {
    let set = context.set;
    let mut moved: Vec<(u64, u32, u64)> = context
        .index
        .spans_of(trace)
        .iter()
        .copied()
        .filter(|&i| in_request(i))
        .filter_map(|i| {
            let parent = context.index.parent.get(i as usize).copied().flatten()?;
            let (outside, at_most) = crate::analysis::critical_path::skew_range(
                set.spans.get(parent as usize)?,
                set.spans.get(i as usize)?,
            )?;
            Some((outside, i, at_most))
        })
        .collect();
    moved.sort_by_key(|&(outside, i, _)| (std::cmp::Reverse(outside), i));
    let Some(&(outside, first, at_most)) = moved.first() else {
        return String::new();
    };
    let name = |i: u32| operation_in_service(set, i);
    match moved.len() {
        1 => format!(
            "; {} is counted inside the call that waited for it, where its host's clock put it {} outside (a clock \
             skew of {} to {})",
            name(first),
            DurationNs(outside),
            DurationNs(outside),
            DurationNs(at_most)
        ),
        n => format!(
            "; {} and {} other callee{} are counted inside the calls that waited for them, where their hosts' clocks \
             put them up to {} outside (clock skew)",
            name(first),
            n - 1,
            if n == 2 { "" } else { "s" },
            DurationNs(outside)
        ),
    }
}

/// The calls the path counts inside the span whose process made them,
/// though the file parents them to a span of another service above it
/// ([`crate::analysis::critical_path`]), said so the path is not read as the
/// recorded tree: "; `post` from `yelp-main` to `mobile_api` is counted
/// inside `post api proxy proxy` in `yelp_main/api_proxy`, whose process
/// made it, though the file parents it to `post /location/update/v4` in
/// `routing`, the request above it". Empty when none was.
fn made_inside(context: &Context<'_>, trace: &crate::index::Trace, in_request: &impl Fn(u32) -> bool) -> String {
    let (set, index) = (context.set, context.index);
    // The same calls the walk placed (found the same way, in the same order).
    let above = crate::analysis::critical_path::CallsAbove::of(set, index);
    if above.is_empty() {
        return String::new();
    }
    let moved: Vec<(u32, u32)> = index
        .spans_of(trace)
        .iter()
        .copied()
        .filter(|&i| in_request(i))
        .filter_map(|i| Some((i, above.maker(i)?)))
        .collect();
    let Some(&(call, maker)) = moved.first() else {
        return String::new();
    };
    let name = |i: u32| operation_in_service(set, i);
    let Some(span) = set.spans.get(call as usize) else {
        return String::new();
    };
    // The callee, when its server half is in the data.
    let callee = index
        .children_of(call)
        .iter()
        .filter_map(|&c| set.spans.get(c as usize))
        .find(|c| c.kind == crate::model::SpanKind::Server && c.service != span.service)
        .map_or_else(String::new, |c| format!(" to `{}`", super::shown(set.str(c.service))));
    let parent = index
        .parent
        .get(call as usize)
        .copied()
        .flatten()
        .map_or_else(String::new, |p| {
            format!(", though the file parents it to {}, a span above it", name(p))
        });
    let others = match moved.len() {
        1 => String::new(),
        n => format!(" ({} more such {})", n - 1, if n == 2 { "call" } else { "calls" }),
    };
    if span.kind == crate::model::SpanKind::Server {
        // The answer to a call whose client span is not in the data: it is
        // counted in the span of the caller's service that ran around it.
        return format!(
            "; {}, a server span with no client span, is counted inside {}, which ran around it{parent}{others}",
            name(call),
            name(maker),
        );
    }
    format!(
        "; `{}` from `{}`{callee} is counted inside {}, whose process made it{parent}{others}",
        super::shown(&crate::analysis::groups::operation_name(set, call)),
        super::shown(set.str(span.service)),
        name(maker),
    )
}

/// "`post api proxy proxy` in `yelp_main/api_proxy`": span `i`'s operation
/// and service, as the notes after the path name them.
fn operation_in_service(set: &crate::model::TraceSet, i: u32) -> String {
    set.spans.get(i as usize).map_or(String::new(), |s| {
        format!(
            "`{}` in `{}`",
            super::shown(&crate::analysis::groups::operation_name(set, i)),
            super::shown(set.str(s.service))
        )
    })
}

/// Where the spans on a path went ([`super::calls::AttributeKeys::callee`]),
/// kept only for names that went to more than one place: a sidecar's every
/// span is `ingress`, HotROD's frontend calls two services as `HTTP GET`.
/// The 92 ms in front of the hipster shop's untraced partner service is then
/// told apart from the 1 ms each of the other 24 `ingress` spans adds.
struct Targets {
    /// Per span on the path, its target ("" when its name needs none).
    by_span: HashMap<u32, String>,
}

impl Targets {
    fn of(context: &Context<'_>, spans: &[u32]) -> Targets {
        let set = context.set;
        let keys = super::calls::AttributeKeys::of(set);
        let mut by_span: HashMap<u32, String> = HashMap::new();
        let mut places: HashMap<(Sym, Sym), HashSet<String>> = HashMap::new();
        for &i in spans {
            let Some(span) = set.spans.get(i as usize) else {
                continue;
            };
            // A bare `POST` told by its route needs no target: the route says where.
            if crate::analysis::groups::route_name(set, i).is_some() {
                continue;
            }
            let mut target = String::new();
            keys.callee(set, context.index, i, &mut target);
            places
                .entry((span.service, span.name))
                .or_default()
                .insert(target.clone());
            by_span.insert(i, target);
        }
        for (i, target) in by_span.iter_mut() {
            let Some(span) = set.spans.get(*i as usize) else {
                continue;
            };
            if places.get(&(span.service, span.name)).is_none_or(|p| p.len() < 2) {
                target.clear();
            }
        }
        Targets { by_span }
    }

    fn target(&self, i: u32) -> &str {
        self.by_span.get(&i).map_or("", String::as_str)
    }
}

/// The parts of one name (or one proxy's hops) that went to places the
/// sentence does not name, added up.
struct Rest<'p> {
    /// Service and name; no name for a proxy's hops, whatever their names.
    key: (Sym, Option<Sym>),
    time: u64,
    places: usize,
    /// The place that held most of it.
    biggest: (u64, &'p str),
    /// For a proxy: the hosts behind it that send no spans, and their time
    /// (the hipster shop's cart service, behind three `egress` hops).
    untraced: Vec<(&'p str, u64)>,
}

impl Rest<'_> {
    /// "`ingress` in `proxy` to 14 other places (60.8ms, 17%)", or for a
    /// proxy "the proxy `proxy` in front of 22 other places (95.2ms, 26%;
    /// 57.2ms of it in front of `emailservice:5000/…`)": where most of a
    /// proxy's time went is the callee's time outside its own spans.
    /// `after_named`: said right after the part of the same name or proxy.
    fn told(&self, set: &crate::model::TraceSet, share: &dyn Fn(u64) -> f64, after_named: bool) -> String {
        let places = format!("{} other place{}", self.places, if self.places == 1 { "" } else { "s" });
        let service = super::shown(set.str(self.key.0));
        let (what, most) = match self.key.1 {
            Some(name) => (
                format!("`{}` in `{service}` to {places}", super::shown(set.str(name))),
                String::new(),
            ),
            None => (
                if after_named {
                    format!("the same proxy in front of {places}")
                } else {
                    format!("the proxy `{service}` in front of {places}")
                },
                if let Some(&(host, time)) = self
                    .untraced
                    .iter()
                    .max_by_key(|(host, time)| (*time, std::cmp::Reverse(*host)))
                {
                    let others = self.untraced.len() - 1;
                    format!(
                        "; {} of it in front of `{}`{}, which send{} no spans",
                        DurationNs(time),
                        super::shown(host),
                        if others > 0 {
                            format!(" and {others} more")
                        } else {
                            String::new()
                        },
                        if others > 0 { "" } else { "s" },
                    )
                } else if self.places > 1 && 2 * self.biggest.0 >= self.time {
                    format!(
                        "; {} of it in front of `{}`",
                        DurationNs(self.biggest.0),
                        super::shown(self.biggest.1)
                    )
                } else {
                    String::new()
                },
            ),
        };
        format!(
            "{what} ({}, {:.0}%{most})",
            DurationNs(self.time),
            share(self.time) * 100.0
        )
    }
}

/// Whether a part is a proxy's hops ([`super::proxies`]).
fn is_proxy(context: &Context<'_>, part: &Part) -> bool {
    context
        .set
        .spans
        .get(part.longest.1 as usize)
        .is_some_and(|span| context.proxies.is_hop(context.set, span))
}

/// "; `partnerintegrationservice` sends no spans" when a part's longest span
/// has no child and its target's host names no service in the data: the time
/// is the untraced callee's, not the caller's (the hipster shop's sidecar
/// `ingress` waited 92 ms on a partner service that sends no spans).
fn untraced_behind(context: &Context<'_>, services: &HashSet<Sym>, part: &Part) -> String {
    untraced_host(context, services, part).map_or(String::new(), |host| {
        format!("; `{}` sends no spans", super::shown(host))
    })
}

/// The host of a part's target when its longest span has no child and the
/// host names no service in the data: an untraced callee.
fn untraced_host<'p>(context: &Context<'_>, services: &HashSet<Sym>, part: &'p Part) -> Option<&'p str> {
    let set = context.set;
    let host = part.target.split([':', '/']).next().unwrap_or("");
    let is_address = host.is_empty() || host.chars().all(|c| c.is_ascii_digit() || c == '.');
    if is_address || !context.index.children_of(part.longest.1).is_empty() {
        return None;
    }
    // A host that is no string of the set names no service.
    let traced = set.strings.get(host).is_some_and(|host| services.contains(&host));
    (!traced).then_some(host)
}

/// How long call `i` waited before and after the span of the server that
/// answered it (another service's SERVER child, timed on its own host), and
/// that server span; `None` for a span that is no such call. That time is
/// neither side's work: the network, a queue or a proxy between them.
fn waits_outside(context: &Context<'_>, i: u32) -> Option<(u64, u64, u32)> {
    let set = context.set;
    let call = set
        .spans
        .get(i as usize)
        .filter(|s| s.kind == crate::model::SpanKind::Client && s.duration_known())?;
    let (answer, server) = context
        .index
        .children_of(i)
        .iter()
        .filter_map(|&c| Some((c, set.spans.get(c as usize)?)))
        .filter(|(_, c)| c.kind == crate::model::SpanKind::Server && c.service != call.service && c.duration_known())
        .max_by_key(|(c, s)| (s.duration, std::cmp::Reverse(*c)))?;
    let before = server.start.0.saturating_sub(call.start.0);
    let after = call.end().0.saturating_sub(server.end().0);
    Some((before, after, answer))
}

/// A part whose time is its calls' wait outside the spans that answered
/// them, told as that wait rather than as an operation of the caller:
/// "a 36.1ms wait (27%) between `routing`'s call and
/// `yelp_main/api_proxy`'s answer (outside `post api proxy proxy`'s span:
/// 26.0ms before it began, 10.1ms after it ended)". The caller is the
/// service of the span that made the call (yelp's client span is recorded
/// in a service named `unknown`, under `routing`'s request). The split is
/// said only when it adds up to the part's time on the path (within 1%).
/// `None` for any other part.
fn waiting(context: &Context<'_>, part: &Part, share: &dyn Fn(u64) -> f64) -> Option<String> {
    let set = context.set;
    let (before, after) = part.waits?;
    let (_, _, answer) = waits_outside(context, part.longest.1)?;
    let call = set.spans.get(part.longest.1 as usize)?;
    let server = set.spans.get(answer as usize)?;
    let caller = context
        .index
        .parent
        .get(part.longest.1 as usize)
        .copied()
        .flatten()
        .and_then(|p| set.spans.get(p as usize))
        .map_or(call.service, |p| p.service);
    let calls = match part.spans {
        1 => format!("`{}`'s call", super::shown(set.str(caller))),
        n => format!("`{}`'s {n} calls", super::shown(set.str(caller))),
    };
    // The place and the split sit in one parenthesis: the part is an item of
    // a list joined by commas, and a comma of its own would split it.
    let split = if (before + after).abs_diff(part.time) <= part.time / 100 {
        format!(
            ": {} before it began, {} after it ended",
            DurationNs(before),
            DurationNs(after)
        )
    } else {
        String::new()
    };
    Some(format!(
        "a {} wait ({:.0}%) between {calls} and `{}`'s answer (outside `{}`'s span{split})",
        DurationNs(part.time),
        share(part.time) * 100.0,
        super::shown(set.str(server.service)),
        super::shown(&crate::analysis::groups::operation_name(set, answer)),
    ))
}

/// What a part is called in the sentence: "the proxy `proxy` in front of
/// `partnerintegrationservice:9397/integrate`" for a proxy's hop (not an
/// operation of its own: where the call went, passing through the network,
/// the proxy and the callee's time outside its own spans), else "`HTTP GET`
/// to `driver` in `frontend`".
fn name_of(context: &Context<'_>, p: &Part) -> String {
    let set = context.set;
    if is_proxy(context, p) && !p.target.is_empty() {
        return format!(
            "the proxy `{}` in front of `{}`",
            super::shown(set.str(p.service)),
            super::shown(&p.target)
        );
    }
    format!(
        "`{}`{} in `{}`",
        super::shown(p.route.as_deref().unwrap_or(set.str(p.name))),
        if p.target.is_empty() {
            String::new()
        } else {
            format!(" to `{}`", super::shown(&p.target))
        },
        super::shown(set.str(p.service)),
    )
}
