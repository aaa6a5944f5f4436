//! Signed tokens: what tracking links, reply and bounce addresses and the
//! unsubscribe link carry instead of anything personal.
//!
//! A token is `base32(version ‖ purpose ‖ recipient id ‖ [link] ‖ tag)`,
//! lower-case and unpadded, where `tag` is the first 12 bytes (96 bits) of
//! HMAC-SHA-256 over everything before it, under a server secret
//! ([`TokenKey`]). It names a recipient by its random-looking UUID and
//! nothing else: no address, no name, no URL. Nobody without the key can
//! make one (forging needs about 2^96 tries), so a click link redirects only
//! to a URL found in the message it was made for, and an unsubscribe link
//! opts out only the recipient it was sent to. Base32 without upper case
//! survives mail systems that lower-case the local part of an address
//! (`reply+TOKEN@…`), and the longest token (52 characters, a click) fits in
//! a URL path and the shorter ones in a 64-character local part.

use std::fmt;

use crm_kernel::RecipientId;
use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;
const TAG_LEN: usize = 12;

/// What a token was made for. Part of the signed data: a token made for one
/// purpose is refused for every other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// The 1×1 image that tells an open.
    Open,
    /// The `index`th web link of the message (0-based, in document order).
    Click(u16),
    /// The hidden link no person sees (a hit on it is a machine's).
    Honeypot,
    /// The `List-Unsubscribe` link (RFC 8058 one-click).
    Unsubscribe,
    /// The `Reply-To` address (`reply+TOKEN@…`).
    Reply,
    /// The envelope sender, where bounces go (`bounce+TOKEN@…`, VERP).
    Bounce,
}

impl TokenPurpose {
    fn code(self) -> u8 {
        match self {
            Self::Open => 1,
            Self::Click(_) => 2,
            Self::Honeypot => 3,
            Self::Unsubscribe => 4,
            Self::Reply => 5,
            Self::Bounce => 6,
        }
    }
}

/// A verified token: for whom and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenClaim {
    /// The recipient it was made for.
    pub recipient: RecipientId,
    /// What for.
    pub purpose: TokenPurpose,
}

/// The secret tokens are signed with. At least 32 bytes; its `Debug` never
/// shows it.
#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

/// The secret is shorter than 32 bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the token secret must be at least 32 bytes")]
pub struct TokenKeyError;

impl TokenKey {
    /// A key from secret bytes (at least 32).
    pub fn new(secret: &[u8]) -> Result<Self, TokenKeyError> {
        if secret.len() < 32 {
            return Err(TokenKeyError);
        }
        Ok(Self(secret.to_vec()))
    }

    /// A key for email tokens derived from another secret of the server
    /// (HMAC-SHA-256 of a fixed label under it), so that the server needs no
    /// new setting and the two secrets never sign each other's data.
    pub fn derive(master: &[u8]) -> Result<Self, TokenKeyError> {
        if master.len() < 32 {
            return Err(TokenKeyError);
        }
        let mut mac = HmacSha256::new_from_slice(master).map_err(|_| TokenKeyError)?;
        mac.update(b"crm-email token key v1");
        Self::new(&mac.finalize().into_bytes())
    }

    /// The token for `claim`.
    #[must_use]
    pub fn sign(&self, claim: TokenClaim) -> String {
        let mut bytes = payload(claim);
        let tag = self.mac(&bytes).finalize().into_bytes();
        bytes.extend_from_slice(&tag[..TAG_LEN]);
        BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
    }

    /// The claim of a token this key made, `None` for anything else (a
    /// forged, altered, truncated or foreign token). Case is ignored.
    #[must_use]
    pub fn verify(&self, token: &str) -> Option<TokenClaim> {
        if token.len() > 64 {
            return None;
        }
        let bytes = BASE32_NOPAD
            .decode(token.to_ascii_uppercase().as_bytes())
            .ok()?;
        let (data, tag) = bytes.split_at_checked(bytes.len().checked_sub(TAG_LEN)?)?;
        self.mac(data).verify_truncated_left(tag).ok()?;
        let (&version, rest) = data.split_first()?;
        let (&purpose, rest) = rest.split_first()?;
        if version != VERSION || rest.len() < 16 {
            return None;
        }
        let (id, rest) = rest.split_at(16);
        let recipient = RecipientId::from_uuid(Uuid::from_slice(id).ok()?);
        let purpose = match (purpose, rest) {
            (1, []) => TokenPurpose::Open,
            (2, [high, low]) => TokenPurpose::Click(u16::from_be_bytes([*high, *low])),
            (3, []) => TokenPurpose::Honeypot,
            (4, []) => TokenPurpose::Unsubscribe,
            (5, []) => TokenPurpose::Reply,
            (6, []) => TokenPurpose::Bounce,
            _ => return None,
        };
        Some(TokenClaim { recipient, purpose })
    }

    /// The claim of a token, when it is valid and made for `purpose`'s kind.
    #[must_use]
    pub fn verify_for(
        &self,
        token: &str,
        accept: impl Fn(TokenPurpose) -> bool,
    ) -> Option<TokenClaim> {
        self.verify(token).filter(|claim| accept(claim.purpose))
    }

    fn mac(&self, data: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length; `new` only fails for fixed-size MACs.
        let mut mac = HmacSha256::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(data);
        mac
    }
}

fn payload(claim: TokenClaim) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(32);
    bytes.push(VERSION);
    bytes.push(claim.purpose.code());
    bytes.extend_from_slice(claim.recipient.as_uuid().as_bytes());
    if let TokenPurpose::Click(index) = claim.purpose {
        bytes.extend_from_slice(&index.to_be_bytes());
    }
    bytes
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TokenKey {
        TokenKey::new(&[7; 32]).unwrap()
    }

    fn claim(purpose: TokenPurpose) -> TokenClaim {
        TokenClaim {
            recipient: RecipientId::new(),
            purpose,
        }
    }

    #[test]
    fn round_trips_every_purpose() {
        for purpose in [
            TokenPurpose::Open,
            TokenPurpose::Click(0),
            TokenPurpose::Click(513),
            TokenPurpose::Honeypot,
            TokenPurpose::Unsubscribe,
            TokenPurpose::Reply,
            TokenPurpose::Bounce,
        ] {
            let claim = claim(purpose);
            let token = key().sign(claim);
            assert_eq!(key().verify(&token), Some(claim), "{purpose:?}");
            assert_eq!(key().verify(&token.to_ascii_uppercase()), Some(claim));
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            );
            assert!(token.len() <= 52, "{} characters", token.len());
        }
        assert!(key().sign(claim(TokenPurpose::Bounce)).len() + "bounce+".len() <= 64);
    }

    #[test]
    fn carries_nothing_but_the_recipient_id() {
        let claim = claim(TokenPurpose::Open);
        let bytes = BASE32_NOPAD
            .decode(key().sign(claim).to_ascii_uppercase().as_bytes())
            .unwrap();
        assert_eq!(bytes.len(), 2 + 16 + TAG_LEN);
        assert_eq!(&bytes[2..18], claim.recipient.as_uuid().as_bytes());
    }

    #[test]
    fn refuses_forgeries() {
        let claim = claim(TokenPurpose::Click(1));
        let token = key().sign(claim);
        let other_key = TokenKey::new(&[8; 32]).unwrap();
        assert_eq!(other_key.verify(&token), None);

        // Every single-character change is caught.
        for (i, c) in token.char_indices() {
            let swapped = if c == 'a' { 'b' } else { 'a' };
            let mut altered = token.clone();
            altered.replace_range(i..=i, &swapped.to_string());
            assert_eq!(key().verify(&altered), None, "changed at {i}");
        }
        // Another link of the same recipient needs another token.
        let mut bytes = BASE32_NOPAD
            .decode(token.to_ascii_uppercase().as_bytes())
            .unwrap();
        bytes[19] ^= 1;
        let relinked = BASE32_NOPAD.encode(&bytes);
        assert_eq!(key().verify(&relinked), None);

        for junk in ["", "x", "0000", &token[..token.len() - 2], &"a".repeat(200)] {
            assert_eq!(key().verify(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn purpose_filter() {
        let token = key().sign(claim(TokenPurpose::Honeypot));
        assert!(
            key()
                .verify_for(&token, |p| matches!(
                    p,
                    TokenPurpose::Click(_) | TokenPurpose::Honeypot
                ))
                .is_some()
        );
        assert!(
            key()
                .verify_for(&token, |p| p == TokenPurpose::Open)
                .is_none()
        );
    }

    #[test]
    fn keys_are_long_and_secret() {
        assert_eq!(TokenKey::new(&[1; 31]).unwrap_err(), TokenKeyError);
        assert!(TokenKey::derive(&[1; 16]).is_err());
        let derived = TokenKey::derive(&[1; 32]).unwrap();
        let claim = claim(TokenPurpose::Open);
        assert_eq!(
            derived.verify(&TokenKey::new(&[1; 32]).unwrap().sign(claim)),
            None
        );
        assert_eq!(format!("{derived:?}"), "TokenKey(<redacted>)");
    }
}
