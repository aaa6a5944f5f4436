//! The bulk path on a real server: a few histories loaded in batches keep
//! every invariant the single writes keep, read back through the ports as
//! single writes would leave them, and the invariant check notices a
//! record that breaks one.

mod support;

use crm_customers::ports::CustomerRepository as _;
use crm_customers::{Customer, CustomerHistory, CustomerQuery, LifecycleStatus};
use crm_interactions::ports::HistoryQuery as _;
use crm_interactions::{HistoryFilter, InteractionKind, InteractionStatus};
use crm_kernel::{PageRequest, PrincipalId, Timestamp, Visibility};
use crm_store_mongo::bulk::Invariants;
use crm_testkit::builders::{
    agent, at_minute, comment, company_named, customer_named, first_status_change, interaction_at,
    password_hash, status_change, ticket,
};
use crm_tickets::ports::TicketRepository as _;
use crm_tickets::{TicketHistory, TicketStatus, TicketStep};
use mongodb::bson::{Bson, doc};

/// `customer` created at minute 0 as a lead, then qualified at 10.
fn qualified(customer: Customer, actor: PrincipalId) -> CustomerHistory {
    let first = status_change(
        customer.id,
        None,
        LifecycleStatus::Lead,
        at_minute(0),
        actor,
    );
    let mut next = customer.clone();
    next.status = LifecycleStatus::Prospect;
    next.version = customer.version.next();
    next.updated_at = at_minute(10);
    let change = status_change(
        customer.id,
        Some(LifecycleStatus::Lead),
        LifecycleStatus::Prospect,
        at_minute(10),
        actor,
    );
    CustomerHistory {
        created: (customer, first),
        changes: vec![(next, Some(change))],
    }
}

#[tokio::test(flavor = "multi_thread")]
#[allow(
    clippy::too_many_lines,
    reason = "one loading story, checked end to end"
)]
async fn bulk_loaded_histories_keep_the_invariants_and_read_back_through_the_ports() {
    let Some((_guard, store, side)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.unwrap();
    let staff = agent();
    crm_identity::ports::UserRepository::insert(&store, &staff, &password_hash())
        .await
        .unwrap();
    let actor = PrincipalId::User(staff.id);
    let company = company_named("Analytical Engines");
    crm_customers::ports::CompanyRepository::insert(&store, &company)
        .await
        .unwrap();

    let mut ada = customer_named("Ada", "Lovelace");
    ada.company_id = Some(company.id);
    ada.owner_id = Some(staff.id);
    ada.created_at = at_minute(0);
    ada.updated_at = at_minute(0);
    let ada_history = qualified(ada.clone(), actor);
    let mut grace = customer_named("Grace", "Hopper");
    grace.created_at = at_minute(0);
    grace.updated_at = at_minute(0);
    let grace_first = first_status_change(&grace);
    store
        .bulk()
        .customers(vec![
            ada_history,
            CustomerHistory {
                created: (grace.clone(), grace_first),
                changes: Vec::new(),
            },
        ])
        .await
        .unwrap();

    // Two batches: Ada's completed call, then a later scheduled meeting and
    // a cancelled one; Grace only a cancelled one.
    let completed = interaction_at(
        ada.id,
        InteractionKind::Call,
        InteractionStatus::Completed,
        at_minute(100),
        30,
    );
    store
        .bulk()
        .interactions(vec![completed.clone()])
        .await
        .unwrap();
    let mut meeting = interaction_at(
        ada.id,
        InteractionKind::Meeting,
        InteractionStatus::Scheduled,
        at_minute(500),
        60,
    );
    meeting.organizer_id = Some(staff.id);
    let cancelled = interaction_at(
        grace.id,
        InteractionKind::Call,
        InteractionStatus::Cancelled,
        at_minute(50),
        0,
    );
    store
        .bulk()
        .interactions(vec![meeting.clone(), cancelled])
        .await
        .unwrap();

    let raised = ticket(ada.id);
    let event = crm_tickets::TicketEvent {
        ticket_id: raised.id,
        from: None,
        to: TicketStatus::Open,
        at: raised.created_at,
        actor,
    };
    let answered_at = Timestamp::from_millis(raised.created_at.as_millis() + 60_000).unwrap();
    let mut answer_comment = comment(raised.id, actor);
    answer_comment.created_at = answered_at;
    let answer = raised.first_response(answered_at);
    let answered = raised.with_first_response(answer.unwrap()).unwrap();
    let resolved_at = Timestamp::from_millis(raised.created_at.as_millis() + 600_000).unwrap();
    let resolved = answered.transitioned(TicketStatus::Resolved, resolved_at);
    let resolution = crm_tickets::TicketEvent {
        ticket_id: raised.id,
        from: Some(TicketStatus::Open),
        to: TicketStatus::Resolved,
        at: resolved_at,
        actor,
    };
    store
        .bulk()
        .tickets(vec![TicketHistory {
            raised: (raised.clone(), event),
            steps: vec![
                TicketStep::Comment(answer_comment.clone(), answer),
                TicketStep::Change(resolved.clone(), resolution),
            ],
        }])
        .await
        .unwrap();

    let invariants = store.bulk().invariants().await.unwrap();
    assert_eq!(
        invariants,
        Invariants {
            customers: 2,
            tickets: 1,
            ..Invariants::default()
        }
    );
    assert!(invariants.hold());

    // Read back through the ports.
    let read = crm_customers::ports::CustomerRepository::get(&store, ada.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.status, LifecycleStatus::Prospect);
    assert_eq!(read.version, ada.version.next());
    assert_eq!(read.company.as_deref(), Some("Analytical Engines"));
    assert_eq!(read.last_interaction, Some(completed.date_time));
    let grace_read = crm_customers::ports::CustomerRepository::get(&store, grace.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grace_read.last_interaction, None, "only a cancelled one");
    let history = store.status_history(ada.id).await.unwrap();
    assert_eq!(history.len(), 2);
    let found = crm_customers::ports::CustomerRepository::list(
        &store,
        &CustomerQuery {
            text: Some("lovel".into()),
            ..CustomerQuery::default()
        },
        &Visibility::All,
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        found.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [ada.id],
        "the search keywords find her by a prefix"
    );
    let page = store
        .history(
            ada.id,
            &HistoryFilter::default(),
            true,
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(page.items.len() >= 2, "{:?}", page.items);
    let stored_ticket = crm_tickets::ports::TicketRepository::get(&store, raised.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored_ticket, resolved);
    assert_eq!(store.events(raised.id).await.unwrap().len(), 2);
    // The journey the status changes carry, which conversion reports read.
    let journey = side
        .collection::<mongodb::bson::Document>("customer_status_changes")
        .find_one(doc! { "customer_id": ada.id.to_string(), "to": "lead" })
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        journey.get("prospect_at"),
        Some(Bson::DateTime(_))
    ));
    assert_eq!(
        journey.get_str("customer_company_id").unwrap(),
        company.id.to_string()
    );

    // The check notices broken records.
    let customers = side.collection::<mongodb::bson::Document>("customers");
    customers
        .update_one(
            doc! { "_id": ada.id.to_string() },
            doc! { "$set": { "status": "churned", "keywords": [] } },
        )
        .await
        .unwrap();
    customers
        .update_one(
            doc! { "_id": grace.id.to_string() },
            doc! { "$set": { "last_interaction": mongodb::bson::DateTime::now() } },
        )
        .await
        .unwrap();
    let broken = store.bulk().invariants().await.unwrap();
    assert_eq!(
        broken,
        Invariants {
            customers: 2,
            status_not_last_change: 1,
            stale_last_interaction: 1,
            stale_search_keywords: 1,
            tickets: 1,
            ticket_status_not_last_event: 0,
        }
    );
    assert!(!broken.hold());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_naming_an_unknown_company_writes_nothing() {
    let Some((_guard, store)) = support::fresh_store().await else {
        return;
    };
    let mut orphan = customer_named("Nobody", "Known");
    orphan.company_id = Some(crm_kernel::CompanyId::new());
    let first = first_status_change(&orphan);
    assert!(
        store
            .bulk()
            .customers(vec![CustomerHistory {
                created: (orphan.clone(), first),
                changes: Vec::new(),
            }])
            .await
            .is_err()
    );
    assert_eq!(
        crm_customers::ports::CustomerRepository::get(&store, orphan.id)
            .await
            .unwrap(),
        None
    );
}
