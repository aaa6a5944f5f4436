//! # crm-store-sqlite
//!
//! The embedded default store of the CRM: every repository port of the
//! domain crates on one SQLite file.
//!
//! - [`SqliteStore::open`] opens (or creates) the file in WAL mode with
//!   foreign keys on, one writer connection and a small pool of readers.
//!   Every call runs its blocking SQLite work on the blocking thread pool,
//!   never on the async threads; writes run in transactions on the single
//!   writer, so a read-then-write is atomic.
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
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = crm_store_sqlite::SqliteStore::open("data/crm.db".as_ref()).await?;
//! store.migrate().await?;
//! store.ready().await?;
//! # Ok(())
//! # }
//! ```

mod calendar_feeds;
mod companies;
mod company_list;
mod credentials;
mod customer_accounts;
mod customer_list;
mod customer_rows;
mod customer_writes;
mod customers;
mod error;
mod fts;
mod health;
mod history;
mod import;
mod interaction_directory;
mod interaction_list;
mod interaction_rows;
mod interaction_writes;
mod interactions;
mod last_interaction;
mod migrations;
mod open;
mod rows;
mod sessions;
mod staff;
mod staff_contacts;
mod status_history;
mod ticket_comments;
mod ticket_directory;
mod ticket_events;
mod ticket_idempotency;
mod ticket_list;
mod ticket_rows;
mod ticket_writes;
mod tickets;
mod user_list;
mod users;
mod visibility_sql;

pub use health::{ConnectionPragmas, ReadyError};
pub use migrations::{MigrationError, MigrationInfo, MigrationState, MigrationStatus};
pub use open::{ConnectionRole, OpenError, SqliteStore};
