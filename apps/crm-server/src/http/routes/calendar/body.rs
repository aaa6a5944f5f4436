//! What the calendar routes answer: a feed URL in JSON, and calendars as
//! iCalendar text written by `crm-ical`.

use crm_ical::{Calendar, Event, EventStatus, Person};
use crm_interactions::{CalendarEntry, CalendarView, InteractionStatus, Participant};
use serde::Serialize;
use utoipa::ToSchema;

/// A new calendar feed URL.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeedBody {
    /// Subscribe to this URL in a calendar app. Keep it secret.
    pub url: String,
    /// The token inside the URL.
    pub token: String,
}

/// The media type of calendars.
pub const TEXT_CALENDAR: &str = "text/calendar; charset=utf-8";

/// The product writing the calendars (`PRODID`).
const PRODUCT_ID: &str = concat!("-//CRM//crm-server ", env!("CARGO_PKG_VERSION"), "//EN");

/// The calendar as RFC 5545 text, stamped with the time the view was made.
#[must_use]
pub fn ics(view: CalendarView) -> String {
    let stamp = view.now.as_datetime();
    Calendar {
        product_id: PRODUCT_ID.to_owned(),
        name: view.name,
        events: view.entries.into_iter().map(event).collect(),
    }
    .render(stamp)
}

/// One interaction as an event: uid `<id>@crm`, summary `Kind: first line
/// of the description`, the record's dates and version.
fn event(entry: CalendarEntry) -> Event {
    let CalendarEntry {
        interaction,
        organizer,
        attendees,
    } = entry;
    let first_line = interaction
        .description
        .as_str()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    Event {
        end: interaction.end_time.map(|end| end.as_datetime()),
        summary: format!("{}: {first_line}", capitalised(interaction.kind.as_str())),
        description: interaction.description.to_string(),
        location: interaction.location.map(|l| l.to_string()),
        url: interaction.meeting_url.map(|u| u.to_string()),
        status: status(interaction.status),
        organizer: organizer.map(person),
        attendees: attendees.into_iter().map(person).collect(),
        created: Some(interaction.created_at.as_datetime()),
        last_modified: Some(interaction.updated_at.as_datetime()),
        sequence: interaction.version.get(),
        ..Event::new(
            format!("{}@crm", interaction.id),
            interaction.date_time.as_datetime(),
            interaction.time_zone.tz(),
        )
    }
}

/// Scheduled and completed interactions happen (or happened); cancelled
/// and missed ones do not.
fn status(status: InteractionStatus) -> EventStatus {
    match status {
        InteractionStatus::Scheduled | InteractionStatus::Completed => EventStatus::Confirmed,
        InteractionStatus::Cancelled | InteractionStatus::NoShow => EventStatus::Cancelled,
    }
}

fn person(participant: Participant) -> Person {
    Person {
        name: participant.name,
        email: participant.email,
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crm_interactions::{Interaction, InteractionKind, TimeZone};
    use crm_kernel::{CustomerId, InteractionId, LongText, Timestamp, Version};
    use icalendar::parser::{Component, read_calendar, unfold};

    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn entry(kind: InteractionKind, status: InteractionStatus) -> CalendarEntry {
        CalendarEntry {
            interaction: Interaction {
                id: InteractionId::new(),
                customer_id: CustomerId::new(),
                kind,
                date_time: at("2026-03-25T08:00:00Z"),
                end_time: Some(at("2026-03-25T09:00:00Z")),
                time_zone: TimeZone::parse("Europe/Berlin").unwrap(),
                location: None,
                meeting_url: None,
                description: LongText::parse("Quarterly review\nBring the figures").unwrap(),
                outcome: None,
                organizer_id: None,
                attendees: Vec::new(),
                status,
                created_at: at("2026-03-01T08:00:00Z"),
                updated_at: at("2026-03-02T08:00:00Z"),
                version: Version::FIRST,
            },
            organizer: None,
            attendees: Vec::new(),
        }
    }

    fn view(entries: Vec<CalendarEntry>) -> CalendarView {
        CalendarView {
            name: "CRM".to_owned(),
            entries,
            now: at("2026-03-20T10:00:00Z"),
        }
    }

    fn value<'a>(component: &'a Component<'a>, name: &str) -> &'a str {
        component
            .find_prop(name)
            .unwrap_or_else(|| panic!("{name} missing in {}", component.name))
            .val
            .as_str()
    }

    #[test]
    fn statuses_map_to_confirmed_or_cancelled() {
        let statuses = [
            InteractionStatus::Scheduled,
            InteractionStatus::Completed,
            InteractionStatus::Cancelled,
            InteractionStatus::NoShow,
        ];
        let entries: Vec<_> = statuses
            .iter()
            .map(|status| entry(InteractionKind::Meeting, *status))
            .collect();
        let ids: Vec<_> = entries.iter().map(|e| e.interaction.id).collect();
        let text = ics(view(entries));
        let unfolded = unfold(&text);
        let calendar = read_calendar(&unfolded).unwrap();
        let events: Vec<_> = calendar
            .components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .collect();
        let status_of = |id: InteractionId| {
            let uid = format!("{id}@crm");
            let event = events.iter().find(|e| value(e, "UID") == uid).unwrap();
            value(event, "STATUS").to_owned()
        };
        assert_eq!(status_of(ids[0]), "CONFIRMED");
        assert_eq!(status_of(ids[1]), "CONFIRMED");
        assert_eq!(status_of(ids[2]), "CANCELLED");
        assert_eq!(status_of(ids[3]), "CANCELLED");
    }

    #[test]
    fn an_interaction_becomes_an_event_of_our_calendar() {
        let mut call = entry(InteractionKind::Call, InteractionStatus::Scheduled);
        call.organizer = Some(Participant {
            name: Some("Jane Doe".to_owned()),
            email: "jane@example.com".to_owned(),
        });
        call.attendees = vec![Participant {
            name: None,
            email: "guest@example.com".to_owned(),
        }];
        let id = call.interaction.id;
        let text = ics(view(vec![call]));
        let unfolded = unfold(&text);
        let calendar = read_calendar(&unfolded).unwrap();
        let header = |name: &str| {
            calendar
                .properties
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.val.as_str().to_owned())
        };
        assert!(header("PRODID").unwrap().starts_with("-//CRM//crm-server"));
        assert_eq!(header("X-WR-CALNAME").as_deref(), Some("CRM"));
        let event = calendar
            .components
            .iter()
            .find(|c| c.name == "VEVENT")
            .unwrap();
        assert_eq!(value(event, "UID"), format!("{id}@crm"));
        assert_eq!(value(event, "SUMMARY"), "Call: Quarterly review");
        assert_eq!(value(event, "DTSTAMP"), "20260320T100000Z");
        assert_eq!(value(event, "DTSTART"), "20260325T090000");
        assert_eq!(value(event, "CREATED"), "20260301T080000Z");
        assert_eq!(value(event, "LAST-MODIFIED"), "20260302T080000Z");
        assert_eq!(value(event, "SEQUENCE"), "1");
        assert!(unfolded.contains("ORGANIZER;CN=Jane Doe:mailto:jane@example.com"));
        assert!(unfolded.contains(
            "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:guest@example.com"
        ));
    }
}
