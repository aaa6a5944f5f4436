//! What `/api/auth/*` answers.

use crm_identity::SignedIn;
use crm_kernel::{CustomerId, PrincipalKind, Role};
use serde::Serialize;
use utoipa::ToSchema;

/// Who signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrincipalBody {
    /// The user's or customer's id.
    #[schema(format = Uuid)]
    pub id: String,
    /// `user` (staff) or `customer`.
    pub kind: PrincipalKind,
    /// `admin`, `agent` or `customer`.
    pub role: Role,
}

/// Tokens after sign-in or refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Access token for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque refresh token; each refresh replaces it.
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Who signed in.
    pub principal: PrincipalBody,
}

impl From<SignedIn> for TokenResponse {
    fn from(signed_in: SignedIn) -> Self {
        Self {
            access_token: signed_in.tokens.access.token,
            refresh_token: signed_in.tokens.refresh.expose().to_owned(),
            token_type: "Bearer",
            expires_in: signed_in.tokens.access.expires_in.as_secs(),
            principal: PrincipalBody {
                id: signed_in.principal.id.to_string(),
                kind: signed_in.principal.id.kind(),
                role: signed_in.principal.role,
            },
        }
    }
}

/// A new customer's id and tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupResponse {
    /// The new customer's id.
    pub customer_id: CustomerId,
    /// Tokens, as after sign-in.
    #[serde(flatten)]
    pub tokens: TokenResponse,
}
