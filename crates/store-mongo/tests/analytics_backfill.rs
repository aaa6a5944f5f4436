//! Migration 0007 fills in what the write path keeps for reports: after
//! random writes through the ports, the report fields of status changes
//! (customer copies, lead journeys) and ticket events (customer, copies,
//! raising time) are removed and the migration runs again on the same
//! records; it writes exactly what the writes had written.

mod support;

use mongodb::bson::{Bson, Document, doc};

/// The fields 0007 fills in, per collection.
const FILLED: [(&str, &[&str]); 2] = [
    (
        "customer_status_changes",
        &[
            "customer_company_id",
            "customer_owner_id",
            "prospect_at",
            "customer_at",
        ],
    ),
    (
        "ticket_events",
        &[
            "customer_id",
            "customer_company_id",
            "customer_owner_id",
            "ticket_created_at",
        ],
    ),
];

/// Every document's id and filled fields, as text, sorted.
async fn snapshot(database: &mongodb::Database) -> Vec<String> {
    let mut rows = Vec::new();
    for (collection, fields) in FILLED {
        for document in support::documents(database, collection, doc! {}).await {
            let values: Vec<String> = fields
                .iter()
                .map(|f| format!("{f}={:?}", document.get(f).unwrap_or(&Bson::Undefined)))
                .collect();
            rows.push(format!(
                "{collection} {} {}",
                document.get_str("_id").unwrap_or_default(),
                values.join(" ")
            ));
        }
    }
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backfill_writes_what_the_writes_wrote() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 4242, 300).await;
    let kept = snapshot(&database).await;
    assert!(kept.len() > 100, "records were written: {}", kept.len());
    assert!(
        kept.iter().any(|r| r.contains("prospect_at=DateTime")),
        "some journeys were qualified"
    );
    for (collection, fields) in FILLED {
        let mut unset = Document::new();
        for field in fields {
            unset.insert(*field, "");
        }
        database
            .collection::<Document>(collection)
            .update_many(doc! {}, doc! { "$unset": unset })
            .await
            .expect("remove the report fields");
    }
    assert_ne!(snapshot(&database).await, kept);
    support::run_again(&store, &database, 7, "reports").await;
    assert_eq!(
        snapshot(&database).await,
        kept,
        "the backfill writes what the write path wrote"
    );
}
