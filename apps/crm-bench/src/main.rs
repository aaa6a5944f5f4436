//! `crm-bench`: the CRM's reproducible benchmark (see docs/benchmarks.md).
//!
//! `cargo run --release -p crm-bench -- [--scale tiny|small|default|large]
//! [--store sqlite|mongo] [--out DIR]` loads a data set through the store,
//! starts the real server on it (a child process of this executable running
//! crm-server's own start-up), drives it over HTTP from a Rust load
//! generator, measures the ceilings in the same run, makes each scenario's
//! store call in-process, and writes `bench-<scale>.md` and `.json` into
//! the output folder (`bench-<scale>-mongo.*` on MongoDB). It is a
//! benchmark, not a test: it asserts nothing about time, and fails only
//! when something breaks (exit status 1: an error answer, a broken
//! invariant).
//!
//! `--store sqlite` (the default) uses a fresh SQLite file in the output
//! folder. `--store mongo` uses a fresh database, named after the run
//! (`crm_bench_<scale>_<time>_<pid>`), on the MongoDB server that
//! `CRM_BENCH_MONGO_URI` names (a replica set; `scripts/mongo-test-server.sh
//! start` runs the test server); without that variable, or when the server
//! cannot be reached, it stops with exit status 2. Either database is
//! removed at the end unless `--keep`.

mod ceiling;
mod client;
mod database;
mod error;
mod load;
mod report;
mod run;
mod scale;
mod scenarios;
mod server;
mod store_phase;
mod wiring;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use database::StoreKind;

/// The server's allocator (see crm-server's `main.rs`): this executable runs
/// the server as its child process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The CRM's benchmark.
#[derive(Debug, Parser)]
#[command(
    name = "crm-bench",
    about = "Loads a data set, drives the real server over HTTP, reports figures against ceilings"
)]
struct Cli {
    /// How much data: `tiny` (MongoDB smoke), `small` (SQLite smoke),
    /// `default`, `large` (store-only phases).
    #[arg(long, value_enum, default_value = "default")]
    scale: scale::Scale,
    /// The store.
    #[arg(long, value_enum, default_value = "sqlite")]
    store: StoreKind,
    /// Folder of the reports (and, while running, of the SQLite database
    /// or the MongoDB server's outbox).
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// Connections of the load generator.
    #[arg(long, default_value_t = 32)]
    connections: u64,
    /// Seconds of warm-up before each scenario is measured (default: 1 at
    /// `default` and `large`, 0.2 at `small` and `tiny`).
    #[arg(long, value_name = "SECONDS", value_parser = scale::seconds)]
    warmup: Option<Duration>,
    /// Seconds each scenario is measured (default: 4 at `default` and
    /// `large`, 0.5 at `small` and `tiny`); longer windows give steadier
    /// figures and a longer run.
    #[arg(long, value_name = "SECONDS", value_parser = scale::positive_seconds)]
    measure: Option<Duration>,
    /// Keep the database after the run.
    #[arg(long)]
    keep: bool,
    #[command(subcommand)]
    child: Option<Child>,
}

/// The child processes the bench starts (not for people).
#[derive(Debug, Subcommand)]
enum Child {
    /// Runs crm-server's `serve`, configured by `CRM_*` variables.
    #[command(hide = true)]
    Serve,
    /// Runs any crm-server command line (`crm-bench crm-server seed-demo
    /// --customers 100000`): the server's code in this release build.
    #[command(hide = true, name = "crm-server")]
    CrmServer {
        /// crm-server's arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Runs the ceiling server.
    #[command(hide = true)]
    Ceiling,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.child {
        Some(Child::Serve) => {
            return crm_server::entry::run(crm_server::cli::Cli::parse_from([
                "crm-server",
                "serve",
            ]));
        }
        Some(Child::CrmServer { args }) => {
            let argv = std::iter::once("crm-server".to_owned()).chain(args);
            return crm_server::entry::run(crm_server::cli::Cli::parse_from(argv));
        }
        Some(Child::Ceiling) => {
            return match ceiling::serve() {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("crm-bench ceiling: {error}");
                    ExitCode::FAILURE
                }
            };
        }
        None => {}
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CRM_BENCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("crm_bench=info,warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the runtime");
            return ExitCode::FAILURE;
        }
    };
    let options = run::Options {
        scale: cli.scale,
        store: cli.store,
        out: cli.out,
        connections: cli.connections,
        warmup: cli.warmup,
        measure: cli.measure,
        keep: cli.keep,
        command,
    };
    match runtime.block_on(run::run(options.clone())) {
        Ok(report) => {
            let errors: u64 = report
                .http
                .iter()
                .chain(&report.ceilings)
                .map(|r| r.figures.errors)
                .chain(report.store_ops.iter().map(|o| o.figures.errors))
                .sum();
            tracing::info!(
                report = %options.out.join(format!("{}.md", report::stem(&report))).display(),
                errors,
                "done"
            );
            if errors > 0 {
                tracing::error!(errors, "some requests failed; see the report");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(error @ error::BenchError::Config(_)) => {
            tracing::error!(%error, "cannot run");
            ExitCode::from(2)
        }
        Err(error) => {
            tracing::error!(%error, "benchmark failed");
            ExitCode::FAILURE
        }
    }
}
