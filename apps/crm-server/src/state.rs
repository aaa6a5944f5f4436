//! What every request handler shares.

use std::sync::Arc;

use crm_analytics::AnalyticsService;
use crm_customers::CustomerService;
use crm_email::EmailService;
use crm_identity::IdentityService;
use crm_interactions::InteractionService;
use crm_store_sqlite::SqliteStore;
use crm_tickets::TicketService;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::config::Secret;
use crate::http::cursor::CursorCodec;
use crate::http::signed::LinkSigner;
use crate::mail::worker::Wake;

/// The application state behind `web::Data`.
#[derive(Debug)]
pub struct AppState {
    /// Identity use cases.
    pub identity: IdentityService,
    /// Customers and companies use cases.
    pub customers: CustomerService,
    /// Tickets use cases.
    pub tickets: TicketService,
    /// Interactions use cases.
    pub interactions: InteractionService,
    /// Reports and charts use cases.
    pub analytics: AnalyticsService,
    /// Email use cases.
    pub email: EmailService,
    /// Wakes the mail worker when mail was queued.
    pub mail_wake: Wake,
    /// The inbound-mail webhook's secret; `None`: the webhook is off (404).
    pub inbound_secret: Option<Secret>,
    /// The store, for readiness checks.
    pub store: Arc<SqliteStore>,
    /// Signs and checks list cursors.
    pub cursors: CursorCodec,
    /// Signs and checks report links.
    pub links: LinkSigner,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Largest JSON body accepted.
    pub max_body_bytes: usize,
    /// Largest CSV import accepted.
    pub max_import_bytes: usize,
    /// Base URL links are built on.
    pub public_url: String,
}
