//! The service map: services as nodes and the calls between them as edges,
//! computed from parent and child spans across services.
//!
//! - An **edge** caller → callee is counted once for every span of the callee
//!   service whose parent is a span of the caller service (the two differ).
//!   Its latency is what the caller waited: the parent's duration when the
//!   parent is a CLIENT or PRODUCER span (the call as the caller saw it,
//!   network and queueing included), else the child's duration (an
//!   uninstrumented caller: the callee's own span is all that is known of the
//!   call). A call **failed** when either side failed, by the one notion of
//!   [`super::failure`]: a client span with an error status, or a server span
//!   with an error status or answering 5xx.
//! - **Calls that leave the traces** ([`peers`]): a CLIENT or PRODUCER span (or
//!   any span recognised as a database call) that reached no traced callee
//!   but names its peer (`peer.service`, the server's address, the database
//!   or messaging system, the RPC service) is a call to an untraced node, as
//!   Tempo's service graph draws "virtual nodes": a database, a cache, a
//!   broker, an external API. Such nodes have `traced: false`.
//! - A **node** per service: its span count, and its **requests**: the spans
//!   that entered it (no parent, or a parent in another service), with their
//!   failures and duration percentiles. An untraced node's requests are the
//!   calls made to it.
//!
//! Percentiles are the exact nearest-rank ones of the tables
//! ([`crate::stats::percentile`]); spans without a known duration count as
//! calls and failures but stay out of percentiles. Nodes come busiest first
//! (requests, then spans), edges by calls, ties by name, so the order is the
//! same on every run.
//!
//! With a baseline map ([`ServiceMap::compare`], [`baseline`]) every node and
//! edge also says whether its p95 or error rate changed beyond noise, and
//! nodes and edges present on one side only are marked new or gone.
//!
//! [`layout`] places the map for drawing (pure arithmetic, tested natively).

pub mod baseline;
pub mod layout;
pub mod peers;

pub use baseline::{BaselineChange, Presence, Shift};
pub use layout::{EdgePath, Layout, NodeBox, Point, layout, layout_with};

use super::failure::Failures;
use crate::index::TraceIndex;
use crate::intern::Sym;
use crate::model::{SpanKind, TraceSet};
use crate::stats::{Percentile, percentile};
use crate::time::DurationNs;
use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

/// Services and the calls between them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceMap {
    /// Every service and untraced peer, busiest first.
    pub nodes: Vec<ServiceNode>,
    /// Every caller → callee pair, most calls first.
    pub edges: Vec<ServiceEdge>,
}

/// What a node stands for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A service that sent spans (or an untraced peer of unknown kind).
    #[default]
    Service,
    /// An untraced database or cache.
    Database,
    /// An untraced message broker.
    Messaging,
    /// An untraced remote service or external API.
    External,
}

/// One service, or one untraced peer that services call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceNode {
    /// The service name (`service.name`), or the peer's name; unique in a map.
    pub name: String,
    /// False for a peer seen only through its callers' spans.
    pub traced: bool,
    /// What it is.
    pub kind: NodeKind,
    /// For an untraced peer, the database or messaging system its callers
    /// named (`redis`, `postgresql`, `kafka`), if any.
    pub system: Option<String>,
    /// Spans it sent (0 for an untraced peer).
    pub spans: u64,
    /// Spans that entered it (no parent, or a parent in another service); for
    /// an untraced peer, the calls made to it.
    pub requests: u64,
    /// Requests that failed.
    pub errors: u64,
    /// `errors / requests`, 0 when there are none.
    pub error_rate: f64,
    /// Median duration of its requests; `None` when none has a known duration.
    pub p50: Option<DurationNs>,
    /// 95th percentile duration of its requests.
    pub p95: Option<DurationNs>,
    /// Against a baseline map, once compared; `None` before.
    pub baseline: Option<BaselineChange>,
    /// Its requests' known durations, ascending: what the baseline comparison
    /// tests. Not serialised (a map read back from JSON cannot be compared).
    #[serde(skip)]
    durations: Vec<DurationNs>,
}

/// Calls from one node to another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceEdge {
    /// The calling service.
    pub caller: String,
    /// The called service or peer.
    pub callee: String,
    /// Calls made.
    pub calls: u64,
    /// Calls that failed on either side.
    pub errors: u64,
    /// `errors / calls`, 0 when there are none.
    pub error_rate: f64,
    /// Median call latency; `None` when no call has a known duration.
    pub p50: Option<DurationNs>,
    /// 95th percentile call latency.
    pub p95: Option<DurationNs>,
    /// Against a baseline map, once compared; `None` before.
    pub baseline: Option<BaselineChange>,
    /// The calls' known latencies, ascending (not serialised).
    #[serde(skip)]
    durations: Vec<DurationNs>,
}

impl ServiceMap {
    /// The map of everything in `set`, linked by `index`, with the spans that
    /// failed according to `failures` (the analysis's own:
    /// [`super::Requests::failures`]). O(spans + attributes of call spans).
    pub fn of(set: &TraceSet, index: &TraceIndex, failures: &Failures) -> ServiceMap {
        let mut builder = Builder::default();
        let peers = peers::Peers::of(set);
        for (i, span) in (0u32..).zip(&set.spans) {
            let node = builder.service(set, span.service);
            let duration = span.known_duration();
            let failed = failures.span(i);
            builder.nodes[node].spans += 1;
            let parent = index
                .parent
                .get(i as usize)
                .copied()
                .flatten()
                .and_then(|p| Some((p, set.spans.get(p as usize)?)));
            let from_elsewhere = parent.is_some_and(|(_, p)| p.service != span.service);
            if parent.is_none() || from_elsewhere {
                builder.nodes[node].requests.add(duration, failed);
            }
            if let Some((p, parent)) = parent.filter(|(_, p)| p.service != span.service) {
                let caller = builder.service(set, parent.service);
                let waited = matches!(parent.kind, SpanKind::Client | SpanKind::Producer);
                let latency = if waited { parent.known_duration() } else { duration };
                builder.edge(caller, node).add(latency, failed || failures.span(p));
            }
            if let Some(peer) = peers.untraced_call(set, index, i, from_elsewhere) {
                let callee = builder.peer(set, &peers, peer);
                // A peer named like the calling service is that service (no edge to itself).
                if callee != node {
                    builder.nodes[callee].calls_in.add(duration, failed);
                    builder.edge(node, callee).add(duration, failed);
                }
            }
        }
        builder.finish()
    }

    /// The node called `name`, if any.
    pub fn node(&self, name: &str) -> Option<&ServiceNode> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The edge `caller` → `callee`, if any.
    pub fn edge(&self, caller: &str, callee: &str) -> Option<&ServiceEdge> {
        self.edges.iter().find(|e| e.caller == caller && e.callee == callee)
    }

    /// Nodes busiest first (requests, then spans), ties by name; edges by
    /// calls, ties by caller and callee.
    fn sort(&mut self) {
        self.nodes.sort_by(|a, b| {
            (b.requests, b.spans)
                .cmp(&(a.requests, a.spans))
                .then_with(|| a.name.cmp(&b.name))
        });
        self.edges.sort_by(|a, b| {
            b.calls
                .cmp(&a.calls)
                .then_with(|| (&a.caller, &a.callee).cmp(&(&b.caller, &b.callee)))
        });
    }
}

/// Counts, failures and latencies of a node's requests or an edge's calls.
#[derive(Clone, Debug, Default)]
struct Tally {
    count: u64,
    errors: u64,
    durations: Vec<DurationNs>,
}

impl Tally {
    fn add(&mut self, duration: Option<DurationNs>, failed: bool) {
        self.count += 1;
        self.errors += u64::from(failed);
        self.durations.extend(duration);
    }

    /// Error rate and percentiles, with the durations sorted for the baseline test.
    fn finish(mut self) -> Summary {
        self.durations.sort_unstable();
        Summary {
            count: self.count,
            errors: self.errors,
            error_rate: rate(self.errors, self.count),
            p50: percentile(&self.durations, Percentile::P50),
            p95: percentile(&self.durations, Percentile::P95),
            durations: self.durations,
        }
    }
}

struct Summary {
    count: u64,
    errors: u64,
    error_rate: f64,
    p50: Option<DurationNs>,
    p95: Option<DurationNs>,
    durations: Vec<DurationNs>,
}

/// `part / whole`, 0 when `whole` is 0.
fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// A node while the spans are read.
#[derive(Default)]
struct NodeTally {
    name: String,
    traced: bool,
    kind: NodeKind,
    system: Option<String>,
    spans: u64,
    /// Spans entering it (a traced service's requests).
    requests: Tally,
    /// Calls made to it as an untraced peer: its requests unless it is traced.
    calls_in: Tally,
}

/// Nodes by name (one per name: an untraced peer named like a traced service
/// is that service), and edges by their two nodes.
#[derive(Default)]
struct Builder {
    nodes: Vec<NodeTally>,
    by_name: HashMap<String, usize>,
    by_service: HashMap<Sym, usize>,
    by_peer: HashMap<peers::PeerKey, usize>,
    edges: HashMap<(usize, usize), Tally>,
}

impl Builder {
    /// The node of traced service `service`.
    fn service(&mut self, set: &TraceSet, service: Sym) -> usize {
        if let Some(&node) = self.by_service.get(&service) {
            return node;
        }
        let node = self.named(set.str(service));
        let tally = &mut self.nodes[node];
        // A peer named like this service was met first: it is this service.
        tally.traced = true;
        tally.kind = NodeKind::Service;
        tally.system = None;
        self.by_service.insert(service, node);
        node
    }

    /// The node of untraced peer `key` (a traced service's when the names agree).
    fn peer(&mut self, set: &TraceSet, peers: &peers::Peers, key: peers::PeerKey) -> usize {
        if let Some(&node) = self.by_peer.get(&key) {
            return node;
        }
        let peer = peers.describe(set, key);
        let node = self.named(&peer.name);
        let tally = &mut self.nodes[node];
        // The first kind met names the node; a traced service keeps its own.
        if !tally.traced && tally.kind == NodeKind::Service {
            tally.kind = peer.kind;
            tally.system = peer.system;
        }
        self.by_peer.insert(key, node);
        node
    }

    fn named(&mut self, name: &str) -> usize {
        if let Some(&node) = self.by_name.get(name) {
            return node;
        }
        self.nodes.push(NodeTally {
            name: name.to_owned(),
            ..NodeTally::default()
        });
        self.by_name.insert(name.to_owned(), self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    fn edge(&mut self, caller: usize, callee: usize) -> &mut Tally {
        self.edges.entry((caller, callee)).or_default()
    }

    fn finish(self) -> ServiceMap {
        let names: Vec<String> = self.nodes.iter().map(|n| n.name.clone()).collect();
        let name = |i: usize| names.get(i).cloned().unwrap_or_default();
        let edges = self
            .edges
            .into_iter()
            .map(|((caller, callee), tally)| {
                let s = tally.finish();
                ServiceEdge {
                    caller: name(caller),
                    callee: name(callee),
                    calls: s.count,
                    errors: s.errors,
                    error_rate: s.error_rate,
                    p50: s.p50,
                    p95: s.p95,
                    baseline: None,
                    durations: s.durations,
                }
            })
            .collect();
        let nodes = self
            .nodes
            .into_iter()
            .map(|n| {
                let s = if n.traced { n.requests } else { n.calls_in }.finish();
                ServiceNode {
                    name: n.name,
                    traced: n.traced,
                    kind: n.kind,
                    system: n.system,
                    spans: n.spans,
                    requests: s.count,
                    errors: s.errors,
                    error_rate: s.error_rate,
                    p50: s.p50,
                    p95: s.p95,
                    baseline: None,
                    durations: s.durations,
                }
            })
            .collect();
        let mut map = ServiceMap { nodes, edges };
        map.sort();
        map
    }
}
