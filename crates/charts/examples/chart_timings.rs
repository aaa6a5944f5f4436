//! Draws every chart in every format, writes them to a folder and reports
//! how long each took: `cargo run -p crm-charts --example chart_timings [--release] -- DIR`.

#[path = "../tests/support.rs"]
mod support;

use std::time::Instant;

use crm_analytics::chart::{ChartFormat, ChartSize};
use crm_analytics::ports::ChartRenderer;
use crm_charts::{EchartsRenderer, PageScripts};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/charts".to_owned());
    std::fs::create_dir_all(&dir)?;
    let renderer = EchartsRenderer::new(PageScripts {
        echarts: "echarts.min.js".to_owned(),
        page: "chart-page.js".to_owned(),
    })?;
    let size = ChartSize::default();
    let started = Instant::now();
    renderer
        .render(&support::every_chart()[0], ChartFormat::Svg, size)
        .await?;
    println!("first chart, loading ECharts: {:?}", started.elapsed());
    for spec in support::every_chart() {
        for format in ChartFormat::ALL {
            let started = Instant::now();
            let chart = renderer.render(&spec, format, size).await?;
            let elapsed = started.elapsed();
            let path = format!("{dir}/{}.{}", spec.name, format.extension());
            std::fs::write(&path, &chart.bytes)?;
            println!("{path}: {} bytes in {elapsed:?}", chart.bytes.len());
        }
    }
    Ok(())
}
