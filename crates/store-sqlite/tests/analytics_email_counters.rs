//! The email counters of migration 0011 after a random sequence of email
//! writes through the ports: messages sent (or put back in the queue),
//! opens and clicks of every class, hits refused as a second one in a
//! minute, earlier hits reclassified, replies, hard bounces, customers
//! moved to another owner or company, customers erased, companies deleted.
//!
//! - `EmailSource` answers what `crm_analytics::reference::email_counts`
//!   recounts from the records the writes left, for every kind of scope,
//!   in zones whose periods need day, hour and exact slices, over a range
//!   given to the second.
//! - Every counter table equals a recount from the facts view
//!   (`report_email_facts`), and the facts kept per recipient equal the view.
//! - The migration's backfill counts what the triggers counted.

use std::time::Duration;

use crm_analytics::ports::EmailSource;
use crm_analytics::reference::{RecipientRecord, email_counts};
use crm_analytics::{CountRequest, CustomerRef, Granularity, ReportScope, ReportZone, period};
use crm_customers::Customer;
use crm_customers::ports::{CompanyRepository, CustomerRepository};
use crm_email::ports::{EmailRepository, EventLog, InboundStore, Outbox};
use crm_email::{
    Classification, EventKind, HitClass, InboundKind, MatchedBy, Reason, Recipient,
    RecipientStatus, SmtpReply, WorkerId,
};
use crm_identity::ports::UserRepository;
use crm_kernel::{CompanyId, EmailEventId, Timestamp, UserId, Visibility};
use crm_store_sqlite::SqliteStore;
use crm_testkit::builders::{
    company, customer, email_message, first_status_change, hit_event, password_hash, plain_event,
    recipient_of, reply_from, staff_user, unmatched_mail,
};
use rusqlite::Connection;

mod support;
use support::rows_of;

const MIGRATION: &str = include_str!("../../../migrations/sqlite/0011_report_email.sql");

/// A small deterministic generator: a failing sequence replays from its seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % (n.max(1) as u64)).expect("small")
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// A recipient that was sent to, as it is now, and what happened to it.
struct Sent {
    recipient: Recipient,
    customer: Option<usize>,
    /// Hits stored: id, kind, class now, minute (for a refused duplicate).
    hits: Vec<(EmailEventId, EventKind, HitClass, Timestamp)>,
    replies: u64,
}

/// What the writes left.
struct World {
    sender: UserId,
    owners: Vec<UserId>,
    companies: Vec<CompanyId>,
    customers: Vec<(Customer, bool)>,
    sent: Vec<Sent>,
    refused: usize,
    reclassified: usize,
    now: Timestamp,
}

impl World {
    fn records(&self) -> Vec<RecipientRecord> {
        self.sent
            .iter()
            .map(|s| {
                let count = |kind: EventKind, human: bool| {
                    s.hits
                        .iter()
                        .filter(|(_, k, c, _)| *k == kind && (*c == HitClass::Human) == human)
                        .count() as u64
                };
                RecipientRecord {
                    customer: s.customer.map(|i| {
                        let c = &self.customers[i].0;
                        CustomerRef {
                            id: c.id,
                            company_id: c.company_id,
                            owner_id: c.owner_id,
                        }
                    }),
                    sent_at: s.recipient.sent_at,
                    bounced: s.recipient.status == RecipientStatus::Bounced,
                    human_opens: count(EventKind::Opened, true),
                    machine_opens: count(EventKind::Opened, false),
                    human_clicks: count(EventKind::Clicked, true),
                    machine_clicks: count(EventKind::Clicked, false),
                    replies: s.replies,
                }
            })
            .collect()
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("instant")
}

/// `at` moved by up to `days` days either way, to the millisecond.
fn around(rng: &mut Lcg, at: Timestamp, days: usize) -> Timestamp {
    let minutes = i64::try_from(rng.below(2 * days * 24 * 60)).expect("small")
        - i64::try_from(days * 24 * 60).expect("small");
    let ms = minutes * 60_000 + i64::try_from(rng.below(60_000)).expect("small");
    Timestamp::from_millis(at.as_millis() + ms).expect("instant")
}

fn maybe<T: Copy>(rng: &mut Lcg, items: &[T]) -> Option<T> {
    if rng.chance(25) {
        None
    } else {
        Some(rng.pick(items))
    }
}

async fn setup(store: &SqliteStore, rng: &mut Lcg) -> World {
    let sender = staff_user();
    UserRepository::insert(store, &sender, &password_hash())
        .await
        .expect("sender");
    let mut world = World {
        sender: sender.id,
        owners: Vec::new(),
        companies: Vec::new(),
        customers: Vec::new(),
        sent: Vec::new(),
        refused: 0,
        reclassified: 0,
        now: at("2026-02-01T00:00:00Z"),
    };
    for _ in 0..3 {
        let owner = staff_user();
        UserRepository::insert(store, &owner, &password_hash())
            .await
            .expect("owner");
        world.owners.push(owner.id);
        let item = company();
        CompanyRepository::insert(store, &item)
            .await
            .expect("company");
        world.companies.push(item.id);
    }
    for _ in 0..8 {
        let item = Customer {
            owner_id: maybe(rng, &world.owners),
            company_id: maybe(rng, &world.companies),
            ..customer()
        };
        CustomerRepository::insert(store, &item, &first_status_change(&item))
            .await
            .expect("customer");
        world.customers.push((item, false));
    }
    world
}

/// A message to one to three recipients (a customer's, or an address that
/// matched none), claimed; each is sent (at an instant of the weeks around
/// now) or put back in the queue, where a later claim may send it.
async fn send(store: &SqliteStore, w: &mut World, rng: &mut Lcg) {
    let message = email_message(w.sender);
    let mut linked = Vec::new();
    for _ in 0..=rng.below(3) {
        let customer = if rng.chance(20) {
            None
        } else {
            Some(rng.below(w.customers.len()))
        };
        linked.push(customer);
    }
    let recipients: Vec<Recipient> = linked
        .iter()
        .map(|c| recipient_of(&message, c.map(|i| w.customers[i].0.id)))
        .collect();
    EmailRepository::insert(store, &message, &recipients, None)
        .await
        .expect("message");
    let worker = WorkerId::new();
    let due = at("2030-01-01T00:00:00Z");
    let claimed = Outbox::claim(store, worker, due, due.plus(Duration::from_mins(10)), 50)
        .await
        .expect("claim");
    for claimed in claimed {
        let recipient = claimed.recipient;
        if rng.chance(20) {
            Outbox::release(store, worker, Some(&[recipient.id]), due)
                .await
                .expect("release");
            continue;
        }
        let sent_at = around(rng, w.now, 12);
        let sent = recipient
            .accepted(Some(SmtpReply::new(250, "2.0.0 Ok")), sent_at)
            .expect("accepted");
        Outbox::complete(store, &sent, worker)
            .await
            .expect("complete");
        let customer = w
            .customers
            .iter()
            .position(|(c, _)| Some(c.id) == sent.customer_id);
        w.sent.push(Sent {
            recipient: sent,
            customer,
            hits: Vec::new(),
            replies: 0,
        });
    }
}

/// A hit of a random kind and class on a recipient sent to, sometimes in
/// the minute of an earlier one (refused), reclassifying some earlier hits.
async fn hit(store: &SqliteStore, w: &mut World, rng: &mut Lcg) {
    if w.sent.is_empty() {
        return;
    }
    let s = rng.below(w.sent.len());
    let sent_at = w.sent[s].recipient.sent_at.expect("sent");
    let kind = rng.pick(&[EventKind::Opened, EventKind::Clicked, EventKind::Honeypot]);
    let class = rng.pick(&[HitClass::Human, HitClass::PrivacyProxy, HitClass::Scanner]);
    let earlier: Vec<Timestamp> = w.sent[s]
        .hits
        .iter()
        .filter(|(_, k, _, _)| *k == kind)
        .map(|&(_, _, _, at)| at)
        .collect();
    let when = if !earlier.is_empty() && rng.chance(20) {
        rng.pick(&earlier)
    } else {
        sent_at.plus(Duration::from_mins(1 + rng.below(3 * 24 * 60) as u64))
    };
    let event = hit_event(&w.sent[s].recipient, kind, when, class);
    let mut reclassify = Vec::new();
    for i in 0..w.sent[s].hits.len() {
        if rng.chance(30) {
            let to = rng.pick(&[HitClass::Human, HitClass::PrivacyProxy, HitClass::Scanner]);
            let classification = if to == HitClass::Human {
                Classification::human()
            } else {
                Classification::from_findings([(Reason::HeadRequest, to)])
            };
            reclassify.push((i, to, classification));
        }
    }
    let changes: Vec<(EmailEventId, Classification)> = reclassify
        .iter()
        .map(|(i, _, c)| (w.sent[s].hits[*i].0, c.clone()))
        .collect();
    let stored = EventLog::record_hit(store, &event, &changes)
        .await
        .expect("hit");
    let minute = |t: Timestamp| t.as_millis().div_euclid(60_000);
    let duplicate = w.sent[s]
        .hits
        .iter()
        .any(|&(_, k, _, t)| k == kind && minute(t) == minute(when));
    assert_eq!(stored, !duplicate, "one hit a minute");
    if !stored {
        w.refused += 1;
        return;
    }
    for (i, to, _) in reclassify {
        w.sent[s].hits[i].2 = to;
        w.reclassified += 1;
    }
    w.sent[s].hits.push((event.id, kind, class, when));
}

/// A reply through the inbound store.
async fn reply(store: &SqliteStore, w: &mut World, rng: &mut Lcg) {
    if w.sent.is_empty() {
        return;
    }
    let s = rng.below(w.sent.len());
    let r = &w.sent[s].recipient;
    let when = r
        .sent_at
        .expect("sent")
        .plus(Duration::from_hours(1 + rng.below(48) as u64));
    let event = plain_event(r, EventKind::Replied, when);
    let stored = InboundStore::store(
        store,
        &reply_from(r, when, "Thanks"),
        Some(&event),
        None,
        None,
    )
    .await
    .expect("reply");
    assert!(stored);
    w.sent[s].replies += 1;
}

/// A hard bounce of a recipient still `sent`, through the inbound store.
async fn bounce(store: &SqliteStore, w: &mut World, rng: &mut Lcg) {
    let candidates: Vec<usize> = (0..w.sent.len())
        .filter(|&i| w.sent[i].recipient.status == RecipientStatus::Sent)
        .collect();
    if candidates.is_empty() {
        return;
    }
    let s = rng.pick(&candidates);
    let sent = w.sent[s].recipient.clone();
    let when = sent.sent_at.expect("sent").plus(Duration::from_mins(5));
    let report = crm_email::InboundRecord {
        kind: InboundKind::HardBounce,
        email_id: Some(sent.email_id),
        recipient_id: Some(sent.id),
        customer_id: sent.customer_id,
        matched_by: Some(MatchedBy::BounceToken),
        ..unmatched_mail(when)
    };
    let next = sent.bounced(when).expect("bounced");
    let event = plain_event(&sent, EventKind::Bounced, when);
    InboundStore::store(
        store,
        &report,
        Some(&event),
        Some((&next, RecipientStatus::Sent)),
        None,
    )
    .await
    .expect("bounce");
    w.sent[s].recipient = next;
}

/// A customer (not erased) moved to another owner and company.
async fn reassign(store: &SqliteStore, w: &mut World, rng: &mut Lcg) {
    let i = rng.below(w.customers.len());
    if w.customers[i].1 {
        return;
    }
    let current = w.customers[i].0.clone();
    let next = Customer {
        owner_id: maybe(rng, &w.owners),
        company_id: maybe(rng, &w.companies),
        version: current.version.next(),
        ..current.clone()
    };
    CustomerRepository::update(store, &next, current.version, None)
        .await
        .expect("reassign");
    w.customers[i].0 = next;
}

/// A customer erased: its recipients stay, and count as before.
async fn erase(store: &SqliteStore, w: &mut World, rng: &mut Lcg) {
    let i = rng.below(w.customers.len());
    if w.customers[i].1 {
        return;
    }
    CustomerRepository::erase(store, w.customers[i].0.id, w.now)
        .await
        .expect("erase");
    w.customers[i].1 = true;
}

/// A company deleted, its customers detached (their company becomes none).
async fn delete_company(store: &SqliteStore, w: &mut World, rng: &mut Lcg) {
    if w.companies.len() < 2 {
        return;
    }
    let id = w.companies.remove(rng.below(w.companies.len()));
    CompanyRepository::delete(store, id, true, w.now)
        .await
        .expect("delete company");
    for (c, _) in &mut w.customers {
        if c.company_id == Some(id) {
            c.company_id = None;
            c.version = c.version.next();
        }
    }
}

async fn random_world(store: &SqliteStore, seed: u64, steps: usize) -> World {
    let mut rng = Lcg(seed);
    let mut w = setup(store, &mut rng).await;
    for step in 0..steps {
        w.now = w
            .now
            .plus(Duration::from_mins(30 + rng.below(12 * 60) as u64));
        match rng.below(100) {
            0..20 => send(store, &mut w, &mut rng).await,
            20..60 => hit(store, &mut w, &mut rng).await,
            60..70 => reply(store, &mut w, &mut rng).await,
            70..78 => bounce(store, &mut w, &mut rng).await,
            78..92 => reassign(store, &mut w, &mut rng).await,
            92..98 => erase(store, &mut w, &mut rng).await,
            _ if step > steps / 2 => delete_company(store, &mut w, &mut rng).await,
            _ => {}
        }
    }
    w
}

fn scopes(w: &World) -> Vec<(&'static str, ReportScope)> {
    let agent = |company_ids: Vec<CompanyId>| ReportScope {
        visibility: Visibility::Agent {
            company_ids,
            owner_id: w.owners[0],
        },
        owner_id: None,
        company_id: None,
    };
    vec![
        ("everything", ReportScope::all()),
        (
            "an owner",
            ReportScope {
                owner_id: Some(w.owners[1]),
                ..ReportScope::all()
            },
        ),
        (
            "a company",
            ReportScope {
                company_id: w.companies.first().copied(),
                ..ReportScope::all()
            },
        ),
        ("an agent", agent(Vec::new())),
        ("an agent with companies", agent(w.companies.clone())),
        (
            "nobody",
            ReportScope {
                visibility: Visibility::Nothing,
                owner_id: None,
                company_id: None,
            },
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_figures_equal_the_reference_after_random_writes() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&folder.path().join("crm.db"))
        .await
        .expect("open store");
    store.migrate().await.expect("migrate");
    let w = random_world(&store, 7, 400).await;
    let records = w.records();
    assert!(w.sent.len() > 40, "{} sent", w.sent.len());
    assert!(
        w.refused > 0 && w.reclassified > 0,
        "hits refused and reclassified"
    );
    assert!(records.iter().any(|r| r.customer.is_none()));
    assert!(records.iter().any(|r| r.bounced) && records.iter().any(|r| r.replies > 0));

    for (name, scope) in scopes(&w) {
        for zone in ["UTC", "Europe/Berlin", "Asia/Kolkata"] {
            for granularity in [Granularity::Day, Granularity::Week, Granularity::Month] {
                let periods = period::periods(
                    at("2026-01-10T07:13:21.500Z"),
                    at("2026-03-28T16:47:02.250Z"),
                    granularity,
                    ReportZone::parse(zone).expect("zone"),
                    1000,
                )
                .expect("periods");
                let request = CountRequest::new(&periods, scope.clone());
                let got = EmailSource::email_counts(&store, &request)
                    .await
                    .expect("email counts");
                assert_eq!(
                    got,
                    email_counts(&records, &request),
                    "{name}, {zone}, {granularity}"
                );
                if name == "everything" {
                    let sent: u64 = got.iter().map(|c| c.sent).sum();
                    assert!(sent > 30, "the range holds most of the sending: {sent}");
                }
            }
        }
    }
}

const FIGURES: &str = "sent, bounced, opened_human, opened_any, clicked_human, clicked_any, \
     replied, machine_opens, machine_clicks";

/// Rows with a figure that is not zero.
const COUNTS: &str = "sent <> 0 OR bounced <> 0 OR opened_human <> 0 OR opened_any <> 0 \
     OR clicked_human <> 0 OR clicked_any <> 0 OR replied <> 0 OR machine_opens <> 0 \
     OR machine_clicks <> 0";

/// The sums of the facts `f`, named as the figures.
fn sums() -> String {
    FIGURES
        .split(", ")
        .map(|figure| format!("sum(f.{figure}) AS {figure}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each table of 0011 and its recount from the facts view (days and hours
/// per the customer's owner and company; days, hours and months over
/// every recipient; the facts kept per recipient).
fn tables_and_recounts() -> [(String, String); 3] {
    let sums = sums();
    [
        (
            format!(
                "SELECT bucket, owner_key, company_key, {FIGURES} FROM report_emails \
                 WHERE {COUNTS}"
            ),
            format!(
                "SELECT bucket, owner_key, company_key, {FIGURES} FROM ( \
                 SELECT g.grain || substr(f.at, 1, g.len) AS bucket, \
                        coalesce(c.owner_id, '') AS owner_key, \
                        coalesce(c.company_id, '') AS company_key, {sums} \
                 FROM report_email_facts f JOIN customers c ON c.id = f.customer_id, \
                      report_grains g GROUP BY 1, 2, 3) WHERE {COUNTS}"
            ),
        ),
        (
            format!("SELECT bucket, {FIGURES} FROM report_email_totals WHERE {COUNTS}"),
            format!(
                "SELECT bucket, {FIGURES} FROM ( \
                 SELECT g.grain || substr(f.at, 1, g.len) AS bucket, {sums} \
                 FROM report_email_facts f, report_total_grains g GROUP BY 1) WHERE {COUNTS}"
            ),
        ),
        (
            format!("SELECT recipient_id, customer_id, at, {FIGURES} FROM report_email_recipients"),
            format!("SELECT recipient_id, customer_id, at, {FIGURES} FROM report_email_facts"),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counters_equal_a_recount_and_the_backfill_after_random_writes() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.expect("open store");
    store.migrate().await.expect("migrate");
    let w = random_world(&store, 2027, 400).await;
    assert!(w.reclassified > 0);
    drop(store);

    let conn = Connection::open(&path).expect("open the file");
    let mut kept = Vec::new();
    for (table, recount) in tables_and_recounts() {
        let rows = rows_of(&conn, &table);
        assert!(rows.len() > 20, "{table}: {} rows", rows.len());
        let recounted = rows_of(&conn, &recount);
        assert_eq!(rows, recounted, "{table} equals a recount from the facts");
        kept.push(rows);
    }
    assert!(
        kept[1].iter().any(|r| r.starts_with("Text(\"m")),
        "the totals count months"
    );

    // The kept facts first: their deletion takes them away from the counters.
    conn.execute_batch(
        "DELETE FROM report_email_recipients; DELETE FROM report_emails; \
         DELETE FROM report_email_totals;",
    )
    .expect("empty the counters");
    let backfill = &MIGRATION[MIGRATION.find("-- Backfill").expect("the backfill section")..];
    conn.execute_batch(backfill).expect("the backfill runs");
    for ((table, _), rows) in tables_and_recounts().iter().zip(&kept) {
        assert_eq!(
            &rows_of(&conn, table),
            rows,
            "the backfill counts what the triggers counted: {table}"
        );
    }
}
