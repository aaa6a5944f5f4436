//! The connection, transactions, error mapping, migrations and health of
//! the store: everything that talks to the server but belongs to no context.

pub(crate) mod client;
pub(crate) mod error;
pub(crate) mod health;
#[cfg(test)]
mod list_index_coverage;
pub(crate) mod migration_files;
pub(crate) mod migration_state;
pub(crate) mod migrations;
pub(crate) mod ops;
pub(crate) mod references;
pub(crate) mod transaction;

/// The collections of the store (created by `migrations/mongo`).
pub(crate) mod names {
    /// Staff users.
    pub(crate) const USERS: &str = "users";
    /// Sign-in credentials of staff users and customers.
    pub(crate) const CREDENTIALS: &str = "credentials";
    /// One document per email key in use: who holds it.
    pub(crate) const EMAIL_KEYS: &str = "email_keys";
    /// Refresh-token sessions.
    pub(crate) const SESSIONS: &str = "refresh_sessions";
    /// Documents that serialise rare writes which must see each other.
    pub(crate) const LOCKS: &str = "locks";
    /// Customers.
    pub(crate) const CUSTOMERS: &str = "customers";
    /// Every change of a customer's lifecycle status.
    pub(crate) const STATUS_CHANGES: &str = "customer_status_changes";
    /// Companies.
    pub(crate) const COMPANIES: &str = "companies";
    /// Tickets.
    pub(crate) const TICKETS: &str = "tickets";
    /// Every status change of a ticket.
    pub(crate) const TICKET_EVENTS: &str = "ticket_events";
    /// Comments on tickets.
    pub(crate) const TICKET_COMMENTS: &str = "ticket_comments";
    /// Idempotency keys of raising tickets.
    pub(crate) const TICKET_IDEMPOTENCY: &str = "ticket_idempotency";
    /// Interactions.
    pub(crate) const INTERACTIONS: &str = "interactions";
    /// Secret calendar feeds of staff users.
    pub(crate) const CALENDAR_FEEDS: &str = "calendar_feeds";
    /// Messages as written (the email context).
    pub(crate) const EMAILS: &str = "emails";
    /// One document per recipient of a message: the outbox.
    pub(crate) const EMAIL_RECIPIENTS: &str = "email_recipients";
    /// Tracking hits, replies, bounces and opt-outs.
    pub(crate) const EMAIL_EVENTS: &str = "email_events";
    /// Mail posted to the inbound webhook.
    pub(crate) const INBOUND_MESSAGES: &str = "inbound_messages";
    /// Addresses that are not written to.
    pub(crate) const EMAIL_SUPPRESSIONS: &str = "email_suppressions";
    /// Email templates.
    pub(crate) const EMAIL_TEMPLATES: &str = "email_templates";
    /// Idempotency keys of sending.
    pub(crate) const EMAIL_IDEMPOTENCY: &str = "email_idempotency";
    /// The records that keep copies of their customer's company and owner
    /// (`customer_company_id`, `customer_owner_id`, next to `customer_id`),
    /// rewritten with it: lists and reports apply visibility on them.
    pub(crate) const COPIES_OF_CUSTOMERS: [&str; 5] = [
        TICKETS,
        TICKET_EVENTS,
        INTERACTIONS,
        STATUS_CHANGES,
        EMAIL_RECIPIENTS,
    ];
    /// The applied migrations.
    pub(crate) const MIGRATIONS: &str = "schema_migrations";
}
