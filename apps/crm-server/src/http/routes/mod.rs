//! The HTTP routes, one folder per resource: `mod.rs` (handlers and
//! `configure`), `body.rs` (response types), `request.rs` (request types and
//! their parsing into domain input). A route module never imports another
//! route module; what two of them would share lives in `crate::http`.

pub mod assets;
pub mod auth;
pub mod calendar;
pub mod companies;
pub mod customers;
pub mod dashboard;
pub mod email_suppressions;
pub mod email_templates;
pub mod emails;
pub mod health;
pub mod interactions;
pub mod reports;
pub mod tickets;
pub mod tracking;
pub mod users;

use actix_web::web;

/// Registers every resource's routes.
///
/// Order matters where a fixed path would otherwise be taken for an id:
/// `calendar` registers `/api/interactions/{interaction_id}.ics` before
/// `interactions` registers `/api/interactions/{interaction_id}` (and
/// `customers` registers its CSV paths before its `{customer_id}` paths;
/// `emails` registers `/api/emails/inbound…` before `/api/emails/{email_id}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    auth::configure(cfg);
    users::configure(cfg);
    companies::configure(cfg);
    customers::configure(cfg);
    tickets::configure(cfg);
    calendar::configure(cfg);
    interactions::configure(cfg);
    emails::configure(cfg);
    email_templates::configure(cfg);
    email_suppressions::configure(cfg);
    tracking::configure(cfg);
    health::configure(cfg);
    reports::configure(cfg);
    dashboard::configure(cfg);
    assets::configure(cfg);
}
