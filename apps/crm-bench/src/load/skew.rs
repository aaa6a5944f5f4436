//! Deterministic randomness with a realistic skew: a few names, customers
//! and companies take a large share, as in real CRM data.

use fake::rand::rngs::StdRng;
use fake::rand::{RngExt, SeedableRng};

/// The seed of every run: two runs load the same data.
pub const SEED: u64 = 14;

/// A seeded generator.
#[must_use]
pub fn rng(stream: u64) -> StdRng {
    StdRng::seed_from_u64(SEED ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// An index in `0..len`, small ones more likely: `len * u^power` for a
/// uniform `u`; index 0 takes `(1/len)^(1/power)` of the draws (with 500
/// names and power 1.35, the commonest name is 1% of people, as the
/// commonest surnames are in census data).
pub fn skewed(rng: &mut StdRng, len: usize, power: f64) -> usize {
    let u: f64 = rng.random_range(0.0..1.0);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index below len from a fraction in [0, 1)"
    )]
    let index = (u.powf(power) * len as f64) as usize;
    index.min(len.saturating_sub(1))
}

/// A uniform index in `0..len`.
pub fn uniform(rng: &mut StdRng, len: usize) -> usize {
    rng.random_range(0..len.max(1))
}

/// Milliseconds in a day.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
