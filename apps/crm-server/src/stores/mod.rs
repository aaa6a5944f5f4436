//! The store the server runs on, chosen once from `CRM_DATABASE_URL`:
//! every port the services take from it as `Arc<dyn Port>`s ([`Stores`]),
//! and its schema handle ([`Schema`]: migrations and readiness). Nothing
//! past this module knows which store it is.

mod schema;

use std::sync::Arc;

use crm_analytics::ports::{EmailSource, InteractionSource, LifecycleSource, TicketSource};
use crm_customers::ports::{CompanyRepository, CustomerRepository};
use crm_email::ports::{
    EmailRepository, EventLog, InboundStore, Outbox, SuppressionList, TemplateRepository,
};
use crm_identity::ports::{CredentialStore, CustomerAccounts, SessionStore, UserRepository};
use crm_interactions::ports::{CalendarFeeds, HistoryQuery, InteractionRepository};
use crm_store_mongo::{ConnectError, MongoStore};
use crm_store_sqlite::SqliteStore;
use crm_tickets::ports::{AssigneeDirectory, TicketRepository};

use crate::config::{DatabaseUrl, Settings};
use crate::error::CommandError;
pub use schema::{MigrationLine, Schema};

/// Every port the services take from the store, whichever store it is.
#[derive(Debug, Clone)]
pub struct Stores {
    /// Staff users.
    pub users: Arc<dyn UserRepository>,
    /// Credentials of staff users and customers.
    pub credentials: Arc<dyn CredentialStore>,
    /// Customer accounts (sign-up).
    pub customer_accounts: Arc<dyn CustomerAccounts>,
    /// Refresh-token sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// Customers and their status history.
    pub customers: Arc<dyn CustomerRepository>,
    /// Companies.
    pub companies: Arc<dyn CompanyRepository>,
    /// Staff users, as the customers context asks about them.
    pub customer_staff: Arc<dyn crm_customers::ports::StaffDirectory>,
    /// Tickets, their events and comments.
    pub tickets: Arc<dyn TicketRepository>,
    /// Customers, as the tickets context asks about them.
    pub ticket_customers: Arc<dyn crm_tickets::ports::CustomerDirectory>,
    /// Staff users a ticket may be assigned to.
    pub assignees: Arc<dyn AssigneeDirectory>,
    /// Interactions.
    pub interactions: Arc<dyn InteractionRepository>,
    /// Customer histories across contexts.
    pub history: Arc<dyn HistoryQuery>,
    /// Customers, as the interactions context asks about them.
    pub interaction_customers: Arc<dyn crm_interactions::ports::CustomerDirectory>,
    /// Staff users, as the interactions context asks about them.
    pub interaction_staff: Arc<dyn crm_interactions::ports::StaffDirectory>,
    /// Calendar feed tokens.
    pub feeds: Arc<dyn CalendarFeeds>,
    /// Messages and their recipients.
    pub emails: Arc<dyn EmailRepository>,
    /// The outbox: claims under leases.
    pub outbox: Arc<dyn Outbox>,
    /// Tracking hits, replies, bounces, opt-outs.
    pub email_events: Arc<dyn EventLog>,
    /// Inbound mail.
    pub inbound: Arc<dyn InboundStore>,
    /// The suppression list.
    pub suppressions: Arc<dyn SuppressionList>,
    /// Email templates.
    pub templates: Arc<dyn TemplateRepository>,
    /// Customers, as the email context asks about them.
    pub email_customers: Arc<dyn crm_email::ports::CustomerDirectory>,
    /// Staff users, as the email context asks about them.
    pub email_staff: Arc<dyn crm_email::ports::StaffDirectory>,
    /// Interactions counted for reports.
    pub interaction_figures: Arc<dyn InteractionSource>,
    /// Ticket flow counted for reports.
    pub ticket_figures: Arc<dyn TicketSource>,
    /// The lifecycle counted for reports.
    pub lifecycle_figures: Arc<dyn LifecycleSource>,
    /// Email delivery and engagement counted for reports.
    pub email_figures: Arc<dyn EmailSource>,
    /// Migrations and readiness.
    pub schema: Schema,
}

impl Stores {
    /// Every port on an open SQLite store (for programs that embed the
    /// server's services, such as the benchmark).
    #[must_use]
    pub fn sqlite(store: &Arc<SqliteStore>) -> Self {
        Self::of(store, Schema::Sqlite(store.clone()))
    }

    /// Every port on a connected MongoDB store.
    #[must_use]
    pub fn mongo(store: &Arc<MongoStore>) -> Self {
        Self::of(store, Schema::Mongo(store.clone()))
    }

    /// Every port, from one store that implements them all.
    fn of<S>(store: &Arc<S>, schema: Schema) -> Self
    where
        S: UserRepository
            + CredentialStore
            + CustomerAccounts
            + SessionStore
            + CustomerRepository
            + CompanyRepository
            + crm_customers::ports::StaffDirectory
            + TicketRepository
            + crm_tickets::ports::CustomerDirectory
            + AssigneeDirectory
            + InteractionRepository
            + HistoryQuery
            + crm_interactions::ports::CustomerDirectory
            + crm_interactions::ports::StaffDirectory
            + CalendarFeeds
            + EmailRepository
            + Outbox
            + EventLog
            + InboundStore
            + SuppressionList
            + TemplateRepository
            + crm_email::ports::CustomerDirectory
            + crm_email::ports::StaffDirectory
            + InteractionSource
            + TicketSource
            + LifecycleSource
            + EmailSource
            + 'static,
    {
        Self {
            users: store.clone(),
            credentials: store.clone(),
            customer_accounts: store.clone(),
            sessions: store.clone(),
            customers: store.clone(),
            companies: store.clone(),
            customer_staff: store.clone(),
            tickets: store.clone(),
            ticket_customers: store.clone(),
            assignees: store.clone(),
            interactions: store.clone(),
            history: store.clone(),
            interaction_customers: store.clone(),
            interaction_staff: store.clone(),
            feeds: store.clone(),
            emails: store.clone(),
            outbox: store.clone(),
            email_events: store.clone(),
            inbound: store.clone(),
            suppressions: store.clone(),
            templates: store.clone(),
            email_customers: store.clone(),
            email_staff: store.clone(),
            interaction_figures: store.clone(),
            ticket_figures: store.clone(),
            lifecycle_figures: store.clone(),
            email_figures: store.clone(),
            schema,
        }
    }
}

/// Opens (connects to) the configured store, without migrating it.
pub async fn open(settings: &Settings) -> Result<Stores, CommandError> {
    match &settings.database {
        DatabaseUrl::Sqlite(path) => {
            let store = SqliteStore::open(path).await.map_err(|e| {
                CommandError::Failed(format!(
                    "cannot open the database at {}: {e}",
                    path.display()
                ))
            })?;
            Ok(Stores::sqlite(&Arc::new(store)))
        }
        DatabaseUrl::Mongo(uri) => {
            // The connection string may hold a password: never shown.
            let store = MongoStore::connect(uri.expose())
                .await
                .map_err(|error| match error {
                    ConnectError::InvalidUri(e) => {
                        CommandError::Config(format!("CRM_DATABASE_URL: {e}"))
                    }
                    ConnectError::Unavailable(e) => {
                        CommandError::Failed(format!("cannot reach MongoDB: {e}"))
                    }
                    ConnectError::NotReplicaSet => CommandError::Failed(error.to_string()),
                })?;
            tracing::info!(database = store.database_name(), "using the MongoDB store");
            Ok(Stores::mongo(&Arc::new(store)))
        }
    }
}
