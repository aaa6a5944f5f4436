//! Filters of interaction lists.

use crm_kernel::{CustomerId, SortDirection, Timestamp, UserId};

use crate::kind::{InteractionKind, InteractionStatus};

/// Filters of an interaction list; ordered by start, newest first unless asked otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InteractionQuery {
    /// Only this customer's.
    pub customer_id: Option<CustomerId>,
    /// Only this organizer's.
    pub organizer_id: Option<UserId>,
    /// Only this kind.
    pub kind: Option<InteractionKind>,
    /// Only this status.
    pub status: Option<InteractionStatus>,
    /// Starting at or after.
    pub from: Option<Timestamp>,
    /// Starting before.
    pub to: Option<Timestamp>,
    /// `Desc` (newest first, the default for histories) or `Asc`.
    pub direction: SortDirection,
}
