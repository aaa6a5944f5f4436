//! Calendars: one interaction as `.ics`, and each staff user's secret feed URL.

pub mod body;
pub mod request;

use actix_web::{HttpResponse, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crm_interactions::{Attendee, Interaction};
use crm_kernel::Clock;
use crm_kernel::InteractionId;
use rand::TryRngCore;
use sha2::{Digest, Sha256};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::ics::{CalendarEvent, Person, render};
use crate::state::AppState;
use body::CalendarFeedBody;
use request::FeedParams;

/// Registers the calendar routes. `interaction_ics` must come before
/// `/api/interactions/{interaction_id}`, which would take `….ics` for an id.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(interaction_ics)
        .service(calendar_feed)
        .service(rotate_calendar_feed);
}

/// The media type of calendars.
const TEXT_CALENDAR: &str = "text/calendar; charset=utf-8";

/// The stored form of a feed token: its SHA-256, base64url.
fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

async fn event(state: &AppState, interaction: Interaction) -> Result<CalendarEvent, ApiError> {
    let contacts = state.interactions.staff_contacts(&interaction).await?;
    let person = |id| {
        contacts.iter().find(|c| c.id == id).map(|c| Person {
            name: Some(c.name.clone()),
            email: c.email.clone(),
        })
    };
    let organizer = interaction.organizer_id.and_then(person);
    let attendees = interaction
        .attendees
        .iter()
        .filter_map(|attendee| match attendee {
            Attendee::Staff(id) => person(*id),
            Attendee::Email(email) => Some(Person {
                name: None,
                email: email.to_string(),
            }),
        })
        .collect();
    let first_line = interaction
        .description
        .as_str()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok(CalendarEvent {
        uid: format!("{}@crm", interaction.id),
        start: interaction.date_time,
        end: interaction.end_time,
        time_zone: interaction.time_zone,
        summary: format!("{}: {first_line}", capitalised(interaction.kind.as_str())),
        description: interaction.description.to_string(),
        location: interaction.location.map(|l| l.to_string()),
        url: interaction.meeting_url.map(|u| u.to_string()),
        status: interaction.status,
        organizer,
        attendees,
        created: interaction.created_at,
        last_modified: interaction.updated_at,
        sequence: interaction.version.get(),
    })
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
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
    let interaction = state.interactions.get(&caller.0, *id).await?;
    let name = format!("CRM {}", interaction.kind.as_str());
    let event = event(&state, interaction).await?;
    let now = crm_kernel::SystemClock.now();
    Ok(HttpResponse::Ok()
        .content_type(TEXT_CALENDAR)
        .body(render(&name, &[event], now)))
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
    let token = params
        .token
        .as_deref()
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .ok_or_else(|| ApiError::invalid_field("token", "is required"))?;
    let (_, interactions) = state.interactions.calendar_feed(&token_hash(token)).await?;
    let mut events = Vec::with_capacity(interactions.len());
    for interaction in interactions {
        events.push(event(&state, interaction).await?);
    }
    let now = crm_kernel::SystemClock.now();
    Ok(HttpResponse::Ok()
        .content_type(TEXT_CALENDAR)
        .body(render("CRM", &events, now)))
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
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::internal(&e))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    state
        .interactions
        .rotate_calendar_feed(&caller.0, &token_hash(&token))
        .await?;
    Ok(HttpResponse::Created().json(CalendarFeedBody {
        url: format!("{}/api/calendar.ics?token={token}", state.public_url),
        token,
    }))
}
