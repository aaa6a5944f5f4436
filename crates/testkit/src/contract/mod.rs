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
//!
//! A store that needs a server the machine may not have (MongoDB) returns
//! `Option<(guard, store)>` instead ([`FreshStore`]): `None` when the server
//! is not configured, after printing that the check is skipped and why; the
//! generated test then returns without checking anything.

pub mod analytics;
pub mod customers;
pub mod email;
pub mod identity;
pub mod interactions;
pub mod tickets;

/// What a store factory of the contract macros may return: `(guard, store)`,
/// or `Option<(guard, store)>` for a store whose server may be absent.
pub trait FreshStore {
    /// What must live as long as the test.
    type Guard;
    /// The store under test.
    type Store;

    /// The guard and the store, or `None` when the check cannot run (the
    /// factory has said why).
    fn into_fresh(self) -> Option<(Self::Guard, Self::Store)>;
}

impl<G, S> FreshStore for (G, S) {
    type Guard = G;
    type Store = S;

    fn into_fresh(self) -> Option<(G, S)> {
        Some(self)
    }
}

impl<G, S> FreshStore for Option<(G, S)> {
    type Guard = G;
    type Store = S;

    fn into_fresh(self) -> Option<(G, S)> {
        self
    }
}
