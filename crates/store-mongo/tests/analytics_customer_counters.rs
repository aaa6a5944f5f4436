//! The customer counters (ADR 0015, "Customer counters"): after random
//! writes through the ports (customers created, reassigned, erased and
//! moved through their lifecycle), an import batch taken back, a company
//! deleted with its customers detached and a user deleted, the counters
//! equal a recount by migration 0011's aggregations; and the created, won
//! and churned figures read the counters, not the status changes.

mod support;

use crm_analytics::ports::LifecycleSource;
use crm_customers::ports::{CustomerRepository, ImportWrite};
use crm_customers::{Customer, LifecycleStatus, StatusChange};
use crm_kernel::{CompanyId, CustomerId, PrincipalId, Timestamp, UserId};
use crm_testkit::builders::{customer, first_status_change};
use mongodb::bson::{Bson, Document, doc};

const COUNTERS: [&str; 2] = ["report_customers", "report_customer_totals"];

/// Every counter that is not zero, as text, sorted.
async fn counters(database: &mongodb::Database) -> Vec<String> {
    support::nonzero_counters(database, &COUNTERS, &["_id", "g", "at", "c", "o", "f", "s"]).await
}

/// A new customer created at `at`, with the change that records it.
fn created(at: Timestamp) -> (Customer, StatusChange) {
    let fresh = Customer {
        created_at: at,
        updated_at: at,
        ..customer()
    };
    let change = first_status_change(&fresh);
    (fresh, change)
}

/// An import whose first batch (a customer created, an owned customer
/// given up by its owner and churned, then a write refused) is taken back,
/// and whose second batch (a customer created) is kept.
async fn import_with_a_batch_taken_back(
    store: &crm_store_mongo::MongoStore,
    database: &mongodb::Database,
) {
    let at = Timestamp::parse_rfc3339("2027-07-01T10:30:00Z").expect("an instant");
    let owned: CustomerId = support::some_customer_field(database, "_id").await;
    let existing = CustomerRepository::get(store, owned)
        .await
        .expect("get")
        .expect("the customer");
    let (to, from) = match existing.status {
        LifecycleStatus::Churned => (LifecycleStatus::Lead, LifecycleStatus::Churned),
        other => (LifecycleStatus::Churned, other),
    };
    let moved = Customer {
        owner_id: None,
        status: to,
        updated_at: at,
        version: existing.version.next(),
        ..existing.clone()
    };
    let change = StatusChange {
        customer_id: owned,
        from: Some(from),
        to,
        at,
        actor: PrincipalId::Customer(owned),
    };
    let (first, first_change) = created(at);
    let (kept, kept_change) = created(at);
    let mut import = store.begin_import().await.expect("begin import");
    let refused = import
        .write(&[
            ImportWrite::Create(first.clone(), first_change),
            ImportWrite::Update(moved, existing.version, Some(change)),
            // Written over the version the batch replaced: refused, and
            // the batch is taken back.
            ImportWrite::Update(
                Customer {
                    version: existing.version.next(),
                    ..existing.clone()
                },
                existing.version,
                None,
            ),
        ])
        .await
        .expect_err("a stale write is refused");
    assert_eq!(refused.index, 2);
    import
        .write(&[ImportWrite::Create(kept.clone(), kept_change)])
        .await
        .expect("the next batch");
    import.commit().await.expect("commit");
    assert!(
        CustomerRepository::get(store, first.id)
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        CustomerRepository::get(store, kept.id)
            .await
            .expect("get")
            .is_some()
    );
    assert_eq!(
        CustomerRepository::get(store, owned).await.expect("get"),
        Some(existing),
        "the batch's update is taken back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counters_equal_a_recount_after_random_writes_and_deletions() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 5_150, 400).await;
    import_with_a_batch_taken_back(&store, &database).await;
    let company: CompanyId = support::some_customer_field(&database, "company_id").await;
    let at = Timestamp::parse_rfc3339("2027-08-01T00:00:00Z").unwrap();
    let owner: UserId = support::some_customer_field(&database, "owner_id").await;
    support::delete_company_then_owner(&store, company, owner, at).await;

    let kept = counters(&database).await;
    let changes = database.collection::<Document>("customer_status_changes");
    let day_total = |filter: Document| {
        let database = database.clone();
        async move {
            let sum: i64 = support::documents(&database, "report_customer_totals", filter)
                .await
                .iter()
                .map(support::counter_count)
                .sum();
            u64::try_from(sum).expect("not negative")
        }
    };
    let first_changes = changes
        .count_documents(doc! { "from": Bson::Null })
        .await
        .expect("count");
    assert!(
        first_changes > 20,
        "customers were created: {first_changes}"
    );
    assert_eq!(
        day_total(doc! { "g": "d", "f": Bson::Null }).await,
        first_changes
    );
    assert_eq!(
        day_total(doc! { "g": "d" }).await,
        changes.count_documents(doc! {}).await.expect("count"),
        "the day totals count every status change once"
    );
    assert!(
        !kept
            .iter()
            .any(|row| row.contains(&company.to_string()) || row.contains(&owner.to_string())),
        "no count stays with the deleted company or owner"
    );

    support::recount(&store, &database, &COUNTERS, 11, "customer_counters").await;
    assert_eq!(
        counters(&database).await,
        kept,
        "the writes kept what a recount counts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_changes_written_behind_the_stores_back_change_no_count() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 78, 300).await;
    let request = support::request_between(&[
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
        "2030-01-01T00:00:00Z",
    ]);
    // Created, won and churned per period and over the range.
    let figures = |counts: crm_analytics::LifecycleCounts| {
        std::iter::once(counts.total)
            .chain(counts.periods)
            .map(|span| (span.created, span.won, span.churned))
            .collect::<Vec<_>>()
    };
    let before = figures(
        LifecycleSource::lifecycle_counts(&store, &request)
            .await
            .expect("counts"),
    );
    assert!(
        before[0].0 > 0 && before[0].1 > 0,
        "customers were created and won: {before:?}"
    );

    assert!(support::insert_copies(&database, "customer_status_changes", doc! {}).await > 0);
    let after = figures(
        LifecycleSource::lifecycle_counts(&store, &request)
            .await
            .expect("counts"),
    );
    assert_eq!(after, before, "the figures read the counters only");
}
