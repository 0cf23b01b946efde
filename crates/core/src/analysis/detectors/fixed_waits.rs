//! Deliberate fixed waits (sleeps) on a run's critical path.
//!
//! **What it detects.** Spans that are a sleep by what their attributes say,
//! holding time on their trace's critical path: Robot Framework's BuiltIn
//! `Sleep` keyword that ran, or a call whose code attributes name a sleep
//! function (`time.sleep`, `Thread.sleep`).
//!
//! **Why it matters.** A fixed wait lasts its full length whatever it waits
//! for: long enough for the slowest case, it makes every run pay for it, and
//! short enough for the usual case, it fails on a slow day. Waiting for the
//! condition itself (polling with a timeout: Robot's `Wait Until Keyword
//! Succeeds`) ends as soon as the condition holds. Test suites traced with
//! their keywords show it plainly; no other detector names it, since the
//! time is no work of any service.
//!
//! **Rule.** Only attributes make a sleep, never a span name alone (a
//! production service's `sleep` span could be anything): a span whose
//! `rf.keyword.name` is `Sleep` or `BuiltIn.Sleep` (any case) and whose
//! `rf.status` is not `NOT RUN` or `SKIP` (Robot records the keywords a
//! branch or a loop did not run, and those did not sleep); or a span that is
//! no call (internal or unspecified kind) whose `code.function` (or
//! `code.function.name`) is one of [`SLEEP_FUNCTIONS`]. Each is sized by the
//! time its subtree holds on its trace's critical path, so a sleep that ran
//! beside longer work holds nothing. Only requests and test runs are judged
//! (a session's or a stream's path is no one run's length). The sleeps of
//! one call site (service, span name and line: `rf.keyword.lineno`,
//! `code.lineno`) are one finding, when they hold at least `min_time`
//! (default 10 ms) of the runs' critical paths and `min_share` (default 5%)
//! of their time; its severity follows from its cost.
//!
//! **Example.** A Robot Framework run (`Tests`, 35.7 s) calls `Sleep
//! ${wait}` at line 73 four times, 8.0 s each, inside `Trigger Core API Call
//! And Wait`: 32.0 s of the run's critical path, 90% of it; the five `Sleep
//! ${WAIT_INTERVAL}s` of a polling loop that never needed them (`NOT RUN`)
//! are not counted.

use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::{AttrValue, SpanKind, TraceSet};
use crate::time::DurationNs;
use std::collections::BTreeMap;

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::FixedWaits;

/// `code.function` values that are a sleep of the calling thread or task,
/// compared ignoring case.
pub const SLEEP_FUNCTIONS: [&str; 6] = [
    "sleep",
    "time.sleep",
    "asyncio.sleep",
    "Thread.sleep",
    "java.lang.Thread.sleep",
    "Task.Delay",
];

/// Robot Framework statuses of a keyword that did not run.
const NOT_RUN: [&str; 2] = ["NOT RUN", "SKIP"];

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Time the sleeps of one call site must hold on the runs' critical paths.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_time: DurationNs,
    /// Share of the runs' critical paths they must hold.
    pub min_share: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_time: DurationNs(10_000_000),
            min_share: 0.05,
        }
    }
}

/// Where a sleep is called from: one finding each.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Site {
    service: Sym,
    name: Sym,
    /// The line it is written on, when its attributes say.
    line: Option<String>,
}

/// The sleeps of one call site.
#[derive(Default)]
struct Sleeps {
    /// On a critical path: (trace, span, its subtree's time on the path).
    on_path: Vec<(usize, u32, u64)>,
    /// Beside longer work: no time on the path.
    off_path: usize,
    /// Robot keywords (steps), not function calls.
    robot: bool,
}

/// Finds the sleeps of every run and tells each call site holding enough of
/// the critical paths.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let set = context.set;
    let keys = Keys::of(set);
    // Data that never names a keyword or a function has no sleep to find:
    // its spans are not walked.
    if keys.keyword.is_none() && keys.functions.iter().all(Option::is_none) {
        return Vec::new();
    }
    let mut sites: BTreeMap<Site, Sleeps> = BTreeMap::new();
    for (t, trace) in context.index.traces.iter().enumerate() {
        if trace.shape != crate::index::TraceShape::Request {
            continue;
        }
        for &i in context.index.spans_of(trace) {
            let Some(kind) = keys.sleep_kind(set, i) else { continue };
            let Some(span) = set.spans.get(i as usize) else {
                continue;
            };
            let site = Site {
                service: span.service,
                name: span.name,
                line: line_of(set, i),
            };
            let sleeps = sites.entry(site).or_default();
            sleeps.robot |= kind == Kind::Robot;
            match super::calls::path_time(context, &[i]) {
                0 => sleeps.off_path += 1,
                time => sleeps.on_path.push((t, i, time)),
            }
        }
    }
    sites
        .into_iter()
        .filter_map(|(site, sleeps)| finding(context, config, &site, &sleeps))
        .collect()
}

/// What says a span sleeps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Robot Framework's `Sleep` keyword.
    Robot,
    /// A sleep function, by its code attributes.
    Function,
}

/// The attribute keys that say a span sleeps, looked up once: `None` when
/// no span of the data has one.
struct Keys {
    keyword: Option<Sym>,
    status: Option<Sym>,
    /// `code.function`, then its newer name `code.function.name`.
    functions: [Option<Sym>; 2],
}

impl Keys {
    fn of(set: &TraceSet) -> Keys {
        Keys {
            keyword: set.strings.get("rf.keyword.name"),
            status: set.strings.get("rf.status"),
            functions: [set.strings.get("code.function"), set.strings.get("code.function.name")],
        }
    }

    /// The text of span `i`'s attribute `key`, if it is a string.
    fn text(set: &TraceSet, i: u32, key: Option<Sym>) -> Option<&str> {
        let key = key?;
        let span = set.spans.get(i as usize)?;
        match set.attributes_of(span).iter().find(|a| a.key == key)?.value {
            AttrValue::Str(value) => Some(set.str(value)),
            _ => None,
        }
    }

    /// Whether span `i` is a sleep that ran, and by which attributes.
    fn sleep_kind(&self, set: &TraceSet, i: u32) -> Option<Kind> {
        if let Some(keyword) = Keys::text(set, i, self.keyword) {
            let keyword = keyword.trim();
            let is_sleep = keyword.eq_ignore_ascii_case("Sleep") || keyword.eq_ignore_ascii_case("BuiltIn.Sleep");
            let ran = Keys::text(set, i, self.status)
                .is_none_or(|status| !NOT_RUN.iter().any(|s| status.trim().eq_ignore_ascii_case(s)));
            return (is_sleep && ran).then_some(Kind::Robot);
        }
        // A client or server span is a call, whatever function made it.
        let span = set.spans.get(i as usize)?;
        if !matches!(span.kind, SpanKind::Internal | SpanKind::Unspecified) {
            return None;
        }
        let function = self.functions.iter().find_map(|&key| Keys::text(set, i, key))?;
        SLEEP_FUNCTIONS
            .iter()
            .any(|f| function.trim().eq_ignore_ascii_case(f))
            .then_some(Kind::Function)
    }
}

/// The line span `i`'s call is written on: Robot's `rf.keyword.lineno`, or
/// `code.lineno` (`code.line.number`) with its file when given.
fn line_of(set: &TraceSet, i: u32) -> Option<String> {
    let span = set.spans.get(i as usize)?;
    let key_of = |key: &str| {
        let key = set.strings.get(key)?;
        let value = &set.attributes_of(span).iter().find(|a| a.key == key)?.value;
        match value {
            AttrValue::Str(s) => Some(set.str(*s).to_owned()),
            AttrValue::Int(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let line = key_of("rf.keyword.lineno")
        .or_else(|| key_of("code.lineno"))
        .or_else(|| key_of("code.line.number"))?;
    let file = key_of("code.filepath").or_else(|| key_of("code.file.path"));
    Some(file.map_or_else(|| line.clone(), |file| format!("{file}:{line}")))
}

/// What a sentence calls span `i`: a Robot keyword by its name (without its
/// arguments, which the span name adds), anything else by its operation.
fn keyword_or_operation(set: &TraceSet, i: u32) -> String {
    set.spans
        .get(i as usize)
        .and_then(|span| set.str_attribute(span, "rf.keyword.name"))
        .map(str::to_owned)
        .unwrap_or_else(|| crate::analysis::groups::operation_name(set, i).into_owned())
}

fn finding(context: &Context<'_>, config: &Config, site: &Site, sleeps: &Sleeps) -> Option<Finding> {
    let set = context.set;
    let time: u64 = sleeps.on_path.iter().map(|&(_, _, time)| time).sum();
    let traces: Vec<usize> = {
        let mut traces: Vec<usize> = sleeps.on_path.iter().map(|&(t, _, _)| t).collect();
        traces.dedup();
        traces
    };
    let run_time: u64 = traces
        .iter()
        .map(|&t| context.path_totals.get(t).copied().unwrap_or(0))
        .sum();
    let share = super::time_share(time, run_time);
    if sleeps.on_path.is_empty() || time < config.min_time.0 || share < config.min_share {
        return None;
    }
    let (step, steps) = if sleeps.robot {
        ("step", "steps")
    } else {
        ("call", "calls")
    };
    let each = super::duration_range(
        sleeps
            .on_path
            .iter()
            .filter_map(|&(_, i, _)| set.spans.get(i as usize).map(|s| s.duration.0)),
    );
    let mut parents: BTreeMap<String, usize> = BTreeMap::new();
    for &(_, i, _) in &sleeps.on_path {
        if let Some(parent) = context.index.parent.get(i as usize).copied().flatten() {
            *parents.entry(keyword_or_operation(set, parent)).or_default() += 1;
        }
    }
    let inside = match parents.len() {
        0 => String::new(),
        1 => parents
            .keys()
            .map(|p| format!(", inside `{}`,", super::shown(p)))
            .collect(),
        _ => {
            let mut by_count: Vec<(&String, &usize)> = parents.iter().collect();
            by_count.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let named: Vec<String> = by_count
                .iter()
                .take(3)
                .map(|(p, n)| format!("`{}` ({n})", super::shown(p)))
                .collect();
            let more = by_count.len().saturating_sub(named.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!(", inside {}{more},", super::join(&named))
        }
    };
    let runs: Vec<(&str, String)> = traces.iter().map(|&t| run_of(context, t)).collect();
    let kind = runs.first().map_or("trace", |(kind, _)| *kind);
    let mut names: Vec<&str> = runs.iter().map(|(_, name)| name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let count = sleeps.on_path.len() as u64;
    let hold = super::agrees(count, "holds", "hold");
    // Why a sleep costs: it lasts its length even when what it waits for is
    // ready sooner.
    let why = if count == 1 {
        "a fixed wait lasts its full length however soon what it waits for is ready"
    } else {
        "fixed waits last their full length however soon what they wait for is ready"
    };
    let held = match (traces.len(), names.as_slice()) {
        (1, [name]) => format!(
            "{hold} {} of the {} {kind} `{}` on its critical path ({:.0}%)",
            DurationNs(time),
            DurationNs(run_time),
            super::shown(name),
            share * 100.0
        ),
        (n, [name]) => format!(
            "{hold} {} of the critical paths of {n} `{}` {kind}s ({:.0}% of their {})",
            DurationNs(time),
            super::shown(name),
            share * 100.0,
            DurationNs(run_time)
        ),
        (n, names) => {
            let mut shown: Vec<String> = names.iter().take(2).map(|n| format!("`{}`", super::shown(n))).collect();
            if names.len() > 2 {
                shown.push(format!("{} more", names.len() - 2));
            }
            format!(
                "{hold} {} of the critical paths of {n} {kind}s ({}; {:.0}% of their {})",
                DurationNs(time),
                super::join(&shown),
                share * 100.0,
                DurationNs(run_time)
            )
        }
    };
    let beside = match sleeps.off_path {
        0 => String::new(),
        n => format!(
            "; {n} more {} ran beside longer work, off the critical path",
            super::agrees(n as u64, step, steps)
        ),
    };
    let advice = if sleeps.robot {
        "wait for the condition instead (`Wait Until Keyword Succeeds`, or a poll with a timeout)"
    } else {
        "wait for the condition instead (a poll or a notification, with a timeout)"
    };
    let explanation = format!(
        "{count} `{}` {} in `{}` ({each}{}){inside} {held}: {why}; \
         {advice}{beside}",
        super::shown(set.str(site.name)),
        if count == 1 { step } else { steps },
        super::shown(set.str(site.service)),
        if count == 1 { "" } else { " each" },
    );
    // Per trace, its sleeps on the path: the places to look at.
    let mut evidence: Vec<Evidence> = Vec::new();
    for &(t, i, _) in &sleeps.on_path {
        let Some(span) = set.spans.get(i as usize) else {
            continue;
        };
        let traces_shown = evidence.len();
        match evidence.iter_mut().find(|e| e.trace_id == context.trace_id(t)) {
            Some(e) if e.span_ids.len() < 5 => e.span_ids.push(span.span_id),
            Some(_) => {}
            None if traces_shown < 3 => evidence.push(context.span_evidence(i)),
            None => {}
        }
    }
    // A test run is no endpoint's request, even when a backend request it
    // made (with the trace's context) gives its trace one.
    let endpoints: Vec<Option<&str>> = runs
        .iter()
        .map(|(kind, name)| (*kind == "request").then_some(name.as_str()))
        .collect();
    let one_endpoint = endpoints
        .first()
        .copied()
        .flatten()
        .filter(|e| endpoints.iter().all(|x| *x == Some(*e)))
        .map(str::to_owned);
    Some(Finding {
        detector: NAME,
        severity: Severity::Info,
        impact: Impact {
            requests: traces.len() as u64,
            traces: None,
            of_requests: traces.len() as u64,
            request_time_share: share,
            time: DurationNs(time),
            ..Default::default()
        },
        subject: Subject {
            endpoint: one_endpoint,
            service: set.str(site.service).to_owned(),
            operation: set.str(site.name).to_owned(),
            route: None,
            scope: None,
        },
        explanation,
        evidence,
    })
}

/// What kind of run trace `t` is and its name: a test run (its root is a
/// Robot Framework suite or test) by its root, a request by its endpoint,
/// anything else a trace by its root.
fn run_of(context: &Context<'_>, t: usize) -> (&'static str, String) {
    let set = context.set;
    let root = context.index.traces.get(t).map(|trace| trace.root);
    let root_name = || {
        root.map(|r| crate::analysis::groups::operation_name(set, r).into_owned())
            .unwrap_or_default()
    };
    let is_test_run = root
        .and_then(|r| set.spans.get(r as usize))
        .is_some_and(|r| set.attributes_of(r).iter().any(|a| set.str(a.key).starts_with("rf.")));
    if is_test_run {
        return ("test run", root_name());
    }
    match context.endpoints.get(t).cloned().flatten() {
        Some(endpoint) => ("request", endpoint),
        None => ("trace", root_name()),
    }
}
