//! Who may do what with a ticket.

use std::time::Duration;

use crm_kernel::{AgentScope, Principal, Timestamp, Visibility};

use crate::error::TicketError;
use crate::ports::CustomerRef;
use crate::status::TicketStatus;
use crate::ticket::Ticket;

/// Everything one can do with a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketAction {
    /// See it, its public comments and its history.
    View,
    /// Raise a ticket for the customer.
    Raise,
    /// Write a comment the customer sees.
    Comment,
    /// Write or read staff-only notes.
    InternalNote,
    /// Mark it resolved.
    Resolve,
    /// Reopen it after resolution.
    Reopen,
    /// Close it for good.
    Close,
    /// Start working on it (in progress).
    Start,
    /// Change priority, assignee or subject.
    Edit,
}

impl TicketAction {
    /// Every action.
    pub const ALL: [Self; 9] = [
        Self::View,
        Self::Raise,
        Self::Comment,
        Self::InternalNote,
        Self::Resolve,
        Self::Reopen,
        Self::Close,
        Self::Start,
        Self::Edit,
    ];

    /// The status this action moves a ticket to, if it is a transition.
    #[must_use]
    pub fn target(self) -> Option<TicketStatus> {
        match self {
            Self::Resolve => Some(TicketStatus::Resolved),
            Self::Reopen => Some(TicketStatus::Reopened),
            Self::Close => Some(TicketStatus::Closed),
            Self::Start => Some(TicketStatus::InProgress),
            Self::View | Self::Raise | Self::Comment | Self::InternalNote | Self::Edit => None,
        }
    }
}

/// The tickets context's rules:
///
/// - staff may do everything with the tickets of customers they can see
///   ([`Visibility`]: admins all, agents their companies' and own customers);
/// - the customer a ticket is about may view, raise, comment on, resolve and
///   reopen it (reopen only within `reopen_window` after resolution), but
///   not close it, start it, edit it, or write staff-only notes;
/// - anyone else does not see it at all (404, not 403).
#[derive(Debug, Clone, Copy)]
pub struct TicketPolicy {
    /// Which customers agents see.
    pub agent_scope: AgentScope,
    /// How long after resolution the customer may reopen.
    pub reopen_window: Duration,
}

impl Default for TicketPolicy {
    /// Agents see their assigned customers; customers may reopen for 14 days.
    fn default() -> Self {
        Self {
            agent_scope: AgentScope::Assigned,
            reopen_window: Duration::from_hours(14 * 24),
        }
    }
}

impl TicketPolicy {
    /// The customers whose tickets `principal` may see.
    #[must_use]
    pub fn visibility(&self, principal: &Principal) -> Visibility {
        Visibility::of(principal, self.agent_scope)
    }

    /// Whether `principal` may see the tickets of `customer`.
    #[must_use]
    pub fn can_see(&self, principal: &Principal, customer: &CustomerRef) -> bool {
        self.visibility(principal)
            .includes(customer.id, customer.company_id, customer.owner_id)
    }

    /// Decides whether `principal` may perform `action` on `ticket` (of
    /// `customer`) at `now`. `TicketNotFound` when it may not even see it.
    pub fn check(
        &self,
        principal: &Principal,
        action: TicketAction,
        customer: &CustomerRef,
        ticket: Option<&Ticket>,
        now: Timestamp,
    ) -> Result<(), TicketError> {
        if !self.can_see(principal, customer) {
            return Err(if ticket.is_some() {
                TicketError::TicketNotFound
            } else {
                TicketError::CustomerNotFound
            });
        }
        if principal.is_staff() {
            return Ok(());
        }
        match action {
            TicketAction::View
            | TicketAction::Raise
            | TicketAction::Comment
            | TicketAction::Resolve => Ok(()),
            TicketAction::Reopen => {
                let resolved_at = ticket.and_then(|t| t.resolved_at);
                match resolved_at {
                    Some(at) if now.since(at) > self.reopen_window => {
                        Err(TicketError::ReopenWindowClosed {
                            days: self.reopen_window.as_secs() / 86_400,
                        })
                    }
                    _ => Ok(()),
                }
            }
            TicketAction::InternalNote
            | TicketAction::Close
            | TicketAction::Start
            | TicketAction::Edit => Err(TicketError::Forbidden),
        }
    }
}
