//! A year of a million interactions: the rows filled in before migration
//! 0007, whose backfill counts them; then reports read counters only.
//!
//! Tests never assert on time: what is asserted is what the statements
//! visit (no full-scan step; far fewer virtual machine steps than there are
//! interactions, whatever the zone, granularity and scope) and that the
//! counts equal a recount from the rows. The time is measured by the
//! `report_timing` example of this crate.

use std::collections::BTreeMap;

use crm_analytics::{
    CountRequest, Granularity, InteractionCount, ReportScope, ReportZone, period::periods,
};
use crm_kernel::{CompanyId, Timestamp, UserId, Visibility};
use rusqlite::Connection;

use super::super::interactions::interaction_counts;
use super::super::query::visits;
use super::migrate_for_tests;
use crate::db::migrations::MIGRATIONS;

const INTERACTIONS: u32 = 1_000_000;

/// Staff, companies, 400 customers and `n` interactions 31 seconds apart
/// from 2026-01-01 (a million fill 359 days), every kind and status.
const LOAD: &str = "
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 19)
INSERT INTO users (id, name, name_sort, email, email_sort, role, status, created_at, updated_at)
SELECT printf('00000000-0000-7000-8000-%012d', i), 'Agent', 'agent', printf('a%d@x.test', i),
       printf('a%d@x.test', i), 'agent', 'active', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'
FROM k WHERE i < 10;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 19)
INSERT INTO companies (id, name, name_sort, created_at, updated_at)
SELECT printf('00000000-0000-7000-9000-%012d', i), 'Company', 'company',
       '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z' FROM k;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 399)
INSERT INTO customers (id, first_name, last_name, status, created_at, updated_at, company_id, owner_id, name_sort)
SELECT printf('00000000-0000-7000-a000-%012d', i), 'A', 'B', 'customer',
       '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z',
       CASE WHEN i % 5 = 0 THEN NULL ELSE printf('00000000-0000-7000-9000-%012d', i % 20) END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE printf('00000000-0000-7000-8000-%012d', i % 10) END,
       'b a'
FROM k;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?1 - 1)
INSERT INTO interactions (id, customer_id, kind, date_time, time_zone, description, status,
                          created_at, updated_at, version)
SELECT printf('i%08d', i), printf('00000000-0000-7000-a000-%012d', i % 400),
       CASE i % 5 WHEN 0 THEN 'meeting' WHEN 1 THEN 'call' WHEN 2 THEN 'task' WHEN 3 THEN 'note'
                  ELSE 'email' END,
       strftime('%Y-%m-%dT%H:%M:%S.000Z', 1767225600 + i * 31, 'unixepoch'), 'UTC', 'x',
       CASE (i / 5) % 4 WHEN 0 THEN 'scheduled' WHEN 1 THEN 'completed' WHEN 2 THEN 'cancelled'
                        ELSE 'no_show' END,
       '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1
FROM k;
";

fn id(prefix: &str, i: u32) -> String {
    format!("00000000-0000-7000-{prefix}-{i:012}")
}

fn request(granularity: Granularity, zone: &str, scope: ReportScope) -> CountRequest {
    let at = |t: &str| Timestamp::parse_rfc3339(t).unwrap();
    let periods = periods(
        at("2026-01-01T00:00:00Z"),
        at("2026-12-31T00:00:00Z"),
        granularity,
        ReportZone::parse(zone).unwrap(),
        1000,
    )
    .unwrap();
    CountRequest::new(&periods, scope)
}

/// Interactions per kind and status over the whole range, counted from the
/// rows with `condition` on the customer `c`, and the virtual machine steps
/// that took.
fn recount(conn: &Connection, condition: &str) -> (BTreeMap<(String, String), u64>, u64) {
    let sql = format!(
        "SELECT i.kind, i.status, count(*) FROM interactions i JOIN customers c ON c.id = i.customer_id \
         WHERE i.date_time >= '2026-01-01' AND i.date_time < '2026-12-31' AND {condition} GROUP BY 1, 2"
    );
    let mut statement = conn.prepare(&sql).unwrap();
    let rows = statement
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)?)))
        .unwrap();
    let counts = rows
        .map(|r| {
            let (key, n) = r.unwrap();
            (key, u64::try_from(n).unwrap())
        })
        .collect();
    let _ = visits::take();
    visits::count(&statement);
    (counts, visits::take().0)
}

fn totals(counts: &[InteractionCount]) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for c in counts {
        *out.entry((c.kind.as_str().to_owned(), c.status.as_str().to_owned()))
            .or_default() += c.count;
    }
    out
}

#[test]
fn a_year_of_a_million_interactions_is_read_from_counters() {
    let mut conn = Connection::open_in_memory().unwrap();
    let before_counters = MIGRATIONS.iter().take_while(|m| m.version < 7).count();
    migrate_for_tests(&mut conn, &MIGRATIONS[..before_counters]);
    let load = LOAD.replace("?1", &INTERACTIONS.to_string());
    conn.execute_batch(&load).unwrap();
    // The upgrade: 0007 counts the million rows that exist.
    migrate_for_tests(&mut conn, MIGRATIONS);

    let agent = ReportScope {
        visibility: Visibility::Agent {
            company_ids: vec![CompanyId::parse(&id("9000", 3)).unwrap()],
            owner_id: UserId::parse(&id("8000", 1)).unwrap(),
        },
        owner_id: None,
        company_id: None,
    };
    let owner = ReportScope {
        owner_id: Some(UserId::parse(&id("8000", 2)).unwrap()),
        ..ReportScope::all()
    };
    let agent_condition = format!(
        "(c.owner_id = '{}' OR c.company_id = '{}')",
        id("8000", 1),
        id("9000", 3)
    );
    let owner_condition = format!("c.owner_id = '{}'", id("8000", 2));
    let cases = [
        (
            "everything by UTC day",
            request(Granularity::Day, "UTC", ReportScope::all()),
            "1".to_owned(),
        ),
        (
            "everything by Berlin day",
            request(Granularity::Day, "Europe/Berlin", ReportScope::all()),
            "1".to_owned(),
        ),
        (
            "everything by Kolkata week",
            request(Granularity::Week, "Asia/Kolkata", ReportScope::all()),
            "1".to_owned(),
        ),
        (
            "an agent by Berlin day",
            request(Granularity::Day, "Europe/Berlin", agent),
            agent_condition,
        ),
        (
            "one owner by New York month",
            request(Granularity::Month, "America/New_York", owner),
            owner_condition,
        ),
    ];
    // What reading every interaction of the range takes.
    let (_, full_read) = recount(&conn, "1");
    let _ = visits::take();
    for (name, request, condition) in cases {
        let counts = interaction_counts(&conn, &request).unwrap();
        let (steps, full_scan_steps) = visits::take();
        assert_eq!(full_scan_steps, 0, "{name}: no statement scans a table");
        let (recounted, _) = recount(&conn, &condition);
        assert_eq!(
            totals(&counts),
            recounted,
            "{name}: the counters equal a recount"
        );
        // Reading the rows takes several steps per interaction; the report
        // reads a few counter rows per period: fewer steps than there are
        // interactions, and a small part of a full read.
        assert!(
            steps < u64::from(INTERACTIONS) && steps * 20 < full_read,
            "{name}: the report took {steps} steps, reading every row {full_read}"
        );
    }
}
