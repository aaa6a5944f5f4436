//! # crm-charts
//!
//! The chart adapter: draws `crm-analytics` [`ChartSpec`]s.
//!
//! - `.json`: the ECharts option, built with `charming` ([`echarts_option`]);
//! - `.html`: a standalone page that draws that option with ECharts loaded
//!   from a path on our own server ([`ECHARTS_JS`] and [`CHART_PAGE_JS`] are
//!   the scripts to serve there), so it works offline and needs no inline
//!   script;
//! - `.svg`: drawn on the server by ECharts' own server-side renderer
//!   (`renderToSVGString()`) running in QuickJS (`rquickjs`), with no
//!   browser, V8 or network;
//! - `.png`: that SVG rasterised by `resvg` with bundled DejaVu fonts as
//!   `sans-serif`, so text renders the same on any machine.
//!
//! [`EchartsRenderer`] does the drawing on a thread of its own;
//! [`CachedRenderer`] keeps renderings keyed by their full specification.
//!
//! [`ChartSpec`]: crm_analytics::ChartSpec

mod assets;
mod cache;
mod engine;
mod html;
mod metrics;
mod option;
mod raster;
mod renderer;

pub use assets::{CHART_PAGE_JS, ECHARTS_JS, ECHARTS_VERSION};
pub use cache::CachedRenderer;
pub use html::{PageScripts, page as html_page};
pub use option::echarts_option;
pub use renderer::EchartsRenderer;
