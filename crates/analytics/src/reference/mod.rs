//! The reference definitions of every count, computed from records.
//!
//! These functions say exactly what each field of [`crate::counts`] means.
//! They visit every record, so no store answers requests with them; they
//! are the oracle that stores are tested against ("the counters equal a
//! recount") and that the domain tests compute their fixtures with.

mod email;
mod interactions;
mod lifecycle;
mod tickets;

use crm_kernel::Timestamp;

pub use email::email_counts;
pub use interactions::interaction_counts;
pub use lifecycle::{journeys, lifecycle_counts};
pub use tickets::{backlog_at, ticket_counts};

use crate::scope::CustomerRef;
use crate::vocabulary::{InteractionKind, InteractionStatus, LifecycleStatus};

/// An interaction, as reports see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InteractionRecord {
    /// Its customer.
    pub customer: CustomerRef,
    /// Its kind.
    pub kind: InteractionKind,
    /// Its current status.
    pub status: InteractionStatus,
    /// Its start.
    pub date_time: Timestamp,
}

/// One recorded change of a customer's lifecycle status. A customer's
/// first change is its creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChangeRecord {
    /// Whose status.
    pub customer: CustomerRef,
    /// The status after the change.
    pub to: LifecycleStatus,
    /// When.
    pub at: Timestamp,
}

/// What happened to a ticket, as far as reports care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketTransition {
    /// It became `resolved`.
    Resolved,
    /// It became `reopened`.
    Reopened,
    /// Any other status change (`in_progress`, `closed`).
    Other,
}

/// A ticket, as reports see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRecord {
    /// Its customer.
    pub customer: CustomerRef,
    /// When raised.
    pub created_at: Timestamp,
    /// When staff first answered.
    pub first_response_at: Option<Timestamp>,
    /// Its status changes after raising, oldest first.
    pub transitions: Vec<(TicketTransition, Timestamp)>,
}

/// One recipient of an email, as reports see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecipientRecord {
    /// The customer it went to.
    pub customer: Option<CustomerRef>,
    /// When it was sent (accepted by the mail server); `None` while queued or failed.
    pub sent_at: Option<Timestamp>,
    /// Whether it bounced (hard).
    pub bounced: bool,
    /// Open events classified `human`.
    pub human_opens: u64,
    /// Open events classified otherwise.
    pub machine_opens: u64,
    /// Click events classified `human`.
    pub human_clicks: u64,
    /// Click events classified otherwise.
    pub machine_clicks: u64,
    /// Replies.
    pub replies: u64,
}
