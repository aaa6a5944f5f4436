//! `/api/emails`: staff send email and read what became of it; also
//! `/api/customers/{customer_id}/emails`, and the inbound-mail webhook
//! (`inbound.rs`).

pub mod body;
pub mod inbound;
pub mod request;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use crm_email::{EmailView, NewEmail};
use crm_kernel::{CustomerId, EmailId, ValidationErrors};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::idempotency::idempotency_key;
use crate::http::json::ApiJson;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;
use body::{EmailDetailBody, EmailList, EngagementBody, RecipientBody, SendEmailBody};
use request::{EmailFilterParams, SendEmailRequest};

/// Registers `/api/emails…` (fixed paths before `{email_id}`) and
/// `/api/customers/{customer_id}/emails`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(send_email)
        .service(list_emails)
        .service(inbound::receive_inbound)
        .service(inbound::unmatched_inbound)
        .service(get_email)
        .service(email_engagement)
        .service(customer_emails);
}

/// Send an email (staff).
///
/// `to` is one address or a list (at most 100) of addresses and
/// `{email, customer_id}` objects; an address is matched to the customer
/// who has it. The message and its recipients are written to the outbox
/// before anything is sent; the background worker sends each recipient's
/// copy (SMTP, or `.eml` files without `CRM_SMTP_URL`). The answer gives
/// each recipient's true status: `queued` until the worker has sent it. A
/// suppressed or opted-out address is 409 naming the reason. With an
/// `Idempotency-Key`, a retry with the same key and body returns the first
/// answer and sends nothing more (`Idempotent-Replayed: true`); the same
/// key with another body is 409.
#[utoipa::path(
    tag = "emails",
    params(("idempotency-key" = Option<String>, Header, description = "1 to 255 visible ASCII characters chosen by the client")),
    request_body = SendEmailRequest,
    responses(
        (status = 202, description = "Queued (or replayed)", body = SendEmailBody,
         headers(("location" = String, description = "/api/emails/{email_id}"))),
        (status = 409, description = "An address is suppressed (the reason is named), or the Idempotency-Key was used for another request", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/emails")]
pub async fn send_email(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: ApiJson<SendEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = NewEmail::try_from(body.0)?;
    let key = idempotency_key(&req)?;
    let queued = state.email.send(&caller.0, new, key).await?;
    state.mail_wake.now();
    let recipients: Vec<RecipientBody> = queued
        .recipients
        .iter()
        .cloned()
        .map(RecipientBody::from)
        .collect();
    let email_id = queued.email.id;
    Ok(HttpResponse::build(StatusCode::ACCEPTED)
        .insert_header((header::LOCATION, format!("/api/emails/{email_id}")))
        .insert_header((
            "idempotent-replayed",
            if queued.replayed { "true" } else { "false" },
        ))
        .json(SendEmailBody {
            message: "Email sent successfully",
            email_id,
            recipients,
            email: EmailView {
                email: queued.email,
                recipients: queued.recipients,
            }
            .into(),
        }))
}

async fn email_list(
    caller: Caller,
    state: &AppState,
    page: &PageParams,
    params: &EmailFilterParams,
    customer: Option<CustomerId>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let query = params.query(&mut errors);
    let scope = params.scope(&format!(
        "emails|{}",
        customer.map(|c| c.to_string()).unwrap_or_default()
    ));
    let emails: EmailList = paginate(state, page, &scope, errors, |state, page| async move {
        match customer {
            Some(id) => state.email.list_for_customer(&caller.0, id, &page).await,
            None => state.email.list(&caller.0, &query, &page).await,
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(emails))
}

/// List the messages the caller may see (staff: its own, and those to
/// customers it may see), newest first.
#[utoipa::path(
    tag = "emails",
    params(PageParams, EmailFilterParams),
    responses((status = 200, description = "One page of messages", body = EmailList))
)]
#[get("/api/emails")]
pub async fn list_emails(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    params: web::Query<EmailFilterParams>,
) -> Result<HttpResponse, ApiError> {
    email_list(caller, &state, &page, &params, None).await
}

/// List the messages to a customer the caller may see.
#[utoipa::path(
    tag = "emails",
    params(PageParams),
    responses((status = 200, description = "One page of the customer's messages", body = EmailList))
)]
#[get("/api/customers/{customer_id}/emails")]
pub async fn customer_emails(
    caller: Caller,
    state: web::Data<AppState>,
    customer: web::Path<CustomerId>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let params = EmailFilterParams {
        customer_id: None,
        status: None,
        from: None,
        to: None,
    };
    email_list(caller, &state, &page, &params, Some(*customer)).await
}

/// A message with its recipients, events (classified) and replies.
#[utoipa::path(
    tag = "emails",
    responses((status = 200, description = "The message", body = EmailDetailBody))
)]
#[get("/api/emails/{email_id}")]
pub async fn get_email(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<EmailId>,
) -> Result<HttpResponse, ApiError> {
    let detail = state.email.get(&caller.0, *id).await?;
    Ok(HttpResponse::Ok().json(EmailDetailBody::from(detail)))
}

/// A message's engagement (original contract: `open_rate` and `responses`).
///
/// `open_rate` counts delivered recipients with an open (or click)
/// classified `human`; `open_rate_all` counts every open, as naive trackers
/// do; `click_rate` and `click_rate_all` likewise for clicks;
/// `machine_opens` and `machine_clicks` count the hits of privacy proxies
/// and scanners. Rates have at most one decimal, `"0%"` when nothing was
/// delivered.
#[utoipa::path(
    tag = "emails",
    responses((status = 200, description = "Engagement", body = EngagementBody))
)]
#[get("/api/emails/{email_id}/engagement")]
pub async fn email_engagement(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<EmailId>,
) -> Result<HttpResponse, ApiError> {
    let engagement = state.email.engagement(&caller.0, *id).await?;
    Ok(HttpResponse::Ok().json(EngagementBody::new(*id, engagement)))
}
