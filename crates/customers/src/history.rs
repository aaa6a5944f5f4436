//! A customer's whole recorded history, as a bulk loader hands it to a
//! store: the customer as created, then each later version in order.
//!
//! Stores write it as their `CustomerRepository::insert` then `update`
//! would, one version after the other, so every read model those writes
//! keep is kept the same way.

use crate::customer::Customer;
use crate::lifecycle::StatusChange;

/// A customer as it was created, then each later version with the status
/// change that led to it (oldest first).
#[derive(Debug, Clone)]
pub struct CustomerHistory {
    /// The customer as created (version 1) and its first status.
    pub created: (Customer, StatusChange),
    /// Each change: the customer after it (next version) and, when the
    /// status moved, the change.
    pub changes: Vec<(Customer, Option<StatusChange>)>,
}

impl CustomerHistory {
    /// The customer as its last version left it.
    #[must_use]
    pub fn latest(&self) -> &Customer {
        self.changes
            .last()
            .map_or(&self.created.0, |(customer, _)| customer)
    }

    /// Every status change, oldest first.
    pub fn status_changes(&self) -> impl Iterator<Item = &StatusChange> {
        std::iter::once(&self.created.1).chain(self.changes.iter().filter_map(|(_, c)| c.as_ref()))
    }
}
