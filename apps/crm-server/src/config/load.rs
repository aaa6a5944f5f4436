//! Layers the sources with the `config` crate, lowest first: built-in
//! defaults (on [`Settings`]), the TOML file, `CRM_*` variables, flags.

use std::ffi::OsString;
use std::path::Path;

use ::config::{Config, Environment, File, FileFormat, FileSourceString, Map, Source, ValueKind};
use serde::de::Error as _;

use super::{ConfigError, LogFormat, Settings};
use crate::cli::Overrides;

/// A file in `config`'s terms.
type TomlFile = File<FileSourceString, FileFormat>;

impl Settings {
    /// Merges the defaults, the file named by `config` (if any) and the
    /// flags, without looking at the process environment (what tests and
    /// embedders want; `main` uses [`Settings::load_with_env`]).
    pub fn load(
        config: Option<&Path>,
        flags: &Overrides,
        stdout_is_terminal: bool,
    ) -> Result<Self, ConfigError> {
        Self::load_with_env(config, std::iter::empty(), flags, stdout_is_terminal)
    }

    /// Merges the defaults, the file named by `config` (if any), the
    /// variables of `env` that name a setting (`CRM_LISTEN`, spelled exactly
    /// so; others are ignored) and the flags, later ones winning.
    pub fn load_with_env(
        config: Option<&Path>,
        env: impl IntoIterator<Item = (OsString, OsString)>,
        flags: &Overrides,
        stdout_is_terminal: bool,
    ) -> Result<Self, ConfigError> {
        let log_format = LogFormat::for_stdout(stdout_is_terminal).name();
        let mut builder = Config::builder()
            .set_default("log_format", log_format)
            .map_err(unexpected)?;
        if let Some(path) = config {
            builder = builder.add_source(toml_file(path)?);
        }
        builder = builder.add_source(
            Environment::with_prefix("CRM")
                .prefix_separator("_")
                .source(Some(setting_variables(env)?)),
        );
        // Flags not given serialize as nil: they leave the lower layers alone.
        let given = Config::try_from(flags)
            .and_then(|flags| flags.collect())
            .map_err(unexpected)?;
        for (key, value) in given {
            let value = (!matches!(value.kind, ValueKind::Nil)).then_some(value);
            builder = builder
                .set_override_option(key, value)
                .map_err(unexpected)?;
        }
        let settings: Self = builder
            .build()
            .and_then(Config::try_deserialize)
            .map_err(name_the_setting)?;
        settings.check_combinations()?;
        Ok(settings)
    }

    /// Every setting's key (`listen`, `database_url`, …), in declaration order.
    #[must_use]
    pub fn keys() -> &'static [&'static str] {
        serde_aux::serde_introspection::serde_introspect::<Self>()
    }
}

/// The variable that sets the setting with this key: `listen` → `CRM_LISTEN`.
#[must_use]
pub fn variable_name(key: &str) -> String {
    format!("CRM_{}", key.to_ascii_uppercase())
}

/// Reads and parses the file, refusing keys that are not settings.
fn toml_file(path: &Path) -> Result<TomlFile, ConfigError> {
    let setting = format!("config file {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::new(&setting, e))?;
    let file = File::from_str(&text, FileFormat::Toml);
    let values = file
        .collect()
        .map_err(|e| ConfigError::new(&setting, file_error_message(&e)))?;
    let mut unknown: Vec<&String> = values
        .keys()
        .filter(|key| !Settings::keys().contains(&key.as_str()))
        .collect();
    unknown.sort();
    if let Some(key) = unknown.first() {
        let error = serde::de::value::Error::unknown_field(key, Settings::keys());
        return Err(ConfigError::new(&setting, error));
    }
    Ok(file)
}

/// A TOML syntax error's message without the quoted source lines.
fn file_error_message(error: &::config::ConfigError) -> String {
    if let ::config::ConfigError::FileParse { cause, .. } = error
        && let Some(toml) = cause.downcast_ref::<toml::de::Error>()
    {
        return toml.message().to_owned();
    }
    error.to_string()
}

/// The variables of `env` that name a setting, by name.
fn setting_variables(
    env: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<Map<String, String>, ConfigError> {
    let names: Vec<String> = Settings::keys()
        .iter()
        .map(|key| variable_name(key))
        .collect();
    let mut variables = Map::new();
    for (name, value) in env {
        let Some(name) = name.to_str().filter(|name| names.iter().any(|n| n == name)) else {
            continue;
        };
        let value = value
            .into_string()
            .map_err(|_| ConfigError::new(name, "is not valid UTF-8"))?;
        variables.insert(name.to_owned(), value);
    }
    Ok(variables)
}

/// A value that does not deserialize, named by its setting's variable.
fn name_the_setting(error: ::config::ConfigError) -> ConfigError {
    match error {
        ::config::ConfigError::At {
            error,
            key: Some(key),
            ..
        } => {
            let top = key.split(['.', '[']).next().unwrap_or(&key);
            ConfigError::new(&variable_name(top), innermost(*error))
        }
        other => unexpected(other),
    }
}

/// The message of the error under `config`'s "at key" wrappers.
fn innermost(error: ::config::ConfigError) -> String {
    match error {
        ::config::ConfigError::At { error, .. } => innermost(*error),
        other => other.to_string(),
    }
}

fn unexpected(error: ::config::ConfigError) -> ConfigError {
    ConfigError::new("configuration", error)
}
