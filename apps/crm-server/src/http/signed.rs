//! Signed report links: a URL that carries its own short-lived credential,
//! so that an `<img>` tag (or a shared dashboard link) loads a report chart
//! without an `Authorization` header.
//!
//! A signed link is the path and its parameters plus `by` (the staff user
//! who signed it), `exp` (Unix seconds after which it is refused) and
//! `sig`: the first 16 bytes of an HMAC-SHA256, in base64url, over the path
//! and every other parameter sorted by name and value. Changing the path, a
//! parameter, `by` or `exp` breaks the signature. The link acts for its
//! signer as the signer is now (role, companies, not disabled), and only
//! until it expires.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crm_kernel::{Principal, PrincipalId, UserId};
use futures_util::future::LocalBoxFuture;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::auth_guard::bearer_token;
use super::error::ApiError;
use crate::state::AppState;

type HmacSha256 = Hmac<Sha256>;

/// How long a signed link works.
pub const LINK_TTL_SECS: i64 = 3600;

/// Bytes of the HMAC tag kept in `sig`.
const TAG_LEN: usize = 16;

/// Why a signed link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// `sig`, `by` or `exp` is missing or unreadable.
    #[error("The signed link is incomplete or malformed.")]
    Malformed,
    /// The signature does not match the path and parameters.
    #[error("The signed link was altered or was not signed by this server.")]
    Forged,
    /// `exp` has passed.
    #[error("The signed link has expired; ask for a new one.")]
    Expired,
}

/// Signs and checks links with a key derived from the server secret.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner { key: <redacted> }")
    }
}

impl LinkSigner {
    /// A signer whose key is derived from `secret` (its own key: a link's
    /// tag reveals nothing of the token or cursor keys).
    #[must_use]
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| {
            // HMAC accepts keys of any length; this branch cannot be taken.
            HmacSha256::new_from_slice(b"crm").unwrap_or_else(|_| unreachable!())
        });
        mac.update(b"crm report link key v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn tag(&self, path: &str, pairs: &[(String, String)]) -> String {
        let mut sorted: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "sig").collect();
        sorted.sort();
        let mut canonical = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in sorted {
            canonical.append_pair(key, value);
        }
        let mut mac = HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(b"v1\n");
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(canonical.finish().as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..TAG_LEN])
    }

    /// The query string of a link to `path` with `params`, acting for `by`
    /// until `expires` (Unix seconds): the parameters, `by`, `exp`, `sig`.
    #[must_use]
    pub fn sign(
        &self,
        path: &str,
        params: &[(String, String)],
        by: UserId,
        expires: i64,
    ) -> String {
        let mut pairs = params.to_vec();
        pairs.push(("by".to_owned(), by.to_string()));
        pairs.push(("exp".to_owned(), expires.to_string()));
        let sig = self.tag(path, &pairs);
        pairs.push(("sig".to_owned(), sig));
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &pairs {
            query.append_pair(key, value);
        }
        query.finish()
    }

    /// The signer of a request to `path` with `query` and when the link
    /// expires, if its signature holds and it has not expired at `now`
    /// (Unix seconds).
    pub fn verify(&self, path: &str, query: &str, now: i64) -> Result<(UserId, i64), LinkError> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let one = |name: &str| -> Result<&str, LinkError> {
            let mut values = pairs.iter().filter(|(k, _)| k == name);
            match (values.next(), values.next()) {
                (Some((_, value)), None) => Ok(value),
                _ => Err(LinkError::Malformed),
            }
        };
        let sig = one("sig")?;
        let by = UserId::parse(one("by")?).map_err(|_| LinkError::Malformed)?;
        let expires: i64 = one("exp")?.parse().map_err(|_| LinkError::Malformed)?;
        let expected = self.tag(path, &pairs);
        let same = expected.len() == sig.len()
            && expected
                .bytes()
                .zip(sig.bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0;
        if !same {
            return Err(LinkError::Forged);
        }
        if expires <= now {
            return Err(LinkError::Expired);
        }
        Ok((by, expires))
    }

    /// The absolute URL of `path` with `params` on `base`, signed for `by`
    /// for [`LINK_TTL_SECS`] from `now`, but never past `not_after`.
    #[must_use]
    pub fn link(
        &self,
        base: &str,
        path: &str,
        params: &[(String, String)],
        by: UserId,
        now: i64,
        not_after: Option<i64>,
    ) -> String {
        let expires = (now + LINK_TTL_SECS).min(not_after.unwrap_or(i64::MAX));
        format!(
            "{}{path}?{}",
            base.trim_end_matches('/'),
            self.sign(path, params, by, expires)
        )
    }
}

/// Whether a request carries a signed-link credential (`sig=`).
#[must_use]
pub fn is_signed(req: &HttpRequest) -> bool {
    url::form_urlencoded::parse(req.query_string().as_bytes()).any(|(k, _)| k == "sig")
}

/// Who asks for a report: the bearer of an access token, or the signer of
/// a valid signed link (when there is no `Authorization` header).
#[derive(Debug, Clone)]
pub struct ReportCaller {
    /// Whose view of the data.
    pub principal: Principal,
    /// When the signed link it came with expires: links it gets signed
    /// expire no later, so a link cannot be renewed into a lasting one.
    pub link_expires: Option<i64>,
}

impl FromRequest for ReportCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let signed = (token.is_none() && is_signed(req))
            .then(|| (req.path().to_owned(), req.query_string().to_owned()));
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ApiError::unauthenticated("Authentication is not configured."))?;
            if let Some(token) = token {
                return Ok(Self {
                    principal: state.identity.authenticate(&token).await?,
                    link_expires: None,
                });
            }
            let (path, query) =
                signed.ok_or_else(|| ApiError::unauthenticated("Missing bearer token."))?;
            let now = chrono::Utc::now().timestamp();
            let (by, expires) = state
                .links
                .verify(&path, &query, now)
                .map_err(|e| ApiError::unauthenticated(e.to_string()))?;
            let principal = state
                .identity
                .current_principal(PrincipalId::User(by))
                .await?;
            Ok(Self {
                principal,
                link_expires: Some(expires),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Vec<(String, String)> {
        vec![
            ("from".to_owned(), "2026-03-01T00:00:00.000Z".to_owned()),
            ("tz".to_owned(), "Europe/Berlin".to_owned()),
        ]
    }

    #[test]
    fn a_link_verifies_until_it_expires_and_not_when_changed() {
        let signer = LinkSigner::new(b"secret");
        let by = UserId::new();
        let path = "/api/reports/charts/interactions-by-kind.png";
        let query = signer.sign(path, &params(), by, 1_000);
        assert_eq!(signer.verify(path, &query, 999), Ok((by, 1_000)));
        assert_eq!(signer.verify(path, &query, 1_000), Err(LinkError::Expired));
        let other_path = "/api/reports/charts/ticket-backlog.png";
        assert_eq!(signer.verify(other_path, &query, 0), Err(LinkError::Forged));
        let changed = query.replace("Europe%2FBerlin", "UTC");
        assert_eq!(signer.verify(path, &changed, 0), Err(LinkError::Forged));
        let later = query.replace("exp=1000", "exp=9999");
        assert_eq!(signer.verify(path, &later, 0), Err(LinkError::Forged));
        let other_key = LinkSigner::new(b"another secret");
        assert_eq!(other_key.verify(path, &query, 0), Err(LinkError::Forged));
        assert_eq!(
            signer.verify(path, "from=x&sig=abc", 0),
            Err(LinkError::Malformed)
        );
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let signer = LinkSigner::new(b"secret");
        let by = UserId::new();
        let query = signer.sign("/p", &params(), by, 50);
        let mut parts: Vec<&str> = query.split('&').collect();
        parts.reverse();
        assert_eq!(signer.verify("/p", &parts.join("&"), 0), Ok((by, 50)));
    }
}
