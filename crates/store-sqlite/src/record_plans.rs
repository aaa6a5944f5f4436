//! The statements that read one record (and every row of a page) build no
//! temporary B-tree: an ordered aggregate (`group_concat(… ORDER BY …)`)
//! opened and closed one for each row read, a quarter of SQLite's time in a
//! single-record request. The list columns come unordered and are sorted
//! in Rust (`db::rows::in_position_order`, `Tags::parse`).

use crate::customers::rows::{CUSTOMER_COLUMNS, CUSTOMER_FROM};
use crate::identity::user_rows::USER_COLUMNS;
use crate::interactions::rows::INTERACTION_COLUMNS;

/// The opcodes of `sql`'s bytecode (`EXPLAIN`), on `store`.
async fn opcodes(store: &crate::SqliteStore, sql: String) -> Vec<String> {
    store
        .read(move |conn| {
            let mut statement = conn.prepare(&format!("EXPLAIN {sql}"))?;
            let opcodes = statement
                .query_map([], |row| row.get::<_, String>(1))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, crate::db::error::DbError>(opcodes)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn reading_a_customer_a_user_or_an_interaction_builds_no_temporary_btree() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::SqliteStore::open(&dir.path().join("crm.db"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    for sql in [
        format!("SELECT {CUSTOMER_COLUMNS} FROM {CUSTOMER_FROM} WHERE c.id = 'x'"),
        format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = 'x'"),
        format!("SELECT {INTERACTION_COLUMNS} FROM interactions i WHERE i.id = 'x'"),
    ] {
        let opcodes = opcodes(&store, sql.clone()).await;
        assert!(
            opcodes.iter().any(|op| op == "AggStep"),
            "{sql}: {opcodes:?}"
        );
        for temporary in ["OpenEphemeral", "SorterOpen", "OpenAutoindex"] {
            assert!(
                !opcodes.iter().any(|op| op == temporary),
                "{sql} opens a temporary B-tree ({temporary})"
            );
        }
    }
}
