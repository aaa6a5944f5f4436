//! The JSON body extractor: content type, size limit, and errors that name the field.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::state::AppState;

/// A JSON request body of type `T`.
///
/// Refuses (400) a missing or non-JSON `Content-Type`, malformed JSON,
/// unknown, missing and mistyped fields, naming the field; refuses (413) a
/// body over the configured limit, without reading more than the limit.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(crate::config::DEFAULT_MAX_BODY_BYTES, |state| {
                state.max_body_bytes
            });
        let declared = declared_length(req);
        let is_json = is_json_content_type(req);
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|length| length > limit) {
                return Err(ApiError::payload_too_large(limit));
            }
            if !is_json {
                return Err(ApiError::invalid_field(
                    "Content-Type",
                    "must be application/json",
                ));
            }
            let body = read_limited(&mut payload, limit).await?;
            parse(&body).map(ApiJson)
        })
    }
}

/// Reads a whole request body, refusing (413) one over `limit` bytes
/// without reading past the limit.
pub async fn read_limited<S>(payload: &mut S, limit: usize) -> Result<web::BytesMut, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid_field("body", "could not be read"))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The declared `Content-Length`, when present and numeric.
pub fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Deserialises `body`, turning serde's first complaint into a field error.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Every request body of this API is an object; say so rather than
    // reporting where inside an array or scalar serde gave up.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid_field("body", "must be a JSON object"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        field_error(&path, error.inner())
    })?;
    deserializer.end().map_err(|_| {
        ApiError::invalid_field("body", "has trailing characters after the JSON value")
    })?;
    Ok(value)
}

fn field_error(path: &str, error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = strip_position(&error.to_string());
    let parent = if path == "." { "" } else { path };
    match error.classify() {
        // serde_json reports some type mismatches (a number where an enum's
        // string belongs) as syntax errors; with a path, it is that field's fault.
        Category::Syntax if !parent.is_empty() => {
            ApiError::invalid_field(parent, "has a value of the wrong type or form")
        }
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::invalid_field("body", format!("is not valid JSON: {message}"))
        }
        Category::Data => {
            if let Some(name) = backticked(&message, "missing field `") {
                ApiError::invalid_field(&join(parent, name), "is required")
            } else if let Some(name) = backticked(&message, "unknown field `") {
                let expected = message
                    .split_once(", expected ")
                    .map_or(String::new(), |(_, rest)| format!("; expected {rest}"));
                ApiError::invalid_field(
                    &join(parent, name),
                    format!("is not a known field{expected}"),
                )
            } else if parent.is_empty() {
                ApiError::invalid_field("body", message)
            } else {
                ApiError::invalid_field(parent, message)
            }
        }
    }
}

/// The name in `prefix…name` + "`", when `message` starts with `prefix`.
fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.split('`').next()
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() || parent.rsplit('.').next() == Some(name) {
        if parent.is_empty() {
            name.to_owned()
        } else {
            parent.to_owned()
        }
    } else {
        format!("{parent}.{name}")
    }
}

/// serde_json appends " at line L column C"; clients need the field, not the column.
fn strip_position(message: &str) -> String {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        count: u32,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    fn field_of(body: &str) -> (String, String) {
        let error = parse::<Body>(body.as_bytes()).unwrap_err();
        let problem = error.problem();
        let first = &problem.errors.unwrap()[0];
        (first.field.clone(), first.message.clone())
    }

    #[test]
    fn names_the_field() {
        assert_eq!(field_of(r#"{"count": 1}"#).0, "email");
        assert_eq!(
            field_of(r#"{"email": "a", "count": 1, "extra": 2}"#).0,
            "extra"
        );
        assert_eq!(field_of(r#"{"email": 5, "count": 1}"#).0, "email");
        assert_eq!(field_of(r#"{"email": "a", "count": -1}"#).0, "count");
        assert_eq!(
            field_of(r#"{"email": "a", "count": 1, "inner": {}}"#).0,
            "inner.name"
        );
        assert_eq!(
            field_of(r#"{"email": "a", "count": 1, "inner": {"name": "x", "y": 1}}"#).0,
            "inner.y"
        );
        assert_eq!(field_of(r#"{"email": "#).0, "body");
        assert_eq!(field_of("[1, 2]").0, "body");
        assert_eq!(field_of("").0, "body");
        assert_eq!(field_of(r#"{"email": "a", "count": 1} x"#).0, "body");
        assert!(!field_of(r#"{"email": 5, "count": 1}"#).1.contains("line"));
    }
}
