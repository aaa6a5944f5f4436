//! What `/api/interactions` answers.

use crm_interactions::{
    Attendee, Conflict, Interaction, InteractionKind, InteractionStatus, Scheduled,
};
use crm_kernel::{CustomerId, InteractionId, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::pagination::{ListBody, ListKey};

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

/// The answer to scheduling or changing, with `message`.
pub fn scheduled_body(
    message: &'static str,
    scheduled: Scheduled,
) -> Result<ScheduledBody, ApiError> {
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

impl ListKey for InteractionBody {
    const KEY: &'static str = "interactions";
    const SCHEMA: &'static str = "InteractionList";
    const DESCRIPTION: &'static str = "One page of interactions.";
    const ITEMS: &'static str = "The interactions.";
}

/// One page of interactions.
pub type InteractionList = ListBody<InteractionBody>;
