//! Paths one page links to another by, shared by the routes that serve
//! them and the pages and reports that link to them: the hashed names of
//! the files under `/assets/` (ECharts, the chart page script, the
//! dashboard's script and style) and the paths of the report charts.
//!
//! Each asset is served under a name holding a hash of its content
//! (`/assets/dashboard.1a2b3c4d.js`), so it can be cached for a year: a
//! changed file gets a new name.

use std::fmt::Write as _;
use std::sync::LazyLock;

use crm_analytics::{ChartFormat, ChartName};
use sha2::{Digest, Sha256};

/// One served file.
#[derive(Debug)]
pub struct Asset {
    /// Its name without the hash (`dashboard.js`).
    pub name: &'static str,
    /// Its path with the hash (`/assets/dashboard.1a2b3c4d.js`).
    pub path: String,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static str,
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        ("echarts.min.js", JAVASCRIPT, crm_charts::ECHARTS_JS),
        ("crm-chart.js", JAVASCRIPT, crm_charts::CHART_PAGE_JS),
        (
            "dashboard.js",
            JAVASCRIPT,
            include_str!("../../assets/dashboard/dashboard.js"),
        ),
        (
            "dashboard.css",
            "text/css; charset=utf-8",
            include_str!("../../assets/dashboard/dashboard.css"),
        ),
    ]
    .into_iter()
    .map(|(name, content_type, body)| {
        let digest = Sha256::digest(body.as_bytes());
        let hash = digest[..4].iter().fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        });
        let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
        Asset {
            name,
            path: format!("/assets/{stem}.{hash}.{extension}"),
            content_type,
            body,
        }
    })
    .collect()
});

/// The path an asset is served at (`/assets/<stem>.<hash>.<ext>`).
#[must_use]
pub fn asset_path(name: &str) -> String {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map_or_else(|| format!("/assets/{name}"), |a| a.path.clone())
}

/// The asset served at `path` (`/assets/<stem>.<hash>.<ext>`), if any.
#[must_use]
pub fn asset_at(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// The path of a report chart in a format.
#[must_use]
pub fn chart_path(chart: ChartName, format: ChartFormat) -> String {
    format!("/api/reports/charts/{chart}.{}", format.extension())
}
