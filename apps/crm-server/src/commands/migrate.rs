//! `crm-server migrate [--status]`.

use std::io::Write;

use crm_store_sqlite::MigrationState;

use crate::config::Settings;
use crate::error::CommandError;
use crate::wiring;

/// Applies pending migrations, or lists them with `--status`.
pub async fn run(settings: &Settings, status_only: bool) -> Result<(), CommandError> {
    let store = wiring::open_store(settings, false).await?;
    let mut out = std::io::stdout().lock();
    let write_failed =
        |e: std::io::Error| CommandError::Failed(format!("cannot write to stdout: {e}"));
    if status_only {
        let status = store
            .migration_status()
            .await
            .map_err(|e| CommandError::Failed(format!("cannot read migration status: {e}")))?;
        for migration in status {
            let state = match migration.state {
                MigrationState::Applied { at } => format!("applied {at}"),
                MigrationState::Pending => "pending".to_owned(),
                MigrationState::Altered { at } => format!("EDITED after it was applied {at}"),
                MigrationState::Unknown { at } => format!("UNKNOWN to this binary, applied {at}"),
            };
            writeln!(out, "{:04}_{}  {state}", migration.version, migration.name)
                .map_err(write_failed)?;
        }
        return Ok(());
    }
    let applied = store
        .migrate()
        .await
        .map_err(|e| CommandError::Failed(format!("migrations failed: {e}")))?;
    if applied.is_empty() {
        writeln!(out, "no pending migrations").map_err(write_failed)?;
    }
    for migration in applied {
        writeln!(out, "applied {:04}_{}", migration.version, migration.name)
            .map_err(write_failed)?;
    }
    Ok(())
}
