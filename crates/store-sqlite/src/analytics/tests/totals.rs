//! A report over every customer reads the totals tables (migration 0009):
//! over three years by month, the ticket and lifecycle statements visit the
//! same rows whether there are 6,000 or 24,000 tickets and status changes
//! (a row per month, not a row per record), and their counts equal a
//! recount from the records. A report for one owner still reads 0007's rows
//! per owner and company, which grow with the records. The same holds for
//! the email figures over 6,000 and 24,000 recipients (migration 0011),
//! and an event written costs the same steps for 2,000 or 8,000 recipients:
//! its triggers read and write rows by key.

use crm_analytics::{
    CountRequest, EmailPeriodCounts, Granularity, LifecycleCounts, ReportScope, ReportZone,
    TicketCounts, period::periods,
};
use crm_kernel::{Timestamp, UserId};
use rusqlite::Connection;

use super::super::email::email_counts;
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

/// A message (id tagged `?2`) to `?1` recipients sent evenly over
/// 2022–2026 (one in ten matched to no customer, one in thirteen bounced),
/// three in four of them opened or clicked ten minutes later by a person
/// or a scanner.
const RECIPIENTS: &str = "
INSERT INTO emails (id, from_address, sender_id, subject, text_body, html_body, html_generated,
                    send_at, created_at)
VALUES ('m?2', 'crm@x.test', 'u', 'Hi', 't', 'h', 1, '2022-01-01T00:00:00.000Z',
        '2022-01-01T00:00:00.000Z');
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?1 - 1),
t(i, at) AS (SELECT i, 1640995200 + i * (157766400 / ?1) + ?3 FROM k)
INSERT INTO email_recipients (id, email_id, position, address, address_key, customer_id,
                              message_id, status, attempts, next_attempt_at, sent_at, updated_at)
SELECT printf('r?2%08d', i), 'm?2', i, 'a@x.test', 'a@x.test',
       CASE WHEN i % 10 = 0 THEN NULL ELSE printf('00000000-0000-7000-a000-%012d', i % 400) END,
       printf('r?2%08d', i), CASE WHEN i % 13 = 0 THEN 'bounced' ELSE 'sent' END, 1,
       strftime('%Y-%m-%dT%H:%M:%S.000Z', at, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S.000Z', at, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S.000Z', at, 'unixepoch')
FROM t;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?1 - 1),
t(i, at) AS (SELECT i, 1640995200 + i * (157766400 / ?1) + ?3 FROM k)
INSERT INTO email_events (id, email_id, recipient_id, kind, at, class, minute)
SELECT printf('e?2%08d', i), 'm?2', printf('r?2%08d', i),
       CASE WHEN i % 3 = 0 THEN 'clicked' ELSE 'opened' END,
       strftime('%Y-%m-%dT%H:%M:%S.000Z', at + 600, 'unixepoch'),
       CASE WHEN i % 2 = 0 THEN 'human' ELSE 'scanner' END, (at + 600) / 60
FROM t WHERE i % 4 <> 3;
";

fn load_recipients(conn: &Connection, recipients: u32, tag: &str, shift_seconds: u32) {
    let sql = RECIPIENTS
        .replace("?1", &recipients.to_string())
        .replace("?2", tag)
        .replace("?3", &shift_seconds.to_string());
    conn.execute_batch(&sql).unwrap();
}

/// The report's email figures and the (VM, full-scan) steps of its statements.
fn email_report(conn: &Connection, scope: ReportScope) -> (Vec<EmailPeriodCounts>, (u64, u64)) {
    let request = request(scope);
    let _ = visits::take();
    let counts = email_counts(conn, &request).unwrap();
    (counts, visits::take())
}

/// Recipients sent to, bounced and opened (by anyone) per month of
/// 2023–2025, counted from the records.
fn email_recount(conn: &Connection) -> Vec<(u64, u64, u64)> {
    let mut statement = conn
        .prepare(
            "SELECT substr(r.sent_at, 1, 7), count(*), sum(r.status = 'bounced'), \
                    sum(EXISTS (SELECT 1 FROM email_events e \
                                WHERE e.recipient_id = r.id AND e.kind = 'opened')) \
             FROM email_recipients r \
             WHERE r.sent_at >= '2023-01-01' AND r.sent_at < '2026-01-01' GROUP BY 1 ORDER BY 1",
        )
        .unwrap();
    let count = |row: &rusqlite::Row<'_>, i: usize| {
        u64::try_from(row.get::<_, i64>(i)?)
            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, -1))
    };
    statement
        .query_map([], |row| {
            Ok((count(row, 1)?, count(row, 2)?, count(row, 3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn per_month(counts: &[EmailPeriodCounts]) -> Vec<(u64, u64, u64)> {
    counts
        .iter()
        .map(|c| (c.sent, c.bounced, c.opened_any))
        .collect()
}

#[test]
fn an_unscoped_email_report_over_three_years_reads_a_row_per_month_not_per_recipient() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_for_tests(&mut conn, MIGRATIONS);
    conn.execute_batch(PEOPLE).unwrap();
    let owner = || ReportScope {
        owner_id: Some(UserId::parse("00000000-0000-7000-8000-000000000003").unwrap()),
        ..ReportScope::all()
    };

    load_recipients(&conn, 6_000, "a", 0);
    let (counts, (steps, full_scans)) = email_report(&conn, ReportScope::all());
    let (_, (owner_steps, owner_full_scans)) = email_report(&conn, owner());
    assert_eq!(
        (full_scans, owner_full_scans),
        (0, 0),
        "no statement scans a table"
    );
    assert_eq!(per_month(&counts), email_recount(&conn));
    assert!(
        counts
            .iter()
            .all(|c| c.machine_opens > 0 && c.clicked_human > 0)
    );

    // Four times the recipients over the same years, at other instants.
    load_recipients(&conn, 18_000, "b", 1_234);
    let (more, (more_steps, _)) = email_report(&conn, ReportScope::all());
    let (_, (more_owner_steps, _)) = email_report(&conn, owner());
    assert_eq!(per_month(&more), email_recount(&conn));
    assert!(
        more.iter().map(|c| c.sent).sum::<u64>() > 3 * counts.iter().map(|c| c.sent).sum::<u64>()
    );
    assert_eq!(
        more_steps, steps,
        "the report over every customer visits the same rows for four times the recipients"
    );
    assert!(
        more_owner_steps > owner_steps * 2,
        "one owner's report reads rows per owner and company, which grow with the recipients \
         ({owner_steps} then {more_owner_steps} steps): the measure can tell"
    );
}

/// Stores an open by a person for `recipient` and returns the (VM,
/// full-scan) steps of the statement, its triggers included.
fn open_by_a_person(conn: &Connection, id: &str, recipient: &str) -> (i32, i32) {
    let mut statement = conn
        .prepare(
            "INSERT INTO email_events (id, email_id, recipient_id, kind, at, class, minute) \
             VALUES (?1, 'ma', ?2, 'opened', '2026-06-01T00:00:00.000Z', 'human', 1)",
        )
        .unwrap();
    statement.execute([id, recipient]).unwrap();
    (
        statement.get_status(rusqlite::StatementStatus::VmStep),
        statement.get_status(rusqlite::StatementStatus::FullscanStep),
    )
}

#[test]
fn an_email_event_costs_the_same_steps_whatever_the_number_of_recipients() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_for_tests(&mut conn, MIGRATIONS);
    conn.execute_batch(PEOPLE).unwrap();
    load_recipients(&conn, 2_000, "a", 0);
    // Recipients 1 and 401 were sent to one customer and opened by a scanner.
    let (steps, full_scans) = open_by_a_person(&conn, "x1", "ra00000001");
    load_recipients(&conn, 6_000, "b", 1_234);
    let (more_steps, more_full_scans) = open_by_a_person(&conn, "x2", "ra00000401");
    // The grains (two and three rows) are the only tables read whole.
    assert!(full_scans <= 10, "{full_scans} full-scan steps");
    assert_eq!(more_full_scans, full_scans);
    assert!(
        steps > 100,
        "the steps of the triggers are counted: {steps}"
    );
    assert_eq!(
        more_steps, steps,
        "an event costs the same for four times the recipients"
    );
    let human: i64 = conn
        .query_row(
            "SELECT sum(opened_human) FROM report_email_totals WHERE bucket LIKE 'm%'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let recount: i64 = conn
        .query_row(
            "SELECT sum(opened_human) FROM report_email_facts",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(human, recount);
}
