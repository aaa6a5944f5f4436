//! The customers use cases.

mod companies;
mod customers;
mod export;
mod import;

use std::sync::Arc;

use crm_kernel::{Action, Clock, CustomerId, Policy, Principal};

use crate::error::CustomerError;
use crate::policy::{AgentScope, CustomerPolicy, CustomerResource};
use crate::ports::{CompanyRepository, CustomerRepository, StaffDirectory, StoreError};

pub use export::CustomerExport;

/// The adapters the customers service works through.
#[derive(Debug, Clone)]
pub struct CustomerPorts {
    /// Customers and status history.
    pub customers: Arc<dyn CustomerRepository>,
    /// Companies.
    pub companies: Arc<dyn CompanyRepository>,
    /// Staff users, for owner references.
    pub staff: Arc<dyn StaffDirectory>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// The customers context's use cases: customers, companies, lifecycle,
/// erasure and import.
#[derive(Debug, Clone)]
pub struct CustomerService {
    ports: CustomerPorts,
    policy: CustomerPolicy,
}

impl CustomerService {
    /// A service over the given adapters; `agent_scope` says which customers agents see.
    #[must_use]
    pub fn new(ports: CustomerPorts, agent_scope: AgentScope) -> Self {
        Self {
            ports,
            policy: CustomerPolicy { agent_scope },
        }
    }

    /// The policy in force.
    #[must_use]
    pub fn policy(&self) -> CustomerPolicy {
        self.policy
    }

    fn require(
        &self,
        caller: &Principal,
        action: Action,
        resource: &CustomerResource<'_>,
    ) -> Result<(), CustomerError> {
        if self.policy.can(caller, action, resource) {
            Ok(())
        } else {
            Err(CustomerError::Forbidden)
        }
    }

    /// Turns a store error into the context's error, naming the existing
    /// customer of a duplicate email only when the caller may see it.
    async fn store_error(&self, caller: &Principal, error: StoreError) -> CustomerError {
        match error {
            StoreError::DuplicateEmail { existing } => CustomerError::DuplicateEmail {
                existing: self.visible_id(caller, existing).await,
            },
            other => CustomerError::from_store(other),
        }
    }

    async fn visible_id(&self, caller: &Principal, id: Option<CustomerId>) -> Option<CustomerId> {
        let customer = self.ports.customers.get(id?).await.ok()??;
        self.policy
            .can_see(caller, &customer)
            .then_some(customer.id)
    }
}

#[cfg(test)]
mod tests;
