//! Files the pages load, served by this server so that nothing comes from
//! a CDN: ECharts, the chart page script, the dashboard's script and style
//! (the table of them, and their hashed names, is `crate::http::links`).

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};

use crate::http::error::ApiError;
use crate::http::links::asset_at;

/// Registers the assets route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(asset);
}

/// An asset, cached for a year (its name changes with its content).
#[get("/assets/{file}")]
pub async fn asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let path = format!("/assets/{file}");
    let asset = asset_at(&path).ok_or_else(|| ApiError::not_found("No such file."))?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(asset.body))
}
