//! Every error the API answers, as RFC 9457 `application/problem+json`.
//!
//! Each context's error enum is mapped to an HTTP status here (in `from.rs`)
//! and nowhere else. Unexpected failures are logged with their cause and
//! answered with an opaque 500 that names only the request id.

use std::fmt;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use crm_kernel::{FieldError, ValidationErrors};
use serde::Serialize;
use utoipa::ToSchema;

use super::request_id;

mod from;

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error body (RFC 9457 problem details).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem (`/problems/validation`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The request's id (also in the `x-request-id` response header and the logs).
    pub request_id: String,
    /// For invalid input: every invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For a duplicate: the id of the record that already has the value,
    /// when the caller may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
}

/// An error on its way to becoming a problem response. Boxed: handlers
/// return it in every `Result`, and the happy path should stay small.
#[derive(Debug)]
pub struct ApiError(Box<Details>);

/// What an [`ApiError`] says.
#[derive(Debug)]
pub struct Details {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    retry_after: Option<Duration>,
    bearer_challenge: bool,
    etag: Option<String>,
    existing_id: Option<String>,
}

impl ApiError {
    fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self(Box::new(Details {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            bearer_challenge: false,
            etag: None,
            existing_id: None,
        }))
    }

    /// 400: the input broke these rules.
    pub fn validation(errors: &ValidationErrors) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            "validation",
            "Invalid input",
            "The request has invalid fields; see `errors`.",
        );
        error.errors = errors.fields().to_vec();
        error
    }

    /// 400: one invalid field.
    pub fn invalid_field(field: &str, message: impl fmt::Display) -> Self {
        Self::validation(&ValidationErrors::single(field, message))
    }

    /// 401: no valid credentials.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
            detail,
        );
        error.bearer_challenge = true;
        error
    }

    /// 403: authenticated but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    /// 404: nothing here (or nothing the caller may see).
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 405: the path exists, the method does not.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            "This path does not support this method.",
        )
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, slug, title, detail)
    }

    /// 412: the client's `If-Match` names an older version; `etag` is the current one.
    pub fn precondition_failed(etag: String) -> Self {
        let mut error = Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition-failed",
            "Precondition failed",
            "The record changed since the version named in If-Match; fetch it again and retry.",
        );
        error.etag = Some(etag);
        error
    }

    /// 409: the email is already in use (by the record `existing_id`, when visible).
    pub fn duplicate_email(existing_id: Option<String>) -> Self {
        let mut error = Self::conflict(
            "duplicate-email",
            "Email already in use",
            "This email address is already in use.",
        );
        error.errors = vec![FieldError {
            field: "email".into(),
            message: "is already in use".into(),
        }];
        error.existing_id = existing_id;
        error
    }

    /// 403: a customer tried to change fields only staff may change.
    pub fn staff_only(fields: &[&str]) -> Self {
        let mut error = Self::forbidden(format!("Only staff may change: {}.", fields.join(", ")));
        error.errors = fields
            .iter()
            .map(|field| FieldError {
                field: (*field).to_owned(),
                message: "can only be changed by staff".to_owned(),
            })
            .collect();
        error
    }

    /// 409: a state machine refuses the change; the detail names both states.
    pub fn invalid_transition(what: &str, from: impl fmt::Display, to: impl fmt::Display) -> Self {
        Self::conflict(
            "invalid-transition",
            "Invalid status transition",
            format!("A {what} cannot go from `{from}` to `{to}`."),
        )
    }

    /// 413: the body is over the limit.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload too large",
            format!("The request body exceeds the limit of {limit} bytes."),
        )
    }

    /// 429: try again later.
    pub fn throttled(detail: impl Into<String>, retry_after: Duration) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "throttled",
            "Too many requests",
            detail,
        );
        error.retry_after = Some(retry_after);
        error
    }

    /// 503: the server is overloaded; try again after `retry_after`.
    pub fn busy(retry_after: Duration) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Server busy",
            format!(
                "The server is busy; retry in {} s.",
                retry_after.as_secs().max(1)
            ),
        );
        error.retry_after = Some(retry_after);
        error
    }

    /// 500: something failed that the client cannot fix; the cause is logged.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %error_chain(cause), "internal error");
        metrics::counter!("crm_internal_errors_total").increment(1);
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
            "The server failed to handle the request; it has been logged under this request id.",
        )
    }

    /// Any status without more specific information (used for framework errors).
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found("No resource at this path."),
            StatusCode::METHOD_NOT_ALLOWED => Self::method_not_allowed(),
            StatusCode::UNAUTHORIZED => Self::unauthenticated("Authentication required."),
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                status,
                "payload-too-large",
                "Payload too large",
                "The request body is too large.",
            ),
            s if s.is_server_error() => Self::new(
                s,
                "internal",
                "Internal server error",
                "The server failed to handle the request.",
            ),
            s => Self::new(
                s,
                "bad-request",
                "Bad request",
                s.canonical_reason().unwrap_or("Bad request"),
            ),
        }
    }

    /// The problem body for the current request.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.slug),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            request_id: request_id::current(),
            errors: (!self.errors.is_empty()).then(|| self.errors.clone()),
            existing_id: self.existing_id.clone(),
        }
    }
}

/// The error and its sources, for logs.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.title,
            self.detail
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(retry_after) = self.retry_after {
            response.insert_header((
                header::RETRY_AFTER,
                retry_after.as_secs().max(1).to_string(),
            ));
        }
        if let Some(etag) = self.etag.as_ref().filter(|e| !e.is_empty()) {
            response.insert_header((header::ETAG, etag.as_str()));
        }
        if self.bearer_challenge {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        response.body(body)
    }
}

impl std::ops::Deref for ApiError {
    type Target = Details;

    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}
