//! The OpenAPI document, generated from the handlers' annotations.
//!
//! [`CommonResponses`] adds the error responses every operation can give
//! (so the document tells the truth about each status), and the bearer
//! security scheme that applies wherever an operation does not opt out.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, PathItem, Ref, ResponseBuilder, path::Operation};
use utoipa::{Modify, OpenApi};

use super::error::{PROBLEM_JSON, Problem};
use super::path::PathIds;
use super::routes::{
    auth, calendar, companies, customers, email_suppressions, email_templates, emails, health,
    interactions, reports, tickets, tracking, users,
};

/// The API document served at `/openapi.json`.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "CRM API",
        description = "REST API of the CRM backend: staff users and authentication, customers and companies, tickets, interactions and customer histories, email with honest tracking, reports and charts. Errors are RFC 9457 problem details.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        auth::signup, auth::login, auth::refresh, auth::logout, users::me::me,
        users::create_user, users::list_users, users::get_user, users::update_user, users::delete_user,
        companies::create_company, companies::list_companies, companies::get_company,
        companies::update_company, companies::delete_company, customers::company_customers,
        customers::create_customer, customers::list_customers, customers::get_customer,
        customers::update_customer, customers::erase_customer, customers::status_history,
        customers::csv::import_customers, customers::csv::export_customers,
        tickets::raise_ticket, tickets::list_tickets, tickets::customer_tickets, tickets::get_ticket,
        tickets::update_ticket, tickets::resolve_ticket, tickets::reopen_ticket, tickets::close_ticket,
        tickets::ticket_events, tickets::add_comment, tickets::list_comments,
        interactions::schedule, interactions::list_interactions, interactions::get_interaction,
        interactions::update_interaction, interactions::complete_interaction, interactions::cancel_interaction,
        interactions::history::customer_interactions, interactions::history::customer_timeline,
        calendar::interaction_ics, calendar::calendar_feed, calendar::rotate_calendar_feed,
        emails::send_email, emails::list_emails, emails::get_email, emails::email_engagement,
        emails::customer_emails, emails::inbound::receive_inbound, emails::inbound::unmatched_inbound,
        email_templates::create_template, email_templates::list_templates, email_templates::get_template,
        email_templates::update_template, email_templates::delete_template, email_templates::preview_template,
        email_suppressions::list_suppressions, email_suppressions::lift_suppression,
        tracking::open_pixel, tracking::click, tracking::unsubscribe_page, tracking::unsubscribe,
        health::live, health::ready, health::metrics,
        reports::report, reports::series, reports::chart_svg, reports::chart_png,
        reports::chart_json, reports::chart_html,
    ),
    components(schemas(Problem, crm_kernel::FieldError)),
    modifiers(&CommonResponses, &PathIds),
    tags(
        (name = "auth", description = "Sign-up, sign-in, tokens and the caller's profile"),
        (name = "users", description = "Staff users (admins only)"),
        (name = "customers", description = "Customers: records, lifecycle, search, import and export"),
        (name = "companies", description = "Companies and their customers"),
        (name = "tickets", description = "Support tickets, their state machine and comments"),
        (name = "interactions", description = "Meetings, calls, tasks and notes; customer histories; calendars"),
        (name = "emails", description = "Email: sending through the outbox, templates, engagement, replies and bounces, the suppression list"),
        (name = "tracking", description = "Links inside messages: the open image, tracked links, one-click unsubscribe (no token needed)"),
        (name = "reports", description = "Reports over time, their series as JSON or CSV, and charts as SVG, PNG, ECharts JSON or HTML; a bearer token or a signed link"),
        (name = "health", description = "Liveness, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// Adds the bearer scheme and the error responses common to every operation.
#[derive(Debug)]
pub struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Access token from /api/auth/login, /signup or /refresh",
                    ))
                    .build(),
            ),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);

        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let authenticated = operation.security.is_none();
                let has_body = operation.request_body.is_some();
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem_response(description).into());
                };
                add(
                    "400",
                    "Invalid input: malformed JSON, wrong content type, unknown, missing or invalid fields, or bad query parameters",
                );
                if authenticated {
                    add(
                        "401",
                        "Missing, invalid or expired access token, or a disabled account",
                    );
                    add("403", "Authenticated but not allowed");
                    add("404", "Not found, or not visible to the caller");
                }
                if has_body {
                    add("413", "Request body over the configured limit");
                }
                add(
                    "500",
                    "Unexpected server failure (logged with the request id)",
                );
                add(
                    "503",
                    "Overloaded (for example, password hashing is saturated); retry after `Retry-After` seconds",
                );
            }
        }
    }
}

/// Every operation of a path item.
pub fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
        item.head.as_mut(),
        item.options.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}
