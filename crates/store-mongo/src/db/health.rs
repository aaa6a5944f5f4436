//! Whether the store can serve: the server answers and the schema is current.

use crm_kernel::BackendError;

use crate::db::client::MongoStore;
use crate::db::migrations::{MigrationError, MigrationState};

/// Why the store is not ready to serve.
#[derive(Debug, thiserror::Error)]
pub enum ReadyError {
    /// The server does not answer.
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

impl MongoStore {
    /// Checks that the server answers (a `ping`) and that every migration
    /// this binary knows is applied and unaltered.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn ready(&self) -> Result<(), ReadyError> {
        self.ping()
            .await
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
}
