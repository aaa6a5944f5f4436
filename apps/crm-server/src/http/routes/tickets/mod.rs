//! `/api/tickets`: customers raise tickets and mark them resolved; staff work
//! them. Also `/api/customers/{customer_id}/tickets`, a ticket list.

pub mod body;
pub mod request;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use crm_kernel::{CustomerId, TicketId, ValidationErrors};
use crm_tickets::{NewComment, NewTicket, Ticket, TicketPatch};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::etag::{if_match, versioned};
use crate::http::idempotency::idempotency_key;
use crate::http::json::ApiJson;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;
use body::{
    CommentBody, CommentList, TicketBody, TicketEventBody, TicketEvents, TicketList, TicketMessage,
};
use request::{NewCommentRequest, RaiseTicketRequest, TicketFilterParams, UpdateTicketRequest};

/// Registers `/api/tickets` and `/api/customers/{customer_id}/tickets`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(raise_ticket)
        .service(list_tickets)
        .service(customer_tickets)
        .service(get_ticket)
        .service(update_ticket)
        .service(resolve_ticket)
        .service(reopen_ticket)
        .service(close_ticket)
        .service(ticket_events)
        .service(add_comment)
        .service(list_comments);
}

/// Lists tickets for `/api/tickets` and `/api/customers/{id}/tickets`.
async fn ticket_list(
    caller: Caller,
    state: &AppState,
    page: &PageParams,
    params: &TicketFilterParams,
    customer: Option<CustomerId>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let query = params.query(&mut errors);
    let scope = params.scope(&format!(
        "tickets|{}",
        customer.map(|c| c.to_string()).unwrap_or_default()
    ));
    let tickets: TicketList = paginate(state, page, &scope, errors, |state, page| async move {
        match customer {
            Some(id) => {
                state
                    .tickets
                    .customer_tickets(&caller.0, id, query, &page)
                    .await
            }
            None => state.tickets.list(&caller.0, &query, &page).await,
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(tickets))
}

/// Raise a ticket.
///
/// Customers raise their own (`customer_id` may be left out; another
/// customer's id is 404); staff raise one for a customer they can see. With an
/// `Idempotency-Key` header, a retry with the same key and body returns the
/// first answer and creates nothing (`Idempotent-Replayed: true`); the same
/// key with a different body is 409.
#[utoipa::path(
    tag = "tickets",
    params(("idempotency-key" = Option<String>, Header, description = "1 to 255 visible ASCII characters chosen by the client")),
    request_body = RaiseTicketRequest,
    responses(
        (status = 201, description = "Raised (or replayed)", body = TicketMessage,
         headers(("location" = String, description = "/api/tickets/{ticket_id}"))),
        (status = 409, description = "The Idempotency-Key was used for a different request", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/tickets")]
pub async fn raise_ticket(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: ApiJson<RaiseTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = NewTicket::try_from(body.0)?;
    let key = idempotency_key(&req)?;
    let raised = state.tickets.raise(&caller.0, new, key).await?;
    let location = format!("/api/tickets/{}", raised.ticket.id);
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((header::LOCATION, location))
        .insert_header((
            "idempotent-replayed",
            if raised.replayed { "true" } else { "false" },
        ))
        .json(TicketMessage {
            message: "Ticket raised successfully",
            ticket: raised.ticket.into(),
        }))
}

/// List the tickets the caller may see (customers: their own).
#[utoipa::path(
    tag = "tickets",
    params(PageParams, TicketFilterParams),
    responses((status = 200, description = "One page of tickets", body = TicketList))
)]
#[get("/api/tickets")]
pub async fn list_tickets(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    params: web::Query<TicketFilterParams>,
) -> Result<HttpResponse, ApiError> {
    ticket_list(caller, &state, &page, &params, None).await
}

/// List a customer's tickets.
#[utoipa::path(
    tag = "tickets",
    params(PageParams, TicketFilterParams),
    responses((status = 200, description = "One page of the customer's tickets", body = TicketList))
)]
#[get("/api/customers/{customer_id}/tickets")]
pub async fn customer_tickets(
    caller: Caller,
    state: web::Data<AppState>,
    customer: web::Path<CustomerId>,
    page: web::Query<PageParams>,
    params: web::Query<TicketFilterParams>,
) -> Result<HttpResponse, ApiError> {
    ticket_list(caller, &state, &page, &params, Some(*customer)).await
}

/// Get one ticket.
#[utoipa::path(
    tag = "tickets",
    responses((status = 200, description = "The ticket", body = TicketBody, headers(("etag" = String, description = "Version"))))
)]
#[get("/api/tickets/{ticket_id}")]
pub async fn get_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
) -> Result<HttpResponse, ApiError> {
    let ticket = state.tickets.get(&caller.0, *id).await?;
    Ok(versioned(
        &mut HttpResponse::Ok(),
        ticket.version,
        TicketBody::from(ticket),
    ))
}

/// Change a ticket's priority, assignee, subject or status (staff).
///
/// With `If-Match`, a change based on an older version is refused (412);
/// without, it applies to the latest version.
#[utoipa::path(
    tag = "tickets",
    params(("if-match" = Option<String>, Header, description = "ETag of the version this change is based on")),
    request_body = UpdateTicketRequest,
    responses(
        (status = 200, description = "The changed ticket", body = TicketBody, headers(("etag" = String, description = "Version"))),
        (status = 409, description = "A status change the state machine does not allow, or a concurrent change", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The ticket changed since the If-Match version", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/tickets/{ticket_id}")]
pub async fn update_ticket(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
    body: ApiJson<UpdateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let changes = TicketPatch::try_from(body.0)?;
    let ticket = state
        .tickets
        .update(&caller.0, *id, changes, expected)
        .await?;
    Ok(versioned(
        &mut HttpResponse::Ok(),
        ticket.version,
        TicketBody::from(ticket),
    ))
}

/// Mark a ticket resolved (its customer or staff).
///
/// Resolving a resolved or closed ticket is 409, naming both states.
#[utoipa::path(
    tag = "tickets",
    responses(
        (status = 200, description = "Resolved", body = TicketMessage),
        (status = 409, description = "The ticket cannot be resolved from its status", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/tickets/{ticket_id}/resolve")]
pub async fn resolve_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
) -> Result<HttpResponse, ApiError> {
    let ticket = state.tickets.resolve(&caller.0, *id).await?;
    Ok(message("Ticket marked as resolved", ticket))
}

/// Reopen a resolved ticket (staff; its customer within the reopen window).
#[utoipa::path(
    tag = "tickets",
    responses(
        (status = 200, description = "Reopened", body = TicketMessage),
        (status = 409, description = "The ticket is not resolved", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/tickets/{ticket_id}/reopen")]
pub async fn reopen_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
) -> Result<HttpResponse, ApiError> {
    let ticket = state.tickets.reopen(&caller.0, *id).await?;
    Ok(message("Ticket reopened", ticket))
}

/// Close a resolved ticket for good (staff).
#[utoipa::path(
    tag = "tickets",
    responses(
        (status = 200, description = "Closed", body = TicketMessage),
        (status = 409, description = "The ticket is not resolved", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/tickets/{ticket_id}/close")]
pub async fn close_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
) -> Result<HttpResponse, ApiError> {
    let ticket = state.tickets.close(&caller.0, *id).await?;
    Ok(message("Ticket closed", ticket))
}

/// A ticket's status history, oldest first.
#[utoipa::path(
    tag = "tickets",
    responses((status = 200, description = "Every status change", body = TicketEvents))
)]
#[get("/api/tickets/{ticket_id}/events")]
pub async fn ticket_events(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
) -> Result<HttpResponse, ApiError> {
    let events = state.tickets.events(&caller.0, *id).await?;
    Ok(HttpResponse::Ok().json(TicketEvents {
        events: events.into_iter().map(TicketEventBody::from).collect(),
    }))
}

/// Comment on a ticket.
///
/// Customers write comments; staff also staff-only notes (`internal: true`).
/// A staff member's first public comment is the ticket's first response.
#[utoipa::path(
    tag = "tickets",
    request_body = NewCommentRequest,
    responses((status = 201, description = "The comment", body = CommentBody))
)]
#[post("/api/tickets/{ticket_id}/comments")]
pub async fn add_comment(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
    body: ApiJson<NewCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let comment = NewComment::try_from(body.0)?;
    let comment = state.tickets.comment(&caller.0, *id, comment).await?;
    Ok(HttpResponse::Created().json(CommentBody::from(comment)))
}

/// A ticket's comments, oldest first (customers never see staff-only notes).
#[utoipa::path(
    tag = "tickets",
    params(PageParams),
    responses((status = 200, description = "One page of comments", body = CommentList))
)]
#[get("/api/tickets/{ticket_id}/comments")]
pub async fn list_comments(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let scope = format!("comments|{id}|{}", caller.0.is_staff());
    let errors = ValidationErrors::new();
    let comments: CommentList = paginate(&state, &page, &scope, errors, |state, page| async move {
        state.tickets.comments(&caller.0, id, &page).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(comments))
}

fn message(message: &'static str, ticket: Ticket) -> HttpResponse {
    HttpResponse::Ok().json(TicketMessage {
        message,
        ticket: ticket.into(),
    })
}
