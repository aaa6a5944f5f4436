//! Tokens and refresh sessions.
//!
//! An access token is a short-lived signed JWT. A refresh token is a random
//! opaque string; only its hash is stored. Each refresh rotates it: the old
//! one is marked used and a new one of the same *family* is issued. Presenting
//! a used refresh token again means it was copied, so the whole family is revoked.
//!
//! A family is one sign-in, and every access token names its family: the
//! token works only while the family has a session that is not revoked, so
//! logging out, a detected reuse, a password change or disabling the
//! account ends the sign-in's access tokens at once, not at their expiry.

use std::fmt;
use std::time::Duration;

use crm_kernel::{CustomerId, PrincipalId, Role, SessionFamilyId, SessionId, Timestamp};

use crate::user::StaffUser;

/// A refresh token as handed to a client. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(String);

/// The text a client presented cannot be a refresh token: it is empty or
/// longer than [`RefreshToken::MAX_LEN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 512 characters")]
pub struct InvalidRefreshToken;

impl RefreshToken {
    /// The longest refresh token a client may present, in bytes. Issued
    /// tokens are far shorter; the bound keeps arbitrary input away from
    /// hashing and the store.
    pub const MAX_LEN: usize = 512;

    /// Wraps the raw text of a token the issuer just generated.
    #[must_use]
    pub fn new(raw: String) -> Self {
        Self(raw)
    }

    /// Parses a refresh token a client presented (to refresh or to sign
    /// out): 1 to [`MAX_LEN`](Self::MAX_LEN) bytes, taken as is. Whether it
    /// names a session is for the service to find out.
    pub fn parse(raw: &str) -> Result<Self, InvalidRefreshToken> {
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return Err(InvalidRefreshToken);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The raw token text, for the client only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(<redacted>)")
    }
}

/// The stored, one-way hash of a refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Wraps a hash computed by the token issuer or read from a store.
    #[must_use]
    pub fn new(hash: String) -> Self {
        Self(hash)
    }

    /// The hash text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One refresh token's session record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshSession {
    /// Its id.
    pub id: SessionId,
    /// The family: every session rotated from one login.
    pub family_id: SessionFamilyId,
    /// Whose session.
    pub principal: PrincipalId,
    /// Hash of the refresh token.
    pub token_hash: TokenHash,
    /// When issued.
    pub created_at: Timestamp,
    /// When the refresh token stops working.
    pub expires_at: Timestamp,
    /// When it was exchanged for a new one; a second exchange is reuse.
    pub rotated_at: Option<Timestamp>,
    /// When it was revoked (logout, reuse, disabled user).
    pub revoked_at: Option<Timestamp>,
}

/// A signed access token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The JWT.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: Duration,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AccessToken(<redacted>, expires_in: {:?})",
            self.expires_in
        )
    }
}

/// What a client gets after signing in or refreshing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    /// The access token.
    pub access: AccessToken,
    /// The refresh token.
    pub refresh: RefreshToken,
}

/// What a valid access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAccess {
    /// Whose token.
    pub principal: PrincipalId,
    /// The sign-in it was issued for: the family of its refresh session.
    /// The token works only while that sign-in is live.
    pub session: SessionFamilyId,
    /// The role when it was issued (the service re-reads the current one).
    pub role: Role,
    /// When it expires.
    pub expires_at: Timestamp,
}

/// Who holds a live sign-in, as the store reads it on every authenticated
/// request ([`SessionStore::session_holder`](crate::ports::SessionStore::session_holder)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionHolder {
    /// A staff user, as stored now, whatever its status (the service
    /// refuses disabled users).
    Staff(StaffUser),
    /// A customer whose sign-in credential exists.
    Customer(CustomerId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_presented_refresh_token_has_1_to_512_bytes() {
        for length in [1, 43, 512] {
            let raw = "a".repeat(length);
            assert_eq!(RefreshToken::parse(&raw).unwrap().expose(), raw);
        }
        for length in [0, 513, 4096] {
            let error = RefreshToken::parse(&"a".repeat(length)).unwrap_err();
            assert_eq!(error.to_string(), "must be 1 to 512 characters");
        }
        // The bound counts bytes, as the HTTP layer always did: 257 two-byte
        // characters are 514 bytes.
        assert!(RefreshToken::parse(&"é".repeat(256)).is_ok());
        assert!(RefreshToken::parse(&"é".repeat(257)).is_err());
    }

    #[test]
    fn a_parsed_token_is_kept_exactly_and_never_shown_by_debug() {
        let token = RefreshToken::parse(" padded token ").unwrap();
        assert_eq!(token.expose(), " padded token ");
        assert_eq!(format!("{token:?}"), "RefreshToken(<redacted>)");
    }
}
