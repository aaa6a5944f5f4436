//! Calendars: one interaction as `.ics`, and each staff user's secret feed URL.

pub mod body;
pub mod request;

use actix_web::{HttpResponse, get, post, web};
use crm_kernel::InteractionId;

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::state::AppState;
use body::{CalendarFeedBody, TEXT_CALENDAR, ics};
use request::FeedParams;

/// Registers the calendar routes. `interaction_ics` must come before
/// `/api/interactions/{interaction_id}`, which would take `….ics` for an id.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(interaction_ics)
        .service(calendar_feed)
        .service(rotate_calendar_feed);
}

/// One interaction as an iCalendar file (one VEVENT with organizer,
/// attendees, time zone and status).
#[utoipa::path(
    tag = "interactions",
    responses((status = 200, description = "RFC 5545 calendar", body = String, content_type = "text/calendar"))
)]
#[get("/api/interactions/{interaction_id}.ics")]
pub async fn interaction_ics(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<InteractionId>,
) -> Result<HttpResponse, ApiError> {
    let calendar = state
        .interactions
        .interaction_calendar(&caller.0, *id)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(TEXT_CALENDAR)
        .body(ics(calendar)))
}

/// A staff user's calendar feed, for calendar apps to subscribe to.
///
/// Authenticated by the secret token in the URL (calendar apps send no
/// bearer header): the interactions the user organises or attends, from 30
/// days ago to a year ahead. An unknown or rotated token is 404.
#[utoipa::path(
    tag = "interactions",
    params(FeedParams),
    responses(
        (status = 200, description = "RFC 5545 calendar", body = String, content_type = "text/calendar"),
        (status = 404, description = "Unknown token", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/api/calendar.ics")]
pub async fn calendar_feed(
    state: web::Data<AppState>,
    params: web::Query<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let token = params.token()?;
    let calendar = state.interactions.calendar_feed(&token).await?;
    Ok(HttpResponse::Ok()
        .content_type(TEXT_CALENDAR)
        .body(ics(calendar)))
}

/// Create or rotate the caller's calendar feed URL (staff).
///
/// The previous URL stops working.
#[utoipa::path(
    tag = "interactions",
    responses((status = 201, description = "The new feed URL", body = CalendarFeedBody))
)]
#[post("/api/me/calendar-feed")]
pub async fn rotate_calendar_feed(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = state.interactions.rotate_calendar_feed(&caller.0).await?;
    let token = token.expose();
    Ok(HttpResponse::Created().json(CalendarFeedBody {
        url: format!("{}/api/calendar.ics?token={token}", state.public_url),
        token: token.to_owned(),
    }))
}
