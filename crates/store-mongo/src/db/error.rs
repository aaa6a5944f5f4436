//! What can go wrong inside a database call, and how it becomes a port's error.

use std::fmt;

use crm_customers::ports::StoreError as CustomerStoreError;
use crm_email::ports::StoreError as EmailStoreError;
use crm_identity::ports::StoreError as IdentityStoreError;
use crm_interactions::ports::StoreError as InteractionStoreError;
use crm_kernel::BackendError;
use crm_tickets::ports::StoreError as TicketStoreError;
use mongodb::error::{ErrorKind, TRANSIENT_TRANSACTION_ERROR, WriteFailure};

/// The server code of a duplicate key (a unique index refused a write).
pub(crate) const DUPLICATE_KEY: i32 = 11000;

/// A stored value that does not parse as its domain type (edited by hand,
/// written by a buggy version): reported as a backend error, never a panic.
#[derive(Debug, thiserror::Error)]
#[error("corrupt data in {collection}.{field}: {reason}")]
pub(crate) struct CorruptData {
    collection: &'static str,
    field: &'static str,
    reason: String,
}

impl CorruptData {
    /// `field` of a document of `collection` holds something unusable.
    pub(crate) fn new(
        collection: &'static str,
        field: &'static str,
        reason: impl fmt::Display,
    ) -> Self {
        Self {
            collection,
            field,
            reason: reason.to_string(),
        }
    }
}

/// The failure of one database call, before it is mapped to the error type of
/// the port that was called (`R`).
#[derive(Debug)]
pub(crate) enum DbError<R> {
    /// The driver or the server failed.
    Mongo(mongodb::error::Error),
    /// Something else below the port failed.
    Backend(BackendError),
    /// A stored document does not parse.
    Corrupt(CorruptData),
    /// An outcome the port's contract names (not found, duplicate email,
    /// version conflict, …), decided inside the transaction.
    Refused(R),
    /// A unique key that a concurrent transaction committed after this one
    /// began (the duplicate key error): the transaction runs again and then
    /// reads that key.
    Retry(mongodb::error::Error),
}

/// The failure of a call of an identity port.
pub(crate) type IdentityDbError = DbError<IdentityStoreError>;
/// The failure of a call of a customers port.
pub(crate) type CustomerDbError = DbError<CustomerStoreError>;
/// The failure of a call of a tickets port.
pub(crate) type TicketDbError = DbError<TicketStoreError>;
/// The failure of a call of an interactions port.
pub(crate) type InteractionDbError = DbError<InteractionStoreError>;
/// The failure of a call of an email port.
pub(crate) type EmailDbError = DbError<EmailStoreError>;

impl<R> DbError<R> {
    /// The contract outcome `error`.
    pub(crate) fn refused(error: R) -> Self {
        Self::Refused(error)
    }

    /// A failure described by `message` (a broken precondition of the store).
    pub(crate) fn backend(message: impl Into<String>) -> Self {
        Self::Backend(BackendError::msg(message))
    }

    /// Whether running the whole transaction again may succeed: the server
    /// labelled the error `TransientTransactionError` (a write conflict, a
    /// failover), or a unique key was taken concurrently.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            Self::Mongo(error) => error.contains_label(TRANSIENT_TRANSACTION_ERROR),
            Self::Retry(_) => true,
            Self::Backend(_) | Self::Corrupt(_) | Self::Refused(_) => false,
        }
    }

    /// The error of the port, with `backend` for the failures no contract names.
    fn into_port_error(self, backend: impl FnOnce(BackendError) -> R) -> R {
        match self {
            Self::Backend(error) => backend(error),
            Self::Corrupt(error) => backend(BackendError::new(error)),
            Self::Mongo(error) | Self::Retry(error) => backend(BackendError::new(error)),
            Self::Refused(error) => error,
        }
    }
}

impl DbError<BackendError> {
    /// The failure of a call that no port contract refuses (the bulk
    /// loader's), as a backend error.
    pub(crate) fn into_backend(self) -> BackendError {
        self.into_port_error(|error| error)
    }
}

impl<R> From<mongodb::error::Error> for DbError<R> {
    fn from(error: mongodb::error::Error) -> Self {
        Self::Mongo(error)
    }
}

impl<R> From<BackendError> for DbError<R> {
    fn from(error: BackendError) -> Self {
        Self::Backend(error)
    }
}

impl<R> From<CorruptData> for DbError<R> {
    fn from(error: CorruptData) -> Self {
        Self::Corrupt(error)
    }
}

impl From<IdentityDbError> for IdentityStoreError {
    fn from(error: IdentityDbError) -> Self {
        error.into_port_error(Self::Backend)
    }
}

impl From<CustomerDbError> for CustomerStoreError {
    fn from(error: CustomerDbError) -> Self {
        error.into_port_error(Self::Backend)
    }
}

impl From<TicketDbError> for TicketStoreError {
    fn from(error: TicketDbError) -> Self {
        error.into_port_error(Self::Backend)
    }
}

impl From<InteractionDbError> for InteractionStoreError {
    fn from(error: InteractionDbError) -> Self {
        error.into_port_error(Self::Backend)
    }
}

impl From<EmailDbError> for EmailStoreError {
    fn from(error: EmailDbError) -> Self {
        error.into_port_error(Self::Backend)
    }
}

/// Whether the server refused a write because a unique index already holds
/// its key (code 11000), told by the code, never by the message.
pub(crate) fn is_duplicate_key(error: &mongodb::error::Error) -> bool {
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(write)) => write.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(failure) => failure
            .write_errors
            .iter()
            .flatten()
            .any(|write| write.code == DUPLICATE_KEY),
        ErrorKind::Command(command) => command.code == DUPLICATE_KEY,
        _ => false,
    }
}

/// Maps a duplicate key to [`DbError::Retry`]: for writes whose keys the
/// transaction checked before writing, so that a duplicate means a
/// concurrent transaction committed the key in between.
pub(crate) fn retry_on_duplicate<R>(error: mongodb::error::Error) -> DbError<R> {
    if is_duplicate_key(&error) {
        DbError::Retry(error)
    } else {
        DbError::Mongo(error)
    }
}

#[cfg(test)]
mod tests {
    use mongodb::error::{Error, WriteError};

    use super::*;

    fn write_error(code: i32) -> Error {
        let failure: WriteError = mongodb::bson::from_document(mongodb::bson::doc! {
            "code": code, "errmsg": "refused",
        })
        .unwrap();
        Error::from(ErrorKind::Write(WriteFailure::WriteError(failure)))
    }

    #[test]
    fn duplicate_keys_are_told_by_their_code() {
        assert!(is_duplicate_key(&write_error(DUPLICATE_KEY)));
        assert!(!is_duplicate_key(&write_error(121)));
        assert!(matches!(
            retry_on_duplicate::<()>(write_error(DUPLICATE_KEY)),
            DbError::Retry(_)
        ));
        assert!(matches!(
            retry_on_duplicate::<()>(write_error(121)),
            DbError::Mongo(_)
        ));
    }

    #[test]
    fn refusals_keep_their_variant_and_the_rest_become_backend_errors() {
        let refused: IdentityDbError = DbError::refused(IdentityStoreError::DuplicateEmail);
        assert!(matches!(
            IdentityStoreError::from(refused),
            IdentityStoreError::DuplicateEmail
        ));
        let corrupt: TicketDbError = CorruptData::new("tickets", "status", "unknown").into();
        assert!(matches!(
            TicketStoreError::from(corrupt),
            TicketStoreError::Backend(_)
        ));
        assert!(DbError::<()>::Retry(write_error(DUPLICATE_KEY)).is_transient());
        assert!(!DbError::refused(()).is_transient());
    }
}
