//! `crm-server serve`.

use crate::app::Application;
use crate::config::Settings;
use crate::error::CommandError;

/// Migrates, then serves until a signal.
pub async fn run(settings: &Settings) -> Result<(), CommandError> {
    let application = Application::build(settings).await?;
    application
        .run_until_stopped()
        .await
        .map_err(|e| CommandError::Failed(format!("server failed: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}
