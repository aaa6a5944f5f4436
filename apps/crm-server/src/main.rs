//! `crm-server`: see `crm-server --help`.

use std::process::ExitCode;

use crm_server::cli::Cli;

fn main() -> ExitCode {
    // clap exits with status 2 on bad arguments, as operations.md promises.
    crm_server::entry::run(Cli::parse_args())
}
