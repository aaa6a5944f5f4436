//! # crm-store-mongo
//!
//! The CRM's store on MongoDB: every repository and query port of the
//! domain crates, with the behaviour of `crm-store-sqlite` (both pass the
//! contract suites of `crm-testkit`), for deployments that outgrow one
//! machine (a replica set, several stateless server instances).
//!
//! - [`MongoStore::connect`] connects with a `mongodb://` or
//!   `mongodb+srv://` string (the official driver, rustls; no wire
//!   compression) and uses the database it names, `crm` by default. Every
//!   write is acknowledged by a majority of the replica set.
//! - [`MongoStore::migrate`] applies `migrations/mongo` (collections with
//!   `$jsonSchema` validators, indexes), embedded in the binary and recorded
//!   with checksums; [`MongoStore::migration_status`] and
//!   [`MongoStore::ready`] mirror the SQLite store's.
//! - Writes that must happen together run in multi-document transactions
//!   (snapshot reads, majority commits), retried on
//!   `TransientTransactionError` and `UnknownTransactionCommitResult`.
//!   A duplicate key (11000) becomes the port's conflict error.
//! - Lists are keyset-paginated (never `skip`), with visibility applied in
//!   the query; the customer search uses an indexed array of normalised
//!   keywords matched by prefix (no `$text`), see
//!   `docs/adr/0011-mongo-search.md`.
//!
//! Filters, sorts, cursors, visibility conditions and aggregation
//! pipelines are built by small pure functions (the `bson` module and the
//! `*_list`/`*_pipeline` modules of each context) whose tests assert the
//! BSON they produce without a server.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = crm_store_mongo::MongoStore::connect("mongodb://localhost/crm").await?;
//! store.migrate().await?;
//! store.ready().await?;
//! # Ok(())
//! # }
//! ```

mod bson;
mod customers;
mod db;
mod identity;
mod interactions;
mod tickets;

pub use db::client::{ConnectError, DEFAULT_DATABASE, MongoStore};
pub use db::health::ReadyError;
pub use db::migrations::{MigrationError, MigrationInfo, MigrationState, MigrationStatus};
