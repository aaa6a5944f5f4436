//! What can go wrong inside a database call, and how it becomes a port's error.

use crm_customers::ports::StoreError as CustomerStoreError;
use crm_email::ports::StoreError as EmailStoreError;
use crm_identity::ports::StoreError;
use crm_interactions::ports::StoreError as InteractionStoreError;
use crm_kernel::BackendError;
use crm_tickets::ports::StoreError as TicketStoreError;
use rusqlite::ffi;

use crate::db::rows::CorruptData;

/// The failure of one database call, before it is mapped to the error type of
/// the port that was called: `R` is that port's error type (the identity
/// ports' by default, [`CustomerDbError`] for the customers ports,
/// [`TicketDbError`] for the tickets ports, [`InteractionDbError`] for the
/// interactions ports).
#[derive(Debug)]
pub(crate) enum DbError<R = StoreError> {
    /// SQLite refused or failed.
    Sqlite(rusqlite::Error),
    /// The pool or the blocking task failed.
    Backend(BackendError),
    /// A stored value does not parse as its domain type.
    Corrupt(CorruptData),
    /// An outcome the port's contract names (not found, duplicate email,
    /// last active admin, version conflict, …), decided inside the transaction.
    Refused(R),
}

/// The failure of a database call of a customers port.
pub(crate) type CustomerDbError = DbError<CustomerStoreError>;

/// The failure of a database call of a tickets port.
pub(crate) type TicketDbError = DbError<TicketStoreError>;

/// The failure of a database call of an interactions port.
pub(crate) type InteractionDbError = DbError<InteractionStoreError>;

/// The failure of a database call of an email port.
pub(crate) type EmailDbError = DbError<EmailStoreError>;

impl<R> DbError<R> {
    /// The contract outcome `error`.
    pub(crate) fn refused(error: R) -> Self {
        Self::Refused(error)
    }
}

impl<R> From<rusqlite::Error> for DbError<R> {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
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

impl<R> DbError<R> {
    /// The error of the port, with `backend` for the failures no contract names.
    fn into_port_error(self, backend: impl FnOnce(BackendError) -> R) -> R {
        match self {
            Self::Sqlite(error) => backend(BackendError::new(error)),
            Self::Backend(error) => backend(error),
            Self::Corrupt(error) => backend(BackendError::new(error)),
            Self::Refused(error) => error,
        }
    }
}

impl From<DbError> for StoreError {
    fn from(error: DbError) -> Self {
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

/// Whether `error` is the violation of a UNIQUE constraint (told by the
/// extended result code, never by the message).
pub(crate) fn is_unique_violation(error: &rusqlite::Error) -> bool {
    error.sqlite_extended_error_code() == Some(ffi::SQLITE_CONSTRAINT_UNIQUE)
}

/// Whether `error` is the violation of a FOREIGN KEY constraint.
pub(crate) fn is_foreign_key_violation(error: &rusqlite::Error) -> bool {
    error.sqlite_extended_error_code() == Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}

/// Maps the failure of a statement that writes an email key to
/// [`StoreError::DuplicateEmail`] when it broke a UNIQUE constraint.
///
/// Only use it on statements whose sole UNIQUE constraint that can fail is an
/// email key: the credential and customer writes, whose other unique columns
/// (the principal's id) belong to a row created or locked in the same
/// transaction. The extended result code tells the constraint kind; the
/// message text is never parsed.
pub(crate) fn email_taken(error: rusqlite::Error) -> DbError {
    if is_unique_violation(&error) {
        DbError::refused(StoreError::DuplicateEmail)
    } else {
        DbError::Sqlite(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_become_duplicate_email_and_others_backend_errors() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE NOT NULL); INSERT INTO t VALUES (1, 'a');")
            .unwrap();
        let unique = conn
            .execute("INSERT INTO t VALUES (2, 'a')", [])
            .unwrap_err();
        assert!(matches!(
            StoreError::from(email_taken(unique)),
            StoreError::DuplicateEmail
        ));
        let primary_key = conn
            .execute("INSERT INTO t VALUES (1, 'b')", [])
            .unwrap_err();
        assert!(matches!(
            StoreError::from(email_taken(primary_key)),
            StoreError::Backend(_)
        ));
        let not_null = conn
            .execute("INSERT INTO t VALUES (3, NULL)", [])
            .unwrap_err();
        assert!(matches!(
            StoreError::from(email_taken(not_null)),
            StoreError::Backend(_)
        ));
    }
}
