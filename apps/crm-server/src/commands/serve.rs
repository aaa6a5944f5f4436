//! `crm-server serve`.

use crate::app::Application;
use crate::config::Settings;
use crate::error::CommandError;

/// Migrates, then serves until SIGINT or SIGTERM, then stops gracefully.
pub async fn run(settings: &Settings) -> Result<(), CommandError> {
    let application = Application::build(settings).await?;
    let stopper = application.stopper();
    tokio::spawn(async move {
        match stop_signal().await {
            Ok(signal) => tracing::info!(signal, "stop signal received"),
            Err(error) => tracing::error!(%error, "cannot listen for stop signals; stopping"),
        }
        stopper.stop().await;
    });
    application
        .run_until_stopped()
        .await
        .map_err(|e| CommandError::Failed(format!("server failed: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGINT or SIGTERM (Ctrl-C elsewhere) and names it.
async fn stop_signal() -> std::io::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = terminate.recv() => Ok("SIGTERM"),
            _ = interrupt.recv() => Ok("SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map(|()| "Ctrl-C")
    }
}
