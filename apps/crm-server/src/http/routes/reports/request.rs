//! What the report routes read besides the report parameters
//! (`crm_analytics::ReportParams`).

use crm_analytics::chart::ChartSize;
use crm_analytics::{ChartName, MetricName, ReportQuery};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::error::ApiError;

/// A signed link's credential (see the API guide): send either these or a
/// bearer token. Every parameter of the link is covered by `sig`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkParams {
    /// The staff user who signed the link.
    pub by: Option<String>,
    /// When the link expires, in Unix seconds.
    pub exp: Option<String>,
    /// The signature.
    pub sig: Option<String>,
}

/// The size of a rendered chart.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SizeParams {
    /// Width in pixels (200–3000, default 800).
    #[param(minimum = 200, maximum = 3000)]
    pub width: Option<u32>,
    /// Height in pixels (200–3000, default 400).
    #[param(minimum = 200, maximum = 3000)]
    pub height: Option<u32>,
}

impl SizeParams {
    /// The chart size, or a 400 naming the bad side.
    pub fn size(&self) -> Result<ChartSize, ApiError> {
        let default = ChartSize::default();
        let width = self.width.unwrap_or(default.width());
        let height = self.height.unwrap_or(default.height());
        ChartSize::new(width, height).map_err(|e| {
            let field = if ChartSize::new(width, default.height()).is_err() {
                "width"
            } else {
                "height"
            };
            ApiError::invalid_field(field, e)
        })
    }

    /// The size as link parameters (only the sides given).
    pub fn pairs(&self) -> Vec<(String, String)> {
        [("width", self.width), ("height", self.height)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_string())))
            .collect()
    }
}

/// A chart named in a path, or 404.
pub fn chart_name(text: &str) -> Result<ChartName, ApiError> {
    ChartName::parse(text).ok_or_else(|| {
        ApiError::not_found(
            "No such chart: interactions-by-kind, conversion-funnel, ticket-backlog or email-engagement.",
        )
    })
}

/// A metric named in a path, or 404.
pub fn metric_name(text: &str) -> Result<MetricName, ApiError> {
    MetricName::parse(text).ok_or_else(|| {
        ApiError::not_found(
            "No such report: interactions, customers, conversion, funnel, tickets or email.",
        )
    })
}

/// The canonical parameters of `query` as link parameters.
pub fn query_pairs(query: &ReportQuery) -> Vec<(String, String)> {
    let params = query.to_params();
    [
        ("from", params.from),
        ("to", params.to),
        ("granularity", params.granularity),
        ("tz", params.tz),
        ("owner_id", params.owner_id),
        ("company_id", params.company_id),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
    .collect()
}
