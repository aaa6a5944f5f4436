//! # crm-auth
//!
//! The authentication adapters of the CRM: implementations of two ports of
//! the identity context (`crm-identity`) and of the interactions context's
//! feed token port (`crm-interactions`).
//!
//! - [`Argon2Hasher`] implements `PasswordHasher` with argon2id at OWASP's
//!   recommended parameters (19 MiB, 2 passes, 1 lane), producing PHC strings
//!   and running every hash on tokio's blocking pool.
//! - [`JwtIssuer`] implements `TokenIssuer`: HS256 access tokens signed with a
//!   [`JwtSecret`] of at least 32 bytes, and random refresh tokens stored as
//!   their SHA-256.
//! - [`RandomFeedTokens`] implements `FeedTokens`: the secret tokens of
//!   calendar feed URLs, random like refresh tokens and stored as their SHA-256.
//!
//! The crate owns no business rule: who may sign in, how long tokens live and
//! when sessions rotate are decided by `crm-identity`.

mod claims;
mod digest;
pub mod feed;
pub mod hasher;
pub mod jwt;
mod random;
pub mod refresh;
pub mod secret;
mod slots;

pub use feed::{FEED_TOKEN_BYTES, RandomFeedTokens};
pub use hasher::{Argon2Hasher, OWASP_M_COST_KIB, OWASP_P_COST, OWASP_T_COST};
pub use jwt::JwtIssuer;
pub use refresh::REFRESH_TOKEN_BYTES;
pub use secret::{JwtSecret, JwtSecretError, MIN_SECRET_BYTES};
pub use slots::HashingLimits;
