//! `ETag` and `If-Match`: optimistic concurrency on single records.
//!
//! A leaf module: it knows the header, not the error responses; `error/from.rs`
//! maps [`IfMatchError`] to its problem like every other error.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use crm_kernel::Version;
use serde::Serialize;

/// The strong entity tag of a record version: `"3"`.
pub fn etag(version: Version) -> String {
    format!("\"{}\"", version.get())
}

/// A record's JSON answer with its version as the `ETag`.
pub fn versioned(
    response: &mut HttpResponseBuilder,
    version: Version,
    body: impl Serialize,
) -> HttpResponse {
    response
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// Why an `If-Match` header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IfMatchError {
    /// Not an entity tag of the form `"3"`.
    #[error("must be an ETag of this resource, such as \"3\"")]
    Malformed,
    /// A weak tag (`W/"3"`), which never matches, as RFC 9110 requires for `If-Match`.
    #[error("weak entity tags never match")]
    Weak,
}

/// The version a client's `If-Match` names: `None` when absent or `*`.
pub fn if_match(req: &HttpRequest) -> Result<Option<Version>, IfMatchError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    if text.starts_with("W/") {
        return Err(IfMatchError::Weak);
    }
    let number = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or(IfMatchError::Malformed)?;
    number
        .parse::<u64>()
        .map(|n| Some(Version::new(n)))
        .map_err(|_| IfMatchError::Malformed)
}
