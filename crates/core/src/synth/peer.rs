//! The input of the race against Jaeger UI (issue 11): traces of a
//! microservice system over 20 services, with about 1 KB per span in Jaeger
//! JSON, 8 tags and 1–2 logs per span, in any number of traces of any size
//! (one trace of 100,000 spans, or 10,000 traces of 50).
//!
//! Each trace enters through an HTTP endpoint of `frontend`. Spans are added
//! breadth first: each server span makes 2–6 calls, each a gRPC call to
//! another service (a client span and the callee's server span, which makes
//! calls of its own), a PostgreSQL query or a Redis command (leaf client
//! spans), until the trace has its size. So a trace of 50 spans is three or
//! four services deep and a trace of 100,000 spans about a dozen. Durations
//! nest (`random::layout`): a span's own work is log-normal around what its
//! kind of work takes in its service; children run one after another or,
//! sometimes, alongside the one before. About one query in a hundred fails.
//!
//! Tags are the OpenTelemetry names Jaeger clients write (`http.*`, `rpc.*`,
//! `db.*`, `net.*`): seven per span plus the `span.kind` the Jaeger writer
//! adds, so 8 (10 on a failed span: `error` and its message). Values carry
//! IDs (paths, statements, keys, pod names), so strings repeat as little as
//! in a real export. [`traces`] makes one trace at a time, for a writer that
//! streams ([`super::jaeger_json::Writer`]).

use super::{SynthEvent, SynthSpan, SynthValue, str};
use crate::model::SpanKind;
use std::collections::VecDeque;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct PeerConfig {
    /// Seed of the random generator: the same seed gives the same traces.
    pub seed: u64,
    /// Number of traces.
    pub traces: usize,
    /// Spans in each trace (at least 1).
    pub spans_per_trace: usize,
    /// Start of the first trace, nanoseconds since the Unix epoch.
    pub start_ns: u64,
    /// Mean time between the starts of two traces.
    pub mean_gap_ns: u64,
}

impl Default for PeerConfig {
    /// One trace of 1,000 spans, the first input of the race.
    fn default() -> PeerConfig {
        PeerConfig {
            seed: 11,
            traces: 1,
            spans_per_trace: 1_000,
            start_ns: 1_793_610_000_000_000_000,
            mean_gap_ns: 200_000_000,
        }
    }
}

/// The services, `frontend` first (every trace enters there).
pub const SERVICES: [&str; 20] = [
    "frontend",
    "api-gateway",
    "auth",
    "user",
    "cart",
    "catalog",
    "checkout",
    "payment",
    "inventory",
    "shipping",
    "recommendation",
    "search",
    "notification",
    "pricing",
    "review",
    "ad",
    "currency",
    "email",
    "fraud",
    "ledger",
];

/// Tags per span in Jaeger JSON: the attributes plus `span.kind`.
pub const TAGS_PER_SPAN: usize = ATTRIBUTES_PER_SPAN + 1;
const ATTRIBUTES_PER_SPAN: usize = 7;

const ENDPOINTS: [(&str, &str); 10] = [
    ("GET", "/api/products/{id}"),
    ("GET", "/api/products"),
    ("GET", "/api/cart"),
    ("POST", "/api/cart/items"),
    ("POST", "/api/checkout"),
    ("GET", "/api/orders/{id}"),
    ("GET", "/api/search"),
    ("GET", "/api/recommendations"),
    ("POST", "/api/login"),
    ("GET", "/api/account"),
];
const RPC_METHODS: [&str; 4] = ["Get", "List", "Update", "Check"];
const TABLES: [&str; 4] = ["items", "orders", "accounts", "events"];
const USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
/// Chance that a child starts with the one before it instead of after it.
const PARALLEL_CHANCE: f64 = 0.3;

/// One generated trace: its spans (the root first, parents before their
/// children) and its spans' events.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerTrace {
    /// Spans.
    pub spans: Vec<SynthSpan>,
    /// Events (Jaeger logs), 1–2 per span.
    pub events: Vec<SynthEvent>,
}

/// All traces of `config`, collected (for writers that need every span at once).
pub fn generate(config: &PeerConfig) -> (Vec<SynthSpan>, Vec<SynthEvent>) {
    let (mut spans, mut events) = (Vec::new(), Vec::new());
    for trace in traces(config) {
        spans.extend(trace.spans);
        events.extend(trace.events);
    }
    (spans, events)
}

/// The traces of `config`, made one at a time.
pub fn traces(config: &PeerConfig) -> impl Iterator<Item = PeerTrace> {
    let mut rng = fastrand::Rng::with_seed(config.seed);
    // How long each service's own work takes at the median, in µs: services differ.
    let service_work_us: Vec<f64> = SERVICES
        .iter()
        .map(|_| 1_500.0 * super::log_normal(&mut rng, 0.7))
        .collect();
    let config = *config;
    let mut now_ns = config.start_ns;
    (0..config.traces).map(move |_| {
        now_ns += (config.mean_gap_ns as f64 * rng.f64() * 2.0) as u64;
        one_trace(
            &mut rng,
            &service_work_us,
            super::whole_micros(now_ns),
            config.spans_per_trace.max(1),
        )
    })
}

/// What a span does, which decides its kind, name, tags, logs and duration.
#[derive(Clone, Copy)]
enum Work {
    /// The HTTP request the trace serves, in `frontend`.
    Entry { endpoint: usize },
    /// A gRPC call to `callee`'s `method`, seen from the caller.
    RpcClient { callee: usize, method: usize },
    /// The same call, served by the callee.
    RpcServer { method: usize },
    /// A PostgreSQL query against the service's own database.
    Query { table: usize },
    /// A Redis command against the service's cache.
    Cache,
}

struct Node {
    parent: Option<usize>,
    service: usize,
    work: Work,
}

fn one_trace(rng: &mut fastrand::Rng, service_work_us: &[f64], start_ns: u64, size: usize) -> PeerTrace {
    let nodes = tree(rng, size);
    let own_us: Vec<u64> = nodes
        .iter()
        .map(|node| {
            let (median, sigma) = match node.work {
                Work::Entry { .. } | Work::RpcServer { .. } => (service_work_us[node.service], 0.6),
                Work::RpcClient { .. } => (250.0, 0.5),
                Work::Query { .. } => (1_200.0, 0.9),
                Work::Cache => (300.0, 0.5),
            };
            (median * super::log_normal(rng, sigma)).max(1.0) as u64
        })
        .collect();
    let parents: Vec<Option<usize>> = nodes.iter().map(|n| n.parent).collect();
    // Laid out in whole microseconds, the unit Jaeger writes, so the nesting survives it.
    let times_us = super::random::layout(&parents, &own_us, PARALLEL_CHANCE, rng);
    let trace_id = (u128::from(rng.u64(..)) << 64) | u128::from(rng.u64(1..));
    let first_id = rng.u64(1..u64::MAX / 2);
    let request = rng.u32(..);
    let mut spans = Vec::with_capacity(nodes.len());
    let mut events = Vec::with_capacity(nodes.len() * 3 / 2);
    for (i, (node, &(offset_us, duration_us))) in nodes.iter().zip(&times_us).enumerate() {
        let start_ns = start_ns + offset_us * 1_000;
        let end_ns = start_ns + duration_us * 1_000;
        let span_id = first_id + i as u64;
        let caller = node.parent.and_then(|p| nodes.get(p)).map_or(0, |p| p.service);
        let failed = matches!(node.work, Work::Query { .. }) && rng.f64() < 0.01;
        let (kind, name, attributes) = describe(rng, node, caller, request, failed);
        // A second log on two spans in five: 1.4 logs per span.
        for k in 0..if rng.f64() < 0.4 { 2 } else { 1 } {
            // The first log early in the span, the second near its end.
            let at_us = duration_us * (1 + 8 * k as u64) / 10;
            events.push(log(rng, node, trace_id, span_id, start_ns + at_us * 1_000, k, failed));
        }
        spans.push(SynthSpan {
            trace_id,
            span_id,
            parent_span_id: node.parent.map(|p| first_id + p as u64),
            service: SERVICES[node.service],
            name,
            kind,
            start_ns,
            end_ns,
            error: failed.then(|| "ERROR: deadlock detected (SQLSTATE 40P01)".to_owned()),
            attributes,
        });
    }
    PeerTrace { spans, events }
}

/// The call tree of a trace of `size` spans, breadth first from the entry span.
fn tree(rng: &mut fastrand::Rng, size: usize) -> Vec<Node> {
    let mut nodes = vec![Node {
        parent: None,
        service: 0,
        work: Work::Entry {
            endpoint: rng.usize(..ENDPOINTS.len()),
        },
    }];
    let mut servers = VecDeque::from([0usize]);
    while nodes.len() < size {
        // Every call to another service adds a server span, so the queue only
        // runs dry when a whole level happened to make leaf calls: then the
        // entry span calls again.
        let caller = servers.pop_front().unwrap_or(0);
        let service = nodes.get(caller).map_or(0, |n| n.service);
        for _ in 0..rng.usize(2..=6) {
            let room = size - nodes.len();
            if room == 0 {
                break;
            }
            let draw = rng.f64();
            if draw < 0.6 && room >= 2 {
                // Any service but the caller's own and the frontend.
                let others = if service == 0 {
                    SERVICES.len() - 1
                } else {
                    SERVICES.len() - 2
                };
                let mut callee = rng.usize(1..=others);
                if service != 0 && callee >= service {
                    callee += 1;
                }
                let method = rng.usize(..RPC_METHODS.len());
                nodes.push(Node {
                    parent: Some(caller),
                    service,
                    work: Work::RpcClient { callee, method },
                });
                nodes.push(Node {
                    parent: Some(nodes.len() - 1),
                    service: callee,
                    work: Work::RpcServer { method },
                });
                servers.push_back(nodes.len() - 1);
            } else {
                let work = if draw < 0.85 {
                    Work::Query {
                        table: rng.usize(..TABLES.len()),
                    }
                } else {
                    Work::Cache
                };
                nodes.push(Node {
                    parent: Some(caller),
                    service,
                    work,
                });
            }
        }
    }
    nodes
}

/// A span's kind, name and seven attributes.
fn describe(
    rng: &mut fastrand::Rng,
    node: &Node,
    caller: usize,
    request: u32,
    failed: bool,
) -> (SpanKind, String, Vec<(&'static str, SynthValue)>) {
    let service = SERVICES[node.service];
    let id = rng.u32(1..10_000_000);
    let (kind, name, attributes) = match node.work {
        Work::Entry { endpoint } => {
            let (method, route) = ENDPOINTS[endpoint];
            let target = route.replace("{id}", &id.to_string());
            (
                SpanKind::Server,
                format!("{method} {route}"),
                vec![
                    ("http.method", str(method)),
                    ("http.route", str(route)),
                    (
                        "http.target",
                        SynthValue::Str(format!("{target}?session={request:08x}")),
                    ),
                    ("http.status_code", SynthValue::Int(200)),
                    ("http.host", str("shop.example.com")),
                    ("http.user_agent", str(USER_AGENT)),
                    (
                        "net.peer.ip",
                        SynthValue::Str(format!("10.{}.{}.{}", id % 250, id % 199, id % 97)),
                    ),
                ],
            )
        }
        Work::RpcClient { callee, method } => {
            let callee = SERVICES[callee];
            let rpc_service = format!("{callee}.{}Service", capitalised(callee));
            (
                SpanKind::Client,
                format!("{rpc_service}/{}", RPC_METHODS[method]),
                vec![
                    ("rpc.system", str("grpc")),
                    ("rpc.service", SynthValue::Str(rpc_service)),
                    ("rpc.method", str(RPC_METHODS[method])),
                    ("peer.service", str(callee)),
                    ("net.peer.name", SynthValue::Str(format!("{callee}.prod"))),
                    ("net.peer.port", SynthValue::Int(50051)),
                    ("rpc.grpc.status_code", SynthValue::Int(0)),
                ],
            )
        }
        Work::RpcServer { method } => {
            let rpc_service = format!("{service}.{}Service", capitalised(service));
            (
                SpanKind::Server,
                format!("{rpc_service}/{}", RPC_METHODS[method]),
                vec![
                    ("rpc.system", str("grpc")),
                    ("rpc.service", SynthValue::Str(rpc_service)),
                    ("rpc.method", str(RPC_METHODS[method])),
                    ("rpc.grpc.status_code", SynthValue::Int(0)),
                    (
                        "net.host.name",
                        SynthValue::Str(format!("{service}-7d9f8b6c4-{:05x}", id % 0xfffff)),
                    ),
                    (
                        "net.sock.peer.addr",
                        SynthValue::Str(format!("10.8.{}.{}", caller * 12, id % 250)),
                    ),
                    (
                        "thread.name",
                        SynthValue::Str(format!("grpc-default-executor-{}", id % 16)),
                    ),
                ],
            )
        }
        Work::Query { table } => {
            let table = TABLES[table];
            (
                SpanKind::Client,
                format!("SELECT {service}.{table}"),
                vec![
                    ("db.system", str("postgresql")),
                    ("db.name", SynthValue::Str(format!("{service}_db"))),
                    ("db.user", SynthValue::Str(format!("{service}_app"))),
                    (
                        "db.statement",
                        SynthValue::Str(format!(
                            "SELECT id, status, payload FROM {table} WHERE owner_id = {id} LIMIT 20"
                        )),
                    ),
                    ("db.operation", str("SELECT")),
                    ("net.peer.name", SynthValue::Str(format!("{service}-db.prod"))),
                    ("net.peer.port", SynthValue::Int(5432)),
                ],
            )
        }
        Work::Cache => (
            SpanKind::Client,
            "GET".to_owned(),
            vec![
                ("db.system", str("redis")),
                (
                    "db.statement",
                    SynthValue::Str(format!("GET {service}:session:{request:08x}:{id}")),
                ),
                ("db.operation", str("GET")),
                ("db.redis.database_index", SynthValue::Int(i64::from(id % 16))),
                ("net.peer.name", SynthValue::Str(format!("redis-{service}.prod"))),
                ("net.peer.port", SynthValue::Int(6379)),
                ("peer.service", str("redis")),
            ],
        ),
    };
    debug_assert!(attributes.len() == ATTRIBUTES_PER_SPAN || failed);
    (kind, name, attributes)
}

/// The `k`th log of a span (0 or 1): what a service logs as it works.
fn log(
    rng: &mut fastrand::Rng,
    node: &Node,
    trace_id: u128,
    span_id: u64,
    time_ns: u64,
    k: usize,
    failed: bool,
) -> SynthEvent {
    let service = SERVICES[node.service];
    let (name, message) = match (node.work, k) {
        (Work::Query { .. }, _) if failed => (
            "error",
            "query failed: deadlock detected, transaction rolled back".to_owned(),
        ),
        (Work::Query { .. } | Work::Cache, 0) => (
            "connection acquired",
            format!("pool {service}: {} of 32 in use", rng.u32(1..32)),
        ),
        (Work::Query { .. } | Work::Cache, _) => (
            "result",
            format!("{} rows, {} bytes", rng.u32(0..20), rng.u32(64..8192)),
        ),
        (_, 0) => (
            "request received",
            format!("request {:08x}, tenant t-{}", rng.u32(..), rng.u32(1..500)),
        ),
        (_, _) => ("response sent", format!("OK, {} bytes", rng.u32(64..65_536))),
    };
    SynthEvent {
        trace_id,
        span_id,
        time_ns,
        name,
        attributes: vec![("message", SynthValue::Str(message))],
    }
}

/// `cart` → `Cart`, for gRPC service names.
fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars.filter(|c| *c != '-')).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::import_file;
    use serde_json::Value;
    use std::collections::{BTreeSet, HashMap};

    fn jaeger(config: &PeerConfig) -> Vec<u8> {
        let mut writer = super::super::jaeger_json::Writer::new(Vec::new()).unwrap();
        for trace in traces(config) {
            writer.traces(&trace.spans, &trace.events).unwrap();
        }
        writer.finish().unwrap()
    }

    fn config(traces: usize, spans_per_trace: usize) -> PeerConfig {
        PeerConfig {
            traces,
            spans_per_trace,
            ..PeerConfig::default()
        }
    }

    #[test]
    fn jaeger_json_has_the_races_shape() {
        let bytes = jaeger(&config(40, 50));
        let document: Value = serde_json::from_slice(&bytes).unwrap();
        let traces = document["data"].as_array().unwrap();
        assert_eq!(traces.len(), 40);
        let mut services = BTreeSet::new();
        let (mut spans, mut failed) = (0, 0);
        for trace in traces {
            let processes = trace["processes"].as_object().unwrap();
            services.extend(
                processes
                    .values()
                    .map(|p| p["serviceName"].as_str().unwrap().to_owned()),
            );
            for span in trace["spans"].as_array().unwrap() {
                spans += 1;
                let tags = span["tags"].as_array().unwrap().len();
                if tags == TAGS_PER_SPAN + 2 {
                    failed += 1;
                } else {
                    assert_eq!(tags, TAGS_PER_SPAN, "{span}");
                }
                assert!((1..=2).contains(&span["logs"].as_array().unwrap().len()), "{span}");
            }
            assert_eq!(trace["spans"].as_array().unwrap().len(), 50);
        }
        assert_eq!(spans, 2_000);
        assert!(failed < spans / 20, "{failed} failed spans");
        assert_eq!(services.len(), 20, "{services:?}");
        let per_span = bytes.len() / spans;
        assert!((900..=1_150).contains(&per_span), "{per_span} bytes per span");
    }

    #[test]
    fn one_big_trace_nests_and_is_several_levels_deep() {
        let trace = traces(&config(1, 5_000)).next().unwrap();
        assert_eq!(trace.spans.len(), 5_000);
        let by_id: HashMap<u64, &SynthSpan> = trace.spans.iter().map(|s| (s.span_id, s)).collect();
        let mut deepest = 0;
        for span in &trace.spans {
            let (mut depth, mut at) = (0, span);
            while let Some(parent) = at.parent_span_id.map(|p| by_id[&p]) {
                assert!(parent.start_ns <= at.start_ns && at.end_ns <= parent.end_ns);
                (depth, at) = (depth + 1, parent);
            }
            deepest = deepest.max(depth);
        }
        assert!(deepest >= 8, "depth {deepest}");
        assert_eq!(trace.spans.iter().filter(|s| s.parent_span_id.is_none()).count(), 1);
        let services: BTreeSet<&str> = trace.spans.iter().map(|s| s.service).collect();
        assert_eq!(services.len(), 20);
        let events = trace.events.len();
        assert!((5_000..=10_000).contains(&events) && events > 6_000, "{events} events");
    }

    #[test]
    fn the_importer_reads_every_span_and_the_same_seed_gives_the_same_file() {
        let bytes = jaeger(&config(3, 200));
        assert_eq!(bytes, jaeger(&config(3, 200)));
        assert_ne!(
            bytes,
            jaeger(&PeerConfig {
                seed: 12,
                ..config(3, 200)
            })
        );
        let mut set = crate::TraceSet::new();
        let report = import_file(&mut set, "peer.json", &bytes).unwrap();
        assert_eq!((report.spans_read, report.spans_kept), (600, 600));
    }

    /// The page's engine warms its readers up on this shape in every format
    /// (crates/web `engine/warm_up.rs`): a format that read it short would
    /// leave that reader cold without anyone seeing it.
    #[test]
    fn every_format_reads_the_warm_up_trace_whole() {
        let (spans, events) = generate(&config(1, 1_000));
        for format in super::super::FORMATS {
            let bytes = super::super::encode_with_events(&spans, &events, format);
            let mut set = crate::TraceSet::new();
            let report = import_file(&mut set, "warm-up", &bytes).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert_eq!((report.spans_read, report.spans_kept), (1_000, 1_000), "{format:?}");
            assert!(set.events.len() > 1_000, "{format:?}: {} events", set.events.len());
        }
    }
}
