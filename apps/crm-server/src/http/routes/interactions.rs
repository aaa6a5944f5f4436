//! `/api/interactions`: scheduling meetings, calls, tasks and notes with customers.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, patch, post, web};
use crm_interactions::{
    Attendee, Conflict, End, Interaction, InteractionKind, InteractionPatch, InteractionQuery,
    InteractionStatus, MeetingUrl, NewInteraction, Scheduled, TimeZone,
};
use crm_kernel::{
    CustomerId, EmailAddress, InteractionId, LongText, ShortText, SortDirection, Timestamp, UserId,
    ValidationErrors,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::fields::{flag, id, optional, timestamp};
use crate::http::json::ApiJson;
use crate::http::pagination;
use crate::http::patch::{clearable, nullable, required};
use crate::state::AppState;

/// A participant: a staff user (`user_id`) or anyone else (`email`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeeBody {
    /// A staff user.
    pub user_id: Option<UserId>,
    /// Anyone else, by email.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
}

impl From<&Attendee> for AttendeeBody {
    fn from(attendee: &Attendee) -> Self {
        match attendee {
            Attendee::Staff(id) => Self {
                user_id: Some(*id),
                email: None,
            },
            Attendee::Email(email) => Self {
                user_id: None,
                email: Some(email.to_string()),
            },
        }
    }
}

fn attendees(errors: &mut ValidationErrors, bodies: Vec<AttendeeBody>) -> Vec<Attendee> {
    let mut attendees = Vec::new();
    for (n, body) in bodies.into_iter().enumerate() {
        let field = format!("attendees[{n}]");
        match (body.user_id, body.email) {
            (Some(id), None) => attendees.push(Attendee::Staff(id)),
            (None, Some(email)) => {
                if let Some(email) = errors.check(&field, EmailAddress::parse(&email)) {
                    attendees.push(Attendee::Email(email));
                }
            }
            _ => errors.add(field, "must have either user_id or email"),
        }
    }
    if attendees.len() > 100 {
        errors.add("attendees", "must hold at most 100 participants");
    }
    attendees
}

/// An interaction as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InteractionBody {
    /// Its id.
    pub interaction_id: InteractionId,
    /// The customer.
    pub customer_id: CustomerId,
    /// `meeting`, `call`, `task`, `note` (staff-only) or `email`.
    pub kind: InteractionKind,
    /// Start, in UTC.
    pub date_time: Timestamp,
    /// End, in UTC.
    pub end_time: Option<Timestamp>,
    /// Length in minutes, when it has an end.
    pub duration_minutes: Option<u64>,
    /// IANA zone it was planned in.
    pub time_zone: String,
    /// The start in that zone, with its offset (`2026-03-25T09:00:00+01:00`).
    pub local_date_time: String,
    /// Where.
    pub location: Option<String>,
    /// Online meeting link.
    pub meeting_url: Option<String>,
    /// What it is about.
    pub description: String,
    /// What came of it.
    pub outcome: Option<String>,
    /// The organizing staff user.
    pub organizer_id: Option<UserId>,
    /// Other participants.
    pub attendees: Vec<AttendeeBody>,
    /// `scheduled`, `completed`, `cancelled` or `no_show`.
    pub status: InteractionStatus,
    /// When recorded.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// Revision.
    pub version: u64,
}

impl From<Interaction> for InteractionBody {
    fn from(interaction: Interaction) -> Self {
        Self {
            interaction_id: interaction.id,
            customer_id: interaction.customer_id,
            kind: interaction.kind,
            date_time: interaction.date_time,
            end_time: interaction.end_time,
            duration_minutes: interaction
                .end_time
                .map(|end| end.since(interaction.date_time).as_secs() / 60),
            time_zone: interaction.time_zone.name().to_owned(),
            local_date_time: interaction.time_zone.local_rfc3339(interaction.date_time),
            location: interaction.location.map(|l| l.to_string()),
            meeting_url: interaction.meeting_url.map(|u| u.to_string()),
            description: interaction.description.to_string(),
            outcome: interaction.outcome.map(|o| o.to_string()),
            organizer_id: interaction.organizer_id,
            attendees: interaction
                .attendees
                .iter()
                .map(AttendeeBody::from)
                .collect(),
            status: interaction.status,
            created_at: interaction.created_at,
            updated_at: interaction.updated_at,
            version: interaction.version.get(),
        }
    }
}

/// An overlap with another scheduled interaction of the same organizer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictBody {
    /// The new or changed interaction.
    pub interaction_id: InteractionId,
    /// The existing interaction it overlaps with.
    pub conflicting_id: InteractionId,
    /// The existing one's start.
    pub date_time: Timestamp,
    /// The existing one's end.
    pub end_time: Timestamp,
}

impl From<Conflict> for ConflictBody {
    fn from(conflict: Conflict) -> Self {
        Self {
            interaction_id: conflict.interaction_id,
            conflicting_id: conflict.conflicting_id,
            date_time: conflict.date_time,
            end_time: conflict.end_time,
        }
    }
}

/// The answer to scheduling or changing: the interaction, the weekly series
/// when one was created, and the organizer's overlapping interactions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledBody {
    /// `Interaction scheduled` or `Interaction updated`.
    #[schema(example = "Interaction scheduled")]
    pub message: &'static str,
    /// The (first) interaction.
    #[serde(flatten)]
    pub interaction: InteractionBody,
    /// Every interaction created (the first and its weekly repetitions).
    pub series: Vec<InteractionBody>,
    /// Overlaps with the organizer's other scheduled meetings and calls
    /// (allowed, reported).
    pub conflicts: Vec<ConflictBody>,
}

fn scheduled_body(message: &'static str, scheduled: Scheduled) -> Result<ScheduledBody, ApiError> {
    let series: Vec<InteractionBody> = scheduled
        .interactions
        .into_iter()
        .map(InteractionBody::from)
        .collect();
    let first = series.first().cloned().ok_or_else(|| {
        ApiError::internal(&crm_kernel::BackendError::msg("nothing was scheduled"))
    })?;
    Ok(ScheduledBody {
        message,
        interaction: first,
        series,
        conflicts: scheduled
            .conflicts
            .into_iter()
            .map(ConflictBody::from)
            .collect(),
    })
}

/// An interaction being scheduled or recorded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// The customer (must exist and be visible).
    pub customer_id: CustomerId,
    /// Start: RFC 3339 with any offset; stored in UTC.
    #[schema(format = DateTime, example = "2026-03-25T09:00:00+01:00")]
    pub date_time: String,
    /// What it is about.
    #[schema(min_length = 1, max_length = 10000)]
    pub description: String,
    /// Default `meeting`.
    pub kind: Option<InteractionKind>,
    /// End (RFC 3339); or give `duration_minutes`.
    #[schema(format = DateTime)]
    pub end_time: Option<String>,
    /// Length in minutes (1 to 10080).
    #[schema(minimum = 1, maximum = 10080)]
    pub duration_minutes: Option<u32>,
    /// IANA zone (default `UTC`); local times stay fixed across DST.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: Option<String>,
    /// Where.
    #[schema(max_length = 500)]
    pub location: Option<String>,
    /// Online meeting link (http or https).
    #[schema(max_length = 2000)]
    pub meeting_url: Option<String>,
    /// What came of it (for interactions recorded after the fact).
    #[schema(max_length = 10000)]
    pub outcome: Option<String>,
    /// The organizing staff user (default: the caller).
    pub organizer_id: Option<UserId>,
    /// Other participants.
    pub attendees: Option<Vec<AttendeeBody>>,
    /// Default `scheduled`, or `completed` for one that starts in the past.
    pub status: Option<InteractionStatus>,
    /// Further weekly occurrences at the same local time (0 to 52).
    #[schema(minimum = 0, maximum = 52)]
    pub repeat_weekly: Option<u32>,
}

fn date_time(errors: &mut ValidationErrors, field: &str, text: &str) -> Option<Timestamp> {
    errors.check(
        field,
        Timestamp::parse_rfc3339(text).map_err(
            |_| "must be an RFC 3339 date-time with an offset, such as 2026-03-25T09:00:00+01:00",
        ),
    )
}

fn end(errors: &mut ValidationErrors, end_time: Option<&str>, minutes: Option<u32>) -> Option<End> {
    match (end_time, minutes) {
        (Some(_), Some(_)) => {
            errors.add(
                "end_time",
                "give either end_time or duration_minutes, not both",
            );
            None
        }
        (Some(text), None) => date_time(errors, "end_time", text).map(End::At),
        (None, Some(minutes)) => Some(End::Minutes(minutes)),
        (None, None) => None,
    }
}

impl ScheduleRequest {
    fn parse(self) -> Result<NewInteraction, ApiError> {
        let mut errors = ValidationErrors::new();
        let start = date_time(&mut errors, "date_time", &self.date_time);
        let end = end(&mut errors, self.end_time.as_deref(), self.duration_minutes);
        let description = errors.check("description", LongText::parse(&self.description));
        let zone = optional(
            &mut errors,
            "time_zone",
            self.time_zone.as_deref(),
            TimeZone::parse,
        );
        let location = optional(
            &mut errors,
            "location",
            self.location.as_deref(),
            ShortText::parse,
        );
        let meeting_url = optional(
            &mut errors,
            "meeting_url",
            self.meeting_url.as_deref(),
            MeetingUrl::parse,
        );
        let outcome = optional(
            &mut errors,
            "outcome",
            self.outcome.as_deref(),
            LongText::parse,
        );
        let attendees = attendees(&mut errors, self.attendees.unwrap_or_default());
        match (start, description, zone, location, meeting_url, outcome) {
            (
                Some(date_time),
                Some(description),
                Some(time_zone),
                Some(location),
                Some(meeting_url),
                Some(outcome),
            ) if errors.is_empty() => Ok(NewInteraction {
                customer_id: self.customer_id,
                kind: self.kind,
                date_time,
                end,
                time_zone,
                location,
                meeting_url,
                description,
                outcome,
                organizer_id: self.organizer_id,
                attendees,
                status: self.status,
                repeat_weekly: self.repeat_weekly.unwrap_or(0),
            }),
            _ => Err(ApiError::validation(&errors)),
        }
    }
}

/// A change of an interaction (staff; JSON merge patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct UpdateInteractionRequest {
    /// New kind.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = InteractionKind)]
    pub kind: Option<Option<InteractionKind>>,
    /// New start (RFC 3339); the length is kept unless an end is given.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, format = DateTime)]
    pub date_time: Option<Option<String>>,
    /// New end, or `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub end_time: Option<Option<String>>,
    /// New length in minutes.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = u32, minimum = 1, maximum = 10080)]
    pub duration_minutes: Option<Option<u32>>,
    /// New IANA zone.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String)]
    pub time_zone: Option<Option<String>>,
    /// New location, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub location: Option<Option<String>>,
    /// New link, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub meeting_url: Option<Option<String>>,
    /// New description.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 10000)]
    pub description: Option<Option<String>>,
    /// New outcome, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub outcome: Option<Option<String>>,
    /// New organizer.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = UserId)]
    pub organizer_id: Option<Option<UserId>>,
    /// New participants.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<AttendeeBody>)]
    pub attendees: Option<Option<Vec<AttendeeBody>>>,
    /// New status (only from `scheduled`).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = InteractionStatus)]
    pub status: Option<Option<InteractionStatus>>,
}

impl UpdateInteractionRequest {
    fn parse(self) -> Result<InteractionPatch, ApiError> {
        let mut errors = ValidationErrors::new();
        let date_time = required(&mut errors, "date_time", self.date_time)
            .and_then(|text| date_time(&mut errors, "date_time", &text));
        let end = match (self.end_time, self.duration_minutes) {
            (None, None) => None,
            (Some(None), None) => Some(None),
            (end_time, minutes) => Some(end(
                &mut errors,
                end_time.flatten().as_deref(),
                minutes.flatten(),
            )),
        };
        let time_zone = required(&mut errors, "time_zone", self.time_zone)
            .and_then(|name| errors.check("time_zone", TimeZone::parse(&name)));
        let location = clearable(&mut errors, "location", self.location, |v: String| {
            ShortText::parse(&v)
        });
        let meeting_url = clearable(&mut errors, "meeting_url", self.meeting_url, |v: String| {
            MeetingUrl::parse(&v)
        });
        let description = required(&mut errors, "description", self.description)
            .and_then(|text| errors.check("description", LongText::parse(&text)));
        let outcome = clearable(&mut errors, "outcome", self.outcome, |v: String| {
            LongText::parse(&v)
        });
        let kind = required(&mut errors, "kind", self.kind);
        let organizer_id = required(&mut errors, "organizer_id", self.organizer_id);
        let status = required(&mut errors, "status", self.status);
        let attendees = required(&mut errors, "attendees", self.attendees)
            .map(|list| attendees(&mut errors, list));
        errors.into_result().map_err(|e| ApiError::validation(&e))?;
        Ok(InteractionPatch {
            kind,
            date_time,
            end,
            time_zone,
            location,
            meeting_url,
            description,
            outcome,
            organizer_id,
            attendees,
            status,
        })
    }
}

/// Filters and page of the interaction list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListInteractionsParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only this organizer's.
    #[param(value_type = Option<String>, format = Uuid)]
    pub organizer_id: Option<String>,
    /// Only this customer's.
    #[param(value_type = Option<String>, format = Uuid)]
    pub customer_id: Option<String>,
    /// Only this kind.
    #[param(value_type = Option<InteractionKind>)]
    pub kind: Option<String>,
    /// Only this status.
    #[param(value_type = Option<InteractionStatus>)]
    pub status: Option<String>,
    /// Starting at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Starting before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
    /// Only the caller's own (as organizer).
    #[param(value_type = Option<bool>)]
    pub mine: Option<String>,
    /// `date_time` (oldest first) or `-date_time` (newest first, the default).
    #[param(value_type = Option<String>, pattern = "^-?date_time$")]
    pub sort: Option<String>,
}

/// One page of interactions.
#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionList {
    /// The interactions.
    pub interactions: Vec<InteractionBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The sort direction of a `date_time` / `-date_time` parameter.
pub fn direction(errors: &mut ValidationErrors, sort: Option<&str>) -> SortDirection {
    match sort {
        None | Some("-date_time") => SortDirection::Desc,
        Some("date_time") => SortDirection::Asc,
        Some(_) => {
            errors.add("sort", "must be date_time or -date_time");
            SortDirection::Desc
        }
    }
}

/// Parses an interaction kind parameter.
pub fn kind(errors: &mut ValidationErrors, text: Option<&str>) -> Option<InteractionKind> {
    id(errors, "kind", text, |s| {
        InteractionKind::parse(s).ok_or("must be meeting, call, task, note or email")
    })
}

/// Parses an interaction status parameter.
pub fn status(errors: &mut ValidationErrors, text: Option<&str>) -> Option<InteractionStatus> {
    id(errors, "status", text, |s| {
        InteractionStatus::parse(s).ok_or("must be scheduled, completed, cancelled or no_show")
    })
}

/// The `{interaction_id}` path segment.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InteractionPath {
    /// The interaction's id.
    #[param(value_type = String, format = Uuid)]
    pub interaction_id: String,
}

impl InteractionPath {
    /// The id, or 400.
    pub fn id(&self) -> Result<InteractionId, ApiError> {
        InteractionId::parse(&self.interaction_id)
            .map_err(|_| ApiError::invalid_field("interaction_id", "is not a valid id"))
    }
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
    let new = body.0.parse()?;
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
    params(ListInteractionsParams),
    responses((status = 200, description = "One page of interactions", body = InteractionList))
)]
#[get("/api/interactions")]
pub async fn list_interactions(
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<ListInteractionsParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let mut errors = ValidationErrors::new();
    let mine = flag(&mut errors, "mine", params.mine.as_deref());
    let organizer_id = id(
        &mut errors,
        "organizer_id",
        params.organizer_id.as_deref(),
        UserId::parse,
    );
    let query = InteractionQuery {
        customer_id: id(
            &mut errors,
            "customer_id",
            params.customer_id.as_deref(),
            CustomerId::parse,
        ),
        organizer_id: if mine {
            caller.0.user_id().or(organizer_id)
        } else {
            organizer_id
        },
        kind: kind(&mut errors, params.kind.as_deref()),
        status: status(&mut errors, params.status.as_deref()),
        from: timestamp(&mut errors, "from", params.from.as_deref()),
        to: timestamp(&mut errors, "to", params.to.as_deref()),
        direction: direction(&mut errors, params.sort.as_deref()),
    };
    let scope = pagination::scope(
        "interactions",
        &(
            &params.organizer_id,
            &params.customer_id,
            &params.kind,
            &params.status,
            &params.from,
            &params.to,
            mine,
            &params.sort,
        ),
    );
    let page = pagination::page_request(
        &mut errors,
        &state.cursors,
        &scope,
        params.limit.as_deref(),
        params.cursor.as_deref(),
    );
    errors.into_result().map_err(|e| ApiError::validation(&e))?;
    let interactions = state.interactions.list(&caller.0, &query, &page).await?;
    let next_cursor = pagination::next_cursor(&state.cursors, &scope, &interactions);
    Ok(HttpResponse::Ok().json(InteractionList {
        interactions: interactions
            .items
            .into_iter()
            .map(InteractionBody::from)
            .collect(),
        next_cursor,
    }))
}

/// Get one interaction (customers: their own, never notes).
#[utoipa::path(
    tag = "interactions",
    params(InteractionPath),
    responses((status = 200, description = "The interaction", body = InteractionBody))
)]
#[get("/api/interactions/{interaction_id}")]
pub async fn get_interaction(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<InteractionPath>,
) -> Result<HttpResponse, ApiError> {
    let interaction = state.interactions.get(&caller.0, path.id()?).await?;
    Ok(HttpResponse::Ok().json(InteractionBody::from(interaction)))
}

/// Change an interaction (staff; JSON merge patch).
#[utoipa::path(
    tag = "interactions",
    params(InteractionPath),
    request_body = UpdateInteractionRequest,
    responses(
        (status = 200, description = "The changed interaction and its conflicts", body = ScheduledBody),
        (status = 409, description = "A status change from a final status, or a concurrent change", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/interactions/{interaction_id}")]
pub async fn update_interaction(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<InteractionPath>,
    body: ApiJson<UpdateInteractionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let changes = body.0.parse()?;
    let scheduled = state.interactions.update(&caller.0, id, changes).await?;
    Ok(HttpResponse::Ok().json(scheduled_body("Interaction updated", scheduled)?))
}

/// The outcome of a completed interaction.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// What came of it.
    #[schema(max_length = 10000)]
    pub outcome: Option<String>,
}

/// Mark a scheduled interaction completed (staff).
///
/// Completing a cancelled or already completed interaction is 409.
#[utoipa::path(
    tag = "interactions",
    params(InteractionPath),
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
    path: web::Path<InteractionPath>,
    body: ApiJson<CompleteRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let outcome = body
        .0
        .outcome
        .as_deref()
        .map(LongText::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("outcome", e))?;
    let interaction = state.interactions.complete(&caller.0, id, outcome).await?;
    Ok(HttpResponse::Ok().json(InteractionBody::from(interaction)))
}

/// Cancel a scheduled interaction (staff).
#[utoipa::path(
    tag = "interactions",
    params(InteractionPath),
    responses(
        (status = 200, description = "Cancelled", body = InteractionBody),
        (status = 409, description = "The interaction is not scheduled", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/interactions/{interaction_id}/cancel")]
pub async fn cancel_interaction(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<InteractionPath>,
) -> Result<HttpResponse, ApiError> {
    let interaction = state.interactions.cancel(&caller.0, path.id()?).await?;
    Ok(HttpResponse::Ok().json(InteractionBody::from(interaction)))
}
