//! The identity context's errors. The server maps each variant to one HTTP status.

use std::time::Duration;

use crm_kernel::{BackendError, ValidationErrors};

/// Everything an identity use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Input broke a rule; every invalid field is named. (400)
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// Wrong email or password; deliberately says not which. (401)
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Missing, malformed, expired or revoked token. (401)
    #[error("authentication required: {0}")]
    Unauthenticated(&'static str),
    /// A refresh token was presented after it had been rotated: the whole
    /// family of sessions has been revoked. (401)
    #[error("refresh token reuse detected; every session of this sign-in was revoked")]
    RefreshTokenReused,
    /// Correct password, but the account is disabled. (403)
    #[error("this account is disabled")]
    AccountDisabled,
    /// Authenticated but not allowed. (403)
    #[error("not allowed")]
    Forbidden,
    /// No such user, or one the caller may not see. (404)
    #[error("no such user")]
    NotFound,
    /// The email is taken by a staff user or a customer. (409)
    #[error("this email address is already in use")]
    DuplicateEmail,
    /// The change would leave no active admin. (409)
    #[error("the last active admin cannot be disabled, demoted or deleted")]
    LastActiveAdmin,
    /// Too many failed sign-ins; retry after the given time. (429)
    #[error("too many failed sign-in attempts; retry in {} s", retry_after.as_secs())]
    Throttled {
        /// How long until a new attempt is accepted.
        retry_after: Duration,
    },
    /// Too many sign-ups from the client's address; retry after the given time. (429)
    #[error("too many sign-ups from this address; retry in {} s", retry_after.as_secs())]
    SignupsThrottled {
        /// How long until a new sign-up is accepted.
        retry_after: Duration,
    },
    /// Password hashing is saturated: every slot is busy and the queue is
    /// full; retry after the given time. (503)
    #[error("the server is busy; retry in {} s", retry_after.as_secs())]
    Busy {
        /// How long until a retry is likely to be served.
        retry_after: Duration,
    },
    /// A store or other backend failed. (500, details only in logs)
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Errors of the identity store ports, as their contracts name them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The email is used by a staff user or customer credential already.
    #[error("duplicate email")]
    DuplicateEmail,
    /// The record to change does not exist.
    #[error("not found")]
    NotFound,
    /// An [`crate::AdminGuard`] refused the write.
    #[error("would leave no active admin")]
    LastActiveAdmin,
    /// A new customer account names a company that does not exist.
    #[error("unknown company")]
    UnknownCompany,
    /// The backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<StoreError> for IdentityError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::DuplicateEmail => Self::DuplicateEmail,
            StoreError::NotFound => Self::NotFound,
            StoreError::LastActiveAdmin => Self::LastActiveAdmin,
            StoreError::UnknownCompany => {
                Self::Validation(ValidationErrors::single("company_id", "names no company"))
            }
            StoreError::Backend(error) => Self::Backend(error),
        }
    }
}

impl From<ValidationErrors> for IdentityError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<crate::ports::HasherError> for IdentityError {
    fn from(error: crate::ports::HasherError) -> Self {
        match error {
            crate::ports::HasherError::Busy { retry_after } => Self::Busy { retry_after },
            crate::ports::HasherError::Backend(error) => Self::Backend(error),
        }
    }
}
