//! The HTTP layer: routes, extractors, errors, the OpenAPI document, and the
//! middleware that observes every request. It holds no business rule: each
//! handler parses its input, calls one service method and maps the result.

pub mod auth_guard;
pub mod cursor;
pub mod error;
pub mod etag;
pub mod fields;
pub mod json;
pub mod observe;
pub mod openapi;
pub mod pagination;
pub mod patch;
pub mod path;
pub mod request_id;
pub mod routes;

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
    .app_data(path::config())
    .service(routes::auth::signup)
    .service(routes::auth::login)
    .service(routes::auth::refresh)
    .service(routes::auth::logout)
    .service(routes::me::me)
    .service(routes::users::create_user)
    .service(routes::users::list_users)
    .service(routes::users::get_user)
    .service(routes::users::update_user)
    .service(routes::users::delete_user)
    .service(routes::companies::create_company)
    .service(routes::companies::list_companies)
    .service(routes::companies::get_company)
    .service(routes::companies::update_company)
    .service(routes::companies::delete_company)
    .service(routes::companies::company_customers)
    // The fixed paths before `/api/customers/{customer_id}`.
    .service(routes::customer_csv::import_customers)
    .service(routes::customer_csv::export_customers)
    .service(routes::customers::create_customer)
    .service(routes::customers::list_customers)
    .service(routes::customers::get_customer)
    .service(routes::customers::update_customer)
    .service(routes::customers::erase_customer)
    .service(routes::customers::status_history)
    .service(routes::tickets::raise_ticket)
    .service(routes::tickets::list_tickets)
    .service(routes::tickets::customer_tickets)
    .service(routes::tickets::get_ticket)
    .service(routes::tickets::update_ticket)
    .service(routes::tickets::resolve_ticket)
    .service(routes::tickets::reopen_ticket)
    .service(routes::tickets::close_ticket)
    .service(routes::tickets::ticket_events)
    .service(routes::tickets::add_comment)
    .service(routes::tickets::list_comments)
    // The `.ics` path before `/api/interactions/{interaction_id}`.
    .service(routes::calendar::interaction_ics)
    .service(routes::calendar::calendar_feed)
    .service(routes::calendar::rotate_calendar_feed)
    .service(routes::interactions::schedule)
    .service(routes::interactions::list_interactions)
    .service(routes::interactions::get_interaction)
    .service(routes::interactions::update_interaction)
    .service(routes::interactions::complete_interaction)
    .service(routes::interactions::cancel_interaction)
    .service(routes::history::customer_interactions)
    .service(routes::history::customer_timeline)
    .service(routes::health::live)
    .service(routes::health::ready)
    .service(routes::health::metrics)
    .route(
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
