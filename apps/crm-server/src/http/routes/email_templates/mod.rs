//! `/api/email-templates`: reusable subjects and bodies with variables
//! (`{{ first_name }}`), rendered by minijinja with HTML auto-escaping.

pub mod body;
pub mod request;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use crm_email::{NewTemplate, TemplatePatch};
use crm_kernel::{EmailTemplateId, ValidationErrors};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::etag::{if_match, versioned};
use crate::http::json::ApiJson;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;
use body::{PreviewBody, TemplateBody, TemplateList};
use request::{NewTemplateRequest, PreviewRequest, UpdateTemplateRequest};

/// Registers `/api/email-templates…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_template)
        .service(list_templates)
        .service(get_template)
        .service(update_template)
        .service(delete_template)
        .service(preview_template);
}

/// Create a template (staff). Variables: `first_name`, `last_name`,
/// `full_name`, `email`, `company`, `sender_name`; any other is a 400
/// naming it.
#[utoipa::path(
    tag = "emails",
    request_body = NewTemplateRequest,
    responses(
        (status = 201, description = "Created", body = TemplateBody,
         headers(("location" = String, description = "/api/email-templates/{template_id}"))),
        (status = 409, description = "Another template has this name", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/email-templates")]
pub async fn create_template(
    caller: Caller,
    state: web::Data<AppState>,
    body: ApiJson<NewTemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = NewTemplate::try_from(body.0)?;
    let template = state.email.create_template(&caller.0, new).await?;
    let location = format!("/api/email-templates/{}", template.id);
    let version = template.version;
    Ok(versioned(
        HttpResponse::build(StatusCode::CREATED).insert_header((header::LOCATION, location)),
        version,
        TemplateBody::from(template),
    ))
}

/// List templates by name (staff).
#[utoipa::path(
    tag = "emails",
    params(PageParams),
    responses((status = 200, description = "One page of templates", body = TemplateList))
)]
#[get("/api/email-templates")]
pub async fn list_templates(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let list: TemplateList = paginate(
        &state,
        &page,
        "email-templates",
        ValidationErrors::new(),
        |state, page| async move { state.email.templates(&caller.0, &page).await },
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// A template (staff).
#[utoipa::path(
    tag = "emails",
    responses((status = 200, description = "The template", body = TemplateBody))
)]
#[get("/api/email-templates/{template_id}")]
pub async fn get_template(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<EmailTemplateId>,
) -> Result<HttpResponse, ApiError> {
    let template = state.email.template(&caller.0, *id).await?;
    let version = template.version;
    Ok(versioned(
        &mut HttpResponse::Ok(),
        version,
        TemplateBody::from(template),
    ))
}

/// Change a template (admins and its author; JSON merge patch; optional `If-Match`).
#[utoipa::path(
    tag = "emails",
    params(("if-match" = Option<String>, Header, description = "The template's ETag")),
    request_body = UpdateTemplateRequest,
    responses(
        (status = 200, description = "Changed", body = TemplateBody),
        (status = 409, description = "Another template has this name, or it changed meanwhile", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/email-templates/{template_id}")]
pub async fn update_template(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<EmailTemplateId>,
    body: ApiJson<UpdateTemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let patch = TemplatePatch::try_from(body.0)?;
    let template = state
        .email
        .update_template(&caller.0, *id, &patch, expected)
        .await?;
    let version = template.version;
    Ok(versioned(
        &mut HttpResponse::Ok(),
        version,
        TemplateBody::from(template),
    ))
}

/// Delete a template (admins and its author); messages written from it
/// keep what they said.
#[utoipa::path(
    tag = "emails",
    responses((status = 204, description = "Deleted"))
)]
#[delete("/api/email-templates/{template_id}")]
pub async fn delete_template(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<EmailTemplateId>,
) -> Result<HttpResponse, ApiError> {
    state.email.delete_template(&caller.0, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Render a template for one customer, as that customer would receive it.
/// A variable without a value for this customer is a 400 naming it.
#[utoipa::path(
    tag = "emails",
    request_body = PreviewRequest,
    responses((status = 200, description = "Rendered", body = PreviewBody))
)]
#[post("/api/email-templates/{template_id}/preview")]
pub async fn preview_template(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<EmailTemplateId>,
    body: ApiJson<PreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let content = state
        .email
        .preview_template(&caller.0, *id, body.0.customer_id)
        .await?;
    Ok(HttpResponse::Ok().json(PreviewBody::from(content)))
}
