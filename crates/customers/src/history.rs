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

#[cfg(test)]
mod tests {
    use crm_kernel::{PersonName, PrincipalId, Timestamp, UserId};

    use super::*;
    use crate::customer::NewCustomer;
    use crate::lifecycle::LifecycleStatus;
    use crate::values::Tags;

    #[test]
    fn the_latest_customer_is_the_last_version_and_changes_come_in_order() {
        let at = Timestamp::from_millis(60_000).unwrap();
        let actor = PrincipalId::User(UserId::new());
        let (created, first) = NewCustomer {
            first_name: PersonName::parse("Ada").unwrap(),
            last_name: PersonName::parse("Lovelace").unwrap(),
            email: None,
            phone: None,
            company_id: None,
            status: None,
            notes: None,
            owner_id: None,
            tags: Tags::default(),
            source: None,
        }
        .into_customer(at, actor);
        let mut renamed = created.clone();
        renamed.first_name = PersonName::parse("Augusta").unwrap();
        renamed.version = created.version.next();
        let mut qualified = renamed.clone();
        qualified.status = LifecycleStatus::Prospect;
        qualified.version = renamed.version.next();
        let change = StatusChange {
            customer_id: created.id,
            from: Some(LifecycleStatus::Lead),
            to: LifecycleStatus::Prospect,
            at,
            actor,
        };
        let history = CustomerHistory {
            created: (created.clone(), first.clone()),
            changes: vec![(renamed, None), (qualified.clone(), Some(change.clone()))],
        };
        assert_eq!(history.latest(), &qualified);
        assert_eq!(
            history.status_changes().cloned().collect::<Vec<_>>(),
            [first.clone(), change]
        );
        let only_created = CustomerHistory {
            created: (created.clone(), first),
            changes: Vec::new(),
        };
        assert_eq!(only_created.latest(), &created);
    }
}
