//! The command line: subcommands and the flags that override configuration.

use std::path::PathBuf;

use clap::{Arg, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde::Serialize;

use crate::config::{Settings, variable_name};

/// The CRM server.
#[derive(Debug, Parser)]
#[command(
    name = "crm-server",
    version,
    about = "CRM backend: REST API over an embedded SQLite store"
)]
pub struct Cli {
    /// TOML configuration file (lower-case variable names without the `CRM_` prefix).
    #[arg(long, env = "CRM_CONFIG", global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Settings given as flags.
    #[command(flatten)]
    pub overrides: Overrides,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses the process's arguments; on bad ones, prints clap's message
    /// and exits with status 2.
    #[must_use]
    pub fn parse_args() -> Self {
        let matches = Self::clap_command().get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
    }

    /// The command line's definition, each setting flag's help naming the
    /// variable that sets it too (clap does not read those: the
    /// configuration loader does, below the flags).
    #[must_use]
    pub fn clap_command() -> clap::Command {
        Self::command().mut_args(name_the_variable)
    }
}

fn name_the_variable(arg: Arg) -> Arg {
    let key = arg.get_id().as_str();
    if !Settings::keys().contains(&key) {
        return arg;
    }
    let variable = variable_name(key);
    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    arg.help(format!("{help} [env: {variable}]"))
}

/// The operator's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve HTTP until SIGINT/SIGTERM (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate {
        /// List applied and pending migrations instead of applying them.
        #[arg(long)]
        status: bool,
    },
    /// Create a staff user with the admin role.
    CreateAdmin {
        /// The admin's email.
        #[arg(long)]
        email: String,
        /// The admin's name.
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Fill an empty database with demo data.
    SeedDemo {
        /// How many demo customers to create.
        #[arg(long, default_value_t = 50)]
        customers: u32,
    },
}

/// The settings given as flags, each named after its setting's key. Every one
/// is optional here: unset ones fall back to the `CRM_*` variable, the file,
/// then the default; `Settings::load` reads and checks the values.
#[derive(Debug, Default, Args, Serialize)]
pub struct Overrides {
    /// Address and port to serve on (port 0 picks a free one).
    #[arg(long, global = true)]
    pub listen: Option<String>,
    /// `sqlite://PATH` (embedded store) or `mongodb://…`.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Base URL that links in emails and chart URLs are built on.
    #[arg(long, global = true)]
    pub public_url: Option<String>,
    /// HMAC secret for tokens, at least 32 bytes.
    #[arg(long, global = true)]
    pub jwt_secret: Option<String>,
    /// Access token lifetime (`15m`).
    #[arg(long, global = true)]
    pub access_token_ttl: Option<String>,
    /// Refresh token lifetime (`30d`).
    #[arg(long, global = true)]
    pub refresh_token_ttl: Option<String>,
    /// `smtp://host:port` or `smtps://user:pass@host:port`.
    #[arg(long, global = true)]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail.
    #[arg(long, global = true)]
    pub mail_from: Option<String>,
    /// Shared secret of the inbound-mail webhook.
    #[arg(long, global = true)]
    pub inbound_secret: Option<String>,
    /// Secret of email tokens, at least 32 bytes (default: derived from the JWT secret).
    #[arg(long, global = true)]
    pub email_secret: Option<String>,
    /// Folder of `.eml` files when no SMTP server is set (default: `outbox/` beside the data file).
    #[arg(long, global = true)]
    pub outbox_dir: Option<String>,
    /// File of proxy and scanner networks (`CIDR class label` lines), replacing the built-in list.
    #[arg(long, global = true)]
    pub mail_networks_file: Option<String>,
    /// Wait after a failed send, doubled after each further failure (`30s`).
    #[arg(long, global = true)]
    pub mail_retry_delay: Option<String>,
    /// Attempts before a transiently failing recipient fails (10).
    #[arg(long, global = true)]
    pub mail_max_attempts: Option<String>,
    /// Email of the admin created at start on a database without one.
    #[arg(long, global = true)]
    pub bootstrap_admin_email: Option<String>,
    /// Password of that admin.
    #[arg(long, global = true)]
    pub bootstrap_admin_password: Option<String>,
    /// Largest accepted request body in bytes.
    #[arg(long, global = true)]
    pub max_body_bytes: Option<String>,
    /// `true`: agents see every customer; `false` (default): only those of
    /// their assigned companies and those they own.
    #[arg(long, global = true)]
    pub agents_see_all: Option<String>,
    /// How long after resolution a customer may reopen a ticket (`14d`).
    #[arg(long, global = true)]
    pub ticket_reopen_window: Option<String>,
    /// Largest accepted CSV import in bytes.
    #[arg(long, global = true)]
    pub max_import_bytes: Option<String>,
    /// Tracing filter (`info`, `crm=debug,actix_web=info`).
    #[arg(long, global = true)]
    pub log: Option<String>,
    /// `pretty` or `json`.
    #[arg(long, global = true)]
    pub log_format: Option<String>,
}
