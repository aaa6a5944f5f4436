//! Random bytes for tokens, from the operating system.

use rand::rngs::OsRng;
use rand::{RngCore as _, TryRngCore as _};

/// Fills `dest` from the OS CSPRNG. Should the OS refuse (which it does not
/// once booted), falls back to rand's thread-local CSPRNG, itself seeded from
/// the OS, rather than failing the login.
pub(crate) fn fill(dest: &mut [u8]) {
    if let Err(error) = OsRng.try_fill_bytes(dest) {
        tracing::error!(%error, "OS random source failed; using the thread-local CSPRNG");
        rand::rng().fill_bytes(dest);
    }
}

/// `N` random bytes.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0; N];
    fill(&mut out);
    out
}
