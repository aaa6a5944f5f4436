//! The tickets use cases.

mod comments;
mod tickets;

use std::sync::Arc;

use crm_kernel::{Clock, Principal, TicketId};

use crate::error::TicketError;
use crate::policy::{TicketAction, TicketPolicy};
use crate::ports::{
    AssigneeDirectory, CustomerDirectory, CustomerRef, StoreError, TicketRepository,
};
use crate::ticket::Ticket;

/// The adapters the tickets service works through.
#[derive(Debug, Clone)]
pub struct TicketPorts {
    /// Tickets, events and comments.
    pub tickets: Arc<dyn TicketRepository>,
    /// Customers, to link and to decide visibility.
    pub customers: Arc<dyn CustomerDirectory>,
    /// Staff users, for assignment.
    pub assignees: Arc<dyn AssigneeDirectory>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// A raised ticket, and whether it was raised before under the same
/// idempotency key (then nothing new was created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    /// The ticket.
    pub ticket: Ticket,
    /// True when this was a retry of an earlier request.
    pub replayed: bool,
}

/// The tickets context's use cases.
#[derive(Debug, Clone)]
pub struct TicketService {
    ports: TicketPorts,
    policy: TicketPolicy,
}

impl TicketService {
    /// A service over the given adapters and rules.
    #[must_use]
    pub fn new(ports: TicketPorts, policy: TicketPolicy) -> Self {
        Self { ports, policy }
    }

    /// The ticket and its customer, when `caller` may perform `action` on it.
    async fn ticket_for(
        &self,
        caller: &Principal,
        id: TicketId,
        action: TicketAction,
    ) -> Result<(Ticket, CustomerRef), TicketError> {
        let ticket = self
            .ports
            .tickets
            .get(id)
            .await
            .map_err(store_error)?
            .ok_or(TicketError::TicketNotFound)?;
        let customer = self
            .ports
            .customers
            .any_customer_ref(ticket.customer_id)
            .await
            .map_err(store_error)?
            .ok_or(TicketError::TicketNotFound)?;
        self.policy.check(
            caller,
            action,
            &customer,
            Some(&ticket),
            self.ports.clock.now(),
        )?;
        Ok((ticket, customer))
    }
}

/// A store error where nothing more specific applies.
fn store_error(error: StoreError) -> TicketError {
    match error {
        StoreError::NotFound => TicketError::TicketNotFound,
        StoreError::VersionConflict => TicketError::Conflict,
        StoreError::IdempotencyMismatch => TicketError::IdempotencyKeyReused,
        StoreError::Backend(error) => TicketError::Backend(error),
    }
}

#[cfg(test)]
mod tests;
