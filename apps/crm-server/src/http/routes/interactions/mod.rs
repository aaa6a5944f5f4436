//! `/api/interactions`: scheduling meetings, calls, tasks and notes with
//! customers; and a customer's history (`history.rs`).

pub mod body;
pub mod history;
pub mod request;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use crm_interactions::{InteractionPatch, NewInteraction};
use crm_kernel::{InteractionId, LongText, ValidationErrors};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::etag::{if_match, versioned};
use crate::http::json::ApiJson;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;
use body::{InteractionBody, InteractionList, ScheduledBody, scheduled_body};
use request::{CompleteRequest, ListInteractionsParams, ScheduleRequest, UpdateInteractionRequest};

/// Registers `/api/interactions` and the customer histories.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(schedule)
        .service(list_interactions)
        .service(get_interaction)
        .service(update_interaction)
        .service(complete_interaction)
        .service(cancel_interaction)
        .service(history::customer_interactions)
        .service(history::customer_timeline);
}

/// Schedule (or record) an interaction with a customer (staff).
///
/// Every interaction is linked to exactly one existing customer (404
/// otherwise). `date_time` takes RFC 3339 with any offset and is stored in
/// UTC with `time_zone` kept. One that starts in the past is recorded as
/// `completed`. With `repeat_weekly`, further weekly occurrences are created
/// at the same local time. The organizer's overlapping meetings and calls
/// are listed in `conflicts` (allowed, not refused).
#[utoipa::path(
    tag = "interactions",
    request_body = ScheduleRequest,
    responses((status = 201, description = "Scheduled", body = ScheduledBody,
        headers(("location" = String, description = "/api/interactions/{interaction_id}"))))
)]
#[post("/api/interactions")]
pub async fn schedule(
    caller: Caller,
    state: web::Data<AppState>,
    body: ApiJson<ScheduleRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = NewInteraction::try_from(body.0)?;
    let scheduled = state.interactions.schedule(&caller.0, new).await?;
    let body = scheduled_body("Interaction scheduled", scheduled)?;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((
            header::LOCATION,
            format!("/api/interactions/{}", body.interaction.interaction_id),
        ))
        .json(body))
}

/// List the interactions the caller may see.
#[utoipa::path(
    tag = "interactions",
    params(PageParams, ListInteractionsParams),
    responses((status = 200, description = "One page of interactions", body = InteractionList))
)]
#[get("/api/interactions")]
pub async fn list_interactions(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    params: web::Query<ListInteractionsParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let (query, scope) = params.query(&mut errors);
    let interactions: InteractionList =
        paginate(&state, &page, &scope, errors, |state, page| async move {
            state.interactions.list(&caller.0, &query, &page).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(interactions))
}

/// Get one interaction (customers: their own, never notes).
#[utoipa::path(
    tag = "interactions",
    responses((status = 200, description = "The interaction", body = InteractionBody, headers(("etag" = String, description = "Version"))))
)]
#[get("/api/interactions/{interaction_id}")]
pub async fn get_interaction(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<InteractionId>,
) -> Result<HttpResponse, ApiError> {
    let interaction = state.interactions.get(&caller.0, *id).await?;
    let version = interaction.version;
    Ok(versioned(
        &mut HttpResponse::Ok(),
        version,
        InteractionBody::from(interaction),
    ))
}

/// Change an interaction (staff; JSON merge patch).
///
/// With `If-Match`, a change based on an older version is refused (412);
/// without, it applies to the latest version.
#[utoipa::path(
    tag = "interactions",
    params(("if-match" = Option<String>, Header, description = "ETag of the version this change is based on")),
    request_body = UpdateInteractionRequest,
    responses(
        (status = 200, description = "The changed interaction and its conflicts", body = ScheduledBody, headers(("etag" = String, description = "Version"))),
        (status = 409, description = "A status change from a final status, or a concurrent change", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The interaction changed since the If-Match version", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/interactions/{interaction_id}")]
pub async fn update_interaction(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<InteractionId>,
    body: ApiJson<UpdateInteractionRequest>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let changes = InteractionPatch::try_from(body.0)?;
    let scheduled = state
        .interactions
        .update(&caller.0, *id, changes, expected)
        .await?;
    // One interaction changes: its version is the answer's ETag.
    let version = scheduled.interactions.first().map(|i| i.version);
    let body = scheduled_body("Interaction updated", scheduled)?;
    Ok(match version {
        Some(version) => versioned(&mut HttpResponse::Ok(), version, body),
        None => HttpResponse::Ok().json(body),
    })
}

/// Mark a scheduled interaction completed (staff).
///
/// Completing a cancelled or already completed interaction is 409.
#[utoipa::path(
    tag = "interactions",
    request_body = CompleteRequest,
    responses(
        (status = 200, description = "Completed", body = InteractionBody),
        (status = 409, description = "The interaction is not scheduled", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/interactions/{interaction_id}/complete")]
pub async fn complete_interaction(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<InteractionId>,
    body: ApiJson<CompleteRequest>,
) -> Result<HttpResponse, ApiError> {
    let outcome = body
        .0
        .outcome
        .as_deref()
        .map(LongText::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("outcome", e))?;
    let interaction = state.interactions.complete(&caller.0, *id, outcome).await?;
    Ok(HttpResponse::Ok().json(InteractionBody::from(interaction)))
}

/// Cancel a scheduled interaction (staff).
#[utoipa::path(
    tag = "interactions",
    responses(
        (status = 200, description = "Cancelled", body = InteractionBody),
        (status = 409, description = "The interaction is not scheduled", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/interactions/{interaction_id}/cancel")]
pub async fn cancel_interaction(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<InteractionId>,
) -> Result<HttpResponse, ApiError> {
    let interaction = state.interactions.cancel(&caller.0, *id).await?;
    Ok(HttpResponse::Ok().json(InteractionBody::from(interaction)))
}
