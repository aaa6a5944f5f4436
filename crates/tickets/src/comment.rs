//! Comments on tickets.

use crm_kernel::{CommentId, LongText, PrincipalId, TicketId, Timestamp};

/// A comment on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id.
    pub id: CommentId,
    /// The ticket.
    pub ticket_id: TicketId,
    /// Who wrote it.
    pub author: PrincipalId,
    /// What it says.
    pub body: LongText,
    /// A staff-only note, never shown to the customer.
    pub internal: bool,
    /// When written.
    pub created_at: Timestamp,
}

/// A comment being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    /// What it says.
    pub body: LongText,
    /// Staff-only (customers may not write internal notes).
    pub internal: bool,
}

/// A staff member's public answer, as a ticket's first response: when it
/// was written and how long after the ticket was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstResponse {
    /// When the answer was written.
    pub at: Timestamp,
    /// Seconds from raising the ticket to `at`.
    pub seconds: u64,
}
