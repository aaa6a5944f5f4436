//! The interactions use cases.

mod calendar;
mod finish;
mod read;
mod schedule;

use std::sync::Arc;

use crm_kernel::{AgentScope, Clock, CustomerId, Principal, Visibility};

use crate::error::InteractionError;
use crate::ports::{
    CalendarFeeds, CustomerDirectory, CustomerRef, FeedTokens, HistoryQuery, InteractionRepository,
    StaffDirectory, StoreError,
};

/// The adapters the interactions service works through.
#[derive(Debug, Clone)]
pub struct InteractionPorts {
    /// Interactions.
    pub interactions: Arc<dyn InteractionRepository>,
    /// Customer histories across contexts.
    pub history: Arc<dyn HistoryQuery>,
    /// Customers, to link and to decide visibility.
    pub customers: Arc<dyn CustomerDirectory>,
    /// Staff users, for organizers and attendees.
    pub staff: Arc<dyn StaffDirectory>,
    /// Calendar feed tokens, as stored.
    pub feeds: Arc<dyn CalendarFeeds>,
    /// Making and hashing calendar feed tokens.
    pub feed_tokens: Arc<dyn FeedTokens>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// The interactions context's use cases.
///
/// Staff schedule, change, complete and cancel interactions with the
/// customers they can see (admins all; agents their companies' and own
/// customers, or all with [`AgentScope::All`]). Customers read their own
/// interactions and history, never staff-only notes. Interactions are also
/// read as calendars: one at a time, or as a staff user's secret feed.
#[derive(Debug, Clone)]
pub struct InteractionService {
    ports: InteractionPorts,
    agent_scope: AgentScope,
}

impl InteractionService {
    /// A service over the given adapters.
    #[must_use]
    pub fn new(ports: InteractionPorts, agent_scope: AgentScope) -> Self {
        Self { ports, agent_scope }
    }

    fn visibility(&self, caller: &Principal) -> Visibility {
        Visibility::of(caller, self.agent_scope)
    }

    /// The customer, when it exists and the caller may see it.
    async fn visible_customer(
        &self,
        caller: &Principal,
        id: CustomerId,
    ) -> Result<CustomerRef, InteractionError> {
        let customer = self
            .ports
            .customers
            .customer_ref(id)
            .await
            .map_err(store_error)?
            .ok_or(InteractionError::CustomerNotFound)?;
        if self
            .visibility(caller)
            .includes(customer.id, customer.company_id, customer.owner_id)
        {
            Ok(customer)
        } else {
            Err(InteractionError::CustomerNotFound)
        }
    }
}

/// A store error where nothing more specific applies.
fn store_error(error: StoreError) -> InteractionError {
    match error {
        StoreError::NotFound => InteractionError::InteractionNotFound,
        StoreError::VersionConflict => InteractionError::Conflict,
        StoreError::UnknownCustomer => InteractionError::CustomerNotFound,
        StoreError::Backend(error) => InteractionError::Backend(error),
    }
}

#[cfg(test)]
mod tests;
