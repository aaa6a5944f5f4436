//! The backfill of migration 0007 counts exactly what its triggers counted:
//! after random writes through the ports, the counter tables are emptied and
//! the migration's backfill statements run again on the same records.

use std::fmt::Write as _;

use crm_store_sqlite::SqliteStore;
use rusqlite::Connection;

const MIGRATION: &str = include_str!("../../../migrations/sqlite/0007_report_counters.sql");

/// Every counter row that is not all zeros, and every journey, as text.
fn snapshot(conn: &Connection) -> Vec<String> {
    let statements = [
        "SELECT bucket, owner_key, company_key, kind, status, n FROM report_interactions WHERE n <> 0",
        "SELECT bucket, kind, status, n FROM report_interaction_totals WHERE n <> 0",
        "SELECT bucket, owner_key, company_key, opened, resolved, reopened FROM report_tickets \
         WHERE opened <> 0 OR resolved <> 0 OR reopened <> 0",
        "SELECT bucket, owner_key, company_key, measure, minutes, n FROM report_ticket_durations WHERE n <> 0",
        "SELECT bucket, owner_key, company_key, created, won, churned FROM report_customers \
         WHERE created <> 0 OR won <> 0 OR churned <> 0",
        "SELECT customer_id, lead_at, prospect_at, customer_at FROM report_journeys",
    ];
    let mut rows = Vec::new();
    for sql in statements {
        let mut statement = conn.prepare(sql).expect("statement");
        let columns = statement.column_count();
        let found = statement
            .query_map([], |row| {
                let mut line = format!("{sql}: ");
                for i in 0..columns {
                    let value: rusqlite::types::Value = row.get(i)?;
                    let _ = write!(line, "{value:?}|");
                }
                Ok(line)
            })
            .expect("query");
        rows.extend(found.map(|r| r.expect("row")));
    }
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backfill_counts_what_the_triggers_counted() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.expect("open store");
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 4242, 300).await;
    drop(store);

    let conn = Connection::open(&path).expect("open the file");
    let kept = snapshot(&conn);
    assert!(
        kept.len() > 200,
        "the writes were counted: {} rows",
        kept.len()
    );
    assert!(kept.iter().any(|r| r.contains("report_journeys")));
    conn.execute_batch(
        "DELETE FROM report_interactions; DELETE FROM report_interaction_totals; \
         DELETE FROM report_tickets; DELETE FROM report_ticket_durations; \
         DELETE FROM report_customers; DELETE FROM report_journeys;",
    )
    .expect("empty the counters");
    let backfill = &MIGRATION[MIGRATION.find("-- Backfill").expect("the backfill section")..];
    conn.execute_batch(backfill).expect("the backfill runs");
    assert_eq!(
        snapshot(&conn),
        kept,
        "the backfill counts what the triggers counted"
    );
}
