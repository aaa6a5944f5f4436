//! [`JwtIssuer`]: the identity context's `TokenIssuer` port with HS256 JWTs.

use std::fmt;
use std::fmt::Write as _;
use std::time::Duration;

use crm_identity::ports::{TokenError, TokenIssuer};
use crm_identity::{AccessToken, RefreshToken, TokenHash, VerifiedAccess};
use crm_kernel::{
    BackendError, Principal, PrincipalId, PrincipalKind, Role, SessionFamilyId, Timestamp,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

use crate::claims::AccessClaims;
use crate::secret::JwtSecret;
use crate::{random, refresh};

/// Access tokens as HS256 JWTs, refresh tokens as random strings.
///
/// An access token carries `sub` (the principal id), `kind` (`user` or
/// `customer`), `role` (`admin`, `agent` or `customer`), `iat` and `exp`
/// (Unix seconds), a random `jti` and `sid`, the sign-in it belongs to (its
/// refresh-session family). Verification accepts HS256 only (so neither
/// `alg: none` nor a public-key algorithm can be slipped in), requires every
/// claim (a token without `sid`, issued by an earlier release, is invalid),
/// and checks expiry against the `now` it is given
/// rather than the system clock, so a fixed clock governs it: a token is
/// expired from the second `exp` on, with no leeway.
///
/// Refresh tokens are 32 bytes from the OS CSPRNG, base64url without padding;
/// they are stored as their SHA-256, base64url without padding.
#[derive(Clone)]
pub struct JwtIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtIssuer {
    /// An issuer that signs and verifies with `secret`.
    #[must_use]
    pub fn new(secret: &JwtSecret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the caller's clock in `verify_access`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret.expose()),
            decoding: DecodingKey::from_secret(secret.expose()),
            validation,
        }
    }
}

impl fmt::Debug for JwtIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtIssuer")
            .field("algorithm", &Algorithm::HS256)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Unix seconds to a timestamp; `None` when out of range.
fn from_unix_secs(secs: i64) -> Option<Timestamp> {
    secs.checked_mul(1000).and_then(Timestamp::from_millis)
}

/// 128 random bits as 32 lowercase hex digits.
fn new_jti() -> String {
    random::bytes::<16>()
        .iter()
        .fold(String::with_capacity(32), |mut out, byte| {
            // Writing to a String cannot fail.
            let _ = write!(out, "{byte:02x}");
            out
        })
}

impl TokenIssuer for JwtIssuer {
    #[tracing::instrument(level = "debug", name = "jwt.issue", skip_all, fields(kind = principal.id.kind().as_str()))]
    fn issue_access(
        &self,
        principal: &Principal,
        session: SessionFamilyId,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<AccessToken, BackendError> {
        let iat = now.as_secs();
        let ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let exp = iat.saturating_add(ttl_secs);
        if from_unix_secs(exp).is_none() {
            return Err(BackendError::msg(format!(
                "access token lifetime {ttl:?} ends beyond the representable time"
            )));
        }
        let claims = AccessClaims {
            sub: principal.id.to_string(),
            kind: principal.id.kind(),
            role: principal.role,
            exp,
            iat,
            jti: new_jti(),
            sid: session.to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(BackendError::new)?;
        let lifetime = u64::try_from(exp - iat).unwrap_or(0);
        Ok(AccessToken {
            token,
            expires_in: Duration::from_secs(lifetime),
        })
    }

    #[tracing::instrument(level = "debug", name = "jwt.verify", skip_all)]
    fn verify_access(&self, token: &str, now: Timestamp) -> Result<VerifiedAccess, TokenError> {
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|error| {
                tracing::debug!(%error, "access token refused");
                TokenError::Invalid
            })?
            .claims;
        let principal = PrincipalId::parse(claims.kind, &claims.sub).map_err(|error| {
            tracing::debug!(%error, "access token has a malformed subject");
            TokenError::Invalid
        })?;
        // We never sign a customer with a staff role or the reverse.
        if (claims.kind == PrincipalKind::Customer) != (claims.role == Role::Customer) {
            tracing::debug!("access token kind and role disagree");
            return Err(TokenError::Invalid);
        }
        let session = SessionFamilyId::parse(&claims.sid).map_err(|error| {
            tracing::debug!(%error, "access token has a malformed session id");
            TokenError::Invalid
        })?;
        let expires_at = from_unix_secs(claims.exp).ok_or(TokenError::Invalid)?;
        if now >= expires_at {
            return Err(TokenError::Expired);
        }
        Ok(VerifiedAccess {
            principal,
            session,
            role: claims.role,
            expires_at,
        })
    }

    fn new_refresh_token(&self) -> RefreshToken {
        refresh::new_token()
    }

    fn hash_refresh_token(&self, token: &str) -> TokenHash {
        refresh::hash_token(token)
    }
}

#[cfg(test)]
mod tests;
