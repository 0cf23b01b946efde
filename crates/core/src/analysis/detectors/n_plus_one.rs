//! N+1 queries.
//!
//! **What it detects.** The same database statement run many times under one
//! parent span: a loop that queries once per item instead of once for all.
//!
//! **Why it matters.** Each query pays a round trip; with N items the request
//! pays N of them, so it gets slower as data grows, and the database does N
//! times the work. One query with `IN (...)` or a join usually does the same.
//! Queries sent at once (a pipelined client) pay the round trips together:
//! they cost less, and the sentence says so ("up to 50 at once").
//!
//! **Rule.** Among the children of any span, database calls (recognised as
//! [`super::database`] says, with or without `db.system`) are grouped by
//! service and statement: `db.query.text`, `db.statement` or `sql.query` with
//! literals and parameter markers folded ([`super::statement`]), else the span
//! name (`SELECT orders`, `GetDriver`; `db.operation.name` alone is too
//! coarse: every Redis read is `GET`). Retries of a failed call
//! ([`super::retries`]) and the second span of one run (a JDBC `prepare`
//! beside its `execute`) do not count as runs. A group of at least
//! `min_repeats` (default 5) runs is an occurrence. Occurrences are reported
//! per unit of work ([`super::calls`]: the endpoint's request, else the
//! handler that made them), service and statement, with the median runs per
//! affected request and whether they ran one after another or at once.
//!
//! Impact: `request_time_share` is the union of the repeated calls' time
//! within each affected request, over those requests' time (calls at once
//! count once); `time` the calls' critical-path time (their own and their
//! children's time on the path), summed over the requests: a loop of
//! pipelined queries holds the path only for the last to finish (in a
//! handler that is not its trace's root, where the trace's critical path
//! says nothing, their union within the handler); `of_requests`
//! all requests of the endpoint (or calls of the handler). Severity follows
//! from that by the shared rules.
//!
//! **Example.** `GetDriver` in `redis` runs 10 times in its one
//! `HTTP GET /dispatch` request (n=1), one after another, 11% of its time
//! (13 calls, 3 of them retries): the HotROD 2019 capture in `tests/fixtures`.

use super::calls::{self, UnitName, Units};
use super::repeats::{self, Repeat};
use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::SpanKind;
use crate::time::DurationNs;
use std::collections::{BTreeMap, HashMap};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::NPlusOneQueries;

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Runs under one parent (retries left out) from which a statement counts as N+1.
    pub min_repeats: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config { min_repeats: 5 }
    }
}

/// Unit, service and statement shape: what one finding is about.
type Key<'a> = (UnitName<'a>, Sym, u32);

/// The findings, one per unit of work, service and statement.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let min = config.min_repeats.max(2);
    // Database statements repeated at least `min` times, from the repeats shared with chatty calls and retries.
    let occurrences = context
        .repeats()
        .iter()
        .filter(|o| o.key < repeats::CALL_KEY && o.runs >= min);
    let units = context.units();
    let mut by_subject: BTreeMap<Key<'_>, Vec<(u32, &Repeat)>> = BTreeMap::new();
    for occurrence in occurrences {
        let Some(unit) = units.unit(occurrence.parent) else {
            continue;
        };
        let name = units.name(context, occurrence.trace as usize, unit);
        by_subject
            .entry((name, occurrence.service, occurrence.key as u32))
            .or_default()
            .push((unit, occurrence));
    }
    by_subject
        .into_iter()
        .map(|((unit, service, statement), occurrences)| {
            finding(context, units, unit, service, statement, &occurrences)
        })
        .collect()
}

/// One unit of work's repeated calls of the statement.
#[derive(Default)]
struct PerUnit {
    trace: usize,
    runs: usize,
    calls: Vec<u32>,
    retries: usize,
}

fn finding(
    context: &Context<'_>,
    units: &Units,
    unit: UnitName<'_>,
    service: Sym,
    statement: u32,
    occurrences: &[(u32, &Repeat)],
) -> Finding {
    let set = context.set;
    // A request may repeat the statement under several parents.
    let mut per_unit: HashMap<u32, PerUnit> = HashMap::new();
    for (u, o) in occurrences {
        let entry = per_unit.entry(*u).or_default();
        entry.trace = o.trace as usize;
        entry.runs += o.runs;
        entry.calls.extend_from_slice(&o.spans);
        entry.retries += o.retried.len();
    }
    let calls::Held {
        held,
        unit_time,
        time,
        layout,
    } = calls::held(context, per_unit.iter().map(|(&u, p)| (p.trace, u, p.calls.as_slice())));
    let share = super::wall_clock::share(held, unit_time);
    let requests = per_unit.len();
    let median = super::median(per_unit.values().map(|p| p.runs).collect());
    let (calls, retries) = per_unit
        .values()
        .fold((0, 0), |(c, r), p| (c + p.calls.len(), r + p.retries));
    let shape = context.database.text(statement);
    let how_often = if requests == 1 {
        format!(
            "runs {median} times in {}",
            unit.the_one(set, units.count(context, unit))
        )
    } else {
        format!(
            "runs {median} times {} (median of {requests} {})",
            unit.per(set),
            unit.units_noun()
        )
    };
    let retried = if retries > 0 {
        format!(" ({calls} calls, {retries} of them retries)")
    } else {
        String::new()
    };
    let spans: Vec<&[u32]> = occurrences.iter().map(|(_, o)| o.spans.as_slice()).collect();
    let said = super::bound_params::said(context, shape, &spans);
    let data_at_risk = said.as_ref().is_some_and(|s| s.rewrites_others);
    let rows = said.map(|s| s.text).unwrap_or_default();
    let handler = inside_handler(context, service, occurrences).unwrap_or_default();
    let mut examples: Vec<&(u32, &Repeat)> = occurrences.iter().collect();
    examples.sort_by_key(|(_, o)| std::cmp::Reverse(o.spans.len()));
    Finding {
        detector: NAME,
        // Judged from the impact by the shared rules in `detect`.
        severity: Severity::Info,
        impact: Impact {
            requests: requests as u64,
            traces: Some(super::distinct(per_unit.values().map(|p| p.trace))),
            failed_requests: 0,
            of_requests: units.count(context, unit).max(requests as u64),
            request_time_share: share,
            time: DurationNs(time),
            data_at_risk,
            request_time: DurationNs(0),
        },
        subject: Subject {
            endpoint: unit.endpoint(),
            service: set.str(service).to_owned(),
            operation: shape.to_owned(),
            route: None,
            scope: None,
        },
        explanation: format!(
            "`{}` in `{}` {how_often}, {}, {:.0}% of {} time{retried}{handler}{rows}",
            super::shown(shape),
            super::shown(set.str(service)),
            layout.words(),
            share * 100.0,
            if requests == 1 { "its" } else { "their" },
        ),
        evidence: examples
            .iter()
            .take(3)
            .map(|(_, o)| Evidence {
                trace_id: context.trace_id(o.trace as usize),
                span_ids: std::iter::once(o.parent)
                    .chain(o.spans.iter().copied().take(5))
                    .filter_map(|s| set.spans.get(s as usize).map(|s| s.span_id))
                    .collect(),
            })
            .collect(),
    }
}

/// "; inside `post /implicit-tokens/access` in `auth`, 50% of its time":
/// where the loop runs when that is a handler of the statement's service
/// below the unit (another service answering the unit's call), the same
/// operation every time; the team to act is that handler's. SmartThings'
/// `auth` runs its 6 client lookups inside its own token handler, which
/// `coreSrv`'s `/login/tokenauth` called: 17% of the request, half of the
/// handler.
fn inside_handler(context: &Context<'_>, service: Sym, occurrences: &[(u32, &Repeat)]) -> Option<String> {
    let (set, index) = (context.set, context.index);
    // The nearest SERVER or CONSUMER span of `service` at or above `parent`.
    let handler_of = |parent: u32| {
        let mut at = Some(parent);
        while let Some(i) = at {
            let span = set.spans.get(i as usize)?;
            if span.service != service {
                return None;
            }
            if matches!(span.kind, SpanKind::Server | SpanKind::Consumer) {
                return Some(i);
            }
            at = index.parent.get(i as usize).copied().flatten();
        }
        None
    };
    let mut name = String::new();
    let mut shares = Vec::with_capacity(occurrences.len());
    let mut intervals = super::wall_clock::Intervals::default();
    for &(unit, o) in occurrences {
        let handler = handler_of(o.parent).filter(|&h| h != unit)?;
        let span = set
            .spans
            .get(handler as usize)
            .filter(|s| s.duration_known() && s.duration.0 > 0)?;
        let mut this = String::new();
        crate::analysis::groups::unit_name(set, handler, &mut this);
        if name.is_empty() {
            name = this;
        } else if name != this {
            return None;
        }
        intervals.clear();
        for &i in &o.spans {
            intervals.push_span(set, i);
        }
        let held = intervals.union_within(span.start.0, span.end().0);
        // Calls run mostly after the handler answered (reactive code, hipster's
        // 50 Redis reads under a 1 ms `springwebflux.entry`) cost it nothing:
        // the handler is no place to say they hold.
        if held.saturating_mul(2) < intervals.union_within(0, u64::MAX) {
            return None;
        }
        shares.push(held as f64 / span.duration.0 as f64);
    }
    let share = super::median_f64(shares);
    Some(format!(
        "; inside `{}` in `{}`, {:.0}% of its time",
        super::shown(&name),
        super::shown(set.str(service)),
        share * 100.0
    ))
}
