//! How a command fails, and the exit status that goes with it.

use std::process::ExitCode;

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Bad configuration or arguments (exit 2).
    #[error("{0}")]
    Config(String),
    /// Anything else (exit 1).
    #[error("{0}")]
    Failed(String),
}

impl CommandError {
    /// The process exit status for this failure.
    #[must_use]
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Config(_) => ExitCode::from(2),
            Self::Failed(_) => ExitCode::from(1),
        }
    }
}
