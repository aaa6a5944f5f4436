//! The ticket counters (ADR 0015, "Ticket counters"): after random writes
//! through the ports (tickets raised, answered, resolved and reopened;
//! customers reassigned and erased), an earlier answer taking the place of
//! a first response, a ticket moved to another customer, a company deleted
//! with its customers detached and a user deleted, the counters equal a
//! recount by migration 0010's aggregations; and a ticket report reads the
//! counters, not the tickets of its range or before it.

mod support;

use crm_analytics::ports::TicketSource;
use crm_kernel::{CompanyId, CustomerId, PrincipalId, TicketId, Timestamp, UserId};
use crm_tickets::FirstResponse;
use crm_tickets::ports::TicketRepository;
use mongodb::bson::{Bson, Document, doc};

const COUNTERS: [&str; 2] = ["report_tickets", "report_ticket_totals"];

/// Every counter that is not zero, as text, sorted.
async fn counters(database: &mongodb::Database) -> Vec<String> {
    support::nonzero_counters(database, &COUNTERS, &["_id", "g", "at", "c", "o", "f", "m"]).await
}

/// The sum of the day totals of fact `fact`.
async fn day_total(database: &mongodb::Database, fact: &str) -> u64 {
    let sum: i64 = support::documents(
        database,
        "report_ticket_totals",
        doc! { "g": "d", "f": fact },
    )
    .await
    .iter()
    .map(support::counter_count)
    .sum();
    u64::try_from(sum).expect("not negative")
}

/// The id in `field` of some document of `collection` that meets `filter`.
async fn some_id<T: std::str::FromStr>(
    database: &mongodb::Database,
    collection: &str,
    filter: Document,
    field: &str,
) -> T {
    let found = database
        .collection::<Document>(collection)
        .find_one(filter.clone())
        .await
        .expect("find")
        .unwrap_or_else(|| panic!("a document of {collection} with {filter}"));
    found
        .get_str(field)
        .ok()
        .and_then(|id| id.parse().ok())
        .expect("an id")
}

/// An answer to an answered ticket, earlier than its first response:
/// it takes that one's place.
async fn answer_earlier(store: &crm_store_mongo::MongoStore, database: &mongodb::Database) {
    let id: TicketId = some_id(
        database,
        "tickets",
        doc! { "first_response_at": { "$type": "date" } },
        "_id",
    )
    .await;
    let ticket = TicketRepository::get(store, id)
        .await
        .expect("get")
        .expect("the ticket");
    let first = ticket.first_response_at.expect("answered");
    let at = Timestamp::from_millis(
        ticket.created_at.as_millis() + (first.as_millis() - ticket.created_at.as_millis()) / 2,
    )
    .expect("an instant");
    let staff: UserId = some_id(database, "users", doc! {}, "_id").await;
    let reply = crm_tickets::Comment {
        created_at: at,
        ..crm_testkit::builders::comment(id, PrincipalId::User(staff))
    };
    let seconds = u64::try_from((at.as_millis() - ticket.created_at.as_millis()) / 1_000)
        .expect("after raising");
    TicketRepository::add_comment(store, &reply, Some(FirstResponse { at, seconds }))
        .await
        .expect("an earlier answer");
    let answered = TicketRepository::get(store, id)
        .await
        .expect("get")
        .expect("the ticket");
    assert_eq!(
        answered.first_response_at,
        Some(at),
        "the earlier answer counts"
    );
}

/// A resolved ticket moved to a customer of another owner.
async fn move_a_ticket(store: &crm_store_mongo::MongoStore, database: &mongodb::Database) {
    let id: TicketId = some_id(
        database,
        "ticket_events",
        doc! { "to": "resolved" },
        "ticket_id",
    )
    .await;
    let ticket = TicketRepository::get(store, id)
        .await
        .expect("get")
        .expect("the ticket");
    let stored = support::documents(database, "tickets", doc! { "_id": id.to_string() }).await;
    let owner = stored[0].get("customer_owner_id").cloned();
    let other: CustomerId = some_id(
        database,
        "customers",
        doc! { "owner_id": { "$ne": owner.unwrap_or(Bson::Null) }, "erased_at": Bson::Null },
        "_id",
    )
    .await;
    let moved = crm_tickets::Ticket {
        customer_id: other,
        version: ticket.version.next(),
        ..ticket.clone()
    };
    TicketRepository::update(store, &moved, ticket.version, None)
        .await
        .expect("move the ticket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counters_equal_a_recount_after_random_writes_and_deletions() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 4_242, 400).await;
    answer_earlier(&store, &database).await;
    move_a_ticket(&store, &database).await;
    let company: CompanyId = some_id(
        &database,
        "customers",
        doc! { "company_id": { "$ne": Bson::Null } },
        "company_id",
    )
    .await;
    let at = Timestamp::parse_rfc3339("2027-06-01T00:00:00Z").unwrap();
    let owner: UserId = some_id(
        &database,
        "customers",
        doc! { "owner_id": { "$ne": Bson::Null } },
        "owner_id",
    )
    .await;
    support::delete_company_then_owner(&store, company, owner, at).await;

    let kept = counters(&database).await;
    let count_of = |collection: &'static str, filter: Document| {
        let database = database.clone();
        async move {
            database
                .collection::<Document>(collection)
                .count_documents(filter)
                .await
                .expect("count")
        }
    };
    let tickets = count_of("tickets", doc! {}).await;
    assert!(tickets > 20, "tickets were raised: {tickets}");
    assert_eq!(day_total(&database, "opened").await, tickets);
    assert_eq!(
        day_total(&database, "first_response").await,
        count_of("tickets", doc! { "first_response_at": { "$type": "date" } }).await
    );
    for fact in ["resolved", "reopened"] {
        let events = count_of("ticket_events", doc! { "to": fact }).await;
        assert!(events > 0, "some tickets were {fact}");
        assert_eq!(day_total(&database, fact).await, events, "{fact}");
    }
    assert!(
        !kept
            .iter()
            .any(|row| row.contains(&company.to_string()) || row.contains(&owner.to_string())),
        "no count stays with the deleted company or owner"
    );

    support::recount(&store, &database, &COUNTERS, 10, "ticket_counters").await;
    assert_eq!(
        counters(&database).await,
        kept,
        "the writes kept what a recount counts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_written_behind_the_stores_back_change_no_report() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 77, 300).await;
    // Whole UTC days from two months after the random writes begin (so
    // the backlog at the start counts the tickets before it) to past their
    // end.
    let request = support::request_between(&[
        "2026-03-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
        "2030-01-01T00:00:00Z",
    ]);
    let before = TicketSource::ticket_counts(&store, &request)
        .await
        .expect("counts");
    let opened: u64 = before.periods.iter().map(|p| p.opened).sum();
    assert!(opened > 0, "the report counts tickets");
    assert!(
        before.backlog_at_start > 0,
        "tickets were open at the start"
    );

    // A copy of every ticket and event, straight into the collections: no
    // counter knows them.
    for collection in ["tickets", "ticket_events"] {
        assert!(support::insert_copies(&database, collection, doc! {}).await > 0);
    }
    let after = TicketSource::ticket_counts(&store, &request)
        .await
        .expect("counts");
    assert_eq!(after, before, "the report reads the counters only");
}
