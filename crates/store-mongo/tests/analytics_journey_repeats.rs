//! Lead journeys on counters (ADR 0015, "Lead journeys"): after random
//! writes through the ports every journey of a customer with several is
//! flagged `repeat`, as migration 0012 flags them; and the leads of a
//! report come from the counters' flows, never from the journeys of
//! customers still leads.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use crm_analytics::ports::LifecycleSource;
use mongodb::bson::{Bson, Document, doc};

const CHANGES: &str = "customer_status_changes";

/// The ids of the changes to `lead` flagged `repeat`.
async fn flagged(database: &mongodb::Database) -> BTreeSet<String> {
    support::documents(database, CHANGES, doc! { "to": "lead", "repeat": true })
        .await
        .iter()
        .map(|change| change.get_str("_id").expect("an id").to_owned())
        .collect()
}

/// The ids of the changes to `lead` of customers with more than one.
async fn journeys_of_repeat_customers(database: &mongodb::Database) -> BTreeSet<String> {
    let mut by_customer: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for change in support::documents(database, CHANGES, doc! { "to": "lead" }).await {
        by_customer
            .entry(
                change
                    .get_str("customer_id")
                    .expect("a customer")
                    .to_owned(),
            )
            .or_default()
            .push(change.get_str("_id").expect("an id").to_owned());
    }
    by_customer
        .into_values()
        .filter(|ids| ids.len() > 1)
        .flatten()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_journey_of_a_customer_with_several_is_flagged_by_the_writes_and_the_migration() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 6_006, 500).await;
    let repeat = journeys_of_repeat_customers(&database).await;
    assert!(
        repeat.len() >= 2,
        "some customers came back as leads: {repeat:?}"
    );
    assert_eq!(flagged(&database).await, repeat, "the writes flag them");

    database
        .collection::<Document>(CHANGES)
        .update_many(doc! {}, doc! { "$unset": { "repeat": "" } })
        .await
        .expect("forget the flags");
    assert!(flagged(&database).await.is_empty());
    support::run_again(&store, &database, 12, "journey_repeats").await;
    assert_eq!(flagged(&database).await, repeat, "the migration flags them");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_of_customers_still_leads_are_never_read() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 79, 300).await;
    let request = support::request_between(&[
        "2026-03-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
        "2030-01-01T00:00:00Z",
    ]);
    let leads = |counts: crm_analytics::LifecycleCounts| {
        std::iter::once(counts.total)
            .chain(counts.periods)
            .map(|span| span.leads)
            .collect::<Vec<u64>>()
    };
    let before = leads(
        LifecycleSource::lifecycle_counts(&store, &request)
            .await
            .expect("counts"),
    );
    assert!(before[0] > 0, "there were leads: {before:?}");

    // Copies of the journeys never qualified (customers still leads), of
    // customers with one journey, straight into the collection.
    let copied = support::insert_copies(
        &database,
        CHANGES,
        doc! { "to": "lead", "prospect_at": Bson::Null, "repeat": { "$ne": true } },
    )
    .await;
    assert!(copied > 0, "some customers are still leads");
    let after = leads(
        LifecycleSource::lifecycle_counts(&store, &request)
            .await
            .expect("counts"),
    );
    assert_eq!(after, before, "the leads come from the counters");
}
