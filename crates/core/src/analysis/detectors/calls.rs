//! What the detectors of repeated calls share: which unit of work (request) a
//! span belongs to, which callee a remote call goes to, and how much
//! critical-path time a set of calls holds.
//!
//! **Units of work.** A trace's request is its entry span (the endpoint's
//! SERVER span): the spans below it that start before it ends. Many recorded
//! traces are not one request: a user journey whose first request redirects to
//! minutes of later ones, a call session answering messages, a test run that
//! calls a backend. A span outside the entry's request belongs to the nearest
//! SERVER or CONSUMER span above it that was still running when it started (a
//! handler: the request or message that service was answering), else to the
//! trace's root. So calls are counted, and their time measured, against the
//! request that made them, never against a 2 ms entry in a 40 s session.
//!
//! **Callee keys.** Remote calls (CLIENT spans that are not database calls) are
//! told apart by where they go, not only by the caller's span name (`HTTP GET`
//! names every HTTP call): `peer.service`, else the server address and port
//! (`server.address`/`server.port`, `net.peer.name`/`net.peer.port`,
//! `peer.hostname`/`peer.port`, the URL's host, then an address:
//! `net.peer.ip`, `peer.ipv4`), followed by the URL path
//! (`url.full`, `http.url`, `http.target`, `url.path`, `http.path`) with IDs
//! folded (numbers, UUIDs, hex, long tokens become `{id}`; the query is
//! dropped) or the RPC method; without any of those, the SERVER span the call
//! reached (a child in another service). Span names are folded the same way.
//! Keys are built once per span into a reused buffer and interned, so a
//! million calls to a few endpoints allocate a few strings.

use super::Context;
use crate::intern::Sym;
use crate::model::{AttrValue, SpanKind, TraceSet};
use std::collections::HashMap;

/// Marks spans that have no unit or no call key.
const NONE: u32 = u32::MAX;

/// The unit of work of every span.
pub(super) struct Units {
    /// Per span, the span that is its unit (its request or handler), or [`NONE`].
    unit_of: Vec<u32>,
    /// The handlers (units that are no endpoint's request), by name.
    handlers: Handlers,
}

/// What a unit is, for a finding's subject and sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum UnitName<'a> {
    /// The trace's entry: a request of this endpoint.
    Endpoint(&'a str),
    /// A handler (or a root) outside any endpoint's request: its service and
    /// name, a request path rather than a bare `get` when the span has one.
    Handler(Sym, &'a str),
}

impl Units {
    /// Finds the unit of every span of every trace.
    pub(super) fn of(context: &Context<'_>) -> Units {
        let (set, index) = (context.set, context.index);
        let mut unit_of = vec![NONE; set.spans.len()];
        let mut handlers = Handlers::default();
        let mut name = String::new();
        let mut stack: Vec<(u32, u32)> = Vec::new();
        for (t, trace) in index.traces.iter().enumerate() {
            // A session's first server span is no request of its own: it is
            // part of the handler that called it, like any other call.
            let entry = context
                .entries
                .get(t)
                .copied()
                .flatten()
                .filter(|_| trace.shape != crate::index::TraceShape::Session);
            // Every span without a parent here (the root, orphans) starts a walk.
            for &top in index.spans_of(trace) {
                if index.parent.get(top as usize).copied().flatten().is_some() {
                    continue;
                }
                stack.push((top, NONE));
                while let Some((span, above)) = stack.pop() {
                    let Some(slot) = unit_of.get_mut(span as usize) else {
                        continue;
                    };
                    if *slot != NONE {
                        continue; // seen: a parent cycle in bad data, or a duplicate
                    }
                    let unit = unit_for(set, span, above, entry);
                    *slot = unit;
                    if unit == span && Some(span) != entry {
                        name.clear();
                        crate::analysis::groups::unit_name(set, span, &mut name);
                        handlers.count(set.spans[span as usize].service, span, &name);
                    }
                    stack.extend(index.children_of(span).iter().map(|&c| (c, unit)));
                }
            }
        }
        Units { unit_of, handlers }
    }

    /// The unit of span `i`.
    pub(super) fn unit(&self, i: u32) -> Option<u32> {
        self.unit_of.get(i as usize).copied().filter(|&u| u != NONE)
    }

    /// What unit `unit` of trace `t` is.
    pub(super) fn name<'a>(&'a self, context: &Context<'a>, t: usize, unit: u32) -> UnitName<'a> {
        let is_entry = context.entries.get(t).copied().flatten() == Some(unit);
        match context.endpoints.get(t).and_then(|e| e.as_deref()) {
            Some(endpoint) if is_entry => UnitName::Endpoint(endpoint),
            _ => match self.handlers.of.get(&unit) {
                Some(&(service, at)) => UnitName::Handler(service, self.handlers.name(at)),
                // Not a unit of its own (asked of a span that is none): its span name.
                None => {
                    let span = &context.set.spans[unit as usize];
                    UnitName::Handler(span.service, context.set.str(span.name))
                }
            },
        }
    }

    /// How many units of this kind the data holds: the endpoint's requests, or the handler's calls.
    pub(super) fn count(&self, context: &Context<'_>, name: UnitName<'_>) -> u64 {
        match name {
            UnitName::Endpoint(endpoint) => context
                .traces_by_endpoint()
                .get(endpoint)
                .map_or(0, |traces| traces.len() as u64),
            UnitName::Handler(service, name) => self.handlers.runs(service, name),
        }
    }
}

/// The handlers: units of work that are no endpoint's request, told apart
/// by service and name ([`crate::analysis::groups::unit_name`]: a request
/// path rather than a bare `get`), with how many units each was.
#[derive(Default)]
struct Handlers {
    /// Per service, each handler name and its index in `runs`.
    names: HashMap<Sym, HashMap<Box<str>, u32>>,
    /// Per handler unit's span, its service and index in `runs`.
    of: HashMap<u32, (Sym, u32)>,
    /// Per handler, its name and how many units it was: the denominator of
    /// findings about units without an endpoint.
    runs: Vec<(Box<str>, u64)>,
}

impl Handlers {
    /// One more run of the handler `service`, `name`, at unit span `span`.
    fn count(&mut self, service: Sym, span: u32, name: &str) {
        let names = self.names.entry(service).or_default();
        let at = match names.get(name) {
            Some(&at) => at,
            None => {
                let at = u32::try_from(self.runs.len()).unwrap_or(u32::MAX);
                names.insert(name.into(), at);
                self.runs.push((name.into(), 0));
                at
            }
        };
        if let Some((_, runs)) = self.runs.get_mut(at as usize) {
            *runs += 1;
        }
        self.of.insert(span, (service, at));
    }

    /// The name of handler `at`.
    fn name(&self, at: u32) -> &str {
        self.runs.get(at as usize).map_or("", |(name, _)| name)
    }

    /// How many units handler `service`, `name` was.
    fn runs(&self, service: Sym, name: &str) -> u64 {
        let at = self.names.get(&service).and_then(|names| names.get(name));
        at.and_then(|&at| self.runs.get(at as usize))
            .map_or(0, |&(_, runs)| runs)
    }
}

/// The unit of `span`, given the unit of the span above it (`NONE` at a root):
/// that unit while it was still running when `span` started, else `span`
/// itself (work started after the unit answered is not part of its answer).
/// A CONSUMER span is always a unit of its own: the message was sent, not
/// waited for.
fn unit_for(set: &TraceSet, span: u32, above: u32, entry: Option<u32>) -> u32 {
    let s = &set.spans[span as usize];
    if Some(span) == entry || s.kind == SpanKind::Consumer {
        return span;
    }
    let inside = set
        .spans
        .get(above as usize)
        .is_some_and(|u| s.start < u.end() || s.start.0 == 0);
    if inside { above } else { span }
}

impl UnitName<'_> {
    /// The endpoint, when the unit is a request of one.
    pub(super) fn endpoint(self) -> Option<String> {
        match self {
            UnitName::Endpoint(e) => Some(e.to_owned()),
            UnitName::Handler(..) => None,
        }
    }

    /// "per `GET /api/cart` request" / "per `IncomingCall` in `callhandler`".
    pub(super) fn per(self, set: &TraceSet) -> String {
        match self {
            UnitName::Endpoint(e) => format!("per `{}` request", super::shown(e)),
            UnitName::Handler(service, name) => {
                format!("per `{}` in `{}`", super::shown(name), super::shown(set.str(service)))
            }
        }
    }

    /// What several units are: "requests" of an endpoint, "runs" of a
    /// handler (a message handler in a session is not a request).
    pub(super) fn units_noun(self) -> &'static str {
        match self {
            UnitName::Endpoint(_) => "requests",
            UnitName::Handler(..) => "runs",
        }
    }

    /// When one request is the evidence: "its one `GET /dispatch` request (n=1)",
    /// or "one `IncomingCall` in `callhandler` (1 of its 10 runs, n=1)" when the data
    /// holds more of them ("one `get` in `stLogin` of 10" read as a handler
    /// named "of 10"). The parenthesis comes right after the name:
    /// `consolidate` reads the unit up to it.
    pub(super) fn the_one(self, set: &TraceSet, of: u64) -> String {
        let what = match self {
            UnitName::Endpoint(e) => format!("`{}` request", super::shown(e)),
            UnitName::Handler(service, name) => {
                format!("`{}` in `{}`", super::shown(name), super::shown(set.str(service)))
            }
        };
        if of <= 1 {
            format!("its one {what} (n=1)")
        } else {
            format!("one {what} (1 of its {of} {}, n=1)", self.units_noun())
        }
    }
}

/// Callee keys of the remote calls of a set.
pub(super) struct CallKeys {
    /// Per span, its key in `keys`, or [`NONE`] for spans that are no remote call.
    key_of: Vec<u32>,
    /// Distinct keys: the folded span name and the callee ("" when unknown).
    keys: Vec<(String, String)>,
    attributes: AttributeKeys,
}

/// Whether span `i` is a remote call: a CLIENT span, or a span whose source
/// gave no kind (OpenCensus' `Sent.*` spans, some Jaeger clients) with a child
/// in another service: the request left the process there. A proxy's hop
/// ([`super::proxies`]) is none: the call is its caller's, passing through.
pub(super) fn calls_out(context: &Context<'_>, i: u32) -> bool {
    let (set, index) = (context.set, context.index);
    let Some(span) = set.spans.get(i as usize) else {
        return false;
    };
    if context.proxies.is_hop(set, span) {
        return false;
    }
    match span.kind {
        SpanKind::Client => true,
        SpanKind::Unspecified => index.children_of(i).iter().any(|&c| {
            set.spans
                .get(c as usize)
                .is_some_and(|child| child.service != span.service)
        }),
        _ => false,
    }
}

impl CallKeys {
    /// Keys every remote call ([`calls_out`]) that is not a database call.
    pub(super) fn of(context: &Context<'_>) -> CallKeys {
        let (set, index) = (context.set, context.index);
        let attrs = AttributeKeys::of(set);
        let mut key_of = vec![NONE; set.spans.len()];
        let mut keys: Vec<(String, String)> = Vec::new();
        let mut by_text: HashMap<String, u32> = HashMap::new();
        let (mut name, mut callee, mut both) = (String::new(), String::new(), String::new());
        for (i, span) in set.spans.iter().enumerate() {
            // A call without a start time is an incomplete record (a lone half of a shared span).
            if !calls_out(context, i as u32) || span.start.0 == 0 || context.database.is_call(i as u32) {
                continue;
            }
            name.clear();
            fold_ids(set.str(span.name), &mut name);
            callee.clear();
            attrs.callee(set, index, i as u32, &mut callee);
            both.clear();
            both.push_str(&name);
            both.push('\0');
            both.push_str(&callee);
            let id = match by_text.get(both.as_str()) {
                Some(&id) => id,
                None => {
                    keys.push((name.clone(), callee.clone()));
                    let id = (keys.len() - 1) as u32;
                    by_text.insert(both.clone(), id);
                    id
                }
            };
            if let Some(slot) = key_of.get_mut(i) {
                *slot = id;
            }
        }
        CallKeys {
            key_of,
            keys,
            attributes: attrs,
        }
    }

    /// What call `i` asked for exactly, IDs and query included (its URL, or
    /// its path with the query), when an attribute says: two calls with one
    /// target asked for the same thing. `None` for an RPC, whose arguments
    /// no attribute holds.
    pub(super) fn target<'s>(&self, set: &'s TraceSet, i: u32) -> Option<&'s str> {
        let span = set.spans.get(i as usize)?;
        let attributes = set.attributes_of(span);
        [&self.attributes.url, &self.attributes.path]
            .into_iter()
            .find_map(|keys| {
                keys.iter().find_map(|&k| {
                    attributes.iter().find(|a| a.key == k).and_then(|a| match a.value {
                        AttrValue::Str(s) => Some(set.str(s)).filter(|s| !s.is_empty()),
                        _ => None,
                    })
                })
            })
    }

    /// The server span remote call `i` reached (see [`AttributeKeys::callee`]):
    /// a SERVER child in another service, or the first span past proxy hops.
    pub(super) fn reached(&self, set: &TraceSet, index: &crate::index::TraceIndex, i: u32) -> Option<u32> {
        self.attributes.reached(set, index, i)
    }

    /// The key of span `i`, if it is a remote call.
    pub(super) fn key(&self, i: u32) -> Option<u32> {
        self.key_of.get(i as usize).copied().filter(|&k| k != NONE)
    }

    /// "`getDriver` to `redis:6379`", or "`getDriver`" when the callee is not
    /// known; a call named only by its method is named like any such
    /// operation, by method and path ([`crate::analysis::groups::operation_name`]):
    /// "`GET /devices/{id}`", not "`get` to `/devices/{id}`", and HotROD's
    /// "`GET /route` to `0.0.0.0:8083`", not "`HTTP GET` to
    /// `0.0.0.0:8083/route`", so the sentence says the route its headline
    /// names.
    pub(super) fn shown(&self, key: u32) -> String {
        use crate::analysis::groups::{is_bare_method, method_in_name};
        match self.keys.get(key as usize) {
            Some((name, callee)) if !callee.is_empty() => {
                let path_at = callee.find('/');
                match method_in_name(name).filter(|_| is_bare_method(name)).zip(path_at) {
                    Some((method, 0)) => format!("`{method} {}`", super::shown(callee)),
                    Some((method, at)) => format!(
                        "`{method} {}` to `{}`",
                        super::shown(callee.get(at..).unwrap_or_default()),
                        super::shown(callee.get(..at).unwrap_or_default())
                    ),
                    None => format!("`{}` to `{}`", super::shown(name), super::shown(callee)),
                }
            }
            Some((name, _)) => format!("`{}`", super::shown(name)),
            None => String::new(),
        }
    }

    /// The folded span name of a key (a finding's operation).
    pub(super) fn name(&self, key: u32) -> &str {
        self.keys.get(key as usize).map_or("", |(name, _)| name.as_str())
    }

    /// The callee of a key (`host:port/path`, a peer service), empty when unknown.
    pub(super) fn callee(&self, key: u32) -> &str {
        self.keys.get(key as usize).map_or("", |(_, callee)| callee.as_str())
    }

    /// Whether calls of `key` go to a path under the path of `parent`, by
    /// the same span name: `host/kv/Nimbus.RefreshSentinel` under `host/kv`,
    /// one resource of the collection the other call lists.
    pub(super) fn is_under(&self, key: u32, parent: u32) -> bool {
        let (above, below) = (self.callee(parent), self.callee(key));
        above.contains('/')
            && self.name(key) == self.name(parent)
            && below.strip_prefix(above).is_some_and(|rest| rest.starts_with('/'))
    }
}

/// The attribute keys callees are read from, looked up once.
pub(super) struct AttributeKeys {
    peer_service: Vec<Sym>,
    host: Vec<Sym>,
    /// Addresses: after the URL's host, which names the callee where an
    /// address may name the other end (an Envoy `ingress` span's
    /// `net.peer.ip` is its downstream client).
    address: Vec<Sym>,
    port: Vec<Sym>,
    url: Vec<Sym>,
    path: Vec<Sym>,
    rpc_service: Vec<Sym>,
    rpc_method: Vec<Sym>,
    proxies: super::proxies::ProxyHops,
}

impl AttributeKeys {
    pub(super) fn of(set: &TraceSet) -> AttributeKeys {
        let keys = |names: &[&str]| -> Vec<Sym> { names.iter().filter_map(|n| set.strings.get(n)).collect() };
        AttributeKeys {
            peer_service: keys(&["peer.service", "service.peer.name"]),
            host: keys(&["server.address", "net.peer.name", "peer.hostname", "http.host"]),
            address: keys(&["net.peer.ip", "peer.ipv4"]),
            port: keys(&["server.port", "net.peer.port", "peer.port"]),
            url: keys(&["url.full", "http.url"]),
            path: keys(&["url.template", "http.target", "url.path", "http.path"]),
            rpc_service: keys(&["rpc.service"]),
            rpc_method: keys(&["rpc.method"]),
            proxies: super::proxies::ProxyHops::of(set),
        }
    }

    /// Writes the callee of call `i` into `out` (nothing when unknown).
    pub(super) fn callee(&self, set: &TraceSet, index: &crate::index::TraceIndex, i: u32, out: &mut String) {
        use std::fmt::Write;
        let Some(span) = set.spans.get(i as usize) else { return };
        let attributes = set.attributes_of(span);
        // Borrowed from the set's strings: no allocation per call.
        let first = |keys: &[Sym]| -> Option<&AttrValue> {
            keys.iter()
                .find_map(|&k| attributes.iter().find(|a| a.key == k).map(|a| &a.value))
        };
        let text = |keys: &[Sym]| -> Option<&str> {
            match first(keys)? {
                AttrValue::Str(s) => Some(set.str(*s)).filter(|s| !s.is_empty()),
                _ => None,
            }
        };
        let (url_host, url_path) = text(&self.url).map_or(("", ""), split_url);
        let path = Some(url_path)
            .filter(|p| !p.is_empty() && *p != "/")
            .or_else(|| text(&self.path).map(|p| p.split(['?', '#']).next().unwrap_or("")))
            .filter(|p| !p.is_empty());
        // A host is never folded: `0.0.0.0:8083` names the callee.
        let host = text(&self.host).or_else(|| (url_host.is_empty()).then(|| text(&self.address)).flatten());
        if let Some(peer) = text(&self.peer_service) {
            out.push_str(peer);
        } else if let Some(host) = host {
            out.push_str(host);
            if !host.contains(':') {
                match first(&self.port) {
                    Some(AttrValue::Str(port)) if !set.str(*port).is_empty() => {
                        out.push(':');
                        out.push_str(set.str(*port));
                    }
                    Some(AttrValue::Int(port)) => {
                        let _ = write!(out, ":{port}");
                    }
                    _ => {}
                }
            }
        } else {
            out.push_str(url_host);
        }
        match path {
            Some(path) => {
                if !path.starts_with('/') && !out.is_empty() {
                    out.push('/');
                }
                fold_ids(path, out);
            }
            None => {
                if let Some(method) = text(&self.rpc_method) {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    if let Some(service) = text(&self.rpc_service).filter(|s| !method.contains(s)) {
                        out.push_str(service);
                        out.push('/');
                    }
                    out.push_str(method);
                }
            }
        }
        if out.is_empty() {
            // Nothing on the call says where it went: the server span it reached does.
            if let Some(server) = self.reached(set, index, i).and_then(|s| set.spans.get(s as usize)) {
                out.push_str(set.str(server.service));
                // OpenCensus names both ends of an RPC after its method
                // (`Sent.hipstershop.CartService.GetCart` reaches
                // `Recv.hipstershop.CartService.GetCart`): the service says it all.
                let method = |name: &'_ str| name.split_once('.').map(|(_, method)| method.to_owned());
                let (call, served) = (set.str(span.name), set.str(server.name));
                if method(call).is_none() || method(call) != method(served) {
                    out.push(' ');
                    fold_ids(served, out);
                }
            }
        }
    }
}

impl AttributeKeys {
    /// The server span call `i` reached: a SERVER child in another service,
    /// or, through proxy hops (a sidecar's `egress` and the callee's
    /// `ingress`, at most [`PROXY_HOPS`] deep), the first span below them
    /// that is in another service and no hop, whatever its kind (the hipster
    /// shop's OpenCensus `Recv.*` spans carry none).
    fn reached(&self, set: &TraceSet, index: &crate::index::TraceIndex, i: u32) -> Option<u32> {
        let caller = set.spans.get(i as usize)?;
        let mut level: Vec<u32> = index.children_of(i).to_vec();
        for depth in 0..=PROXY_HOPS {
            let mut through: Vec<u32> = Vec::new();
            for &c in &level {
                let Some(child) = set.spans.get(c as usize) else {
                    continue;
                };
                if self.proxies.is_hop(set, child) {
                    through.extend_from_slice(index.children_of(c));
                } else if child.service != caller.service && (depth > 0 || child.kind == SpanKind::Server) {
                    return Some(c);
                }
            }
            level = through;
        }
        None
    }
}

/// Proxy hops looked through to find the server a call reached: a caller's
/// sidecar and the callee's make two.
const PROXY_HOPS: usize = 2;

/// A URL's host (with port) and path, without scheme, user, query or fragment.
/// `0.0.0.0:8083` is a host; `/api/x` is a path.
fn split_url(url: &str) -> (&str, &str) {
    let url = url.split(['?', '#']).next().unwrap_or("");
    let rest = match url.find("://") {
        Some(at) => &url[at + 3..],
        None if url.starts_with('/') => return ("", url),
        None => url,
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    (host, path)
}

/// Appends `text` to `out` with the IDs in it folded to `{id}`, as endpoint
/// names fold them ([`crate::analysis::id_folding`]).
pub(super) fn fold_ids(text: &str, out: &mut String) {
    crate::analysis::id_folding::fold_ids(text, out);
}

/// What repeated calls held across the units of work they ran in, added up.
pub(super) struct Held {
    /// Their wall-clock union within each unit.
    pub held: u64,
    /// The units' own durations.
    pub unit_time: u64,
    /// Their cost, at most, on the critical path ([`unit_cost`]).
    pub time: u64,
    /// How they sat in time: the most that ran at once in any unit.
    pub layout: super::wall_clock::Layout,
}

/// [`Held`] for `runs`: each a trace, the unit span, and the calls in it.
pub(super) fn held<'c>(context: &Context<'_>, runs: impl IntoIterator<Item = (usize, u32, &'c [u32])>) -> Held {
    let set = context.set;
    let mut intervals = super::wall_clock::Intervals::default();
    let mut sum = Held {
        held: 0,
        unit_time: 0,
        time: 0,
        layout: super::wall_clock::Layout::OneAfterAnother,
    };
    for (t, unit, calls) in runs {
        let Some(span) = set.spans.get(unit as usize) else {
            continue;
        };
        intervals.clear();
        for &c in calls {
            intervals.push_span(set, c);
        }
        let union = intervals.union_within(span.start.0, span.end().0);
        sum.held = sum.held.saturating_add(union);
        sum.layout = sum.layout.max(intervals.layout());
        sum.unit_time = sum.unit_time.saturating_add(span.duration.0);
        sum.time = sum.time.saturating_add(unit_cost(context, t, unit, calls, union));
    }
    sum
}

/// What a set of calls costs their unit, at most: on the critical path of
/// the unit, as [`own_path_time`] reads it: in a session, each unit's own
/// path (calls that run in parallel under a longer sibling cost the unit
/// only what they add to it, not their wall-clock union); in a request
/// trace, the trace's path when the unit is its root (see [`path_time`]);
/// otherwise `held`, the calls' wall-clock union within the unit, since
/// the trace's critical path does not run through a handler that is not
/// its root.
pub(super) fn unit_cost(context: &Context<'_>, t: usize, unit: u32, calls: &[u32], held: u64) -> u64 {
    match context.index.traces.get(t) {
        Some(trace) if trace.shape == crate::index::TraceShape::Session => {
            subtree_time(context, calls, |span| context.session_units().on_path(span)).min(held)
        }
        Some(trace) if trace.root == unit => path_time(context, calls),
        _ => held,
    }
}

/// What units of these names are, one and several: requests of endpoints,
/// runs of handlers, or both.
pub(super) fn units_noun<'a>(names: impl IntoIterator<Item = UnitName<'a>>) -> (&'static str, &'static str) {
    let (mut requests, mut runs) = (false, false);
    for name in names {
        match name {
            UnitName::Endpoint(_) => requests = true,
            UnitName::Handler(..) => runs = true,
        }
    }
    match (requests, runs) {
        (true, false) => ("request", "requests"),
        (true, true) => ("request or run", "requests and runs"),
        _ => ("run", "runs"),
    }
}

/// Span `i`'s own time on the critical path of its unit of work `unit` in
/// trace `t`: within each unit of a session its own path; in a request
/// trace the trace's path when the unit is its root; else `otherwise` (a
/// handler that is not its trace's root has no path of its own).
pub(super) fn own_path_time(context: &Context<'_>, t: usize, unit: u32, i: u32, otherwise: u64) -> u64 {
    match context.index.traces.get(t) {
        Some(trace) if trace.shape == crate::index::TraceShape::Session => context.session_units().on_path(i),
        Some(trace) if trace.root == unit => context.on_path.get(i as usize).map_or(0, |d| d.0),
        _ => otherwise,
    }
}

/// Critical-path time held by the subtrees of `calls` (each span's own
/// on-path time, summed over the calls and everything below them, each span
/// once even where calls nest): at most what removing the calls would save.
pub(super) fn path_time(context: &Context<'_>, calls: &[u32]) -> u64 {
    subtree_time(context, calls, |span| {
        context.on_path.get(span as usize).map_or(0, |d| d.0)
    })
}

/// `time` of every span in the subtrees of `calls`, added up, each span
/// once even where calls nest: a path time summed over what the calls did.
pub(super) fn subtree_time(context: &Context<'_>, calls: &[u32], time: impl Fn(u32) -> u64) -> u64 {
    // Taken out of the context for the walk, not borrowed: a `time` that
    // walks too (a lazily built fact) gets fresh stamps instead of a panic.
    let mut visits = context.visits.take();
    visits.start(context.set.spans.len());
    let mut stack: Vec<u32> = calls.to_vec();
    let mut total = 0u64;
    while let Some(span) = stack.pop() {
        // Each span once: calls nest, and parent links read from a file can loop.
        if !visits.first(span) {
            continue;
        }
        total = total.saturating_add(time(span));
        stack.extend_from_slice(context.index.children_of(span));
    }
    context.visits.replace(visits);
    total
}

/// The spans one walk has visited, as stamps: a span is visited in the
/// current walk when its stamp is the walk's number, so a new walk starts
/// by counting one up, not by clearing a set. One trace of 100,000 spans is
/// walked once for every group of repeated calls in it, and a hash set
/// per walk was most of the chatty-calls detector's time.
#[derive(Default)]
pub(super) struct Visits {
    stamps: Vec<u32>,
    walk: u32,
}

impl Visits {
    /// Begins a walk over a set of `spans` spans.
    fn start(&mut self, spans: usize) {
        if self.stamps.len() < spans {
            self.stamps.resize(spans, 0);
        }
        self.walk = self.walk.wrapping_add(1);
        if self.walk == 0 {
            // Counted round: stamps of old walks could read as this one's.
            self.stamps.fill(0);
            self.walk = 1;
        }
    }

    /// Whether `span` is visited now for the first time in this walk (a span
    /// outside the set never is).
    fn first(&mut self, span: u32) -> bool {
        match self.stamps.get_mut(span as usize) {
            Some(stamp) if *stamp != self.walk => {
                *stamp = self.walk;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> String {
        let mut out = String::new();
        fold_ids(text, &mut out);
        out
    }

    #[test]
    fn ids_fold_and_words_stay() {
        assert_eq!(folded("/orders/123/items"), "/orders/{id}/items");
        assert_eq!(folded("/product/36de61d2-63c5-411e-bddd-64e4f580792c"), "/product/{id}");
        assert_eq!(
            folded("/v1.0/communications/calls/01003a80-5371-49a3-93fa-cb471d6e2c6d/participants"),
            "/v1.0/communications/calls/{id}/participants"
        );
        assert_eq!(folded("HTTP GET /route"), "HTTP GET /route");
        assert_eq!(
            folded("Sent./product/36de61d2-63c5-411e-bddd-64e4f580792c"),
            "Sent./product/{id}"
        );
        assert_eq!(folded("/v2/executions"), "/v2/executions");
        assert_eq!(folded("/api/deadbeefcafe0001"), "/api/{id}");
        assert_eq!(folded("/users/me"), "/users/me");
        assert_eq!(
            folded("Client Request: luststagenimbusltdpus01.table.core.windows.net"),
            "Client Request: luststagenimbusltdpus01.table.core.windows.net"
        );
        assert_eq!(folded("/t/a8Xk2LmQ9rT5vB3n"), "/t/{id}");
        assert_eq!(folded("/devices/21283159-db7e-4b0a-a5d5-XXXXXXXXXXXX"), "/devices/{id}");
        assert_eq!(folded("/installedapps/configs"), "/installedapps/configs");
    }

    #[test]
    fn urls_split_into_host_and_path() {
        assert_eq!(
            split_url("http://0.0.0.0:8083/route?dropoff=1"),
            ("0.0.0.0:8083", "/route")
        );
        assert_eq!(split_url("0.0.0.0:8081"), ("0.0.0.0:8081", ""));
        assert_eq!(split_url("/api/v2/executions"), ("", "/api/v2/executions"));
        assert_eq!(split_url("https://user@host/x#f"), ("host", "/x"));
    }
}
