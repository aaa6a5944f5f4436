//! `/api/email-suppressions`: the addresses not written to (hard bounces
//! and opt-outs); admins see and lift entries.

pub mod body;
pub mod request;

use actix_web::{HttpResponse, delete, get, web};
use crm_kernel::ValidationErrors;

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;
use body::SuppressionList;
use request::LiftParams;

/// Registers `/api/email-suppressions…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_suppressions).service(lift_suppression);
}

/// The suppression list, newest first (admins).
#[utoipa::path(
    tag = "emails",
    params(PageParams),
    responses((status = 200, description = "One page of suppressed addresses", body = SuppressionList))
)]
#[get("/api/email-suppressions")]
pub async fn list_suppressions(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let list: SuppressionList = paginate(
        &state,
        &page,
        "email-suppressions",
        ValidationErrors::new(),
        |state, page| async move { state.email.suppressions(&caller.0, &page).await },
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Lift an address from the suppression list (admins): it may be written
/// to again.
#[utoipa::path(
    tag = "emails",
    params(LiftParams),
    responses((status = 204, description = "Lifted"))
)]
#[delete("/api/email-suppressions")]
pub async fn lift_suppression(
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<LiftParams>,
) -> Result<HttpResponse, ApiError> {
    let address = params.address()?;
    state.email.lift_suppression(&caller.0, &address).await?;
    Ok(HttpResponse::NoContent().finish())
}
