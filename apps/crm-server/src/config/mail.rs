//! The readers of the email settings that no other setting shares: the
//! email token secret, folder and file paths, and the attempt limit.

use std::path::PathBuf;

use serde::Deserialize as _;
use serde::de::{self, Deserializer};

use super::Secret;

/// Fewest bytes of a dedicated email token secret.
const MIN_EMAIL_SECRET_BYTES: usize = 32;

/// Most attempts a recipient may be given.
const MAX_ATTEMPTS: u32 = 100;

/// The email token secret: at least 32 bytes.
pub(super) fn email_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let text = String::deserialize(d)?;
    if text.len() < MIN_EMAIL_SECRET_BYTES {
        return Err(de::Error::custom(format!(
            "must be at least {MIN_EMAIL_SECRET_BYTES} bytes"
        )));
    }
    Ok(Some(Secret::new(text)))
}

/// A file or folder path: any text but an empty one.
pub(super) fn path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Err(de::Error::custom("must be a path"));
    }
    Ok(Some(PathBuf::from(text)))
}

/// How many attempts a recipient gets: 1 to 100, a TOML integer or digits.
pub(super) fn attempts<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    let number = match &value {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    number
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (1..=MAX_ATTEMPTS).contains(n))
        .ok_or_else(|| {
            de::Error::custom(format!("must be a whole number from 1 to {MAX_ATTEMPTS}"))
        })
}
