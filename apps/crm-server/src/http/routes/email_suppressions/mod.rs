//! `/api/email-suppressions`: the addresses not written to (hard bounces
//! and opt-outs); admins see and lift entries.

pub mod body;

use actix_web::{HttpResponse, delete, get, web};
use crm_kernel::{EmailAddress, ValidationErrors};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;
use body::SuppressionList;

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

/// Which address to lift.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiftParams {
    /// The suppressed address (any case).
    #[param(example = "ann@example.com")]
    pub email: String,
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
    let address =
        EmailAddress::parse(&params.email).map_err(|e| ApiError::invalid_field("email", e))?;
    state.email.lift_suppression(&caller.0, &address).await?;
    Ok(HttpResponse::NoContent().finish())
}
