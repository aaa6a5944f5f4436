//! # crm-ical
//!
//! A small writer of RFC 5545 (iCalendar) calendars: [`Calendar::render`]
//! turns [`Event`]s into one `VCALENDAR` text, with
//!
//! - a `VTIMEZONE` for every time zone the events use, holding the zone's
//!   real offset transitions (probed from `chrono-tz`) for every year the
//!   events cover, so calendar apps need no zone database of their own;
//! - local times (`DTSTART;TZID=Europe/Berlin:20260325T090000`) in each
//!   event's zone, so a weekly 09:00 Berlin meeting stays at 09:00 across
//!   daylight-saving changes; UTC events use the `Z` form;
//! - organizer and attendees as `mailto:` addresses with their names;
//! - content lines folded at 75 octets (never inside a UTF-8 character),
//!   CRLF line ends, and escaped text and parameter values.
//!
//! Why not the `icalendar` crate's builder: its output does not meet
//! RFC 5545. It adds a random `UID` and the current time as `DTSTAMP` to
//! every component, `VTIMEZONE` and its observances included (which allow
//! neither), has no public `VTIMEZONE` type, leaves a carriage return in a
//! text value unescaped and can fold a line to 76 octets. Its parser reads
//! this crate's output back in the tests.
//!
//! The crate knows nothing of where events come from: it takes `chrono`
//! instants and `chrono-tz` zones.
//!
//! ```
//! use chrono::{TimeZone as _, Utc};
//! use crm_ical::{Calendar, Event, EventStatus, Person};
//!
//! let start = Utc.with_ymd_and_hms(2026, 3, 25, 8, 0, 0).unwrap();
//! let calendar = Calendar {
//!     product_id: "-//Example//Example app 1.0//EN".to_owned(),
//!     name: "Team".to_owned(),
//!     events: vec![Event {
//!         organizer: Some(Person::named("Jane Doe", "jane@example.com")),
//!         ..Event::new("kick-off@example.com", start, chrono_tz::Europe::Berlin)
//!     }],
//! };
//! let text = calendar.render(start);
//! assert!(text.contains("DTSTART;TZID=Europe/Berlin:20260325T090000\r\n"));
//! assert!(text.contains("BEGIN:VTIMEZONE\r\n"));
//! ```

mod calendar;
mod datetime;
mod event;
mod text;
mod timezone;

pub use calendar::Calendar;
pub use event::{Event, EventStatus, Person};
