//! A small online shop, traced: a `frontend` behind eight HTTP endpoints that
//! calls `cart`, `catalog`, `checkout`, `payment`, `orders`, `accounts` and
//! `recommendations` services, which query PostgreSQL and Redis. Durations are
//! log-normal around per-operation medians. Traffic is calm with bursts, so
//! requests sometimes overlap.
//!
//! Each pattern the detectors look for can be planted ([`Pattern`]), each at
//! its own place, so a test can check that every planted pattern is found where
//! it was planted and that nothing is reported anywhere else. With no pattern
//! planted the shop is healthy: fast, error-free, clean data.
//!
//! | pattern | where | what |
//! |---|---|---|
//! | `NPlusOne` | `GET /api/cart` | one `SELECT * FROM items WHERE id = $1` per cart line (3–8) instead of one query |
//! | `Bottleneck` | `POST /api/checkout` | the payment provider call takes ~120 ms instead of ~3 ms |
//! | `LongTail` | `GET /api/search` | one search in ten takes ~180 ms instead of ~4 ms |
//! | `ErrorHotspot` | `POST /api/checkout` | the payment provider declines about one card in five |
//! | `ChattyCalls` | `GET /api/recommendations` | one catalog call per recommended product (12) instead of one batch call |
//! | `SequentialCalls` | `GET /api/home` | four independent calls one after another instead of at once |
//! | `ManyQueries` | `GET /api/orders` | 14 different queries per request instead of 2 |
//! | `Scaling` | `POST /api/cart/items` | a row lock: the update slows down with every request in flight |
//! | `ClockSkew` | `payment` | the service's clock runs 40 ms behind everyone else's |
//! | `LostSpans` | `GET /api/cart` | one trace in ten lost the `cart` service's server span |
//! | `RepeatedTokenCheck` | `GET /api/products/{id}` | `frontend`, then `catalog` below it, then `pricing` below that each check the request's token with `accounts` instead of passing the verified identity down |

use super::{SynthSpan, SynthValue, str, whole_micros};
use crate::model::SpanKind;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A pattern the generator can plant; see the module docs for where each goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// Item queries one at a time in `GET /api/cart`.
    NPlusOne,
    /// A slow payment provider call in `POST /api/checkout`.
    Bottleneck,
    /// A heavy tail on `GET /api/search`.
    LongTail,
    /// Declined cards in `POST /api/checkout`, failing up the call chain.
    ErrorHotspot,
    /// One catalog call per product in `GET /api/recommendations`.
    ChattyCalls,
    /// Independent calls made one after another in `GET /api/home`.
    SequentialCalls,
    /// Many different queries per `GET /api/orders` request.
    ManyQueries,
    /// Lock contention in `POST /api/cart/items` that grows with load.
    Scaling,
    /// The `payment` service's clock runs behind.
    ClockSkew,
    /// `cart` server spans missing from some traces.
    LostSpans,
    /// Each service down `GET /api/products/{id}` checks the token again.
    RepeatedTokenCheck,
}

impl Pattern {
    /// Every pattern.
    pub const ALL: [Pattern; 11] = [
        Pattern::NPlusOne,
        Pattern::Bottleneck,
        Pattern::LongTail,
        Pattern::ErrorHotspot,
        Pattern::ChattyCalls,
        Pattern::SequentialCalls,
        Pattern::ManyQueries,
        Pattern::Scaling,
        Pattern::ClockSkew,
        Pattern::LostSpans,
        Pattern::RepeatedTokenCheck,
    ];

    /// The pattern's name where people pick it (`tracelens generate --patterns`).
    pub fn name(self) -> &'static str {
        match self {
            Pattern::NPlusOne => "n-plus-one",
            Pattern::Bottleneck => "bottleneck",
            Pattern::LongTail => "long-tail",
            Pattern::ErrorHotspot => "error-hotspot",
            Pattern::ChattyCalls => "chatty-calls",
            Pattern::SequentialCalls => "sequential-calls",
            Pattern::ManyQueries => "many-queries",
            Pattern::Scaling => "scaling",
            Pattern::ClockSkew => "clock-skew",
            Pattern::LostSpans => "lost-spans",
            Pattern::RepeatedTokenCheck => "repeated-token-check",
        }
    }

    /// What the pattern plants, where, in one line.
    pub fn description(self) -> &'static str {
        match self {
            Pattern::NPlusOne => "`GET /api/cart` queries its items one at a time",
            Pattern::Bottleneck => "A slow payment provider call dominates `POST /api/checkout`",
            Pattern::LongTail => "One `GET /api/search` in ten is very slow",
            Pattern::ErrorHotspot => "The payment provider declines cards; the error climbs to the frontend",
            Pattern::ChattyCalls => "`GET /api/recommendations` calls the catalog once per product",
            Pattern::SequentialCalls => "`GET /api/home` makes four independent calls one after another",
            Pattern::ManyQueries => "`GET /api/orders` runs 14 queries per request",
            Pattern::Scaling => "`POST /api/cart/items` slows down with the number of requests in flight",
            Pattern::ClockSkew => "The `payment` service's clock runs 40 ms behind",
            Pattern::LostSpans => "Some traces lost the `cart` service's server span",
            Pattern::RepeatedTokenCheck => {
                "`GET /api/products/{id}`: the frontend, the catalog below it and the pricing service below that each check the token"
            }
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patterns(u16);

impl Patterns {
    /// No pattern: a healthy shop.
    pub const NONE: Patterns = Patterns(0);

    /// Every pattern in `patterns`.
    pub fn of(patterns: &[Pattern]) -> Patterns {
        Patterns(patterns.iter().fold(0, |bits, p| bits | p.bit()))
    }

    /// Every pattern.
    pub fn all() -> Patterns {
        Patterns::of(&Pattern::ALL)
    }

    /// Whether `pattern` is planted.
    pub fn contains(self, pattern: Pattern) -> bool {
        self.0 & pattern.bit() != 0
    }
}

impl Default for Patterns {
    /// Every performance and error pattern; the data stays clean (no clock
    /// skew, no lost spans), as in the example the site ships. The repeated
    /// token check is left out too: it reshapes `GET /api/products/{id}`,
    /// and the shipped example (and what its tests pin) predates it.
    fn default() -> Patterns {
        Patterns::of(&[
            Pattern::NPlusOne,
            Pattern::Bottleneck,
            Pattern::LongTail,
            Pattern::ErrorHotspot,
            Pattern::ChattyCalls,
            Pattern::SequentialCalls,
            Pattern::ManyQueries,
            Pattern::Scaling,
        ])
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct ShopConfig {
    /// Seed of the random generator: the same seed gives the same spans.
    pub seed: u64,
    /// Number of traces (requests to the frontend).
    pub traces: usize,
    /// Start of the first request, nanoseconds since the Unix epoch.
    pub start_ns: u64,
    /// Mean time between two requests outside bursts.
    pub mean_gap_ns: u64,
    /// The patterns to plant.
    pub patterns: Patterns,
}

impl Default for ShopConfig {
    /// The example the site ships: 400 requests from 2026-11-02 09:00 UTC, one
    /// every 1.5 s on average between bursts (about seven minutes of traffic),
    /// with the default patterns.
    fn default() -> ShopConfig {
        ShopConfig {
            seed: 7,
            traces: 400,
            start_ns: 1_793_610_000_000_000_000,
            mean_gap_ns: 1_500_000_000,
            patterns: Patterns::default(),
        }
    }
}

impl ShopConfig {
    /// The default shop with about `spans` spans: its requests average about
    /// nine spans each with the default patterns, so benchmarks and examples
    /// asking for a size get about that size.
    pub fn with_spans(spans: usize) -> ShopConfig {
        ShopConfig {
            traces: spans.div_ceil(9).max(1),
            ..ShopConfig::default()
        }
    }
}

/// Mean time between two requests in a burst.
const BURST_GAP_NS: u64 = 2_000_000;

/// Generates the spans of `config.traces` requests.
pub fn generate(config: &ShopConfig) -> Vec<SynthSpan> {
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let mut spans = Vec::new();
    let mut now = config.start_ns;
    let mut burst_left = 0u32;
    // Ends of the requests still in flight, earliest first.
    let mut in_flight: BinaryHeap<Reverse<u64>> = BinaryHeap::new();
    for _ in 0..config.traces {
        let mean_gap = if burst_left > 0 {
            burst_left -= 1;
            BURST_GAP_NS
        } else {
            if rng.u32(0..25) == 0 {
                burst_left = rng.u32(20..40);
            }
            config.mean_gap_ns
        };
        now += (mean_gap as f64 * rng.f64() * 2.0) as u64;
        while in_flight.peek().is_some_and(|Reverse(end)| *end <= now) {
            in_flight.pop();
        }
        let first = spans.len();
        let mut trace = TraceWriter {
            rng: &mut rng,
            spans: &mut spans,
            trace_id: 0,
            patterns: config.patterns,
            in_flight: in_flight.len(),
        };
        trace.trace_id = (u128::from(trace.rng.u64(..)) << 64) | u128::from(trace.rng.u64(1..));
        match trace.rng.u32(0..100) {
            0..=23 => trace.get_product(now),
            24..=39 => trace.get_cart(now),
            40..=51 => trace.search(now),
            52..=63 => trace.checkout(now),
            64..=72 => trace.recommendations(now),
            73..=81 => trace.home(now),
            82..=89 => trace.orders(now),
            _ => trace.add_to_cart(now),
        }
        if let Some(root) = spans.get(first) {
            in_flight.push(Reverse(root.end_ns));
        }
        if config.patterns.contains(Pattern::ClockSkew) {
            for span in spans.iter_mut().skip(first).filter(|s| s.service == "payment") {
                span.start_ns -= CLOCK_SKEW_NS;
                span.end_ns -= CLOCK_SKEW_NS;
            }
        }
        if config.patterns.contains(Pattern::LostSpans) && rng.u32(0..10) == 0 {
            let lost = |s: &SynthSpan| s.service == "cart" && s.kind == SpanKind::Server;
            let mut i = first;
            while i < spans.len() {
                if spans.get(i).is_some_and(lost) {
                    spans.remove(i);
                } else {
                    i += 1;
                }
            }
        }
    }
    spans
}

/// How far behind the `payment` service's clock runs when [`Pattern::ClockSkew`] is planted.
const CLOCK_SKEW_NS: u64 = 40_000_000;

/// Builds the spans of one trace.
struct TraceWriter<'a> {
    rng: &'a mut fastrand::Rng,
    spans: &'a mut Vec<SynthSpan>,
    trace_id: u128,
    patterns: Patterns,
    /// Requests in flight when this one arrived.
    in_flight: usize,
}

/// One call a span makes, written into the trace by [`TraceWriter::calls`].
type Call = dyn Fn(&mut TraceWriter<'_>, &mut Open);

/// A span being built: its children are appended in time order after `cursor`.
struct Open {
    index: usize,
    span_id: u64,
    cursor: u64,
}

impl TraceWriter<'_> {
    /// A log-normal duration with the given median and spread (sigma of ln).
    fn duration(&mut self, median_ns: u64, sigma: f64) -> u64 {
        super::log_normal_ns(self.rng, median_ns, sigma)
    }

    fn open(
        &mut self,
        parent: Option<&Open>,
        service: &'static str,
        name: impl Into<String>,
        kind: SpanKind,
        start_ns: u64,
        attributes: Vec<(&'static str, SynthValue)>,
    ) -> Open {
        let span_id = self.rng.u64(1..);
        let start_ns = whole_micros(start_ns);
        self.spans.push(SynthSpan {
            trace_id: self.trace_id,
            span_id,
            parent_span_id: parent.map(|p| p.span_id),
            service,
            name: name.into(),
            kind,
            start_ns,
            end_ns: start_ns,
            error: None,
            attributes,
        });
        Open {
            index: self.spans.len() - 1,
            span_id,
            cursor: start_ns + self.rng.u64(20_000..120_000),
        }
    }

    /// Ends `span` a little after its last child (its own work after the calls).
    fn close(&mut self, span: Open, own_work_ns: u64) -> u64 {
        let end =
            whole_micros(span.cursor + own_work_ns).max(self.spans.get(span.index).map_or(0, |s| s.start_ns) + 1_000);
        if let Some(s) = self.spans.get_mut(span.index) {
            s.end_ns = end;
        }
        end
    }

    fn fail(&mut self, span: &Open, message: &str) {
        if let Some(s) = self.spans.get_mut(span.index) {
            s.error = Some(message.to_owned());
        }
    }

    /// A leaf call of the given median duration, placed at the parent's cursor.
    fn leaf(
        &mut self,
        parent: &mut Open,
        service: &'static str,
        name: &str,
        kind: SpanKind,
        median_ns: u64,
        attributes: Vec<(&'static str, SynthValue)>,
    ) {
        let duration = self.duration(median_ns, 0.35);
        let span = self.open(Some(parent), service, name, kind, parent.cursor, attributes);
        let end = self.close(
            Open {
                cursor: span.cursor.max(parent.cursor + duration),
                ..span
            },
            0,
        );
        parent.cursor = end + self.rng.u64(5_000..40_000);
    }

    fn sql(&mut self, parent: &mut Open, statement: &str, median_ns: u64) {
        // Named `{operation} {table}`, as OpenTelemetry's database conventions say.
        let words: Vec<&str> = statement.split_whitespace().collect();
        let operation = words.first().copied().unwrap_or("QUERY");
        let table = words
            .windows(2)
            .find(|w| matches!(w[0], "FROM" | "INTO" | "UPDATE"))
            .map_or("shop", |w| w[1]);
        self.leaf(
            parent,
            parent_service(self.spans, parent),
            &format!("{operation} {table}"),
            SpanKind::Client,
            median_ns,
            vec![
                ("db.system", str("postgresql")),
                ("db.name", str("shop")),
                ("db.statement", str(statement)),
            ],
        );
    }

    /// A client span in `from` calling `to`'s server span, which runs `body`.
    fn http_call(
        &mut self,
        parent: &mut Open,
        to: &'static str,
        method: &str,
        route: &str,
        body: impl FnOnce(&mut Self, &mut Open),
    ) -> bool {
        let from = parent_service(self.spans, parent);
        let client_attrs = vec![
            ("http.request.method", str(method)),
            ("server.address", str(to)),
            ("url.path", str(route)),
        ];
        let mut client = self.open(
            Some(parent),
            from,
            format!("{method} {route}"),
            SpanKind::Client,
            parent.cursor,
            client_attrs,
        );
        let server_attrs = vec![("http.request.method", str(method)), ("http.route", str(route))];
        let mut server = self.open(
            Some(&client),
            to,
            format!("{method} {route}"),
            SpanKind::Server,
            client.cursor,
            server_attrs,
        );
        body(self, &mut server);
        let failed = self.spans.get(server.index).is_some_and(|s| s.error.is_some());
        let status = if failed { 502 } else { 200 };
        if let Some(s) = self.spans.get_mut(server.index) {
            s.attributes
                .push(("http.response.status_code", SynthValue::Int(status)));
        }
        let own = self.rng.u64(30_000..150_000);
        client.cursor = self.close(server, own) + self.rng.u64(50_000..400_000);
        if failed {
            self.fail(&client, "upstream returned 502");
        }
        if let Some(s) = self.spans.get_mut(client.index) {
            s.attributes
                .push(("http.response.status_code", SynthValue::Int(status)));
        }
        let end = self.close(client, 0);
        parent.cursor = end + self.rng.u64(10_000..60_000);
        failed
    }

    fn frontend(&mut self, start: u64, method: &str, route: &str, body: impl FnOnce(&mut Self, &mut Open)) {
        let attrs = vec![("http.request.method", str(method)), ("http.route", str(route))];
        let mut root = self.open(
            None,
            "frontend",
            format!("{method} {route}"),
            SpanKind::Server,
            start,
            attrs,
        );
        body(self, &mut root);
        let failed = self.spans.get(root.index).is_some_and(|s| s.error.is_some());
        if let Some(s) = self.spans.get_mut(root.index) {
            s.attributes.push((
                "http.response.status_code",
                SynthValue::Int(if failed { 500 } else { 200 }),
            ));
        }
        let own = self.duration(400_000, 0.3);
        self.close(root, own);
    }

    fn planted(&self, pattern: Pattern) -> bool {
        self.patterns.contains(pattern)
    }

    /// A leaf database call of `system` (`redis`, `postgresql`).
    fn redis(&mut self, parent: &mut Open, command: &str, median_ns: u64) {
        let service = parent_service(self.spans, parent);
        self.leaf(
            parent,
            service,
            command,
            SpanKind::Client,
            median_ns,
            vec![("db.system", str("redis"))],
        );
    }

    /// Calls made one after another, or all at once from the same moment when
    /// `parallel`; the parent continues after the last one ends.
    fn calls(&mut self, parent: &mut Open, parallel: bool, calls: &[&Call]) {
        let start = parent.cursor;
        let mut latest = start;
        for call in calls {
            if parallel {
                parent.cursor = start + self.rng.u64(0..30_000);
            }
            call(self, parent);
            latest = latest.max(parent.cursor);
        }
        parent.cursor = latest;
    }

    fn get_product(&mut self, start: u64) {
        if self.planted(Pattern::RepeatedTokenCheck) {
            return self.get_product_checking_tokens(start);
        }
        self.frontend(start, "GET", "/api/products/{id}", |t, root| {
            t.http_call(root, "catalog", "GET", "/products/{id}", |t, server| {
                t.redis(server, "GET", 300_000);
                if t.rng.u32(0..100) < 30 {
                    t.sql(server, "SELECT * FROM products WHERE id = $1", 2_500_000);
                }
            });
        });
    }

    /// `GET /api/products/{id}` where every service checks the request's
    /// token with `accounts` before its own work, though the service above
    /// it checked the same token: the frontend, the catalog it calls, and
    /// the pricing service the catalog calls. A separate function, so the
    /// healthy shop draws the same random numbers as before the pattern was.
    fn get_product_checking_tokens(&mut self, start: u64) {
        self.frontend(start, "GET", "/api/products/{id}", |t, root| {
            t.check_token(root);
            t.http_call(root, "catalog", "GET", "/products/{id}", |t, server| {
                t.check_token(server);
                t.redis(server, "GET", 300_000);
                t.sql(server, "SELECT * FROM products WHERE id = $1", 2_500_000);
                t.http_call(server, "pricing", "GET", "/prices/{id}", |t, pricing| {
                    t.check_token(pricing);
                    t.sql(
                        pricing,
                        "SELECT amount, currency FROM prices WHERE product_id = $1",
                        3_000_000,
                    );
                });
            });
        });
    }

    /// A token check: `POST /oauth/check_token` to `accounts`, which reads
    /// the token in Redis.
    fn check_token(&mut self, parent: &mut Open) {
        self.http_call(parent, "accounts", "POST", "/oauth/check_token", |t, server| {
            t.redis(server, "GET", 600_000);
        });
    }

    fn get_cart(&mut self, start: u64) {
        let n_plus_one = self.planted(Pattern::NPlusOne);
        self.frontend(start, "GET", "/api/cart", |t, root| {
            t.http_call(root, "cart", "GET", "/cart", |t, server| {
                t.sql(
                    server,
                    "SELECT item_id, quantity FROM cart_items WHERE cart_id = $1",
                    1_800_000,
                );
                if n_plus_one {
                    for _ in 0..t.rng.u32(3..9) {
                        t.sql(server, "SELECT * FROM items WHERE id = $1", 1_200_000);
                    }
                } else {
                    t.sql(server, "SELECT * FROM items WHERE id = ANY($1)", 1_500_000);
                }
            });
        });
    }

    fn search(&mut self, start: u64) {
        let long_tail = self.planted(Pattern::LongTail);
        self.frontend(start, "GET", "/api/search", |t, root| {
            t.http_call(root, "catalog", "GET", "/search", |t, server| {
                // Full-text search; with the pattern, one in ten misses the index.
                let median = if long_tail && t.rng.u32(0..100) < 10 {
                    180_000_000
                } else {
                    4_000_000
                };
                t.sql(
                    server,
                    "SELECT id, name FROM product_search WHERE document @@ to_tsquery($1) LIMIT 50",
                    median,
                );
            });
        });
    }

    fn checkout(&mut self, start: u64) {
        let psp_median = if self.planted(Pattern::Bottleneck) {
            120_000_000
        } else {
            3_000_000
        };
        let declined = self.planted(Pattern::ErrorHotspot) && self.rng.u32(0..100) < 20;
        self.frontend(start, "POST", "/api/checkout", |t, root| {
            let failed = t.http_call(root, "checkout", "POST", "/checkout", |t, server| {
                t.http_call(server, "cart", "GET", "/cart", |t, cart| {
                    t.sql(
                        cart,
                        "SELECT item_id, quantity FROM cart_items WHERE cart_id = $1",
                        1_800_000,
                    );
                });
                let payment_failed = t.http_call(server, "payment", "POST", "/charge", |t, payment| {
                    t.leaf(
                        payment,
                        "payment",
                        "POST /v1/charges",
                        SpanKind::Client,
                        psp_median,
                        vec![("server.address", str("psp.example"))],
                    );
                    if declined {
                        // The provider answered 402: the error starts at this call.
                        let call = t.spans.len() - 1;
                        if let Some(s) = t.spans.get_mut(call) {
                            s.error = Some("card declined".to_owned());
                            s.attributes.push(("error.type", str("CardDeclined")));
                            s.attributes.push(("http.response.status_code", SynthValue::Int(402)));
                        }
                        t.fail(payment, "payment failed: card declined");
                    }
                });
                if payment_failed {
                    t.fail(server, "payment failed");
                } else {
                    t.sql(server, "INSERT INTO orders (cart_id, total) VALUES ($1, $2)", 4_000_000);
                }
            });
            if failed {
                t.fail(root, "checkout failed");
            }
        });
    }

    fn recommendations(&mut self, start: u64) {
        let chatty = self.planted(Pattern::ChattyCalls);
        self.frontend(start, "GET", "/api/recommendations", |t, root| {
            t.http_call(root, "recommendations", "GET", "/recommendations", |t, server| {
                t.sql(
                    server,
                    "SELECT product_id FROM recommendations WHERE user_id = $1 LIMIT 12",
                    2_000_000,
                );
                if chatty {
                    for _ in 0..12 {
                        t.http_call(server, "catalog", "GET", "/products/{id}/card", |_, _| {});
                    }
                } else {
                    t.http_call(server, "catalog", "GET", "/products/cards", |_, _| {});
                }
            });
        });
    }

    fn home(&mut self, start: u64) {
        let parallel = !self.planted(Pattern::SequentialCalls);
        self.frontend(start, "GET", "/api/home", |t, root| {
            t.calls(
                root,
                parallel,
                &[
                    &|t, root| {
                        t.http_call(root, "catalog", "GET", "/featured", |t, server| {
                            t.redis(server, "HGETALL", 5_000_000);
                        });
                    },
                    &|t, root| {
                        t.http_call(root, "accounts", "GET", "/accounts/me", |t, server| {
                            t.sql(server, "SELECT * FROM accounts WHERE id = $1", 4_000_000);
                        });
                    },
                    &|t, root| {
                        t.http_call(root, "cart", "GET", "/cart/summary", |t, server| {
                            t.sql(server, "SELECT count(*) FROM cart_items WHERE cart_id = $1", 3_000_000);
                        });
                    },
                    &|t, root| {
                        t.http_call(root, "recommendations", "GET", "/recommendations/top", |t, server| {
                            t.sql(
                                server,
                                "SELECT product_id FROM top_products ORDER BY score DESC LIMIT 8",
                                6_000_000,
                            );
                        });
                    },
                ],
            );
        });
    }

    fn orders(&mut self, start: u64) {
        let many = self.planted(Pattern::ManyQueries);
        self.frontend(start, "GET", "/api/orders", |t, root| {
            t.http_call(root, "orders", "GET", "/orders", |t, server| {
                if many {
                    for table in ORDER_TABLES {
                        t.sql(
                            server,
                            &format!("SELECT * FROM {table} WHERE order_id = ANY($1)"),
                            700_000,
                        );
                    }
                } else {
                    t.sql(server, "SELECT * FROM orders WHERE customer_id = $1", 1_500_000);
                    t.sql(
                        server,
                        "SELECT * FROM order_details WHERE order_id = ANY($1)",
                        2_000_000,
                    );
                }
            });
        });
    }

    fn add_to_cart(&mut self, start: u64) {
        // With the pattern, a row lock makes every request in flight add to the
        // wait (up to three: a pool of four connections caps the queue).
        let contention = if self.planted(Pattern::Scaling) {
            1.0 + 1.5 * self.in_flight.min(3) as f64
        } else {
            1.0
        };
        self.frontend(start, "POST", "/api/cart/items", |t, root| {
            t.http_call(root, "cart", "POST", "/cart/items", |t, server| {
                t.sql(
                    server,
                    "UPDATE cart_items SET quantity = quantity + $1 WHERE cart_id = $2 AND item_id = $3",
                    (2_000_000.0 * contention) as u64,
                );
            });
        });
    }
}

/// The tables `GET /api/orders` reads one by one when [`Pattern::ManyQueries`] is planted.
const ORDER_TABLES: [&str; 14] = [
    "orders",
    "order_items",
    "shipments",
    "invoices",
    "addresses",
    "payments",
    "refunds",
    "returns",
    "coupons",
    "reviews",
    "gift_cards",
    "loyalty_points",
    "order_notes",
    "tracking_events",
];

fn parent_service(spans: &[SynthSpan], parent: &Open) -> &'static str {
    spans.get(parent.index).map_or("unknown_service", |s| s.service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_spans() {
        let config = ShopConfig::default();
        assert_eq!(generate(&config), generate(&config));
        let other = generate(&ShopConfig { seed: 8, ..config });
        assert_ne!(generate(&config), other);
    }

    #[test]
    fn children_lie_within_their_parents() {
        let spans = generate(&ShopConfig::default());
        for span in &spans {
            assert!(span.end_ns > span.start_ns, "{span:?}");
            let Some(parent_id) = span.parent_span_id else {
                continue;
            };
            let parent = spans
                .iter()
                .find(|p| p.span_id == parent_id && p.trace_id == span.trace_id)
                .unwrap();
            assert!(
                parent.start_ns <= span.start_ns && span.end_ns <= parent.end_ns,
                "{span:?} outside {parent:?}"
            );
        }
    }
}
