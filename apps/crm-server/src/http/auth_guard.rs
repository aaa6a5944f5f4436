//! The `Caller` extractor: the authenticated principal of a request.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use crm_kernel::Principal;
use futures_util::future::LocalBoxFuture;

use super::error::ApiError;
use crate::state::AppState;

/// The principal behind the request's `Authorization: Bearer` access token.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ApiError::unauthenticated("Authentication is not configured."))?;
            let token = token.ok_or_else(|| ApiError::unauthenticated("Missing bearer token."))?;
            let principal = state.identity.authenticate(&token).await?;
            Ok(Self(principal))
        })
    }
}

pub(crate) fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}
