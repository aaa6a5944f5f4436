//! `crm-server`: see `crm-server --help`.

use std::io::IsTerminal;
use std::process::ExitCode;

use crm_server::cli::{Cli, Command};
use crm_server::config::Settings;
use crm_server::{commands, telemetry};

fn main() -> ExitCode {
    // clap exits with status 2 on bad arguments, as operations.md promises.
    let cli = Cli::parse_args();
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
    if let Err(error) = telemetry::init_logging(&settings) {
        eprintln!("crm-server: configuration error: {error}");
        return ExitCode::from(2);
    }
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
