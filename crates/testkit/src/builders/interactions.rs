//! Builders of valid interactions.

use std::time::Duration;

use crm_interactions::{
    Attendee, Interaction, InteractionKind, InteractionStatus, MeetingUrl, TimeZone,
};
use crm_kernel::{CustomerId, InteractionId, Timestamp, Version};

use super::{long_text, now, short_text, unique_email};

/// Parses an IANA time zone literal.
#[must_use]
pub fn time_zone(name: &str) -> TimeZone {
    TimeZone::parse(name).unwrap_or_else(|error| panic!("test time zone {name:?}: {error}"))
}

/// Parses a meeting URL literal.
#[must_use]
pub fn meeting_url(text: &str) -> MeetingUrl {
    MeetingUrl::parse(text).unwrap_or_else(|error| panic!("test meeting URL {text:?}: {error}"))
}

/// A valid interaction with `customer` (which must exist in a store), as a
/// service schedules it: a scheduled meeting starting a day from now for an
/// hour, planned in `Europe/Berlin`, with a location, a link, a two-line
/// description and one outside attendee (a unique email), no organizer
/// (set one when the test has created the staff user) and no outcome, at
/// version 1, created and updated now.
#[must_use]
pub fn interaction(customer: CustomerId) -> Interaction {
    let created_at = now();
    let date_time = created_at.plus(Duration::from_hours(24));
    Interaction {
        id: InteractionId::new(),
        customer_id: customer,
        kind: InteractionKind::Meeting,
        date_time,
        end_time: Some(date_time.plus(Duration::from_hours(1))),
        time_zone: time_zone("Europe/Berlin"),
        location: Some(short_text("Room 4, Main Street 1")),
        meeting_url: Some(meeting_url("https://meet.example.com/crm-review")),
        description: long_text("Quarterly review.\nBring the figures."),
        outcome: None,
        organizer_id: None,
        attendees: vec![Attendee::Email(unique_email("guest"))],
        status: InteractionStatus::Scheduled,
        created_at,
        updated_at: created_at,
        version: Version::FIRST,
    }
}

/// A valid [`interaction`] of `customer` of this kind and status, starting
/// at `start` and lasting `minutes` (none for 0).
#[must_use]
pub fn interaction_at(
    customer: CustomerId,
    kind: InteractionKind,
    status: InteractionStatus,
    start: Timestamp,
    minutes: u64,
) -> Interaction {
    Interaction {
        kind,
        status,
        date_time: start,
        end_time: (minutes > 0).then(|| start.plus(Duration::from_mins(minutes))),
        ..interaction(customer)
    }
}

/// `interaction` as the next revision would store it: the same record at
/// the next version, updated a minute later.
#[must_use]
pub fn next_revision(interaction: &Interaction) -> Interaction {
    Interaction {
        updated_at: interaction.updated_at.plus(Duration::from_mins(1)),
        version: interaction.version.next(),
        ..interaction.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builders::at_minute;

    #[test]
    fn interaction_builders_are_valid() {
        let customer = CustomerId::new();
        let (a, b) = (interaction(customer), interaction(customer));
        assert_ne!(a.id, b.id);
        assert_ne!(a.attendees, b.attendees, "unique guest emails");
        assert!(a.end() > a.date_time);
        assert_eq!(a.time_zone.name(), "Europe/Berlin");
        let call = interaction_at(
            customer,
            InteractionKind::Call,
            InteractionStatus::Completed,
            at_minute(5),
            0,
        );
        assert_eq!((call.date_time, call.end_time), (at_minute(5), None));
        let next = next_revision(&call);
        assert_eq!(next.version, call.version.next());
        assert!(next.updated_at > call.updated_at);
        assert_eq!(
            meeting_url("https://x.example.com").as_str(),
            "https://x.example.com/"
        );
    }
}
