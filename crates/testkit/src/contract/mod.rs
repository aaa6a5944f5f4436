//! Port contract suites: the behaviour every store adapter must show.
//!
//! A suite is a set of public async functions, one per rule, each taking a
//! store that is fresh (empty, migrated) for that function and asserting the
//! port contracts on it. A store crate runs all of them with one macro line
//! in an integration test, which generates one `#[tokio::test]` per check:
//!
//! ```text
//! // crates/store-x/tests/contract.rs
//! async fn fresh_store() -> (TempDir, XStore) { /* new, empty, migrated */ }
//! crm_testkit::identity_contract_tests!(fresh_store);
//! crm_testkit::customers_contract_tests!(fresh_store);
//! crm_testkit::tickets_contract_tests!(fresh_store);
//! crm_testkit::interactions_contract_tests!(fresh_store);
//! crm_testkit::analytics_contract_tests!(fresh_store);
//! crm_testkit::email_contract_tests!(fresh_store);
//! ```
//!
//! The factory returns `(guard, store)`: the guard lives as long as the test
//! (a temporary folder, a database to drop). The calling crate needs `tokio`
//! among its dev-dependencies.

pub mod analytics;
pub mod customers;
pub mod email;
pub mod identity;
pub mod interactions;
pub mod tickets;
