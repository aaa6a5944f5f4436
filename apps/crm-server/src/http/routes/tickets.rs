//! `/api/tickets`: customers raise tickets and mark them resolved; staff work them.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use crm_kernel::{
    CustomerId, LongText, PrincipalKind, TicketId, Timestamp, UserId, ValidationErrors,
};
use crm_tickets::{
    Channel, Comment, NewComment, NewTicket, Priority, Subject, Ticket, TicketEvent, TicketPatch,
    TicketQuery, TicketSort, TicketStatus,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::customers::CustomerPath;
use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::fields::{id, timestamp};
use crate::http::json::ApiJson;
use crate::http::pagination;
use crate::http::patch::{nullable, required};
use crate::state::AppState;

/// A ticket as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketBody {
    /// Its id.
    pub ticket_id: TicketId,
    /// The customer it is about.
    pub customer_id: CustomerId,
    /// One-line summary.
    pub subject: String,
    /// What the customer reported.
    pub issue: String,
    /// `open`, `in_progress`, `resolved`, `closed` or `reopened`.
    pub status: TicketStatus,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: Priority,
    /// The staff user working it.
    pub assignee_id: Option<UserId>,
    /// `api`, `email` or `portal`.
    pub channel: Channel,
    /// When raised.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// When staff first answered.
    pub first_response_at: Option<Timestamp>,
    /// When last resolved.
    pub resolved_at: Option<Timestamp>,
    /// When closed.
    pub closed_at: Option<Timestamp>,
    /// Seconds from raising to the first staff answer.
    pub first_response_seconds: Option<u64>,
    /// Seconds from raising to the last resolution.
    pub resolution_seconds: Option<u64>,
    /// Revision.
    pub version: u64,
}

impl From<Ticket> for TicketBody {
    fn from(ticket: Ticket) -> Self {
        Self {
            ticket_id: ticket.id,
            customer_id: ticket.customer_id,
            subject: ticket.subject.as_str().to_owned(),
            issue: ticket.issue.to_string(),
            status: ticket.status,
            priority: ticket.priority,
            assignee_id: ticket.assignee_id,
            channel: ticket.channel,
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            first_response_at: ticket.first_response_at,
            resolved_at: ticket.resolved_at,
            closed_at: ticket.closed_at,
            first_response_seconds: ticket.first_response_seconds,
            resolution_seconds: ticket.resolution_seconds,
            version: ticket.version.get(),
        }
    }
}

/// A ticket with a message saying what happened (the original contract's answer).
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketMessage {
    /// `Ticket raised successfully`, `Ticket marked as resolved`, …
    #[schema(example = "Ticket raised successfully")]
    pub message: &'static str,
    /// The ticket.
    #[serde(flatten)]
    pub ticket: TicketBody,
}

/// A ticket being raised.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseTicketRequest {
    /// The customer; a customer raising its own may leave it out.
    pub customer_id: Option<CustomerId>,
    /// What happened.
    #[schema(
        min_length = 1,
        max_length = 10000,
        example = "The invoice for March is missing"
    )]
    pub issue: String,
    /// One-line summary; the issue's first line when left out.
    #[schema(max_length = 200)]
    pub subject: Option<String>,
    /// Default `normal`.
    pub priority: Option<Priority>,
    /// Default `portal` for customers, `api` for staff.
    pub channel: Option<Channel>,
}

impl RaiseTicketRequest {
    fn parse(self) -> Result<NewTicket, ApiError> {
        let mut errors = ValidationErrors::new();
        let issue = errors.check("issue", LongText::parse(&self.issue));
        let subject = match self.subject.as_deref() {
            None => Some(None),
            Some(text) => errors.check("subject", Subject::parse(text)).map(Some),
        };
        match (issue, subject) {
            (Some(issue), Some(subject)) if errors.is_empty() => Ok(NewTicket {
                customer_id: self.customer_id,
                issue,
                subject,
                priority: self.priority,
                channel: self.channel,
            }),
            _ => Err(ApiError::validation(&errors)),
        }
    }
}

/// A change of a ticket (staff; JSON merge patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct UpdateTicketRequest {
    /// New subject.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub subject: Option<Option<String>>,
    /// New priority.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Priority)]
    pub priority: Option<Option<Priority>>,
    /// New assignee, or `null` to unassign.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<UserId>)]
    pub assignee_id: Option<Option<UserId>>,
    /// New status, through the state machine.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = TicketStatus)]
    pub status: Option<Option<TicketStatus>>,
}

impl UpdateTicketRequest {
    fn parse(self) -> Result<TicketPatch, ApiError> {
        let mut errors = ValidationErrors::new();
        let subject = required(&mut errors, "subject", self.subject)
            .and_then(|v| errors.check("subject", Subject::parse(&v)));
        let priority = required(&mut errors, "priority", self.priority);
        let status = required(&mut errors, "status", self.status);
        errors.into_result().map_err(|e| ApiError::validation(&e))?;
        Ok(TicketPatch {
            subject,
            priority,
            assignee_id: self.assignee_id,
            status,
        })
    }
}

/// Filters, sort and page of ticket lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketFilterParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only this status.
    #[param(value_type = Option<TicketStatus>)]
    pub status: Option<String>,
    /// Only this priority.
    #[param(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// Only tickets assigned to this staff user.
    #[param(value_type = Option<String>, format = Uuid)]
    pub assignee_id: Option<String>,
    /// Only this customer's tickets.
    #[param(value_type = Option<String>, format = Uuid)]
    pub customer_id: Option<String>,
    /// Case-insensitive text in the subject or issue.
    pub q: Option<String>,
    /// Raised at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Raised before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
    /// `created_at` (default), `updated_at` or `priority`; prefix `-` for descending.
    #[param(value_type = Option<String>, pattern = "^-?(created_at|updated_at|priority)$")]
    pub sort: Option<String>,
}

impl TicketFilterParams {
    fn query(&self, errors: &mut ValidationErrors) -> TicketQuery {
        let text = pagination::search_text(errors, self.q.as_ref());
        TicketQuery {
            status: id(errors, "status", self.status.as_deref(), |s| {
                TicketStatus::parse(s).ok_or("must be open, in_progress, resolved, closed or reopened")
            }),
            priority: id(errors, "priority", self.priority.as_deref(), |s| {
                Priority::parse(s).ok_or("must be low, normal, high or urgent")
            }),
            assignee_id: id(errors, "assignee_id", self.assignee_id.as_deref(), UserId::parse),
            customer_id: id(errors, "customer_id", self.customer_id.as_deref(), CustomerId::parse),
            text,
            from: timestamp(errors, "from", self.from.as_deref()),
            to: timestamp(errors, "to", self.to.as_deref()),
            sort: match self.sort.as_deref() {
                None => TicketSort::default(),
                Some(s) => errors
                    .check(
                        "sort",
                        TicketSort::parse(s).ok_or("must be created_at, updated_at or priority, optionally prefixed with -"),
                    )
                    .unwrap_or_default(),
            },
        }
    }

    fn scope(&self, list: &str) -> String {
        pagination::scope(
            list,
            &(
                &self.status,
                &self.priority,
                &self.assignee_id,
                &self.customer_id,
                &self.q,
                &self.from,
                &self.to,
                &self.sort,
            ),
        )
    }
}

/// One page of tickets.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketList {
    /// The tickets.
    pub tickets: Vec<TicketBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

async fn ticket_list(
    caller: &Caller,
    state: &AppState,
    params: &TicketFilterParams,
    customer: Option<CustomerId>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let query = params.query(&mut errors);
    let scope = params.scope(&format!(
        "tickets|{}",
        customer.map(|c| c.to_string()).unwrap_or_default()
    ));
    let page = pagination::page_request(
        &mut errors,
        &state.cursors,
        &scope,
        params.limit.as_deref(),
        params.cursor.as_deref(),
    );
    errors.into_result().map_err(|e| ApiError::validation(&e))?;
    let tickets = match customer {
        Some(id) => {
            state
                .tickets
                .customer_tickets(&caller.0, id, query, &page)
                .await?
        }
        None => state.tickets.list(&caller.0, &query, &page).await?,
    };
    let next_cursor = pagination::next_cursor(&state.cursors, &scope, &tickets);
    Ok(HttpResponse::Ok().json(TicketList {
        tickets: tickets.items.into_iter().map(TicketBody::from).collect(),
        next_cursor,
    }))
}

/// The `{ticket_id}` path segment.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TicketPath {
    /// The ticket's id.
    #[param(value_type = String, format = Uuid)]
    pub ticket_id: String,
}

impl TicketPath {
    fn id(&self) -> Result<TicketId, ApiError> {
        TicketId::parse(&self.ticket_id)
            .map_err(|_| ApiError::invalid_field("ticket_id", "is not a valid id"))
    }
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
    let new = body.0.parse()?;
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::invalid_field("Idempotency-Key", "must be visible ASCII"))
        })
        .transpose()?;
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
    params(TicketFilterParams),
    responses((status = 200, description = "One page of tickets", body = TicketList))
)]
#[get("/api/tickets")]
pub async fn list_tickets(
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<TicketFilterParams>,
) -> Result<HttpResponse, ApiError> {
    ticket_list(&caller, &state, &params, None).await
}

/// List a customer's tickets.
#[utoipa::path(
    tag = "tickets",
    params(CustomerPath, TicketFilterParams),
    responses((status = 200, description = "One page of the customer's tickets", body = TicketList))
)]
#[get("/api/customers/{customer_id}/tickets")]
pub async fn customer_tickets(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CustomerPath>,
    params: web::Query<TicketFilterParams>,
) -> Result<HttpResponse, ApiError> {
    let customer = path.id()?;
    ticket_list(&caller, &state, &params, Some(customer)).await
}

/// Get one ticket.
#[utoipa::path(
    tag = "tickets",
    params(TicketPath),
    responses((status = 200, description = "The ticket", body = TicketBody))
)]
#[get("/api/tickets/{ticket_id}")]
pub async fn get_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<TicketPath>,
) -> Result<HttpResponse, ApiError> {
    let ticket = state.tickets.get(&caller.0, path.id()?).await?;
    Ok(HttpResponse::Ok().json(TicketBody::from(ticket)))
}

/// Change a ticket's priority, assignee, subject or status (staff).
#[utoipa::path(
    tag = "tickets",
    params(TicketPath),
    request_body = UpdateTicketRequest,
    responses(
        (status = 200, description = "The changed ticket", body = TicketBody),
        (status = 409, description = "A status change the state machine does not allow, or a concurrent change", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/tickets/{ticket_id}")]
pub async fn update_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<TicketPath>,
    body: ApiJson<UpdateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let changes = body.0.parse()?;
    let ticket = state.tickets.update(&caller.0, id, changes).await?;
    Ok(HttpResponse::Ok().json(TicketBody::from(ticket)))
}

fn message(message: &'static str, ticket: Ticket) -> HttpResponse {
    HttpResponse::Ok().json(TicketMessage {
        message,
        ticket: ticket.into(),
    })
}

/// Mark a ticket resolved (its customer or staff).
///
/// Resolving a resolved or closed ticket is 409, naming both states.
#[utoipa::path(
    tag = "tickets",
    params(TicketPath),
    responses(
        (status = 200, description = "Resolved", body = TicketMessage),
        (status = 409, description = "The ticket cannot be resolved from its status", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/tickets/{ticket_id}/resolve")]
pub async fn resolve_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<TicketPath>,
) -> Result<HttpResponse, ApiError> {
    let ticket = state.tickets.resolve(&caller.0, path.id()?).await?;
    Ok(message("Ticket marked as resolved", ticket))
}

/// Reopen a resolved ticket (staff; its customer within the reopen window).
#[utoipa::path(
    tag = "tickets",
    params(TicketPath),
    responses(
        (status = 200, description = "Reopened", body = TicketMessage),
        (status = 409, description = "The ticket is not resolved", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/tickets/{ticket_id}/reopen")]
pub async fn reopen_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<TicketPath>,
) -> Result<HttpResponse, ApiError> {
    let ticket = state.tickets.reopen(&caller.0, path.id()?).await?;
    Ok(message("Ticket reopened", ticket))
}

/// Close a resolved ticket for good (staff).
#[utoipa::path(
    tag = "tickets",
    params(TicketPath),
    responses(
        (status = 200, description = "Closed", body = TicketMessage),
        (status = 409, description = "The ticket is not resolved", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/tickets/{ticket_id}/close")]
pub async fn close_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<TicketPath>,
) -> Result<HttpResponse, ApiError> {
    let ticket = state.tickets.close(&caller.0, path.id()?).await?;
    Ok(message("Ticket closed", ticket))
}

/// One recorded status change of a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketEventBody {
    /// The status before; `null` when raised.
    pub from: Option<TicketStatus>,
    /// The status after.
    pub to: TicketStatus,
    /// When.
    pub at: Timestamp,
    /// Who: a staff user's or the customer's id.
    #[schema(format = Uuid)]
    pub actor_id: String,
    /// `user` or `customer`.
    pub actor_kind: PrincipalKind,
}

impl From<TicketEvent> for TicketEventBody {
    fn from(event: TicketEvent) -> Self {
        Self {
            from: event.from,
            to: event.to,
            at: event.at,
            actor_id: event.actor.to_string(),
            actor_kind: event.actor.kind(),
        }
    }
}

/// A ticket's status history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketEvents {
    /// Every status change, oldest first.
    pub events: Vec<TicketEventBody>,
}

/// A ticket's status history, oldest first.
#[utoipa::path(
    tag = "tickets",
    params(TicketPath),
    responses((status = 200, description = "Every status change", body = TicketEvents))
)]
#[get("/api/tickets/{ticket_id}/events")]
pub async fn ticket_events(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<TicketPath>,
) -> Result<HttpResponse, ApiError> {
    let events = state.tickets.events(&caller.0, path.id()?).await?;
    Ok(HttpResponse::Ok().json(TicketEvents {
        events: events.into_iter().map(TicketEventBody::from).collect(),
    }))
}

/// A comment on a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentBody {
    /// Its id.
    #[schema(format = Uuid)]
    pub comment_id: String,
    /// The ticket.
    pub ticket_id: TicketId,
    /// Who wrote it.
    #[schema(format = Uuid)]
    pub author_id: String,
    /// `user` (staff) or `customer`.
    pub author_kind: PrincipalKind,
    /// What it says.
    pub body: String,
    /// A staff-only note (never shown to customers).
    pub internal: bool,
    /// When written.
    pub created_at: Timestamp,
}

impl From<Comment> for CommentBody {
    fn from(comment: Comment) -> Self {
        Self {
            comment_id: comment.id.to_string(),
            ticket_id: comment.ticket_id,
            author_id: comment.author.to_string(),
            author_kind: comment.author.kind(),
            body: comment.body.to_string(),
            internal: comment.internal,
            created_at: comment.created_at,
        }
    }
}

/// A comment being written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommentRequest {
    /// What it says.
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
    /// A staff-only note (staff only; default false).
    pub internal: Option<bool>,
}

/// One page of comments.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentList {
    /// The comments, oldest first.
    pub comments: Vec<CommentBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Page of a comment list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentPageParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Comment on a ticket.
///
/// Customers write comments; staff also staff-only notes (`internal: true`).
/// A staff member's first public comment is the ticket's first response.
#[utoipa::path(
    tag = "tickets",
    params(TicketPath),
    request_body = NewCommentRequest,
    responses((status = 201, description = "The comment", body = CommentBody))
)]
#[post("/api/tickets/{ticket_id}/comments")]
pub async fn add_comment(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<TicketPath>,
    body: ApiJson<NewCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let text = LongText::parse(&body.0.body).map_err(|e| ApiError::invalid_field("body", e))?;
    let comment = state
        .tickets
        .comment(
            &caller.0,
            id,
            NewComment {
                body: text,
                internal: body.0.internal.unwrap_or(false),
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(CommentBody::from(comment)))
}

/// A ticket's comments, oldest first (customers never see staff-only notes).
#[utoipa::path(
    tag = "tickets",
    params(TicketPath, CommentPageParams),
    responses((status = 200, description = "One page of comments", body = CommentList))
)]
#[get("/api/tickets/{ticket_id}/comments")]
pub async fn list_comments(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<TicketPath>,
    params: web::Query<CommentPageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let mut errors = ValidationErrors::new();
    let scope = format!("comments|{id}|{}", caller.0.is_staff());
    let page = pagination::page_request(
        &mut errors,
        &state.cursors,
        &scope,
        params.limit.as_deref(),
        params.cursor.as_deref(),
    );
    errors.into_result().map_err(|e| ApiError::validation(&e))?;
    let comments = state.tickets.comments(&caller.0, id, &page).await?;
    let next_cursor = pagination::next_cursor(&state.cursors, &scope, &comments);
    Ok(HttpResponse::Ok().json(CommentList {
        comments: comments.items.into_iter().map(CommentBody::from).collect(),
        next_cursor,
    }))
}
