//! `/api/customers`: customer records, lifecycle and history.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use crm_customers::{
    Customer, CustomerPatch, CustomerQuery, CustomerSort, LifecycleStatus, NewCustomer,
    StatusChange, Tag, Tags,
};
use crm_kernel::{
    CompanyId, CustomerId, EmailAddress, LongText, PersonName, PhoneNumber, PrincipalKind,
    ShortText, Timestamp, UserId, ValidationErrors,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::etag::{etag, if_match};
use crate::http::fields::{id, optional, timestamp};
use crate::http::json::ApiJson;
use crate::http::pagination;
use crate::http::patch::{clearable, nullable, required};
use crate::state::AppState;

/// A customer as the API shows it (customers never see `notes`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerBody {
    /// Its id.
    pub customer_id: CustomerId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// The company's current name.
    pub company: Option<String>,
    /// The company.
    pub company_id: Option<CompanyId>,
    /// Lifecycle status.
    pub status: LifecycleStatus,
    /// Staff notes (`null` for customers viewing themselves).
    pub notes: Option<String>,
    /// The responsible agent.
    pub owner_id: Option<UserId>,
    /// Labels.
    pub tags: Vec<String>,
    /// Origin.
    pub source: Option<String>,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// When last in touch.
    pub last_interaction: Option<Timestamp>,
    /// Revision (also the `ETag`).
    pub version: u64,
}

impl From<Customer> for CustomerBody {
    fn from(customer: Customer) -> Self {
        Self {
            customer_id: customer.id,
            first_name: customer.first_name.to_string(),
            last_name: customer.last_name.to_string(),
            email: customer.email.map(|e| e.to_string()),
            phone: customer.phone.map(|p| p.to_string()),
            company: customer.company,
            company_id: customer.company_id,
            status: customer.status,
            notes: customer.notes.map(|n| n.to_string()),
            owner_id: customer.owner_id,
            tags: customer.tags.to_strings(),
            source: customer.source.map(|s| s.to_string()),
            created_at: customer.created_at,
            updated_at: customer.updated_at,
            last_interaction: customer.last_interaction,
            version: customer.version.get(),
        }
    }
}

fn customer_response(status: StatusCode, customer: Customer) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(customer.version)))
        .json(CustomerBody::from(customer))
}

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

impl CreateCustomerRequest {
    fn parse(self) -> Result<NewCustomer, ApiError> {
        let mut errors = ValidationErrors::new();
        let first_name = errors.check("first_name", PersonName::parse(&self.first_name));
        let last_name = errors.check("last_name", PersonName::parse(&self.last_name));
        let email = optional(
            &mut errors,
            "email",
            self.email.as_deref(),
            EmailAddress::parse,
        );
        let phone = optional(
            &mut errors,
            "phone",
            self.phone.as_deref(),
            PhoneNumber::parse,
        );
        let notes = optional(&mut errors, "notes", self.notes.as_deref(), LongText::parse);
        let source = optional(
            &mut errors,
            "source",
            self.source.as_deref(),
            ShortText::parse,
        );
        let tags = errors.check("tags", Tags::parse(&self.tags.unwrap_or_default()));
        match (first_name, last_name, email, phone, notes, source, tags) {
            (
                Some(first_name),
                Some(last_name),
                Some(email),
                Some(phone),
                Some(notes),
                Some(source),
                Some(tags),
            ) if errors.is_empty() => Ok(NewCustomer {
                first_name,
                last_name,
                email,
                phone,
                company_id: self.company_id,
                status: self.status,
                notes,
                owner_id: self.owner_id,
                tags,
                source,
            }),
            _ => Err(ApiError::validation(&errors)),
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

impl UpdateCustomerRequest {
    fn parse(self) -> Result<CustomerPatch, ApiError> {
        let mut errors = ValidationErrors::new();
        let first_name = required(&mut errors, "first_name", self.first_name)
            .and_then(|v| errors.check("first_name", PersonName::parse(&v)));
        let last_name = required(&mut errors, "last_name", self.last_name)
            .and_then(|v| errors.check("last_name", PersonName::parse(&v)));
        let email = clearable(&mut errors, "email", self.email, |v: String| {
            EmailAddress::parse(&v)
        });
        let phone = clearable(&mut errors, "phone", self.phone, |v: String| {
            PhoneNumber::parse(&v)
        });
        let status = required(&mut errors, "status", self.status);
        let notes = clearable(&mut errors, "notes", self.notes, |v: String| {
            LongText::parse(&v)
        });
        let tags = required(&mut errors, "tags", self.tags)
            .and_then(|v| errors.check("tags", Tags::parse(&v)));
        let source = clearable(&mut errors, "source", self.source, |v: String| {
            ShortText::parse(&v)
        });
        errors.into_result().map_err(|e| ApiError::validation(&e))?;
        Ok(CustomerPatch {
            first_name,
            last_name,
            email,
            phone,
            company_id: self.company_id,
            status,
            notes,
            owner_id: self.owner_id,
            tags,
            source,
        })
    }
}

/// Filters, sort and page of customer lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilterParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Free text: every word must match the start of a word in the name,
    /// email, phone, company name or notes; best matches first.
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
        let text = pagination::search_text(errors, self.q.as_ref());
        let sort = match self.sort.as_deref() {
            Some(s) => errors
                .check(
                    "sort",
                    CustomerSort::parse(s)
                        .ok_or("must be name, created_at, updated_at, last_interaction or relevance, optionally prefixed with -"),
                )
                .unwrap_or_default(),
            None if text.is_some() => CustomerSort::relevance(),
            None => CustomerSort::default(),
        };
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
            sort,
        }
    }

    /// The scope cursors of this list are bound to.
    pub fn scope(&self, list: &str) -> String {
        pagination::scope(
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

/// One page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    /// The customers.
    pub customers: Vec<CustomerBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Lists customers for `/api/customers` and `/api/companies/{id}/customers`.
pub async fn customer_list(
    caller: &Caller,
    state: &AppState,
    params: CustomerFilterParams,
    company: Option<CompanyId>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let query = params.query(&mut errors);
    let scope = params.scope(&format!(
        "customers|{}",
        company.map(|c| c.to_string()).unwrap_or_default()
    ));
    let page = pagination::page_request(
        &mut errors,
        &state.cursors,
        &scope,
        params.limit.as_deref(),
        params.cursor.as_deref(),
    );
    errors.into_result().map_err(|e| ApiError::validation(&e))?;
    let customers = match company {
        Some(id) => {
            state
                .customers
                .company_customers(&caller.0, id, query, &page)
                .await?
        }
        None => {
            state
                .customers
                .list_customers(&caller.0, &query, &page)
                .await?
        }
    };
    let next_cursor = pagination::next_cursor(&state.cursors, &scope, &customers);
    Ok(HttpResponse::Ok().json(CustomerList {
        customers: customers
            .items
            .into_iter()
            .map(CustomerBody::from)
            .collect(),
        next_cursor,
    }))
}

/// The `{customer_id}` path segment.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CustomerPath {
    /// The customer's id.
    #[param(value_type = String, format = Uuid)]
    pub customer_id: String,
}

impl CustomerPath {
    /// The id, or 400.
    pub fn id(&self) -> Result<CustomerId, ApiError> {
        CustomerId::parse(&self.customer_id)
            .map_err(|_| ApiError::invalid_field("customer_id", "is not a valid id"))
    }
}

/// One recorded status change.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeBody {
    /// The status before; `null` when the customer was created.
    pub from: Option<LifecycleStatus>,
    /// The status after.
    pub to: LifecycleStatus,
    /// When.
    pub at: Timestamp,
    /// Who: a staff user's or the customer's id.
    #[schema(format = Uuid)]
    pub actor_id: String,
    /// `user` or `customer`.
    pub actor_kind: PrincipalKind,
}

impl From<StatusChange> for StatusChangeBody {
    fn from(change: StatusChange) -> Self {
        Self {
            from: change.from,
            to: change.to,
            at: change.at,
            actor_id: change.actor.to_string(),
            actor_kind: change.actor.kind(),
        }
    }
}

/// A customer's status history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusHistoryBody {
    /// Whose.
    pub customer_id: CustomerId,
    /// Every change, oldest first.
    pub changes: Vec<StatusChangeBody>,
}

/// Create a customer (staff).
///
/// An agent who names no owner owns the customer, and may only create
/// customers of its companies or owned by itself.
#[utoipa::path(
    tag = "customers",
    request_body = CreateCustomerRequest,
    responses(
        (status = 201, description = "Created", body = CustomerBody,
         headers(("location" = String, description = "/api/customers/{customer_id}"), ("etag" = String, description = "Version"))),
        (status = 409, description = "The email is in use; `existing_id` names the customer when visible", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/customers")]
pub async fn create_customer(
    caller: Caller,
    state: web::Data<AppState>,
    body: ApiJson<CreateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = body.0.parse()?;
    let customer = state.customers.create_customer(&caller.0, new).await?;
    let location = format!("/api/customers/{}", customer.id);
    let mut response = customer_response(StatusCode::CREATED, customer);
    response.headers_mut().insert(
        header::LOCATION,
        header::HeaderValue::from_str(&location).map_err(|e| ApiError::internal(&e))?,
    );
    Ok(response)
}

/// List customers (staff; agents see their companies' and their own customers).
#[utoipa::path(
    tag = "customers",
    params(CustomerFilterParams),
    responses((status = 200, description = "One page of customers", body = CustomerList))
)]
#[get("/api/customers")]
pub async fn list_customers(
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<CustomerFilterParams>,
) -> Result<HttpResponse, ApiError> {
    customer_list(&caller, &state, params.into_inner(), None).await
}

/// Get one customer (customers: only themselves).
#[utoipa::path(
    tag = "customers",
    params(CustomerPath),
    responses((status = 200, description = "The customer", body = CustomerBody, headers(("etag" = String, description = "Version"))))
)]
#[get("/api/customers/{customer_id}")]
pub async fn get_customer(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CustomerPath>,
) -> Result<HttpResponse, ApiError> {
    let customer = state.customers.get_customer(&caller.0, path.id()?).await?;
    Ok(customer_response(StatusCode::OK, customer))
}

/// Change a customer (JSON merge patch).
///
/// A status change must follow the lifecycle (409 otherwise) and is recorded.
/// With `If-Match`, a change based on an older version is refused (412).
#[utoipa::path(
    tag = "customers",
    params(CustomerPath, ("if-match" = Option<String>, Header, description = "ETag of the version this change is based on")),
    request_body = UpdateCustomerRequest,
    responses(
        (status = 200, description = "The changed customer", body = CustomerBody, headers(("etag" = String, description = "Version"))),
        (status = 409, description = "Invalid status transition, or the email is in use", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The customer changed since the If-Match version", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/customers/{customer_id}")]
pub async fn update_customer(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CustomerPath>,
    body: ApiJson<UpdateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let expected = if_match(&req)?;
    let changes = body.0.parse()?;
    let customer = state
        .customers
        .update_customer(&caller.0, id, changes, expected)
        .await?;
    Ok(customer_response(StatusCode::OK, customer))
}

/// Erase a customer (admins).
///
/// Personal data and the sign-in account are removed; an anonymised
/// tombstone (id, status, company, dates, status history) stays so that
/// reports remain correct. The customer is no longer found or listed.
#[utoipa::path(
    tag = "customers",
    params(CustomerPath),
    responses((status = 204, description = "Erased"))
)]
#[delete("/api/customers/{customer_id}")]
pub async fn erase_customer(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CustomerPath>,
) -> Result<HttpResponse, ApiError> {
    state
        .customers
        .erase_customer(&caller.0, path.id()?)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A customer's status history, oldest first.
#[utoipa::path(
    tag = "customers",
    params(CustomerPath),
    responses((status = 200, description = "Every status change", body = StatusHistoryBody))
)]
#[get("/api/customers/{customer_id}/status-history")]
pub async fn status_history(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CustomerPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let changes = state.customers.status_history(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(StatusHistoryBody {
        customer_id: id,
        changes: changes.into_iter().map(StatusChangeBody::from).collect(),
    }))
}
