//! What `/api/tickets` answers.

use crm_kernel::{CustomerId, PrincipalKind, TicketId, Timestamp, UserId};
use crm_tickets::{Channel, Comment, Priority, Ticket, TicketEvent, TicketStatus};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::pagination::{ListBody, ListKey};

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

impl ListKey for TicketBody {
    const KEY: &'static str = "tickets";
    const SCHEMA: &'static str = "TicketList";
    const DESCRIPTION: &'static str = "One page of tickets.";
    const ITEMS: &'static str = "The tickets.";
}

/// One page of tickets.
pub type TicketList = ListBody<TicketBody>;

impl ListKey for CommentBody {
    const KEY: &'static str = "comments";
    const SCHEMA: &'static str = "CommentList";
    const DESCRIPTION: &'static str = "One page of comments.";
    const ITEMS: &'static str = "The comments, oldest first.";
}

/// One page of comments.
pub type CommentList = ListBody<CommentBody>;
