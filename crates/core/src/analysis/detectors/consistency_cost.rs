//! Consistency cost.
//!
//! **What it detects.** A service's database calls at one consistency level
//! (Cassandra's `QUORUM`, say) that take many times longer than every call
//! it makes at its other levels (`ONE`, `LOCAL_ONE`), to the same database.
//!
//! **Why it matters.** A consistency level says how many replicas a call
//! waits for. Where a keyspace has replicas in more than one data center,
//! `QUORUM` waits for a majority of all of them, so at least one answer
//! crosses to another data center: tens of milliseconds on a statement that
//! takes one at `ONE`, on every call. `LOCAL_QUORUM` waits for a majority of
//! the local replicas only. The statement is not slow; its level is. No
//! other detector says so: the calls are single statements, and one that
//! holds less than a third of its request is no bottleneck.
//!
//! **Rule.** Database calls ([`super::database`]) that carry a consistency
//! level (`cassandra.consistency_level`, `db.cassandra.consistency_level`,
//! `cassandra.consistency.level`) are grouped by service and level. A level
//! is slow when every one of its calls took longer than every call of the
//! service's other levels, its median call took at least `min_time`
//! (default 10 ms) and `min_ratio` (default 10) times the others' median,
//! and the others hold at least `min_others` calls (default 10), so their
//! median means something. One finding per service and slow level, naming
//! its statements (named by them all, "2 statements at `QUORUM` in `auth`",
//! when there are several: its subject's operation is the first one's). When the slow level is one that counts replicas in every
//! data center, the sentence asks whether they are in another, and warns
//! that a local quorum has its own cost: what one data center deletes or
//! writes, another may not see yet (say, a code meant for one use redeemed
//! twice), so what the calls need comes first.
//!
//! Impact: per unit of work that made the calls ([`super::calls::Units`]),
//! the calls' time on the unit's critical path (within each unit of a
//! session, its own path), summed, and its share of the units' time.
//! Severity follows by the shared rules.
//!
//! **Example.** In the SmartThings capture in `tests/fixtures`, `auth`'s
//! two calls at `QUORUM` (an `INSERT INTO auth.oauth_code` and a `DELETE
//! FROM auth.oauth_code`) took 77.0 and 77.9 ms; its 128 calls at `ONE` and
//! `LOCAL_ONE`, a median 0.94 ms and 7.7 ms at most. The insert holds 66% of
//! the login's `POST /oauth/authorize`.

use super::{Context, Evidence, Finding, Impact, Severity, Subject};
use crate::intern::Sym;
use crate::model::AttrValue;
use crate::time::DurationNs;
use std::collections::{BTreeMap, BTreeSet};

/// The detector's name in findings.
pub const NAME: super::Detector = super::Detector::ConsistencyCost;

/// Where a call's consistency level is written.
const LEVEL_KEYS: [&str; 3] = [
    "cassandra.consistency_level",
    "db.cassandra.consistency_level",
    "cassandra.consistency.level",
];

/// Levels that count replicas in every data center: a keyspace replicated
/// to another makes each call wait for an answer from there.
const EVERY_DATA_CENTER: [&str; 5] = ["quorum", "all", "each_quorum", "serial", "two"];

/// Thresholds; every field may be left out of a configuration file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Median call at the slow level from which it counts.
    #[serde(serialize_with = "crate::time::as_written")]
    pub min_time: DurationNs,
    /// How many times the other levels' median call the slow level's must be.
    pub min_ratio: f64,
    /// Calls at the service's other levels needed to compare with.
    pub min_others: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_time: DurationNs(10_000_000),
            min_ratio: 10.0,
            min_others: 10,
        }
    }
}

/// The findings, one per service and slow level.
pub fn detect(context: &Context<'_>, config: &Config) -> Vec<Finding> {
    let set = context.set;
    let keys: Vec<Sym> = LEVEL_KEYS.iter().filter_map(|k| set.strings.get(k)).collect();
    if keys.is_empty() {
        return Vec::new();
    }
    // Per service, per level (as written, upper case), the timed calls.
    let mut by_service: BTreeMap<Sym, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
    for (i, span) in set.spans.iter().enumerate() {
        let i = i as u32;
        if !context.database.is_call(i) || !span.duration_known() {
            continue;
        }
        let attributes = set.attributes_of(span);
        let level = keys.iter().find_map(|&k| {
            attributes.iter().find(|a| a.key == k).and_then(|a| match a.value {
                AttrValue::Str(s) if !set.str(s).trim().is_empty() => Some(set.str(s).trim().to_uppercase()),
                _ => None,
            })
        });
        if let Some(level) = level {
            by_service
                .entry(span.service)
                .or_default()
                .entry(level)
                .or_default()
                .push(i);
        }
    }
    let duration = |i: &u32| set.spans.get(*i as usize).map_or(0, |s| s.duration.0);
    let mut findings = Vec::new();
    for (service, levels) in &by_service {
        for (level, calls) in levels {
            let others: Vec<u32> = levels
                .iter()
                .filter(|(other, _)| *other != level)
                .flat_map(|(_, calls)| calls.iter().copied())
                .collect();
            if others.len() < config.min_others.max(1) || calls.is_empty() {
                continue;
            }
            let median = super::median(calls.iter().map(duration).collect());
            let others_median = super::median(others.iter().map(duration).collect());
            let fastest = calls.iter().map(duration).min().unwrap_or(0);
            let others_slowest = others.iter().map(duration).max().unwrap_or(u64::MAX);
            if fastest > others_slowest
                && median >= config.min_time.0
                && median as f64 >= config.min_ratio * others_median as f64
            {
                let other_levels: Vec<&str> = levels.keys().filter(|l| *l != level).map(String::as_str).collect();
                findings.push(finding(context, *service, level, calls, &other_levels, &others));
            }
        }
    }
    findings
}

/// What a local quorum could let happen to these calls, by what their
/// statements do: another data center may not yet see a row they delete (a
/// code meant to be used once, used twice) or write, or they may not see a
/// row written there.
fn local_risk(context: &Context<'_>, calls: &[u32]) -> &'static str {
    let verbs: BTreeSet<String> = calls
        .iter()
        .filter_map(|&i| context.database.shape(i))
        .filter_map(|shape| {
            let text = context.database.text(shape).trim_start();
            text.split(|c: char| !c.is_alphabetic()).next().map(str::to_lowercase)
        })
        .collect();
    if verbs.contains("delete") {
        "a row they delete could still be read in another data center"
    } else if ["insert", "update", "upsert", "batch"]
        .iter()
        .any(|v| verbs.contains(*v))
    {
        "another data center could read a row before their write arrives"
    } else {
        "they could miss a row just written in another data center"
    }
}

fn finding(
    context: &Context<'_>,
    service: Sym,
    level: &str,
    calls: &[u32],
    other_levels: &[&str],
    others: &[u32],
) -> Finding {
    let set = context.set;
    let duration = |i: &u32| set.spans.get(*i as usize).map_or(0, |s| s.duration.0);
    let units = context.units();
    // The statements, as their shapes read, each once.
    let statements: BTreeSet<String> = calls
        .iter()
        .filter_map(|&i| context.database.shape(i))
        .map(|shape| {
            let text = super::shown(context.database.text(shape));
            match text.char_indices().nth(60) {
                Some((at, _)) => format!("`{}…`", &text[..at]),
                None => format!("`{text}`"),
            }
        })
        .collect();
    let statements: Vec<String> = statements.into_iter().collect();
    // Per unit of work, the calls' time on its path.
    let mut per_unit: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    for &i in calls {
        let Some(unit) = units.unit(i) else { continue };
        let t = context.trace_of(i);
        let path = super::calls::own_path_time(context, t as usize, unit, i, duration(&i));
        let slot = per_unit.entry((t, unit)).or_default();
        *slot = slot.saturating_add(path.min(duration(&i)));
    }
    let time: u64 = per_unit.values().fold(0, |a, &b| a.saturating_add(b));
    let unit_time: u64 = per_unit
        .keys()
        .filter_map(|&(_, unit)| set.spans.get(unit as usize))
        .fold(0, |a, s| a.saturating_add(s.duration.0));
    let share = super::wall_clock::share(time, unit_time);
    // The units, those the calls cost most first.
    let mut costliest: Vec<(&(u32, u32), &u64)> = per_unit.iter().collect();
    costliest.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mut named: Vec<String> = costliest
        .iter()
        .take(3)
        .map(|&(&(t, unit), &path)| {
            let name = match units.name(context, t as usize, unit) {
                super::calls::UnitName::Endpoint(e) => format!("`{}`", super::shown(e)),
                super::calls::UnitName::Handler(service, name) => {
                    format!("`{}` in `{}`", super::shown(name), super::shown(set.str(service)))
                }
            };
            let of = set.spans.get(unit as usize).map_or(0, |s| s.duration.0);
            format!("{name}: {:.0}% of it", super::wall_clock::share(path, of) * 100.0)
        })
        .collect();
    if costliest.len() > 3 {
        named.push(format!("{} more", costliest.len() - 3));
    }
    let durations = super::duration_range(calls.iter().map(duration));
    let others_median = DurationNs(super::median(others.iter().map(duration).collect()));
    let others_slowest = DurationNs(others.iter().map(duration).max().unwrap_or(0));
    let other_levels: Vec<String> = other_levels.iter().map(|l| format!("`{l}`")).collect();
    let hint = if EVERY_DATA_CENTER.contains(&level.to_lowercase().as_str()) {
        format!(
            ": `{level}` counts the replicas of every data center (are some in another? `LOCAL_QUORUM` waits only \
             for the local ones, but check what these calls need before relaxing it: {})",
            local_risk(context, calls)
        )
    } else {
        String::new()
    };
    let service_name = super::shown(set.str(service));
    let noun = super::calls::units_noun(per_unit.keys().map(|&(t, unit)| units.name(context, t as usize, unit)));
    let explanation = format!(
        "`{service_name}`'s {} at consistency `{level}` ({}) took {durations}, while its {} at {} took a median \
         {others_median} ({others_slowest} at most){hint}; {} on the critical paths of the {} that made them ({}), \
         {:.0}% of their time",
        super::counted(calls.len() as u64, "database call", "database calls"),
        super::join(&statements),
        super::counted(others.len() as u64, "call", "calls"),
        super::join(&other_levels),
        DurationNs(time),
        super::counted(per_unit.len() as u64, noun.0, noun.1),
        named.join("; "),
        share * 100.0,
    );
    let mut evidence: Vec<Evidence> = Vec::new();
    for &i in calls {
        let Some(span) = set.spans.get(i as usize) else {
            continue;
        };
        match evidence.iter().position(|e| e.trace_id == span.trace_id) {
            Some(at) => {
                if let Some(e) = evidence.get_mut(at).filter(|e| e.span_ids.len() < 6) {
                    e.span_ids.push(span.span_id);
                }
            }
            None if evidence.len() < 3 => evidence.push(context.span_evidence(i)),
            None => {}
        }
    }
    Finding {
        detector: NAME,
        // Judged from the impact by the shared rules in `detect`.
        severity: Severity::Info,
        impact: Impact {
            requests: per_unit.len() as u64,
            traces: Some(super::distinct(per_unit.keys().map(|&(t, _)| t))),
            failed_requests: 0,
            of_requests: per_unit.len() as u64,
            request_time_share: share,
            time: DurationNs(time),
            data_at_risk: false,
            request_time: DurationNs(0),
        },
        subject: Subject {
            endpoint: None,
            service: set.str(service).to_owned(),
            operation: calls
                .first()
                .and_then(|&i| context.database.shape(i))
                .map(|shape| context.database.text(shape).to_owned())
                .unwrap_or_default(),
            route: None,
            // Several statements are named by their level, not by the first.
            scope: (statements.len() > 1).then(|| {
                format!(
                    "{} at `{level}` in `{}`",
                    super::counted(statements.len() as u64, "statement", "statements"),
                    super::shown(set.str(service))
                )
            }),
        },
        explanation,
        evidence,
    }
}
