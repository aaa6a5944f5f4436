//! A ticket's whole recorded history, as a bulk loader hands it to a
//! store: the ticket as raised, then its comments and changes in order.
//!
//! Stores write it as their `TicketRepository::insert`, `add_comment` and
//! `update` would, one step after the other.

use crate::comment::{Comment, FirstResponse};
use crate::ticket::{Ticket, TicketEvent};

/// One step in a ticket's life after it was raised.
#[derive(Debug, Clone)]
pub enum TicketStep {
    /// A comment; with `Some`, a staff member's public answer that is the
    /// ticket's first response.
    Comment(Comment, Option<FirstResponse>),
    /// A change of the ticket (the next version) and its status event.
    Change(Ticket, TicketEvent),
}

/// A ticket as it was raised, then what happened to it (in order).
#[derive(Debug, Clone)]
pub struct TicketHistory {
    /// The ticket as raised and its first event.
    pub raised: (Ticket, TicketEvent),
    /// Comments and changes, oldest first.
    pub steps: Vec<TicketStep>,
}

impl TicketHistory {
    /// The ticket as its last step left it: each change replaces it, and
    /// each answer is applied as [`Ticket::with_first_response`] says (as a
    /// store applies it when the comment is added).
    #[must_use]
    pub fn latest(&self) -> Ticket {
        let mut ticket = self.raised.0.clone();
        for step in &self.steps {
            match step {
                TicketStep::Comment(_, Some(answer)) => {
                    if let Some(next) = ticket.with_first_response(*answer) {
                        ticket = next;
                    }
                }
                TicketStep::Comment(_, None) => {}
                TicketStep::Change(next, _) => ticket = next.clone(),
            }
        }
        ticket
    }

    /// Every status event, oldest first.
    pub fn events(&self) -> impl Iterator<Item = &TicketEvent> {
        std::iter::once(&self.raised.1).chain(self.steps.iter().filter_map(|step| match step {
            TicketStep::Change(_, event) => Some(event),
            TicketStep::Comment(..) => None,
        }))
    }

    /// Every comment, oldest first.
    pub fn comments(&self) -> impl Iterator<Item = &Comment> {
        self.steps.iter().filter_map(|step| match step {
            TicketStep::Comment(comment, _) => Some(comment),
            TicketStep::Change(..) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CommentId, CustomerId, LongText, PrincipalId, TicketId, Timestamp, UserId};

    use super::*;
    use crate::status::{Channel, Priority, TicketStatus};
    use crate::ticket::Subject;

    fn minute(n: i64) -> Timestamp {
        Timestamp::from_millis(1_780_000_000_000 + n * 60_000).unwrap()
    }

    fn comment(ticket: &Ticket, at: i64) -> Comment {
        Comment {
            id: CommentId::new(),
            ticket_id: ticket.id,
            author: PrincipalId::User(UserId::new()),
            body: LongText::parse("On it").unwrap(),
            internal: false,
            created_at: minute(at),
        }
    }

    #[test]
    fn the_latest_ticket_has_each_change_and_the_earliest_answer() {
        let raised = Ticket {
            id: TicketId::new(),
            customer_id: CustomerId::new(),
            subject: Subject::parse("Broken").unwrap(),
            issue: LongText::parse("Broken").unwrap(),
            status: TicketStatus::Open,
            priority: Priority::Normal,
            assignee_id: None,
            channel: Channel::Portal,
            created_at: minute(0),
            updated_at: minute(0),
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            first_response_seconds: None,
            resolution_seconds: None,
            version: crm_kernel::Version::FIRST,
        };
        let event = |ticket: &Ticket, at| TicketEvent {
            ticket_id: ticket.id,
            from: None,
            to: ticket.status,
            at: minute(at),
            actor: PrincipalId::User(UserId::new()),
        };
        let answer = raised.first_response(minute(5)).unwrap();
        let answered = raised.with_first_response(answer).unwrap();
        let resolved = answered.transitioned(TicketStatus::Resolved, minute(30));
        let history = TicketHistory {
            raised: (raised.clone(), event(&raised, 0)),
            steps: vec![
                TicketStep::Comment(comment(&raised, 5), Some(answer)),
                TicketStep::Change(resolved.clone(), event(&resolved, 30)),
                // A later answer leaves the first response as it is.
                TicketStep::Comment(
                    comment(&raised, 40),
                    Some(crate::comment::FirstResponse {
                        at: minute(40),
                        seconds: 2_400,
                    }),
                ),
            ],
        };
        assert_eq!(history.latest(), resolved);
        let statuses: Vec<TicketStatus> = history.events().map(|e| e.to).collect();
        assert_eq!(statuses, [TicketStatus::Open, TicketStatus::Resolved]);
        assert_eq!(history.comments().count(), 2);
    }
}
