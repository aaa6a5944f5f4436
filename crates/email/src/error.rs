//! The email context's errors. The server maps each variant to one HTTP status.

use crm_kernel::{BackendError, EmailAddress, ValidationErrors};

use crate::consent::SuppressionReason;
use crate::status::RecipientStatus;

/// Everything an email use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// Input broke a rule; every invalid field is named (an unknown or
    /// missing template variable names the variable). (400)
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// Not allowed for this caller (customers never send; only admins
    /// manage the suppression list; only admins and its author change a
    /// template). (403)
    #[error("not allowed")]
    Forbidden,
    /// No such message, or none the caller may see. (404)
    #[error("no such email")]
    EmailNotFound,
    /// No such template. (404)
    #[error("no such email template")]
    TemplateNotFound,
    /// No such customer, or none the caller may see. (404)
    #[error("no such customer")]
    CustomerNotFound,
    /// The address is not on the suppression list. (404)
    #[error("no such suppression")]
    SuppressionNotFound,
    /// A tracking, reply, bounce or unsubscribe token that we did not make. (404)
    #[error("unknown token")]
    InvalidToken,
    /// The address may not be written to. (409)
    #[error("{address} is on the suppression list ({reason})")]
    Suppressed {
        /// The address.
        address: EmailAddress,
        /// Why it is suppressed.
        reason: SuppressionReason,
    },
    /// Another template has this name. (409)
    #[error("a template with this name exists")]
    TemplateNameTaken,
    /// The idempotency key was used before with a different request. (409)
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    /// The record changed meanwhile; retry. (409)
    #[error("changed meanwhile; fetch it and retry")]
    Conflict,
    /// The status machine does not allow this. (409)
    #[error("a recipient cannot go from `{from}` to `{to}`")]
    InvalidTransition {
        /// Current status.
        from: RecipientStatus,
        /// Requested status.
        to: RecipientStatus,
    },
    /// A store failed. (500)
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<ValidationErrors> for EmailError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}
