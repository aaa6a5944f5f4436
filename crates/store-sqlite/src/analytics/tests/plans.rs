//! `EXPLAIN QUERY PLAN` of every report statement, for every kind of scope:
//! each table is searched through an index range, never scanned.

use crm_analytics::ReportScope;
use crm_kernel::{CompanyId, UserId, Visibility};
use rusqlite::Connection;

use super::super::query::{Counters, counter_sql};
use super::super::scope::{CounterScope, customer_condition};
use super::super::{email, interactions, lifecycle, tickets};
use super::migrate_for_tests;
use crate::db::migrations::MIGRATIONS;

fn database() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_for_tests(&mut conn, MIGRATIONS);
    conn
}

fn plan(conn: &Connection, sql: &str) -> String {
    let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let unbound = vec![rusqlite::types::Value::Null; statement.parameter_count()];
    let rows = statement
        .query_map(rusqlite::params_from_iter(unbound), |row| {
            row.get::<_, String>(3)
        })
        .unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
}

fn scopes() -> Vec<(&'static str, ReportScope)> {
    let agent = Visibility::Agent {
        company_ids: vec![CompanyId::new()],
        owner_id: UserId::new(),
    };
    vec![
        ("everything", ReportScope::all()),
        (
            "owner",
            ReportScope {
                owner_id: Some(UserId::new()),
                ..ReportScope::all()
            },
        ),
        (
            "company",
            ReportScope {
                company_id: Some(CompanyId::new()),
                ..ReportScope::all()
            },
        ),
        (
            "agent",
            ReportScope {
                visibility: agent,
                owner_id: None,
                company_id: None,
            },
        ),
    ]
}

/// Every line of the plan that reads a table reads an index range (`SEARCH`)
/// or the slices themselves (`json_each`).
fn assert_ranges_only(plan: &str, what: &str) {
    for line in plan.lines() {
        if line.starts_with("SCAN") {
            assert!(
                line.contains("VIRTUAL TABLE"),
                "{what}: a table is scanned:\n{plan}"
            );
        }
    }
    assert!(plan.contains("SEARCH"), "{what}: no index range:\n{plan}");
}

#[test]
fn counter_statements_search_one_index_range_per_slice() {
    let conn = database();
    let counters: [(&str, &Counters<'_>); 6] = [
        ("interactions", &interactions::COUNTERS),
        ("email", &email::COUNTERS),
        ("ticket flow", &tickets::FLOW),
        ("ticket durations", &tickets::DURATIONS),
        ("customers", &lifecycle::CHANGES),
        ("leads", &lifecycle::LEADS),
    ];
    for (name, counter) in counters {
        for (scope_name, scope) in scopes() {
            let statements: Vec<String> = match CounterScope::of(&scope).unwrap() {
                CounterScope::Everything => vec![counter_sql(
                    counter,
                    counter.totals.unwrap_or(counter.table),
                    "1",
                )],
                CounterScope::Branches(branches) => branches
                    .iter()
                    .map(|(condition, _)| counter_sql(counter, counter.table, condition))
                    .collect(),
                CounterScope::Nothing => unreachable!(),
            };
            for sql in statements {
                let plan = plan(&conn, &sql);
                let what = format!("{name}, {scope_name}");
                assert_ranges_only(&plan, &what);
                let wanted = match (scope_name, name) {
                    // Every customer: the totals table (migrations 0007, 0009, 0010, 0011).
                    ("everything", _) => "USING PRIMARY KEY (bucket>? AND bucket<?)",
                    ("owner", _) => "_by_owner (owner_key=? AND bucket>? AND bucket<?)",
                    ("company", _) => "_by_company (company_key=? AND bucket>? AND bucket<?)",
                    _ => "AND bucket>? AND bucket<?)",
                };
                assert!(plan.contains(wanted), "{what}: wanted {wanted}:\n{plan}");
            }
        }
    }
}

#[test]
fn exact_slices_read_the_records_of_their_time_only() {
    let conn = database();
    let statements = [
        (
            "interactions",
            interactions::EXACT,
            "interactions_by_date_time (date_time>? AND date_time<?)",
        ),
        (
            "opened",
            tickets::EXACT_OPENED,
            "tickets_by_created_at (created_at>? AND created_at<?)",
        ),
        (
            "events",
            tickets::EXACT_EVENTS,
            "ticket_events_by_at (at>? AND at<?)",
        ),
        (
            "resolutions",
            tickets::EXACT_RESOLUTIONS,
            "ticket_events_by_at (at>? AND at<?)",
        ),
        (
            "first responses",
            tickets::EXACT_FIRST_RESPONSES,
            "tickets_by_first_response_at (first_response_at>? AND first_response_at<?)",
        ),
        (
            "status changes",
            lifecycle::EXACT_CHANGES,
            "customer_status_changes_by_at (at>? AND at<?)",
        ),
        (
            "journeys begun",
            lifecycle::EXACT_BEGUN,
            "report_journeys_by_lead_at (lead_at>? AND lead_at<?)",
        ),
        (
            "journeys qualified",
            lifecycle::EXACT_QUALIFIED,
            "report_journeys_by_prospect_at (prospect_at>? AND prospect_at<?)",
        ),
        (
            "email recipients",
            email::EXACT,
            "email_recipients_by_sent_at (sent_at>? AND sent_at<?)",
        ),
    ];
    for (name, (head, tail), wanted) in statements {
        for (scope_name, scope) in scopes() {
            let (condition, _) = customer_condition(&scope).unwrap().unwrap();
            let plan = plan(&conn, &format!("{head} AND {condition} {tail}"));
            let what = format!("{name}, {scope_name}");
            assert_ranges_only(&plan, &what);
            assert!(plan.contains(wanted), "{what}: wanted {wanted}:\n{plan}");
        }
    }
}

/// The lifecycle statements that read journeys read those qualified in the
/// range, or those of customers with several journeys, through an index
/// range each; none scans `report_journeys` (the customers still leads are
/// counted, migration 0010).
#[test]
fn lifecycle_statements_read_qualified_and_repeat_journeys_through_indexes() {
    let conn = database();
    let statements = [
        (
            "qualified",
            lifecycle::QUALIFIED_ALL,
            lifecycle::QUALIFIED,
            "USING COVERING INDEX report_journeys_by_prospect_at (prospect_at>? AND prospect_at<?)",
        ),
        (
            "repeat",
            lifecycle::REPEAT_ALL,
            lifecycle::REPEAT,
            "report_journeys_repeat_by_lead_end (<expr>>?)",
        ),
    ];
    for (name, all, scoped, wanted) in statements {
        let every = plan(&conn, all);
        assert_ranges_only(&every, name);
        assert!(
            every.contains(wanted) && !every.contains("customers"),
            "{name} journeys of every customer:\n{every}"
        );
        for (scope_name, scope) in scopes() {
            let (condition, _) = customer_condition(&scope).unwrap().unwrap();
            let plan = plan(&conn, &format!("{scoped} AND {condition}"));
            assert_ranges_only(&plan, scope_name);
            assert!(
                plan.contains(wanted),
                "{name} journeys, {scope_name}:\n{plan}"
            );
        }
    }
}

#[test]
fn the_email_statement_of_a_day_sliced_report_reads_counters_not_recipients() {
    let conn = database();
    for (scope_name, scope) in scopes() {
        let statements: Vec<String> = match CounterScope::of(&scope).unwrap() {
            CounterScope::Everything => {
                vec![counter_sql(&email::COUNTERS, "report_email_totals", "1")]
            }
            CounterScope::Branches(branches) => branches
                .iter()
                .map(|(condition, _)| counter_sql(&email::COUNTERS, "report_emails", condition))
                .collect(),
            CounterScope::Nothing => unreachable!(),
        };
        for sql in statements {
            let plan = plan(&conn, &sql);
            assert_ranges_only(&plan, scope_name);
            let wanted = match scope_name {
                "everything" => "SEARCH r USING PRIMARY KEY (bucket>? AND bucket<?)",
                "owner" => "report_emails_by_owner (owner_key=? AND bucket>? AND bucket<?)",
                "company" => "report_emails_by_company (company_key=? AND bucket>? AND bucket<?)",
                _ => "AND bucket>? AND bucket<?)",
            };
            assert!(
                plan.contains(wanted),
                "{scope_name}: wanted {wanted}:\n{plan}"
            );
            assert!(
                !plan.contains("email_recipients") && !plan.contains("email_events"),
                "{scope_name}: no recipient or event is read:\n{plan}"
            );
        }
    }
}

/// The statements of migration 0011's triggers, in their shape (a trigger's
/// own statements cannot be explained): a recipient's facts, its kept
/// facts and a customer's recipients are read by key.
#[test]
fn a_recipients_facts_are_read_by_its_key() {
    let conn = database();
    // As the recount trigger of migration 0011 reads them.
    let facts = plan(
        &conn,
        "SELECT * FROM report_email_facts WHERE recipient_id = ?1 \
         UNION ALL SELECT * FROM report_email_recipients WHERE recipient_id = ?1",
    );
    for line in facts.lines().filter(|l| l.starts_with("SCAN")) {
        // The one row the view's co-routine yields, not a table.
        assert_eq!(
            line, "SCAN report_email_facts",
            "a table is scanned:\n{facts}"
        );
    }
    for wanted in [
        "SEARCH r USING INDEX sqlite_autoindex_email_recipients_1 (id=?)",
        "SEARCH e USING INDEX email_events_by_recipient (recipient_id=?)",
        "SEARCH report_email_recipients USING PRIMARY KEY (recipient_id=?)",
    ] {
        assert!(facts.contains(wanted), "wanted {wanted}:\n{facts}");
    }
    // As `report_emails_follow_the_customer` finds a customer's recipients.
    let follow = plan(
        &conn,
        "SELECT f.at FROM email_recipients r \
         JOIN report_email_recipients f ON f.recipient_id = r.id WHERE r.customer_id = ?1",
    );
    assert_ranges_only(&follow, "a customer's recipients");
    for wanted in [
        "email_recipients_by_customer (customer_id=?)",
        "SEARCH f USING PRIMARY KEY (recipient_id=?)",
    ] {
        assert!(follow.contains(wanted), "wanted {wanted}:\n{follow}");
    }
}
