//! The arithmetic of the charts, free of the browser: "nice" value axes, positions in the
//! drawing's coordinates, which labels fit, and numbers written without the standard float
//! formatting (which would add kilobytes to the .wasm).

/// Width of every chart's drawing (SVG user units; the SVG scales to its box).
pub const WIDTH: i32 = 640;
/// Height of a line or bar chart's drawing.
pub const HEIGHT: i32 = 200;
/// Room on the left for the value labels.
pub const LEFT: i32 = 64;
/// Room at the top, so the highest label is not cut.
pub const TOP: i32 = 10;
/// Room at the bottom for the time labels.
pub const BOTTOM: i32 = 24;
/// Room on the right.
pub const RIGHT: i32 = 8;
/// Width of the plotting area.
pub const PLOT_W: i32 = WIDTH - LEFT - RIGHT;
/// Height of the plotting area.
pub const PLOT_H: i32 = HEIGHT - TOP - BOTTOM;

/// What a chart's values measure, which decides how they read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Plain counts (activities, errors).
    Count,
    /// US dollars.
    Usd,
    /// Milliseconds.
    Ms,
}

impl Unit {
    /// `value` as an axis label, with `decimals` places (more for small dollar amounts).
    pub fn tick(self, value: f64, decimals: u32) -> String {
        match self {
            Unit::Count => fixed(value, decimals),
            Unit::Usd => format!("${}", fixed(value, decimals.max(2))),
            Unit::Ms if value >= 1_000.0 => format!("{} s", fixed(value / 1_000.0, 1)),
            Unit::Ms => format!("{} ms", fixed(value, decimals)),
        }
    }

    /// `value` in a tooltip or a figure: counts whole, dollars to the cent (a tenth of a
    /// cent below one dollar, so small spends do not read as $0.00), milliseconds whole.
    pub fn value(self, value: f64) -> String {
        match self {
            Unit::Usd => usd(value),
            _ => self.tick(value, 0),
        }
    }
}

/// Dollars to the cent, or to the hundredth of a cent below a dollar: `$12.35`, `$0.0042`.
pub fn usd(value: f64) -> String {
    let decimals = if value.abs() >= 1.0 || value == 0.0 {
        2
    } else {
        4
    };
    format!("${}", fixed(value, decimals))
}

/// The value of one of the API's decimal strings (`"0.0042"`); 0 if unreadable. For
/// drawing and rounding only: sums the server makes stay exact strings until then.
pub fn decimal(text: &str) -> f64 {
    text.parse().unwrap_or(0.0)
}

/// A fraction as a percentage with one decimal: `0.0425` → `4.3%`.
pub fn percent(fraction: f64) -> String {
    format!("{}%", fixed(fraction * 100.0, 1))
}

/// `value` rounded to `decimals` places, by integer arithmetic: `fixed(2.346, 2)` = `"2.35"`.
pub fn fixed(value: f64, decimals: u32) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    let scale = 10_i64.pow(decimals.min(9));
    let scaled = (value.abs() * scale as f64).round() as i64;
    let sign = if value < 0.0 && scaled != 0 { "-" } else { "" };
    let (whole, part) = (scaled / scale, scaled % scale);
    if decimals == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{part:0width$}", width = decimals as usize)
    }
}

/// A value axis from 0: its top, the step between ticks, and how many decimals a tick needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub max: f64,
    pub step: f64,
    pub decimals: u32,
}

impl Axis {
    /// The axis for values up to `data_max`, with at most `ticks` steps of 1, 2 or 5 times a
    /// power of ten. An empty or all-zero chart gets the axis 0 to 1.
    pub fn nice(data_max: f64, ticks: u32) -> Axis {
        let ticks = ticks.max(1);
        if !data_max.is_finite() || data_max <= 0.0 {
            return Axis {
                max: 1.0,
                step: 1.0,
                decimals: 0,
            };
        }
        let raw = data_max / f64::from(ticks);
        // The power of ten at or below `raw`.
        let mut magnitude = 1.0;
        while magnitude > raw {
            magnitude /= 10.0;
        }
        while magnitude * 10.0 <= raw {
            magnitude *= 10.0;
        }
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|step| step * f64::from(ticks) >= data_max)
            .unwrap_or(10.0 * magnitude);
        // The fewest decimals that write the step exactly.
        let mut decimals = 0_u32;
        while decimals < 9 {
            let shifted = step * 10f64.powi(decimals as i32);
            if (shifted - shifted.round()).abs() < 1e-6 {
                break;
            }
            decimals += 1;
        }
        let steps = (data_max / step - 1e-9).ceil().max(1.0);
        Axis {
            max: step * steps,
            step,
            decimals,
        }
    }

    /// The tick values, 0 first.
    pub fn ticks(&self) -> Vec<f64> {
        let count = (self.max / self.step).round() as i64;
        (0..=count).map(|i| i as f64 * self.step).collect()
    }

    /// Where `value` sits vertically in the drawing.
    pub fn y(&self, value: f64) -> i32 {
        let share = (value / self.max).clamp(0.0, 1.0);
        TOP + PLOT_H - (share * f64::from(PLOT_H)).round() as i32
    }
}

/// Where the `index`th of `count` points sits horizontally (a lone point in the middle).
pub fn point_x(index: usize, count: usize) -> i32 {
    if count <= 1 {
        return LEFT + PLOT_W / 2;
    }
    LEFT + (index as i64 * i64::from(PLOT_W) / (count as i64 - 1)) as i32
}

/// The `index`th of `count` equal bands (bars): its left edge and width, with a gap.
pub fn band(index: usize, count: usize) -> (i32, i32) {
    let count = count.max(1) as i64;
    let left = i64::from(LEFT) + index as i64 * i64::from(PLOT_W) / count;
    let right = i64::from(LEFT) + (index as i64 + 1) * i64::from(PLOT_W) / count;
    let width = right - left;
    let gap = (width / 5).min(8);
    ((left + gap / 2) as i32, (width - gap).max(1) as i32)
}

/// Every how many categories a label is written, so at most `fit` labels share the axis.
pub fn label_stride(count: usize, fit: usize) -> usize {
    count.div_ceil(fit.max(1)).max(1)
}

/// Text made safe inside SVG/HTML markup.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_without_float_formatting() {
        assert_eq!(fixed(2.346, 2), "2.35");
        assert_eq!(fixed(0.0042, 4), "0.0042");
        assert_eq!(fixed(-1.5, 0), "-2");
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(fixed(1234.0, 0), "1234");
        assert_eq!(fixed(f64::NAN, 2), "–");
        assert_eq!(usd(12.346), "$12.35");
        assert_eq!(usd(0.0042), "$0.0042");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(percent(0.0425), "4.3%");
        assert_eq!(decimal("0.004200000"), 0.0042);
        assert_eq!(decimal("oops"), 0.0);
        assert_eq!(Unit::Ms.tick(2_400.0, 0), "2.4 s");
        assert_eq!(Unit::Ms.tick(850.0, 0), "850 ms");
        assert_eq!(Unit::Usd.tick(0.005, 3), "$0.005");
        assert_eq!(Unit::Usd.tick(20.0, 0), "$20.00");
    }

    #[test]
    fn axes_are_nice_and_cover_the_data() {
        let axis = Axis::nice(87.0, 4);
        assert_eq!((axis.max, axis.step, axis.decimals), (100.0, 50.0, 0));
        let axis = Axis::nice(7.0, 4);
        assert_eq!((axis.step, axis.max, axis.decimals), (2.0, 8.0, 0));
        let axis = Axis::nice(0.0042, 4);
        assert!((axis.step - 0.002).abs() < 1e-12);
        assert!((axis.max - 0.006).abs() < 1e-12);
        assert_eq!(axis.decimals, 3);
        let axis = Axis::nice(0.4, 4);
        assert_eq!((axis.step, axis.decimals), (0.1, 1));
        assert_eq!(Axis::nice(0.0, 4).max, 1.0);
        assert_eq!(Axis::nice(f64::NAN, 4).max, 1.0);
        assert_eq!(Axis::nice(7.0, 4).ticks(), [0.0, 2.0, 4.0, 6.0, 8.0]);
    }

    #[test]
    fn positions_stay_inside_the_plot() {
        let axis = Axis::nice(10.0, 5);
        assert_eq!(axis.y(0.0), TOP + PLOT_H);
        assert_eq!(axis.y(axis.max), TOP);
        assert_eq!(axis.y(1e9), TOP);
        assert_eq!(point_x(0, 3), LEFT);
        assert_eq!(point_x(2, 3), LEFT + PLOT_W);
        assert_eq!(point_x(0, 1), LEFT + PLOT_W / 2);
        let (x0, w0) = band(0, 4);
        let (x3, w3) = band(3, 4);
        assert!(x0 >= LEFT && x3 + w3 <= LEFT + PLOT_W && w0 > 0);
        assert_eq!(label_stride(30, 6), 5);
        assert_eq!(label_stride(3, 6), 1);
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
