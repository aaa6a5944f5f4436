//! What `/api/tickets` accepts, and its parsing into the tickets context's input.

use crm_kernel::{CustomerId, LongText, UserId, ValidationErrors};
use crm_tickets::{
    Channel, NewComment, NewTicket, Priority, Subject, TicketPatch, TicketQuery, TicketSort,
    TicketStatus,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::fields::{id, timestamp};
use crate::http::pagination::{scope, search_text};
use crate::http::patch::{nullable, required};

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

impl TryFrom<RaiseTicketRequest> for NewTicket {
    type Error = ValidationErrors;

    fn try_from(request: RaiseTicketRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let issue = errors.check("issue", LongText::parse(&request.issue));
        let subject = match request.subject.as_deref() {
            None => Some(None),
            Some(text) => errors.check("subject", Subject::parse(text)).map(Some),
        };
        match (issue, subject) {
            (Some(issue), Some(subject)) if errors.is_empty() => Ok(Self {
                customer_id: request.customer_id,
                issue,
                subject,
                priority: request.priority,
                channel: request.channel,
            }),
            _ => Err(errors),
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

impl TryFrom<UpdateTicketRequest> for TicketPatch {
    type Error = ValidationErrors;

    fn try_from(request: UpdateTicketRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let subject = required(&mut errors, "subject", request.subject)
            .and_then(|v| errors.check("subject", Subject::parse(&v)));
        let priority = required(&mut errors, "priority", request.priority);
        let status = required(&mut errors, "status", request.status);
        errors.into_result()?;
        Ok(Self {
            subject,
            priority,
            assignee_id: request.assignee_id,
            status,
        })
    }
}

/// Filters and sort of ticket lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketFilterParams {
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
    /// The query these parameters describe, recording invalid ones.
    pub fn query(&self, errors: &mut ValidationErrors) -> TicketQuery {
        let text = search_text(errors, self.q.as_ref());
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

    /// The scope cursors of this list are bound to.
    pub fn scope(&self, list: &str) -> String {
        scope(
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

impl TryFrom<NewCommentRequest> for NewComment {
    type Error = ValidationErrors;

    fn try_from(request: NewCommentRequest) -> Result<Self, ValidationErrors> {
        let body =
            LongText::parse(&request.body).map_err(|e| ValidationErrors::single("body", e))?;
        Ok(Self {
            body,
            internal: request.internal.unwrap_or(false),
        })
    }
}
