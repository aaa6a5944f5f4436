//! The one-way hash under which random tokens are stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// SHA-256 of the text, base64url without padding (43 characters).
///
/// A plain, unkeyed hash is enough for tokens of 256 random bits: a leaked
/// table of hashes cannot be reversed by guessing.
pub(crate) fn sha256_base64url(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()))
}

/// `N` random bytes as base64url without padding.
pub(crate) fn random_base64url<const N: usize>() -> String {
    URL_SAFE_NO_PAD.encode(crate::random::bytes::<N>())
}
