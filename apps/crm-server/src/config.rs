//! Configuration: built-in defaults < TOML file < environment < flags.
//!
//! Environment variables and flags arrive together through clap (a flag wins
//! over its variable); the TOML file uses the variable names in lower case
//! without the `CRM_` prefix, and an unknown key in it is an error.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crm_identity::Password;
use crm_kernel::EmailAddress;
use serde::Deserialize;

use crate::cli::Overrides;

/// A setting that cannot be used, named as the operator wrote it.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    /// The variable (`CRM_LISTEN`) or file that is wrong.
    pub setting: String,
    /// Why.
    pub message: String,
}

impl ConfigError {
    fn new(setting: &str, message: impl fmt::Display) -> Self {
        Self {
            setting: setting.to_owned(),
            message: message.to_string(),
        }
    }
}

/// A secret whose `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    #[must_use]
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Which store the server runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// The embedded SQLite file at this path.
    Sqlite(PathBuf),
    /// A MongoDB deployment (connection string kept secret: it may hold a password).
    Mongo(Secret),
}

impl DatabaseUrl {
    fn parse(text: &str) -> Result<Self, ConfigError> {
        const SETTING: &str = "CRM_DATABASE_URL";
        if let Some(path) = text.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(ConfigError::new(
                    SETTING,
                    "sqlite:// needs a file path, e.g. sqlite://./data/crm.db",
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("mongodb://") || text.starts_with("mongodb+srv://") {
            return Ok(Self::Mongo(Secret::new(text.to_owned())));
        }
        Err(ConfigError::new(
            SETTING,
            "must start with sqlite://, mongodb:// or mongodb+srv://",
        ))
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, for terminals.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The admin created at start on a database that has none.
#[derive(Debug, Clone)]
pub struct BootstrapAdmin {
    /// Its email.
    pub email: EmailAddress,
    /// Its password.
    pub password: Password,
}

/// Everything the server is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Which store.
    pub database: DatabaseUrl,
    /// Base URL for links; `None` means `http://` + the bound address.
    pub public_url: Option<String>,
    /// Token secret; `None` means generated and kept beside the SQLite file.
    pub jwt_secret: Option<Secret>,
    /// Access token lifetime.
    pub access_token_ttl: Duration,
    /// Refresh token lifetime.
    pub refresh_token_ttl: Duration,
    /// SMTP server; `None` means `.eml` files in the outbox folder.
    pub smtp_url: Option<Secret>,
    /// Sender of outgoing mail.
    pub mail_from: String,
    /// Inbound-mail webhook secret; `None` disables the webhook.
    pub inbound_secret: Option<Secret>,
    /// Admin to create on a database without one.
    pub bootstrap_admin: Option<BootstrapAdmin>,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Whether agents see every customer.
    pub agents_see_all: bool,
    /// How long after resolution a customer may reopen a ticket.
    pub ticket_reopen_window: Duration,
    /// Largest CSV import accepted.
    pub max_import_bytes: usize,
    /// Tracing filter.
    pub log: String,
    /// Log format.
    pub log_format: LogFormat,
}

/// The TOML file's shape: the same settings, every one optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    public_url: Option<String>,
    jwt_secret: Option<String>,
    access_token_ttl: Option<String>,
    refresh_token_ttl: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    inbound_secret: Option<String>,
    bootstrap_admin_email: Option<String>,
    bootstrap_admin_password: Option<String>,
    max_body_bytes: Option<u64>,
    agents_see_all: Option<bool>,
    ticket_reopen_window: Option<String>,
    max_import_bytes: Option<u64>,
    log: Option<String>,
    log_format: Option<String>,
}

impl FileConfig {
    fn read(path: &Path) -> Result<Self, ConfigError> {
        let setting = format!("config file {}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::new(&setting, e))?;
        toml::from_str(&text).map_err(|e| ConfigError::new(&setting, e.message()))
    }
}

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/crm.db";
/// Default body limit: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default CSV import limit: 20 MiB.
pub const DEFAULT_MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

impl Settings {
    /// Merges defaults, the file named by `config` (if any) and the overrides.
    pub fn load(
        config: Option<&Path>,
        cli: &Overrides,
        stdout_is_terminal: bool,
    ) -> Result<Self, ConfigError> {
        let file = match config {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        let pick =
            |flag: &Option<String>, file: &Option<String>| flag.clone().or_else(|| file.clone());

        let listen = parse_listen(pick(&cli.listen, &file.listen))?;
        let database = DatabaseUrl::parse(
            &pick(&cli.database_url, &file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
        )?;
        let public_url = pick(&cli.public_url, &file.public_url)
            .map(|url| parse_public_url(&url))
            .transpose()?;
        let jwt_secret = parse_jwt_secret(pick(&cli.jwt_secret, &file.jwt_secret), &database)?;
        let access_token_ttl = parse_ttl(
            "CRM_ACCESS_TOKEN_TTL",
            pick(&cli.access_token_ttl, &file.access_token_ttl)
                .as_deref()
                .unwrap_or("15m"),
        )?;
        let refresh_token_ttl = parse_ttl(
            "CRM_REFRESH_TOKEN_TTL",
            pick(&cli.refresh_token_ttl, &file.refresh_token_ttl)
                .as_deref()
                .unwrap_or("30d"),
        )?;
        let smtp_url = pick(&cli.smtp_url, &file.smtp_url)
            .map(|url| parse_smtp_url(&url))
            .transpose()?;
        let mail_from = parse_mail_from(pick(&cli.mail_from, &file.mail_from))?;
        let inbound_secret = pick(&cli.inbound_secret, &file.inbound_secret)
            .filter(|s| !s.is_empty())
            .map(Secret::new);
        let bootstrap_admin = parse_bootstrap(
            pick(&cli.bootstrap_admin_email, &file.bootstrap_admin_email),
            pick(
                &cli.bootstrap_admin_password,
                &file.bootstrap_admin_password,
            ),
        )?;
        let max_body_bytes = parse_bytes(
            "CRM_MAX_BODY_BYTES",
            cli.max_body_bytes.as_deref(),
            file.max_body_bytes,
            DEFAULT_MAX_BODY_BYTES,
        )?;
        let max_import_bytes = parse_bytes(
            "CRM_MAX_IMPORT_BYTES",
            cli.max_import_bytes.as_deref(),
            file.max_import_bytes,
            DEFAULT_MAX_IMPORT_BYTES,
        )?;
        let agents_see_all = parse_bool(
            "CRM_AGENTS_SEE_ALL",
            cli.agents_see_all.as_deref(),
            file.agents_see_all,
        )?;
        let ticket_reopen_window = parse_ttl(
            "CRM_TICKET_REOPEN_WINDOW",
            pick(&cli.ticket_reopen_window, &file.ticket_reopen_window)
                .as_deref()
                .unwrap_or("14d"),
        )?;
        let log = pick(&cli.log, &file.log).unwrap_or_else(|| "info".to_owned());
        let log_format = parse_log_format(
            pick(&cli.log_format, &file.log_format).as_deref(),
            stdout_is_terminal,
        )?;
        Ok(Self {
            listen,
            database,
            public_url,
            jwt_secret,
            access_token_ttl,
            refresh_token_ttl,
            smtp_url,
            mail_from,
            inbound_secret,
            bootstrap_admin,
            max_body_bytes,
            agents_see_all,
            ticket_reopen_window,
            max_import_bytes,
            log,
            log_format,
        })
    }
}

fn parse_listen(text: Option<String>) -> Result<SocketAddr, ConfigError> {
    let text = text.unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    text.parse::<SocketAddr>().map_err(|_| {
        ConfigError::new(
            "CRM_LISTEN",
            format!("`{text}` is not an address:port such as 127.0.0.1:8080"),
        )
    })
}

fn parse_jwt_secret(
    text: Option<String>,
    database: &DatabaseUrl,
) -> Result<Option<Secret>, ConfigError> {
    match text {
        Some(secret) if secret.len() < 32 => Err(ConfigError::new(
            "CRM_JWT_SECRET",
            "must be at least 32 bytes",
        )),
        Some(secret) => Ok(Some(Secret::new(secret))),
        None if matches!(database, DatabaseUrl::Mongo(_)) => Err(ConfigError::new(
            "CRM_JWT_SECRET",
            "must be set when the store is MongoDB",
        )),
        None => Ok(None),
    }
}

fn parse_mail_from(text: Option<String>) -> Result<String, ConfigError> {
    let from = text.unwrap_or_else(|| "CRM <crm@localhost>".to_owned());
    if from.contains('@') {
        Ok(from)
    } else {
        Err(ConfigError::new(
            "CRM_MAIL_FROM",
            "must be an address such as `CRM <crm@example.com>`",
        ))
    }
}

fn parse_bool(setting: &str, flag: Option<&str>, file: Option<bool>) -> Result<bool, ConfigError> {
    match (flag, file) {
        (Some("true" | "1"), _) => Ok(true),
        (Some("false" | "0"), _) => Ok(false),
        (Some(other), _) => Err(ConfigError::new(
            setting,
            format!("`{other}` is neither `true` nor `false`"),
        )),
        (None, file) => Ok(file.unwrap_or(false)),
    }
}

fn parse_bytes(
    setting: &str,
    flag: Option<&str>,
    file: Option<u64>,
    default: usize,
) -> Result<usize, ConfigError> {
    let bytes = match (flag, file) {
        (Some(text), _) => text
            .parse::<u64>()
            .map_err(|_| ConfigError::new(setting, "must be a whole number of bytes"))?,
        (None, Some(bytes)) => bytes,
        (None, None) => default as u64,
    };
    if bytes < 1024 {
        return Err(ConfigError::new(setting, "must be at least 1024"));
    }
    Ok(usize::try_from(bytes).unwrap_or(usize::MAX))
}

fn parse_log_format(
    text: Option<&str>,
    stdout_is_terminal: bool,
) -> Result<LogFormat, ConfigError> {
    match text {
        None if stdout_is_terminal => Ok(LogFormat::Pretty),
        Some("pretty") => Ok(LogFormat::Pretty),
        None | Some("json") => Ok(LogFormat::Json),
        Some(other) => Err(ConfigError::new(
            "CRM_LOG_FORMAT",
            format!("`{other}` is neither `pretty` nor `json`"),
        )),
    }
}

fn parse_ttl(setting: &str, text: &str) -> Result<Duration, ConfigError> {
    let ttl = humantime::parse_duration(text).map_err(|e| {
        ConfigError::new(
            setting,
            format!("`{text}` is not a duration such as 15m or 30d ({e})"),
        )
    })?;
    if ttl < Duration::from_secs(1) {
        return Err(ConfigError::new(setting, "must be at least 1s"));
    }
    Ok(ttl)
}

fn parse_public_url(text: &str) -> Result<String, ConfigError> {
    let trimmed = text.trim_end_matches('/');
    if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) || trimmed.len() < 10 {
        return Err(ConfigError::new(
            "CRM_PUBLIC_URL",
            "must be an http:// or https:// URL",
        ));
    }
    Ok(trimmed.to_owned())
}

fn parse_smtp_url(text: &str) -> Result<Secret, ConfigError> {
    let Some((_, rest)) = text
        .split_once("://")
        .filter(|(scheme, _)| matches!(*scheme, "smtp" | "smtps"))
    else {
        return Err(ConfigError::new(
            "CRM_SMTP_URL",
            "must be smtp://host:port or smtps://user:pass@host:port",
        ));
    };
    let host_port = rest.rsplit('@').next().unwrap_or(rest);
    if host_port.is_empty() {
        return Err(ConfigError::new("CRM_SMTP_URL", "has no host"));
    }
    Ok(Secret::new(text.to_owned()))
}

fn parse_bootstrap(
    email: Option<String>,
    password: Option<String>,
) -> Result<Option<BootstrapAdmin>, ConfigError> {
    match (email, password) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::new(
            "CRM_BOOTSTRAP_ADMIN_PASSWORD",
            "must be set together with CRM_BOOTSTRAP_ADMIN_EMAIL",
        )),
        (None, Some(_)) => Err(ConfigError::new(
            "CRM_BOOTSTRAP_ADMIN_EMAIL",
            "must be set together with CRM_BOOTSTRAP_ADMIN_PASSWORD",
        )),
        (Some(email), Some(password)) => Ok(Some(BootstrapAdmin {
            email: EmailAddress::parse(&email)
                .map_err(|e| ConfigError::new("CRM_BOOTSTRAP_ADMIN_EMAIL", e))?,
            password: Password::new_secret(&password)
                .map_err(|e| ConfigError::new("CRM_BOOTSTRAP_ADMIN_PASSWORD", e))?,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(cli: &Overrides) -> Result<Settings, ConfigError> {
        Settings::load(None, cli, false)
    }

    #[test]
    fn defaults() {
        let settings = load(&Overrides::default()).unwrap();
        assert_eq!(settings.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(
            settings.database,
            DatabaseUrl::Sqlite(PathBuf::from("./data/crm.db"))
        );
        assert_eq!(settings.access_token_ttl, Duration::from_mins(15));
        assert_eq!(settings.refresh_token_ttl, Duration::from_hours(30 * 24));
        assert_eq!(settings.log_format, LogFormat::Json);
    }

    #[test]
    fn file_is_overridden_by_flags_and_unknown_keys_fail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\naccess_token_ttl = \"5m\"\n",
        )
        .unwrap();
        let cli = Overrides {
            listen: Some("127.0.0.1:9001".into()),
            ..Overrides::default()
        };
        let settings = Settings::load(Some(&path), &cli, false).unwrap();
        assert_eq!(settings.listen.port(), 9001);
        assert_eq!(settings.access_token_ttl, Duration::from_mins(5));

        std::fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        let error = Settings::load(Some(&path), &Overrides::default(), false).unwrap_err();
        assert!(error.to_string().contains("lisen"), "{error}");
    }

    #[test]
    fn bad_values_name_their_setting() {
        let cases = [
            (
                Overrides {
                    listen: Some("nowhere".into()),
                    ..Overrides::default()
                },
                "CRM_LISTEN",
            ),
            (
                Overrides {
                    jwt_secret: Some("short".into()),
                    ..Overrides::default()
                },
                "CRM_JWT_SECRET",
            ),
            (
                Overrides {
                    database_url: Some("postgres://x".into()),
                    ..Overrides::default()
                },
                "CRM_DATABASE_URL",
            ),
            (
                Overrides {
                    database_url: Some("mongodb://localhost".into()),
                    ..Overrides::default()
                },
                "CRM_JWT_SECRET",
            ),
            (
                Overrides {
                    access_token_ttl: Some("soon".into()),
                    ..Overrides::default()
                },
                "CRM_ACCESS_TOKEN_TTL",
            ),
            (
                Overrides {
                    smtp_url: Some("http://x".into()),
                    ..Overrides::default()
                },
                "CRM_SMTP_URL",
            ),
            (
                Overrides {
                    bootstrap_admin_email: Some("a@example.com".into()),
                    ..Overrides::default()
                },
                "CRM_BOOTSTRAP_ADMIN_PASSWORD",
            ),
            (
                Overrides {
                    log_format: Some("xml".into()),
                    ..Overrides::default()
                },
                "CRM_LOG_FORMAT",
            ),
        ];
        for (cli, setting) in cases {
            let error = load(&cli).unwrap_err();
            assert_eq!(error.setting, setting, "{error}");
        }
    }

    #[test]
    fn secrets_are_redacted() {
        let cli = Overrides {
            jwt_secret: Some("x".repeat(40)),
            ..Overrides::default()
        };
        let settings = load(&cli).unwrap();
        assert!(!format!("{settings:?}").contains(&"x".repeat(40)));
    }
}
