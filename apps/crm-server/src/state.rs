//! What every request handler shares.

use std::sync::Arc;

use crm_customers::CustomerService;
use crm_identity::IdentityService;
use crm_interactions::InteractionService;
use crm_store_sqlite::SqliteStore;
use crm_tickets::TicketService;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::http::cursor::CursorCodec;

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
    /// The store, for readiness checks.
    pub store: Arc<SqliteStore>,
    /// Signs and checks list cursors.
    pub cursors: CursorCodec,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Largest JSON body accepted.
    pub max_body_bytes: usize,
    /// Largest CSV import accepted.
    pub max_import_bytes: usize,
    /// Base URL links are built on.
    pub public_url: String,
}
