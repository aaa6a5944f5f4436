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
