//! What `/api/customers` accepts, and its parsing into the customers context's input.

use crm_customers::{
    CustomerPatch, CustomerQuery, CustomerSort, LifecycleStatus, NewCustomer, Tag, Tags,
};
use crm_kernel::{
    CompanyId, EmailAddress, LongText, PersonName, PhoneNumber, ShortText, UserId, ValidationErrors,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::fields::{id, optional, timestamp};
use crate::http::pagination::{scope, search_text};
use crate::http::patch::{clearable, nullable, required};

/// A new customer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerRequest {
    /// First name.
    #[schema(min_length = 1, max_length = 200, example = "Ada")]
    pub first_name: String,
    /// Last name.
    #[schema(min_length = 1, max_length = 200, example = "Lovelace")]
    pub last_name: String,
    /// Email, unique among customers and staff.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Phone with country code.
    pub phone: Option<String>,
    /// The company.
    pub company_id: Option<CompanyId>,
    /// Starting status (default `lead`).
    pub status: Option<LifecycleStatus>,
    /// Staff notes.
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// The responsible agent (default: the agent creating it).
    pub owner_id: Option<UserId>,
    /// Labels (at most 20, each 1–50 characters).
    pub tags: Option<Vec<String>>,
    /// Origin.
    #[schema(max_length = 500)]
    pub source: Option<String>,
}

impl TryFrom<CreateCustomerRequest> for NewCustomer {
    type Error = ValidationErrors;

    fn try_from(request: CreateCustomerRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let first_name = errors.check("first_name", PersonName::parse(&request.first_name));
        let last_name = errors.check("last_name", PersonName::parse(&request.last_name));
        let email = optional(
            &mut errors,
            "email",
            request.email.as_deref(),
            EmailAddress::parse,
        );
        let phone = optional(
            &mut errors,
            "phone",
            request.phone.as_deref(),
            PhoneNumber::parse,
        );
        let notes = optional(
            &mut errors,
            "notes",
            request.notes.as_deref(),
            LongText::parse,
        );
        let source = optional(
            &mut errors,
            "source",
            request.source.as_deref(),
            ShortText::parse,
        );
        let tags = errors.check("tags", Tags::parse(&request.tags.unwrap_or_default()));
        match (first_name, last_name, email, phone, notes, source, tags) {
            (
                Some(first_name),
                Some(last_name),
                Some(email),
                Some(phone),
                Some(notes),
                Some(source),
                Some(tags),
            ) if errors.is_empty() => Ok(Self {
                first_name,
                last_name,
                email,
                phone,
                company_id: request.company_id,
                status: request.status,
                notes,
                owner_id: request.owner_id,
                tags,
                source,
            }),
            _ => Err(errors),
        }
    }
}

/// A partial update (JSON merge patch); `null` clears optional fields.
/// Customers may change only their names, email and phone; `status` must be
/// a valid lifecycle transition.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct UpdateCustomerRequest {
    /// New first name.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub first_name: Option<Option<String>>,
    /// New last name.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub last_name: Option<Option<String>>,
    /// New email, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    /// New phone, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// New company, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<CompanyId>)]
    pub company_id: Option<Option<CompanyId>>,
    /// New status (lead → prospect → customer → churned → lead or customer).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = LifecycleStatus)]
    pub status: Option<Option<LifecycleStatus>>,
    /// New notes, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub notes: Option<Option<String>>,
    /// New owner, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<UserId>)]
    pub owner_id: Option<Option<UserId>>,
    /// New set of tags.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<String>)]
    pub tags: Option<Option<Vec<String>>>,
    /// New source, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub source: Option<Option<String>>,
}

impl TryFrom<UpdateCustomerRequest> for CustomerPatch {
    type Error = ValidationErrors;

    fn try_from(request: UpdateCustomerRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let first_name = required(&mut errors, "first_name", request.first_name)
            .and_then(|v| errors.check("first_name", PersonName::parse(&v)));
        let last_name = required(&mut errors, "last_name", request.last_name)
            .and_then(|v| errors.check("last_name", PersonName::parse(&v)));
        let email = clearable(&mut errors, "email", request.email, |v: String| {
            EmailAddress::parse(&v)
        });
        let phone = clearable(&mut errors, "phone", request.phone, |v: String| {
            PhoneNumber::parse(&v)
        });
        let status = required(&mut errors, "status", request.status);
        let notes = clearable(&mut errors, "notes", request.notes, |v: String| {
            LongText::parse(&v)
        });
        let tags = required(&mut errors, "tags", request.tags)
            .and_then(|v| errors.check("tags", Tags::parse(&v)));
        let source = clearable(&mut errors, "source", request.source, |v: String| {
            ShortText::parse(&v)
        });
        errors.into_result()?;
        Ok(Self {
            first_name,
            last_name,
            email,
            phone,
            company_id: request.company_id,
            status,
            notes,
            owner_id: request.owner_id,
            tags,
            source,
        })
    }
}

/// Filters and sort of customer lists (and of the CSV export).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilterParams {
    /// Free text: every word must match the start of a word in the name,
    /// email, phone, company name or notes. Best matches first: those whose
    /// name holds every word, then those that also need the email, the
    /// phone, the company name, the notes; in creation order within each.
    pub q: Option<String>,
    /// Only this status.
    #[param(value_type = Option<LifecycleStatus>)]
    pub status: Option<String>,
    /// Only customers of this company.
    #[param(value_type = Option<String>, format = Uuid)]
    pub company_id: Option<String>,
    /// Only customers this agent owns.
    #[param(value_type = Option<String>, format = Uuid)]
    pub owner_id: Option<String>,
    /// Only customers with this tag.
    pub tag: Option<String>,
    /// Created at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_from: Option<String>,
    /// Created before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_to: Option<String>,
    /// `name`, `created_at` (default), `updated_at`, `last_interaction` or
    /// `relevance` (default with `q`); prefix `-` for descending.
    #[param(value_type = Option<String>, pattern = "^-?(name|created_at|updated_at|last_interaction|relevance)$")]
    pub sort: Option<String>,
}

impl CustomerFilterParams {
    /// The query these parameters describe, recording invalid ones.
    pub fn query(&self, errors: &mut ValidationErrors) -> CustomerQuery {
        let text = search_text(errors, self.q.as_ref());
        let sort = id(errors, "sort", self.sort.as_deref(), |s| {
            CustomerSort::parse(s).ok_or(
                "must be name, created_at, updated_at, last_interaction or relevance, optionally prefixed with -",
            )
        });
        CustomerQuery {
            status: id(errors, "status", self.status.as_deref(), |s| {
                LifecycleStatus::parse(s).ok_or("must be lead, prospect, customer or churned")
            }),
            company_id: id(
                errors,
                "company_id",
                self.company_id.as_deref(),
                CompanyId::parse,
            ),
            owner_id: id(errors, "owner_id", self.owner_id.as_deref(), UserId::parse),
            tag: id(errors, "tag", self.tag.as_deref(), Tag::parse),
            created_from: timestamp(errors, "created_from", self.created_from.as_deref()),
            created_to: timestamp(errors, "created_to", self.created_to.as_deref()),
            text,
            ..CustomerQuery::default()
        }
        .ordered_by(sort)
    }

    /// The scope cursors of this list are bound to.
    pub fn scope(&self, list: &str) -> String {
        scope(
            list,
            &(
                &self.q,
                &self.status,
                &self.company_id,
                &self.owner_id,
                &self.tag,
                &self.created_from,
                &self.created_to,
                &self.sort,
            ),
        )
    }
}
