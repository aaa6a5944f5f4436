//! What can go wrong inside a database call, and how it becomes a port's error.

use crm_identity::ports::StoreError;
use crm_kernel::BackendError;
use rusqlite::ffi;

use crate::rows::CorruptData;

/// The failure of one database call, before it is mapped to the error type of
/// the port that was called.
#[derive(Debug)]
pub(crate) enum DbError {
    /// SQLite refused or failed.
    Sqlite(rusqlite::Error),
    /// The pool or the blocking task failed.
    Backend(BackendError),
    /// A stored value does not parse as its domain type.
    Corrupt(CorruptData),
    /// An outcome the port's contract names (not found, duplicate email,
    /// last active admin), decided inside the transaction.
    Refused(StoreError),
}

impl DbError {
    /// The contract outcome `error`.
    pub(crate) fn refused(error: StoreError) -> Self {
        Self::Refused(error)
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
    }
}

impl From<BackendError> for DbError {
    fn from(error: BackendError) -> Self {
        Self::Backend(error)
    }
}

impl From<CorruptData> for DbError {
    fn from(error: CorruptData) -> Self {
        Self::Corrupt(error)
    }
}

impl From<DbError> for StoreError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Sqlite(error) => Self::Backend(BackendError::new(error)),
            DbError::Backend(error) => Self::Backend(error),
            DbError::Corrupt(error) => Self::Backend(BackendError::new(error)),
            DbError::Refused(error) => error,
        }
    }
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
    if error.sqlite_extended_error_code() == Some(ffi::SQLITE_CONSTRAINT_UNIQUE) {
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
