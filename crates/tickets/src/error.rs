//! The tickets context's errors. The server maps each variant to one HTTP status.

use crm_kernel::{BackendError, ValidationErrors, Version};

use crate::status::TicketStatus;

/// Everything a tickets use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    /// Input broke a rule; every invalid field is named. (400)
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// Not allowed for this caller. (403)
    #[error("not allowed")]
    Forbidden,
    /// A customer tried to change fields only staff may change. (403)
    #[error("only staff may change: {}", .0.join(", "))]
    FieldsNotEditable(Vec<&'static str>),
    /// The customer may reopen a ticket only for a while after it was resolved. (403)
    #[error(
        "the ticket was resolved more than {days} days ago; it can no longer be reopened by the customer"
    )]
    ReopenWindowClosed {
        /// The window in days.
        days: u64,
    },
    /// No such ticket, or none the caller may see. (404)
    #[error("no such ticket")]
    TicketNotFound,
    /// No such customer, or none the caller may see. (404)
    #[error("no such customer")]
    CustomerNotFound,
    /// The state machine does not allow this. (409)
    #[error("a ticket cannot go from `{from}` to `{to}`")]
    InvalidTransition {
        /// Current status.
        from: TicketStatus,
        /// Requested status.
        to: TicketStatus,
    },
    /// The idempotency key was used before with a different request. (409)
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    /// The ticket kept changing while the change was attempted: every
    /// attempt lost a race with another write of it; retry. (409)
    #[error("the ticket changed meanwhile; fetch it and retry")]
    Conflict,
    /// The ticket changed since the version the client based its change on
    /// (`If-Match`). (412)
    #[error("the ticket has changed (now version {})", current.get())]
    PreconditionFailed {
        /// The current version.
        current: Version,
    },
    /// A store failed. (500)
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<ValidationErrors> for TicketError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}
