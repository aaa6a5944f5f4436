//! Test support: a migrated store in a temporary folder and the query plan
//! of a statement on it, for the tests that pin which index a query reads.

use rusqlite::types::Value;

use crate::SqliteStore;

/// A store on a migrated database in a temporary folder (kept while the
/// folder is).
pub(crate) async fn migrated() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("crm.db")).await.unwrap();
    store.migrate().await.unwrap();
    (dir, store)
}

/// The details of `EXPLAIN QUERY PLAN` of `sql` with `params`, one line each.
pub(crate) async fn explain(store: &SqliteStore, sql: String, params: Vec<Value>) -> String {
    store
        .with_reader(move |conn| {
            let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let details: Vec<String> = statement
                .query_map(rusqlite::params_from_iter(params), |row| row.get(3))?
                .collect::<Result<_, _>>()?;
            Ok::<_, rusqlite::Error>(details.join("\n"))
        })
        .await
        .unwrap()
        .unwrap()
}
