//! Tickets and their recorded transitions.

use crm_kernel::{
    CustomerId, LongText, PrincipalId, ShortText, TextError, TicketId, Timestamp, UserId, Version,
};

use crate::comment::FirstResponse;
use crate::status::{Channel, Priority, TicketStatus};

/// A ticket's subject: one line of at most [`Subject::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(ShortText);

impl Subject {
    /// Longest subject.
    pub const MAX_CHARS: usize = 200;

    /// A subject given explicitly.
    pub fn parse(text: &str) -> Result<Self, TextError> {
        if text.trim().chars().count() > Self::MAX_CHARS {
            return Err(TextError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        ShortText::parse(text).map(Self)
    }

    /// The subject derived from an issue: its first non-empty line, cut to
    /// [`Subject::MAX_CHARS`] characters (with `…` when cut).
    #[must_use]
    pub fn from_issue(issue: &LongText) -> Self {
        let line = issue
            .as_str()
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("(no subject)");
        let clean: String = line.chars().filter(|c| !c.is_control()).collect();
        let text = if clean.chars().count() > Self::MAX_CHARS {
            let cut: String = clean.chars().take(Self::MAX_CHARS - 1).collect();
            format!("{}…", cut.trim_end())
        } else {
            clean
        };
        Self(ShortText::parse(&text).unwrap_or_else(|_| {
            // The first line held only control characters.
            ShortText::parse("(no subject)").unwrap_or_else(|_| unreachable!())
        }))
    }

    /// The subject.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A support ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its id.
    pub id: TicketId,
    /// The customer it is about.
    pub customer_id: CustomerId,
    /// One-line summary.
    pub subject: Subject,
    /// What the customer reported.
    pub issue: LongText,
    /// Where it stands.
    pub status: TicketStatus,
    /// How urgent.
    pub priority: Priority,
    /// The staff user working it.
    pub assignee_id: Option<UserId>,
    /// Where it came from.
    pub channel: Channel,
    /// When raised.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// When staff first answered (a public comment).
    pub first_response_at: Option<Timestamp>,
    /// When last resolved.
    pub resolved_at: Option<Timestamp>,
    /// When closed.
    pub closed_at: Option<Timestamp>,
    /// Seconds from raising to the first staff answer.
    pub first_response_seconds: Option<u64>,
    /// Seconds from raising to the (last) resolution.
    pub resolution_seconds: Option<u64>,
    /// Revision, raised by every change.
    pub version: Version,
}

impl Ticket {
    /// The ticket moved to `to` at `now`: the timestamps and metrics that
    /// belong to the new status are set (a resolution records its time and
    /// the seconds since raising; a close records its time).
    #[must_use]
    pub fn transitioned(&self, to: TicketStatus, now: Timestamp) -> Self {
        let mut next = self.clone();
        next.status = to;
        next.updated_at = now;
        next.version = self.version.next();
        match to {
            TicketStatus::Resolved => {
                next.resolved_at = Some(now);
                next.resolution_seconds = Some(now.since(self.created_at).as_secs());
            }
            TicketStatus::Closed => next.closed_at = Some(now),
            TicketStatus::Open | TicketStatus::InProgress | TicketStatus::Reopened => {}
        }
        next
    }

    /// The first response a staff member's public answer at `at` is, as
    /// far as this copy of the ticket knows: `None` when it was answered
    /// before. (A concurrent answer may still be recorded first; the store
    /// then keeps the earlier one, see [`Ticket::with_first_response`].)
    #[must_use]
    pub fn first_response(&self, at: Timestamp) -> Option<FirstResponse> {
        self.first_response_at.is_none().then(|| FirstResponse {
            at,
            seconds: at.since(self.created_at).as_secs(),
        })
    }

    /// The ticket with `answer` recorded as its first response, which is a
    /// change (a new version, `updated_at` at least the answer's time); or
    /// `None`, nothing changing, when an answer as early or earlier is
    /// recorded. Stores apply exactly this rule when they add a comment, in
    /// one atomic step and without a version check, so that no comment is
    /// ever refused for a concurrent change of the ticket.
    #[must_use]
    pub fn with_first_response(&self, answer: FirstResponse) -> Option<Self> {
        if self
            .first_response_at
            .is_some_and(|first| first <= answer.at)
        {
            return None;
        }
        let mut next = self.clone();
        next.first_response_at = Some(answer.at);
        next.first_response_seconds = Some(answer.seconds);
        next.updated_at = self.updated_at.max(answer.at);
        next.version = self.version.next();
        Some(next)
    }
}

/// One recorded change of a ticket's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEvent {
    /// Which ticket.
    pub ticket_id: TicketId,
    /// The status before; `None` when raised.
    pub from: Option<TicketStatus>,
    /// The status after.
    pub to: TicketStatus,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: PrincipalId,
}

/// A ticket being raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    /// The customer it is about; a customer raising its own may leave it out.
    pub customer_id: Option<CustomerId>,
    /// What happened.
    pub issue: LongText,
    /// A subject; derived from the issue's first line when not given.
    pub subject: Option<Subject>,
    /// How urgent (default `normal`).
    pub priority: Option<Priority>,
    /// Where it came from (default `portal` for customers, `api` for staff).
    pub channel: Option<Channel>,
}

impl NewTicket {
    /// The canonical text of this request, for recognising a retried one.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.customer_id.map(|c| c.to_string()).unwrap_or_default(),
            self.issue.as_str(),
            self.subject
                .as_ref()
                .map(Subject::as_str)
                .unwrap_or_default(),
            self.priority.map(Priority::as_str).unwrap_or_default(),
            self.channel.map(Channel::as_str).unwrap_or_default(),
        )
    }
}

/// A client's idempotency key for raising a ticket, with the request it was
/// first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// Who used it (keys are per principal).
    pub principal: PrincipalId,
    /// The key, 1 to 255 visible ASCII characters.
    pub key: String,
    /// The request's fingerprint ([`NewTicket::fingerprint`]).
    pub fingerprint: String,
}

impl IdempotencyKey {
    /// Checks the key's form.
    pub fn parse(
        principal: PrincipalId,
        key: &str,
        fingerprint: String,
    ) -> Result<Self, &'static str> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be 1 to 255 visible ASCII characters");
        }
        Ok(Self {
            principal,
            key: key.to_owned(),
            fingerprint,
        })
    }
}

/// A change of a ticket's staff-managed fields (merge patch): `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct TicketPatch {
    /// New subject.
    pub subject: Option<Subject>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New or cleared assignee.
    pub assignee_id: Option<Option<UserId>>,
    /// New status (through the state machine).
    pub status: Option<TicketStatus>,
}

impl TicketPatch {
    /// True when nothing changes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.subject.is_none()
            && self.priority.is_none()
            && self.assignee_id.is_none()
            && self.status.is_none()
    }

    /// The fields this patch sets, by wire name.
    #[must_use]
    pub fn fields(&self) -> Vec<&'static str> {
        [
            ("subject", self.subject.is_some()),
            ("priority", self.priority.is_some()),
            ("assignee_id", self.assignee_id.is_some()),
            ("status", self.status.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_is_the_first_line_cut_to_length() {
        let issue = LongText::parse("\n  Printer on fire  \nIt started this morning").unwrap();
        assert_eq!(Subject::from_issue(&issue).as_str(), "Printer on fire");
        let long = LongText::parse(&"x".repeat(500)).unwrap();
        let subject = Subject::from_issue(&long);
        assert_eq!(subject.as_str().chars().count(), Subject::MAX_CHARS);
        assert!(subject.as_str().ends_with('…'));
    }

    fn minute(n: i64) -> Timestamp {
        Timestamp::from_millis(1_780_000_000_000 + n * 60_000).unwrap()
    }

    fn raised_at_minute_zero() -> Ticket {
        Ticket {
            id: TicketId::new(),
            customer_id: CustomerId::new(),
            subject: Subject::parse("Broken").unwrap(),
            issue: LongText::parse("Broken").unwrap(),
            status: TicketStatus::Open,
            priority: Priority::Normal,
            assignee_id: None,
            channel: Channel::Portal,
            created_at: minute(0),
            updated_at: minute(5),
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            first_response_seconds: None,
            resolution_seconds: None,
            version: Version::new(3),
        }
    }

    #[test]
    fn the_earliest_answer_is_the_first_response() {
        let ticket = raised_at_minute_zero();
        let late = ticket.first_response(minute(9)).unwrap();
        assert_eq!(late.seconds, 540);
        let answered = ticket.with_first_response(late).unwrap();
        assert_eq!(
            (
                answered.first_response_at,
                answered.first_response_seconds,
                answered.updated_at,
                answered.version
            ),
            (Some(minute(9)), Some(540), minute(9), Version::new(4))
        );
        assert_eq!(answered.first_response(minute(10)), None, "answered");

        // An earlier answer recorded after it replaces it; updated_at never goes back.
        let early = ticket.first_response(minute(2)).unwrap();
        let replaced = answered.with_first_response(early).unwrap();
        assert_eq!(
            (
                replaced.first_response_at,
                replaced.first_response_seconds,
                replaced.updated_at,
                replaced.version
            ),
            (Some(minute(2)), Some(120), minute(9), Version::new(5))
        );
        // As early or later: nothing changes.
        assert_eq!(replaced.with_first_response(early), None);
        assert_eq!(replaced.with_first_response(late), None);
    }
}
