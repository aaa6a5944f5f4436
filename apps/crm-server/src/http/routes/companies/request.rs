//! What `/api/companies` accepts, and its parsing into the customers context's input.

use crm_customers::{CompanyPatch, CompanyQuery, CompanySort, NewCompany, Website};
use crm_kernel::{LongText, PersonName, PhoneNumber, ValidationErrors};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::fields::{id, optional};
use crate::http::pagination::{scope, search_text};
use crate::http::patch::{clearable, nullable, required};

/// A new company.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompanyRequest {
    /// Name.
    #[schema(min_length = 1, max_length = 200, example = "Acme Ltd")]
    pub name: String,
    /// Postal address.
    #[schema(max_length = 10000)]
    pub address: Option<String>,
    /// Phone with country code.
    pub phone: Option<String>,
    /// Website (http or https URL).
    #[schema(max_length = 2000)]
    pub website: Option<String>,
    /// Staff notes.
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

impl TryFrom<CreateCompanyRequest> for NewCompany {
    type Error = ValidationErrors;

    fn try_from(request: CreateCompanyRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", PersonName::parse(&request.name));
        let address = optional(
            &mut errors,
            "address",
            request.address.as_deref(),
            LongText::parse,
        );
        let phone = optional(
            &mut errors,
            "phone",
            request.phone.as_deref(),
            PhoneNumber::parse,
        );
        let website = optional(
            &mut errors,
            "website",
            request.website.as_deref(),
            Website::parse,
        );
        let notes = optional(
            &mut errors,
            "notes",
            request.notes.as_deref(),
            LongText::parse,
        );
        match (name, address, phone, website, notes) {
            (Some(name), Some(address), Some(phone), Some(website), Some(notes))
                if errors.is_empty() =>
            {
                Ok(Self {
                    name,
                    address,
                    phone,
                    website,
                    notes,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A partial update (JSON merge patch); `null` clears optional fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct UpdateCompanyRequest {
    /// New name.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    /// New address, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub address: Option<Option<String>>,
    /// New phone, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// New website, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub website: Option<Option<String>>,
    /// New notes, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub notes: Option<Option<String>>,
}

impl TryFrom<UpdateCompanyRequest> for CompanyPatch {
    type Error = ValidationErrors;

    fn try_from(request: UpdateCompanyRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = required(&mut errors, "name", request.name)
            .and_then(|v| errors.check("name", PersonName::parse(&v)));
        let address = clearable(&mut errors, "address", request.address, |v: String| {
            LongText::parse(&v)
        });
        let phone = clearable(&mut errors, "phone", request.phone, |v: String| {
            PhoneNumber::parse(&v)
        });
        let website = clearable(&mut errors, "website", request.website, |v: String| {
            Website::parse(&v)
        });
        let notes = clearable(&mut errors, "notes", request.notes, |v: String| {
            LongText::parse(&v)
        });
        errors.into_result()?;
        Ok(Self {
            name,
            address,
            phone,
            website,
            notes,
        })
    }
}

/// Filters and sort of the company list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCompaniesParams {
    /// Free text matched against name, website and phone.
    pub q: Option<String>,
    /// `name` (default), `created_at` or `updated_at`; prefix `-` for descending.
    #[param(value_type = Option<String>, pattern = "^-?(name|created_at|updated_at)$")]
    pub sort: Option<String>,
}

impl ListCompaniesParams {
    /// The query these parameters describe, recording invalid ones.
    pub fn query(&self, errors: &mut ValidationErrors) -> CompanyQuery {
        let order = id(errors, "sort", self.sort.as_deref(), CompanySort::parse);
        let text = search_text(errors, self.q.as_ref());
        let (sort, direction) = order.unwrap_or_default();
        CompanyQuery {
            text,
            sort,
            direction,
        }
    }

    /// The scope cursors of the company list are bound to.
    pub fn scope(&self, query: &CompanyQuery) -> String {
        scope(
            "companies",
            &(self.sort.as_deref().unwrap_or("name"), &query.text),
        )
    }
}

/// Options of company deletion.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteCompanyParams {
    /// Unlink the company's customers (they keep their data) instead of refusing.
    #[param(value_type = Option<bool>)]
    pub detach: Option<String>,
}
