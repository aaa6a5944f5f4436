//! [`JwtSecret`]: the key that signs and checks access tokens.

use std::fmt;

/// Fewest bytes a signing secret may have: HS256 wants a key at least as long
/// as its 256-bit output (RFC 7518, section 3.2).
pub const MIN_SECRET_BYTES: usize = 32;

/// Why a signing secret was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtSecretError {
    /// Shorter than [`MIN_SECRET_BYTES`].
    #[error(
        "the JWT signing secret must be at least {MIN_SECRET_BYTES} bytes long, but it has {len}; \
         generate one with, for example, `openssl rand -base64 48`"
    )]
    TooShort {
        /// How many bytes the secret given had.
        len: usize,
    },
}

/// The HMAC key of access tokens: at least [`MIN_SECRET_BYTES`] bytes.
/// Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    /// Accepts a secret of at least [`MIN_SECRET_BYTES`] bytes (text or raw bytes),
    /// used as is.
    pub fn new(secret: impl Into<Vec<u8>>) -> Result<Self, JwtSecretError> {
        let secret = secret.into();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(JwtSecretError::TooShort { len: secret.len() });
        }
        Ok(Self(secret))
    }

    /// The key bytes, for the signer only.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(JwtSecret::new(""), Err(JwtSecretError::TooShort { len: 0 }));
        assert_eq!(
            JwtSecret::new("x".repeat(MIN_SECRET_BYTES - 1)),
            Err(JwtSecretError::TooShort { len: 31 })
        );
        let message = JwtSecretError::TooShort { len: 5 }.to_string();
        assert!(message.contains("at least 32 bytes"), "{message}");
    }

    #[test]
    fn long_enough_secrets_are_kept_and_redacted() {
        let secret = JwtSecret::new("k".repeat(MIN_SECRET_BYTES)).expect("32 bytes are enough");
        assert_eq!(secret.expose(), "k".repeat(32).as_bytes());
        assert_eq!(format!("{secret:?}"), "JwtSecret(<redacted>)");
        assert!(JwtSecret::new(vec![0_u8; 64]).is_ok());
    }
}
