//! `/health/*` and `/metrics`: for orchestrators and monitoring.

pub mod body;

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};

use crate::state::AppState;
use body::HealthBody;

/// Registers `/health/live`, `/health/ready` and `/metrics`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(live).service(ready).service(metrics);
}

/// The process is running.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "Alive", body = HealthBody)),
    security(())
)]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthBody {
        status: "ok".into(),
        checks: BTreeMap::new(),
    })
}

/// The store answers and every migration is applied.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = HealthBody),
        (status = 503, description = "Not ready; `checks` says which check failed", body = HealthBody),
    ),
    security(())
)]
#[get("/health/ready")]
pub async fn ready(
    state: web::Data<AppState>,
    drain: Option<web::Data<crate::http::drain::Drain>>,
) -> HttpResponse {
    let mut checks = BTreeMap::new();
    let stopping = drain.is_some_and(|drain| drain.is_draining());
    checks.insert(
        "server".to_owned(),
        if stopping { "stopping" } else { "ok" }.to_owned(),
    );
    let ok = !stopping
        && match state.store.ready().await {
            Ok(()) => {
                checks.insert("store".to_owned(), "ok".to_owned());
                true
            }
            Err(error) => {
                tracing::warn!(%error, "readiness check failed");
                checks.insert("store".to_owned(), error.to_string());
                false
            }
        };
    if ok {
        HttpResponse::Ok().json(HealthBody {
            status: "ready".into(),
            checks,
        })
    } else {
        HttpResponse::ServiceUnavailable().json(HealthBody {
            status: "unavailable".into(),
            checks,
        })
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "Metrics", body = String, content_type = "text/plain")),
    security(())
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
