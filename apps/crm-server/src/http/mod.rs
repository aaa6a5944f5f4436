//! The HTTP layer: routes, extractors, errors, the OpenAPI document, and the
//! middleware that observes every request. It holds no business rule: each
//! handler parses its input, calls one service method and maps the result.

pub mod auth_guard;
pub mod binary;
pub mod cursor;
pub mod drain;
pub mod error;
pub mod etag;
pub mod fields;
pub mod headers;
pub mod idempotency;
pub mod json;
pub mod links;
pub mod observe;
pub mod openapi;
pub mod pagination;
pub mod patch;
pub mod path;
pub mod request_id;
pub mod routes;
pub mod signed;

use actix_web::{HttpResponse, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use error::ApiError;

/// Registers every route, the API document and the docs page.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(|error, _| ApiError::invalid_field("query", error).into()),
    )
    .app_data(path::config());
    routes::configure(cfg);
    cfg.route(
        "/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header(("location", "/docs/"))
                .finish()
        }),
    )
    .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi::ApiDoc::openapi()));
}

/// The answer for paths no route matches.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("No resource at this path."))
}
