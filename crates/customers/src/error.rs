//! The customers context's errors. The server maps each variant to one HTTP status.

use crm_kernel::{BackendError, CustomerId, ValidationErrors};

use crate::lifecycle::LifecycleStatus;
use crate::values::Version;

/// Everything a customers use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CustomerError {
    /// Input broke a rule; every invalid field is named. (400)
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// Not allowed for this role. (403)
    #[error("not allowed")]
    Forbidden,
    /// A customer tried to change fields only staff may change. (403)
    #[error("only staff may change: {}", .0.join(", "))]
    FieldsNotEditable(Vec<&'static str>),
    /// No such customer, or none the caller may see. (404)
    #[error("no such customer")]
    CustomerNotFound,
    /// No such company, or none the caller may see. (404)
    #[error("no such company")]
    CompanyNotFound,
    /// The email belongs to another customer or a staff user; `existing` names
    /// the customer when the caller may see it. (409)
    #[error("this email address is already in use")]
    DuplicateEmail {
        /// The customer that has it, when visible to the caller.
        existing: Option<CustomerId>,
    },
    /// The lifecycle does not allow this change. (409)
    #[error("a customer cannot go from `{from}` to `{to}`")]
    InvalidTransition {
        /// Current status.
        from: LifecycleStatus,
        /// Requested status.
        to: LifecycleStatus,
    },
    /// The company still has customers; delete with `detach`. (409)
    #[error("the company still has customers")]
    CompanyHasCustomers,
    /// The record kept changing while the change was attempted: every
    /// attempt lost a race with another write of it. (409)
    #[error("the record kept changing; retry")]
    Conflict,
    /// The record changed since the version the client based its change on. (412)
    #[error("the record has changed (now version {})", current.get())]
    PreconditionFailed {
        /// The current version.
        current: Version,
    },
    /// A store failed. (500)
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<ValidationErrors> for CustomerError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}
