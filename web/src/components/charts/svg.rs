//! The charts as SVG markup, built as text: a sparkline, a line chart of several series and a
//! stacked bar chart, each with labelled axes, a `<title>` on every point or bar (the
//! browser's hover tip) and an `aria-label` that sums the chart up for screen readers.
//!
//! Text rather than view nodes: one string per chart keeps the .wasm small, and the markup
//! can be checked by host tests.

use std::fmt::Write as _;

use super::scale::{
    Axis, BOTTOM, HEIGHT, LEFT, PLOT_W, Unit, WIDTH, band, escape, label_stride, point_x,
};

/// How many value ticks an axis aims for.
const Y_TICKS: u32 = 4;
/// How many category labels fit under a chart.
const X_LABELS: usize = 7;
/// Size of a sparkline's drawing.
const SPARK_W: i32 = 120;
const SPARK_H: i32 = 28;

/// One named series of values, one per category (`None`: nothing measured there).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

impl Series {
    pub fn new(name: impl Into<String>, values: Vec<Option<f64>>) -> Self {
        Series {
            name: name.into(),
            values,
        }
    }
}

/// What a chart draws: its purpose (`label`, for the summary), the unit of its values, the
/// category under each point or bar, and the series.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub label: String,
    pub unit: Unit,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
}

/// A tiny line of `values` with no axes (a table cell); the summary gives the total and the
/// peak.
pub fn sparkline(label: &str, values: &[f64]) -> String {
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    let total: f64 = values.iter().sum();
    let summary = format!(
        "{label}: {} in all, at most {} per step",
        Unit::Count.value(total),
        Unit::Count.value(max)
    );
    let points = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = if values.len() <= 1 {
                SPARK_W / 2
            } else {
                (i as i64 * i64::from(SPARK_W) / (values.len() as i64 - 1)) as i32
            };
            let share = if max > 0.0 { v / max } else { 0.0 };
            let y = SPARK_H - 2 - (share * f64::from(SPARK_H - 4)).round() as i32;
            format!("{x},{y}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        r#"<svg class="sparkline" viewBox="0 0 {SPARK_W} {SPARK_H}" preserveAspectRatio="none" role="img" aria-label="{}"><title>{}</title><polyline points="{points}"/></svg>"#,
        escape(&summary),
        escape(&summary)
    )
}

/// A line per series over the categories, with a dot (and its tip) at each measured value.
pub fn line_chart(data: &ChartData) -> String {
    let axis = Axis::nice(max_of(data, false), Y_TICKS);
    let count = data.categories.len();
    let mut body = String::new();
    for (index, series) in data.series.iter().enumerate() {
        // A gap in the data breaks the line rather than dropping it to zero.
        let mut path = String::new();
        let mut pen_down = false;
        let mut dots = String::new();
        for (i, value) in series.values.iter().enumerate() {
            let Some(value) = value else {
                pen_down = false;
                continue;
            };
            let (x, y) = (point_x(i, count), axis.y(*value));
            let _ = write!(path, "{}{x},{y}", if pen_down { " L" } else { " M" });
            pen_down = true;
            let _ = write!(
                dots,
                r#"<circle cx="{x}" cy="{y}" r="3"><title>{}</title></circle>"#,
                tip(data, series, i, *value)
            );
        }
        let _ = write!(
            body,
            r#"<g class="series series-{}"><path d="{}"/>{dots}</g>"#,
            index % 6,
            path.trim_start()
        );
    }
    frame(data, &axis, &body, false)
}

/// A bar per category, the series stacked bottom to top, each piece with its tip.
pub fn stacked_bars(data: &ChartData) -> String {
    let axis = Axis::nice(max_of(data, true), Y_TICKS);
    let count = data.categories.len();
    let mut body = String::new();
    for i in 0..count {
        let (x, width) = band(i, count);
        let mut base = 0.0;
        for (index, series) in data.series.iter().enumerate() {
            let value = series.values.get(i).copied().flatten().unwrap_or(0.0);
            if value <= 0.0 {
                continue;
            }
            let (top, bottom) = (axis.y(base + value), axis.y(base));
            base += value;
            let _ = write!(
                body,
                r#"<rect class="series-{}" x="{x}" y="{top}" width="{width}" height="{}"><title>{}</title></rect>"#,
                index % 6,
                (bottom - top).max(1),
                tip(data, series, i, value)
            );
        }
    }
    frame(data, &axis, &body, true)
}

/// The largest value drawn: of any one series, or of the stacks' totals.
fn max_of(data: &ChartData, stacked: bool) -> f64 {
    let at = |i: usize| {
        data.series
            .iter()
            .filter_map(move |s| s.values.get(i).copied().flatten())
    };
    (0..data.categories.len())
        .map(|i| {
            if stacked {
                at(i).filter(|v| *v > 0.0).sum()
            } else {
                at(i).fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max)
}

/// A point's or bar's hover text: `Nov 3 · p95: 120 ms`.
fn tip(data: &ChartData, series: &Series, index: usize, value: f64) -> String {
    let category = data.categories.get(index).map(String::as_str).unwrap_or("");
    escape(&format!(
        "{category} · {}: {}",
        series.name,
        data.unit.value(value)
    ))
}

/// The axes, grid lines and labels around a chart's `body` (of bars, or of points), the
/// summary, then the legend.
fn frame(data: &ChartData, axis: &Axis, body: &str, bars: bool) -> String {
    let mut grid = String::new();
    for tick in axis.ticks() {
        let y = axis.y(tick);
        let _ = write!(
            grid,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y}" y2="{y}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            LEFT + PLOT_W,
            LEFT - 6,
            y + 4,
            escape(&data.unit.tick(tick, axis.decimals))
        );
    }
    let count = data.categories.len();
    let stride = label_stride(count, X_LABELS);
    for (i, category) in data.categories.iter().enumerate().step_by(stride) {
        // Under the point, or under the middle of the bar.
        let x = if bars {
            let (left, width) = band(i, count);
            left + width / 2
        } else {
            point_x(i, count)
        };
        let _ = write!(
            grid,
            r#"<text class="tick" x="{x}" y="{}" text-anchor="middle">{}</text>"#,
            HEIGHT - 6,
            escape(category)
        );
    }
    let legend = data
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                r#"<li><span class="swatch series-{}"></span>{}</li>"#,
                i % 6,
                escape(&s.name)
            )
        })
        .collect::<String>();
    format!(
        r#"<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}">{grid}<line class="axis" x1="{LEFT}" x2="{}" y1="{base}" y2="{base}"/>{body}</svg><ul class="legend">{legend}</ul>"#,
        escape(&summary(data)),
        LEFT + PLOT_W,
        base = HEIGHT - BOTTOM,
    )
}

/// What a screen reader hears: the chart's purpose, its span, and each series' total and
/// peak.
pub fn summary(data: &ChartData) -> String {
    let span = match (data.categories.first(), data.categories.last()) {
        (Some(first), Some(last)) if first != last => format!(", {first} to {last}"),
        (Some(only), _) => format!(", {only}"),
        _ => ", no data".to_owned(),
    };
    let parts = data
        .series
        .iter()
        .map(|s| {
            let measured: Vec<f64> = s.values.iter().copied().flatten().collect();
            let peak = measured.iter().copied().fold(0.0, f64::max);
            if measured.is_empty() {
                format!("{}: no data", s.name)
            } else {
                format!("{}: peak {}", s.name, data.unit.value(peak))
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!("{}{span}. {parts}", data.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> ChartData {
        ChartData {
            label: "Latency".to_owned(),
            unit: Unit::Ms,
            categories: vec!["10:00".into(), "10:01".into(), "10:02".into()],
            series: vec![
                Series::new("p50", vec![Some(100.0), None, Some(120.0)]),
                Series::new("p95 <slow>", vec![Some(300.0), None, Some(900.0)]),
            ],
        }
    }

    #[test]
    fn a_line_chart_has_a_tip_per_measured_point_a_legend_and_a_summary() {
        let svg = line_chart(&data());
        assert_eq!(svg.matches("<circle").count(), 4);
        assert!(svg.contains("<title>10:02 · p95 &lt;slow&gt;: 900 ms</title>"));
        // The gap at 10:01 starts a new stroke instead of drawing through zero.
        assert_eq!(svg.matches(" M").count() + svg.matches("d=\"M").count(), 4);
        assert!(svg.contains("aria-label=\"Latency, 10:00 to 10:02. p50: peak 120 ms; p95 &lt;slow&gt;: peak 900 ms\""));
        assert!(svg.contains(r#"<li><span class="swatch series-1"></span>p95 &lt;slow&gt;</li>"#));
        // Axis up to 1 s, labelled.
        assert!(svg.contains(">1.0 s</text>"));
    }

    #[test]
    fn stacked_bars_pile_up_and_skip_zeros() {
        let data = ChartData {
            label: "Cost by day".to_owned(),
            unit: Unit::Usd,
            categories: vec!["Nov 1".into(), "Nov 2".into()],
            series: vec![
                Series::new("agents", vec![Some(1.0), Some(0.0)]),
                Series::new("people", vec![Some(3.0), Some(2.0)]),
            ],
        };
        let svg = stacked_bars(&data);
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("<title>Nov 1 · people: $3.00</title>"));
        // The stack of 4 sets the axis: ticks to $4.00.
        assert!(svg.contains(">$4.00</text>"));
        assert_eq!(max_of(&data, true), 4.0);
        assert_eq!(max_of(&data, false), 3.0);
    }

    #[test]
    fn a_sparkline_sums_itself_up() {
        let svg = sparkline("tool calls", &[0.0, 2.0, 5.0, 1.0]);
        assert!(svg.contains("aria-label=\"tool calls: 8 in all, at most 5 per step\""));
        assert!(svg.contains("points=\"0,26 40,16 80,2 120,21\""));
        let empty = sparkline("x", &[]);
        assert!(empty.contains("points=\"\""));
    }
}
