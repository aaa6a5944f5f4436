//! Whether the store can serve: readiness and the connections' settings.

use std::time::Duration;

use crm_kernel::BackendError;
use rusqlite::Connection;

use crate::db::migrations::{MigrationError, MigrationState};
use crate::db::open::{ConnectionRole, SqliteStore};

/// Why the store is not ready to serve.
#[derive(Debug, thiserror::Error)]
pub enum ReadyError {
    /// The database does not answer.
    #[error("the database does not answer: {0}")]
    Unavailable(#[source] BackendError),
    /// Migrations this binary needs are not applied (listed as `0001_identity`).
    #[error("migrations are pending: {}; run `migrate`", .0.join(", "))]
    Pending(Vec<String>),
    /// Applied migrations were edited afterwards, or come from a newer
    /// binary: `migrate` refuses this database.
    #[error("the database schema does not match this binary: {}", .0.join("; "))]
    Mismatch(Vec<String>),
    /// The migration state could not be read.
    #[error(transparent)]
    Migration(#[from] MigrationError),
}

/// The settings in force on one connection, as SQLite reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionPragmas {
    /// `journal_mode`: `wal` expected.
    pub journal_mode: String,
    /// `foreign_keys`: on expected.
    pub foreign_keys: bool,
    /// `synchronous`: `normal` expected (`off`, `normal`, `full` or `extra`).
    pub synchronous: String,
    /// `busy_timeout`.
    pub busy_timeout: Duration,
    /// `query_only`: on for readers, off for the writer.
    pub query_only: bool,
    /// `temp_store`: `MEMORY` expected on the writer (journals of
    /// statements and savepoints never go to a file), the default on readers.
    pub temp_store_in_memory: bool,
}

impl SqliteStore {
    /// Checks that the store answers (a query on a reader) and that every
    /// migration this binary knows is applied and unaltered.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn ready(&self) -> Result<(), ReadyError> {
        self.with_reader(|conn| conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0)))
            .await
            .map_err(ReadyError::Unavailable)?
            .map_err(|error| ReadyError::Unavailable(BackendError::new(error)))?;
        let mut pending = Vec::new();
        let mut mismatches = Vec::new();
        for status in self.migration_status().await? {
            let label = format!("{:04}_{}", status.version, status.name);
            match status.state {
                MigrationState::Applied { .. } => {}
                MigrationState::Pending => pending.push(label),
                MigrationState::Altered { .. } => {
                    mismatches.push(format!("{label} was edited after it was applied"));
                }
                MigrationState::Unknown { .. } => {
                    mismatches.push(format!("{label} is unknown to this binary"));
                }
            }
        }
        if !mismatches.is_empty() {
            Err(ReadyError::Mismatch(mismatches))
        } else if !pending.is_empty() {
            Err(ReadyError::Pending(pending))
        } else {
            Ok(())
        }
    }

    /// The settings in force on the writer or on a reader connection: a
    /// diagnostic for operators and tests.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn pragmas(&self, role: ConnectionRole) -> Result<ConnectionPragmas, BackendError> {
        let read = |conn: &mut Connection| read_pragmas(conn);
        match role {
            ConnectionRole::Writer => self.with_writer(read).await?,
            ConnectionRole::Reader => self.with_reader(read).await?,
        }
        .map_err(BackendError::new)
    }
}

fn read_pragmas(conn: &Connection) -> rusqlite::Result<ConnectionPragmas> {
    let number = |name: &str| conn.pragma_query_value(None, name, |row| row.get::<_, i64>(0));
    let synchronous = match number("synchronous")? {
        0 => "off",
        1 => "normal",
        2 => "full",
        3 => "extra",
        _ => "unknown",
    };
    Ok(ConnectionPragmas {
        journal_mode: conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?,
        foreign_keys: number("foreign_keys")? == 1,
        synchronous: synchronous.to_owned(),
        busy_timeout: Duration::from_millis(u64::try_from(number("busy_timeout")?).unwrap_or(0)),
        query_only: number("query_only")? == 1,
        temp_store_in_memory: number("temp_store")? == 2,
    })
}
