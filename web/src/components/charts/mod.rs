//! Small SVG charts drawn by our own code (no chart library): a sparkline for table cells, a
//! line chart of several series (latency percentiles, throughput) and a stacked bar chart
//! (cost by day). The arithmetic is in [`scale`], the markup in [`svg`]; these components put
//! a chart on the page.

pub mod scale;
pub mod svg;

use leptos::prelude::*;

pub use scale::Unit;
pub use svg::{ChartData, Series};

/// The shape a [`Chart`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Line,
    StackedBars,
}

/// A titled chart with its legend; `data` is read again whenever it changes.
#[component]
pub fn Chart(
    /// The heading above the chart.
    title: &'static str,
    kind: Kind,
    #[prop(into)] data: Signal<ChartData>,
) -> impl IntoView {
    let markup = move || {
        data.with(|data| match kind {
            Kind::Line => svg::line_chart(data),
            Kind::StackedBars => svg::stacked_bars(data),
        })
    };
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <div class="chart-body" inner_html=markup></div>
        </figure>
    }
}

/// A sparkline of `values` (e.g. activities per minute), summed up as `label`.
#[component]
pub fn Sparkline(label: String, values: Vec<f64>) -> impl IntoView {
    view! { <span class="sparkline-cell" inner_html=svg::sparkline(&label, &values)></span> }
}
