//! Email figures from the counters of migration 0011 (and, in exact
//! slices, from the recipients) equal the reference recount, in scope; and
//! writes that no port makes (a recipient moved to another customer, back
//! in the queue or deleted; an event's kind or recipient changed, or the
//! event deleted) keep the counters equal to a recount from the facts view.

use crm_analytics::reference::{RecipientRecord, email_counts as reference};
use crm_analytics::{
    CountRequest, CustomerRef, Granularity, ReportScope, ReportZone, period::periods,
};
use crm_kernel::{CompanyId, CustomerId, Timestamp, UserId, Visibility};
use rusqlite::{Connection, params};

use super::super::email::email_counts;
use super::migrate_for_tests;
use crate::db::migrations::MIGRATIONS;

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

/// A recipient, its events as (kind, class), and the record reports see.
struct Recipient {
    customer: Option<CustomerRef>,
    sent_at: &'static str,
    bounced: bool,
    events: Vec<(&'static str, Option<&'static str>)>,
}

fn store(conn: &Connection, sent: &[Recipient]) {
    conn.execute(
        "INSERT INTO emails (id, from_address, sender_id, subject, text_body, html_body, \
         html_generated, send_at, created_at) VALUES ('m', 'crm@x.test', 'u', 'Hi', 't', 'h', 1, \
         '2026-03-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z')",
        [],
    )
    .unwrap();
    for (i, s) in sent.iter().enumerate() {
        let status = if s.bounced { "bounced" } else { "sent" };
        conn.execute(
            "INSERT INTO email_recipients (id, email_id, position, address, address_key, customer_id, \
             message_id, status, attempts, next_attempt_at, sent_at, updated_at) \
             VALUES (?1, 'm', ?2, 'a@x.test', 'a@x.test', ?3, ?1, ?4, 1, ?5, ?5, ?5)",
            params![format!("r{i}"), i64::try_from(i).unwrap(), s.customer.map(|c| c.id.to_string()), status, s.sent_at],
        )
        .unwrap();
        for (j, (kind, class)) in s.events.iter().enumerate() {
            conn.execute(
                "INSERT INTO email_events (id, email_id, recipient_id, kind, at, class, minute) \
                 VALUES (?1, 'm', ?2, ?3, ?4, ?5, ?6)",
                params![
                    format!("e{i}-{j}"),
                    format!("r{i}"),
                    kind,
                    s.sent_at,
                    class,
                    class.map(|_| i64::try_from(j).unwrap())
                ],
            )
            .unwrap();
        }
    }
}

fn record(s: &Recipient) -> RecipientRecord {
    let count = |kind: &str, human: Option<bool>| {
        s.events
            .iter()
            .filter(|(k, c)| *k == kind && human.is_none_or(|h| (*c == Some("human")) == h))
            .count() as u64
    };
    RecipientRecord {
        customer: s.customer,
        sent_at: Some(at(s.sent_at)),
        bounced: s.bounced,
        human_opens: count("opened", Some(true)),
        machine_opens: count("opened", Some(false)),
        human_clicks: count("clicked", Some(true)),
        machine_clicks: count("clicked", Some(false)),
        replies: count("replied", None),
    }
}

#[test]
#[allow(clippy::too_many_lines, reason = "one scenario, read top to bottom")]
fn email_figures_equal_the_reference_in_every_scope() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_for_tests(&mut conn, MIGRATIONS);
    let company = CompanyId::new();
    let owner = UserId::new();
    conn.execute_batch(&format!(
        "INSERT INTO companies (id, name, name_sort, created_at, updated_at) \
         VALUES ('{company}', 'Acme', 'acme', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');"
    ))
    .unwrap();
    let customer = |company_id: Option<CompanyId>| {
        let id = CustomerId::new();
        conn.execute(
            "INSERT INTO customers (id, first_name, last_name, status, created_at, updated_at, \
             company_id, name_sort) VALUES (?1, 'A', 'B', 'lead', '2026-01-01T00:00:00.000Z', \
             '2026-01-01T00:00:00.000Z', ?2, 'b a')",
            params![id.to_string(), company_id.map(|c| c.to_string())],
        )
        .unwrap();
        Some(CustomerRef {
            id,
            company_id,
            owner_id: None,
        })
    };
    let (acme, other) = (customer(Some(company)), customer(None));
    let sent = vec![
        Recipient {
            customer: acme,
            sent_at: "2026-03-02T09:00:00.000Z",
            bounced: false,
            events: vec![
                ("opened", Some("privacy_proxy")),
                ("opened", Some("human")),
                ("clicked", Some("human")),
                ("replied", None),
            ],
        },
        Recipient {
            customer: acme,
            sent_at: "2026-03-02T23:30:00.000Z",
            bounced: false,
            events: vec![
                ("opened", Some("privacy_proxy")),
                ("opened", Some("privacy_proxy")),
                ("clicked", Some("scanner")),
                ("honeypot", Some("scanner")),
            ],
        },
        Recipient {
            customer: other,
            sent_at: "2026-03-03T10:00:00.000Z",
            bounced: true,
            events: vec![("bounced", None)],
        },
        Recipient {
            customer: None,
            sent_at: "2026-03-04T10:00:00.000Z",
            bounced: false,
            events: vec![("opened", Some("human"))],
        },
        // In the exact slice [18:30, 19:00) of a Kolkata day.
        Recipient {
            customer: acme,
            sent_at: "2026-03-05T18:45:00.000Z",
            bounced: false,
            events: vec![
                ("opened", Some("human")),
                ("opened", Some("scanner")),
                ("opened", Some("human")),
                ("clicked", Some("privacy_proxy")),
                ("replied", None),
            ],
        },
        Recipient {
            customer: None,
            sent_at: "2026-03-05T18:50:00.000Z",
            bounced: true,
            events: Vec::new(),
        },
        Recipient {
            customer: acme,
            sent_at: "2026-04-01T10:00:00.000Z",
            bounced: false,
            events: vec![("opened", Some("human"))],
        },
    ];
    store(&conn, &sent);
    let records: Vec<RecipientRecord> = sent.iter().map(record).collect();
    let agent = ReportScope {
        visibility: Visibility::Agent {
            company_ids: vec![company],
            owner_id: owner,
        },
        owner_id: None,
        company_id: None,
    };
    let of_company = ReportScope {
        company_id: Some(company),
        ..ReportScope::all()
    };
    for (zone, scope) in [
        ("UTC", ReportScope::all()),
        ("Europe/Berlin", ReportScope::all()),
        ("Asia/Kolkata", ReportScope::all()),
        ("UTC", agent.clone()),
        ("Asia/Kolkata", agent),
        ("UTC", of_company.clone()),
        ("Asia/Kolkata", of_company),
    ] {
        let periods = periods(
            at("2026-03-01T00:00:00Z"),
            at("2026-03-31T00:00:00Z"),
            Granularity::Day,
            ReportZone::parse(zone).unwrap(),
            100,
        )
        .unwrap();
        let request = CountRequest::new(&periods, scope.clone());
        let got = email_counts(&conn, &request).unwrap();
        assert_eq!(got, reference(&records, &request), "{zone} {scope:?}");
    }
    let utc = periods(
        at("2026-03-01T00:00:00Z"),
        at("2026-03-31T00:00:00Z"),
        Granularity::Day,
        ReportZone::UTC,
        100,
    )
    .unwrap();
    let all = email_counts(&conn, &CountRequest::new(&utc, ReportScope::all())).unwrap();
    assert_eq!(
        (
            all[1].sent,
            all[1].opened_human,
            all[1].opened_any,
            all[1].machine_opens
        ),
        (2, 1, 2, 3)
    );
    assert_eq!(
        (
            all[1].clicked_human,
            all[1].clicked_any,
            all[1].machine_clicks,
            all[1].replied
        ),
        (1, 2, 1, 1)
    );
    assert_eq!((all[2].sent, all[2].bounced, all[3].sent), (1, 1, 1));
}

/// Every row of `sql` as text, sorted.
fn rows_of(conn: &Connection, sql: &str) -> Vec<String> {
    let mut statement = conn.prepare(sql).unwrap();
    let columns = statement.column_count();
    let mut rows: Vec<String> = statement
        .query_map([], |row| {
            (0..columns)
                .map(|i| Ok(format!("{:?}", row.get::<_, rusqlite::types::Value>(i)?)))
                .collect::<rusqlite::Result<Vec<_>>>()
                .map(|values| values.join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

/// The counters and kept facts of migration 0011 equal a recount from the
/// facts view (rows whose figures are all zero aside).
fn assert_counters_equal_a_recount(conn: &Connection, after: &str) {
    const FIGURES: &str = "sent, bounced, opened_human, opened_any, clicked_human, \
         clicked_any, replied, machine_opens, machine_clicks";
    let sums = FIGURES
        .split(", ")
        .map(|f| format!("sum(f.{f}) AS {f}"))
        .collect::<Vec<_>>()
        .join(", ");
    let nonzero = FIGURES.replace(", ", " <> 0 OR ") + " <> 0";
    let pairs = [
        (
            format!("SELECT bucket, owner_key, company_key, {FIGURES} FROM report_emails"),
            format!(
                "SELECT g.grain || substr(f.at, 1, g.len) AS bucket, \
                 coalesce(c.owner_id, '') AS owner_key, coalesce(c.company_id, '') AS company_key, \
                 {sums} FROM report_email_facts f JOIN customers c ON c.id = f.customer_id, \
                 report_grains g GROUP BY 1, 2, 3"
            ),
        ),
        (
            format!("SELECT bucket, {FIGURES} FROM report_email_totals"),
            format!(
                "SELECT g.grain || substr(f.at, 1, g.len) AS bucket, {sums} \
                 FROM report_email_facts f, report_total_grains g GROUP BY 1"
            ),
        ),
        (
            "SELECT * FROM report_email_recipients".to_owned(),
            "SELECT * FROM report_email_facts".to_owned(),
        ),
    ];
    for (kept, recount) in pairs {
        assert_eq!(
            rows_of(conn, &format!("SELECT * FROM ({kept}) WHERE {nonzero}")),
            rows_of(conn, &format!("SELECT * FROM ({recount}) WHERE {nonzero}")),
            "after {after}: {kept}"
        );
    }
}

/// Writes that no port makes, one after the other, on the recipients `r0`
/// to `r3` of customers `…0001` and `…0002` (`r3` matched none).
const WRITES: [(&str, &str); 10] = [
    (
        "a recipient moved to another customer",
        "UPDATE email_recipients SET customer_id = '00000000-0000-7000-a000-000000000002' \
         WHERE id = 'r0'",
    ),
    (
        "a recipient unlinked",
        "UPDATE email_recipients SET customer_id = NULL WHERE id = 'r1'",
    ),
    (
        "a recipient linked",
        "UPDATE email_recipients SET customer_id = '00000000-0000-7000-a000-000000000001' \
         WHERE id = 'r3'",
    ),
    (
        "a bounce taken back and a new sending instant",
        "UPDATE email_recipients SET status = 'sent', sent_at = '2026-03-09T08:30:00.000Z' \
         WHERE id = 'r1'",
    ),
    (
        "an event's kind changed",
        "UPDATE email_events SET kind = 'clicked', link = 1 WHERE id = 'e0-0'",
    ),
    (
        "an event moved to another recipient",
        "UPDATE email_events SET recipient_id = 'r2', minute = 99 WHERE id = 'e0-1'",
    ),
    (
        "an event deleted",
        "DELETE FROM email_events WHERE id = 'e2-2'",
    ),
    (
        "a recipient back in the queue",
        "UPDATE email_recipients SET sent_at = NULL, status = 'queued' WHERE id = 'r3'",
    ),
    (
        "a recipient deleted",
        "DELETE FROM email_events WHERE recipient_id = 'r1'; \
         DELETE FROM email_recipients WHERE id = 'r1'",
    ),
    (
        "a customer's owner set",
        "INSERT INTO users (id, name, name_sort, email, email_sort, role, status, created_at, \
         updated_at) VALUES ('u1', 'A', 'a', 'a@x.test', 'a@x.test', 'agent', 'active', \
         '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'); \
         UPDATE customers SET owner_id = 'u1'",
    ),
];

#[test]
fn writes_no_port_makes_keep_the_counters_too() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_for_tests(&mut conn, MIGRATIONS);
    let customer = |n: u32| {
        let id = CustomerId::parse(&format!("00000000-0000-7000-a000-{n:012}")).unwrap();
        conn.execute(
            "INSERT INTO customers (id, first_name, last_name, status, created_at, updated_at, \
             name_sort) VALUES (?1, 'A', 'B', 'lead', '2026-01-01T00:00:00.000Z', \
             '2026-01-01T00:00:00.000Z', 'b a')",
            params![id.to_string()],
        )
        .unwrap();
        Some(CustomerRef {
            id,
            company_id: None,
            owner_id: None,
        })
    };
    let (acme, other) = (customer(1), customer(2));
    let sent: Vec<Recipient> = [
        (acme, "2026-03-02T09:00:00.000Z", false),
        (acme, "2026-03-02T10:00:00.000Z", true),
        (other, "2026-03-03T11:00:00.000Z", false),
        (None, "2026-03-04T12:00:00.000Z", false),
    ]
    .into_iter()
    .map(|(customer, sent_at, bounced)| Recipient {
        customer,
        sent_at,
        bounced,
        events: vec![
            ("opened", Some("human")),
            ("clicked", Some("scanner")),
            ("replied", None),
        ],
    })
    .collect();
    store(&conn, &sent);
    assert_counters_equal_a_recount(&conn, "the sending");
    for (what, sql) in WRITES {
        conn.execute_batch(sql).unwrap();
        assert_counters_equal_a_recount(&conn, what);
    }
    let moved: i64 = conn
        .query_row(
            "SELECT count(*) FROM report_emails WHERE owner_key = 'u1' AND sent > 0",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(moved > 0, "the owner's counters were moved");
}
