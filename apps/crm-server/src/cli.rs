//! The command line: subcommands and the flags that override configuration.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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

    /// Settings given as flags or environment variables.
    #[command(flatten)]
    pub overrides: Overrides,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
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

/// Settings that flags (or their environment variables) override. Every one
/// is optional here: unset ones fall back to the file, then to defaults.
#[derive(Debug, Default, Args)]
pub struct Overrides {
    /// Address and port to serve on (port 0 picks a free one).
    #[arg(long, env = "CRM_LISTEN", global = true)]
    pub listen: Option<String>,
    /// `sqlite://PATH` (embedded store) or `mongodb://…`.
    #[arg(long, env = "CRM_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Base URL that links in emails and chart URLs are built on.
    #[arg(long, env = "CRM_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// HMAC secret for tokens, at least 32 bytes.
    #[arg(long, env = "CRM_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Access token lifetime (`15m`).
    #[arg(long, env = "CRM_ACCESS_TOKEN_TTL", global = true)]
    pub access_token_ttl: Option<String>,
    /// Refresh token lifetime (`30d`).
    #[arg(long, env = "CRM_REFRESH_TOKEN_TTL", global = true)]
    pub refresh_token_ttl: Option<String>,
    /// `smtp://host:port` or `smtps://user:pass@host:port`.
    #[arg(long, env = "CRM_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail.
    #[arg(long, env = "CRM_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Shared secret of the inbound-mail webhook.
    #[arg(
        long,
        env = "CRM_INBOUND_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub inbound_secret: Option<String>,
    /// Email of the admin created at start on a database without one.
    #[arg(long, env = "CRM_BOOTSTRAP_ADMIN_EMAIL", global = true)]
    pub bootstrap_admin_email: Option<String>,
    /// Password of that admin.
    #[arg(
        long,
        env = "CRM_BOOTSTRAP_ADMIN_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub bootstrap_admin_password: Option<String>,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "CRM_MAX_BODY_BYTES", global = true)]
    pub max_body_bytes: Option<String>,
    /// `true`: agents see every customer; `false` (default): only those of
    /// their assigned companies and those they own.
    #[arg(long, env = "CRM_AGENTS_SEE_ALL", global = true)]
    pub agents_see_all: Option<String>,
    /// How long after resolution a customer may reopen a ticket (`14d`).
    #[arg(long, env = "CRM_TICKET_REOPEN_WINDOW", global = true)]
    pub ticket_reopen_window: Option<String>,
    /// Largest accepted CSV import in bytes.
    #[arg(long, env = "CRM_MAX_IMPORT_BYTES", global = true)]
    pub max_import_bytes: Option<String>,
    /// Tracing filter (`info`, `crm=debug,actix_web=info`).
    #[arg(long, env = "CRM_LOG", global = true)]
    pub log: Option<String>,
    /// `pretty` or `json`.
    #[arg(long, env = "CRM_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
}
