//! `/api/customers`: customer records, lifecycle and status history, CSV
//! import and export (`csv.rs`); and `/api/companies/{company_id}/customers`,
//! which lists customers like `/api/customers` does.

pub mod body;
pub mod csv;
pub mod request;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use crm_customers::{Customer, CustomerPatch, NewCustomer};
use crm_kernel::{CompanyId, CustomerId, ValidationErrors};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::etag::{if_match, versioned};
use crate::http::json::ApiJson;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;
use body::{CustomerBody, CustomerList, StatusChangeBody, StatusHistoryBody};
use request::{CreateCustomerRequest, CustomerFilterParams, UpdateCustomerRequest};

/// Registers `/api/customers` and `/api/companies/{company_id}/customers`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // The fixed paths before `/api/customers/{customer_id}`.
    cfg.service(csv::import_customers)
        .service(csv::export_customers)
        .service(create_customer)
        .service(list_customers)
        .service(get_customer)
        .service(update_customer)
        .service(erase_customer)
        .service(status_history)
        .service(company_customers);
}

/// Lists customers for `/api/customers` and `/api/companies/{id}/customers`.
async fn customer_list(
    caller: Caller,
    state: &AppState,
    page: &PageParams,
    params: &CustomerFilterParams,
    company: Option<CompanyId>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let query = params.query(&mut errors);
    let scope = params.scope(&format!(
        "customers|{}",
        company.map(|c| c.to_string()).unwrap_or_default()
    ));
    let customers: CustomerList = paginate(state, page, &scope, errors, |state, page| async move {
        match company {
            Some(id) => {
                state
                    .customers
                    .company_customers(&caller.0, id, query, &page)
                    .await
            }
            None => {
                state
                    .customers
                    .list_customers(&caller.0, &query, &page)
                    .await
            }
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(customers))
}

/// A customer's JSON answer, with its version as the `ETag`.
fn answer(response: &mut HttpResponseBuilder, customer: Customer) -> HttpResponse {
    versioned(response, customer.version, CustomerBody::from(customer))
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
    let new = NewCustomer::try_from(body.0)?;
    let customer = state.customers.create_customer(&caller.0, new).await?;
    let location = format!("/api/customers/{}", customer.id);
    Ok(answer(
        HttpResponse::Created().insert_header((header::LOCATION, location)),
        customer,
    ))
}

/// List customers (staff; agents see their companies' and their own customers).
#[utoipa::path(
    tag = "customers",
    params(PageParams, CustomerFilterParams),
    responses((status = 200, description = "One page of customers", body = CustomerList))
)]
#[get("/api/customers")]
pub async fn list_customers(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    params: web::Query<CustomerFilterParams>,
) -> Result<HttpResponse, ApiError> {
    customer_list(caller, &state, &page, &params, None).await
}

/// List a company's customers (with the customer list's filters).
#[utoipa::path(
    tag = "companies",
    params(PageParams, CustomerFilterParams),
    responses((status = 200, description = "One page of the company's customers", body = CustomerList))
)]
#[get("/api/companies/{company_id}/customers")]
pub async fn company_customers(
    caller: Caller,
    state: web::Data<AppState>,
    company: web::Path<CompanyId>,
    page: web::Query<PageParams>,
    params: web::Query<CustomerFilterParams>,
) -> Result<HttpResponse, ApiError> {
    customer_list(caller, &state, &page, &params, Some(*company)).await
}

/// Get one customer (customers: only themselves).
#[utoipa::path(
    tag = "customers",
    responses((status = 200, description = "The customer", body = CustomerBody, headers(("etag" = String, description = "Version"))))
)]
#[get("/api/customers/{customer_id}")]
pub async fn get_customer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<CustomerId>,
) -> Result<HttpResponse, ApiError> {
    let customer = state.customers.get_customer(&caller.0, *id).await?;
    Ok(answer(&mut HttpResponse::Ok(), customer))
}

/// Change a customer (JSON merge patch).
///
/// A status change must follow the lifecycle (409 otherwise) and is recorded.
/// With `If-Match`, a change based on an older version is refused (412).
#[utoipa::path(
    tag = "customers",
    params(("if-match" = Option<String>, Header, description = "ETag of the version this change is based on")),
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
    id: web::Path<CustomerId>,
    body: ApiJson<UpdateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let changes = CustomerPatch::try_from(body.0)?;
    let customer = state
        .customers
        .update_customer(&caller.0, *id, changes, expected)
        .await?;
    Ok(answer(&mut HttpResponse::Ok(), customer))
}

/// Erase a customer (admins).
///
/// Personal data and the sign-in account are removed; an anonymised
/// tombstone (id, status, company, dates, status history) stays so that
/// reports remain correct. The customer is no longer found or listed.
#[utoipa::path(
    tag = "customers",
    responses((status = 204, description = "Erased"))
)]
#[delete("/api/customers/{customer_id}")]
pub async fn erase_customer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<CustomerId>,
) -> Result<HttpResponse, ApiError> {
    state.customers.erase_customer(&caller.0, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A customer's status history, oldest first.
#[utoipa::path(
    tag = "customers",
    responses((status = 200, description = "Every status change", body = StatusHistoryBody))
)]
#[get("/api/customers/{customer_id}/status-history")]
pub async fn status_history(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<CustomerId>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let changes = state.customers.status_history(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(StatusHistoryBody {
        customer_id: id,
        changes: changes.into_iter().map(StatusChangeBody::from).collect(),
    }))
}
