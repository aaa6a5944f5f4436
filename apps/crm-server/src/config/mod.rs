//! Configuration: built-in defaults < TOML file < `CRM_*` variables < flags.
//!
//! [`Settings`] declares every setting once, with its default; the `config`
//! crate layers the sources and serde reads each value into its type. The
//! TOML file uses the variable names in lower case without the `CRM_`
//! prefix, and an unknown key in it is an error. A value that cannot be used
//! is reported naming its variable (`CRM_LISTEN: …`), whichever layer it
//! came from.

mod load;
mod mail;
mod secret;
mod settings;
mod values;

#[cfg(test)]
mod tests;

use std::fmt;

pub use load::variable_name;
pub use secret::Secret;
pub use settings::Settings;
pub use values::{BootstrapAdmin, DatabaseUrl, LogFormat};

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

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/crm.db";
/// Default body limit: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default CSV import limit: 20 MiB.
pub const DEFAULT_MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;
