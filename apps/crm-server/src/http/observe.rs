//! The outermost middleware: request ids, the request's tracing span,
//! metrics, and problem+json for errors the framework produced itself.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use tracing::Instrument;

use super::error::{ApiError, PROBLEM_JSON};
use super::request_id;

/// The request id header, read from clients and echoed back.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Serves one request inside its span and request-id scope, and records it.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = request_id::choose(
        req.headers()
            .get(&REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok()),
    );
    let method = method_label(req.method());
    let span =
        tracing::info_span!("request", request_id = %id, method = %method, path = %req.path());
    let started = Instant::now();

    // The SQLite store's short reads of one poll share one read
    // transaction (the session check and the record it guards take the
    // log's read lock once); a no-op on MongoDB.
    let handled = crm_store_sqlite::one_snapshot_per_poll(next.call(req));
    let response = request_id::scope(id.clone(), async {
        let response = handled.await.map(ServiceResponse::map_into_boxed_body);
        response.map(problem_for_bare_errors)
    })
    .instrument(span.clone())
    .await;

    let mut response = match response {
        Ok(response) => response,
        Err(error) => return Err(error),
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = started.elapsed();
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    span.in_scope(|| {
        let elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        if status >= 500 {
            tracing::error!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request finished");
        }
    });
    Ok(response)
}

/// The method as a metrics label: the standard methods by name, anything
/// else as `other`. Clients may send any token as a method, and each label
/// value is a time series kept for the life of the process.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Marks a response that is a deliberate page for people (the plain 404
/// page of an unknown tracked link), which stays as it is.
#[derive(Debug, Clone, Copy)]
pub struct PlainPage;

/// Framework-made error responses (405, extractor errors) become problem+json.
/// Answers a handler wrote as JSON keep their body: a problem, or a body of
/// their own such as `/health/ready`'s 503 saying which check failed.
fn problem_for_bare_errors(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            let v = v.as_bytes();
            v.starts_with(PROBLEM_JSON.as_bytes()) || v.starts_with(b"application/json")
        });
    let is_page = response
        .response()
        .extensions()
        .get::<PlainPage>()
        .is_some();
    if !status.is_client_error() && !status.is_server_error() || is_json || is_page {
        return response;
    }
    let (request, _) = response.into_parts();
    let replacement: HttpResponse = ApiError::from_status(status).error_response();
    ServiceResponse::new(request, replacement)
}
