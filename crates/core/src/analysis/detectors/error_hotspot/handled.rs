//! A handled error that its caller then failed on anyway: one cause, told once.
//!
//! Robot Framework tests check before they act: `Run Keyword And Return
//! Status  File Should Exist  ${TRACES_FILE}` records the check's failure and
//! returns false with its own status OK, and the keyword above then calls
//! `Fail  Traces file not found`. Each of the Robot capture's four failing
//! tests shows both, so the error origins make two incidents of four errors
//! for one missing file. The handled check is why the later failure
//! happened: it is said in that failure's finding and makes none of its own.
//!
//! An incident *led to* another when every one of its origins was handled
//! (a span above it set its status to OK) by a span whose parent failed
//! anyway, through an origin of that other incident below it that started
//! no earlier than the handler did. A handled error whose caller did not fail
//! stays a finding of its own: it did no harm this time, but it happened.

use super::{Described, Group};
use crate::analysis::detectors::Context;
use std::collections::{HashMap, HashSet};

/// Parent steps walked up from an origin to find a handler's caller: a
/// parent cycle in bad data ends here.
const MAX_DEPTH: usize = 64;

/// For each incident (by index) that led to another, that other one.
pub(super) fn led_to(
    context: &Context<'_>,
    described: &[Described],
    groups: &[Group],
    incidents: &[Vec<usize>],
) -> HashMap<usize, usize> {
    let parent = |i: u32| context.index.parent.get(i as usize).copied().flatten();
    let mut incident_of: HashMap<usize, usize> = HashMap::new();
    for (i, incident) in incidents.iter().enumerate() {
        for group in incident.iter().filter_map(|&g| groups.get(g)) {
            incident_of.extend(group.members.iter().map(|&d| (d, i)));
        }
    }
    // The callers of the handlers, and who handled what.
    let callers: HashSet<u32> = described
        .iter()
        .filter_map(|d| parent(d.origin.handler?))
        .filter(|&caller| context.failures.span(caller))
        .collect();
    if callers.is_empty() {
        return HashMap::new();
    }
    // The origins below each caller, with their start.
    let mut below: HashMap<u32, Vec<usize>> = HashMap::new();
    for (d, item) in described.iter().enumerate() {
        let mut at = parent(item.origin.span);
        for _ in 0..MAX_DEPTH {
            let Some(p) = at else { break };
            if callers.contains(&p) {
                below.entry(p).or_default().push(d);
            }
            at = parent(p);
        }
    }
    let mut led = HashMap::new();
    for (i, incident) in incidents.iter().enumerate() {
        let members: Vec<&Described> = incident
            .iter()
            .filter_map(|&g| groups.get(g))
            .flat_map(|g| g.members.iter().filter_map(|&d| described.get(d)))
            .collect();
        let mut next: Option<usize> = None;
        let all_led = !members.is_empty()
            && members.iter().all(|member| {
                let Some(handler) = member.origin.handler else {
                    return false;
                };
                let handler_start = context.set.spans.get(handler as usize).map_or(0, |s| s.start.0);
                let Some(caller) = parent(handler) else { return false };
                // The caller's failure below it, begun once the check had.
                let then = below.get(&caller).into_iter().flatten().find_map(|&d| {
                    let other = incident_of.get(&d).copied().filter(|&o| o != i)?;
                    (described.get(d)?.start >= handler_start).then_some(other)
                });
                match (then, next) {
                    (Some(other), None) => {
                        next = Some(other);
                        true
                    }
                    (Some(other), Some(seen)) => other == seen,
                    (None, _) => false,
                }
            });
        if let (true, Some(other)) = (all_led, next) {
            led.insert(i, other);
        }
    }
    led
}
