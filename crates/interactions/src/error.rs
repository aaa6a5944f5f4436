//! The interactions context's errors. The server maps each variant to one HTTP status.

use crm_kernel::{BackendError, ValidationErrors, Version};

use crate::kind::InteractionStatus;

/// Everything an interactions use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum InteractionError {
    /// Input broke a rule; every invalid field is named. (400)
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// Not allowed for this caller. (403)
    #[error("not allowed")]
    Forbidden,
    /// No such interaction, or none the caller may see. (404)
    #[error("no such interaction")]
    InteractionNotFound,
    /// No such customer, or none the caller may see. (404)
    #[error("no such customer")]
    CustomerNotFound,
    /// No calendar feed has this token. (404)
    #[error("no such calendar feed")]
    FeedNotFound,
    /// Only a scheduled interaction can be completed, cancelled or marked no-show. (409)
    #[error("an interaction cannot go from `{from}` to `{to}`")]
    InvalidTransition {
        /// Current status.
        from: InteractionStatus,
        /// Requested status.
        to: InteractionStatus,
    },
    /// The interaction kept changing while the change was attempted: every
    /// attempt lost a race with another write of it; retry. (409)
    #[error("the interaction changed meanwhile; fetch it and retry")]
    Conflict,
    /// The interaction changed since the version the client based its change on
    /// (`If-Match`). (412)
    #[error("the interaction has changed (now version {})", current.get())]
    PreconditionFailed {
        /// The current version.
        current: Version,
    },
    /// A store failed. (500)
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<ValidationErrors> for InteractionError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}
