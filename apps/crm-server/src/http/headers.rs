//! Security headers on every answer.
//!
//! - `X-Content-Type-Options: nosniff` everywhere: a browser must not guess
//!   that a JSON or CSV answer is HTML or script.
//! - `Cache-Control: no-store` on `/api/` answers that set no caching of
//!   their own: they carry personal data and tokens, which no shared or
//!   browser cache should keep.
//! - On the API page (`/docs/`): a `Content-Security-Policy` that lets the
//!   page load only its own scripts and styles and be framed by nobody, and
//!   the older `X-Frame-Options: DENY` for browsers that ignore
//!   `frame-ancestors`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The policy of the API page: Swagger UI's own files, the document from
/// this server, inline styles (Swagger UI sets some), images as data URLs.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of the dashboard and of the HTML charts: scripts, styles and
/// data from this server only, no inline script; ECharts sets element
/// styles from its script (CSSOM, which `style-src` does not govern).
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

/// Adds the security headers to the answer of `req`.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path().to_owned();
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if path == "/docs" || path.starts_with("/docs/") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    let chart_page = path.starts_with("/api/reports/charts/")
        && std::path::Path::new(&path)
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("html"));
    if path == "/dashboard" || chart_page {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CSP),
        );
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    Ok(response)
}
