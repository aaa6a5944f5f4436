//! `ETag` and `If-Match`: optimistic concurrency on single records.

use actix_web::HttpRequest;
use actix_web::http::header;
use crm_customers::Version;

use super::error::ApiError;

/// The strong entity tag of a record version: `"3"`.
pub fn etag(version: Version) -> String {
    format!("\"{}\"", version.get())
}

/// The version a client's `If-Match` names: `None` when absent or `*`.
/// Weak tags (`W/"3"`) never match, as RFC 9110 requires for `If-Match`.
pub fn if_match(req: &HttpRequest) -> Result<Option<Version>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    let invalid = || {
        ApiError::invalid_field(
            "If-Match",
            "must be an ETag of this resource, such as \"3\"",
        )
    };
    if text.starts_with("W/") {
        return Err(ApiError::precondition_failed(String::new()));
    }
    let number = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(invalid)?;
    number
        .parse::<u64>()
        .map(|n| Some(Version::new(n)))
        .map_err(|_| invalid())
}
