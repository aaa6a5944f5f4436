//! Leads from counters (migration 0010): the lifecycle figures equal the
//! reference recount over histories rich in churn and re-engagement (so
//! customers with several journeys), with owners and companies moved, in
//! every zone, granularity and scope; and a report over every customer
//! visits the same rows whether 2,000 or 8,000 customers are still leads.

use crm_analytics::reference::{self, StatusChangeRecord};
use crm_analytics::{
    CountRequest, CustomerRef, Granularity, LifecycleCounts, LifecycleStatus, ReportScope,
    ReportZone, period::periods,
};
use crm_kernel::{CompanyId, CustomerId, Timestamp, UserId, Visibility};
use rusqlite::{Connection, params};

use super::super::lifecycle::lifecycle_counts;
use super::super::query::visits;
use super::migrate_for_tests;
use crate::db::migrations::MIGRATIONS;

/// A small deterministic generator (tests need no `rand`).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

fn user(i: u64) -> String {
    format!("00000000-0000-7000-8000-{i:012}")
}

fn company(i: u64) -> String {
    format!("00000000-0000-7000-9000-{i:012}")
}

fn customer(tag: u64, i: u64) -> String {
    format!("00000000-0000-7000-b{tag:03}-{i:012}")
}

/// Four agents and five companies.
fn people(conn: &Connection) {
    for i in 0..4 {
        conn.execute(
            "INSERT INTO users (id, name, name_sort, email, email_sort, role, status, created_at, \
             updated_at) VALUES (?1, 'Agent', 'agent', ?2, ?2, 'agent', 'active', \
             '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z')",
            params![user(i), format!("a{i}@x.test")],
        )
        .unwrap();
    }
    for i in 0..5 {
        conn.execute(
            "INSERT INTO companies (id, name, name_sort, created_at, updated_at) \
             VALUES (?1, 'Company', 'company', '2020-01-01T00:00:00.000Z', \
             '2020-01-01T00:00:00.000Z')",
            [company(i)],
        )
        .unwrap();
    }
}

fn new_customer(conn: &Connection, id: &str, owner: Option<&str>, company: Option<&str>) {
    conn.execute(
        "INSERT INTO customers (id, first_name, last_name, status, created_at, updated_at, \
         company_id, owner_id, name_sort) VALUES (?1, 'A', 'B', 'lead', \
         '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z', ?2, ?3, 'b a')",
        params![id, company, owner],
    )
    .unwrap();
}

fn change(conn: &Connection, id: &str, from: Option<&str>, to: &str, at_ms: i64) {
    let at = Timestamp::from_millis(at_ms).unwrap().to_rfc3339();
    conn.execute(
        "INSERT INTO customer_status_changes (customer_id, from_status, to_status, at, \
         actor_kind, actor_id) VALUES (?1, ?2, ?3, ?4, 'user', ?5)",
        params![id, from, to, at, user(0)],
    )
    .unwrap();
}

fn maybe(rng: &mut Lcg, n: u64, name: fn(u64) -> String) -> Option<String> {
    let pick = rng.below(n + 1);
    (pick < n).then(|| name(pick))
}

/// 150 customers whose histories go round the lifecycle (churned ones are
/// re-engaged as leads half the time), from October 2025 on, a few hours to
/// three weeks apart (to the millisecond); every fifth customer is moved to
/// another owner and company halfway, and 40 of them again at the end.
fn histories(conn: &Connection, seed: u64) {
    let mut rng = Lcg(seed);
    let start = at("2025-10-01T00:00:00Z").as_millis();
    for i in 0..150 {
        let id = customer(1, i);
        let (owner, company) = (maybe(&mut rng, 4, user), maybe(&mut rng, 5, company));
        new_customer(conn, &id, owner.as_deref(), company.as_deref());
        let mut now = start + i64::try_from(rng.below(150 * 86_400_000)).unwrap();
        let mut status =
            ["lead", "lead", "prospect", "customer"][usize::try_from(rng.below(4)).unwrap()];
        change(conn, &id, None, status, now);
        for step in 0..rng.below(12) {
            now += i64::try_from(rng.below(21 * 86_400_000) + 1).unwrap();
            let next = match status {
                "lead" => "prospect",
                "prospect" => "customer",
                "customer" => "churned",
                _ if rng.below(2) == 0 => "lead",
                _ => "customer",
            };
            change(conn, &id, Some(status), next, now);
            status = next;
            if step == 2 && i % 5 == 0 {
                reassign(conn, &mut rng, &id);
            }
        }
    }
    for _ in 0..40 {
        let id = customer(1, rng.below(150));
        reassign(conn, &mut rng, &id);
    }
}

fn reassign(conn: &Connection, rng: &mut Lcg, id: &str) {
    conn.execute(
        "UPDATE customers SET owner_id = ?2, company_id = ?3 WHERE id = ?1",
        params![id, maybe(rng, 4, user), maybe(rng, 5, company)],
    )
    .unwrap();
}

/// Every status change with its customer's current owner and company, in
/// the order they were recorded.
fn records(conn: &Connection) -> Vec<StatusChangeRecord> {
    let mut statement = conn
        .prepare(
            "SELECT s.customer_id, c.company_id, c.owner_id, s.to_status, s.at \
             FROM customer_status_changes s JOIN customers c ON c.id = s.customer_id \
             ORDER BY s.id",
        )
        .unwrap();
    statement
        .query_map([], |row| {
            let id: String = row.get(0)?;
            let company: Option<String> = row.get(1)?;
            let owner: Option<String> = row.get(2)?;
            let to: String = row.get(3)?;
            let instant: String = row.get(4)?;
            Ok(StatusChangeRecord {
                customer: CustomerRef {
                    id: CustomerId::parse(&id).unwrap(),
                    company_id: company.map(|c| CompanyId::parse(&c).unwrap()),
                    owner_id: owner.map(|o| UserId::parse(&o).unwrap()),
                },
                to: LifecycleStatus::parse(&to).unwrap(),
                at: at(&instant),
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn scopes() -> Vec<(&'static str, ReportScope)> {
    let company_id = |i| CompanyId::parse(&company(i)).unwrap();
    let user_id = |i| UserId::parse(&user(i)).unwrap();
    vec![
        ("everything", ReportScope::all()),
        (
            "owner",
            ReportScope {
                owner_id: Some(user_id(1)),
                ..ReportScope::all()
            },
        ),
        (
            "company",
            ReportScope {
                company_id: Some(company_id(2)),
                ..ReportScope::all()
            },
        ),
        (
            "agent",
            ReportScope {
                visibility: Visibility::Agent {
                    company_ids: vec![company_id(0), company_id(3)],
                    owner_id: user_id(2),
                },
                owner_id: None,
                company_id: None,
            },
        ),
    ]
}

#[test]
fn lifecycle_figures_equal_the_reference_with_repeat_customers_in_every_zone_and_scope() {
    for seed in [3, 17, 2026] {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_for_tests(&mut conn, MIGRATIONS);
        people(&conn);
        histories(&conn, seed);
        let repeat: i64 = conn
            .query_row(
                "SELECT count(DISTINCT customer_id) FROM report_journeys WHERE repeat = 1",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert!(repeat >= 10, "{seed}: customers with several journeys");
        let changes = records(&conn);
        for zone in ["UTC", "Europe/Berlin", "Asia/Kolkata"] {
            for granularity in Granularity::ALL {
                // A start to the second (exact slices in the lead-in too).
                let periods = periods(
                    at("2025-12-10T05:17:23Z"),
                    at("2026-03-20T00:00:00Z"),
                    granularity,
                    ReportZone::parse(zone).unwrap(),
                    1000,
                )
                .unwrap();
                for (scope_name, scope) in scopes() {
                    let request = CountRequest::new(&periods, scope);
                    let want = reference::lifecycle_counts(&changes, &request);
                    let got = lifecycle_counts(&conn, &request).unwrap();
                    assert_eq!(got, want, "{seed} {zone} {granularity} {scope_name}");
                    if scope_name == "everything" {
                        assert!(want.total.leads > 0 && want.total.converted > 0);
                    }
                }
            }
        }
    }
}

/// `?1` customers (ids tagged `?2`) who became leads evenly over 2022–2026
/// and are leads still.
const LEADS: &str = "
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?1 - 1)
INSERT INTO customers (id, first_name, last_name, status, created_at, updated_at, company_id,
                       owner_id, name_sort)
SELECT printf('00000000-0000-7000-b?2-%012d', i), 'A', 'B', 'lead', '2020-01-01T00:00:00.000Z',
       '2020-01-01T00:00:00.000Z',
       CASE WHEN i % 3 = 0 THEN NULL ELSE printf('00000000-0000-7000-9000-%012d', i % 5) END,
       printf('00000000-0000-7000-8000-%012d', i % 4), 'b a'
FROM k;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?1 - 1)
INSERT INTO customer_status_changes (customer_id, from_status, to_status, at, actor_kind, actor_id)
SELECT printf('00000000-0000-7000-b?2-%012d', i), NULL, 'lead',
       strftime('%Y-%m-%dT%H:%M:%S.000Z', 1640995200 + i * (157766400 / ?1) + ?3, 'unixepoch'),
       'user', '00000000-0000-7000-8000-000000000000'
FROM k;
";

fn load_leads(conn: &Connection, customers: u32, tag: &str, shift_seconds: u32) {
    let sql = LEADS
        .replace("?1", &customers.to_string())
        .replace("?2", tag)
        .replace("?3", &shift_seconds.to_string());
    conn.execute_batch(&sql).unwrap();
}

/// Three years by UTC month, the lifecycle figures and the (VM, full-scan)
/// steps of their statements.
fn three_years(conn: &Connection, scope: ReportScope) -> (LifecycleCounts, (u64, u64)) {
    let periods = periods(
        at("2023-01-01T00:00:00Z"),
        at("2026-01-01T00:00:00Z"),
        Granularity::Month,
        ReportZone::UTC,
        1000,
    )
    .unwrap();
    let request = CountRequest::new(&periods, scope);
    let _ = visits::take();
    let counts = lifecycle_counts(conn, &request).unwrap();
    (counts, visits::take())
}

#[test]
fn a_report_over_every_customer_does_not_read_the_customers_still_leads() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_for_tests(&mut conn, MIGRATIONS);
    people(&conn);
    // Some converted and repeat customers, the same in both measures.
    histories(&conn, 5);
    load_leads(&conn, 2_000, "002", 0);
    let (counts, (steps, full_scans)) = three_years(&conn, ReportScope::all());
    assert_eq!(full_scans, 0, "no statement scans a table");
    let want = reference::lifecycle_counts(&records(&conn), &three_years_request());
    assert_eq!(counts, want);

    // Four times the customers still leads, over the same years.
    load_leads(&conn, 6_000, "003", 1_234);
    let (more, (more_steps, _)) = three_years(&conn, ReportScope::all());
    assert_eq!(
        more,
        reference::lifecycle_counts(&records(&conn), &three_years_request())
    );
    // Those who became leads before 2026: four fifths of them.
    assert!(more.total.leads > counts.total.leads + 4_000);
    assert_eq!(
        more_steps, steps,
        "the report over every customer visits the same rows for four times the leads"
    );
}

fn three_years_request() -> CountRequest {
    let periods = periods(
        at("2023-01-01T00:00:00Z"),
        at("2026-01-01T00:00:00Z"),
        Granularity::Month,
        ReportZone::UTC,
        1000,
    )
    .unwrap();
    CountRequest::new(&periods, ReportScope::all())
}
