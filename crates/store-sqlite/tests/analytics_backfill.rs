//! The backfills of migrations 0007, 0009, 0010 and 0012 count exactly what their
//! triggers counted: after random writes through the ports, the counter
//! tables are emptied and the migrations' backfill statements run again on
//! the same records. And every totals table (0007's interaction totals,
//! 0009's ticket, duration and customer totals, 0010's lead totals, with
//! their months) equals a recount of the rows per owner and company after
//! those writes; 0010's lead counters and `repeat` flags equal a recount
//! from the journeys.

use std::fmt::Write as _;

use crm_store_sqlite::SqliteStore;
use rusqlite::Connection;

mod support;
use support::rows_of;

const MIGRATION: &str = include_str!("../../../migrations/sqlite/0007_report_counters.sql");
const TOTALS: &str = include_str!("../../../migrations/sqlite/0009_report_totals.sql");
const LEADS: &str = include_str!("../../../migrations/sqlite/0010_report_leads.sql");
const DURATION_UNITS: &str =
    include_str!("../../../migrations/sqlite/0012_report_duration_units.sql");

/// Each totals table, its columns, what makes a row count (not all zeros),
/// and the recount of it from 0007's rows per owner and company (days and
/// hours as they are; months as the sum of their days).
const RECOUNTS: [(&str, &str, &str, &str); 5] = [
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
    (
        "report_lead_totals",
        "bucket, begun, qualified",
        "begun <> 0 OR qualified <> 0",
        "SELECT bucket, sum(begun) AS begun, sum(qualified) AS qualified \
         FROM report_leads GROUP BY 1 \
         UNION ALL SELECT 'm' || substr(bucket, 2, 7), sum(begun), sum(qualified) \
         FROM report_leads WHERE bucket LIKE 'd%' GROUP BY 1",
    ),
];

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
        "SELECT customer_id, lead_at, prospect_at, customer_at, repeat FROM report_journeys",
        "SELECT bucket, opened, resolved, reopened FROM report_ticket_totals \
         WHERE opened <> 0 OR resolved <> 0 OR reopened <> 0",
        "SELECT bucket, measure, minutes, n FROM report_ticket_duration_totals WHERE n <> 0",
        "SELECT bucket, created, won, churned FROM report_customer_totals \
         WHERE created <> 0 OR won <> 0 OR churned <> 0",
        "SELECT bucket, owner_key, company_key, begun, qualified FROM report_leads \
         WHERE begun <> 0 OR qualified <> 0",
        "SELECT bucket, begun, qualified FROM report_lead_totals \
         WHERE begun <> 0 OR qualified <> 0",
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
    assert!(kept.iter().any(|r| r.contains("FROM report_lead_totals")));
    conn.execute_batch(
        "DELETE FROM report_interactions; DELETE FROM report_interaction_totals; \
         DELETE FROM report_tickets; DELETE FROM report_ticket_durations; \
         DELETE FROM report_customers; DELETE FROM report_journeys; \
         DELETE FROM report_ticket_totals; DELETE FROM report_ticket_duration_totals; \
         DELETE FROM report_customer_totals; DELETE FROM report_leads; \
         DELETE FROM report_lead_totals;",
    )
    .expect("empty the counters");
    let backfill = |migration: &str| {
        let backfill = &migration[migration.find("-- Backfill").expect("the backfill section")..];
        conn.execute_batch(backfill).expect("the backfill runs");
    };
    backfill(MIGRATION);
    backfill(TOTALS);
    // 0007's backfill inserted the journeys whole (qualified ones with their
    // `prospect_at`): 0010's trigger on a new journey counted them already.
    assert_eq!(
        snapshot(&conn),
        kept,
        "0010's triggers count journeys inserted whole as the status changes counted them"
    );
    conn.execute_batch(
        "DELETE FROM report_leads; DELETE FROM report_lead_totals; \
         UPDATE report_journeys SET repeat = 0;",
    )
    .expect("empty 0010's counters");
    backfill(LEADS);
    assert_eq!(
        snapshot(&conn),
        kept,
        "the backfill counts what the triggers counted"
    );
    // 0012 counts the duration histograms again in its units: rows in
    // other units (here every bucket of 1,000 minutes or more moved off its
    // unit) are replaced by what the triggers count.
    let moved = conn
        .execute(
            "UPDATE report_ticket_duration_totals SET minutes = minutes + 1 WHERE minutes >= 1000",
            [],
        )
        .expect("rows in other units");
    assert!(moved > 0, "some durations are of 1,000 minutes or more");
    conn.execute(
        "UPDATE report_ticket_durations SET minutes = minutes + 1 WHERE minutes >= 1000",
        [],
    )
    .expect("rows in other units");
    assert_ne!(snapshot(&conn), kept);
    let counted_again = &DURATION_UNITS[DURATION_UNITS
        .find("-- Counted again")
        .expect("0012's recount")..];
    conn.execute_batch(counted_again)
        .expect("0012's recount runs");
    assert_eq!(
        snapshot(&conn),
        kept,
        "0012 counts the histograms as the triggers do"
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

/// 0010's counters per owner and company recounted from the journeys and
/// their customers' current owner and company (days and hours), and the
/// `repeat` flag from the number of journeys per customer.
const LEAD_RECOUNT: &str = "
SELECT bucket, owner_key, company_key, sum(begun), sum(qualified) FROM (
    SELECT g.grain || substr(j.lead_at, 1, g.len) AS bucket,
           coalesce(c.owner_id, '') AS owner_key, coalesce(c.company_id, '') AS company_key,
           1 AS begun, 0 AS qualified
    FROM report_journeys j JOIN customers c ON c.id = j.customer_id
    JOIN (SELECT 'd' AS grain, 10 AS len UNION ALL SELECT 'h', 13) g
    UNION ALL
    SELECT g.grain || substr(j.prospect_at, 1, g.len), coalesce(c.owner_id, ''),
           coalesce(c.company_id, ''), 0, 1
    FROM report_journeys j JOIN customers c ON c.id = j.customer_id
    JOIN (SELECT 'd' AS grain, 10 AS len UNION ALL SELECT 'h', 13) g
    WHERE j.prospect_at IS NOT NULL
) GROUP BY 1, 2, 3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lead_counters_equal_a_recount_from_the_journeys_after_random_writes() {
    // Seeds whose writes give a customer several journeys.
    for seed in [3, 11, 2026] {
        let folder = tempfile::tempdir().expect("temporary folder");
        let path = folder.path().join("crm.db");
        let store = SqliteStore::open(&path).await.expect("open store");
        store.migrate().await.expect("migrate");
        // Status changes (with churn and re-engagement as a lead),
        // reassignments of owner and company, erasures.
        crm_testkit::contract::analytics::fill_with_random_writes(&store, seed, 400).await;
        drop(store);

        let conn = Connection::open(&path).expect("open the file");
        let kept = rows_of(
            &conn,
            "SELECT bucket, owner_key, company_key, begun, qualified FROM report_leads \
             WHERE begun <> 0 OR qualified <> 0",
        );
        assert!(kept.len() > 50, "{seed}: journeys were counted");
        assert_eq!(
            kept,
            rows_of(&conn, LEAD_RECOUNT),
            "{seed}: the lead counters equal a recount from the journeys"
        );
        let erased: i64 = conn
            .query_row(
                "SELECT count(*) FROM customers c WHERE c.erased_at IS NOT NULL \
                 AND EXISTS (SELECT 1 FROM report_journeys j WHERE j.customer_id = c.id)",
                [],
                |row| row.get(0),
            )
            .expect("erased customers");
        assert!(erased > 0, "{seed}: erased customers keep their journeys");
        let misflagged: i64 = conn
            .query_row(
                "SELECT count(*) FROM report_journeys j WHERE j.repeat <> \
                 ((SELECT count(*) FROM report_journeys o WHERE o.customer_id = j.customer_id) > 1)",
                [],
                |row| row.get(0),
            )
            .expect("repeat flags");
        assert_eq!(
            misflagged, 0,
            "{seed}: repeat flags every journey of repeat customers"
        );
        let repeat: i64 = conn
            .query_row(
                "SELECT count(*) FROM report_journeys WHERE repeat = 1",
                [],
                |row| row.get(0),
            )
            .expect("repeat journeys");
        assert!(repeat > 0, "{seed}: some customers have several journeys");

        // 0010's backfill counts and flags the same.
        let flags = rows_of(&conn, "SELECT id, repeat FROM report_journeys");
        conn.execute_batch(
            "DELETE FROM report_leads; DELETE FROM report_lead_totals; \
             UPDATE report_journeys SET repeat = 0;",
        )
        .expect("empty 0010's counters");
        conn.execute_batch(&LEADS[LEADS.find("-- Backfill").expect("the backfill section")..])
            .expect("the backfill runs");
        assert_eq!(
            rows_of(&conn, "SELECT id, repeat FROM report_journeys"),
            flags
        );
        assert_eq!(
            rows_of(
                &conn,
                "SELECT bucket, owner_key, company_key, begun, qualified FROM report_leads \
                 WHERE begun <> 0 OR qualified <> 0",
            ),
            kept,
            "{seed}: the backfill counts what the triggers counted"
        );
    }
}

/// The bulk loader writes through the same write functions, so the same
/// triggers: histories that churn, come back as leads and change owner and
/// company leave the lead counters equal to a recount from the journeys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_loaded_histories_keep_the_lead_counters() {
    use crm_customers::ports::CompanyRepository;
    use crm_customers::{Customer, CustomerHistory, LifecycleStatus as Status};
    use crm_identity::ports::UserRepository;
    use crm_kernel::{PrincipalId, Timestamp};
    use crm_testkit::builders::{company, customer, password_hash, staff_user, status_change};

    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.expect("open store");
    store.migrate().await.expect("migrate");
    let user = staff_user();
    UserRepository::insert(&store, &user, &password_hash())
        .await
        .expect("staff");
    let firm = company();
    CompanyRepository::insert(&store, &firm)
        .await
        .expect("company");
    let start = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").expect("instant");
    let mut batch = Vec::new();
    for i in 0..20_i64 {
        let at = |hours: i64| {
            Timestamp::from_millis(start.as_millis() + (i * 7 + hours) * 3_600_000)
                .expect("instant")
        };
        let created = Customer {
            status: Status::Lead,
            owner_id: None,
            company_id: None,
            created_at: at(0),
            updated_at: at(0),
            ..customer()
        };
        let first = status_change(
            created.id,
            None,
            Status::Lead,
            at(0),
            PrincipalId::User(user.id),
        );
        let mut current = created.clone();
        let mut changes = Vec::new();
        for (step, to) in [
            Status::Prospect,
            Status::Customer,
            Status::Churned,
            Status::Lead,
            Status::Prospect,
        ]
        .into_iter()
        .enumerate()
        {
            let hours = 30 * (i64::try_from(step).expect("step") + 1);
            let mut next = Customer {
                status: to,
                updated_at: at(hours),
                version: current.version.next(),
                ..current.clone()
            };
            if step == 2 && i % 2 == 0 {
                // Moved to an owner and a company along the way.
                next.owner_id = Some(user.id);
                next.company_id = Some(firm.id);
            }
            let change = status_change(
                current.id,
                Some(current.status),
                to,
                at(hours),
                PrincipalId::User(user.id),
            );
            changes.push((next.clone(), Some(change)));
            current = next;
        }
        batch.push(CustomerHistory {
            created: (created, first),
            changes,
        });
    }
    store.bulk().customers(batch).await.expect("bulk load");
    drop(store);

    let conn = Connection::open(&path).expect("open the file");
    let kept = rows_of(
        &conn,
        "SELECT bucket, owner_key, company_key, begun, qualified FROM report_leads \
         WHERE begun <> 0 OR qualified <> 0",
    );
    assert!(kept.iter().any(|r| r.contains(&user.id.to_string())));
    assert_eq!(kept, rows_of(&conn, LEAD_RECOUNT));
    let repeat: i64 = conn
        .query_row(
            "SELECT count(*) FROM report_journeys WHERE repeat = 1",
            [],
            |row| row.get(0),
        )
        .expect("repeat journeys");
    assert_eq!(repeat, 40, "two journeys for each of the 20 customers");
}
