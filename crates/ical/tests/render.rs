//! The rendered calendar, read back with the `icalendar` crate's parser.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use crm_ical::{Calendar, Event, EventStatus, Person};
use icalendar::parser::{Component, Property, read_calendar, unfold};

const NOW: &str = "2026-03-20T10:00:00Z";
const PRODUCT_ID: &str = "-//CRM//crm-server test//EN";
const LINE_LIMIT: usize = 75;
const DESCRIPTION: &str = "Agenda: budget, hiring; review\nBring the report \\ slides.\n\
    A very long line that goes on and on, with commas, semicolons; and accents \
    (é, ü, ☃) well past the seventy-five octets a content line may hold.";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 instant")
        .to_utc()
}

fn berlin() -> Tz {
    chrono_tz::Europe::Berlin
}

fn event(uid: &str, start: &str, zone: Tz) -> Event {
    let start = at(start);
    Event {
        end: Some(start + chrono::TimeDelta::hours(1)),
        summary: format!("Event {uid}"),
        created: Some(at("2026-03-01T08:00:00Z")),
        last_modified: Some(at("2026-03-02T08:00:00Z")),
        sequence: 3,
        ..Event::new(uid, start, zone)
    }
}

fn render(name: &str, events: Vec<Event>) -> String {
    Calendar {
        product_id: PRODUCT_ID.to_owned(),
        name: name.to_owned(),
        events,
    }
    .render(at(NOW))
}

fn sample_events() -> Vec<Event> {
    let mut march = event("march@crm", "2026-03-25T08:00:00Z", berlin());
    DESCRIPTION.clone_into(&mut march.description);
    march.location = Some("Room 1, 2nd floor".to_owned());
    march.url = Some("https://crm.example/interactions/1".to_owned());
    march.organizer = Some(Person::named("Doe, Jane", "jane@example.com"));
    march.attendees = vec![
        Person::named("Max Mustermann; Sales", "max@example.com"),
        Person::email("anna@example.com"),
    ];
    let april = event("april@crm", "2026-04-01T07:00:00Z", berlin());
    let mut utc = event("utc@crm", "2026-05-01T12:00:00Z", Tz::UTC);
    utc.end = None;
    let mut cancelled = event("cancelled@crm", "2026-06-01T10:00:00Z", berlin());
    cancelled.status = EventStatus::Cancelled;
    let mut tentative = event("tentative@crm", "2026-07-01T10:00:00Z", berlin());
    tentative.status = EventStatus::Tentative;
    vec![march, april, utc, cancelled, tentative]
}

fn rendered() -> String {
    render("Team, Berlin", sample_events())
}

fn prop<'a>(component: &'a Component<'a>, name: &str) -> &'a Property<'a> {
    component
        .find_prop(name)
        .unwrap_or_else(|| panic!("{name} missing in {}", component.name))
}

fn value<'a>(component: &'a Component<'a>, name: &str) -> &'a str {
    prop(component, name).val.as_str()
}

fn param<'a>(property: &'a Property<'a>, key: &str) -> Option<&'a str> {
    property
        .params
        .iter()
        .find(|p| p.key == key)
        .and_then(|p| p.val.as_ref())
        .map(icalendar::parser::ParseString::as_str)
}

fn named<'a>(components: &'a [Component<'a>], name: &str) -> Vec<&'a Component<'a>> {
    components.iter().filter(|c| c.name == name).collect()
}

fn event_by_uid<'a>(components: &'a [Component<'a>], uid: &str) -> &'a Component<'a> {
    named(components, "VEVENT")
        .into_iter()
        .find(|c| value(c, "UID") == uid)
        .unwrap_or_else(|| panic!("no VEVENT with UID {uid}"))
}

#[test]
fn the_calendar_has_its_header() {
    let text = rendered();
    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).unwrap();
    let header = |name: &str| {
        calendar
            .properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.val.as_str().to_owned())
    };
    assert_eq!(header("VERSION").as_deref(), Some("2.0"));
    assert!(header("PRODID").unwrap().starts_with("-//CRM//crm-server"));
    assert_eq!(header("CALSCALE").as_deref(), Some("GREGORIAN"));
    assert_eq!(header("METHOD"), None);
    assert_eq!(header("X-WR-CALNAME").as_deref(), Some("Team, Berlin"));
    assert!(text.contains("X-WR-CALNAME:Team\\, Berlin\r\n"));
    assert_eq!(named(&calendar.components, "VEVENT").len(), 5);
}

#[test]
fn one_berlin_time_zone_with_both_2026_changes() {
    let text = rendered();
    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).unwrap();
    let zones = named(&calendar.components, "VTIMEZONE");
    assert_eq!(zones.len(), 1);
    let zone = zones[0];
    assert_eq!(value(zone, "TZID"), "Europe/Berlin");
    assert!(zone.find_prop("UID").is_none() && zone.find_prop("DTSTAMP").is_none());

    let daylight = named(&zone.components, "DAYLIGHT");
    assert_eq!(daylight.len(), 1);
    assert_eq!(value(daylight[0], "DTSTART"), "20260329T020000");
    assert_eq!(value(daylight[0], "TZOFFSETFROM"), "+0100");
    assert_eq!(value(daylight[0], "TZOFFSETTO"), "+0200");
    assert_eq!(value(daylight[0], "TZNAME"), "CEST");

    let standard = named(&zone.components, "STANDARD");
    assert_eq!(standard.len(), 1);
    assert_eq!(value(standard[0], "DTSTART"), "20261025T030000");
    assert_eq!(value(standard[0], "TZOFFSETFROM"), "+0200");
    assert_eq!(value(standard[0], "TZOFFSETTO"), "+0100");
    assert_eq!(value(standard[0], "TZNAME"), "CET");
}

#[test]
fn berlin_events_keep_their_local_time_across_dst() {
    let text = rendered();
    assert!(text.contains("DTSTART;TZID=Europe/Berlin:20260325T090000\r\n"));
    assert!(text.contains("DTEND;TZID=Europe/Berlin:20260325T100000\r\n"));
    assert!(text.contains("DTSTART;TZID=Europe/Berlin:20260401T090000\r\n"));

    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).unwrap();
    let april = event_by_uid(&calendar.components, "april@crm");
    let start = prop(april, "DTSTART");
    assert_eq!(param(start, "TZID"), Some("Europe/Berlin"));
    assert_eq!(start.val.as_str(), "20260401T090000");
    assert_eq!(value(april, "DTSTAMP"), "20260320T100000Z");
    assert_eq!(value(april, "SEQUENCE"), "3");
    assert_eq!(value(april, "CREATED"), "20260301T080000Z");
    assert_eq!(value(april, "LAST-MODIFIED"), "20260302T080000Z");
}

#[test]
fn a_utc_event_is_written_in_utc_and_without_an_end() {
    let text = rendered();
    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).unwrap();
    let utc = event_by_uid(&calendar.components, "utc@crm");
    let start = prop(utc, "DTSTART");
    assert_eq!(start.val.as_str(), "20260501T120000Z");
    assert!(start.val.as_str().ends_with('Z'));
    assert!(start.params.is_empty());
    assert!(utc.find_prop("DTEND").is_none());
}

#[test]
fn each_status_is_written_as_its_value() {
    let text = rendered();
    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).unwrap();
    let status = |uid: &str| value(event_by_uid(&calendar.components, uid), "STATUS");
    assert_eq!(status("march@crm"), "CONFIRMED");
    assert_eq!(status("april@crm"), "CONFIRMED");
    assert_eq!(status("cancelled@crm"), "CANCELLED");
    assert_eq!(status("tentative@crm"), "TENTATIVE");
}

#[test]
fn organizer_and_attendees_are_mailto_addresses() {
    let text = rendered();
    assert!(text.contains("ORGANIZER;CN=\"Doe, Jane\":mailto:jane@example.com\r\n"));
    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).unwrap();
    let march = event_by_uid(&calendar.components, "march@crm");

    let organizer = prop(march, "ORGANIZER");
    assert_eq!(organizer.val.as_str(), "mailto:jane@example.com");
    assert_eq!(param(organizer, "CN"), Some("Doe, Jane"));

    let attendees: Vec<_> = march
        .properties
        .iter()
        .filter(|p| p.name == "ATTENDEE")
        .collect();
    assert_eq!(attendees.len(), 2);
    assert_eq!(attendees[0].val.as_str(), "mailto:max@example.com");
    assert_eq!(param(attendees[0], "CN"), Some("Max Mustermann; Sales"));
    assert_eq!(param(attendees[0], "ROLE"), Some("REQ-PARTICIPANT"));
    assert_eq!(param(attendees[0], "PARTSTAT"), Some("NEEDS-ACTION"));
    assert_eq!(attendees[1].val.as_str(), "mailto:anna@example.com");
    assert_eq!(param(attendees[1], "CN"), None);
    assert!(text.contains(
        "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:anna@example.com\r\n"
    ));
}

#[test]
fn text_values_are_escaped_and_round_trip() {
    let text = rendered();
    assert!(
        text.contains(
            "DESCRIPTION:Agenda: budget\\, hiring\\; review\\nBring the report \\\\ slides"
        )
    );
    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).unwrap();
    let march = event_by_uid(&calendar.components, "march@crm");
    assert_eq!(value(march, "DESCRIPTION"), DESCRIPTION);
    assert_eq!(value(march, "LOCATION"), "Room 1, 2nd floor");
    assert_eq!(value(march, "URL"), "https://crm.example/interactions/1");
    assert_eq!(value(march, "SUMMARY"), "Event march@crm");
}

#[test]
fn lines_are_folded_at_75_octets_with_crlf() {
    let text = rendered();
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    let body = text.strip_suffix("\r\n").unwrap();
    let lines: Vec<&str> = body.split("\r\n").collect();
    assert!(
        lines.iter().all(|l| !l.contains(['\r', '\n'])),
        "bare CR or LF"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(' ')),
        "the description is folded"
    );
    for line in &lines {
        assert!(line.len() <= LINE_LIMIT, "{} octets: {line}", line.len());
    }
}

#[test]
fn begin_and_end_balance() {
    let text = rendered();
    let mut open: Vec<&str> = Vec::new();
    let unfolded = unfold(&text);
    for line in unfolded.lines() {
        if let Some(name) = line.strip_prefix("BEGIN:") {
            open.push(name);
        } else if let Some(name) = line.strip_prefix("END:") {
            assert_eq!(open.pop(), Some(name));
        }
    }
    assert!(open.is_empty());
}

#[test]
fn a_zone_without_dst_gets_one_standard_observance() {
    let tokyo = chrono_tz::Asia::Tokyo;
    let text = render(
        "Tokyo",
        vec![event("tokyo@crm", "2026-03-25T00:00:00Z", tokyo)],
    );
    assert!(text.contains("DTSTART;TZID=Asia/Tokyo:20260325T090000\r\n"));
    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).unwrap();
    let zones = named(&calendar.components, "VTIMEZONE");
    assert_eq!(zones.len(), 1);
    assert_eq!(value(zones[0], "TZID"), "Asia/Tokyo");
    assert!(named(&zones[0].components, "DAYLIGHT").is_empty());
    let standard = named(&zones[0].components, "STANDARD");
    assert_eq!(standard.len(), 1);
    assert_eq!(value(standard[0], "DTSTART"), "20260101T000000");
    assert_eq!(value(standard[0], "TZOFFSETFROM"), "+0900");
    assert_eq!(value(standard[0], "TZOFFSETTO"), "+0900");
    assert_eq!(value(standard[0], "TZNAME"), "JST");
}

#[test]
fn each_year_between_the_first_and_last_event_is_covered() {
    let new_york = chrono_tz::America::New_York;
    let events = vec![
        event("a@crm", "2025-12-01T15:00:00Z", new_york),
        event("b@crm", "2027-01-10T15:00:00Z", new_york),
    ];
    let text = render("NY", events);
    assert_eq!(text.matches("BEGIN:DAYLIGHT").count(), 3);
    assert_eq!(text.matches("BEGIN:STANDARD").count(), 3);
    assert!(!text.contains("TZOFFSETTO:-0000"));
    for onset in [
        "DTSTART:20250309T020000",
        "DTSTART:20251102T020000",
        "DTSTART:20260308T020000",
        "DTSTART:20261101T020000",
        "DTSTART:20270314T020000",
        "DTSTART:20271107T020000",
    ] {
        assert!(text.contains(&format!("{onset}\r\n")), "{onset}");
    }
}

#[test]
fn the_second_pass_of_a_repeated_hour_is_written_in_utc() {
    // 25 October 2026: Berlin's 02:30 happens at 00:30Z and again at 01:30Z.
    let mut late = event("late@crm", "2026-10-25T01:30:00Z", berlin());
    late.end = Some(at("2026-10-25T01:30:00.400Z"));
    let text = render("Late", vec![late]);
    assert!(text.contains("DTSTART:20261025T013000Z\r\n"));
    assert!(
        !text.contains("DTEND"),
        "an end within the start's second is no end"
    );
}

#[test]
fn people_without_an_address_and_blank_texts_are_left_out() {
    let mut quiet = event("quiet@crm", "2026-03-25T08:00:00Z", Tz::UTC);
    quiet.summary = "  ".to_owned();
    quiet.location = Some(String::new());
    quiet.organizer = Some(Person::named("Nobody", " "));
    quiet.sequence = u64::MAX;
    let text = render("Quiet", vec![quiet]);
    assert!(!text.contains("SUMMARY") && !text.contains("LOCATION"));
    assert!(!text.contains("ORGANIZER") && !text.contains("VTIMEZONE"));
    assert!(text.contains("SEQUENCE:2147483647\r\n"));
}

#[test]
fn an_event_without_record_dates_has_no_created_nor_last_modified() {
    let bare = Event::new("bare@crm", at("2026-03-25T08:00:00Z"), Tz::UTC);
    let text = render("Bare", vec![bare]);
    assert!(!text.contains("CREATED") && !text.contains("LAST-MODIFIED"));
    assert!(text.contains("SEQUENCE:0\r\n") && text.contains("STATUS:CONFIRMED\r\n"));
}
