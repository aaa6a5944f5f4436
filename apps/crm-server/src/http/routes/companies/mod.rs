//! `/api/companies`: companies (their customers are listed by `customers`).

pub mod body;
pub mod request;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use crm_customers::{Company, CompanyPatch, NewCompany};
use crm_kernel::{CompanyId, ValidationErrors};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::etag::{if_match, versioned};
use crate::http::fields::flag;
use crate::http::json::ApiJson;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;
use body::{CompanyBody, CompanyList};
use request::{
    CreateCompanyRequest, DeleteCompanyParams, ListCompaniesParams, UpdateCompanyRequest,
};

/// Registers `/api/companies`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_company)
        .service(list_companies)
        .service(get_company)
        .service(update_company)
        .service(delete_company);
}

/// A company's JSON answer, with its version as the `ETag`.
fn answer(response: &mut HttpResponseBuilder, company: Company) -> HttpResponse {
    versioned(response, company.version, CompanyBody::from(company))
}

/// Create a company (admins).
#[utoipa::path(
    tag = "companies",
    request_body = CreateCompanyRequest,
    responses((status = 201, description = "Created", body = CompanyBody,
        headers(("location" = String, description = "/api/companies/{company_id}"), ("etag" = String, description = "Version"))))
)]
#[post("/api/companies")]
pub async fn create_company(
    caller: Caller,
    state: web::Data<AppState>,
    body: ApiJson<CreateCompanyRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = NewCompany::try_from(body.0)?;
    let company = state.customers.create_company(&caller.0, new).await?;
    let location = format!("/api/companies/{}", company.id);
    Ok(answer(
        HttpResponse::Created().insert_header((header::LOCATION, location)),
        company,
    ))
}

/// List companies (staff; agents see their assigned companies).
#[utoipa::path(
    tag = "companies",
    params(PageParams, ListCompaniesParams),
    responses((status = 200, description = "One page of companies", body = CompanyList))
)]
#[get("/api/companies")]
pub async fn list_companies(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    params: web::Query<ListCompaniesParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let query = params.query(&mut errors);
    let scope = params.scope(&query);
    let companies: CompanyList =
        paginate(&state, &page, &scope, errors, |state, page| async move {
            state
                .customers
                .list_companies(&caller.0, &query, &page)
                .await
        })
        .await?;
    Ok(HttpResponse::Ok().json(companies))
}

/// Get one company.
#[utoipa::path(
    tag = "companies",
    responses((status = 200, description = "The company", body = CompanyBody, headers(("etag" = String, description = "Version"))))
)]
#[get("/api/companies/{company_id}")]
pub async fn get_company(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<CompanyId>,
) -> Result<HttpResponse, ApiError> {
    let company = state.customers.get_company(&caller.0, *id).await?;
    Ok(answer(&mut HttpResponse::Ok(), company))
}

/// Change a company (admins; JSON merge patch). Its customers show a new name at once.
#[utoipa::path(
    tag = "companies",
    params(("if-match" = Option<String>, Header, description = "ETag of the version this change is based on")),
    request_body = UpdateCompanyRequest,
    responses(
        (status = 200, description = "The changed company", body = CompanyBody, headers(("etag" = String, description = "Version"))),
        (status = 412, description = "The company changed since the If-Match version", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/companies/{company_id}")]
pub async fn update_company(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<CompanyId>,
    body: ApiJson<UpdateCompanyRequest>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let changes = CompanyPatch::try_from(body.0)?;
    let company = state
        .customers
        .update_company(&caller.0, *id, changes, expected)
        .await?;
    Ok(answer(&mut HttpResponse::Ok(), company))
}

/// Delete a company (admins).
///
/// Refused (409) while customers belong to it, unless `?detach=true`: then
/// its customers keep their data and lose the link.
#[utoipa::path(
    tag = "companies",
    params(DeleteCompanyParams),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The company still has customers", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/companies/{company_id}")]
pub async fn delete_company(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<CompanyId>,
    params: web::Query<DeleteCompanyParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let detach = flag(&mut errors, "detach", params.detach.as_deref());
    errors.into_result()?;
    state
        .customers
        .delete_company(&caller.0, *id, detach)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
