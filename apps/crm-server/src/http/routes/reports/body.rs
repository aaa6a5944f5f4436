//! What the report routes answer.

use std::collections::BTreeMap;

use crm_analytics::series::MetricSeries;
use crm_analytics::{MetricName, Rate, Report};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// `GET /api/reports`: the original contract's three keys, then every
/// figure of the report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportBody {
    /// Interactions of customers in scope that start in the range, of every
    /// kind and status (`interactions.total.total`).
    pub total_interactions: u64,
    /// Of the customers who were a lead at some time in the range, the share
    /// that became a customer within it (`lifecycle.conversion.total.rate`),
    /// from the recorded status history.
    pub conversion_rate: Rate,
    /// Links to the report's charts.
    pub metrics: MetricsBody,
    /// Every figure, over the range and per period.
    #[serde(flatten)]
    pub report: Report,
}

/// Signed links for the same parameters; each works without a bearer token
/// until its `exp` (an hour).
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsBody {
    /// The PNG of the interactions chart (`interactions-by-kind`), absolute
    /// on `CRM_PUBLIC_URL`, for an `<img>` tag.
    pub chart: String,
    /// The dashboard page showing every chart.
    pub dashboard: String,
    /// Every chart in every format, by chart name.
    pub charts: BTreeMap<String, ChartLinks>,
}

/// Signed links to one chart in each format.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChartLinks {
    /// SVG image.
    pub svg: String,
    /// PNG image.
    pub png: String,
    /// ECharts option.
    pub json: String,
    /// HTML page.
    pub html: String,
}

/// `GET /api/reports/{name}` as JSON: the metric's columns and a row per period.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesBody {
    /// Which metric.
    pub metric: MetricName,
    /// The value columns, in order (each row also has `period`, `start`, `end`).
    pub columns: Vec<String>,
    /// One object per period: `period`, `start`, `end`, then a value per
    /// column (a count, a rate such as `"12.5%"`, or a number that may be `null`).
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Value>,
}

impl From<MetricSeries> for SeriesBody {
    fn from(series: MetricSeries) -> Self {
        Self {
            metric: series.metric,
            columns: series.columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: series
                .rows
                .iter()
                .map(|row| serde_json::to_value(row).unwrap_or_default())
                .collect(),
        }
    }
}

/// A binary file (a PNG image), for the document.
#[derive(Debug)]
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}
