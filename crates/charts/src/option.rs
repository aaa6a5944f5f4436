//! A chart specification as an ECharts option, built with `charming`.

use charming::Chart;
use charming::component::{Axis, Grid, Legend, Title};
use charming::datatype::{CompositeValue, DataPoint};
use charming::element::{
    AxisType, Label, LabelPosition, LineStyle, LineStyleType, Tooltip, Trigger,
};
use charming::series::{Bar, Funnel, Line};
use crm_analytics::chart::{Cartesian, ChartBody, ChartSpec, FunnelStage, Mark, Series};

/// The ECharts option that draws `spec`: a white background, no animation
/// (so server-side rendering draws the final state), the title and subtitle
/// at the top left and the legend at the bottom.
#[must_use]
pub fn echarts_option(spec: &ChartSpec) -> Chart {
    let chart = Chart::new()
        .animation(false)
        .background_color("#ffffff")
        .title(
            Title::new()
                .text(spec.title.as_str())
                .subtext(spec.subtitle.as_str())
                .left(12)
                .top(8),
        )
        .legend(Legend::new().bottom(8));
    match &spec.body {
        ChartBody::Cartesian(body) => cartesian(chart, body),
        ChartBody::Funnel { stages } => funnel(chart, stages),
    }
}

fn cartesian(chart: Chart, body: &Cartesian) -> Chart {
    // A long legend wraps to a second line: leave it room under the axis.
    let legend_text: usize = body.series.iter().map(|s| s.name.len() + 6).sum();
    let bottom = if legend_text > 80 { 72 } else { 48 };
    let mut chart = chart
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(
            Grid::new()
                .left(16)
                .right(16)
                .top(96)
                .bottom(bottom)
                .contain_label(true),
        )
        .x_axis(
            Axis::new()
                .type_(AxisType::Category)
                .data(body.categories.iter().map(String::as_str).collect()),
        );
    for (i, axis) in body.axes.iter().enumerate() {
        let mut y = Axis::new().type_(AxisType::Value).name(axis.name.as_str());
        if i > 0 {
            y = y.position("right");
        }
        chart = chart.y_axis(y);
    }
    for series in &body.series {
        chart = add_series(chart, series);
    }
    chart
}

fn values(series: &Series) -> Vec<DataPoint> {
    series
        .values
        .iter()
        // A plain number, or `null` where there is no value (so the JSON
        // reads back as the same option).
        .map(|v| {
            DataPoint::Value(v.map_or(CompositeValue::OptionalNumber(None), CompositeValue::from))
        })
        .collect()
}

/// The axis index as ECharts takes it.
#[allow(clippy::cast_precision_loss, reason = "one or two axes")]
fn axis_index(series: &Series) -> f64 {
    series.axis as f64
}

fn add_series(chart: Chart, series: &Series) -> Chart {
    match &series.mark {
        Mark::Bar { stack } => {
            let mut bar = Bar::new()
                .name(series.name.as_str())
                .y_axis_index(axis_index(series))
                .data(values(series));
            if let Some(stack) = stack {
                bar = bar.stack(stack.as_str());
            }
            chart.series(bar)
        }
        Mark::Line { dashed } => {
            let style = if *dashed {
                LineStyleType::Dashed
            } else {
                LineStyleType::Solid
            };
            chart.series(
                Line::new()
                    .name(series.name.as_str())
                    .y_axis_index(axis_index(series))
                    .line_style(LineStyle::new().type_(style))
                    .data(values(series)),
            )
        }
    }
}

fn funnel(chart: Chart, stages: &[FunnelStage]) -> Chart {
    let data: Vec<DataPoint> = stages
        .iter()
        .map(|s| DataPoint::from((s.value, s.name.as_str())))
        .collect();
    chart.tooltip(Tooltip::new().trigger(Trigger::Item)).series(
        Funnel::new()
            .name("funnel")
            .left("10%")
            .top(84)
            .bottom(48)
            .width("80%")
            .min(0.0)
            .gap(2.0)
            .label(Label::new().show(true).position(LabelPosition::Inside))
            .data(data),
    )
}
