//! # crm-store-mongo
//!
//! The CRM's store on MongoDB: every repository and query port of the
//! domain crates, with the behaviour of `crm-store-sqlite` (both pass the
//! contract suites of `crm-testkit`), for deployments that outgrow one
//! machine (a replica set, several stateless server instances).
//!
//! - [`MongoStore::connect`] connects with a `mongodb://` or
//!   `mongodb+srv://` string (the official driver, rustls; no wire
//!   compression) and uses the database it names, `crm` by default. The
//!   server must be a replica set (a one-node set will do): a standalone
//!   server has no transactions and is refused. Every write is
//!   acknowledged by a majority of the replica set.
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
//!   `docs/adr/0013-mongo-search.md`. Refresh sessions and idempotency keys
//!   are purged 30 days after they expire or were used (TTL indexes).
//! - Reports (the analytics figures ports): interactions, tickets,
//!   customers created, won and churned, the lead journeys' flows and
//!   email recipients' kept facts from counters per UTC hour, day and month
//!   that the writes keep in their transactions; conversion over the
//!   journeys qualified in the range and those of customers with several,
//!   counted by the database; the scope applied on the counters' or
//!   each record's copies of its customer's company and owner
//!   (`docs/adr/0015-reports-on-mongodb.md`).
//!   [`MongoStore::explain_interaction_counts`] shows how the database
//!   answers an interaction report.
//! - What must happen once across server instances is one atomic operation:
//!   a refresh-token rotation, an idempotent creation, an outbox claim (one
//!   `findOneAndUpdate` per recipient under a lease). See
//!   `docs/adr/0014-scale-out-on-mongodb.md`.
//! - [`bulk`] loads many histories per round trip (benchmarks, large demo
//!   data sets), building each record with the single writes' own document
//!   builders, and counts the records that break an invariant.
//!
//! The layout mirrors `crm-store-sqlite`: `identity/`, `customers/`,
//! `tickets/`, `interactions/`, `email/` and `analytics/` hold each context's port implementations
//! (`repository.rs`), how its records are stored (`docs.rs`) and written
//! (`writes.rs`), and the pure builders of its queries (`list.rs`,
//! `history_pipeline.rs`, `search.rs`): filters, sorts, keyset conditions,
//! visibility and aggregation pipelines as small functions returning BSON
//! documents, whose tests assert the BSON without a server. `bson/` holds
//! what they share (keyset conditions and cursor keys, visibility,
//! conversions, the search keywords); `db/` the connection, transactions,
//! error mapping, references, migrations and health.
//!
//! Documents that lists filter and sort by keep copies of what they would
//! join on in SQL (a customer its company's name and whether it can sign
//! in; tickets, ticket events, interactions, status changes and email
//! recipients their customer's company and owner),
//! rewritten in the transaction that changes the original; a write that
//! sets such a reference *touches* the referenced document, which both
//! checks that it exists and makes concurrent changes of it conflict
//! (`db/references.rs`). Emails are unique among staff and customers
//! through one `email_keys` collection that every holder claims in its
//! write's transaction.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = crm_store_mongo::MongoStore::connect("mongodb://localhost/crm").await?;
//! store.migrate().await?;
//! store.ready().await?;
//! # Ok(())
//! # }
//! ```

mod analytics;
mod bson;
pub mod bulk;
mod customers;
mod db;
mod email;
mod identity;
mod interactions;
mod tickets;

pub use db::client::{ConnectError, DEFAULT_DATABASE, MongoStore};
pub use db::health::ReadyError;
pub use db::migrations::{MigrationError, MigrationInfo, MigrationState, MigrationStatus};
