//! Company records.

use crm_kernel::{Action, CompanyId, Page, PageRequest, Policy, Principal, retry_lost_races};
use tracing::info;

use super::CustomerService;
use crate::company::{Company, CompanyPatch, NewCompany};
use crate::customer::Customer;
use crate::error::CustomerError;
use crate::policy::{CustomerResource, Visibility};
use crate::ports::StoreError;
use crate::query::{CompanyQuery, CustomerQuery};
use crate::values::Version;

impl CustomerService {
    /// Creates a company (admins).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn create_company(
        &self,
        caller: &Principal,
        new: NewCompany,
    ) -> Result<Company, CustomerError> {
        self.require(caller, Action::Create, &CustomerResource::Companies)?;
        let now = self.ports.clock.now();
        let company = Company {
            id: CompanyId::new(),
            name: new.name,
            address: new.address,
            phone: new.phone,
            website: new.website,
            notes: new.notes,
            created_at: now,
            updated_at: now,
            version: Version::FIRST,
        };
        self.ports
            .companies
            .insert(&company)
            .await
            .map_err(company_error)?;
        info!(company_id = %company.id, "company created");
        Ok(company)
    }

    /// One company the caller may see; 404 otherwise.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, company_id = %id))]
    pub async fn get_company(
        &self,
        caller: &Principal,
        id: CompanyId,
    ) -> Result<Company, CustomerError> {
        if !self
            .policy
            .can(caller, Action::Read, &CustomerResource::Company(id))
        {
            return Err(CustomerError::CompanyNotFound);
        }
        self.ports
            .companies
            .get(id)
            .await
            .map_err(company_error)?
            .ok_or(CustomerError::CompanyNotFound)
    }

    /// Changes a company (admins); its customers show a new name at once.
    /// Concurrent changes are handled as for
    /// [`update_customer`](Self::update_customer): without `if_match` the
    /// change applies to the latest version, with it a stale one fails.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, company_id = %id))]
    pub async fn update_company(
        &self,
        caller: &Principal,
        id: CompanyId,
        patch: CompanyPatch,
        if_match: Option<Version>,
    ) -> Result<Company, CustomerError> {
        retry_lost_races(
            || self.try_update_company(caller, id, &patch, if_match),
            |error| matches!(error, CustomerError::Conflict),
        )
        .await
    }

    /// One attempt of [`Self::update_company`]; a lost version race is
    /// [`CustomerError::Conflict`].
    async fn try_update_company(
        &self,
        caller: &Principal,
        id: CompanyId,
        patch: &CompanyPatch,
        if_match: Option<Version>,
    ) -> Result<Company, CustomerError> {
        let current = self.get_company(caller, id).await?;
        self.require(caller, Action::Update, &CustomerResource::Company(id))?;
        if let Some(expected) = if_match
            && expected != current.version
        {
            return Err(CustomerError::PreconditionFailed {
                current: current.version,
            });
        }
        let next = patch.apply_to(&current, self.ports.clock.now());
        match self.ports.companies.update(&next, current.version).await {
            Ok(()) => Ok(next),
            Err(StoreError::VersionConflict) => Err(CustomerError::Conflict),
            Err(error) => Err(company_error(error)),
        }
    }

    /// Deletes a company (admins). With customers left it is refused unless
    /// `detach` is set, which unlinks them (keeping their data).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, company_id = %id, detach))]
    pub async fn delete_company(
        &self,
        caller: &Principal,
        id: CompanyId,
        detach: bool,
    ) -> Result<(), CustomerError> {
        self.get_company(caller, id).await?;
        self.require(caller, Action::Delete, &CustomerResource::Company(id))?;
        self.ports
            .companies
            .delete(id, detach, self.ports.clock.now())
            .await
            .map_err(company_error)?;
        info!("company deleted");
        Ok(())
    }

    /// One page of the companies the caller may see (staff only).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn list_companies(
        &self,
        caller: &Principal,
        query: &CompanyQuery,
        page: &PageRequest,
    ) -> Result<Page<Company>, CustomerError> {
        self.require(caller, Action::Read, &CustomerResource::Companies)?;
        let only = match self.policy.visibility(caller) {
            Visibility::All => None,
            Visibility::Agent { company_ids, .. } => Some(company_ids),
            Visibility::Own(_) | Visibility::Nothing => Some(Vec::new()),
        };
        self.ports
            .companies
            .list(query, only.as_deref(), page)
            .await
            .map_err(company_error)
    }

    /// One page of a visible company's customers that the caller may see.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, company_id = %id))]
    pub async fn company_customers(
        &self,
        caller: &Principal,
        id: CompanyId,
        query: CustomerQuery,
        page: &PageRequest,
    ) -> Result<Page<Customer>, CustomerError> {
        self.get_company(caller, id).await?;
        let query = CustomerQuery {
            company_id: Some(id),
            ..query
        };
        self.list_customers(caller, &query, page).await
    }
}

fn company_error(error: StoreError) -> CustomerError {
    match error {
        StoreError::NotFound => CustomerError::CompanyNotFound,
        other => CustomerError::from_store(other),
    }
}
