//! The backfills of migrations 0007 and 0009 count exactly what their
//! triggers counted: after random writes through the ports, the counter
//! tables are emptied and the migrations' backfill statements run again on
//! the same records. And every totals table (0007's interaction totals,
//! 0009's ticket, duration and customer totals, with their months) equals
//! a recount of the rows per owner and company after those writes.

use std::fmt::Write as _;

use crm_store_sqlite::SqliteStore;
use rusqlite::Connection;

const MIGRATION: &str = include_str!("../../../migrations/sqlite/0007_report_counters.sql");
const TOTALS: &str = include_str!("../../../migrations/sqlite/0009_report_totals.sql");

/// Each totals table, its columns, what makes a row count (not all zeros),
/// and the recount of it from 0007's rows per owner and company (days and
/// hours as they are; months as the sum of their days).
const RECOUNTS: [(&str, &str, &str, &str); 4] = [
    (
        "report_interaction_totals",
        "bucket, kind, status, n",
        "n <> 0",
        "SELECT bucket, kind, status, sum(n) AS n FROM report_interactions GROUP BY 1, 2, 3 \
         UNION ALL SELECT 'm' || substr(bucket, 2, 7), kind, status, sum(n) \
         FROM report_interactions WHERE bucket LIKE 'd%' GROUP BY 1, 2, 3",
    ),
    (
        "report_ticket_totals",
        "bucket, opened, resolved, reopened",
        "opened <> 0 OR resolved <> 0 OR reopened <> 0",
        "SELECT bucket, sum(opened) AS opened, sum(resolved) AS resolved, \
                sum(reopened) AS reopened FROM report_tickets GROUP BY 1 \
         UNION ALL SELECT 'm' || substr(bucket, 2, 7), sum(opened), sum(resolved), sum(reopened) \
         FROM report_tickets WHERE bucket LIKE 'd%' GROUP BY 1",
    ),
    (
        "report_ticket_duration_totals",
        "bucket, measure, minutes, n",
        "n <> 0",
        "SELECT bucket, measure, minutes, sum(n) AS n FROM report_ticket_durations \
         GROUP BY 1, 2, 3 \
         UNION ALL SELECT 'm' || substr(bucket, 2, 7), measure, minutes, sum(n) \
         FROM report_ticket_durations WHERE bucket LIKE 'd%' GROUP BY 1, 2, 3",
    ),
    (
        "report_customer_totals",
        "bucket, created, won, churned",
        "created <> 0 OR won <> 0 OR churned <> 0",
        "SELECT bucket, sum(created) AS created, sum(won) AS won, sum(churned) AS churned \
         FROM report_customers GROUP BY 1 \
         UNION ALL SELECT 'm' || substr(bucket, 2, 7), sum(created), sum(won), sum(churned) \
         FROM report_customers WHERE bucket LIKE 'd%' GROUP BY 1",
    ),
];

/// The rows of `sql`, as text, sorted.
fn rows_of(conn: &Connection, sql: &str) -> Vec<String> {
    let mut statement = conn.prepare(sql).expect("statement");
    let columns = statement.column_count();
    let found = statement
        .query_map([], |row| {
            let mut line = String::new();
            for i in 0..columns {
                let value: rusqlite::types::Value = row.get(i)?;
                let _ = write!(line, "{value:?}|");
            }
            Ok(line)
        })
        .expect("query");
    let mut rows: Vec<String> = found.map(|r| r.expect("row")).collect();
    rows.sort();
    rows
}

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
        "SELECT bucket, opened, resolved, reopened FROM report_ticket_totals \
         WHERE opened <> 0 OR resolved <> 0 OR reopened <> 0",
        "SELECT bucket, measure, minutes, n FROM report_ticket_duration_totals WHERE n <> 0",
        "SELECT bucket, created, won, churned FROM report_customer_totals \
         WHERE created <> 0 OR won <> 0 OR churned <> 0",
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
         DELETE FROM report_customers; DELETE FROM report_journeys; \
         DELETE FROM report_ticket_totals; DELETE FROM report_ticket_duration_totals; \
         DELETE FROM report_customer_totals;",
    )
    .expect("empty the counters");
    for migration in [MIGRATION, TOTALS] {
        let backfill = &migration[migration.find("-- Backfill").expect("the backfill section")..];
        conn.execute_batch(backfill).expect("the backfill runs");
    }
    assert_eq!(
        snapshot(&conn),
        kept,
        "the backfill counts what the triggers counted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_totals_table_equals_a_recount_after_random_writes() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.expect("open store");
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 2027, 300).await;
    drop(store);

    let conn = Connection::open(&path).expect("open the file");
    for (table, columns, counts, recount) in RECOUNTS {
        let kept = rows_of(
            &conn,
            &format!("SELECT {columns} FROM {table} WHERE {counts}"),
        );
        assert!(
            kept.iter().any(|r| r.starts_with("Text(\"m")),
            "{table} counts months: {kept:?}"
        );
        assert!(
            kept.iter().any(|r| r.starts_with("Text(\"d")),
            "{table} counts days"
        );
        assert_eq!(
            kept,
            rows_of(
                &conn,
                &format!("SELECT {columns} FROM ({recount}) WHERE {counts}")
            ),
            "{table} equals a recount of the rows per owner and company"
        );
    }
}
