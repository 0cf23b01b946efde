//! A service map against the map of an earlier period: which nodes and edges
//! are new or gone, and whose p95 or error rate changed beyond noise.
//!
//! **Latency** (a node's requests, an edge's calls) is judged changed when
//! - each side has at least [`MIN_SAMPLES`] known durations;
//! - the Mann–Whitney U rank test ([`crate::stats::rank_test`]) finds the
//!   durations differ: p < [`ALPHA`] after Holm's correction over every test
//!   of the map (latency and errors, nodes and edges), so a map of 60
//!   services does not light up by chance;
//! - the p95 moved the way the rank test found, by more than
//!   [`MIN_RELATIVE_CHANGE`] of the baseline's p95 and more than
//!   [`MIN_ABSOLUTE_CHANGE`]: the same floors as the regression detector, so
//!   a busy, fast call whose tiny shift is certain stays unmarked.
//!
//! **Error rate** is judged changed when
//! - each side has at least [`MIN_SAMPLES`] requests or calls and the two
//!   sides together at least [`MIN_FAILURES`] failures (fewer, and the normal
//!   approximation below is poor);
//! - the two-proportion z-test (pooled rate, two-sided,
//!   `z = (r₁ − r₀) / √(r·(1 − r)·(1/n₁ + 1/n₀))`) gives p < [`ALPHA`] after
//!   the same Holm correction;
//! - the rate moved by at least [`MIN_RATE_CHANGE`] (absolute).
//!
//! A node or edge on one side only is new or gone; gone ones are added to
//! the current map with no calls, so a view can draw them (dashed, say).

use super::{ServiceEdge, ServiceMap, ServiceNode};
use crate::stats::rank_test::{erfc, holm, mann_whitney};
use crate::time::DurationNs;
use serde::{Deserialize, Serialize};

/// Fewest samples (durations, or requests and calls) on each side for a test.
pub const MIN_SAMPLES: usize = 10;
/// Significance after Holm's correction.
pub const ALPHA: f64 = 0.01;
/// Smallest relative move of the p95 that is marked.
pub const MIN_RELATIVE_CHANGE: f64 = 0.10;
/// Smallest absolute move of the p95 that is marked.
pub const MIN_ABSOLUTE_CHANGE: DurationNs = DurationNs(10_000);
/// Fewest failures on both sides together for the error-rate test.
pub const MIN_FAILURES: u64 = 5;
/// Smallest absolute move of the error rate that is marked (1 = 100%).
pub const MIN_RATE_CHANGE: f64 = 0.02;

/// Whether a node or edge is on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// In the baseline and now.
    Both,
    /// Only now.
    New,
    /// Only in the baseline (shown with no calls now).
    Gone,
}

/// How a measure moved against the baseline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shift {
    /// Too few samples on a side to say (or on one side only).
    #[default]
    TooFewSamples,
    /// No change beyond noise and the floors.
    Unchanged,
    /// Higher now: slower, or failing more.
    Higher,
    /// Lower now: faster, or failing less.
    Lower,
}

/// A node or edge against the baseline map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineChange {
    /// On both sides, or on one.
    pub presence: Presence,
    /// The baseline's requests (a node) or calls (an edge).
    pub count: u64,
    /// The baseline's error rate.
    pub error_rate: f64,
    /// The baseline's p95.
    pub p95: Option<DurationNs>,
    /// How the latency moved.
    pub latency: Shift,
    /// The rank test's p-value, Holm-adjusted; `None` when not tested.
    pub latency_p_value: Option<f64>,
    /// How the error rate moved.
    pub errors: Shift,
    /// The two-proportion test's p-value, Holm-adjusted; `None` when not tested.
    pub errors_p_value: Option<f64>,
}

impl BaselineChange {
    /// Whether a view should mark it: new, gone, or a measure that moved.
    pub fn changed(&self) -> bool {
        self.presence != Presence::Both || self.moved()
    }

    /// Whether the latency or the error rate moved.
    pub fn moved(&self) -> bool {
        matches!(self.latency, Shift::Higher | Shift::Lower) || matches!(self.errors, Shift::Higher | Shift::Lower)
    }
}

/// What both nodes and edges offer the comparison.
struct Side<'a> {
    count: u64,
    errors: u64,
    error_rate: f64,
    p95: Option<DurationNs>,
    durations: &'a [DurationNs],
}

impl<'a> From<&'a ServiceNode> for Side<'a> {
    fn from(n: &'a ServiceNode) -> Side<'a> {
        Side {
            count: n.requests,
            errors: n.errors,
            error_rate: n.error_rate,
            p95: n.p95,
            durations: &n.durations,
        }
    }
}

impl<'a> From<&'a ServiceEdge> for Side<'a> {
    fn from(e: &'a ServiceEdge) -> Side<'a> {
        Side {
            count: e.calls,
            errors: e.errors,
            error_rate: e.error_rate,
            p95: e.p95,
            durations: &e.durations,
        }
    }
}

/// The raw tests of one node or edge, before Holm's correction.
struct Raw {
    change: BaselineChange,
    latency: Option<Test>,
    errors: Option<Test>,
}

/// One test: its p-value, the direction it found (higher now), and whether
/// the measure shown (p95, error rate) moved that way past the floors.
#[derive(Clone, Copy)]
struct Test {
    p_value: f64,
    higher: bool,
    moved: bool,
}

impl ServiceMap {
    /// Marks every node and edge against `baseline`, the map of an earlier
    /// period built by [`ServiceMap::of`] (a map read back from JSON has no
    /// durations to test: its latencies count as too few samples). Nodes and
    /// edges only in the baseline are added with no requests or calls and
    /// marked gone; the order stays busiest first.
    pub fn compare(&mut self, baseline: &ServiceMap) {
        let mut raws: Vec<Raw> = Vec::with_capacity(self.nodes.len() + self.edges.len());
        for node in &self.nodes {
            raws.push(raw(Some(node.into()), baseline.node(&node.name).map(Side::from)));
        }
        for edge in &self.edges {
            raws.push(raw(
                Some(edge.into()),
                baseline.edge(&edge.caller, &edge.callee).map(Side::from),
            ));
        }
        let gone_nodes: Vec<ServiceNode> = baseline
            .nodes
            .iter()
            .filter(|n| self.node(&n.name).is_none())
            .map(|n| ServiceNode {
                spans: 0,
                requests: 0,
                errors: 0,
                error_rate: 0.0,
                p50: None,
                p95: None,
                baseline: None,
                durations: Vec::new(),
                ..n.clone()
            })
            .collect();
        let gone_edges: Vec<ServiceEdge> = baseline
            .edges
            .iter()
            .filter(|e| self.edge(&e.caller, &e.callee).is_none())
            .map(|e| ServiceEdge {
                calls: 0,
                errors: 0,
                error_rate: 0.0,
                p50: None,
                p95: None,
                baseline: None,
                durations: Vec::new(),
                ..e.clone()
            })
            .collect();
        let mut changes = judge(raws).into_iter();
        for node in &mut self.nodes {
            node.baseline = changes.next();
        }
        for edge in &mut self.edges {
            edge.baseline = changes.next();
        }
        for mut node in gone_nodes {
            node.baseline = Some(gone(baseline.node(&node.name).map(Side::from)));
            self.nodes.push(node);
        }
        for mut edge in gone_edges {
            edge.baseline = Some(gone(baseline.edge(&edge.caller, &edge.callee).map(Side::from)));
            self.edges.push(edge);
        }
        self.sort();
    }
}

/// A node or edge that is only in the baseline.
fn gone(then: Option<Side<'_>>) -> BaselineChange {
    let mut change = raw(None, then).change;
    change.presence = Presence::Gone;
    change
}

/// The tests of one node or edge (`now`, `then`: its two sides, if present).
fn raw(now: Option<Side<'_>>, then: Option<Side<'_>>) -> Raw {
    let presence = match (&now, &then) {
        (Some(_), Some(_)) => Presence::Both,
        (Some(_), None) => Presence::New,
        _ => Presence::Gone,
    };
    let change = BaselineChange {
        presence,
        count: then.as_ref().map_or(0, |t| t.count),
        error_rate: then.as_ref().map_or(0.0, |t| t.error_rate),
        p95: then.as_ref().and_then(|t| t.p95),
        latency: Shift::TooFewSamples,
        latency_p_value: None,
        errors: Shift::TooFewSamples,
        errors_p_value: None,
    };
    let (Some(now), Some(then)) = (now, then) else {
        return Raw {
            change,
            latency: None,
            errors: None,
        };
    };
    Raw {
        change,
        latency: latency_test(&now, &then),
        errors: errors_test(&now, &then),
    }
}

/// The rank test of the durations, and whether the p95 moved its way past the floors.
fn latency_test(now: &Side<'_>, then: &Side<'_>) -> Option<Test> {
    if now.durations.len() < MIN_SAMPLES || then.durations.len() < MIN_SAMPLES {
        return None;
    }
    let test = mann_whitney(now.durations, then.durations)?;
    let higher = test.probability_greater > 0.5;
    let (now_p95, then_p95) = (now.p95?, then.p95?);
    let delta = i128::from(now_p95.0) - i128::from(then_p95.0);
    let size = delta.unsigned_abs();
    let moved = delta != 0
        && (delta > 0) == higher
        && test.probability_greater != 0.5
        && size > u128::from(MIN_ABSOLUTE_CHANGE.0)
        && size as f64 > MIN_RELATIVE_CHANGE * then_p95.0 as f64;
    Some(Test {
        p_value: test.p_value,
        higher,
        moved,
    })
}

/// The two-proportion test of the failures, and whether the rate moved past the floor.
fn errors_test(now: &Side<'_>, then: &Side<'_>) -> Option<Test> {
    let enough = |n: u64| n >= MIN_SAMPLES as u64;
    if !enough(now.count) || !enough(then.count) || now.errors + then.errors < MIN_FAILURES {
        return None;
    }
    let p_value = two_proportions(now.errors, now.count, then.errors, then.count)?;
    let delta = now.error_rate - then.error_rate;
    Some(Test {
        p_value,
        higher: delta > 0.0,
        moved: delta.abs() >= MIN_RATE_CHANGE,
    })
}

/// Two-sided p-value of the pooled two-proportion z-test of `a / n` against
/// `b / m`; `None` when the pooled rate is 0 or 1 (no spread to test).
fn two_proportions(a: u64, n: u64, b: u64, m: u64) -> Option<f64> {
    let (a, n, b, m) = (a as f64, n as f64, b as f64, m as f64);
    let pooled = (a + b) / (n + m);
    let spread = (pooled * (1.0 - pooled) * (1.0 / n + 1.0 / m)).sqrt();
    if spread.is_nan() || spread <= 0.0 {
        return None;
    }
    let z = (a / n - b / m) / spread;
    Some(erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0))
}

/// Holm-adjusts every test of the map together, then gives each node or edge its verdicts.
fn judge(raws: Vec<Raw>) -> Vec<BaselineChange> {
    let p_values: Vec<f64> = raws
        .iter()
        .flat_map(|r| [r.latency, r.errors])
        .flatten()
        .map(|t| t.p_value)
        .collect();
    let mut adjusted = holm(&p_values).into_iter();
    let mut verdict = |test: Option<Test>| -> (Shift, Option<f64>) {
        let Some(test) = test else {
            return (Shift::TooFewSamples, None);
        };
        let p = adjusted.next().unwrap_or(1.0);
        let shift = match (p < ALPHA && test.moved, test.higher) {
            (false, _) => Shift::Unchanged,
            (true, true) => Shift::Higher,
            (true, false) => Shift::Lower,
        };
        (shift, Some(p))
    };
    raws.into_iter()
        .map(|r| {
            let (latency, latency_p_value) = verdict(r.latency);
            let (errors, errors_p_value) = verdict(r.errors);
            BaselineChange {
                latency,
                latency_p_value,
                errors,
                errors_p_value,
                ..r.change
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::two_proportions;

    #[test]
    fn two_proportions_by_hand() {
        // 10 of 100 against 2 of 100: pooled 0.06, σ = √(0.06 · 0.94 · 0.02) = 0.033586,
        // z = 0.08 / σ = 2.38197, p = erfc(z / √2) = 0.017221 (Python's math.erfc).
        let p = two_proportions(10, 100, 2, 100).unwrap();
        assert!((p - 0.017_221).abs() < 1e-5, "{p}");
        assert_eq!(two_proportions(2, 100, 10, 100), Some(p), "two-sided");
        assert_eq!(two_proportions(0, 50, 0, 50), None, "no failures: nothing to test");
        assert_eq!(two_proportions(50, 50, 50, 50), None);
    }
}
