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
