//! `GET /dashboard`: a page that shows every report chart for a chosen
//! range and granularity. Its script (`assets/dashboard/dashboard.js`)
//! signs in with an access token pasted into the page or with email and
//! password through the API, then draws the charts with ECharts from this
//! server. Opened from a signed link (`metrics.dashboard` of a report), it
//! shows that link's range without signing in: the page then carries signed
//! links to the report and its charts, expiring with the link.

mod page;

use actix_web::{HttpRequest, HttpResponse, get, web};
use crm_analytics::{ChartFormat, ChartName, ReportParams};

use crate::http::error::ApiError;
use crate::http::links::chart_path;
use crate::http::signed::is_signed;
use crate::state::AppState;

/// Registers the dashboard route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(dashboard);
}

/// The dashboard page (HTML; not part of the API document).
#[get("/dashboard")]
pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let signed = if is_signed(&req) {
        let now = chrono::Utc::now().timestamp();
        let (by, expires) = state
            .links
            .verify(req.path(), req.query_string(), now)
            .map_err(|e| ApiError::unauthenticated(e.to_string()))?;
        let pairs: Vec<(String, String)> = [
            ("from", &params.from),
            ("to", &params.to),
            ("granularity", &params.granularity),
            ("tz", &params.tz),
            ("owner_id", &params.owner_id),
            ("company_id", &params.company_id),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
        .collect();
        let link = |path: &str| state.links.link("", path, &pairs, by, now, Some(expires));
        let charts = ChartName::ALL
            .iter()
            .map(|c| (c.as_str(), link(&chart_path(*c, ChartFormat::Json))))
            .collect();
        Some(page::Signed {
            report: link("/api/reports"),
            charts,
        })
    } else {
        None
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page::html(signed.as_ref())))
}
