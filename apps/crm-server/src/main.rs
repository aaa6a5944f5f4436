//! `crm-server`: see `crm-server --help`.

use std::process::ExitCode;

use crm_server::cli::Cli;

/// mimalloc returns freed memory to the system; glibc's allocator keeps it in
/// an arena per thread, and the server's resident memory only grew.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // clap exits with status 2 on bad arguments, as operations.md promises.
    crm_server::entry::run(Cli::parse_args())
}
