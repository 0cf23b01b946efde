//! The findings section: the analysis' findings in its order (most costly
//! first), each with its registry entry's next step, a stable fingerprint,
//! and its status against the previous report: `new`, `still_open` (with the
//! notes, owner and state people gave it carried over) or `resolved` (in the
//! previous report, not found now; listed after the open ones).

use super::model::{ReportFinding, Status, Subject, Tracking};
use crate::analysis::detectors::error_hotspot::message::normalise;
use crate::analysis::detectors::{Finding, Impact};
use crate::ids::TraceId;
use std::collections::{BTreeMap, HashMap};

/// A finding's identity across periods: the detector and its subject, with
/// IDs, numbers and addresses folded out of the names (as error messages
/// are), hashed. Shown as `detector:hash` so it reads in a diff.
pub fn fingerprint(detector: &str, subject: &Subject) -> String {
    let mut hash = Fnv::default();
    for part in [
        detector,
        subject.endpoint.as_deref().unwrap_or(""),
        &subject.service,
        &subject.operation,
    ] {
        hash.write(normalise(part).as_bytes());
        hash.write(&[0x1f]);
    }
    format!("{detector}:{:016x}", hash.0)
}

/// A trace set's identity, for keeping what people wrote about its report
/// (in the app's storage) across reloads: its span count and every trace ID,
/// in ID order, hashed. The same files read again in any order, format or
/// split give the same one; another file added gives another.
pub fn trace_set_fingerprint(spans: u64, trace_ids: impl IntoIterator<Item = TraceId>) -> String {
    let mut ids: Vec<u128> = trace_ids.into_iter().map(|id| id.0).collect();
    ids.sort_unstable();
    let mut hash = Fnv::default();
    hash.write(&spans.to_le_bytes());
    for id in ids {
        hash.write(&id.to_le_bytes());
    }
    format!("traces:{:016x}", hash.0)
}

/// FNV-1a, 64 bits: tiny, and the same on every platform and version
/// (unlike the standard library's hasher), which a stored fingerprint needs.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The traces of a finding's evidence, each once, in the evidence's order:
/// three runs of one handler in one recorded session are one example trace
/// (the Kafka capture's unexplained time listed the same trace three times).
fn example_traces(finding: &Finding) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for evidence in &finding.evidence {
        let id = evidence.trace_id.to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// What a finding cost in time, as its cost line, the headlines and the
/// app's panel say it: `74% of their time, 264ms on the critical path`, or,
/// for failures sized by the time their requests spent in the failing
/// spans ([`Impact::request_time`]), `15.0s of their time (100%) in the
/// failing spans`: a request that hung 15 s before its proxy gave up is not
/// sized by the proxy's own 556 µs on the critical path. `None` for a
/// finding that costs no time (one about the data).
pub fn time_cost(impact: &Impact) -> Option<String> {
    let share = || super::render::whole_share(impact.request_time_share);
    if impact.request_time.0 > 0 {
        Some(format!(
            "{} of their time ({}) in the failing spans",
            impact.request_time,
            share()
        ))
    } else if impact.time.0 > 0 {
        Some(format!(
            "{} of their time, {} on the critical path",
            share(),
            impact.time
        ))
    } else {
        None
    }
}

/// What a finding puts at risk beyond time, said before its time wherever
/// the report sizes it: a loop of writes that rewrites rows its request did
/// not create ([`Impact::data_at_risk`]) is a warning for that, not for its
/// milliseconds, and a reader who sees only "10.8ms" passes it by.
pub fn risk(impact: &Impact) -> Option<&'static str> {
    impact
        .data_at_risk
        .then_some("rewrites rows the request did not create")
}

/// A finding's size in a headline: `3 requests, 264ms on the critical
/// path`, `1 request, 1 failed, 15.0s in the failing spans`, or, with its
/// [`risk`] first, `rewrites rows the request did not create; 1 request,
/// 10.8ms on the critical path`.
pub fn headline_cost(impact: &Impact) -> String {
    let mut out = risk(impact).map(|r| format!("{r}; ")).unwrap_or_default();
    out.push_str(&super::counted(impact.requests, "request", "requests"));
    if impact.failed_requests > 0 {
        out.push_str(&format!(", {} failed", impact.failed_requests));
    }
    if impact.request_time.0 > 0 {
        out.push_str(&format!(", {} in the failing spans", impact.request_time));
    } else if impact.time.0 > 0 {
        out.push_str(&format!(", {} on the critical path", impact.time));
    }
    out
}

/// One analysis finding as the report shows it, without status or notes.
pub fn report_finding(finding: &Finding) -> ReportFinding {
    let subject = finding.subject.clone();
    let detector = finding.detector.name();
    ReportFinding {
        fingerprint: fingerprint(detector, &subject),
        status: None,
        detector: detector.to_owned(),
        label: finding.detector.label().to_owned(),
        severity: finding.severity,
        subject,
        explanation: finding.explanation.clone(),
        impact: finding.impact.clone(),
        example_trace_ids: example_traces(finding),
        next_step: finding.next_step().to_owned(),
        tracking: Tracking::default(),
    }
}

/// The findings with their status against `previous` (the open findings of
/// the previous report; `None` when there is none) and the tracking people
/// gave them: `tracking` (by fingerprint, e.g. edited in the app) wins over
/// what the previous report carried.
pub fn findings(
    current: &[Finding],
    previous: Option<&[ReportFinding]>,
    tracking: &BTreeMap<String, Tracking>,
) -> Vec<ReportFinding> {
    let before: HashMap<&str, &ReportFinding> = previous
        .unwrap_or(&[])
        .iter()
        .filter(|f| f.status != Some(Status::Resolved))
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    let mut out: Vec<ReportFinding> = current.iter().map(report_finding).collect();
    for finding in &mut out {
        let earlier = before.get(finding.fingerprint.as_str());
        if previous.is_some() {
            finding.status = Some(if earlier.is_some() {
                Status::StillOpen
            } else {
                Status::New
            });
        }
        if let Some(earlier) = earlier {
            finding.tracking = earlier.tracking.clone();
        }
    }
    if previous.is_some() {
        let now: std::collections::HashSet<String> = out.iter().map(|f| f.fingerprint.clone()).collect();
        let mut resolved: Vec<ReportFinding> = previous
            .unwrap_or(&[])
            .iter()
            .filter(|f| f.status != Some(Status::Resolved) && !now.contains(&f.fingerprint))
            .cloned()
            .collect();
        for finding in &mut resolved {
            finding.status = Some(Status::Resolved);
        }
        out.extend(resolved);
    }
    for finding in &mut out {
        if let Some(given) = tracking.get(&finding.fingerprint) {
            finding.tracking = given.clone();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(operation: &str) -> Subject {
        Subject {
            endpoint: Some("GET /api/cart".to_owned()),
            service: "cart".to_owned(),
            operation: operation.to_owned(),
            route: None,
            scope: None,
        }
    }

    #[test]
    fn fingerprints_leave_volatile_numbers_out() {
        let a = fingerprint("n_plus_one_queries", &subject("SELECT * FROM items WHERE id = 17"));
        let b = fingerprint("n_plus_one_queries", &subject("SELECT * FROM items WHERE id = 42"));
        assert_eq!(a, b);
        assert!(a.starts_with("n_plus_one_queries:"));
        assert_ne!(
            a,
            fingerprint("chatty_calls", &subject("SELECT * FROM items WHERE id = 17"))
        );
        assert_ne!(
            a,
            fingerprint("n_plus_one_queries", &subject("SELECT * FROM users WHERE id = 17"))
        );
        // Parts cannot run into each other.
        let joined = Subject {
            endpoint: None,
            service: "ab".to_owned(),
            operation: "c".to_owned(),
            route: None,
            scope: None,
        };
        let split = Subject {
            endpoint: None,
            service: "a".to_owned(),
            operation: "bc".to_owned(),
            route: None,
            scope: None,
        };
        assert_ne!(fingerprint("x", &joined), fingerprint("x", &split));
    }

    #[test]
    fn trace_set_fingerprints_ignore_order_and_see_every_trace() {
        let ids = [TraceId(3), TraceId(1), TraceId(2)];
        let a = trace_set_fingerprint(10, ids);
        assert_eq!(a, trace_set_fingerprint(10, [TraceId(1), TraceId(2), TraceId(3)]));
        assert!(a.starts_with("traces:"));
        assert_ne!(a, trace_set_fingerprint(11, ids));
        assert_ne!(a, trace_set_fingerprint(10, [TraceId(1), TraceId(2)]));
        assert_ne!(a, trace_set_fingerprint(10, [TraceId(1), TraceId(2), TraceId(4)]));
    }
}
