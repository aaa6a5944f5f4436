//! What `/api/companies` answers.

use crm_customers::Company;
use crm_kernel::{CompanyId, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::pagination::{ListBody, ListKey};

/// A company as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyBody {
    /// Its id.
    pub company_id: CompanyId,
    /// Name.
    pub name: String,
    /// Postal address.
    pub address: Option<String>,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Staff notes.
    pub notes: Option<String>,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// Revision (also the `ETag`).
    pub version: u64,
}

impl From<Company> for CompanyBody {
    fn from(company: Company) -> Self {
        Self {
            company_id: company.id,
            name: company.name.to_string(),
            address: company.address.map(|a| a.to_string()),
            phone: company.phone.map(|p| p.to_string()),
            website: company.website.map(|w| w.to_string()),
            notes: company.notes.map(|n| n.to_string()),
            created_at: company.created_at,
            updated_at: company.updated_at,
            version: company.version.get(),
        }
    }
}

impl ListKey for CompanyBody {
    const KEY: &'static str = "companies";
    const SCHEMA: &'static str = "CompanyList";
    const DESCRIPTION: &'static str = "One page of companies.";
    const ITEMS: &'static str = "The companies.";
}

/// One page of companies.
pub type CompanyList = ListBody<CompanyBody>;
