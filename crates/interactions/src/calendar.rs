//! Calendars of interactions: feed tokens, and what a calendar holds.
//!
//! The context decides what a calendar shows (which interactions, who takes
//! part, as of when); writing it as iCalendar text is the caller's business.

use std::fmt;

use crm_kernel::Timestamp;

use crate::interaction::Interaction;

/// The secret token in a staff user's calendar feed URL: calendar apps
/// send no bearer header, so the token is the credential. Its `Debug`
/// never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct FeedToken(String);

/// The text cannot be a feed token: it is empty or longer than
/// [`FeedToken::MAX_LEN`]. Reported as a missing token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("is required")]
pub struct InvalidFeedToken;

impl FeedToken {
    /// The longest token accepted in a feed URL, in bytes (generated ones are shorter).
    pub const MAX_LEN: usize = 128;

    /// Wraps the text of a token a [`FeedTokens`](crate::ports::FeedTokens)
    /// adapter just generated.
    #[must_use]
    pub fn new(raw: String) -> Self {
        Self(raw)
    }

    /// Parses a token from a feed URL: 1 to [`MAX_LEN`](Self::MAX_LEN)
    /// bytes, taken as is. Whether it opens a feed is for the service to
    /// find out.
    pub fn parse(raw: &str) -> Result<Self, InvalidFeedToken> {
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return Err(InvalidFeedToken);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The token text, for the feed's owner only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FeedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FeedToken(<redacted>)")
    }
}

/// The one-way hash of a feed token: what the store keeps, and finds the
/// feed's owner by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedTokenHash(String);

impl FeedTokenHash {
    /// Wraps a hash computed by a [`FeedTokens`](crate::ports::FeedTokens) adapter.
    #[must_use]
    pub fn new(hash: String) -> Self {
        Self(hash)
    }

    /// The hash text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Someone taking part in a calendar event: the organizer or an attendee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The name, for staff users; `None` for attendees known only by email.
    pub name: Option<String>,
    /// The email address.
    pub email: String,
}

/// One interaction of a calendar, with its people resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    /// The interaction.
    pub interaction: Interaction,
    /// The organizer, when it names a staff user that exists.
    pub organizer: Option<Participant>,
    /// The other participants in the interaction's order: staff users that
    /// exist (with their names) and attendees known by email; staff ids
    /// that name nobody are left out.
    pub attendees: Vec<Participant>,
}

/// A calendar as the interactions context hands it out, ready to be written
/// as iCalendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarView {
    /// The calendar's name: `CRM` for a feed, `CRM <kind>` for one interaction.
    pub name: String,
    /// The interactions: the one asked for, or a feed's oldest first.
    pub entries: Vec<CalendarEntry>,
    /// When the calendar was made, from the clock (iCalendar's `DTSTAMP`).
    pub now: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_token_has_1_to_128_bytes() {
        for length in [1, 43, 128] {
            let raw = "t".repeat(length);
            assert_eq!(FeedToken::parse(&raw).unwrap().expose(), raw);
        }
        for length in [0, 129, 1000] {
            let error = FeedToken::parse(&"t".repeat(length)).unwrap_err();
            assert_eq!(error.to_string(), "is required");
        }
        assert!(FeedToken::parse(&"é".repeat(64)).is_ok(), "128 bytes");
        assert!(FeedToken::parse(&"é".repeat(65)).is_err(), "130 bytes");
    }

    #[test]
    fn a_feed_token_is_never_shown_by_debug() {
        let token = FeedToken::parse("s3cret").unwrap();
        assert_eq!(format!("{token:?}"), "FeedToken(<redacted>)");
        assert!(!format!("{:?}", FeedToken::new("s3cret".to_owned())).contains("s3cret"));
    }
}
