//! [`Settings`]: every setting, declared once with its default and how its
//! value is read. A setting's TOML key is the field's serde name; its
//! variable is that key in upper case after `CRM_`; its flag is the key with
//! `-` for `_` (see `cli::Overrides`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crm_identity::Password;
use crm_kernel::EmailAddress;
use serde::Deserialize;

use super::mail;
use super::values::{self, BootstrapAdmin, DatabaseUrl, LogFormat};
use super::{ConfigError, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_IMPORT_BYTES, Secret};

/// Everything the server is configured with.
///
/// Built by [`Settings::load`] from the layered sources; the field order is
/// the order in which an unknown-key error lists the keys. The loader checks
/// the file's keys itself (to name the file) and reads only the variables of
/// settings, so `deny_unknown_fields` is the guard against a flag without a
/// setting.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where to listen (`127.0.0.1:8080`).
    #[serde(default = "default_listen", deserialize_with = "values::address")]
    pub listen: SocketAddr,
    /// Which store (`sqlite://./data/crm.db`).
    #[serde(rename = "database_url", default = "default_database")]
    pub database: DatabaseUrl,
    /// Base URL for links; `None` means `http://` + the bound address.
    #[serde(default, deserialize_with = "values::public_url")]
    pub public_url: Option<String>,
    /// Token secret; `None` means generated and kept beside the SQLite file.
    #[serde(default, deserialize_with = "values::jwt_secret")]
    pub jwt_secret: Option<Secret>,
    /// Access token lifetime (`15m`).
    #[serde(
        default = "default_access_token_ttl",
        deserialize_with = "values::duration"
    )]
    pub access_token_ttl: Duration,
    /// Refresh token lifetime (`30d`).
    #[serde(
        default = "default_refresh_token_ttl",
        deserialize_with = "values::duration"
    )]
    pub refresh_token_ttl: Duration,
    /// SMTP server; `None` means `.eml` files in the outbox folder.
    #[serde(default, deserialize_with = "values::smtp_url")]
    pub smtp_url: Option<Secret>,
    /// Sender of outgoing mail (`CRM <crm@localhost>`).
    #[serde(default = "default_mail_from", deserialize_with = "values::mail_from")]
    pub mail_from: String,
    /// Inbound-mail webhook secret; `None` (or empty) disables the webhook.
    #[serde(default, deserialize_with = "values::inbound_secret")]
    pub inbound_secret: Option<Secret>,
    /// Secret that email tokens (tracking, reply, bounce, unsubscribe) are
    /// signed with; `None` means derived from the JWT secret.
    #[serde(default, deserialize_with = "mail::email_secret")]
    pub email_secret: Option<Secret>,
    /// Folder of `.eml` files when no SMTP server is set; `None` means
    /// `outbox/` beside the SQLite file (`./data/outbox` otherwise).
    #[serde(default, deserialize_with = "mail::path")]
    pub outbox_dir: Option<PathBuf>,
    /// Networks of privacy proxies and scanners, replacing the built-in list.
    #[serde(default, deserialize_with = "mail::path")]
    pub mail_networks_file: Option<PathBuf>,
    /// Wait after a recipient's first failed attempt, doubled after each (`30s`).
    #[serde(
        default = "default_mail_retry_delay",
        deserialize_with = "values::duration"
    )]
    pub mail_retry_delay: Duration,
    /// Attempts before a transiently failing recipient fails (10).
    #[serde(
        default = "default_mail_max_attempts",
        deserialize_with = "mail::attempts"
    )]
    pub mail_max_attempts: u32,
    /// Email of the admin to create on a database without one; set together
    /// with the password (see [`Settings::bootstrap_admin`]).
    #[serde(default, deserialize_with = "values::email")]
    pub bootstrap_admin_email: Option<EmailAddress>,
    /// That admin's password.
    #[serde(default, deserialize_with = "values::password")]
    pub bootstrap_admin_password: Option<Password>,
    /// Largest request body accepted (1 MiB).
    #[serde(
        default = "default_max_body_bytes",
        deserialize_with = "values::byte_count"
    )]
    pub max_body_bytes: usize,
    /// Whether agents see every customer (`false`).
    #[serde(default, deserialize_with = "values::boolean")]
    pub agents_see_all: bool,
    /// How long after resolution a customer may reopen a ticket (`14d`).
    #[serde(
        default = "default_ticket_reopen_window",
        deserialize_with = "values::duration"
    )]
    pub ticket_reopen_window: Duration,
    /// Largest CSV import accepted (20 MiB).
    #[serde(
        default = "default_max_import_bytes",
        deserialize_with = "values::byte_count"
    )]
    pub max_import_bytes: usize,
    /// Tracing filter (`info`), checked when logging starts.
    #[serde(default = "default_log", deserialize_with = "values::text")]
    pub log: String,
    /// Log format. Its default depends on whether stdout is a terminal, which
    /// only the loader knows: it sets that default (`pretty` or `json`).
    pub log_format: LogFormat,
}

impl Settings {
    /// The admin to create at start on a database without one, when both
    /// its email and password are set.
    #[must_use]
    pub fn bootstrap_admin(&self) -> Option<BootstrapAdmin> {
        Some(BootstrapAdmin {
            email: self.bootstrap_admin_email.clone()?,
            password: self.bootstrap_admin_password.clone()?,
        })
    }

    /// The folder `.eml` files are written to when no SMTP server is set.
    #[must_use]
    pub fn outbox_folder(&self) -> PathBuf {
        if let Some(folder) = &self.outbox_dir {
            return folder.clone();
        }
        match &self.database {
            DatabaseUrl::Sqlite(path) => path
                .parent()
                .map_or_else(|| PathBuf::from("outbox"), |dir| dir.join("outbox")),
            DatabaseUrl::Mongo(_) => PathBuf::from("./data/outbox"),
        }
    }

    /// The rules that tie settings together.
    pub(super) fn check_combinations(&self) -> Result<(), ConfigError> {
        if self.jwt_secret.is_none() && matches!(self.database, DatabaseUrl::Mongo(_)) {
            return Err(ConfigError::new(
                "CRM_JWT_SECRET",
                "must be set when the store is MongoDB",
            ));
        }
        match (&self.bootstrap_admin_email, &self.bootstrap_admin_password) {
            (Some(_), None) => Err(ConfigError::new(
                "CRM_BOOTSTRAP_ADMIN_PASSWORD",
                "must be set together with CRM_BOOTSTRAP_ADMIN_EMAIL",
            )),
            (None, Some(_)) => Err(ConfigError::new(
                "CRM_BOOTSTRAP_ADMIN_EMAIL",
                "must be set together with CRM_BOOTSTRAP_ADMIN_PASSWORD",
            )),
            _ => Ok(()),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_database() -> DatabaseUrl {
    DatabaseUrl::Sqlite(PathBuf::from("./data/crm.db"))
}

fn default_access_token_ttl() -> Duration {
    Duration::from_mins(15)
}

fn default_refresh_token_ttl() -> Duration {
    Duration::from_hours(30 * 24)
}

fn default_mail_from() -> String {
    "CRM <crm@localhost>".to_owned()
}

fn default_mail_retry_delay() -> Duration {
    Duration::from_secs(30)
}

fn default_mail_max_attempts() -> u32 {
    10
}

fn default_max_body_bytes() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

fn default_ticket_reopen_window() -> Duration {
    Duration::from_hours(14 * 24)
}

fn default_max_import_bytes() -> usize {
    DEFAULT_MAX_IMPORT_BYTES
}

fn default_log() -> String {
    "info".to_owned()
}
