//! # crm-interactions
//!
//! The interactions context: the meetings, calls, tasks and notes staff
//! have with customers, and each customer's complete history.
//!
//! Every [`Interaction`] is linked to exactly one customer. It is kept in
//! UTC with the IANA time zone it was planned in ([`TimeZone`]), so a weekly
//! 09:00 Berlin meeting stays at 09:00 across daylight-saving changes
//! ([`TimeZone::shift_weeks`]). The scheduling rules (end after start, past
//! meetings are recorded as completed, no completing a cancelled one, an
//! organizer's overlapping meetings reported as conflicts) live in
//! [`InteractionService`]. The customer's merged timeline (interactions,
//! tickets, status changes, emails) is read through the [`ports::HistoryQuery`]
//! port that the store implements over the other contexts' tables: nothing
//! is copied between contexts.
//!
//! Interactions are also read as calendars ([`CalendarView`]): one at a
//! time, or as a staff user's feed behind a secret [`FeedToken`], with every
//! organizer and attendee resolved in one lookup. Rendering them as
//! iCalendar text is left to the caller.

pub mod attendees;
pub mod bounds;
pub mod calendar;
pub mod error;
pub mod history;
pub mod interaction;
pub mod kind;
pub mod ports;
pub mod query;
pub mod service;
pub mod zone;

pub use attendees::{Attendees, TooManyAttendees};
pub use calendar::{
    CalendarEntry, CalendarView, FeedToken, FeedTokenHash, InvalidFeedToken, Participant,
};
pub use error::InteractionError;
pub use history::{HistoryEntry, HistoryFilter, HistorySource, Sources};
pub use interaction::{
    Attendee, Conflict, End, Interaction, InteractionPatch, MAX_LENGTH, MAX_LENGTH_MINUTES,
    MeetingUrl, NewInteraction, Scheduled,
};
pub use kind::{InteractionKind, InteractionStatus};
pub use query::{InteractionQuery, UnknownOrder, parse_order};
pub use service::{InteractionPorts, InteractionService};
pub use zone::TimeZone;
