//! The `Idempotency-Key` request header of creations that may be retried.

use actix_web::HttpRequest;

use super::error::ApiError;

/// The request's `Idempotency-Key`, if any; 400 naming the header when it is
/// not visible ASCII. Its length and meaning are the domain's to check.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    req.headers()
        .get("idempotency-key")
        .map(|value| {
            value
                .to_str()
                .map_err(|_| ApiError::invalid_field("Idempotency-Key", "must be visible ASCII"))
        })
        .transpose()
}
