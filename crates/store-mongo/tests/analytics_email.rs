//! `EmailSource` on MongoDB equals the reference recount
//! (`crm_analytics::reference::email_counts`) of messages written, sent,
//! opened, clicked, replied to and bounced through the email ports, for
//! every kind of scope, in a zone whose days do not start at UTC midnight;
//! and the email counters kept by those writes (and by a reclassifying
//! hit, a company and an owner deleted) equal migration 0013's recount,
//! and whole days read them only.
#![allow(clippy::too_many_lines, reason = "a scenario test reads top to bottom")]

mod support;

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
use crm_kernel::{EmailEventId, RecipientId, Timestamp, UserId, Visibility};
use crm_store_mongo::MongoStore;
use crm_testkit::builders::{
    company, customer, email_message, first_status_change, hit_event, password_hash, plain_event,
    recipient_of, staff_user, unmatched_mail,
};
use mongodb::bson::doc;

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("instant")
}

async fn new_customer(
    store: &MongoStore,
    owner: UserId,
    company: Option<crm_kernel::CompanyId>,
) -> Customer {
    let item = Customer {
        owner_id: Some(owner),
        company_id: company,
        ..customer()
    };
    CustomerRepository::insert(store, &item, &first_status_change(&item))
        .await
        .expect("customer");
    item
}

/// What a recipient became, written through the ports, and its record.
struct Fate {
    sent_at: Option<&'static str>,
    hits: Vec<(EventKind, HitClass)>,
    replies: u64,
    bounced: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_figures_equal_a_recount_in_every_scope() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    let sender = staff_user();
    UserRepository::insert(&store, &sender, &password_hash())
        .await
        .expect("sender");
    let (ann, bob) = (staff_user(), staff_user());
    for owner in [&ann, &bob] {
        UserRepository::insert(&store, owner, &password_hash())
            .await
            .expect("owner");
    }
    let acme = company();
    CompanyRepository::insert(&store, &acme)
        .await
        .expect("company");
    let of_ann = new_customer(&store, ann.id, None).await;
    let of_bob = new_customer(&store, bob.id, Some(acme.id)).await;
    let customers = [
        Some(&of_ann),
        Some(&of_bob),
        None,
        Some(&of_ann),
        Some(&of_bob),
        None,
    ];
    let fates = [
        Fate {
            sent_at: Some("2026-03-02T10:00:00Z"),
            hits: vec![
                (EventKind::Opened, HitClass::Human),
                (EventKind::Opened, HitClass::Scanner),
                (EventKind::Clicked, HitClass::Human),
            ],
            replies: 1,
            bounced: false,
        },
        Fate {
            sent_at: Some("2026-03-02T19:00:00Z"),
            hits: vec![
                (EventKind::Opened, HitClass::PrivacyProxy),
                (EventKind::Clicked, HitClass::Scanner),
                (EventKind::Honeypot, HitClass::Scanner),
            ],
            replies: 0,
            bounced: false,
        },
        Fate {
            sent_at: Some("2026-03-03T01:00:00Z"),
            hits: vec![(EventKind::Opened, HitClass::Human)],
            replies: 2,
            bounced: false,
        },
        Fate {
            sent_at: Some("2026-03-04T23:59:00Z"),
            hits: Vec::new(),
            replies: 0,
            bounced: true,
        },
        Fate {
            sent_at: None,
            hits: Vec::new(),
            replies: 0,
            bounced: false,
        },
        Fate {
            sent_at: Some("2026-02-01T00:00:00Z"),
            hits: vec![(EventKind::Opened, HitClass::Human)],
            replies: 0,
            bounced: false,
        },
    ];
    let mut message = email_message(sender.id);
    message.send_at = at("2026-02-01T00:00:00Z");
    message.created_at = message.send_at;
    let recipients: Vec<Recipient> = customers
        .iter()
        .map(|c| recipient_of(&message, c.map(|c| c.id)))
        .collect();
    EmailRepository::insert(&store, &message, &recipients, None)
        .await
        .expect("message");
    let worker = WorkerId::new();
    let claimed = Outbox::claim(
        &store,
        worker,
        message.send_at,
        message.send_at.plus(Duration::from_mins(10)),
        10,
    )
    .await
    .expect("claim");
    assert_eq!(claimed.len(), recipients.len());
    let mut records = Vec::new();
    for (recipient, (customer, fate)) in recipients.iter().zip(customers.iter().zip(&fates)) {
        let claimed = &claimed
            .iter()
            .find(|c| c.recipient.id == recipient.id)
            .expect("claimed")
            .recipient;
        let Some(sent_at) = fate.sent_at.map(at) else {
            Outbox::release(&store, worker, Some(&[recipient.id]), message.send_at)
                .await
                .expect("release");
            records.push(RecipientRecord::default());
            continue;
        };
        let sent = claimed
            .accepted(Some(SmtpReply::new(250, "2.0.0 Ok")), sent_at)
            .expect("accepted");
        Outbox::complete(&store, &sent, worker).await.expect("sent");
        let mut record = RecipientRecord {
            customer: customer.map(|c| CustomerRef {
                id: c.id,
                company_id: c.company_id,
                owner_id: c.owner_id,
            }),
            sent_at: Some(sent_at),
            bounced: fate.bounced,
            replies: fate.replies,
            ..RecipientRecord::default()
        };
        for (n, (kind, class)) in fate.hits.iter().enumerate() {
            let hit = hit_event(
                &sent,
                *kind,
                sent_at.plus(Duration::from_mins(2 + n as u64)),
                *class,
            );
            assert!(EventLog::record_hit(&store, &hit, &[]).await.expect("hit"));
            let human = *class == HitClass::Human;
            match kind {
                EventKind::Opened if human => record.human_opens += 1,
                EventKind::Opened => record.machine_opens += 1,
                EventKind::Clicked if human => record.human_clicks += 1,
                EventKind::Clicked => record.machine_clicks += 1,
                _ => {}
            }
        }
        for n in 0..fate.replies {
            let reply = plain_event(
                &sent,
                EventKind::Replied,
                sent_at.plus(Duration::from_hours(1 + n)),
            );
            EventLog::record_hit(&store, &reply, &[])
                .await
                .expect("reply");
        }
        if fate.bounced {
            let bounced_at = sent_at.plus(Duration::from_mins(5));
            let report = crm_email::InboundRecord {
                kind: InboundKind::HardBounce,
                email_id: Some(sent.email_id),
                recipient_id: Some(sent.id),
                customer_id: sent.customer_id,
                matched_by: Some(MatchedBy::BounceToken),
                ..unmatched_mail(bounced_at)
            };
            let next = sent.bounced(bounced_at).expect("bounced");
            let event = plain_event(&sent, EventKind::Bounced, bounced_at);
            InboundStore::store(
                &store,
                &report,
                Some(&event),
                Some((&next, RecipientStatus::Sent)),
                None,
            )
            .await
            .expect("bounce");
        }
        records.push(record);
    }

    let agent = |companies| ReportScope {
        visibility: Visibility::Agent {
            company_ids: companies,
            owner_id: ann.id,
        },
        owner_id: None,
        company_id: None,
    };
    let scopes = [
        ("everything", ReportScope::all()),
        (
            "one owner",
            ReportScope {
                owner_id: Some(bob.id),
                ..ReportScope::all()
            },
        ),
        (
            "one company",
            ReportScope {
                company_id: Some(acme.id),
                ..ReportScope::all()
            },
        ),
        ("an agent", agent(Vec::new())),
        ("an agent of the company", agent(vec![acme.id])),
    ];
    let zone = ReportZone::parse("Asia/Kolkata").expect("zone");
    for (name, scope) in scopes {
        for granularity in [Granularity::Day, Granularity::Month] {
            let periods = period::periods(
                at("2026-01-15T00:00:00Z"),
                at("2026-03-10T00:00:00Z"),
                granularity,
                zone,
                1000,
            )
            .expect("periods");
            let request = CountRequest::new(&periods, scope.clone());
            let expected = email_counts(&records, &request);
            let got = EmailSource::email_counts(&store, &request)
                .await
                .expect("email counts");
            assert_eq!(got, expected, "{name}, {granularity}");
            if name == "everything" {
                let sent: u64 = got.iter().map(|c| c.sent).sum();
                assert_eq!(sent, 5, "every sent recipient, linked or not");
            }
        }
    }

    // The counters equal a recount by migration 0013, also after a hit
    // that finds an earlier human open to be a scanner's, a company deleted
    // with its customers detached and an owner deleted.
    let human_open = support::documents(
        &database,
        "email_events",
        doc! { "kind": "opened", "class": "human" },
    )
    .await
    .into_iter()
    .next()
    .expect("a human open");
    let recipient_id: RecipientId = human_open
        .get_str("recipient_id")
        .ok()
        .and_then(|id| id.parse().ok())
        .expect("a recipient");
    let opened = EmailRepository::recipient(&store, recipient_id)
        .await
        .expect("read")
        .expect("the recipient");
    let scanner = hit_event(
        &opened,
        EventKind::Opened,
        at("2026-02-20T10:00:00Z"),
        HitClass::Scanner,
    );
    let earlier: EmailEventId = human_open
        .get_str("_id")
        .ok()
        .and_then(|id| id.parse().ok())
        .expect("an event id");
    let found_out = Classification::from_findings([(Reason::HeadRequest, HitClass::Scanner)]);
    assert!(
        EventLog::record_hit(&store, &scanner, &[(earlier, found_out)])
            .await
            .expect("a scanner's hit")
    );
    support::delete_company_then_owner(&store, acme.id, bob.id, at("2026-03-01T00:00:00Z")).await;
    let counters = ["report_emails", "report_email_totals"];
    let fields = ["_id", "g", "at", "c", "o", "f"];
    let kept = support::nonzero_counters(&database, &counters, &fields).await;
    assert!(kept.iter().any(|row| row.contains("f=\"machine_opens\"")));
    database
        .collection::<mongodb::bson::Document>("email_recipients")
        .update_many(
            doc! {},
            doc! { "$unset": { "report_facts": "", "report_at": "" } },
        )
        .await
        .expect("forget the kept facts");
    support::recount(&store, &database, &counters, 13, "email_counters").await;
    assert_eq!(
        support::nonzero_counters(&database, &counters, &fields).await,
        kept,
        "the writes kept what a recount counts"
    );

    // Whole UTC days read the counters only: a copy of every recipient and
    // event, straight into the collections, changes no figure.
    let request = support::request_between(&[
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
        "2026-03-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
    ]);
    let before = EmailSource::email_counts(&store, &request)
        .await
        .expect("counts");
    assert!(before.iter().any(|period| period.sent > 0));
    // Copies escape the unique indexes: their own email and message id,
    // events out of the one-hit-a-minute index.
    let copies = support::documents(&database, "email_recipients", doc! {})
        .await
        .into_iter()
        .map(|mut recipient| {
            let id = uuid::Uuid::now_v7().to_string();
            recipient.insert("email_id", &id);
            recipient.insert("message_id", format!("<{id}@copies>"));
            recipient.insert("_id", id);
            recipient
        });
    database
        .collection("email_recipients")
        .insert_many(copies)
        .await
        .expect("copies of the recipients");
    let copies = support::documents(&database, "email_events", doc! {})
        .await
        .into_iter()
        .map(|mut event| {
            event.insert("_id", uuid::Uuid::now_v7().to_string());
            event.remove("minute");
            event
        });
    database
        .collection("email_events")
        .insert_many(copies)
        .await
        .expect("copies of the events");
    let after = EmailSource::email_counts(&store, &request)
        .await
        .expect("counts");
    assert_eq!(after, before, "the report reads the counters only");
}
