//! Customer records: create, read, change, erase, list, history.

use crm_kernel::{
    Action, CustomerId, Page, PageRequest, Principal, Role, ValidationErrors, retry_lost_races,
};
use tracing::info;

use super::CustomerService;
use crate::customer::{Customer, CustomerPatch, NewCustomer};
use crate::error::CustomerError;
use crate::lifecycle::StatusChange;
use crate::policy::CustomerResource;
use crate::ports::StoreError;
use crate::query::CustomerQuery;
use crate::values::Version;
use crm_kernel::Policy;

impl CustomerService {
    /// Creates a customer (staff). An agent who names no owner owns it, and
    /// may only create customers it will be able to see. The first status
    /// (`lead` unless given) is recorded as a change from nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn create_customer(
        &self,
        caller: &Principal,
        new: NewCustomer,
    ) -> Result<Customer, CustomerError> {
        self.require(caller, Action::Create, &CustomerResource::Customers)?;
        let now = self.ports.clock.now();
        let owner_id = match (new.owner_id, caller.role) {
            (None, Role::Agent) => caller.user_id(),
            (owner, _) => owner,
        };
        let (customer, change) = NewCustomer { owner_id, ..new }.into_customer(now, caller.id);
        self.require(
            caller,
            Action::Create,
            &CustomerResource::Customer(&customer),
        )?;
        if let Err(error) = self.ports.customers.insert(&customer, &change).await {
            return Err(self.store_error(caller, error).await);
        }
        info!(customer_id = %customer.id, status = %customer.status, "customer created");
        self.reread(customer.id, caller).await
    }

    /// One customer, as the caller may see it; 404 when it may not.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, customer_id = %id))]
    pub async fn get_customer(
        &self,
        caller: &Principal,
        id: CustomerId,
    ) -> Result<Customer, CustomerError> {
        let customer = self.visible_customer(caller, id).await?;
        Ok(customer.redacted_for(caller.is_staff()))
    }

    async fn visible_customer(
        &self,
        caller: &Principal,
        id: CustomerId,
    ) -> Result<Customer, CustomerError> {
        let customer = self
            .ports
            .customers
            .get(id)
            .await
            .map_err(CustomerError::from_store)?
            .ok_or(CustomerError::CustomerNotFound)?;
        if self
            .policy
            .can(caller, Action::Read, &CustomerResource::Customer(&customer))
        {
            Ok(customer)
        } else {
            Err(CustomerError::CustomerNotFound)
        }
    }

    async fn reread(&self, id: CustomerId, caller: &Principal) -> Result<Customer, CustomerError> {
        let customer = self
            .ports
            .customers
            .get(id)
            .await
            .map_err(CustomerError::from_store)?
            .ok_or(CustomerError::CustomerNotFound)?;
        Ok(customer.redacted_for(caller.is_staff()))
    }

    /// Changes a customer. Customers may change only their names, email and
    /// phone; a status change must follow the lifecycle and is recorded;
    /// `if_match` (the version the client last saw) guards against lost
    /// updates. Without it the change applies to the latest version: a write
    /// that loses a race with a concurrent change is attempted again on a
    /// fresh read (at most [`WRITE_ATTEMPTS`](crm_kernel::WRITE_ATTEMPTS)
    /// times, then [`CustomerError::Conflict`]); with it, a concurrent change
    /// makes it stale ([`CustomerError::PreconditionFailed`]).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, customer_id = %id))]
    pub async fn update_customer(
        &self,
        caller: &Principal,
        id: CustomerId,
        patch: CustomerPatch,
        if_match: Option<Version>,
    ) -> Result<Customer, CustomerError> {
        retry_lost_races(
            || self.try_update_customer(caller, id, &patch, if_match),
            |error| matches!(error, CustomerError::Conflict),
        )
        .await?;
        self.reread(id, caller).await
    }

    /// One attempt of [`Self::update_customer`]: read, check, write at the
    /// version read; a lost version race is [`CustomerError::Conflict`].
    async fn try_update_customer(
        &self,
        caller: &Principal,
        id: CustomerId,
        patch: &CustomerPatch,
        if_match: Option<Version>,
    ) -> Result<(), CustomerError> {
        let current = self.visible_customer(caller, id).await?;
        self.require(
            caller,
            Action::Update,
            &CustomerResource::Customer(&current),
        )?;
        if !caller.is_staff() {
            let refused = patch.staff_only_fields();
            if !refused.is_empty() {
                return Err(CustomerError::FieldsNotEditable(refused));
            }
        }
        if let Some(expected) = if_match
            && expected != current.version
        {
            return Err(CustomerError::PreconditionFailed {
                current: current.version,
            });
        }
        if let Some(to) = patch.status
            && to != current.status
            && !current.status.can_become(to)
        {
            return Err(CustomerError::InvalidTransition {
                from: current.status,
                to,
            });
        }
        let now = self.ports.clock.now();
        let next = patch.apply_to(&current, now);
        if next.has_account && next.email.is_none() {
            return Err(ValidationErrors::single(
                "email",
                "is required while the customer can sign in",
            )
            .into());
        }
        // An agent may not move a customer out of its own sight.
        self.require(caller, Action::Update, &CustomerResource::Customer(&next))?;
        let change = (next.status != current.status).then_some(StatusChange {
            customer_id: id,
            from: Some(current.status),
            to: next.status,
            at: now,
            actor: caller.id,
        });
        match self
            .ports
            .customers
            .update(&next, current.version, change.as_ref())
            .await
        {
            Ok(()) => {}
            Err(StoreError::VersionConflict) => return Err(CustomerError::Conflict),
            Err(error) => return Err(self.store_error(caller, error).await),
        }
        if let Some(change) = &change {
            info!(from = ?change.from, to = %change.to, "customer status changed");
        }
        Ok(())
    }

    /// Erases a customer (admins): personal data and the sign-in account go,
    /// an anonymised tombstone stays for reports.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, customer_id = %id))]
    pub async fn erase_customer(
        &self,
        caller: &Principal,
        id: CustomerId,
    ) -> Result<(), CustomerError> {
        let current = self.visible_customer(caller, id).await?;
        self.require(
            caller,
            Action::Delete,
            &CustomerResource::Customer(&current),
        )?;
        self.ports
            .customers
            .erase(id, self.ports.clock.now())
            .await
            .map_err(CustomerError::from_store)?;
        info!("customer erased");
        Ok(())
    }

    /// One page of the customers the caller may see (staff only).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn list_customers(
        &self,
        caller: &Principal,
        query: &CustomerQuery,
        page: &PageRequest,
    ) -> Result<Page<Customer>, CustomerError> {
        self.require(caller, Action::Read, &CustomerResource::Customers)?;
        let visibility = self.policy.visibility(caller);
        let page = self
            .ports
            .customers
            .list(query, &visibility, page)
            .await
            .map_err(CustomerError::from_store)?;
        let staff = caller.is_staff();
        Ok(page.map(|c| c.redacted_for(staff)))
    }

    /// Every status change of a customer the caller may see, oldest first.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, customer_id = %id))]
    pub async fn status_history(
        &self,
        caller: &Principal,
        id: CustomerId,
    ) -> Result<Vec<StatusChange>, CustomerError> {
        self.visible_customer(caller, id).await?;
        self.ports
            .customers
            .status_history(id)
            .await
            .map_err(CustomerError::from_store)
    }
}

impl CustomerError {
    /// A store error where no visibility question arises.
    pub(crate) fn from_store(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::CustomerNotFound,
            StoreError::DuplicateEmail { .. } => Self::DuplicateEmail { existing: None },
            // Callers that can meet a conflict handle it with a re-read; here
            // it breaks the port's contract.
            StoreError::VersionConflict => Self::Backend(crm_kernel::BackendError::msg(
                "unexpected version conflict from the customer store",
            )),
            StoreError::UnknownCompany => {
                Self::Validation(ValidationErrors::single("company_id", "names no company"))
            }
            StoreError::UnknownOwner => {
                Self::Validation(ValidationErrors::single("owner_id", "names no staff user"))
            }
            StoreError::CompanyHasCustomers => Self::CompanyHasCustomers,
            StoreError::Backend(error) => Self::Backend(error),
        }
    }
}
