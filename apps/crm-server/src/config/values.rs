//! The typed values of settings, and how each is read from what the operator
//! wrote: a TOML value in the file, a `CRM_*` variable or a flag (both text).
//!
//! Each reader is a serde `deserialize_with` helper (or a `Deserialize`
//! impl) whose error says only what is wrong with the value; the loader puts
//! the setting's variable name in front (`CRM_LISTEN: …`).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crm_identity::Password;
use crm_kernel::EmailAddress;
use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::Secret;

/// Which store the server runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// The embedded SQLite file at this path.
    Sqlite(PathBuf),
    /// A MongoDB deployment (connection string kept secret: it may hold a password).
    Mongo(Secret),
}

impl DatabaseUrl {
    fn parse(text: &str) -> Result<Self, String> {
        if let Some(path) = text.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://./data/crm.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("mongodb://") || text.starts_with("mongodb+srv://") {
            return Ok(Self::Mongo(Secret::new(text.to_owned())));
        }
        Err("must start with sqlite://, mongodb:// or mongodb+srv://".into())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_text(deserializer, Self::parse)
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

impl LogFormat {
    /// The default: `pretty` on a terminal, `json` otherwise.
    #[must_use]
    pub fn for_stdout(is_terminal: bool) -> Self {
        if is_terminal {
            Self::Pretty
        } else {
            Self::Json
        }
    }

    /// The name the operator writes.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Pretty => "pretty",
            Self::Json => "json",
        }
    }
}

impl<'de> Deserialize<'de> for LogFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_text(deserializer, |text| match text {
            "pretty" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            other => Err(format!("`{other}` is neither `pretty` nor `json`")),
        })
    }
}

/// The admin created at start on a database that has none.
#[derive(Debug, Clone)]
pub struct BootstrapAdmin {
    /// Its email.
    pub email: EmailAddress,
    /// Its password.
    pub password: Password,
}

/// Fewest bytes of a configured token secret.
const MIN_JWT_SECRET_BYTES: usize = 32;

/// An `address:port` to listen on.
pub(super) fn address<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    from_text(d, |text| {
        text.parse()
            .map_err(|_| format!("`{text}` is not an address:port such as 127.0.0.1:8080"))
    })
}

/// A humantime duration (`90s`, `15m`, `30d`) of at least a second.
pub(super) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    from_text(d, |text| {
        let duration = humantime::parse_duration(text)
            .map_err(|e| format!("`{text}` is not a duration such as 15m or 30d ({e})"))?;
        if duration < Duration::from_secs(1) {
            return Err("must be at least 1s".into());
        }
        Ok(duration)
    })
}

/// A base URL for links: `http://` or `https://`, without trailing slashes.
pub(super) fn public_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    from_text(d, |text| {
        let trimmed = text.trim_end_matches('/');
        if !(trimmed.starts_with("http://") || trimmed.starts_with("https://"))
            || trimmed.len() < 10
        {
            return Err("must be an http:// or https:// URL".into());
        }
        Ok(Some(trimmed.to_owned()))
    })
}

/// The token secret: at least 32 bytes.
pub(super) fn jwt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    from_text(d, |text| {
        if text.len() < MIN_JWT_SECRET_BYTES {
            return Err(format!("must be at least {MIN_JWT_SECRET_BYTES} bytes"));
        }
        Ok(Some(Secret::new(text.to_owned())))
    })
}

/// `smtp://host:port` or `smtps://user:pass@host:port` (kept secret).
pub(super) fn smtp_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    from_text(d, |text| {
        let Some((_, rest)) = text
            .split_once("://")
            .filter(|(scheme, _)| matches!(*scheme, "smtp" | "smtps"))
        else {
            return Err("must be smtp://host:port or smtps://user:pass@host:port".into());
        };
        let host_port = rest.rsplit('@').next().unwrap_or(rest);
        if host_port.is_empty() {
            return Err("has no host".into());
        }
        Ok(Some(Secret::new(text.to_owned())))
    })
}

/// A mail sender such as `CRM <crm@example.com>`.
pub(super) fn mail_from<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    from_text(d, |text| {
        if text.contains('@') {
            Ok(text.to_owned())
        } else {
            Err("must be an address such as `CRM <crm@example.com>`".into())
        }
    })
}

/// The inbound-mail webhook secret; empty means unset.
pub(super) fn inbound_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    from_text(d, |text| {
        Ok((!text.is_empty()).then(|| Secret::new(text.to_owned())))
    })
}

/// An email address.
pub(super) fn email<'de, D: Deserializer<'de>>(d: D) -> Result<Option<EmailAddress>, D::Error> {
    from_text(d, |text| {
        EmailAddress::parse(text)
            .map(Some)
            .map_err(|e| e.to_string())
    })
}

/// A password that meets the password policy.
pub(super) fn password<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Password>, D::Error> {
    from_text(d, |text| {
        Password::new_secret(text)
            .map(Some)
            .map_err(|e| e.to_string())
    })
}

/// Free text (a tracing filter).
pub(super) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(Text)
}

/// A byte count of at least 1024: a TOML integer, or digits as text.
pub(super) fn byte_count<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let bytes = d.deserialize_any(ByteCount)?;
    if bytes < 1024 {
        return Err(de::Error::custom("must be at least 1024"));
    }
    Ok(usize::try_from(bytes).unwrap_or(usize::MAX))
}

/// A TOML boolean, or `true`/`1`/`false`/`0` as text.
pub(super) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    d.deserialize_any(Boolean)
}

/// Reads text (a TOML string, a variable or a flag; never a TOML number or
/// table) and parses it, the parser's message becoming the error.
fn from_text<'de, D, T>(d: D, parse: impl FnOnce(&str) -> Result<T, String>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let text = d.deserialize_any(Text)?;
    parse(&text).map_err(de::Error::custom)
}

struct Text;

impl Visitor<'_> for Text {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<String, E> {
        Ok(text.to_owned())
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<String, E> {
        Ok(text)
    }
}

const NOT_A_BYTE_COUNT: &str = "must be a whole number of bytes";

struct ByteCount;

impl Visitor<'_> for ByteCount {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number of bytes")
    }

    fn visit_u64<E: de::Error>(self, bytes: u64) -> Result<u64, E> {
        Ok(bytes)
    }

    fn visit_i64<E: de::Error>(self, bytes: i64) -> Result<u64, E> {
        u64::try_from(bytes).map_err(|_| E::custom(NOT_A_BYTE_COUNT))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<u64, E> {
        text.parse().map_err(|_| E::custom(NOT_A_BYTE_COUNT))
    }
}

struct Boolean;

impl Visitor<'_> for Boolean {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`true` or `false`")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<bool, E> {
        Ok(value)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<bool, E> {
        match text {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(E::custom(format!(
                "`{other}` is neither `true` nor `false`"
            ))),
        }
    }
}
