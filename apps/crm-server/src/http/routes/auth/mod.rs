//! `/api/auth/*`: sign-up, sign-in, refresh and sign-out.

pub mod body;
pub mod request;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use crm_identity::{CustomerSignup, RefreshToken, service::LoginAttempt};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::json::ApiJson;
use crate::state::AppState;
use body::{SignupResponse, TokenResponse};
use request::{LoginRequest, RefreshRequest, SignupRequest};

/// Registers `/api/auth/*`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(signup)
        .service(login)
        .service(refresh)
        .service(logout);
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
    let signup = CustomerSignup {
        client_ip: req.peer_addr().map(|addr| addr.ip()),
        ..CustomerSignup::try_from(body.0)?
    };
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
    let (email, password) = body.0.credentials()?;
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
    let token = RefreshToken::try_from(body.0)?;
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
    let token = RefreshToken::try_from(body.0)?;
    state.identity.logout(&caller.0, &token).await?;
    Ok(HttpResponse::NoContent().finish())
}
