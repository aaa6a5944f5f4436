//! What `/api/interactions` accepts, and its parsing into the interactions context's input.

use crm_interactions::{
    Attendee, Attendees, End, InteractionKind, InteractionPatch, InteractionQuery,
    InteractionStatus, MeetingUrl, NewInteraction, TimeZone, parse_order,
};
use crm_kernel::{
    CustomerId, EmailAddress, LongText, ShortText, SortDirection, Timestamp, UserId,
    ValidationErrors,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::body::AttendeeBody;
use crate::http::fields::{flag, id, optional, timestamp};
use crate::http::pagination::scope;
use crate::http::patch::{clearable, nullable, required};

/// The participants of a request, recording invalid ones (each entry,
/// and too many of them against `attendees`).
fn attendees(errors: &mut ValidationErrors, bodies: Vec<AttendeeBody>) -> Option<Attendees> {
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
    errors.check("attendees", Attendees::parse(attendees))
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

impl TryFrom<ScheduleRequest> for NewInteraction {
    type Error = ValidationErrors;

    fn try_from(request: ScheduleRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let start = date_time(&mut errors, "date_time", &request.date_time);
        let end = end(
            &mut errors,
            request.end_time.as_deref(),
            request.duration_minutes,
        );
        let description = errors.check("description", LongText::parse(&request.description));
        let zone = optional(
            &mut errors,
            "time_zone",
            request.time_zone.as_deref(),
            TimeZone::parse,
        );
        let location = optional(
            &mut errors,
            "location",
            request.location.as_deref(),
            ShortText::parse,
        );
        let meeting_url = optional(
            &mut errors,
            "meeting_url",
            request.meeting_url.as_deref(),
            MeetingUrl::parse,
        );
        let outcome = optional(
            &mut errors,
            "outcome",
            request.outcome.as_deref(),
            LongText::parse,
        );
        let attendees = attendees(&mut errors, request.attendees.unwrap_or_default());
        match (
            start,
            description,
            zone,
            location,
            meeting_url,
            outcome,
            attendees,
        ) {
            (
                Some(date_time),
                Some(description),
                Some(time_zone),
                Some(location),
                Some(meeting_url),
                Some(outcome),
                Some(attendees),
            ) if errors.is_empty() => Ok(Self {
                customer_id: request.customer_id,
                kind: request.kind,
                date_time,
                end,
                time_zone,
                location,
                meeting_url,
                description,
                outcome,
                organizer_id: request.organizer_id,
                attendees,
                status: request.status,
                repeat_weekly: request.repeat_weekly.unwrap_or(0),
            }),
            _ => Err(errors),
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

impl TryFrom<UpdateInteractionRequest> for InteractionPatch {
    type Error = ValidationErrors;

    fn try_from(request: UpdateInteractionRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let date_time = required(&mut errors, "date_time", request.date_time)
            .and_then(|text| date_time(&mut errors, "date_time", &text));
        let end = match (request.end_time, request.duration_minutes) {
            (None, None) => None,
            (Some(None), None) => Some(None),
            (end_time, minutes) => Some(end(
                &mut errors,
                end_time.flatten().as_deref(),
                minutes.flatten(),
            )),
        };
        let time_zone = required(&mut errors, "time_zone", request.time_zone)
            .and_then(|name| errors.check("time_zone", TimeZone::parse(&name)));
        let location = clearable(&mut errors, "location", request.location, |v: String| {
            ShortText::parse(&v)
        });
        let meeting_url = clearable(
            &mut errors,
            "meeting_url",
            request.meeting_url,
            |v: String| MeetingUrl::parse(&v),
        );
        let description = required(&mut errors, "description", request.description)
            .and_then(|text| errors.check("description", LongText::parse(&text)));
        let outcome = clearable(&mut errors, "outcome", request.outcome, |v: String| {
            LongText::parse(&v)
        });
        let kind = required(&mut errors, "kind", request.kind);
        let organizer_id = required(&mut errors, "organizer_id", request.organizer_id);
        let status = required(&mut errors, "status", request.status);
        let attendees = required(&mut errors, "attendees", request.attendees)
            .and_then(|list| attendees(&mut errors, list));
        errors.into_result()?;
        Ok(Self {
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

/// Filters and sort of the interaction list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListInteractionsParams {
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

impl ListInteractionsParams {
    /// The query these parameters describe (the service decides what
    /// `mine` means for the caller), recording invalid ones; and the scope
    /// cursors of this list are bound to.
    pub fn query(&self, errors: &mut ValidationErrors) -> (InteractionQuery, String) {
        let mine = flag(errors, "mine", self.mine.as_deref());
        let organizer_id = id(
            errors,
            "organizer_id",
            self.organizer_id.as_deref(),
            UserId::parse,
        );
        let query = InteractionQuery {
            customer_id: id(
                errors,
                "customer_id",
                self.customer_id.as_deref(),
                CustomerId::parse,
            ),
            organizer_id,
            kind: kind(errors, self.kind.as_deref()),
            status: status(errors, self.status.as_deref()),
            from: timestamp(errors, "from", self.from.as_deref()),
            to: timestamp(errors, "to", self.to.as_deref()),
            direction: direction(errors, self.sort.as_deref()),
            mine,
        };
        let scope = scope(
            "interactions",
            &(
                &self.organizer_id,
                &self.customer_id,
                &self.kind,
                &self.status,
                &self.from,
                &self.to,
                mine,
                &self.sort,
            ),
        );
        (query, scope)
    }
}

/// The sort direction of a `date_time` / `-date_time` parameter
/// (newest first when invalid; the error is recorded against `sort`).
pub fn direction(errors: &mut ValidationErrors, sort: Option<&str>) -> SortDirection {
    errors
        .check("sort", parse_order(sort))
        .unwrap_or(SortDirection::Desc)
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

/// The outcome of a completed interaction.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// What came of it.
    #[schema(max_length = 10000)]
    pub outcome: Option<String>,
}
