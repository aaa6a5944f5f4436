//! A report over every customer reads the totals tables (migration 0009):
//! over three years by month, the ticket and lifecycle statements visit the
//! same rows whether there are 6,000 or 24,000 tickets and status changes
//! (a row per month, not a row per record), and their counts equal a
//! recount from the records. A report for one owner still reads 0007's rows
//! per owner and company, which grow with the records.

use crm_analytics::{
    CountRequest, Granularity, LifecycleCounts, ReportScope, ReportZone, TicketCounts,
    period::periods,
};
use crm_kernel::{Timestamp, UserId};
use rusqlite::Connection;

use super::super::lifecycle::lifecycle_counts;
use super::super::query::visits;
use super::super::tickets::ticket_counts;
use super::migrate_for_tests;
use crate::db::migrations::MIGRATIONS;

/// Ten agents, twenty companies, 400 customers.
const PEOPLE: &str = "
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 19)
INSERT INTO users (id, name, name_sort, email, email_sort, role, status, created_at, updated_at)
SELECT printf('00000000-0000-7000-8000-%012d', i), 'Agent', 'agent', printf('a%d@x.test', i),
       printf('a%d@x.test', i), 'agent', 'active', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z'
FROM k WHERE i < 10;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 19)
INSERT INTO companies (id, name, name_sort, created_at, updated_at)
SELECT printf('00000000-0000-7000-9000-%012d', i), 'Company', 'company',
       '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z' FROM k;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 399)
INSERT INTO customers (id, first_name, last_name, status, created_at, updated_at, company_id, owner_id, name_sort)
SELECT printf('00000000-0000-7000-a000-%012d', i), 'A', 'B', 'customer',
       '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z',
       CASE WHEN i % 5 = 0 THEN NULL ELSE printf('00000000-0000-7000-9000-%012d', i % 20) END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE printf('00000000-0000-7000-8000-%012d', i % 10) END,
       'b a'
FROM k;
";

/// `?1` tickets (ids tagged `?2`) raised evenly over 2022–2026, each
/// answered 1–7 hours later and resolved 1–5 days later; and as many status
/// changes (created, won, churned) over the same years.
const RECORDS: &str = "
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?1 - 1),
t(i, at) AS (SELECT i, 1640995200 + i * (157766400 / ?1) + ?3 FROM k)
INSERT INTO tickets (id, customer_id, subject, issue, search_text, status, priority, priority_rank,
                     channel, created_at, updated_at, first_response_at, version)
SELECT printf('t?2%08d', i), printf('00000000-0000-7000-a000-%012d', i % 400), 's', 'i', 's',
       'open', 'normal', 1, 'api',
       strftime('%Y-%m-%dT%H:%M:%S.000Z', at, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S.000Z', at, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S.000Z', at + 3600 * (1 + i % 7), 'unixepoch'), 1
FROM t;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?1 - 1),
t(i, at) AS (SELECT i, 1640995200 + i * (157766400 / ?1) + ?3 FROM k)
INSERT INTO ticket_events (ticket_id, from_status, to_status, at, actor_kind, actor_id)
SELECT printf('t?2%08d', i), 'open', CASE WHEN i % 9 = 0 THEN 'reopened' ELSE 'resolved' END,
       strftime('%Y-%m-%dT%H:%M:%S.000Z', at + 86400 * (1 + i % 5), 'unixepoch'),
       'user', '00000000-0000-7000-8000-000000000001'
FROM t;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?1 - 1),
t(i, at) AS (SELECT i, 1640995200 + i * (157766400 / ?1) + ?3 FROM k)
INSERT INTO customer_status_changes (customer_id, from_status, to_status, at, actor_kind, actor_id)
SELECT printf('00000000-0000-7000-a000-%012d', i % 400),
       CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN 'prospect' ELSE 'customer' END,
       CASE i % 3 WHEN 0 THEN 'prospect' WHEN 1 THEN 'customer' ELSE 'churned' END,
       strftime('%Y-%m-%dT%H:%M:%S.000Z', at, 'unixepoch'),
       'user', '00000000-0000-7000-8000-000000000001'
FROM t;
";

fn load(conn: &Connection, records: u32, tag: &str, shift_seconds: u32) {
    let sql = RECORDS
        .replace("?1", &records.to_string())
        .replace("?2", tag)
        .replace("?3", &shift_seconds.to_string());
    conn.execute_batch(&sql).unwrap();
}

/// Three years by UTC month (36 periods), after a year of records before
/// them (the backlog's lead-in).
fn request(scope: ReportScope) -> CountRequest {
    let at = |t: &str| Timestamp::parse_rfc3339(t).unwrap();
    let periods = periods(
        at("2023-01-01T00:00:00Z"),
        at("2026-01-01T00:00:00Z"),
        Granularity::Month,
        ReportZone::parse("UTC").unwrap(),
        1000,
    )
    .unwrap();
    CountRequest::new(&periods, scope)
}

/// The report's ticket and lifecycle figures and the (VM, full-scan) steps
/// of their statements.
fn report(conn: &Connection, scope: ReportScope) -> (TicketCounts, LifecycleCounts, (u64, u64)) {
    let request = request(scope);
    let _ = visits::take();
    let tickets = ticket_counts(conn, &request).unwrap();
    let lifecycle = lifecycle_counts(conn, &request).unwrap();
    (tickets, lifecycle, visits::take())
}

/// Tickets opened per month of 2023–2025 and the backlog at its start,
/// counted from the records.
fn recount(conn: &Connection) -> (Vec<u64>, u64) {
    let mut statement = conn
        .prepare(
            "SELECT substr(created_at, 1, 7), count(*) FROM tickets \
             WHERE created_at >= '2023-01-01' AND created_at < '2026-01-01' GROUP BY 1 ORDER BY 1",
        )
        .unwrap();
    let opened = statement
        .query_map([], |row| row.get::<_, i64>(1))
        .unwrap()
        .map(|n| u64::try_from(n.unwrap()).unwrap())
        .collect();
    let backlog: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM tickets WHERE created_at < '2023-01-01') \
             + (SELECT count(*) FROM ticket_events WHERE at < '2023-01-01' AND to_status = 'reopened') \
             - (SELECT count(*) FROM ticket_events WHERE at < '2023-01-01' AND to_status = 'resolved')",
            [],
            |row| row.get(0),
        )
        .unwrap();
    (opened, u64::try_from(backlog).unwrap())
}

#[test]
fn an_unscoped_report_over_three_years_reads_a_row_per_month_not_per_record() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_for_tests(&mut conn, MIGRATIONS);
    conn.execute_batch(PEOPLE).unwrap();
    let owner = || ReportScope {
        owner_id: Some(UserId::parse("00000000-0000-7000-8000-000000000003").unwrap()),
        ..ReportScope::all()
    };

    load(&conn, 6_000, "a", 0);
    let (tickets, lifecycle, (steps, full_scans)) = report(&conn, ReportScope::all());
    let (_, _, (owner_steps, _)) = report(&conn, owner());
    assert_eq!(full_scans, 0, "no statement scans a table");
    let (opened, backlog) = recount(&conn);
    assert_eq!(
        tickets.periods.iter().map(|p| p.opened).collect::<Vec<_>>(),
        opened
    );
    assert_eq!(tickets.backlog_at_start, backlog);
    assert!(lifecycle.total.won > 0 && lifecycle.total.churned > 0);

    // Three times the records over the same years, at other instants.
    load(&conn, 18_000, "b", 1_234);
    let (more_tickets, more_lifecycle, (more_steps, _)) = report(&conn, ReportScope::all());
    let (_, _, (more_owner_steps, _)) = report(&conn, owner());
    let (opened, backlog) = recount(&conn);
    assert_eq!(
        more_tickets
            .periods
            .iter()
            .map(|p| p.opened)
            .collect::<Vec<_>>(),
        opened
    );
    assert_eq!(more_tickets.backlog_at_start, backlog);
    assert!(more_lifecycle.total.won > 3 * lifecycle.total.won);
    assert_eq!(
        more_steps, steps,
        "the report over every customer visits the same rows for four times the records"
    );
    assert!(
        more_owner_steps > owner_steps * 2,
        "one owner's report reads rows per owner and company, which grow with the records \
         ({owner_steps} then {more_owner_steps} steps): the measure can tell"
    );
}
