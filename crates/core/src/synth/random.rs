//! Random traces with no planted pattern: random trees of spans over a set of
//! services, every duration log-normal. What a noisy but healthy system looks
//! like, so tests can check that detectors stay quiet where there is nothing
//! to find, and benchmarks can ask for any shape of trace.
//!
//! Each trace enters through one of a few endpoints (a SERVER span with
//! `http.route`); every further span hangs under a uniformly chosen earlier
//! span (a random recursive tree, so depth grows like the logarithm of the
//! size), in a random service, with one of a few operation names per service.
//! A span's own work is log-normal around its service's median; its children
//! run one after another, some alongside the one before.

use super::{SynthSpan, SynthValue};
use crate::model::SpanKind;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct RandomConfig {
    /// Seed of the random generator: the same seed gives the same spans.
    pub seed: u64,
    /// Number of traces.
    pub traces: usize,
    /// Spans in each trace (at least 1).
    pub spans_per_trace: usize,
    /// Services the spans are spread over (1 to [`MAX_SERVICES`]).
    pub services: usize,
    /// Distinct endpoints the traces enter through.
    pub endpoints: usize,
    /// Operation names per service.
    pub operations_per_service: usize,
    /// The median of a span's own work, across services: each service's own
    /// median is log-normal around it (sigma 1), so services differ.
    pub median_own_work_ns: u64,
    /// Spread (sigma of ln) of each span's own work around its service's median.
    pub sigma: f64,
    /// Chance that a child runs alongside its previous sibling rather than after it.
    pub parallel_chance: f64,
    /// Start of the first trace, nanoseconds since the Unix epoch.
    pub start_ns: u64,
    /// Mean time between the starts of two traces.
    pub mean_gap_ns: u64,
}

impl Default for RandomConfig {
    /// 1,000 traces of 50 spans over 20 services and 10 endpoints, own work
    /// of 5 ms at the median with sigma 1.4 (p99 about 25 times p50).
    fn default() -> RandomConfig {
        RandomConfig {
            seed: 1,
            traces: 1_000,
            spans_per_trace: 50,
            services: 20,
            endpoints: 10,
            operations_per_service: 5,
            median_own_work_ns: 5_000_000,
            sigma: 1.4,
            parallel_chance: 0.25,
            start_ns: 1_793_610_000_000_000_000,
            mean_gap_ns: 500_000_000,
        }
    }
}

/// The most services [`generate`] names.
pub const MAX_SERVICES: usize = 32;

const SERVICES: [&str; MAX_SERVICES] = [
    "svc-00", "svc-01", "svc-02", "svc-03", "svc-04", "svc-05", "svc-06", "svc-07", "svc-08", "svc-09", "svc-10",
    "svc-11", "svc-12", "svc-13", "svc-14", "svc-15", "svc-16", "svc-17", "svc-18", "svc-19", "svc-20", "svc-21",
    "svc-22", "svc-23", "svc-24", "svc-25", "svc-26", "svc-27", "svc-28", "svc-29", "svc-30", "svc-31",
];

/// Generates the spans of `config.traces` random traces, each trace's spans together.
pub fn generate(config: &RandomConfig) -> Vec<SynthSpan> {
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let services = config.services.clamp(1, MAX_SERVICES);
    let service_medians: Vec<f64> = (0..services)
        .map(|_| config.median_own_work_ns as f64 * super::log_normal(&mut rng, 1.0))
        .collect();
    let mut spans = Vec::with_capacity(config.traces.saturating_mul(config.spans_per_trace.max(1)));
    let mut now = config.start_ns;
    for _ in 0..config.traces {
        now += (config.mean_gap_ns as f64 * rng.f64() * 2.0) as u64;
        let shape = Shape::random(&mut rng, config, services);
        let trace_id = (u128::from(rng.u64(..)) << 64) | u128::from(rng.u64(1..));
        let first_id = rng.u64(1..u64::MAX / 2);
        let own: Vec<u64> = shape
            .service
            .iter()
            .map(|&s| (service_medians[s] * super::log_normal(&mut rng, config.sigma)).max(1_000.0) as u64)
            .collect();
        let times = layout(&shape.parent, &own, config.parallel_chance, &mut rng);
        let endpoint = rng.usize(..config.endpoints.max(1));
        for (i, &(offset, duration)) in times.iter().enumerate() {
            let service = shape.service[i];
            let parent = shape.parent[i];
            let crosses = parent.is_none_or(|p| shape.service[p] != service);
            let (name, attributes) = if i == 0 {
                let route = format!("/api/endpoint-{endpoint}");
                (
                    format!("GET {route}"),
                    vec![
                        ("http.route", SynthValue::Str(route)),
                        ("http.request.method", SynthValue::Str("GET".to_owned())),
                    ],
                )
            } else {
                (
                    format!("op-{}", rng.usize(..config.operations_per_service.max(1))),
                    Vec::new(),
                )
            };
            spans.push(SynthSpan {
                trace_id,
                span_id: first_id + i as u64,
                parent_span_id: parent.map(|p| first_id + p as u64),
                service: SERVICES[service],
                name,
                kind: if crosses { SpanKind::Server } else { SpanKind::Internal },
                start_ns: now + offset,
                end_ns: now + offset + duration,
                error: None,
                attributes,
            });
        }
    }
    spans
}

/// The tree of one trace: each span's parent (an earlier span) and service.
struct Shape {
    parent: Vec<Option<usize>>,
    service: Vec<usize>,
}

impl Shape {
    fn random(rng: &mut fastrand::Rng, config: &RandomConfig, services: usize) -> Shape {
        let n = config.spans_per_trace.max(1);
        let mut parent = Vec::with_capacity(n);
        let mut service = Vec::with_capacity(n);
        // Each endpoint is served by one service, as a real system's would be.
        parent.push(None);
        service.push(rng.usize(..services));
        for i in 1..n {
            let p = rng.usize(..i);
            parent.push(Some(p));
            // Half the calls stay in the caller's service (internal work).
            service.push(if rng.bool() { service[p] } else { rng.usize(..services) });
        }
        Shape { parent, service }
    }
}

/// Each span's (offset from the trace start, duration): a span does its own
/// work in stretches before, between and after its children, which run one
/// after another or, by `parallel_chance`, alongside the previous one.
pub(super) fn layout(
    parent: &[Option<usize>],
    own: &[u64],
    parallel_chance: f64,
    rng: &mut fastrand::Rng,
) -> Vec<(u64, u64)> {
    let n = parent.len();
    // Children lists by parent; parents come before their children.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = *p {
            children[p].push(i);
        }
    }
    // Bottom-up: each child's offset within its parent, and each span's duration.
    let mut duration = vec![0u64; n];
    let mut relative = vec![0u64; n];
    for i in (0..n).rev() {
        // Own work split into equal stretches: one before each child that
        // starts after the one before, the rest after the last child.
        let gap = own[i] / (children[i].len() as u64 + 1);
        let (mut cursor, mut own_used, mut previous_start) = (0u64, 0u64, 0u64);
        for (k, &c) in children[i].iter().enumerate() {
            let start = if k > 0 && rng.f64() < parallel_chance {
                previous_start
            } else {
                own_used += gap;
                cursor + gap
            };
            relative[c] = start;
            cursor = cursor.max(start + duration[c]);
            previous_start = start;
        }
        duration[i] = cursor + own[i].saturating_sub(own_used);
    }
    // Top-down: absolute offsets.
    let mut offset = vec![0u64; n];
    for i in 0..n {
        if let Some(p) = parent[i] {
            offset[i] = offset[p] + relative[i];
        }
    }
    offset.into_iter().zip(duration).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_lie_within_their_parents_and_sizes_are_as_asked() {
        let config = RandomConfig {
            traces: 20,
            spans_per_trace: 30,
            ..RandomConfig::default()
        };
        let spans = generate(&config);
        assert_eq!(spans.len(), 600);
        let by_id: std::collections::HashMap<(u128, u64), &SynthSpan> =
            spans.iter().map(|s| ((s.trace_id, s.span_id), s)).collect();
        for span in &spans {
            assert!(span.end_ns > span.start_ns);
            if let Some(parent) = span.parent_span_id {
                let parent = by_id[&(span.trace_id, parent)];
                assert!(parent.start_ns <= span.start_ns && span.end_ns <= parent.end_ns);
            }
        }
        assert_eq!(spans.iter().filter(|s| s.parent_span_id.is_none()).count(), 20);
    }

    #[test]
    fn same_seed_same_spans() {
        let config = RandomConfig {
            traces: 3,
            ..RandomConfig::default()
        };
        assert_eq!(generate(&config), generate(&config));
    }
}
