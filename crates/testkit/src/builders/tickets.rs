//! Builders of valid tickets, ticket events, comments and idempotency keys.

use crm_kernel::{CommentId, CustomerId, PrincipalId, TicketId, Timestamp, Version};
use crm_tickets::{
    Channel, Comment, IdempotencyKey, Priority, Subject, Ticket, TicketEvent, TicketStatus,
};

use super::{long_text, now};

/// Parses a subject literal.
#[must_use]
pub fn subject(text: &str) -> Subject {
    Subject::parse(text).unwrap_or_else(|error| panic!("test subject {text:?}: {error}"))
}

/// A valid ticket as a service raises it for `customer` (which must exist
/// in a store): open, normal priority, raised through the API, unassigned,
/// with a subject and a two-line issue, at version 1, created a minute
/// before it was last updated, neither answered nor resolved nor closed.
#[must_use]
pub fn ticket(customer: CustomerId) -> Ticket {
    let updated_at = now();
    Ticket {
        id: TicketId::new(),
        customer_id: customer,
        subject: subject("Printer does not print"),
        issue: long_text("The office printer stopped printing.\nIt shows error E42."),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee_id: None,
        channel: Channel::Api,
        created_at: Timestamp::from_millis(updated_at.as_millis() - 60_000).unwrap_or(updated_at),
        updated_at,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        first_response_seconds: None,
        resolution_seconds: None,
        version: Version::FIRST,
    }
}

/// A valid [`ticket`] of `customer` with this subject.
#[must_use]
pub fn ticket_about(customer: CustomerId, text: &str) -> Ticket {
    Ticket {
        subject: subject(text),
        ..ticket(customer)
    }
}

/// The event that records raising `ticket`: from nothing to its status, at
/// its creation time, by `actor`.
#[must_use]
pub fn raised_event(ticket: &Ticket, actor: PrincipalId) -> TicketEvent {
    ticket_event(ticket.id, None, ticket.status, ticket.created_at, actor)
}

/// A change of `ticket`'s status.
#[must_use]
pub fn ticket_event(
    ticket: TicketId,
    from: Option<TicketStatus>,
    to: TicketStatus,
    at: Timestamp,
    actor: PrincipalId,
) -> TicketEvent {
    TicketEvent {
        ticket_id: ticket,
        from,
        to,
        at,
        actor,
    }
}

/// A valid public comment on `ticket` by `author`, written now.
#[must_use]
pub fn comment(ticket: TicketId, author: PrincipalId) -> Comment {
    Comment {
        id: CommentId::new(),
        ticket_id: ticket,
        author,
        body: long_text("Thanks, we are looking into it.\nPlease restart it meanwhile."),
        internal: false,
        created_at: now(),
    }
}

/// A valid staff-only note on `ticket` by `author`, written now.
#[must_use]
pub fn internal_note(ticket: TicketId, author: PrincipalId) -> Comment {
    Comment {
        body: long_text("Known firmware bug; escalate if it recurs."),
        internal: true,
        ..comment(ticket, author)
    }
}

/// The idempotency key `key` of `principal` for the request `fingerprint`.
#[must_use]
pub fn idempotency_key(principal: PrincipalId, key: &str, fingerprint: &str) -> IdempotencyKey {
    IdempotencyKey::parse(principal, key, fingerprint.to_owned())
        .unwrap_or_else(|error| panic!("test idempotency key {key:?}: {error}"))
}

#[cfg(test)]
mod tests {
    use crm_kernel::UserId;

    use super::*;

    #[test]
    fn ticket_builders_are_valid_and_unique() {
        let customer = CustomerId::new();
        let (a, b) = (ticket(customer), ticket(customer));
        assert_ne!(a.id, b.id);
        assert!(a.created_at < a.updated_at);
        assert_eq!(ticket_about(customer, "Hello").subject.as_str(), "Hello");
        let actor = PrincipalId::User(UserId::new());
        let event = raised_event(&a, actor);
        assert_eq!(
            (event.ticket_id, event.from, event.to, event.at),
            (a.id, None, TicketStatus::Open, a.created_at)
        );
        assert!(!comment(a.id, actor).internal);
        assert!(internal_note(a.id, actor).internal);
        assert_eq!(idempotency_key(actor, "k-1", "f").key, "k-1");
    }
}
