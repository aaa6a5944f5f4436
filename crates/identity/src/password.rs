//! Passwords as typed, never-logged values, and their stored hashes.

use std::fmt;

/// Fewest characters a new password may have (NIST SP 800-63B asks for at
/// least 8, OWASP ASVS 5 for 12; we follow ASVS).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Most characters a password may have: long passphrases are welcome, but
/// unbounded input would let a client make us hash megabytes.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_PASSWORD_CHARS`].
    #[error("must be at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    /// Longer than [`MAX_PASSWORD_CHARS`].
    #[error("must be at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    /// Nothing but white space.
    #[error("must not be blank")]
    Blank,
    /// Holds a control character (NUL, tab, line breaks, DEL, …), which no
    /// keyboard types into a password field and many systems mangle.
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// A plain-text password on its way to the hasher. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// A password chosen now (sign-up, new user, change): checked against the
    /// length policy, and refused when blank after trimming or when it holds
    /// a control character. It is not trimmed: spaces inside and around a
    /// passphrase are part of it.
    pub fn new_secret(input: &str) -> Result<Self, PasswordError> {
        if input.chars().any(char::is_control) {
            return Err(PasswordError::ControlCharacter);
        }
        if input.trim().is_empty() {
            return Err(PasswordError::Blank);
        }
        let chars = input.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(input.to_owned()))
    }

    /// A password offered at login: only bounded, since the policy may have
    /// changed since it was set. An over-long one can never match.
    pub fn for_login(input: &str) -> Result<Self, PasswordError> {
        if input.chars().count() > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(input.to_owned()))
    }

    /// The secret, for the hasher only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A password hash in PHC string format (`$argon2id$v=19$m=…`). Stored, never returned.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by a hasher or read from a store.
    #[must_use]
    pub fn from_phc(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_applies_to_new_passwords_only() {
        assert_eq!(Password::new_secret("short"), Err(PasswordError::TooShort));
        assert!(Password::new_secret("correct horse battery").is_ok());
        assert!(Password::for_login("short").is_ok());
        assert_eq!(
            Password::for_login(&"x".repeat(129)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            format!("{:?}", Password::for_login("secret").unwrap()),
            "Password(<redacted>)"
        );
    }

    #[test]
    fn blank_passwords_and_control_characters_are_refused() {
        assert_eq!(
            Password::new_secret(&" ".repeat(12)),
            Err(PasswordError::Blank)
        );
        assert_eq!(
            Password::new_secret(&"\u{3000}".repeat(12)),
            Err(PasswordError::Blank)
        );
        assert_eq!(
            Password::new_secret(&"\0".repeat(12)),
            Err(PasswordError::ControlCharacter)
        );
        assert_eq!(
            Password::new_secret("correct horse\tbattery"),
            Err(PasswordError::ControlCharacter)
        );
        assert_eq!(
            Password::new_secret("correct horse battery\u{7f}"),
            Err(PasswordError::ControlCharacter)
        );
        // Spaces around and inside a passphrase are kept, not trimmed.
        let spaced = Password::new_secret("  correct horse battery  ").unwrap();
        assert_eq!(spaced.expose(), "  correct horse battery  ");
    }
}
