//! # crm-store-sqlite
//!
//! The embedded default store of the CRM: every repository port of the
//! domain crates on one SQLite file.
//!
//! - [`SqliteStore::open`] opens (or creates) the file in WAL mode with
//!   foreign keys on, one writer connection and a small pool of readers.
//!   Long reads and writes run on threads of the store's own (one for the
//!   writer, one per reader: ADR 0019), short reads on the caller's thread,
//!   never blocking the async threads for long; writes run in transactions
//!   on the single writer, so a read-then-write is atomic. An update of a
//!   ticket, an interaction or a customer names only the columns whose
//!   value changed (`db::row_update`), so SQLite leaves the entries of the
//!   other indexes alone.
//! - [`SqliteStore::migrate`] applies the schema from `migrations/sqlite`,
//!   which is embedded in the binary, and refuses a database whose applied
//!   migrations were edited or come from a newer binary.
//! - The store implements the identity ports ([`crm_identity::ports`]):
//!   `UserRepository`, `CredentialStore`, `CustomerAccounts` and
//!   `SessionStore`; and the customers ports ([`crm_customers::ports`]):
//!   `CustomerRepository` (with its import transaction), `CompanyRepository`
//!   and `StaffDirectory`; and the tickets ports ([`crm_tickets::ports`]):
//!   `TicketRepository` (with idempotent raising), `CustomerDirectory` and
//!   `AssigneeDirectory`; and the interactions ports
//!   ([`crm_interactions::ports`]): `InteractionRepository` (which keeps
//!   `customers.last_interaction` up to date in the transaction of every
//!   interaction write), `HistoryQuery` (one query over the interactions,
//!   tickets and status-change tables), `CustomerDirectory`,
//!   `StaffDirectory` and `CalendarFeeds`. It passes the contract suites of
//!   `crm-testkit`.
//! - The customer list searches an FTS5 index (`customers_fts`) that
//!   triggers keep in sync with customers and company names; relevance
//!   pages are positioned by offset and may shift while data changes.
//!
//! The source is organised by context: `identity/`, `customers/`,
//! `tickets/` and `interactions/` each hold the ports of their domain crate
//! (rows, lists, writes, …); `db/` holds what they share (opening the file,
//! migrations, readiness, error mapping, row parsing) and `sql/` the one
//! planner of list pages (filters, `LIKE` escaping, visibility, keyset
//! pagination). The directory ports that ask about staff users read them
//! with `identity::directory::staff_by_ids`, those that ask about a
//! customer's company and owner with `customers::directory::customer_links`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = crm_store_sqlite::SqliteStore::open("data/crm.db".as_ref()).await?;
//! store.migrate().await?;
//! store.ready().await?;
//! # Ok(())
//! # }
//! ```

mod analytics;
pub mod bulk;
mod customers;
mod db;
mod email;
mod identity;
mod interactions;
#[cfg(test)]
mod record_plans;
mod sql;
mod tickets;

pub use db::health::{ConnectionPragmas, ReadyError};
pub use db::inline::one_snapshot_per_poll;
pub use db::migrations::{MigrationError, MigrationInfo, MigrationState, MigrationStatus};
pub use db::open::{ConnectionRole, OpenError, SqliteStore};
