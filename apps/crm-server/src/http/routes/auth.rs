//! `/api/auth/*`: sign-up, sign-in, refresh and sign-out.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use crm_identity::{CustomerSignup, Password, RefreshToken, SignedIn, service::LoginAttempt};
use crm_kernel::{
    CompanyId, CustomerId, EmailAddress, PersonName, PhoneNumber, PrincipalKind, Role,
    ValidationErrors,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::json::ApiJson;
use crate::state::AppState;

/// A customer signing up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// First name.
    #[schema(min_length = 1, max_length = 200, example = "Ada")]
    pub first_name: String,
    /// Last name.
    #[schema(min_length = 1, max_length = 200, example = "Lovelace")]
    pub last_name: String,
    /// Sign-in email; unique among customers and staff (case-insensitive).
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    pub email: String,
    /// At least 12 characters.
    #[schema(format = Password, min_length = 12, max_length = 128)]
    pub password: String,
    /// Phone with country code.
    #[schema(example = "+44 20 7946 0958")]
    pub phone: Option<String>,
    /// The company the customer belongs to (must exist).
    pub company_id: Option<CompanyId>,
}

impl SignupRequest {
    fn parse(self, client_ip: Option<std::net::IpAddr>) -> Result<CustomerSignup, ApiError> {
        let mut errors = ValidationErrors::new();
        let first_name = errors.check("first_name", PersonName::parse(&self.first_name));
        let last_name = errors.check("last_name", PersonName::parse(&self.last_name));
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let password = errors.check("password", Password::new_secret(&self.password));
        let phone = match self.phone.as_deref() {
            None => Some(None),
            Some(text) => errors.check("phone", PhoneNumber::parse(text)).map(Some),
        };
        match (first_name, last_name, email, password, phone) {
            (Some(first_name), Some(last_name), Some(email), Some(password), Some(phone))
                if errors.is_empty() =>
            {
                Ok(CustomerSignup {
                    first_name,
                    last_name,
                    email,
                    phone,
                    company_id: self.company_id,
                    password,
                    client_ip,
                })
            }
            _ => Err(ApiError::validation(&errors)),
        }
    }
}

/// Email and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Sign-in email.
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    pub email: String,
    /// Password.
    #[schema(format = Password, max_length = 128)]
    pub password: String,
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from sign-in or the last refresh.
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

impl RefreshRequest {
    fn token(self) -> Result<RefreshToken, ApiError> {
        if self.refresh_token.is_empty() || self.refresh_token.len() > 512 {
            return Err(ApiError::invalid_field(
                "refresh_token",
                "must be 1 to 512 characters",
            ));
        }
        Ok(RefreshToken::new(self.refresh_token))
    }
}

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

/// Sign up as a customer.
///
/// Creates the customer's account and signs it in.
#[utoipa::path(
    tag = "auth",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "Signed up and signed in", body = SignupResponse,
         headers(("location" = String, description = "The new account's profile: /api/me"))),
        (status = 409, description = "The email is already in use", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-ups from this address", body = crate::http::error::Problem, content_type = "application/problem+json",
         headers(("retry-after" = u64, description = "Seconds to wait"))),
    ),
    security(())
)]
#[post("/api/auth/signup")]
pub async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let signup = body.0.parse(req.peer_addr().map(|addr| addr.ip()))?;
    let signed_in = state.identity.sign_up(signup).await?;
    let customer_id = signed_in.principal.customer_id().unwrap_or_default();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, "/api/me"))
        .json(SignupResponse {
            customer_id,
            tokens: signed_in.into(),
        }))
}

/// Sign in with email and password.
///
/// Staff users and customers alike. An unknown email and a wrong password
/// fail the same way. After 5 failures for an email (or 30 from an address)
/// within 15 minutes, sign-in is refused with 429 and `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Invalid email or password", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is disabled", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = crate::http::error::Problem, content_type = "application/problem+json",
         headers(("retry-after" = u64, description = "Seconds to wait"))),
    ),
    security(())
)]
#[post("/api/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let email = errors.check("email", EmailAddress::parse(&body.0.email));
    let password = errors.check("password", Password::for_login(&body.0.password));
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::validation(&errors));
    };
    let attempt = LoginAttempt {
        email,
        password,
        client_ip: req.peer_addr().map(|addr| addr.ip()),
    };
    let signed_in = state.identity.login(attempt).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(signed_in)))
}

/// Exchange a refresh token for a new pair.
///
/// The old refresh token stops working. Presenting it again is treated as
/// theft: every session of that sign-in is revoked.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/api/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.0.token()?;
    let signed_in = state.identity.refresh(&token).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(signed_in)))
}

/// Sign out.
///
/// The refresh token, and every token rotated from the same sign-in, stop
/// working. Unknown tokens are ignored.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")),
)]
#[post("/api/auth/logout")]
pub async fn logout(
    caller: Caller,
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.0.token()?;
    state.identity.logout(&caller.0, &token).await?;
    Ok(HttpResponse::NoContent().finish())
}
