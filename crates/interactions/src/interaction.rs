//! Interactions and what it takes to schedule and change them.

use std::fmt;

use crm_kernel::{
    CustomerId, EmailAddress, InteractionId, LongText, ShortText, Timestamp, UserId, Version,
};

use crate::attendees::Attendees;
use crate::kind::{InteractionKind, InteractionStatus};
use crate::zone::TimeZone;

/// A link to an online meeting: an absolute http(s) URL of at most 2 000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingUrl(String);

/// The text is not an http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be an http:// or https:// URL of at most 2000 characters")]
pub struct NotAUrl;

impl MeetingUrl {
    /// Parses and normalises a URL.
    pub fn parse(text: &str) -> Result<Self, NotAUrl> {
        let trimmed = text.trim();
        if trimmed.chars().count() > 2000 {
            return Err(NotAUrl);
        }
        let url = url::Url::parse(trimmed).map_err(|_| NotAUrl)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(NotAUrl);
        }
        Ok(Self(url.to_string()))
    }

    /// The URL.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MeetingUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Someone taking part besides the organizer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Attendee {
    /// A staff user.
    Staff(UserId),
    /// Anyone else, by email.
    Email(EmailAddress),
}

/// The longest an interaction may last, in minutes: a week. The service
/// refuses a longer one (and a change keeps an interaction's length unless it
/// gives a new end, which is checked the same way), so no stored interaction
/// ends more than this after it starts. A store may therefore look for the
/// interactions that overlap `[start, end)` among those starting after
/// `start` less this length only, a bounded range of an index on the start.
pub const MAX_LENGTH_MINUTES: u32 = 7 * 24 * 60;

/// [`MAX_LENGTH_MINUTES`] as a duration.
pub const MAX_LENGTH: std::time::Duration =
    std::time::Duration::from_secs(MAX_LENGTH_MINUTES as u64 * 60);

/// A scheduled or recorded interaction with a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interaction {
    /// Its id.
    pub id: InteractionId,
    /// The customer it is with (every interaction has exactly one).
    pub customer_id: CustomerId,
    /// Meeting, call, task, note or email.
    pub kind: InteractionKind,
    /// When it starts (UTC).
    pub date_time: Timestamp,
    /// When it ends (UTC), if it has a length.
    pub end_time: Option<Timestamp>,
    /// The zone it was planned in; its local times stay fixed across DST.
    pub time_zone: TimeZone,
    /// Where.
    pub location: Option<ShortText>,
    /// Online meeting link.
    pub meeting_url: Option<MeetingUrl>,
    /// What it is about.
    pub description: LongText,
    /// What came of it.
    pub outcome: Option<LongText>,
    /// The staff user who organises it.
    pub organizer_id: Option<UserId>,
    /// Other participants.
    pub attendees: Vec<Attendee>,
    /// Where it stands.
    pub status: InteractionStatus,
    /// When recorded.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// Revision, raised by every change.
    pub version: Version,
}

impl Interaction {
    /// When it ends, or when it starts for interactions without a length.
    #[must_use]
    pub fn end(&self) -> Timestamp {
        self.end_time.unwrap_or(self.date_time)
    }

    /// Whether the two overlap in time (touching ends do not overlap).
    #[must_use]
    pub fn overlaps(&self, start: Timestamp, end: Timestamp) -> bool {
        self.date_time < end && start < self.end()
    }
}

/// How long an interaction lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Until this instant.
    At(Timestamp),
    /// For this many minutes.
    Minutes(u32),
}

/// An interaction being scheduled or recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    /// The customer (required; must exist and be visible to the caller).
    pub customer_id: CustomerId,
    /// Default `meeting`.
    pub kind: Option<InteractionKind>,
    /// Start.
    pub date_time: Timestamp,
    /// End or length.
    pub end: Option<End>,
    /// Default UTC.
    pub time_zone: Option<TimeZone>,
    /// Where.
    pub location: Option<ShortText>,
    /// Online meeting link.
    pub meeting_url: Option<MeetingUrl>,
    /// What it is about.
    pub description: LongText,
    /// What came of it (for interactions recorded after the fact).
    pub outcome: Option<LongText>,
    /// The organizer; default the staff user scheduling it.
    pub organizer_id: Option<UserId>,
    /// Other participants.
    pub attendees: Attendees,
    /// Default: `scheduled`, or `completed` when it starts in the past.
    pub status: Option<InteractionStatus>,
    /// How many more weekly occurrences to create (0 to 52), at the same
    /// local time in `time_zone`.
    pub repeat_weekly: u32,
}

/// A change of an interaction (merge patch): `None` keeps a field,
/// `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct InteractionPatch {
    /// New kind.
    pub kind: Option<InteractionKind>,
    /// New start.
    pub date_time: Option<Timestamp>,
    /// New end, length, or `Some(None)` for none.
    pub end: Option<Option<End>>,
    /// New zone.
    pub time_zone: Option<TimeZone>,
    /// New or cleared location.
    pub location: Option<Option<ShortText>>,
    /// New or cleared link.
    pub meeting_url: Option<Option<MeetingUrl>>,
    /// New description.
    pub description: Option<LongText>,
    /// New or cleared outcome.
    pub outcome: Option<Option<LongText>>,
    /// New organizer.
    pub organizer_id: Option<UserId>,
    /// New participants.
    pub attendees: Option<Attendees>,
    /// New status (through the rules: only a scheduled interaction moves, and only once).
    pub status: Option<InteractionStatus>,
}

/// Another scheduled interaction of the same organizer at an overlapping time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The new interaction that overlaps.
    pub interaction_id: InteractionId,
    /// The existing one it overlaps with.
    pub conflicting_id: InteractionId,
    /// Its start.
    pub date_time: Timestamp,
    /// Its end.
    pub end_time: Timestamp,
}

/// The outcome of scheduling: the interactions created (one, or the series)
/// and the organizer's overlapping interactions (reported, not refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    /// What was created, in order.
    pub interactions: Vec<Interaction>,
    /// Overlaps with the organizer's other scheduled meetings and calls.
    pub conflicts: Vec<Conflict>,
}
