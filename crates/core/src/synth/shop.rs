//! A small online shop, traced: a `frontend` behind four HTTP endpoints that
//! calls `cart`, `catalog`, `checkout` and `payment` services, which query
//! PostgreSQL and Redis. Durations are log-normal around per-operation medians,
//! `payment` declines about one checkout in seven, and `GET /api/cart` loads
//! its items one query at a time (an N+1 pattern worth finding).

use super::{SynthSpan, SynthValue};
use crate::model::SpanKind;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct ShopConfig {
    /// Seed of the random generator: the same seed gives the same spans.
    pub seed: u64,
    /// Number of traces (requests to the frontend).
    pub traces: usize,
    /// Start of the first request, nanoseconds since the Unix epoch.
    pub start_ns: u64,
    /// Mean time between two requests.
    pub mean_gap_ns: u64,
}

impl Default for ShopConfig {
    /// The example the site ships: 60 requests, 2026-11-02 09:00 UTC onwards,
    /// one every 7.5 s on average (about seven and a half minutes of traffic).
    fn default() -> ShopConfig {
        ShopConfig {
            seed: 7,
            traces: 60,
            start_ns: 1_793_610_000_000_000_000,
            mean_gap_ns: 7_500_000_000,
        }
    }
}

/// Generates the spans of `config.traces` requests.
pub fn generate(config: &ShopConfig) -> Vec<SynthSpan> {
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let mut spans = Vec::new();
    let mut now = config.start_ns;
    for _ in 0..config.traces {
        now += (config.mean_gap_ns as f64 * rng.f64() * 2.0) as u64;
        let mut trace = TraceWriter {
            rng: &mut rng,
            spans: &mut spans,
            trace_id: 0,
        };
        trace.trace_id = (u128::from(trace.rng.u64(..)) << 64) | u128::from(trace.rng.u64(1..));
        match trace.rng.u32(0..100) {
            0..=34 => trace.get_product(now),
            35..=59 => trace.get_cart(now),
            60..=79 => trace.search(now),
            _ => trace.checkout(now),
        }
    }
    spans
}

/// Builds the spans of one trace.
struct TraceWriter<'a> {
    rng: &'a mut fastrand::Rng,
    spans: &'a mut Vec<SynthSpan>,
    trace_id: u128,
}

/// A span being built: its children are appended in time order after `cursor`.
struct Open {
    index: usize,
    span_id: u64,
    cursor: u64,
}

impl TraceWriter<'_> {
    /// A log-normal duration with the given median and spread (sigma of ln).
    fn duration(&mut self, median_ns: u64, sigma: f64) -> u64 {
        // Box-Muller: a standard normal from two uniforms.
        let (u1, u2) = (self.rng.f64().max(1e-12), self.rng.f64());
        let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        (median_ns as f64 * (sigma * normal).exp()).max(1_000.0) as u64
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
        let operation = statement.split_whitespace().next().unwrap_or("QUERY").to_owned();
        self.leaf(
            parent,
            parent_service(self.spans, parent),
            &format!("{operation} shop"),
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

    fn get_product(&mut self, start: u64) {
        self.frontend(start, "GET", "/api/products/{id}", |t, root| {
            t.http_call(root, "catalog", "GET", "/products/{id}", |t, server| {
                t.leaf(
                    server,
                    "catalog",
                    "GET",
                    SpanKind::Client,
                    300_000,
                    vec![("db.system", str("redis"))],
                );
                if t.rng.u32(0..100) < 30 {
                    t.sql(server, "SELECT * FROM products WHERE id = $1", 2_500_000);
                }
            });
        });
    }

    fn get_cart(&mut self, start: u64) {
        self.frontend(start, "GET", "/api/cart", |t, root| {
            t.http_call(root, "cart", "GET", "/cart", |t, server| {
                t.sql(
                    server,
                    "SELECT item_id, quantity FROM cart_items WHERE cart_id = $1",
                    1_800_000,
                );
                for _ in 0..t.rng.usize(3..9) {
                    t.sql(server, "SELECT * FROM items WHERE id = $1", 1_200_000);
                }
            });
        });
    }

    fn search(&mut self, start: u64) {
        self.frontend(start, "GET", "/api/search", |t, root| {
            t.http_call(root, "catalog", "GET", "/search", |t, server| {
                // Full-text search: slow, with a long tail.
                let median = if t.rng.u32(0..100) < 10 {
                    180_000_000
                } else {
                    35_000_000
                };
                t.sql(
                    server,
                    "SELECT id, name FROM products WHERE search @@ to_tsquery($1) LIMIT 50",
                    median,
                );
            });
        });
    }

    fn checkout(&mut self, start: u64) {
        self.frontend(start, "POST", "/api/checkout", |t, root| {
            let failed = t.http_call(root, "checkout", "POST", "/checkout", |t, server| {
                t.http_call(server, "cart", "GET", "/cart", |t, cart| {
                    t.sql(
                        cart,
                        "SELECT item_id, quantity FROM cart_items WHERE cart_id = $1",
                        1_800_000,
                    );
                });
                let declined = t.rng.u32(0..100) < 15;
                let payment_failed = t.http_call(server, "payment", "POST", "/charge", |t, payment| {
                    t.leaf(
                        payment,
                        "payment",
                        "POST /v1/charges",
                        SpanKind::Client,
                        120_000_000,
                        vec![("server.address", str("psp.example"))],
                    );
                    if declined {
                        t.fail(payment, "card declined");
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
}

/// Times are whole microseconds, so every format (Jaeger and Zipkin carry
/// microseconds) round-trips them exactly.
fn whole_micros(ns: u64) -> u64 {
    ns - ns % 1_000
}

fn parent_service(spans: &[SynthSpan], parent: &Open) -> &'static str {
    spans.get(parent.index).map_or("unknown_service", |s| s.service)
}

fn str(text: &str) -> SynthValue {
    SynthValue::Str(text.to_owned())
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
