//! iCalendar (RFC 5545) output of interactions.
//!
//! [`render`] turns [`CalendarEvent`]s into one `VCALENDAR` text: a
//! `VTIMEZONE` for every time zone the events use (their observances probed
//! from chrono-tz) and a `VEVENT` per event, with local times in the event's
//! zone so a weekly 09:00 Berlin meeting stays at 09:00 across DST changes.
//!
//! The text is written here rather than with icalendar's builder, whose
//! output does not meet RFC 5545: it adds a random `UID` and the current
//! time as `DTSTAMP` to every component, `VTIMEZONE` and its observances
//! included (which allow neither); it leaves a carriage return in a text
//! value unescaped; and it can fold a line to 76 octets. icalendar's parser
//! reads the output back in the tests.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike as _, NaiveDate, NaiveDateTime, Offset as _, TimeDelta, TimeZone as _,
    Timelike as _,
};
use chrono_tz::{OffsetComponents as _, OffsetName as _, Tz, TzOffset};
use crm_interactions::{InteractionStatus, TimeZone};
use crm_kernel::Timestamp;

/// One event of a calendar, in plain data (the HTTP layer builds it from an interaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// The globally unique id, e.g. `<interaction id>@crm`.
    pub uid: String,
    /// When the event starts.
    pub start: Timestamp,
    /// When it ends; without an end (or with one not after the start) the
    /// event takes no time and `DTEND` is left out.
    pub end: Option<Timestamp>,
    /// The zone whose wall-clock times `DTSTART` and `DTEND` are written in.
    pub time_zone: TimeZone,
    /// The title; left out when blank.
    pub summary: String,
    /// The longer text; left out when blank.
    pub description: String,
    /// Where it takes place; left out when blank.
    pub location: Option<String>,
    /// A link to the record; left out when blank.
    pub url: Option<String>,
    /// Where the interaction stands (`STATUS`).
    pub status: InteractionStatus,
    /// Who organises it.
    pub organizer: Option<Person>,
    /// Who takes part, each as a required participant yet to answer.
    pub attendees: Vec<Person>,
    /// When the record was created.
    pub created: Timestamp,
    /// When the record was last changed.
    pub last_modified: Timestamp,
    /// The record's version (`SEQUENCE`, capped at the largest iCalendar integer).
    pub sequence: u64,
}

/// Someone taking part in an event: its organizer or an attendee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The display name (`CN`), if known.
    pub name: Option<String>,
    /// The email address (`mailto:`); a person without one is left out.
    pub email: String,
}

/// The product writing the calendars (`PRODID`).
const PRODUCT_ID: &str = concat!("-//CRM//crm-server ", env!("CARGO_PKG_VERSION"), "//EN");
/// The longest content line, in octets without the line break (RFC 5545 3.1).
const LINE_LIMIT: usize = 75;
/// A local ("floating" or `TZID`-qualified) DATE-TIME value.
const LOCAL_FORMAT: &str = "%Y%m%dT%H%M%S";
/// A UTC DATE-TIME value.
const UTC_FORMAT: &str = "%Y%m%dT%H%M%SZ";
/// Seconds in a day: the step of the scan for offset transitions.
const DAY: i64 = 86_400;

/// Renders a whole VCALENDAR: `VERSION:2.0`, a `PRODID`, `CALSCALE:GREGORIAN`,
/// `X-WR-CALNAME:<name>`, one VTIMEZONE per non-UTC zone used, and one VEVENT
/// per event. No `METHOD`: this is a calendar to read or subscribe to, not an
/// iTIP message (iTIP's PUBLISH would forbid the attendees we list).
///
/// Lines end with CRLF and are folded at 75 octets; text values are escaped.
/// `now` is every event's `DTSTAMP`.
pub fn render(calendar_name: &str, events: &[CalendarEvent], now: Timestamp) -> String {
    let mut out = Lines::default();
    out.begin("VCALENDAR");
    out.property("VERSION", &[], "2.0");
    out.text("PRODID", PRODUCT_ID);
    out.property("CALSCALE", &[], "GREGORIAN");
    out.text("X-WR-CALNAME", calendar_name);
    for span in zone_spans(events).values() {
        write_time_zone(&mut out, span);
    }
    for event in events {
        write_event(&mut out, event, now);
    }
    out.end("VCALENDAR");
    out.0
}

/// Content lines being written, folded and CRLF-terminated.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn begin(&mut self, component: &str) {
        self.property("BEGIN", &[], component);
    }

    fn end(&mut self, component: &str) {
        self.property("END", &[], component);
    }

    /// A TEXT property, escaped.
    fn text(&mut self, name: &str, value: &str) {
        self.property(name, &[], &escape_text(value));
    }

    /// A property whose value is already in its wire form; parameter values
    /// are cleaned and quoted here.
    fn property(&mut self, name: &str, params: &[(&str, &str)], value: &str) {
        let mut line = String::from(name);
        for (key, param) in params {
            line.push(';');
            line.push_str(key);
            line.push('=');
            line.push_str(&param_value(param));
        }
        line.push(':');
        line.push_str(value);
        push_folded(&mut self.0, &line);
    }
}

/// Appends `line` folded at 75 octets (never inside a UTF-8 character), each
/// piece ending with CRLF and each continuation starting with a space.
fn push_folded(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = LINE_LIMIT;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.push_str(head);
        out.push_str("\r\n ");
        rest = tail;
        limit = LINE_LIMIT - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

/// A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line
/// breaks (CRLF, CR or LF) escaped; other control characters but tab dropped.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (RFC 5545 3.1): control characters dropped, double
/// quotes (which no parameter value may hold) made single, and the whole
/// quoted when it holds a colon, semicolon or comma.
fn param_value(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c == '\t' || !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// A URI or CAL-ADDRESS value: taken as is but for control characters,
/// which would break the line.
fn uri_value(value: &str) -> String {
    value.trim().chars().filter(|c| !c.is_control()).collect()
}

/// Whether a zone is UTC under one of its names: its times are written in
/// the `Z` form, without a VTIMEZONE.
fn is_utc(tz: Tz) -> bool {
    matches!(
        tz,
        Tz::UTC
            | Tz::Etc__UTC
            | Tz::UCT
            | Tz::Etc__UCT
            | Tz::Universal
            | Tz::Etc__Universal
            | Tz::Zulu
            | Tz::Etc__Zulu
    )
}

/// The years a VTIMEZONE must cover for one zone.
#[derive(Debug, Clone, Copy)]
struct ZoneSpan {
    tz: Tz,
    first: i32,
    last: i32,
}

/// Each non-UTC zone the events use, by name, with the local years from the
/// earliest to the latest start or end in it.
fn zone_spans(events: &[CalendarEvent]) -> BTreeMap<&'static str, ZoneSpan> {
    let mut spans = BTreeMap::new();
    for event in events.iter().filter(|e| !is_utc(e.time_zone.tz())) {
        let zone = event.time_zone;
        for at in std::iter::once(event.start).chain(event_end(event)) {
            let year = zone.local(at).year();
            spans
                .entry(zone.name())
                .and_modify(|span: &mut ZoneSpan| {
                    span.first = span.first.min(year);
                    span.last = span.last.max(year);
                })
                .or_insert(ZoneSpan {
                    tz: zone.tz(),
                    first: year,
                    last: year,
                });
        }
    }
    spans
}

/// The event's end when it is after its start (to the second, as written);
/// RFC 5545 wants DTEND later than DTSTART.
fn event_end(event: &CalendarEvent) -> Option<Timestamp> {
    event
        .end
        .filter(|end| end.as_secs() > event.start.as_secs())
}

/// A `STANDARD` or `DAYLIGHT` sub-component of a VTIMEZONE.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    daylight: bool,
    /// The local wall-clock time of the onset, in the offset before it.
    start: NaiveDateTime,
    from: i32,
    to: i32,
    name: Option<String>,
}

fn write_time_zone(out: &mut Lines, span: &ZoneSpan) {
    out.begin("VTIMEZONE");
    out.text("TZID", span.tz.name());
    for year in span.first..=span.last {
        for observance in observances(span.tz, year) {
            write_observance(out, &observance);
        }
    }
    out.end("VTIMEZONE");
}

fn write_observance(out: &mut Lines, observance: &Observance) {
    let kind = if observance.daylight {
        "DAYLIGHT"
    } else {
        "STANDARD"
    };
    out.begin(kind);
    out.property(
        "DTSTART",
        &[],
        &observance.start.format(LOCAL_FORMAT).to_string(),
    );
    out.property("TZOFFSETFROM", &[], &offset_value(observance.from));
    out.property("TZOFFSETTO", &[], &offset_value(observance.to));
    if let Some(name) = &observance.name {
        out.text("TZNAME", name);
    }
    out.end(kind);
}

/// The zone's observances in a year: one per offset transition or, in a
/// year without any, one STANDARD from the start of the year.
fn observances(tz: Tz, year: i32) -> Vec<Observance> {
    let changes = transitions(tz, year);
    if changes.is_empty() {
        steady(tz, year).into_iter().collect()
    } else {
        changes
    }
}

/// The instant (Unix seconds) the UTC year begins.
fn year_start(year: i32) -> Option<i64> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|start| start.and_utc().timestamp())
}

/// The zone's offset at an instant (Unix seconds, within chrono's range).
fn offset_at(tz: Tz, secs: i64) -> TzOffset {
    let at = DateTime::from_timestamp(secs, 0).unwrap_or_default();
    tz.offset_from_utc_datetime(&at.naive_utc())
}

/// What a transition changes: the total UTC offset and whether it is
/// daylight saving time.
fn phase(tz: Tz, secs: i64) -> (i32, bool) {
    let offset = offset_at(tz, secs);
    (
        offset.fix().local_minus_utc(),
        !offset.dst_offset().is_zero(),
    )
}

/// The zone's offset transitions in the UTC year, found by probing each
/// day (so at most one a day) and bisecting to the second.
fn transitions(tz: Tz, year: i32) -> Vec<Observance> {
    let (Some(start), Some(next)) = (year_start(year), year_start(year + 1)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut before = start - 1;
    let last = next - 1;
    while before < last {
        let after = (before + DAY).min(last);
        if phase(tz, before) != phase(tz, after) {
            found.push(observance_at(tz, first_change(tz, before, after)));
        }
        before = after;
    }
    found
}

/// The first second after `before` in the phase of `after`.
fn first_change(tz: Tz, mut before: i64, mut after: i64) -> i64 {
    let old = phase(tz, before);
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if phase(tz, middle) == old {
            before = middle;
        } else {
            after = middle;
        }
    }
    after
}

/// The observance beginning at the transition instant `at`.
fn observance_at(tz: Tz, at: i64) -> Observance {
    let old = offset_at(tz, at - 1);
    let new = offset_at(tz, at);
    let from = old.fix().local_minus_utc();
    let onset = DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .naive_utc();
    Observance {
        daylight: !new.dst_offset().is_zero(),
        start: onset + TimeDelta::seconds(from.into()),
        from,
        to: new.fix().local_minus_utc(),
        name: new.abbreviation().map(str::to_owned),
    }
}

/// The single STANDARD observance of a year without transitions.
fn steady(tz: Tz, year: i32) -> Option<Observance> {
    let start = year_start(year)?;
    let offset = offset_at(tz, start);
    let seconds = offset.fix().local_minus_utc();
    Some(Observance {
        daylight: false,
        start: NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?,
        from: seconds,
        to: seconds,
        name: offset.abbreviation().map(str::to_owned),
    })
}

/// A UTC-OFFSET value: `+0100`, `-0500`, or `+053328` with seconds.
fn offset_value(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let total = seconds.unsigned_abs();
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60);
    if secs == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{secs:02}")
    }
}

/// A UTC DATE-TIME value (`20260325T080000Z`).
fn utc_value(at: Timestamp) -> String {
    at.as_datetime().format(UTC_FORMAT).to_string()
}

/// The local wall-clock value of `at` in `zone`, when there is one that
/// names exactly this instant: not for UTC, nor for the second pass of a
/// wall-clock time repeated when clocks go back (RFC 5545 3.3.5 reads a
/// repeated time as its first pass).
fn local_value(zone: TimeZone, at: Timestamp) -> Option<String> {
    if is_utc(zone.tz()) {
        return None;
    }
    let local = zone.local(at).with_nanosecond(0)?;
    let first = zone.tz().from_local_datetime(&local).earliest()?;
    (first.timestamp() == at.as_secs()).then(|| local.format(LOCAL_FORMAT).to_string())
}

/// `DTSTART` or `DTEND`: local time with `TZID`, or else UTC.
fn write_date_time(out: &mut Lines, name: &str, at: Timestamp, zone: TimeZone) {
    match local_value(zone, at) {
        Some(local) => out.property(name, &[("TZID", zone.name())], &local),
        None => out.property(name, &[], &utc_value(at)),
    }
}

/// The event `STATUS` of an interaction status.
fn event_status(status: InteractionStatus) -> &'static str {
    match status {
        InteractionStatus::Scheduled | InteractionStatus::Completed => "CONFIRMED",
        InteractionStatus::Cancelled | InteractionStatus::NoShow => "CANCELLED",
    }
}

/// The text when it is not blank.
fn present(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.trim().is_empty())
}

fn write_event(out: &mut Lines, event: &CalendarEvent, now: Timestamp) {
    out.begin("VEVENT");
    out.text("UID", &event.uid);
    out.property("DTSTAMP", &[], &utc_value(now));
    write_date_time(out, "DTSTART", event.start, event.time_zone);
    if let Some(end) = event_end(event) {
        write_date_time(out, "DTEND", end, event.time_zone);
    }
    write_texts(out, event);
    out.property("STATUS", &[], event_status(event.status));
    if let Some(organizer) = &event.organizer {
        write_person(out, "ORGANIZER", organizer, &[]);
    }
    for attendee in &event.attendees {
        let roles = [("ROLE", "REQ-PARTICIPANT"), ("PARTSTAT", "NEEDS-ACTION")];
        write_person(out, "ATTENDEE", attendee, &roles);
    }
    let sequence = i32::try_from(event.sequence).unwrap_or(i32::MAX);
    out.property("SEQUENCE", &[], &sequence.to_string());
    out.property("CREATED", &[], &utc_value(event.created));
    out.property("LAST-MODIFIED", &[], &utc_value(event.last_modified));
    out.end("VEVENT");
}

/// `SUMMARY`, `DESCRIPTION`, `LOCATION` and `URL`, those not blank.
fn write_texts(out: &mut Lines, event: &CalendarEvent) {
    if let Some(summary) = present(Some(&event.summary)) {
        out.text("SUMMARY", summary);
    }
    if let Some(description) = present(Some(&event.description)) {
        out.text("DESCRIPTION", description);
    }
    if let Some(location) = present(event.location.as_deref()) {
        out.text("LOCATION", location);
    }
    if let Some(url) = present(event.url.as_deref()) {
        out.property("URL", &[], &uri_value(url));
    }
}

/// `ORGANIZER` or `ATTENDEE`: `CN` when named, then `extra`, then the
/// `mailto:` address. A person without an address is left out.
fn write_person(out: &mut Lines, property: &str, person: &Person, extra: &[(&str, &str)]) {
    let email = uri_value(&person.email);
    if email.is_empty() {
        return;
    }
    let name = present(person.name.as_deref()).map(str::trim);
    let params: Vec<(&str, &str)> = name
        .map(|name| ("CN", name))
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    out.property(property, &params, &format!("mailto:{email}"));
}

#[cfg(test)]
mod tests {
    use icalendar::parser::{Component, Property, read_calendar, unfold};

    use super::*;

    const NOW: &str = "2026-03-20T10:00:00Z";
    const DESCRIPTION: &str = "Agenda: budget, hiring; review\nBring the report \\ slides.\n\
        A very long line that goes on and on, with commas, semicolons; and accents \
        (é, ü, ☃) well past the seventy-five octets a content line may hold.";

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn berlin() -> TimeZone {
        TimeZone::parse("Europe/Berlin").unwrap()
    }

    fn event(uid: &str, start: &str, zone: TimeZone) -> CalendarEvent {
        let start = at(start);
        CalendarEvent {
            uid: uid.to_owned(),
            start,
            end: Some(start.plus(std::time::Duration::from_hours(1))),
            time_zone: zone,
            summary: format!("Event {uid}"),
            description: String::new(),
            location: None,
            url: None,
            status: InteractionStatus::Scheduled,
            organizer: None,
            attendees: Vec::new(),
            created: at("2026-03-01T08:00:00Z"),
            last_modified: at("2026-03-02T08:00:00Z"),
            sequence: 3,
        }
    }

    fn person(name: Option<&str>, email: &str) -> Person {
        Person {
            name: name.map(str::to_owned),
            email: email.to_owned(),
        }
    }

    fn sample_events() -> Vec<CalendarEvent> {
        let mut march = event("march@crm", "2026-03-25T08:00:00Z", berlin());
        march.description = DESCRIPTION.to_owned();
        march.location = Some("Room 1, 2nd floor".to_owned());
        march.url = Some("https://crm.example/interactions/1".to_owned());
        march.organizer = Some(person(Some("Doe, Jane"), "jane@example.com"));
        march.attendees = vec![
            person(Some("Max Mustermann; Sales"), "max@example.com"),
            person(None, "anna@example.com"),
        ];
        let mut april = event("april@crm", "2026-04-01T07:00:00Z", berlin());
        april.status = InteractionStatus::Completed;
        let mut utc = event("utc@crm", "2026-05-01T12:00:00Z", TimeZone::UTC);
        utc.end = None;
        let mut cancelled = event("cancelled@crm", "2026-06-01T10:00:00Z", berlin());
        cancelled.status = InteractionStatus::Cancelled;
        let mut no_show = event("no-show@crm", "2026-07-01T10:00:00Z", berlin());
        no_show.status = InteractionStatus::NoShow;
        vec![march, april, utc, cancelled, no_show]
    }

    fn rendered() -> String {
        render("Team, Berlin", &sample_events(), at(NOW))
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
            .unwrap()
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
    fn statuses_map_to_confirmed_or_cancelled() {
        let text = rendered();
        let unfolded = unfold(&text);
        let calendar = read_calendar(&unfolded).unwrap();
        let status = |uid: &str| value(event_by_uid(&calendar.components, uid), "STATUS");
        assert_eq!(status("march@crm"), "CONFIRMED");
        assert_eq!(status("april@crm"), "CONFIRMED");
        assert_eq!(status("cancelled@crm"), "CANCELLED");
        assert_eq!(status("no-show@crm"), "CANCELLED");
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
        assert!(text.contains(
            "DESCRIPTION:Agenda: budget\\, hiring\\; review\\nBring the report \\\\ slides"
        ));
        let unfolded = unfold(&text);
        let calendar = read_calendar(&unfolded).unwrap();
        let march = event_by_uid(&calendar.components, "march@crm");
        assert_eq!(value(march, "DESCRIPTION"), DESCRIPTION);
        assert_eq!(value(march, "LOCATION"), "Room 1, 2nd floor");
        assert_eq!(value(march, "URL"), "https://crm.example/interactions/1");
        assert_eq!(value(march, "SUMMARY"), "Event march@crm");
    }

    #[test]
    fn carriage_returns_become_escaped_line_breaks() {
        assert_eq!(escape_text("a\r\nb\rc\nd\u{7}e\tf"), "a\\nb\\nc\\nde\tf");
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
    fn folding_never_exceeds_the_limit_nor_splits_a_character() {
        for length in [74, 75, 76, 148, 149, 150, 151, 300] {
            for filler in ["x", "é", "☃", "x😀"] {
                let line: String = filler.repeat(length).chars().take(length).collect();
                let mut out = String::new();
                push_folded(&mut out, &line);
                let pieces: Vec<&str> = out.strip_suffix("\r\n").unwrap().split("\r\n").collect();
                assert!(pieces.iter().all(|p| p.len() <= LINE_LIMIT));
                assert!(pieces[1..].iter().all(|p| p.starts_with(' ')));
                assert_eq!(unfold(&out), format!("{line}\r\n"));
            }
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
        let tokyo = TimeZone::parse("Asia/Tokyo").unwrap();
        let events = [event("tokyo@crm", "2026-03-25T00:00:00Z", tokyo)];
        let text = render("Tokyo", &events, at(NOW));
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
        let new_york = TimeZone::parse("America/New_York").unwrap();
        let events = [
            event("a@crm", "2025-12-01T15:00:00Z", new_york),
            event("b@crm", "2027-01-10T15:00:00Z", new_york),
        ];
        let starts: Vec<String> = observances(new_york.tz(), 2025)
            .into_iter()
            .chain(observances(new_york.tz(), 2026))
            .chain(observances(new_york.tz(), 2027))
            .map(|o| format!("{} {}", o.start.format(LOCAL_FORMAT), offset_value(o.to)))
            .collect();
        assert_eq!(
            starts,
            [
                "20250309T020000 -0400",
                "20251102T020000 -0500",
                "20260308T020000 -0400",
                "20261101T020000 -0500",
                "20270314T020000 -0400",
                "20271107T020000 -0500",
            ]
        );
        let text = render("NY", &events, at(NOW));
        assert_eq!(text.matches("BEGIN:DAYLIGHT").count(), 3);
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 3);
        assert!(!text.contains("TZOFFSETTO:-0000"));
    }

    #[test]
    fn offsets_are_formatted_with_seconds_only_when_needed() {
        assert_eq!(offset_value(3600), "+0100");
        assert_eq!(offset_value(-5 * 3600), "-0500");
        assert_eq!(offset_value(0), "+0000");
        assert_eq!(offset_value(5 * 3600 + 33 * 60 + 28), "+053328");
        assert_eq!(offset_value(-(25 * 60 + 21)), "-002521");
        assert_eq!(offset_value(5 * 3600 + 45 * 60), "+0545");
    }

    #[test]
    fn the_second_pass_of_a_repeated_hour_is_written_in_utc() {
        // 25 October 2026: Berlin's 02:30 happens at 00:30Z and again at 01:30Z.
        let first = local_value(berlin(), at("2026-10-25T00:30:00Z"));
        assert_eq!(first.as_deref(), Some("20261025T023000"));
        assert_eq!(local_value(berlin(), at("2026-10-25T01:30:00Z")), None);
        let mut late = event("late@crm", "2026-10-25T01:30:00Z", berlin());
        late.end = Some(at("2026-10-25T01:30:00.400Z"));
        let text = render("Late", &[late], at(NOW));
        assert!(text.contains("DTSTART:20261025T013000Z\r\n"));
        assert!(
            !text.contains("DTEND"),
            "an end within the start's second is no end"
        );
    }

    #[test]
    fn parameter_values_are_cleaned_and_quoted() {
        assert_eq!(param_value("Jane Doe"), "Jane Doe");
        assert_eq!(param_value("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(param_value("a:b"), "\"a:b\"");
        assert_eq!(param_value("Say \"hi\"\n"), "Say 'hi'");
    }

    #[test]
    fn people_without_an_address_and_blank_texts_are_left_out() {
        let mut quiet = event("quiet@crm", "2026-03-25T08:00:00Z", TimeZone::UTC);
        quiet.summary = "  ".to_owned();
        quiet.location = Some(String::new());
        quiet.organizer = Some(person(Some("Nobody"), " "));
        quiet.sequence = u64::MAX;
        let text = render("Quiet", &[quiet], at(NOW));
        assert!(!text.contains("SUMMARY") && !text.contains("LOCATION"));
        assert!(!text.contains("ORGANIZER") && !text.contains("VTIMEZONE"));
        assert!(text.contains("SEQUENCE:2147483647\r\n"));
    }
}
