//! The operator's commands.

mod create_admin;
mod migrate;
mod seed_demo;
mod serve;

use crate::cli::Command;
use crate::config::Settings;
use crate::error::CommandError;

/// Runs one command to completion.
pub async fn run(command: Command, settings: Settings) -> Result<(), CommandError> {
    match command {
        Command::Serve => serve::run(&settings).await,
        Command::Migrate { status } => migrate::run(&settings, status).await,
        Command::CreateAdmin {
            email,
            name,
            password_stdin,
        } => create_admin::run(&settings, &email, &name, password_stdin).await,
        Command::SeedDemo { customers } => seed_demo::run(&settings, customers).await,
    }
}
