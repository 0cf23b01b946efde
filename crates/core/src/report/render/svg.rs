//! A small inline SVG histogram: an endpoint's durations this period over
//! the baseline's, on the model's shared log-scale bins. Each period is
//! drawn as its share of requests per bin, so a baseline read from a
//! report's sample (fewer durations, same shape) compares fairly.
//!
//! ```text
//!   ▒ baseline (grey)   █ current (blue, translucent, drawn over it)
//!   ▁▃█▅▂   ← bins from bounds[0] to bounds[last]
//!   1.2ms        19.8ms
//! ```

use super::html_writer::Html;
use crate::report::SharedHistogram;

const WIDTH: f64 = 320.0;
const PLOT_HEIGHT: f64 = 80.0;
const LABEL_HEIGHT: f64 = 14.0;

/// Writes the chart; nothing when it has no bins or no durations.
pub fn histogram(html: &mut Html, histogram: &SharedHistogram, label: &str) {
    let bins = histogram.current.len();
    let current = shares(&histogram.current);
    let baseline = histogram.baseline.as_deref().map(shares);
    let tallest = current
        .iter()
        .chain(baseline.iter().flatten())
        .copied()
        .fold(0.0, f64::max);
    if bins == 0 || tallest <= 0.0 {
        return;
    }
    let view = format!("0 0 {WIDTH} {}", PLOT_HEIGHT + LABEL_HEIGHT);
    html.open(
        "svg",
        &[
            ("viewBox", &view),
            ("width", "320"),
            ("height", "94"),
            ("role", "img"),
            ("aria-label", label),
        ],
    );
    html.element("title", &[], label);
    let step = WIDTH / bins as f64;
    if let Some(baseline) = &baseline {
        bars(html, baseline, step, tallest, "#b8b8b8", "1");
    }
    bars(html, &current, step, tallest, "#2f6fde", "0.65");
    let first = histogram.bounds.first().map(ToString::to_string).unwrap_or_default();
    let last = histogram.bounds.last().map(ToString::to_string).unwrap_or_default();
    let baseline_y = format!("{:.1}", PLOT_HEIGHT + LABEL_HEIGHT - 2.0);
    html.element("text", &[("x", "0"), ("y", &baseline_y), ("font-size", "11")], &first);
    html.element(
        "text",
        &[
            ("x", "320"),
            ("y", &baseline_y),
            ("font-size", "11"),
            ("text-anchor", "end"),
        ],
        &last,
    );
    html.close("svg");
}

/// Each bin's share of the total (all zero for an empty side).
fn shares(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .map(|&c| if total == 0 { 0.0 } else { c as f64 / total as f64 })
        .collect()
}

fn bars(html: &mut Html, shares: &[f64], step: f64, tallest: f64, fill: &str, opacity: &str) {
    for (i, share) in shares.iter().enumerate() {
        let height = share / tallest * PLOT_HEIGHT;
        if height <= 0.0 {
            continue;
        }
        html.open(
            "rect",
            &[
                ("x", &format!("{:.1}", i as f64 * step + 1.0)),
                ("y", &format!("{:.1}", PLOT_HEIGHT - height)),
                ("width", &format!("{:.1}", (step - 2.0).max(1.0))),
                ("height", &format!("{height:.1}")),
                ("fill", fill),
                ("fill-opacity", opacity),
            ],
        )
        .close("rect");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::DurationNs;

    #[test]
    fn bars_are_shares_of_each_period() {
        let histogram = SharedHistogram {
            bounds: vec![DurationNs(1_000_000), DurationNs(2_000_000), DurationNs(4_000_000)],
            current: vec![1, 3],
            baseline: Some(vec![20, 20]),
        };
        let mut html = Html::new();
        super::histogram(&mut html, &histogram, "GET /a");
        let svg = html.finish();
        // The tallest share (3 of 4) fills the plot; the baseline's halves are 2/3 of it.
        assert!(svg.contains("height=\"80.0\" fill=\"#2f6fde\""), "{svg}");
        assert_eq!(svg.matches("height=\"53.3\" fill=\"#b8b8b8\"").count(), 2, "{svg}");
        assert!(
            svg.contains(">1.00ms</text>") && svg.contains(">4.00ms</text>"),
            "{svg}"
        );
    }

    #[test]
    fn an_empty_histogram_draws_nothing() {
        let mut html = Html::new();
        let empty = SharedHistogram {
            bounds: vec![],
            current: vec![],
            baseline: None,
        };
        super::histogram(&mut html, &empty, "x");
        assert_eq!(html.finish(), "");
    }
}
