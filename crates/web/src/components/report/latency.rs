//! Did it get faster or slower: every endpoint with p50/p95/p99 and error
//! rate, and with a baseline each change with its direction, verdict and
//! p-value; a changed endpoint gets a small chart of its durations now
//! (bars) over the baseline's (line), each scaled to its own peak.

use crate::components::comparison::{p_value, verdict_text};
use crate::format;
use leptos::prelude::*;
use std::sync::Arc;
use tracelens_core::analysis::detectors::regression::{Verdict, percent};
use tracelens_core::report::{EndpointLatency, Report, Section, SharedHistogram};

/// The endpoint table.
#[component]
pub fn Latency(report: Arc<Report>) -> impl IntoView {
    let rows = report.latency.endpoints.iter().map(row).collect_view();
    let method = report.latency.method.clone();
    view! {
        <section class="report-section" id=crate::route::section_id(Section::Latency)>
            <h2>"Latency"</h2>
            <table>
                <thead>
                    <tr>
                        <th>"Service"</th>
                        <th>"Endpoint"</th>
                        <th class="num">"Requests"</th>
                        <th class="num">"Errors"</th>
                        <th class="num">"p50"</th>
                        <th class="num">"p95"</th>
                        <th class="num">"p99"</th>
                        <th>"Against the baseline"</th>
                        <th>"Now over baseline"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="footnote">{method}</p>
        </section>
    }
}

fn row(e: &EndpointLatency) -> impl IntoView + use<> {
    let change = e.change.as_ref().map(|c| {
        let (verdict, name) = verdict_text(c.verdict);
        format!(
            "{verdict} ({name}): p50 {} → {} ({}), p95 {} → {} ({}), p {}",
            c.baseline_p50,
            e.p50,
            percent(c.p50_change),
            c.baseline_p95,
            e.p95,
            percent(c.p95_change),
            p_value(c.p_value)
        )
    });
    let verdict = e.change.as_ref().map(|c| verdict_text(c.verdict).1);
    let changed = e
        .change
        .as_ref()
        .is_some_and(|c| matches!(c.verdict, Verdict::Regression | Verdict::Improvement));
    let chart = e.histogram.as_ref().filter(|_| changed).map(chart);
    view! {
        <tr data-testid="report-latency-row" data-verdict=verdict>
            <td>{e.endpoint.service.clone()}</td>
            <td class="name">{e.endpoint.name.clone()}</td>
            <td class="num">{format::count(e.requests)}</td>
            <td class="num">{format::percent(e.error_rate)}</td>
            <td class="num">{e.p50.to_string()}</td>
            <td class="num">{e.p95.to_string()}</td>
            <td class="num">{e.p99.to_string()}</td>
            <td>{change}</td>
            <td class="dist">{chart}</td>
        </tr>
    }
}

const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 28.0;

/// Bars for the current durations, a stepped line for the baseline's.
fn chart(histogram: &SharedHistogram) -> impl IntoView + use<> {
    let bins = histogram.current.len().max(1) as f64;
    let step = WIDTH / bins;
    let height = |count: u64, peak: u64| HEIGHT * count as f64 / peak.max(1) as f64;
    let peak = histogram.current.iter().copied().max().unwrap_or(0);
    let bars: String = histogram
        .current
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, c)| {
            let h = height(*c, peak);
            format!("M{:.1} {HEIGHT}v-{h:.1}h{:.1}v{h:.1}z", i as f64 * step, step * 0.9)
        })
        .collect();
    let line = histogram.baseline.as_ref().map(|counts| {
        let peak = counts.iter().copied().max().unwrap_or(0);
        let mut d = format!("M0 {HEIGHT}");
        for (i, c) in counts.iter().enumerate() {
            let y = HEIGHT - height(*c, peak);
            d.push_str(&format!("V{y:.1}H{:.1}", (i + 1) as f64 * step));
        }
        d.push_str(&format!("V{HEIGHT}"));
        d
    });
    let range = match (histogram.bounds.first(), histogram.bounds.last()) {
        (Some(low), Some(high)) => format!("Durations from {low} to {high}, log scale: bars now, line the baseline"),
        _ => String::new(),
    };
    view! {
        <svg class="report-chart" width=WIDTH height=HEIGHT viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img">
            <title>{range}</title>
            <path class="bars" d=bars />
            {line.map(|d| view! { <path class="was" d=d /> })}
        </svg>
    }
}
