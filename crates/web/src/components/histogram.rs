//! Duration histograms as inline SVG, drawn from the core's log-scale
//! `Histogram`: a sparkline in every table row, and a larger chart with the
//! p50/p95/p99 marks and a duration axis for a row the user opens.
//!
//! Nothing here is statistics, only pixel positions. The sparkline is one
//! `<path>` per row so a table of a thousand operations stays cheap; the
//! larger chart (one at a time) draws a `<rect>` per bucket, with a tooltip.

use crate::format;
use leptos::prelude::*;
use tracelens_core::stats::histogram::{Bucket, Histogram};
use tracelens_core::time::DurationNs;

/// A logarithmic duration axis mapped onto `[left, right]` pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct LogAxis {
    low: f64,
    high: f64,
    left: f64,
    right: f64,
}

impl LogAxis {
    /// The axis from `low` to `high`, widened by `pad` (a share of its log
    /// range) on each side; equal bounds are widened by a factor of 1.5.
    fn new(low: DurationNs, high: DurationNs, pad: f64, left: f64, right: f64) -> LogAxis {
        let (low, high) = (ln(low), ln(high.max(low)));
        let widen = if high - low < 1e-9 {
            1.5f64.ln()
        } else {
            (high - low) * pad
        };
        LogAxis {
            low: low - widen,
            high: high + widen,
            left,
            right,
        }
    }

    fn x(&self, d: DurationNs) -> f64 {
        self.left + (ln(d) - self.low) / (self.high - self.low) * (self.right - self.left)
    }

    /// Where a bucket's bar starts and ends, at least `min_width` wide.
    fn bar(&self, bucket: &Bucket, min_width: f64) -> (f64, f64) {
        let (start, end) = (self.x(bucket.low), self.x(bucket.high));
        if end - start >= min_width {
            (start, end)
        } else {
            let middle = (start + end) / 2.0;
            (middle - min_width / 2.0, middle + min_width / 2.0)
        }
    }

    /// Round durations to label the axis: powers of ten when at least three
    /// fall inside it, else 1-2-5 steps, else every digit; then thinned so
    /// labels stay `min_gap` pixels apart. The axis ends when nothing fits.
    fn ticks(&self, min_gap: f64) -> Vec<DurationNs> {
        let (low, high) = (self.low.exp(), self.high.exp());
        let mut found = Vec::new();
        for mantissas in [&[1u64][..], &[1, 2, 5], &[1, 2, 3, 4, 5, 6, 7, 8, 9]] {
            found = round_values(low, high, mantissas);
            if found.len() >= 3 {
                break;
            }
        }
        if found.len() < 2 {
            found = vec![DurationNs(low.ceil() as u64), DurationNs(high.floor() as u64)];
        }
        let mut kept: Vec<DurationNs> = Vec::with_capacity(found.len());
        for tick in found {
            if kept.last().is_none_or(|&last| self.x(tick) - self.x(last) >= min_gap) {
                kept.push(tick);
            }
        }
        kept
    }
}

fn ln(d: DurationNs) -> f64 {
    (d.0.max(1) as f64).ln()
}

/// Every `m × 10^k` (m in `mantissas`) from `low` to `high` nanoseconds.
fn round_values(low: f64, high: f64, mantissas: &[u64]) -> Vec<DurationNs> {
    let mut values = Vec::new();
    let mut decade: u64 = 1;
    while (decade as f64) <= high {
        for &m in mantissas {
            let value = m.saturating_mul(decade);
            if (low..=high).contains(&(value as f64)) {
                values.push(DurationNs(value));
            }
        }
        let Some(next) = decade.checked_mul(10) else { break };
        decade = next;
    }
    values
}

/// The shortest and longest duration over several histograms, to draw them
/// on one shared axis; `None` when there are none.
pub fn shared_range<'a>(histograms: impl IntoIterator<Item = &'a Histogram>) -> Option<(DurationNs, DurationNs)> {
    histograms
        .into_iter()
        .filter_map(|h| Some((h.buckets.first()?.low, h.buckets.last()?.high)))
        .reduce(|(low, high), (l, h)| (low.min(l), high.max(h)))
}

/// What a histogram counts, in the singular and the plural.
#[derive(Clone, Copy, Debug)]
pub struct Noun {
    /// `request`
    pub one: &'static str,
    /// `requests`
    pub many: &'static str,
}

impl Noun {
    /// `1 request`, `1,234 requests`.
    fn count(self, n: u64) -> String {
        format!("{} {}", format::count(n), if n == 1 { self.one } else { self.many })
    }
}

fn total(histogram: &Histogram) -> u64 {
    histogram.buckets.iter().map(|b| b.count).sum()
}

/// What a histogram shows, for screen readers and tooltips:
/// `GET /api/cart: 54 requests, p50 10.3ms, p95 13.7ms, p99 14.9ms`.
pub fn summary(name: &str, histogram: &Histogram, noun: Noun) -> String {
    format!(
        "{name}: {}, p50 {}, p95 {}, p99 {}",
        noun.count(total(histogram)),
        histogram.p50,
        histogram.p95,
        histogram.p99
    )
}

const SPARK_WIDTH: f64 = 120.0;
const SPARK_HEIGHT: f64 = 22.0;

/// A row's histogram in 120×22 pixels on the table's shared axis (`range`),
/// with a faint line at each power of ten. Bar heights are relative to the
/// row's fullest bucket. `data-counts` lists the bucket counts for tests.
pub fn sparkline(histogram: &Histogram, range: (DurationNs, DurationNs), label: String) -> impl IntoView + use<> {
    let axis = LogAxis::new(range.0, range.1, 0.0, 1.0, SPARK_WIDTH - 1.0);
    let peak = histogram.buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let base = SPARK_HEIGHT - 1.0;
    let bars: String = histogram
        .buckets
        .iter()
        .filter(|b| b.count > 0)
        .map(|b| {
            let (start, end) = axis.bar(b, 1.5);
            let top = base - (b.count as f64 / peak * (SPARK_HEIGHT - 3.0)).max(1.5);
            format!("M{start:.1} {base}V{top:.1}H{end:.1}V{base}Z")
        })
        .collect();
    let grid: String = round_values(range.0.0 as f64, range.1.0 as f64, &[1])
        .into_iter()
        .map(|d| format!("M{:.1} 0V{SPARK_HEIGHT}", axis.x(d)))
        .collect();
    let counts: Vec<String> = histogram.buckets.iter().map(|b| b.count.to_string()).collect();
    view! {
        <svg
            class="sparkline"
            role="img"
            aria-label=label
            width=SPARK_WIDTH
            height=SPARK_HEIGHT
            viewBox=format!("0 0 {SPARK_WIDTH} {SPARK_HEIGHT}")
            data-testid="sparkline"
            data-counts=counts.join(" ")
        >
            <path class="grid" d=grid />
            <path class="bars" d=bars />
        </svg>
    }
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const PLOT_LEFT: f64 = 48.0;
const PLOT_RIGHT: f64 = WIDTH - 28.0;
const PLOT_TOP: f64 = 58.0;
const PLOT_BOTTOM: f64 = HEIGHT - 28.0;
/// Baseline of the first percentile label; each next one sits a line lower,
/// so labels never overlap however close the percentiles are.
const LABEL_TOP: f64 = 14.0;
const LABEL_LINE: f64 = 15.0;

/// The larger chart: one bar per bucket on the histogram's own log axis,
/// labelled duration ticks, the peak count, and a labelled line at p50, p95
/// and p99. `noun` names what is counted (requests, calls).
fn histogram_chart(histogram: &Histogram, label: String, noun: Noun) -> impl IntoView + use<> {
    let (Some(first), Some(last)) = (histogram.buckets.first(), histogram.buckets.last()) else {
        return None;
    };
    let axis = LogAxis::new(first.low, last.high, 0.04, PLOT_LEFT, PLOT_RIGHT);
    let peak = histogram.buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let bars = histogram
        .buckets
        .iter()
        .filter(|b| b.count > 0)
        .map(|b| {
            // A bucket of identical durations has no width of its own.
            let (start, end) = axis.bar(b, if b.low == b.high { 10.0 } else { 3.0 });
            // A pixel of air between neighbours, unless that would hide the bar.
            let (x, width) = if end - start > 4.0 {
                (start + 0.5, end - start - 1.0)
            } else {
                (start, end - start)
            };
            let height = (b.count as f64 / peak as f64 * (PLOT_BOTTOM - PLOT_TOP)).max(1.0);
            let range = if b.low == b.high {
                b.low.to_string()
            } else {
                format!("{} – {}", b.low, b.high)
            };
            view! {
                <rect
                    class="bar"
                    data-testid="histogram-bar"
                    data-count=b.count
                    x=format!("{x:.1}")
                    y=format!("{:.1}", PLOT_BOTTOM - height)
                    width=format!("{width:.1}")
                    height=format!("{height:.1}")
                >
                    <title>{format!("{range}: {}", noun.count(b.count))}</title>
                </rect>
            }
        })
        .collect_view();
    let ticks = axis
        .ticks(56.0)
        .into_iter()
        .map(|d| {
            let x = format!("{:.1}", axis.x(d));
            view! {
                <line class="gridline" x1=x.clone() x2=x.clone() y1=PLOT_TOP y2=PLOT_BOTTOM + 4.0 />
                <text class="tick" x=x y=PLOT_BOTTOM + 17.0 text-anchor="middle">{format::tick(d)}</text>
            }
        })
        .collect_view();
    let marks = [("p50", histogram.p50), ("p95", histogram.p95), ("p99", histogram.p99)]
        .into_iter()
        .enumerate()
        .map(|(row, (name, value))| {
            let x = axis.x(value);
            let y = LABEL_TOP + row as f64 * LABEL_LINE;
            // Labels near the right edge read leftwards from their line.
            let (text_x, anchor) = if x > PLOT_RIGHT - 110.0 {
                (x - 4.0, "end")
            } else {
                (x + 4.0, "start")
            };
            view! {
                <g class=format!("mark {name}") data-testid="histogram-mark" data-percentile=name>
                    <line x1=format!("{x:.1}") x2=format!("{x:.1}") y1=y - 10.0 y2=PLOT_BOTTOM />
                    <text x=format!("{text_x:.1}") y=y text-anchor=anchor>
                        {format!("{name} {value}")}
                    </text>
                </g>
            }
        })
        .collect_view();
    Some(view! {
        <svg
            class="histogram-chart"
            role="img"
            aria-label=label
            width=WIDTH
            height=HEIGHT
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            data-testid="histogram"
        >
            <g class="axis">
                {ticks}
                <line class="gridline" x1=PLOT_LEFT x2=PLOT_RIGHT y1=PLOT_TOP y2=PLOT_TOP />
                <text class="tick" x=PLOT_LEFT - 6.0 y=PLOT_TOP + 4.0 text-anchor="end">{format::count(peak)}</text>
                <text class="tick" x=PLOT_LEFT - 6.0 y=PLOT_BOTTOM text-anchor="end">"0"</text>
            </g>
            <g class="bars">{bars}</g>
            {marks}
            <line class="baseline" x1=PLOT_LEFT x2=PLOT_RIGHT y1=PLOT_BOTTOM y2=PLOT_BOTTOM />
        </svg>
    })
}

/// The chart with a caption saying how to read it.
pub fn histogram_figure(histogram: &Histogram, label: String, noun: Noun) -> impl IntoView + use<> {
    let count = total(histogram);
    let caption = match (histogram.buckets.first(), histogram.buckets.last()) {
        (Some(first), Some(last)) if first.low != last.high => {
            let n = histogram.buckets.len();
            let ratio = (last.high.0 as f64 / first.low.0.max(1) as f64).powf(1.0 / n as f64);
            format!(
                "{} from {} to {}, in {n} buckets on a log scale (each {ratio:.2}× as wide as the one before); \
                 bar height: {} per bucket; lines: 50th, 95th and 99th percentiles.",
                noun.count(count),
                first.low,
                last.high,
                noun.many,
            )
        }
        _ if count == 1 => format!("One {}, {}.", noun.one, histogram.p50),
        _ => format!("All {} took {}.", noun.count(count), histogram.p50),
    };
    view! {
        <figure class="histogram">
            {histogram_chart(histogram, label, noun)}
            <figcaption>{caption}</figcaption>
        </figure>
    }
}
