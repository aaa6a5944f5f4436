//! What `crm-server`'s `main` does, as a function: another binary that
//! embeds the server (the benchmark starts it as a child process of its own
//! executable) runs exactly the same start-up.

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::config::Settings;
use crate::{commands, telemetry};

/// Loads the settings (file, `CRM_*` variables, `cli`'s flags), starts
/// logging and the async runtime, and runs `cli`'s command (`serve` when it
/// names none). Exit status: 0, 2 for bad configuration, 1 otherwise.
#[must_use]
pub fn run(cli: Cli) -> ExitCode {
    let settings = match Settings::load_with_env(
        cli.config.as_deref(),
        std::env::vars_os(),
        &cli.overrides,
        std::io::stdout().is_terminal(),
    ) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("crm-server: configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let _logs = match telemetry::init_logging(&settings) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("crm-server: configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("crm-server: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    match runtime.block_on(commands::run(command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "command failed");
            eprintln!("crm-server: {error}");
            error.exit_code()
        }
    }
}
