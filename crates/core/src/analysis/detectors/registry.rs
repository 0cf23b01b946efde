//! Every detector by name: the one place a detector is declared, so the web
//! app's labels, the CLI, the JSON and the tests agree without a table of
//! their own. Adding a detector means a variant here, its module, and a
//! call in [`super::detect`].

use serde::{Serialize, Serializer};
use std::fmt;

/// A detector, as findings name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Detector {
    /// The same database statement run many times under one parent.
    NPlusOneQueries,
    /// The same remote call made many times in one request.
    ChattyCalls,
    /// Calls on a route that wait a fixed time outside their callee, whatever it does.
    CallOverhead,
    /// Database calls many times slower at one consistency level than at the others.
    ConsistencyCost,
    /// A call repeated after it failed.
    Retries,
    /// An endpoint whose typical request is far slower than the others'.
    SlowEndpoint,
    /// p99 far above p50, unusual against the other groups of the same data.
    LongTail,
    /// One operation holding a large share of its endpoint's critical path.
    Bottleneck,
    /// Calls to a host that sends no spans, holding a share of a request's critical path.
    UntracedCallee,
    /// Deliberate fixed waits (sleeps) on a run's critical path.
    FixedWaits,
    /// The same call repeated by services down one call chain in one request.
    RepeatedAlongChain,
    /// Handlers of a service that wait for each other to end.
    QueuedHandlers,
    /// Where errors start, one finding per incident.
    ErrorHotspot,
    /// The errors too few of a kind for an error hotspot, told together.
    RareErrors,
    /// Remote calls made one after another that could run at once.
    SequentialCalls,
    /// An endpoint running many more queries than its siblings.
    ManyQueries,
    /// Duration that grows with the requests in flight.
    Scaling,
    /// A span with a long stretch of time no child explains.
    UninstrumentedTime,
    /// Where one trace's time went: its critical path.
    CriticalPath,
    /// Trace context lost between services.
    BrokenPropagation,
    /// Clock skew, orphans, missing roots and times.
    DataQuality,
    /// Slower than the baseline.
    Regression,
    /// Faster than the baseline.
    Improvement,
}

impl Detector {
    /// Every detector, in the order their findings are introduced.
    pub const ALL: [Detector; 23] = [
        Detector::NPlusOneQueries,
        Detector::ChattyCalls,
        Detector::CallOverhead,
        Detector::ConsistencyCost,
        Detector::Retries,
        Detector::SlowEndpoint,
        Detector::LongTail,
        Detector::Bottleneck,
        Detector::UntracedCallee,
        Detector::FixedWaits,
        Detector::RepeatedAlongChain,
        Detector::QueuedHandlers,
        Detector::ErrorHotspot,
        Detector::RareErrors,
        Detector::SequentialCalls,
        Detector::ManyQueries,
        Detector::Scaling,
        Detector::UninstrumentedTime,
        Detector::CriticalPath,
        Detector::BrokenPropagation,
        Detector::DataQuality,
        Detector::Regression,
        Detector::Improvement,
    ];

    /// The stable name, as the JSON and the CLI print it.
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// The name a person reads.
    pub fn label(self) -> &'static str {
        self.entry().label
    }

    /// What it finds, in one sentence.
    pub fn description(self) -> &'static str {
        self.entry().description
    }

    /// What a team usually does about a finding of this kind.
    pub fn next_step(self) -> &'static str {
        self.entry().next_step
    }

    /// The highest severity its findings can have: detectors that describe the
    /// data or a single trace rather than a cost to users never say `critical`.
    pub fn max_severity(self) -> super::Severity {
        self.entry().max_severity
    }

    /// Whether its severity follows from its impact by [`super::SeverityRules`]
    /// (the detectors that measure a cost to requests), rather than its own rule.
    pub fn judged_by_cost(self) -> bool {
        self.entry().judged_by_cost
    }

    /// Whether its findings' numbers come from the critical path (time on
    /// it, shares of it), whose walk moves a clock-skewed callee inside its
    /// call: such a finding says when its times were corrected
    /// ([`super::skew_corrected`]).
    pub fn reads_critical_path(self) -> bool {
        matches!(
            self,
            Detector::NPlusOneQueries
                | Detector::ChattyCalls
                | Detector::CallOverhead
                | Detector::ConsistencyCost
                | Detector::Retries
                | Detector::LongTail
                | Detector::Bottleneck
                | Detector::UntracedCallee
                | Detector::FixedWaits
                | Detector::SequentialCalls
                | Detector::ManyQueries
                | Detector::UninstrumentedTime
                | Detector::CriticalPath
        )
    }

    /// The detector with this stable name.
    pub fn from_name(name: &str) -> Option<Detector> {
        Detector::ALL.into_iter().find(|d| d.name() == name)
    }

    fn entry(self) -> Entry {
        use super::Severity::{Critical, Info, Warning};
        let e = |name, label, description, next_step, max_severity, judged_by_cost| Entry {
            name,
            label,
            description,
            next_step,
            max_severity,
            judged_by_cost,
        };
        match self {
            Detector::NPlusOneQueries => e(
                "n_plus_one_queries",
                "N+1 queries",
                "The same database statement run many times under one parent span.",
                "Fetch the rows in one query (`IN (...)`, a join or a batch call) instead of one per item.",
                Critical,
                true,
            ),
            Detector::ChattyCalls => e(
                "chatty_calls",
                "Chatty calls",
                "The same remote call made many times within one request.",
                "Batch the calls into one request, or cache the answer for the length of the request.",
                Critical,
                true,
            ),
            Detector::CallOverhead => e(
                "call_overhead",
                "Call overhead",
                "Calls from one service to another that wait a fixed time outside the callee's own span of each, whatever its work takes: the time goes to the network between hosts or regions, a gateway or connection setup, not to the callee's work.",
                "Check connection reuse (keep-alive, pool sizes) and what lies between caller and callee (a gateway, a load balancer, another zone); the callee's code is not where the time goes.",
                Critical,
                true,
            ),
            Detector::ConsistencyCost => e(
                "consistency_cost",
                "Consistency cost",
                "A service's database calls at one consistency level take many times longer than every call it makes at its other levels: the level, not the statement, costs the time.",
                "Check how many replicas the level waits for and where they are (`LOCAL_QUORUM` instead of `QUORUM` keeps a quorum in one data center), or whether the statement needs it.",
                Critical,
                true,
            ),
            Detector::Retries => e(
                "retries",
                "Retries",
                "A call repeated after it failed, so the request recovered at the cost of time.",
                "Find why the first attempt fails; check the retry budget and back-off.",
                // Its own rule gives `warning` at most; `critical` only when
                // the requests that gave up are a rate of failures by the
                // severity rules (an error incident folded in by `consolidate`).
                Critical,
                false,
            ),
            Detector::SlowEndpoint => e(
                "slow_endpoint",
                "Slow endpoint",
                "An endpoint whose typical request takes far longer than the other endpoints'.",
                "Open its slowest traces and look at the critical path for the operation that holds it.",
                Critical,
                true,
            ),
            Detector::LongTail => e(
                "long_tail",
                "Long tail",
                "The slowest requests take many times longer than the typical one, unusually so for this system.",
                "Compare a p99 trace with a p50 trace of the same endpoint: the spans that differ are the cause.",
                Critical,
                true,
            ),
            Detector::Bottleneck => e(
                "bottleneck",
                "Bottleneck",
                "One operation holds a large share of its endpoint's critical path in most requests.",
                "Make that operation faster (a cache, an index, a timeout, a faster provider): nothing else shows.",
                Critical,
                true,
            ),
            Detector::UntracedCallee => e(
                "untraced_callee",
                "Untraced callee",
                "A request waits, on its critical path, on calls to a host that sends no spans: time no span of the callee explains.",
                "Add tracing to the callee (or ask its owners what it does), and check whether the request must wait for its answer.",
                Critical,
                true,
            ),
            Detector::FixedWaits => e(
                "fixed_waits",
                "Fixed waits",
                "Deliberate sleeps of a fixed length (Robot Framework's `Sleep`, `time.sleep`, `Thread.sleep`) on a run's critical path: time spent waiting however soon what they wait for is ready.",
                "Wait for the condition instead of a fixed time: poll it with a timeout (Robot's `Wait Until Keyword Succeeds`), or drop the sleep if nothing needs it.",
                Critical,
                true,
            ),
            Detector::RepeatedAlongChain => e(
                "repeated_along_chain",
                "Repeated down a call chain",
                "Services along one call chain each make the same call (a token check, a lookup) that a service above them already made in the same request, one round trip per hop.",
                "Make the call once where the request enters and pass its answer (the verified identity or claims) down with the request, or cache it for the request.",
                Critical,
                true,
            ),
            Detector::QueuedHandlers => e(
                "queued_handlers",
                "Handlers queued",
                "Handlers of one service that start while another runs and do nothing until it has ended: a lock, a queue or an actor runs them one at a time.",
                "Find what they share (a lock per entity, a single consumer) and how it is released and retried; shorten what is held, not the waiting code.",
                Critical,
                true,
            ),
            Detector::ErrorHotspot => e(
                "error_hotspot",
                "Error hotspot",
                "Where errors start, one finding per incident, with the requests it failed per endpoint.",
                "Fix the origin span's error (its exception and message are listed); the spans above only pass it on.",
                Critical,
                true,
            ),
            Detector::RareErrors => e(
                "rare_errors",
                "Rare errors",
                "Errors too few of a kind to be an error hotspot (once or twice, failing no request), told together so none goes unsaid.",
                "Read each one: a single failure can be a bug that no rate shows yet, or a test's expected failure.",
                Info,
                false,
            ),
            Detector::SequentialCalls => e(
                "sequential_calls",
                "Sequential calls",
                "Independent remote reads made one after another that could run at the same time.",
                "Start the calls together and wait for all of them, if none needs another's result.",
                Critical,
                true,
            ),
            Detector::ManyQueries => e(
                "many_queries",
                "Many queries",
                "An endpoint running many more database queries per request than its siblings.",
                "Load what the request needs in fewer queries; look for loops over lazy-loaded relations.",
                Critical,
                true,
            ),
            Detector::Scaling => e(
                "scaling",
                "Slower under load",
                "Request duration grows with the number of requests in flight.",
                "Look for a shared resource (a lock, a pool, a single-threaded step) the requests queue for.",
                Critical,
                true,
            ),
            Detector::UninstrumentedTime => e(
                "uninstrumented_time",
                "Unexplained time",
                "A span spends a long stretch with no child span: missing instrumentation, waiting or a timeout.",
                "Add spans inside it, or check for a timeout of that length in its configuration.",
                Critical,
                true,
            ),
            Detector::CriticalPath => e(
                "critical_path",
                "Critical path",
                "Where a single trace's time went: the spans that held its critical path.",
                "Start with the top span on the path: only its time delays the response.",
                Info,
                false,
            ),
            Detector::BrokenPropagation => e(
                "broken_propagation",
                "Broken propagation",
                "A service starts new traces where it should continue the caller's, so requests are cut in two.",
                "Check that the caller injects trace context and the callee extracts it (same propagator on both).",
                Warning,
                false,
            ),
            Detector::DataQuality => e(
                "data_quality",
                "Data quality",
                "Clock skew, orphan spans, traces without a root or spans without times, which make some numbers unreliable.",
                "Fix the instrumentation or collection named in the finding before trusting the numbers it affects.",
                Warning,
                false,
            ),
            Detector::Regression => e(
                "regression",
                "Regression",
                "Slower than in the baseline, by a rank test.",
                "Look at what changed in this period for the endpoint or operation named.",
                Critical,
                true,
            ),
            Detector::Improvement => e(
                "improvement",
                "Improvement",
                "Faster than in the baseline, by a rank test.",
                "Note what made it faster so the gain is kept.",
                Info,
                false,
            ),
        }
    }
}

/// One detector's registry entry.
#[derive(Clone, Copy)]
struct Entry {
    name: &'static str,
    label: &'static str,
    description: &'static str,
    next_step: &'static str,
    max_severity: super::Severity,
    judged_by_cost: bool,
}

impl fmt::Display for Detector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Detector {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Detector {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Detector, D::Error> {
        crate::serde_text::from_text(deserializer, "a detector's stable name", Detector::from_name)
    }
}

/// Lets code and tests compare with the stable name: `finding.detector == "long_tail"`.
impl PartialEq<&str> for Detector {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

impl PartialEq<Detector> for &str {
    fn eq(&self, other: &Detector) -> bool {
        *self == other.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = Detector::ALL.iter().map(|d| d.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Detector::ALL.len());
        for detector in Detector::ALL {
            assert_eq!(Detector::from_name(detector.name()), Some(detector));
            assert!(!detector.label().is_empty() && !detector.next_step().is_empty());
        }
        assert_eq!(
            serde_json::to_string(&Detector::NPlusOneQueries).ok().as_deref(),
            Some("\"n_plus_one_queries\"")
        );
    }
}
