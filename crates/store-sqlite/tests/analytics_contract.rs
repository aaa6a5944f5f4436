//! The analytics contract suite of `crm-testkit`, run against a
//! `SqliteStore` on a fresh temporary file.

use crm_store_sqlite::SqliteStore;
use tempfile::TempDir;

/// A new, migrated store in its own temporary folder (deleted with the guard).
async fn fresh_store() -> (TempDir, SqliteStore) {
    let folder = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&folder.path().join("crm.db"))
        .await
        .expect("open store");
    store.migrate().await.expect("migrate");
    (folder, store)
}

mod analytics {
    crm_testkit::analytics_contract_tests!(super::fresh_store);
}
