//! The claims inside an access token.

use crm_kernel::{PrincipalKind, Role};
use serde::{Deserialize, Serialize};

/// The payload of an access token. Every field is required when reading one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AccessClaims {
    /// The principal's id (a UUID string).
    pub sub: String,
    /// `user` or `customer`: how to read `sub`.
    pub kind: PrincipalKind,
    /// `admin`, `agent` or `customer`, at issue time.
    pub role: Role,
    /// Expiry, Unix seconds. The token is expired from this second on.
    pub exp: i64,
    /// Issue time, Unix seconds.
    pub iat: i64,
    /// Unique token id: 128 random bits, hex.
    pub jti: String,
    /// The sign-in the token belongs to: its refresh-session family id (a
    /// UUID string). Tokens without it (issued before it existed) are refused.
    pub sid: String,
}
