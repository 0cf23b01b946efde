//! A shop recorded the way real systems record themselves, not the way the
//! detectors would like: written from what the recorded captures in
//! `tests/fixtures` show (the OpenTelemetry Demo behind Envoy, HotROD's retried
//! Redis calls, Zipkin's one-way sends, streams), so the analysis
//! can be checked against a system whose answers are known but whose shape was
//! not designed with the detectors. [`super::shop`] plants one pattern per
//! place; this scenario plants none on purpose, it has what production has.
//!
//! **Services.** Every request enters through `frontend-proxy`, an Envoy-like
//! proxy: an `ingress` SERVER span with the request's `http.url` (query and
//! all, no `http.route`), then a `router frontend egress` CLIENT span, both
//! with their status unset and the answer's code in `http.status_code` as text,
//! as Envoy writes it. Behind it the `frontend` (OpenTelemetry semantic
//! conventions: `http.route`, `http.request.method`, `url.full`,
//! `server.address`, `http.response.status_code`) calls `cart`,
//! `product-catalog`, `checkout`, `payment` and `ad` over gRPC (`rpc.system`,
//! `rpc.service`, `rpc.method`, `rpc.grpc.status_code`), and `recommendation`
//! over HTTP; `recommendation` is instrumented the OpenTracing way (`http.url`,
//! `http.status_code` as an integer, `db.type`/`db.statement`/`peer.service`,
//! no `db.system`). `cart` keeps its carts in `valkey-cart` (`db.system=redis`,
//! `db.query.text`, `server.address`), `product-catalog` its products in
//! PostgreSQL, and `checkout` and `cart` publish to Kafka.
//!
//! | endpoint | share | calls |
//! |---|---|---|
//! | `GET /api/products/{id}` | 30% | `GetProduct` → PostgreSQL |
//! | `GET /api/cart` | 15% | `GetCart` → valkey `HGETALL` |
//! | `POST /api/cart` | 10% | `AddItem` → valkey `HSET`, `EXPIRE`; Kafka `cart-events publish` |
//! | `POST /api/checkout` | 10% | `PlaceOrder` → (`GetCart` → valkey, `Charge`); Kafka `orders publish` |
//! | `GET /api/recommendations` | 17% | `recommendation` → cache `GET` (retried), `ListProducts` |
//! | `GET /api/data` | 15% | `GetAds` |
//! | (stream) | 3% | `product-catalog` `WatchPrices`, a server-streaming call |
//!
//! **What real captures do, and where it is here.**
//! - *A proxy between caller and callee*: every request; errors climb through
//!   it as 5xx codes on spans without a status.
//! - *Retries*: about one `GET /api/recommendations` in eight finds the cache
//!   slow: its `GET` times out after 100 ms and is retried at once, up to
//!   three attempts. Most recover (the request succeeds); about one in four of
//!   those fails all three, and the request fails with a 500.
//! - *Missing durations*: Kafka sends are fire-and-forget; about 60% of the
//!   PRODUCER spans were reported without an end ([`SynthSpan::end_ns`] 0).
//! - *A streaming call*: about 3% of traces are one `WatchPrices` call left
//!   open for 20–90 s, a root SERVER span with a `message` event (SENT) per
//!   price update and no children.
//! - *An outage of one dependency*: `valkey-cart` is down for
//!   [`Config::outage_len_ns`] from [`Config::outage_after_ns`]: DNS lookups
//!   fail first ("No such host is known"), then connections are refused; every
//!   request that reaches the cart storage in the window fails (`GET /api/cart`,
//!   `POST /api/cart`, `POST /api/checkout`), and the error climbs through
//!   `cart`, `checkout`, `frontend` and the proxy.
//! - Everything else is healthy: log-normal latencies of a few milliseconds,
//!   independent calls made at once, clocks in step.
//!
//! What the analysis should conclude is in [`Truth`], counted while writing.

use super::{SynthEvent, SynthSpan, SynthValue, str, whole_micros};
use crate::model::SpanKind;
use std::collections::BTreeMap;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Seed of the random generator: the same seed gives the same spans.
    pub seed: u64,
    /// Number of traces (requests and streams).
    pub traces: usize,
    /// Start of the first trace, nanoseconds since the Unix epoch.
    pub start_ns: u64,
    /// Mean time between two traces.
    pub mean_gap_ns: u64,
    /// When, after the first trace, `valkey-cart` goes down.
    pub outage_after_ns: u64,
    /// How long it stays down.
    pub outage_len_ns: u64,
    /// For how long, at the start of the outage, its name does not resolve
    /// (then connections are refused).
    pub outage_dns_ns: u64,
}

impl Default for Config {
    /// 400 traces (seed 10) from 2026-11-21 10:00 UTC, one every 0.75 s on average
    /// (about five minutes); `valkey-cart` down from 2 min for 90 s, the first
    /// 25 s of which its name does not resolve.
    fn default() -> Config {
        Config {
            seed: 10,
            traces: 400,
            start_ns: 1_795_255_200_000_000_000,
            mean_gap_ns: 750_000_000,
            outage_after_ns: 120_000_000_000,
            outage_len_ns: 90_000_000_000,
            outage_dns_ns: 25_000_000_000,
        }
    }
}

/// The generated spans, their events, and what they hold.
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureLike {
    /// The spans, trace after trace.
    pub spans: Vec<SynthSpan>,
    /// The streams' `message` events.
    pub events: Vec<SynthEvent>,
    /// What an engineer reading these traces should conclude.
    pub truth: Truth,
}

/// What was generated, counted while writing: the answers the analysis
/// should give. Endpoints are named as the requests' URLs say
/// (`GET /api/products/{id}`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Truth {
    /// Requests per endpoint (streams are not requests).
    pub requests: BTreeMap<String, u64>,
    /// Requests per endpoint that failed (answered 5xx at the proxy).
    pub failed: BTreeMap<String, u64>,
    /// Of those, requests per endpoint that failed because `valkey-cart` was down.
    pub outage_failed: BTreeMap<String, u64>,
    /// Starts of the first and the last failed `valkey-cart` call.
    pub outage_window_ns: Option<(u64, u64)>,
    /// Recommendation requests whose cache call timed out and was retried.
    pub retried_requests: u64,
    /// Of those, requests whose three attempts all failed.
    pub exhausted_requests: u64,
    /// Streaming traces.
    pub streams: u64,
    /// Spans written without an end.
    pub untimed_spans: u64,
}

/// Generates `config.traces` traces.
pub fn generate(config: &Config) -> CaptureLike {
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let mut out = CaptureLike {
        spans: Vec::new(),
        events: Vec::new(),
        truth: Truth::default(),
    };
    let outage_start = config.start_ns + config.outage_after_ns;
    let outage = Outage {
        dns_until: outage_start + config.outage_dns_ns.min(config.outage_len_ns),
        start: outage_start,
        end: outage_start + config.outage_len_ns,
    };
    let mut now = config.start_ns;
    for _ in 0..config.traces {
        now += (config.mean_gap_ns as f64 * rng.f64() * 2.0) as u64;
        let trace_id = (u128::from(rng.u64(..)) << 64) | u128::from(rng.u64(1..));
        let mut trace = TraceWriter {
            rng: &mut rng,
            out: &mut out,
            trace_id,
            outage,
            cart_storage_failed: false,
        };
        trace.any(now);
    }
    out
}

/// When `valkey-cart` is down, and why.
#[derive(Clone, Copy, Debug)]
struct Outage {
    start: u64,
    dns_until: u64,
    end: u64,
}

/// Which of the request kinds a trace is, with its share of traffic.
#[derive(Clone, Copy)]
enum Kind {
    Product,
    Cart,
    AddToCart,
    Checkout,
    Recommendations,
    Ads,
    Stream,
}

/// A span being written: where it is in the output and its ID.
#[derive(Clone, Copy)]
struct Open {
    index: usize,
    span_id: u64,
}

/// How a call ended: when, and the error it passes up (`None` when it succeeded).
struct Answer {
    end: u64,
    error: Option<String>,
}

/// Timeout of the recommendation cache client, and its attempts per call.
const CACHE_TIMEOUT_NS: u64 = 100_000_000;
const CACHE_ATTEMPTS: u32 = 3;

struct TraceWriter<'a> {
    rng: &'a mut fastrand::Rng,
    out: &'a mut CaptureLike,
    trace_id: u128,
    outage: Outage,
    /// Whether this request failed because `valkey-cart` was down.
    cart_storage_failed: bool,
}

impl TraceWriter<'_> {
    fn any(&mut self, at: u64) {
        let kind = match self.rng.u32(0..100) {
            0..=29 => Kind::Product,
            30..=44 => Kind::Cart,
            45..=54 => Kind::AddToCart,
            55..=64 => Kind::Checkout,
            65..=81 => Kind::Recommendations,
            82..=96 => Kind::Ads,
            _ => Kind::Stream,
        };
        match kind {
            Kind::Product => {
                let product = self.product_id();
                self.request(
                    at,
                    "GET",
                    &format!("/api/products/{product}"),
                    "/api/products/[productId]",
                    |t, server, at| {
                        t.grpc(
                            server,
                            at,
                            "product-catalog",
                            "oteldemo.ProductCatalogService",
                            "GetProduct",
                            |t, s, at| Answer {
                                end: t.sql(
                                    s,
                                    at,
                                    "SELECT id, name, description, picture, price FROM products WHERE id = $1",
                                ),
                                error: None,
                            },
                        )
                    },
                );
            }
            Kind::Cart => {
                let session = self.uuid();
                self.request(
                    at,
                    "GET",
                    &format!("/api/cart?sessionId={session}&currencyCode=USD"),
                    "/api/cart",
                    |t, server, at| {
                        t.grpc(server, at, "cart", "oteldemo.CartService", "GetCart", |t, s, at| {
                            t.valkey(s, at, "HGETALL", &session)
                        })
                    },
                );
            }
            Kind::AddToCart => {
                let session = self.uuid();
                self.request(
                    at,
                    "POST",
                    "/api/cart?currencyCode=USD",
                    "/api/cart",
                    |t, server, at| {
                        t.grpc(server, at, "cart", "oteldemo.CartService", "AddItem", |t, s, at| {
                            let set = t.valkey(s, at, "HSET", &session);
                            if set.error.is_some() {
                                return set;
                            }
                            let next = set.end + t.gap();
                            let expire = t.valkey(s, next, "EXPIRE", &session);
                            if expire.error.is_some() {
                                return expire;
                            }
                            let next = expire.end + t.gap();
                            Answer {
                                end: t.publish(s, next, "cart-events"),
                                error: None,
                            }
                        })
                    },
                );
            }
            Kind::Checkout => {
                let session = self.uuid();
                self.request(
                    at,
                    "POST",
                    "/api/checkout?currencyCode=USD",
                    "/api/checkout",
                    |t, server, at| {
                        t.grpc(
                            server,
                            at,
                            "checkout",
                            "oteldemo.CheckoutService",
                            "PlaceOrder",
                            |t, s, at| t.place_order(s, at, &session),
                        )
                    },
                );
            }
            Kind::Recommendations => {
                let (product, session) = (self.product_id(), self.uuid());
                self.request(
                    at,
                    "GET",
                    &format!("/api/recommendations?productIds={product}&sessionId={session}"),
                    "/api/recommendations",
                    |t, server, at| t.recommendations(server, at, &product),
                );
            }
            Kind::Ads => {
                self.request(
                    at,
                    "GET",
                    "/api/data?contextKeys=accessories",
                    "/api/data",
                    |t, server, at| {
                        t.grpc(server, at, "ad", "oteldemo.AdService", "GetAds", |t, _, at| Answer {
                            end: at + t.lognormal(1_200_000, 0.4),
                            error: None,
                        })
                    },
                );
            }
            Kind::Stream => self.stream(at),
        }
    }

    /// One request through the proxy to the frontend, whose handler `body`
    /// runs from the given time under the frontend's server span. Counts it
    /// in [`Truth`] under the name its URL gives it.
    fn request(
        &mut self,
        at: u64,
        method: &'static str,
        target: &str,
        route: &'static str,
        body: impl FnOnce(&mut Self, Open, u64) -> Answer,
    ) {
        let url = format!("http://frontend-proxy:8080{target}");
        let request_id = self.uuid();
        let ingress = self.open(
            None,
            "frontend-proxy",
            "ingress",
            SpanKind::Server,
            at,
            vec![
                ("component", str("proxy")),
                ("node_id", str("frontend-proxy-7d9f8")),
                ("guid:x-request-id", str(&request_id)),
                ("http.method", str(method)),
                ("http.url", str(&url)),
                ("http.protocol", str("HTTP/1.1")),
                ("downstream_cluster", str("-")),
                ("user_agent", str("python-requests/2.32.3")),
                ("upstream_cluster", str("frontend")),
            ],
        );
        let egress_start = at + self.gap();
        let egress = self.open(
            Some(ingress),
            "frontend-proxy",
            "router frontend egress",
            SpanKind::Client,
            egress_start,
            vec![
                ("component", str("proxy")),
                ("http.method", str(method)),
                ("http.url", str(&url)),
                ("upstream_cluster", str("frontend")),
                ("upstream_address", str("10.42.0.17:8080")),
                ("peer.address", str("10.42.0.17:8080")),
            ],
        );
        let server_start = egress_start + self.gap();
        let path = target.split('?').next().unwrap_or(target);
        let server = self.open(
            Some(egress),
            "frontend",
            &format!("{method} {route}"),
            SpanKind::Server,
            server_start,
            vec![
                ("http.request.method", str(method)),
                ("http.route", str(route)),
                ("url.path", str(path)),
                ("url.scheme", str("http")),
                ("server.address", str("frontend")),
                ("server.port", SynthValue::Int(8080)),
                ("network.protocol.version", str("1.1")),
            ],
        );
        let handler_start = server_start + self.gap();
        let answer = body(self, server, handler_start);
        let status = match &answer.error {
            None => 200,
            // The frontend answers 503 while the cart storage cannot be found at all.
            Some(message) if message.contains("Unavailable") => 503,
            Some(_) => 500,
        };
        let server_end = answer.end + self.lognormal(600_000, 0.3);
        self.close(server, server_end);
        self.set(server, "http.response.status_code", SynthValue::Int(status));
        if let Some(message) = &answer.error {
            self.fail(server, message);
        }
        let egress_end = server_end + self.gap();
        self.close(egress, egress_end);
        // Envoy leaves the status unset and records the code, as text.
        self.set(egress, "http.status_code", str(&status.to_string()));
        self.set(egress, "response_flags", str("-"));
        let ingress_end = egress_end + self.gap();
        self.close(ingress, ingress_end);
        self.set(ingress, "http.status_code", str(&status.to_string()));
        self.set(ingress, "response_flags", str("-"));
        self.set(
            ingress,
            "response_size",
            SynthValue::Int(if status == 200 { 1_834 } else { 21 }),
        );

        let endpoint = format!("{method} {}", endpoint_path(path));
        let truth = &mut self.out.truth;
        *truth.requests.entry(endpoint.clone()).or_default() += 1;
        if answer.error.is_some() {
            *truth.failed.entry(endpoint.clone()).or_default() += 1;
            if self.cart_storage_failed {
                *truth.outage_failed.entry(endpoint).or_default() += 1;
            }
        }
    }

    /// A gRPC call from `parent`'s service to `to`, whose server span runs `body`.
    fn grpc(
        &mut self,
        parent: Open,
        at: u64,
        to: &'static str,
        service: &'static str,
        method: &'static str,
        body: impl FnOnce(&mut Self, Open, u64) -> Answer,
    ) -> Answer {
        let name = format!("{service}/{method}");
        let rpc = |extra: Vec<(&'static str, SynthValue)>| {
            let mut attributes = vec![
                ("rpc.system", str("grpc")),
                ("rpc.service", str(service)),
                ("rpc.method", str(method)),
            ];
            attributes.extend(extra);
            attributes
        };
        let from = self.service_of(parent);
        let client = self.open(
            Some(parent),
            from,
            &name,
            SpanKind::Client,
            at,
            rpc(vec![
                ("server.address", str(to)),
                ("server.port", SynthValue::Int(8080)),
            ]),
        );
        let server_start = at + self.gap();
        let server = self.open(Some(client), to, &name, SpanKind::Server, server_start, rpc(Vec::new()));
        let handler_start = server_start + self.gap();
        let answer = body(self, server, handler_start);
        let server_end = answer.end + self.lognormal(150_000, 0.3);
        self.close(server, server_end);
        let client_end = server_end + self.gap();
        self.close(client, client_end);
        let code = match &answer.error {
            None => 0,
            Some(message) if message.contains("Unavailable") => 14,
            Some(_) => 13,
        };
        for span in [server, client] {
            self.set(span, "rpc.grpc.status_code", SynthValue::Int(code));
        }
        let error = answer.error.map(|message| {
            let status = if code == 14 { "Unavailable" } else { "Internal" };
            format!("{code} {status}: {message}")
        });
        if let Some(message) = &error {
            self.fail(server, message);
            self.fail(client, message);
        }
        Answer { end: client_end, error }
    }

    /// `checkout`'s `PlaceOrder`: the cart, then the charge, then the order
    /// event; a cart it cannot read fails the order.
    fn place_order(&mut self, server: Open, at: u64, session: &str) -> Answer {
        let cart = self.grpc(server, at, "cart", "oteldemo.CartService", "GetCart", |t, s, at| {
            t.valkey(s, at, "HGETALL", session)
        });
        if let Some(message) = cart.error {
            return Answer {
                end: cart.end + self.gap(),
                error: Some(format!("failed to get user cart during checkout: {message}")),
            };
        }
        let next = cart.end + self.gap();
        let charge = self.grpc(
            server,
            next,
            "payment",
            "oteldemo.PaymentService",
            "Charge",
            |t, _, at| Answer {
                end: at + t.lognormal(3_000_000, 0.35),
                error: None,
            },
        );
        let next = charge.end + self.gap();
        Answer {
            end: self.publish(server, next, "orders"),
            error: None,
        }
    }

    /// `recommendation`'s handler, called over HTTP: its cache, then the catalog.
    fn recommendations(&mut self, server: Open, at: u64, product: &str) -> Answer {
        let url = format!("http://recommendation:9001/recommendations?productIds={product}");
        let client = self.open(
            Some(server),
            "frontend",
            "GET",
            SpanKind::Client,
            at,
            vec![
                ("http.request.method", str("GET")),
                ("url.full", str(&url)),
                ("server.address", str("recommendation")),
                ("server.port", SynthValue::Int(9001)),
            ],
        );
        let handler_start = at + self.gap();
        // Instrumented the OpenTracing way: `http.*` tags, an integer status code.
        let handler = self.open(
            Some(client),
            "recommendation",
            "/recommendations",
            SpanKind::Server,
            handler_start,
            vec![
                ("component", str("flask")),
                ("http.method", str("GET")),
                ("http.url", str(&url)),
            ],
        );
        let cache_start = handler_start + self.gap();
        let cache = self.cache_get(handler, cache_start, product);
        let next = cache.end + self.gap();
        let answer = match cache.error {
            Some(message) => Answer {
                end: next,
                error: Some(message),
            },
            None => self.grpc(
                handler,
                next,
                "product-catalog",
                "oteldemo.ProductCatalogService",
                "ListProducts",
                |t, s, at| Answer {
                    end: t.sql(
                        s,
                        at,
                        "SELECT id, name, price FROM products WHERE category = ANY($1) LIMIT 5",
                    ),
                    error: None,
                },
            ),
        };
        let status = if answer.error.is_some() { 500 } else { 200 };
        let handler_end = answer.end + self.lognormal(400_000, 0.3);
        self.close(handler, handler_end);
        self.set(handler, "http.status_code", SynthValue::Int(status));
        let client_end = handler_end + self.gap();
        self.close(client, client_end);
        self.set(client, "http.response.status_code", SynthValue::Int(status));
        let error = answer
            .error
            .map(|message| format!("recommendation service answered 500: {message}"));
        if let Some(message) = &error {
            self.fail(handler, message);
            self.fail(client, message);
        }
        Answer { end: client_end, error }
    }

    /// The recommendation cache's `GET`, retried at once after a timeout, up
    /// to [`CACHE_ATTEMPTS`] attempts. OpenTracing tags, no `db.system`.
    fn cache_get(&mut self, parent: Open, at: u64, product: &str) -> Answer {
        let slow = self.rng.u32(0..8) == 0;
        let failing_attempts = if !slow {
            0
        } else if self.rng.u32(0..4) == 0 {
            CACHE_ATTEMPTS
        } else {
            self.rng.u32(1..CACHE_ATTEMPTS)
        };
        let statement = format!("GET recommendations:{product}");
        let mut start = at;
        for attempt in 0..CACHE_ATTEMPTS {
            let timed_out = attempt < failing_attempts;
            let span = self.open(
                Some(parent),
                "recommendation",
                "GET",
                SpanKind::Client,
                start,
                vec![
                    ("component", str("redis-py")),
                    ("db.type", str("redis")),
                    ("db.statement", str(&statement)),
                    ("peer.service", str("recommendation-cache")),
                    ("peer.address", str("recommendation-cache:6379")),
                ],
            );
            let end = start
                + if timed_out {
                    CACHE_TIMEOUT_NS + self.rng.u64(100_000..900_000)
                } else {
                    self.lognormal(400_000, 0.3)
                };
            self.close(span, end);
            if !timed_out {
                if attempt > 0 {
                    self.out.truth.retried_requests += 1;
                }
                return Answer { end, error: None };
            }
            self.fail(span, "Timeout reading from socket");
            self.set(span, "error.kind", str("redis.exceptions.TimeoutError"));
            start = end + self.rng.u64(200_000..2_000_000);
        }
        self.out.truth.retried_requests += 1;
        self.out.truth.exhausted_requests += 1;
        Answer {
            end: start,
            error: Some("redis.exceptions.TimeoutError: Timeout reading from socket".to_owned()),
        }
    }

    /// A command to `valkey-cart` from `cart`, which fails while it is down.
    fn valkey(&mut self, parent: Open, at: u64, command: &'static str, key: &str) -> Answer {
        let span = self.open(
            Some(parent),
            "cart",
            command,
            SpanKind::Client,
            at,
            vec![
                ("db.system", str("redis")),
                ("db.query.text", str(&format!("{command} {key}"))),
                ("db.namespace", str("0")),
                ("server.address", str("valkey-cart")),
                ("server.port", SynthValue::Int(6379)),
            ],
        );
        let outage = self.outage;
        let down = (outage.start..outage.end).contains(&at);
        let (end, error) = if !down {
            (at + self.lognormal(350_000, 0.35), None)
        } else if at < outage.dns_until {
            (
                at + self.lognormal(4_000_000, 0.5),
                Some("UnableToResolvePhysicalConnection on HGETALL: No such host is known. (valkey-cart:6379)"),
            )
        } else {
            (
                at + self.lognormal(600_000, 0.4),
                Some("SocketFailure (ConnectionRefused) on valkey-cart:6379/Interactive: Connection refused"),
            )
        };
        self.close(span, end);
        let Some(message) = error else {
            return Answer { end, error: None };
        };
        // The client names the command it could not send.
        let message = message.replace("HGETALL", command);
        self.fail(span, &message);
        self.set(span, "error.type", str("StackExchange.Redis.RedisConnectionException"));
        self.cart_storage_failed = true;
        let start = whole_micros(at);
        let window = self.out.truth.outage_window_ns.get_or_insert((start, start));
        *window = (window.0.min(start), window.1.max(start));
        let unavailable = if at < outage.dns_until {
            "Unavailable"
        } else {
            "Internal"
        };
        Answer {
            end: end + self.gap(),
            error: Some(format!("Can't access cart storage ({unavailable}): {message}")),
        }
    }

    /// A PostgreSQL query from `parent`'s service; returns its end.
    fn sql(&mut self, parent: Open, at: u64, statement: &str) -> u64 {
        let operation = statement.split_whitespace().next().unwrap_or("QUERY");
        let service = self.service_of(parent);
        let span = self.open(
            Some(parent),
            service,
            &format!("{operation} products"),
            SpanKind::Client,
            at,
            vec![
                ("db.system", str("postgresql")),
                ("db.namespace", str("otel")),
                ("db.query.text", str(statement)),
                ("server.address", str("postgresql")),
                ("server.port", SynthValue::Int(5432)),
            ],
        );
        let end = at + self.lognormal(1_500_000, 0.4);
        self.close(span, end);
        end
    }

    /// A fire-and-forget send to Kafka topic `topic`; most are reported
    /// without an end. Returns when the caller goes on.
    fn publish(&mut self, parent: Open, at: u64, topic: &'static str) -> u64 {
        let service = self.service_of(parent);
        let span = self.open(
            Some(parent),
            service,
            &format!("{topic} publish"),
            SpanKind::Producer,
            at,
            vec![
                ("messaging.system", str("kafka")),
                ("messaging.destination.name", str(topic)),
                ("messaging.operation.type", str("publish")),
                ("server.address", str("kafka")),
            ],
        );
        let sent = at + self.lognormal(250_000, 0.3);
        if self.rng.u32(0..10) < 6 {
            // The send returned before the exporter saw an end.
            if let Some(s) = self.out.spans.get_mut(span.index) {
                s.end_ns = 0;
            }
            self.out.truth.untimed_spans += 1;
        } else {
            self.close(span, sent);
        }
        sent
    }

    /// A server-streaming `WatchPrices` call left open for 20–90 s, a price
    /// update sent every second or two.
    fn stream(&mut self, at: u64) {
        let span = self.open(
            None,
            "product-catalog",
            "oteldemo.ProductCatalogService/WatchPrices",
            SpanKind::Server,
            at,
            vec![
                ("rpc.system", str("grpc")),
                ("rpc.service", str("oteldemo.ProductCatalogService")),
                ("rpc.method", str("WatchPrices")),
                ("server.address", str("product-catalog")),
            ],
        );
        let end = at + self.rng.u64(20_000_000_000..90_000_000_000);
        let mut time = at + self.rng.u64(200_000..800_000);
        self.event(span, time, "RECEIVED", 1);
        let mut id = 1;
        while time < end {
            self.event(span, time, "SENT", id);
            id += 1;
            time += self.rng.u64(800_000_000..2_200_000_000);
        }
        self.close(span, end);
        self.set(span, "rpc.grpc.status_code", SynthValue::Int(0));
        self.out.truth.streams += 1;
    }

    fn event(&mut self, span: Open, time: u64, direction: &'static str, id: i64) {
        self.out.events.push(SynthEvent {
            trace_id: self.trace_id,
            span_id: span.span_id,
            time_ns: whole_micros(time),
            name: "message",
            attributes: vec![
                ("message.type", str(direction)),
                ("message.id", SynthValue::Int(id)),
                ("message.uncompressed_size", SynthValue::Int(self.rng.i64(40..400))),
            ],
        });
    }

    fn open(
        &mut self,
        parent: Option<Open>,
        service: &'static str,
        name: &str,
        kind: SpanKind,
        start_ns: u64,
        attributes: Vec<(&'static str, SynthValue)>,
    ) -> Open {
        let span_id = self.rng.u64(1..);
        let start_ns = whole_micros(start_ns);
        self.out.spans.push(SynthSpan {
            trace_id: self.trace_id,
            span_id,
            parent_span_id: parent.map(|p| p.span_id),
            service,
            name: name.to_owned(),
            kind,
            start_ns,
            end_ns: start_ns + 1_000,
            error: None,
            attributes,
        });
        Open {
            index: self.out.spans.len() - 1,
            span_id,
        }
    }

    fn close(&mut self, span: Open, end_ns: u64) {
        if let Some(s) = self.out.spans.get_mut(span.index) {
            s.end_ns = whole_micros(end_ns).max(s.start_ns + 1_000);
        }
    }

    fn fail(&mut self, span: Open, message: &str) {
        if let Some(s) = self.out.spans.get_mut(span.index) {
            s.error = Some(message.to_owned());
        }
    }

    fn set(&mut self, span: Open, key: &'static str, value: SynthValue) {
        if let Some(s) = self.out.spans.get_mut(span.index) {
            s.attributes.push((key, value));
        }
    }

    fn service_of(&self, span: Open) -> &'static str {
        self.out.spans.get(span.index).map_or("unknown_service", |s| s.service)
    }

    /// Time between a caller and its callee, or between two steps: network
    /// and scheduling, 50–400 µs.
    fn gap(&mut self) -> u64 {
        self.rng.u64(50_000..400_000)
    }

    /// A log-normal duration with the given median and spread (sigma of ln).
    fn lognormal(&mut self, median_ns: u64, sigma: f64) -> u64 {
        super::log_normal_ns(self.rng, median_ns, sigma)
    }

    /// A product ID as the demo's catalog has them (`OLJCESPC7Z`).
    fn product_id(&mut self) -> String {
        const PRODUCTS: [&str; 6] = [
            "OLJCESPC7Z",
            "66VCHSJNUP",
            "1YMWWN1N4O",
            "L9ECAV7KIM",
            "2ZYFJ3GM2N",
            "0PUK6V6EV0",
        ];
        PRODUCTS
            .get(self.rng.usize(..PRODUCTS.len()))
            .copied()
            .unwrap_or("OLJCESPC7Z")
            .to_owned()
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.rng.u64(..), self.rng.u64(..));
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0xffff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// The path an endpoint is named by: product IDs are one route.
fn endpoint_path(path: &str) -> String {
    match path.strip_prefix("/api/products/") {
        Some(_) => "/api/products/{id}".to_owned(),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_traces() {
        let config = Config::default();
        assert_eq!(generate(&config), generate(&config));
        assert_ne!(generate(&config).spans, generate(&Config { seed: 12, ..config }).spans);
    }

    #[test]
    fn timed_children_lie_within_their_parents() {
        let spans = generate(&Config::default()).spans;
        let by_id: std::collections::HashMap<(u128, u64), &SynthSpan> =
            spans.iter().map(|s| ((s.trace_id, s.span_id), s)).collect();
        for span in spans.iter().filter(|s| s.has_end()) {
            assert!(span.end_ns > span.start_ns, "{span:?}");
            if let Some(parent) = span.parent_span_id.and_then(|p| by_id.get(&(span.trace_id, p))) {
                assert!(
                    parent.start_ns <= span.start_ns && span.end_ns <= parent.end_ns,
                    "{span:?} outside {parent:?}"
                );
            }
        }
    }

    #[test]
    fn every_property_is_present_with_the_default_seed() {
        let truth = generate(&Config::default()).truth;
        assert!(truth.streams >= 3, "{truth:?}");
        assert!(truth.untimed_spans >= 10, "{truth:?}");
        assert!(truth.retried_requests > truth.exhausted_requests, "{truth:?}");
        assert!(truth.exhausted_requests >= 1, "{truth:?}");
        for endpoint in ["GET /api/cart", "POST /api/cart", "POST /api/checkout"] {
            assert!(
                truth.outage_failed.get(endpoint).is_some_and(|&n| n >= 2),
                "{endpoint}: {truth:?}"
            );
        }
        let (start, end) = truth.outage_window_ns.unwrap();
        assert!(end - start > 60_000_000_000, "{truth:?}");
    }
}
