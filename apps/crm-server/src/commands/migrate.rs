//! `crm-server migrate [--status]`, on either store.

use std::io::Write;

use crate::config::Settings;
use crate::error::CommandError;
use crate::wiring;

/// Applies pending migrations, or lists them with `--status`.
pub async fn run(settings: &Settings, status_only: bool) -> Result<(), CommandError> {
    let schema = wiring::open_store(settings, false).await?.schema;
    let mut out = std::io::stdout().lock();
    let write_failed =
        |e: std::io::Error| CommandError::Failed(format!("cannot write to stdout: {e}"));
    if status_only {
        let status = schema
            .migration_status()
            .await
            .map_err(|e| CommandError::Failed(format!("cannot read migration status: {e}")))?;
        for migration in status {
            writeln!(out, "{migration}").map_err(write_failed)?;
        }
        return Ok(());
    }
    let applied = schema
        .migrate()
        .await
        .map_err(|e| CommandError::Failed(format!("migrations failed: {e}")))?;
    if applied.is_empty() {
        writeln!(out, "no pending migrations").map_err(write_failed)?;
    }
    for migration in applied {
        writeln!(out, "applied {migration}").map_err(write_failed)?;
    }
    Ok(())
}
