//! The whole calendar (`VCALENDAR`, RFC 5545 3.4) and its rendering.

use chrono::{DateTime, Utc};

use crate::event::Event;
use crate::text::Lines;
use crate::timezone::{write_time_zone, zone_spans};

/// A calendar to render: a name and its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Who writes it (`PRODID`, RFC 5545 3.7.3), e.g. `-//Acme//Scheduler 1.0//EN`.
    pub product_id: String,
    /// The name calendar apps show (`X-WR-CALNAME`).
    pub name: String,
    /// The events, written in this order.
    pub events: Vec<Event>,
}

impl Calendar {
    /// Renders the whole VCALENDAR: `VERSION:2.0`, the `PRODID`,
    /// `CALSCALE:GREGORIAN`, `X-WR-CALNAME`, one VTIMEZONE per non-UTC zone
    /// the events use (covering every year they span) and one VEVENT per
    /// event. No `METHOD`: this is a calendar to read or subscribe to, not an
    /// iTIP message (iTIP's PUBLISH would forbid listing attendees).
    ///
    /// Lines end with CRLF and are folded at 75 octets; text values are
    /// escaped. `stamp` (when the calendar was produced) is every event's `DTSTAMP`.
    #[must_use]
    pub fn render(&self, stamp: DateTime<Utc>) -> String {
        let mut out = Lines::default();
        out.begin("VCALENDAR");
        out.property("VERSION", &[], "2.0");
        out.text("PRODID", &self.product_id);
        out.property("CALSCALE", &[], "GREGORIAN");
        out.text("X-WR-CALNAME", &self.name);
        for span in zone_spans(&self.events).values() {
            write_time_zone(&mut out, span);
        }
        for event in &self.events {
            event.write(&mut out, stamp);
        }
        out.end("VCALENDAR");
        out.into_text()
    }
}
