//! Reports: every figure (`GET /api/reports`, whose first three keys are
//! the original contract), one metric's series as JSON or CSV, and the
//! charts as SVG, PNG, ECharts JSON or an HTML page. Staff only (customers
//! get 403); agents get figures over the customers they may see. Every
//! route also accepts a signed link (`crate::http::signed`) instead of a
//! bearer token.

pub mod body;
pub mod csv;
pub mod request;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use crm_analytics::{ChartFormat, ChartName, MetricName, ReportParams};
use crm_kernel::{PrincipalId, UserId};

use crate::http::error::ApiError;
use crate::http::links::chart_path;
use crate::http::signed::ReportCaller;
use crate::state::AppState;
use body::{Binary, ChartLinks, MetricsBody, ReportBody, SeriesBody};
use request::{LinkParams, SizeParams, chart_name, metric_name, query_pairs};

/// Registers the report routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(report)
        .service(chart_svg)
        .service(chart_png)
        .service(chart_json)
        .service(chart_html)
        .service(series);
}

/// The staff user a report is for (reports are refused to anyone else first).
fn signer(caller: &ReportCaller) -> Result<UserId, ApiError> {
    match caller.principal.id {
        PrincipalId::User(id) => Ok(id),
        PrincipalId::Customer(_) => Err(ApiError::forbidden("Reports are for staff only.")),
    }
}

/// Every figure of the range, and signed links to its charts.
///
/// `from`/`to` take RFC 3339 dates (whole days in `tz`) or date-times;
/// the default range is the last 30 days. Periods without data are zeros.
#[utoipa::path(
    tag = "reports",
    params(ReportParams, LinkParams),
    responses((status = 200, description = "The report", body = ReportBody))
)]
#[get("/api/reports")]
pub async fn report(
    caller: ReportCaller,
    state: web::Data<AppState>,
    params: web::Query<ReportParams>,
) -> Result<web::Json<ReportBody>, ApiError> {
    let query = state.analytics.parse_query(&params)?;
    let report = state.analytics.report(&caller.principal, &query).await?;
    let by = signer(&caller)?;
    let now = chrono::Utc::now().timestamp();
    let pairs = query_pairs(&query);
    let link = |path: &str| {
        state.links.link(
            &state.public_url,
            path,
            &pairs,
            by,
            now,
            caller.link_expires,
        )
    };
    let charts = ChartName::ALL
        .iter()
        .map(|&c| {
            let format = |f| link(&chart_path(c, f));
            let links = ChartLinks {
                svg: format(ChartFormat::Svg),
                png: format(ChartFormat::Png),
                json: format(ChartFormat::Json),
                html: format(ChartFormat::Html),
            };
            (c.as_str().to_owned(), links)
        })
        .collect();
    let metrics = MetricsBody {
        chart: link(&chart_path(ChartName::InteractionsByKind, ChartFormat::Png)),
        dashboard: link("/dashboard"),
        charts,
    };
    Ok(web::Json(ReportBody {
        total_interactions: report.interactions.total.total,
        conversion_rate: report.lifecycle.conversion.total.rate,
        metrics,
        report,
    }))
}

/// One metric's series: a row per period. With `Accept: text/csv`, the same
/// table as CSV (`period,start,end,<columns>`).
#[utoipa::path(
    tag = "reports",
    params(
        ("name" = inline(MetricName), Path, description = "interactions, customers, conversion, funnel, tickets or email"),
        ReportParams, LinkParams
    ),
    responses((status = 200, description = "The series", content(
        (SeriesBody = "application/json"),
        (String = "text/csv")
    )))
)]
#[get("/api/reports/{name}")]
pub async fn series(
    req: HttpRequest,
    caller: ReportCaller,
    state: web::Data<AppState>,
    name: web::Path<String>,
    params: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let metric = metric_name(&name)?;
    let query = state.analytics.parse_query(&params)?;
    let series = state
        .analytics
        .series(&caller.principal, &query, metric)
        .await?;
    let wants_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"));
    if wants_csv {
        let bytes = csv::series_csv(&series).map_err(|e| ApiError::internal(&e))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{metric}.csv\""),
            ))
            .body(bytes));
    }
    Ok(HttpResponse::Ok().json(SeriesBody::from(series)))
}

async fn chart(
    caller: ReportCaller,
    state: web::Data<AppState>,
    name: &str,
    params: &ReportParams,
    size: &SizeParams,
    format: ChartFormat,
) -> Result<HttpResponse, ApiError> {
    let chart = chart_name(name)?;
    let size = size.size()?;
    let query = state.analytics.parse_query(params)?;
    let rendered = state
        .analytics
        .chart(&caller.principal, &query, chart, format, size)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(rendered.bytes))
}

/// A chart as SVG, drawn on the server by ECharts (no browser, no network).
#[utoipa::path(
    tag = "reports",
    params(
        ("name" = inline(ChartName), Path, description = "Which chart"),
        ReportParams, SizeParams, LinkParams
    ),
    responses((status = 200, description = "SVG image", body = String, content_type = "image/svg+xml"))
)]
#[get("/api/reports/charts/{name}.svg")]
pub async fn chart_svg(
    caller: ReportCaller,
    state: web::Data<AppState>,
    name: web::Path<String>,
    params: web::Query<ReportParams>,
    size: web::Query<SizeParams>,
) -> Result<HttpResponse, ApiError> {
    chart(caller, state, &name, &params, &size, ChartFormat::Svg).await
}

/// A chart as PNG (the SVG rasterised with bundled fonts). `metrics.chart`
/// of `GET /api/reports` is a signed link to this for the interactions chart.
#[utoipa::path(
    tag = "reports",
    params(
        ("name" = inline(ChartName), Path, description = "Which chart"),
        ReportParams, SizeParams, LinkParams
    ),
    responses((status = 200, description = "PNG image", body = Binary, content_type = "image/png"))
)]
#[get("/api/reports/charts/{name}.png")]
pub async fn chart_png(
    caller: ReportCaller,
    state: web::Data<AppState>,
    name: web::Path<String>,
    params: web::Query<ReportParams>,
    size: web::Query<SizeParams>,
) -> Result<HttpResponse, ApiError> {
    chart(caller, state, &name, &params, &size, ChartFormat::Png).await
}

/// A chart as its ECharts option (built with `charming`), for clients that draw it.
#[utoipa::path(
    tag = "reports",
    params(
        ("name" = inline(ChartName), Path, description = "Which chart"),
        ReportParams, SizeParams, LinkParams
    ),
    responses((status = 200, description = "ECharts option", body = Object))
)]
#[get("/api/reports/charts/{name}.json")]
pub async fn chart_json(
    caller: ReportCaller,
    state: web::Data<AppState>,
    name: web::Path<String>,
    params: web::Query<ReportParams>,
    size: web::Query<SizeParams>,
) -> Result<HttpResponse, ApiError> {
    chart(caller, state, &name, &params, &size, ChartFormat::Json).await
}

/// A chart as an HTML page that draws it with ECharts served by this
/// server (works offline; no inline script).
#[utoipa::path(
    tag = "reports",
    params(
        ("name" = inline(ChartName), Path, description = "Which chart"),
        ReportParams, SizeParams, LinkParams
    ),
    responses((status = 200, description = "HTML page", body = String, content_type = "text/html"))
)]
#[get("/api/reports/charts/{name}.html")]
pub async fn chart_html(
    caller: ReportCaller,
    state: web::Data<AppState>,
    name: web::Path<String>,
    params: web::Query<ReportParams>,
    size: web::Query<SizeParams>,
) -> Result<HttpResponse, ApiError> {
    chart(caller, state, &name, &params, &size, ChartFormat::Html).await
}
