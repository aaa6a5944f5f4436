//! The [`ChartRenderer`] adapter: ECharts JSON and HTML directly, SVG and
//! PNG on the engine thread.

use async_trait::async_trait;
use crm_analytics::chart::{ChartFormat, ChartSize, ChartSpec, RenderError, RenderedChart};
use crm_analytics::ports::ChartRenderer;

use crate::engine::Engine;
use crate::html::{self, PageScripts};
use crate::option::echarts_option;

/// Renders charts with ECharts: the option built with `charming` is the
/// `.json`; the `.html` page loads ECharts and its script from our server;
/// `.svg` is drawn by ECharts' server-side renderer in QuickJS; `.png` is
/// that SVG rasterised by resvg with the bundled fonts. Nothing touches
/// the network.
#[derive(Debug)]
pub struct EchartsRenderer {
    engine: Engine,
    scripts: PageScripts,
}

impl EchartsRenderer {
    /// A renderer whose HTML pages load their scripts from `scripts` (for
    /// example `/assets/echarts-5.5.1.min.js`, served from
    /// [`crate::ECHARTS_JS`]). Starts the engine thread; ECharts is loaded
    /// with the first image.
    pub fn new(scripts: PageScripts) -> Result<Self, RenderError> {
        Ok(Self {
            engine: Engine::start().map_err(RenderError)?,
            scripts,
        })
    }
}

#[async_trait]
impl ChartRenderer for EchartsRenderer {
    async fn render(
        &self,
        chart: &ChartSpec,
        format: ChartFormat,
        size: ChartSize,
    ) -> Result<RenderedChart, RenderError> {
        let option = serde_json::to_string(&echarts_option(chart))
            .map_err(|e| RenderError(format!("ECharts option: {e}")))?;
        let bytes = match format {
            ChartFormat::Json => option.into_bytes(),
            ChartFormat::Html => html::page(
                &chart.title,
                &self.scripts,
                &option,
                size.width(),
                size.height(),
            )
            .into_bytes(),
            ChartFormat::Svg | ChartFormat::Png => self
                .engine
                .draw(
                    option,
                    size.width(),
                    size.height(),
                    format == ChartFormat::Png,
                )
                .await
                .map_err(RenderError)?,
        };
        Ok(RenderedChart { format, bytes })
    }
}
