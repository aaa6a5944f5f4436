//! `/api/companies`: companies and their customers.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use crm_customers::{Company, CompanyPatch, CompanyQuery, CompanySort, NewCompany, Website};
use crm_kernel::{
    CompanyId, LongText, PersonName, PhoneNumber, SortDirection, Timestamp, ValidationErrors,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::customers::{CustomerFilterParams, CustomerList, customer_list};
use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::etag::{etag, if_match};
use crate::http::fields::{flag, optional};
use crate::http::json::ApiJson;
use crate::http::pagination;
use crate::http::patch::{clearable, nullable, required};
use crate::state::AppState;

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

fn company_response(status: actix_web::http::StatusCode, company: Company) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(company.version)))
        .json(CompanyBody::from(company))
}

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

impl CreateCompanyRequest {
    fn parse(self) -> Result<NewCompany, ApiError> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", PersonName::parse(&self.name));
        let address = optional(
            &mut errors,
            "address",
            self.address.as_deref(),
            LongText::parse,
        );
        let phone = optional(
            &mut errors,
            "phone",
            self.phone.as_deref(),
            PhoneNumber::parse,
        );
        let website = optional(
            &mut errors,
            "website",
            self.website.as_deref(),
            Website::parse,
        );
        let notes = optional(&mut errors, "notes", self.notes.as_deref(), LongText::parse);
        match (name, address, phone, website, notes) {
            (Some(name), Some(address), Some(phone), Some(website), Some(notes))
                if errors.is_empty() =>
            {
                Ok(NewCompany {
                    name,
                    address,
                    phone,
                    website,
                    notes,
                })
            }
            _ => Err(ApiError::validation(&errors)),
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

impl UpdateCompanyRequest {
    fn parse(self) -> Result<CompanyPatch, ApiError> {
        let mut errors = ValidationErrors::new();
        let name = required(&mut errors, "name", self.name)
            .and_then(|v| errors.check("name", PersonName::parse(&v)));
        let address = clearable(&mut errors, "address", self.address, |v: String| {
            LongText::parse(&v)
        });
        let phone = clearable(&mut errors, "phone", self.phone, |v: String| {
            PhoneNumber::parse(&v)
        });
        let website = clearable(&mut errors, "website", self.website, |v: String| {
            Website::parse(&v)
        });
        let notes = clearable(&mut errors, "notes", self.notes, |v: String| {
            LongText::parse(&v)
        });
        errors.into_result().map_err(|e| ApiError::validation(&e))?;
        Ok(CompanyPatch {
            name,
            address,
            phone,
            website,
            notes,
        })
    }
}

/// Filters, sort and page of the company list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCompaniesParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Free text matched against name, website and phone.
    pub q: Option<String>,
    /// `name` (default), `created_at` or `updated_at`; prefix `-` for descending.
    #[param(value_type = Option<String>, pattern = "^-?(name|created_at|updated_at)$")]
    pub sort: Option<String>,
}

/// One page of companies.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyList {
    /// The companies.
    pub companies: Vec<CompanyBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The `{company_id}` path segment.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CompanyPath {
    /// The company's id.
    #[param(value_type = String, format = Uuid)]
    pub company_id: String,
}

impl CompanyPath {
    fn id(&self) -> Result<CompanyId, ApiError> {
        CompanyId::parse(&self.company_id)
            .map_err(|_| ApiError::invalid_field("company_id", "is not a valid id"))
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

fn parse_sort(errors: &mut ValidationErrors, text: Option<&str>) -> (CompanySort, SortDirection) {
    let Some(text) = text else {
        return (CompanySort::default(), SortDirection::Asc);
    };
    let (direction, name) = SortDirection::split(text);
    match name {
        "name" => (CompanySort::Name, direction),
        "created_at" => (CompanySort::CreatedAt, direction),
        "updated_at" => (CompanySort::UpdatedAt, direction),
        _ => {
            errors.add(
                "sort",
                "must be name, created_at or updated_at, optionally prefixed with -",
            );
            (CompanySort::default(), SortDirection::Asc)
        }
    }
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
    let new = body.0.parse()?;
    let company = state.customers.create_company(&caller.0, new).await?;
    let location = format!("/api/companies/{}", company.id);
    let mut response = company_response(actix_web::http::StatusCode::CREATED, company);
    response.headers_mut().insert(
        header::LOCATION,
        header::HeaderValue::from_str(&location).map_err(|e| ApiError::internal(&e))?,
    );
    Ok(response)
}

/// List companies (staff; agents see their assigned companies).
#[utoipa::path(
    tag = "companies",
    params(ListCompaniesParams),
    responses((status = 200, description = "One page of companies", body = CompanyList))
)]
#[get("/api/companies")]
pub async fn list_companies(
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<ListCompaniesParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let mut errors = ValidationErrors::new();
    let (sort, direction) = parse_sort(&mut errors, params.sort.as_deref());
    let text = pagination::search_text(&mut errors, params.q.as_ref());
    let scope = pagination::scope(
        "companies",
        &(params.sort.as_deref().unwrap_or("name"), &text),
    );
    let page = pagination::page_request(
        &mut errors,
        &state.cursors,
        &scope,
        params.limit.as_deref(),
        params.cursor.as_deref(),
    );
    errors.into_result().map_err(|e| ApiError::validation(&e))?;
    let query = CompanyQuery {
        text,
        sort,
        direction,
    };
    let companies = state
        .customers
        .list_companies(&caller.0, &query, &page)
        .await?;
    let next_cursor = pagination::next_cursor(&state.cursors, &scope, &companies);
    Ok(HttpResponse::Ok().json(CompanyList {
        companies: companies.items.into_iter().map(CompanyBody::from).collect(),
        next_cursor,
    }))
}

/// Get one company.
#[utoipa::path(
    tag = "companies",
    params(CompanyPath),
    responses((status = 200, description = "The company", body = CompanyBody, headers(("etag" = String, description = "Version"))))
)]
#[get("/api/companies/{company_id}")]
pub async fn get_company(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CompanyPath>,
) -> Result<HttpResponse, ApiError> {
    let company = state.customers.get_company(&caller.0, path.id()?).await?;
    Ok(company_response(actix_web::http::StatusCode::OK, company))
}

/// Change a company (admins; JSON merge patch). Its customers show a new name at once.
#[utoipa::path(
    tag = "companies",
    params(CompanyPath, ("if-match" = Option<String>, Header, description = "ETag of the version this change is based on")),
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
    path: web::Path<CompanyPath>,
    body: ApiJson<UpdateCompanyRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let expected = if_match(&req)?;
    let changes = body.0.parse()?;
    let company = state
        .customers
        .update_company(&caller.0, id, changes, expected)
        .await?;
    Ok(company_response(actix_web::http::StatusCode::OK, company))
}

/// Delete a company (admins).
///
/// Refused (409) while customers belong to it, unless `?detach=true`: then
/// its customers keep their data and lose the link.
#[utoipa::path(
    tag = "companies",
    params(CompanyPath, DeleteCompanyParams),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The company still has customers", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/companies/{company_id}")]
pub async fn delete_company(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CompanyPath>,
    params: web::Query<DeleteCompanyParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let mut errors = ValidationErrors::new();
    let detach = flag(&mut errors, "detach", params.detach.as_deref());
    errors.into_result().map_err(|e| ApiError::validation(&e))?;
    state
        .customers
        .delete_company(&caller.0, id, detach)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a company's customers (with the customer list's filters).
#[utoipa::path(
    tag = "companies",
    params(CompanyPath, CustomerFilterParams),
    responses((status = 200, description = "One page of the company's customers", body = CustomerList))
)]
#[get("/api/companies/{company_id}/customers")]
pub async fn company_customers(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CompanyPath>,
    params: web::Query<CustomerFilterParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    customer_list(&caller, &state, params.into_inner(), Some(id)).await
}
