//! Events (`VEVENT`, RFC 5545 3.6.1) and the people taking part in them.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::datetime::{utc_value, write_date_time};
use crate::text::{Lines, present, uri_value};

/// Where an event stands (`STATUS`, RFC 5545 3.8.1.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EventStatus {
    /// `TENTATIVE`: not yet sure to happen.
    Tentative,
    /// `CONFIRMED`: it happens (or happened).
    #[default]
    Confirmed,
    /// `CANCELLED`: it does not happen.
    Cancelled,
}

impl EventStatus {
    /// The property value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tentative => "TENTATIVE",
            Self::Confirmed => "CONFIRMED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// Someone taking part in an event: its organizer or an attendee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The display name (`CN`), if known; left out when blank.
    pub name: Option<String>,
    /// The email address (`mailto:`); a person without one is left out.
    pub email: String,
}

impl Person {
    /// A person known only by email.
    #[must_use]
    pub fn email(email: impl Into<String>) -> Self {
        Self {
            name: None,
            email: email.into(),
        }
    }

    /// A person with a display name.
    #[must_use]
    pub fn named(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            email: email.into(),
        }
    }
}

/// One event of a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The globally unique id (`UID`), e.g. `<record id>@<your domain>`.
    pub uid: String,
    /// When the event starts.
    pub start: DateTime<Utc>,
    /// When it ends; without an end (or with one not after the start, to the
    /// second) the event takes no time and `DTEND` is left out.
    pub end: Option<DateTime<Utc>>,
    /// The zone whose wall-clock times `DTSTART` and `DTEND` are written in
    /// (UTC under any of its names: the `Z` form, no VTIMEZONE).
    pub time_zone: Tz,
    /// The title (`SUMMARY`); left out when blank.
    pub summary: String,
    /// The longer text (`DESCRIPTION`); left out when blank.
    pub description: String,
    /// Where it takes place (`LOCATION`); left out when blank.
    pub location: Option<String>,
    /// A link (`URL`); left out when blank.
    pub url: Option<String>,
    /// Where it stands (`STATUS`).
    pub status: EventStatus,
    /// Who organises it (`ORGANIZER`).
    pub organizer: Option<Person>,
    /// Who takes part (`ATTENDEE`), each as a required participant yet to answer.
    pub attendees: Vec<Person>,
    /// When the record behind it was created (`CREATED`).
    pub created: Option<DateTime<Utc>>,
    /// When the record behind it was last changed (`LAST-MODIFIED`).
    pub last_modified: Option<DateTime<Utc>>,
    /// Its revision (`SEQUENCE`, capped at the largest iCalendar integer).
    pub sequence: u64,
}

impl Event {
    /// A confirmed event that takes no time, with nothing else filled in.
    #[must_use]
    pub fn new(uid: impl Into<String>, start: DateTime<Utc>, time_zone: Tz) -> Self {
        Self {
            uid: uid.into(),
            start,
            end: None,
            time_zone,
            summary: String::new(),
            description: String::new(),
            location: None,
            url: None,
            status: EventStatus::default(),
            organizer: None,
            attendees: Vec::new(),
            created: None,
            last_modified: None,
            sequence: 0,
        }
    }

    /// The end as written: only when it is after the start (to the second),
    /// as RFC 5545 wants `DTEND` later than `DTSTART`.
    pub(crate) fn written_end(&self) -> Option<DateTime<Utc>> {
        self.end
            .filter(|end| end.timestamp() > self.start.timestamp())
    }

    /// Writes the `VEVENT`; `stamp` is its `DTSTAMP`.
    pub(crate) fn write(&self, out: &mut Lines, stamp: DateTime<Utc>) {
        out.begin("VEVENT");
        out.text("UID", &self.uid);
        out.property("DTSTAMP", &[], &utc_value(stamp));
        write_date_time(out, "DTSTART", self.start, self.time_zone);
        if let Some(end) = self.written_end() {
            write_date_time(out, "DTEND", end, self.time_zone);
        }
        self.write_texts(out);
        out.property("STATUS", &[], self.status.as_str());
        if let Some(organizer) = &self.organizer {
            write_person(out, "ORGANIZER", organizer, &[]);
        }
        for attendee in &self.attendees {
            let roles = [("ROLE", "REQ-PARTICIPANT"), ("PARTSTAT", "NEEDS-ACTION")];
            write_person(out, "ATTENDEE", attendee, &roles);
        }
        let sequence = i32::try_from(self.sequence).unwrap_or(i32::MAX);
        out.property("SEQUENCE", &[], &sequence.to_string());
        if let Some(created) = self.created {
            out.property("CREATED", &[], &utc_value(created));
        }
        if let Some(last_modified) = self.last_modified {
            out.property("LAST-MODIFIED", &[], &utc_value(last_modified));
        }
        out.end("VEVENT");
    }

    /// `SUMMARY`, `DESCRIPTION`, `LOCATION` and `URL`, those not blank.
    fn write_texts(&self, out: &mut Lines) {
        if let Some(summary) = present(Some(&self.summary)) {
            out.text("SUMMARY", summary);
        }
        if let Some(description) = present(Some(&self.description)) {
            out.text("DESCRIPTION", description);
        }
        if let Some(location) = present(self.location.as_deref()) {
            out.text("LOCATION", location);
        }
        if let Some(url) = present(self.url.as_deref()) {
            out.property("URL", &[], &uri_value(url));
        }
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
