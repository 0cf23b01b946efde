//! Findings whose numbers rest on skew-corrected times say so.
//!
//! The critical path places a callee whose host's clock put it outside the
//! call that waited for it in the middle of that call
//! ([`crate::analysis::critical_path`]'s skew repair). Every critical-path
//! time in that call then differs from what the recorded spans give: the
//! client's own time, the callee's and everything below the client. A
//! finding that reads those times (a bottleneck, an N+1's time on the path)
//! would send a reader who checks the raw spans to different numbers, so its
//! sentence ends with one clause: "times corrected for a clock skew of 65.4ms
//! to 66.4ms between `servicea` and `serviceb`" (Zipkin's skew capture, where
//! `async` holds 65% of the path only once its server half is moved inside
//! its call). The skew is a range: how far the callee lies outside its call
//! is only its least, and the call's time to spare around it bounds it.
//!
//! **Rule.** A finding of a detector that reads the critical path
//! ([`super::Detector::reads_critical_path`]) whose evidence holds a span
//! at or below a client whose callee the walk placed. Only its example spans
//! are checked, not every span it counted: they are the spans its numbers
//! are about. The critical-path finding says which callee it placed in its
//! own words, and is left as it is.

use super::{Context, Detector, Finding};
use crate::analysis::critical_path::skew_range;
use crate::ids::TraceId;
use crate::time::DurationNs;
use std::collections::{BTreeMap, HashMap};

/// A callee the critical path placed inside its call: the client, the
/// server half, and the clock skew that implies ([`skew_range`]): how far
/// outside the client its host's clock put it, and at most how far.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Placed {
    client: u32,
    server: u32,
    outside: u64,
    at_most: u64,
}

/// Adds the clause to each finding whose numbers rest on corrected times.
pub(super) fn note(context: &Context<'_>, findings: &mut [Finding]) {
    let placed = placements(context);
    if placed.is_empty() {
        return;
    }
    // The traces that hold a placed callee: only their evidence can rest on one.
    let traces: HashMap<TraceId, usize> = placed
        .keys()
        .map(|&client| context.trace_of(client) as usize)
        .map(|t| (context.trace_id(t), t))
        .collect();
    for finding in findings.iter_mut() {
        if !finding.detector.reads_critical_path() || finding.detector == Detector::CriticalPath {
            continue;
        }
        let mut found: Vec<Placed> = Vec::new();
        for evidence in &finding.evidence {
            let Some(trace) = traces
                .get(&evidence.trace_id)
                .and_then(|&t| context.index.traces.get(t))
            else {
                continue;
            };
            for &i in context.index.spans_of(trace) {
                let is_example = context
                    .set
                    .spans
                    .get(i as usize)
                    .is_some_and(|s| evidence.span_ids.contains(&s.span_id));
                if is_example {
                    above(context, &placed, i, trace.span_count() as usize, &mut found);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        if let Some(clause) = clause(context, &found) {
            finding.explanation = super::with_clause(&finding.explanation, &format!("; {clause}"));
        }
    }
}

/// Every callee the critical path places inside its call, by client.
fn placements(context: &Context<'_>) -> BTreeMap<u32, Vec<Placed>> {
    let set = context.set;
    let mut placed: BTreeMap<u32, Vec<Placed>> = BTreeMap::new();
    for (i, span) in set.spans.iter().enumerate() {
        let Some(client) = context.index.parent.get(i).copied().flatten() else {
            continue;
        };
        let Some(parent) = set.spans.get(client as usize) else {
            continue;
        };
        if let Some((outside, at_most)) = skew_range(parent, span) {
            placed.entry(client).or_default().push(Placed {
                client,
                server: i as u32,
                outside,
                at_most,
            });
        }
    }
    placed
}

/// The placed callees of span `i`'s own calls and of every client above it
/// in the walk that gave `i` its time: up to the trace's root in a request,
/// up to `i`'s unit of work in a session (each unit is walked from its own
/// span, [`super::session_units`], so a client above it moved nothing in
/// it). Their placement moved what `i` holds of the path. At most `bound`
/// steps up (a parent cycle in bad data ends there).
fn above(context: &Context<'_>, placed: &BTreeMap<u32, Vec<Placed>>, i: u32, bound: usize, found: &mut Vec<Placed>) {
    let in_session = context
        .index
        .traces
        .get(context.trace_of(i) as usize)
        .is_some_and(|t| t.shape == crate::index::TraceShape::Session);
    let walked_from = if in_session { context.units().unit(i) } else { None };
    let mut at = Some(i);
    for _ in 0..=bound {
        let Some(span) = at else { break };
        if let Some(callees) = placed.get(&span) {
            found.extend_from_slice(callees);
        }
        if Some(span) == walked_from {
            break;
        }
        at = context.index.parent.get(span as usize).copied().flatten();
    }
}

/// "times corrected for a clock skew of 65.4ms to 66.4ms between `servicea`
/// and `serviceb`"; for several calls the most the largest skew can be, and
/// how many other pairs of services; `None` for none.
fn clause(context: &Context<'_>, found: &[Placed]) -> Option<String> {
    let set = context.set;
    let service = |i: u32| set.spans.get(i as usize).map(|s| s.service);
    let mut pairs: Vec<((u64, u64), String, String)> = Vec::new();
    for p in found {
        let (Some(caller), Some(callee)) = (service(p.client), service(p.server)) else {
            continue;
        };
        let (caller, callee) = (super::shown(set.str(caller)), super::shown(set.str(callee)));
        match pairs.iter_mut().find(|(_, a, b)| *a == caller && *b == callee) {
            Some(pair) => pair.0 = pair.0.max((p.at_most, p.outside)),
            None => pairs.push(((p.at_most, p.outside), caller, callee)),
        }
    }
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| (&a.1, &a.2).cmp(&(&b.1, &b.2))));
    let (largest, caller, callee) = pairs.first()?;
    let (at_most, least) = *largest;
    let skew = if found.len() == 1 {
        format!("a clock skew of {} to {}", DurationNs(least), DurationNs(at_most))
    } else {
        format!("clock skews of up to {}", DurationNs(at_most))
    };
    let others = match pairs.len() - 1 {
        0 => String::new(),
        n => format!(
            " and {}",
            super::counted(n as u64, "other pair of services", "other pairs of services")
        ),
    };
    Some(format!(
        "times corrected for {skew} between `{caller}` and `{callee}`{others}"
    ))
}
