//! The interaction counters (ADR 0015, "Interaction counters"): after
//! random writes through the ports (interactions recorded and changed,
//! customers reassigned and erased, status changes), a company deleted with
//! its customers detached and a user deleted, the counters equal a recount
//! by migration 0009's aggregations; and a report reads the counters
//! through their indexes, never the interactions of its range.

mod support;

use crm_analytics::plan::slice;
use crm_analytics::ports::InteractionSource;
use crm_analytics::{CountRequest, ReportScope, Span};
use crm_kernel::{CompanyId, Timestamp, UserId};
use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};

const COUNTERS: [&str; 2] = ["report_interactions", "report_interaction_totals"];

/// Every counter that is not zero, as text, sorted.
async fn counters(database: &mongodb::Database) -> Vec<String> {
    support::nonzero_counters(database, &COUNTERS, &["_id", "g", "at", "c", "o", "k", "s"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counters_equal_a_recount_after_random_writes_and_deletions() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 9_001, 400).await;
    let company: CompanyId = support::some_customer_field(&database, "company_id").await;
    let at = Timestamp::parse_rfc3339("2027-06-01T00:00:00Z").unwrap();
    let owner: UserId = support::some_customer_field(&database, "owner_id").await;
    support::delete_company_then_owner(&store, company, owner, at).await;

    let kept = counters(&database).await;
    let interactions = database
        .collection::<Document>("interactions")
        .count_documents(doc! {})
        .await
        .expect("count");
    assert!(
        interactions > 50,
        "interactions were written: {interactions}"
    );
    let day_totals: i64 =
        support::documents(&database, "report_interaction_totals", doc! { "g": "d" })
            .await
            .iter()
            .map(support::counter_count)
            .sum();
    assert_eq!(
        u64::try_from(day_totals).unwrap(),
        interactions,
        "the day totals count every interaction once"
    );
    assert!(
        kept.iter().any(|row| row.contains("c=null o=null")),
        "some counts are of customers without company and owner"
    );
    assert!(
        !kept
            .iter()
            .any(|row| row.contains(&company.to_string()) || row.contains(&owner.to_string())),
        "no count stays with the deleted company or owner"
    );

    support::recount(&store, &database, &COUNTERS, 9, "interaction_counters").await;
    assert_eq!(
        counters(&database).await,
        kept,
        "the writes kept what a recount counts"
    );
}

/// A request for `periods` consecutive spans of `days` whole UTC days
/// each from 2025-12-01, the last one ending `short` milliseconds early.
fn request(periods: i64, days: i64, short: i64, scope: ReportScope) -> CountRequest {
    let start = Timestamp::parse_rfc3339("2025-12-01T00:00:00Z")
        .expect("an instant")
        .as_millis();
    let at = |ms: i64| Timestamp::from_millis(ms).expect("an instant");
    let mut spans: Vec<Span> = (0..periods)
        .map(|p| Span {
            start: at(start + p * days * 86_400_000),
            end: at(start + (p + 1) * days * 86_400_000),
        })
        .collect();
    if let Some(last) = spans.last_mut() {
        last.end = at(last.end.as_millis() - short);
    }
    CountRequest {
        slices: spans
            .iter()
            .enumerate()
            .flat_map(|(i, span)| slice(i, *span))
            .collect(),
        lead_in: Vec::new(),
        periods: spans,
        scope,
    }
}

/// Every `stage` and the most documents examined anywhere in `explained`.
fn plan(explained: &Document) -> (Vec<String>, i64) {
    fn walk(value: &Bson, stages: &mut Vec<String>, examined: &mut i64) {
        match value {
            Bson::Document(document) => {
                for (key, inner) in document {
                    match (key.as_str(), inner) {
                        ("stage", Bson::String(stage)) => stages.push(stage.clone()),
                        ("totalDocsExamined", Bson::Int32(n)) => {
                            *examined = (*examined).max(i64::from(*n));
                        }
                        ("totalDocsExamined", Bson::Int64(n)) => *examined = (*examined).max(*n),
                        _ => walk(inner, stages, examined),
                    }
                }
            }
            Bson::Array(items) => {
                for item in items {
                    walk(item, stages, examined);
                }
            }
            _ => {}
        }
    }
    let (mut stages, mut examined) = (Vec::new(), 0);
    walk(
        &Bson::Document(explained.clone()),
        &mut stages,
        &mut examined,
    );
    (stages, examined)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_reads_the_counters_through_their_indexes_not_the_interactions() {
    let Some((_guard, store, database)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.expect("migrate");
    crm_testkit::contract::analytics::fill_with_random_writes(&store, 31, 300).await;
    let interactions = database.collection::<Document>("interactions");
    let total = interactions.count_documents(doc! {}).await.expect("count");
    let size = |collection: &str| {
        let database = database.clone();
        let collection = collection.to_owned();
        async move {
            database
                .collection::<Document>(&collection)
                .count_documents(doc! {})
                .await
                .expect("count")
        }
    };
    let owner: UserId = support::some_customer_field(&database, "owner_id").await;
    let by_owner = ReportScope {
        owner_id: Some(owner),
        ..ReportScope::all()
    };
    // Twenty 30-day periods of whole UTC days: the counters alone, one
    // index range per bucket grain (days, and over every customer months).
    for (scope, collection) in [
        (ReportScope::all(), "report_interaction_totals"),
        (by_owner.clone(), "report_interactions"),
    ] {
        let explained = store
            .explain_interaction_counts(&request(20, 30, 0, scope))
            .await
            .expect("explain");
        assert!(!explained.is_empty());
        let mut examined = 0;
        for (read, explained) in &explained {
            assert_eq!(read, collection);
            let (stages, documents) = plan(explained);
            let query = explained.get_document("queryPlanner").ok();
            assert!(stages.iter().any(|s| s == "IXSCAN"), "{stages:?} {query:?}");
            assert!(!stages.iter().any(|s| s == "COLLSCAN"), "{stages:?}");
            examined += documents;
        }
        assert!(
            u64::try_from(examined).unwrap() <= size(collection).await,
            "{examined} documents examined"
        );
    }
    // A range to the second: the last 20 minutes 30 seconds are read from
    // the interactions that start in them, through their index.
    let explained = store
        .explain_interaction_counts(&request(20, 30, 39 * 60_000 + 30_000, ReportScope::all()))
        .await
        .expect("explain");
    let (last, counters) = explained.split_last().expect("aggregations");
    assert!(
        counters
            .iter()
            .all(|(c, _)| c == "report_interaction_totals")
    );
    assert_eq!(last.0, "interactions");
    let (stages, examined) = plan(&last.1);
    assert!(stages.iter().any(|s| s == "IXSCAN"), "{stages:?}");
    assert!(u64::try_from(examined).unwrap() < total);

    // Interactions written behind the store's back are not counted: the
    // report reads the counters, which only the writes keep.
    let whole = request(20, 30, 0, ReportScope::all());
    let before = store.interaction_counts(&whole).await.expect("report");
    let counted: u64 = before.iter().map(|c| c.count).sum();
    assert_eq!(counted, total, "every interaction is in the range");
    let copies: Vec<Document> = interactions
        .find(doc! {})
        .limit(20)
        .await
        .expect("find")
        .try_collect()
        .await
        .expect("read");
    let copies: Vec<Document> = copies
        .into_iter()
        .map(|mut copy| {
            copy.insert("_id", uuid::Uuid::now_v7().to_string());
            copy
        })
        .collect();
    interactions.insert_many(copies).await.expect("insert");
    assert_eq!(
        store.interaction_counts(&whole).await.expect("report"),
        before
    );
}
