//! Refresh tokens: random opaque strings, stored only as their hash.

use crm_identity::{RefreshToken, TokenHash};

use crate::digest::{random_base64url, sha256_base64url};

/// Bytes of entropy in a refresh token (256 bits).
pub const REFRESH_TOKEN_BYTES: usize = 32;

/// A new refresh token: [`REFRESH_TOKEN_BYTES`] bytes from the OS CSPRNG,
/// base64url without padding (43 characters).
pub(crate) fn new_token() -> RefreshToken {
    RefreshToken::new(random_base64url::<REFRESH_TOKEN_BYTES>())
}

/// SHA-256 of the token text, base64url without padding (43 characters).
///
/// A plain, unkeyed hash is enough: the token has 256 bits of entropy, so a
/// leaked table of hashes cannot be reversed by guessing.
pub(crate) fn hash_token(token: &str) -> TokenHash {
    TokenHash::new(sha256_base64url(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_chars_and_distinct() {
        let first = new_token();
        let second = new_token();
        assert_eq!(first.expose().len(), 43);
        assert_eq!(second.expose().len(), 43);
        assert_ne!(first, second);
        assert!(
            first
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn hash_is_deterministic_and_differs_from_the_token() {
        let token = new_token();
        let hash = hash_token(token.expose());
        assert_eq!(hash, hash_token(token.expose()));
        assert_ne!(hash.as_str(), token.expose());
        assert_eq!(hash.as_str().len(), 43);
        assert_ne!(hash, hash_token(new_token().expose()));
        // SHA-256("abc"), base64url: a known answer.
        assert_eq!(
            hash_token("abc").as_str(),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }
}
