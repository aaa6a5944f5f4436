//! Which messages a list shows.

use crm_kernel::{CustomerId, Timestamp, UserId, Visibility};

use crate::status::RecipientStatus;

/// Filters of a message list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailQuery {
    /// Only messages with a recipient of this customer.
    pub customer_id: Option<CustomerId>,
    /// Only messages with a recipient in this status.
    pub status: Option<RecipientStatus>,
    /// Queued at or after.
    pub from: Option<Timestamp>,
    /// Queued before.
    pub to: Option<Timestamp>,
}

/// The messages a caller may see: those it sent, and those with a
/// recipient whose customer is visible to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailScope {
    /// Customers the caller may see (`All` for admins).
    pub visibility: Visibility,
    /// The caller, whose own messages are always visible to it.
    pub sender: Option<UserId>,
}
