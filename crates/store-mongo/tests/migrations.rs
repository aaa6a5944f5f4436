//! Migrations on a real server: apply, status, readiness, the refusals
//! that protect a database from a binary whose schema does not match it,
//! and what the migrations create (validators, unique and TTL indexes).

mod support;

use crm_identity::ports::UserRepository;
use crm_kernel::UserId;
use crm_store_mongo::{ConnectError, MigrationError, MigrationState, MongoStore, ReadyError};
use futures_util::TryStreamExt;
use mongodb::bson::{Document, doc};

const ALL: [&str; 13] = [
    "0001_identity",
    "0002_customers",
    "0003_tickets",
    "0004_interactions",
    "0005_session_checks",
    "0006_email",
    "0007_reports",
    "0008_list_indexes",
    "0009_interaction_counters",
    "0010_ticket_counters",
    "0011_customer_counters",
    "0012_journey_repeats",
    "0013_email_counters",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_does_not_migrate_and_migrate_applies_everything_once() {
    let Some((_guard, store, _)) = support::empty_store().await else {
        return;
    };
    let status = store.migration_status().await.unwrap();
    assert_eq!(status.len(), ALL.len());
    assert!(
        status.iter().all(|s| s.state == MigrationState::Pending),
        "{status:?}"
    );
    match store.ready().await {
        Err(ReadyError::Pending(pending)) => assert_eq!(pending, ALL),
        other => panic!("expected pending migrations, got {other:?}"),
    }
    let applied = store.migrate().await.unwrap();
    let names: Vec<String> = applied
        .iter()
        .map(|m| format!("{:04}_{}", m.version, m.name))
        .collect();
    assert_eq!(names, ALL);
    assert!(
        applied.iter().all(|m| m.checksum.len() == 64),
        "SHA-256 in hex"
    );
    assert!(
        store.migrate().await.unwrap().is_empty(),
        "a second migrate applies nothing"
    );
    let status = store.migration_status().await.unwrap();
    assert!(
        status
            .iter()
            .all(|s| matches!(s.state, MigrationState::Applied { .. })),
        "{status:?}"
    );
    store.ready().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_migration_edited_after_it_was_applied() {
    let Some((_guard, store, side)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.unwrap();
    side.collection::<Document>("schema_migrations")
        .update_one(
            doc! { "_id": 2_i64 },
            doc! { "$set": { "checksum": "0".repeat(64) } },
        )
        .await
        .unwrap();
    let status = store.migration_status().await.unwrap();
    assert!(
        matches!(status[1].state, MigrationState::Altered { .. }),
        "{status:?}"
    );
    let error = store.migrate().await.unwrap_err();
    assert!(
        matches!(error, MigrationError::Altered { version: 2, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("0002_customers"), "{error}");
    match store.ready().await {
        Err(ReadyError::Mismatch(problems)) => {
            assert_eq!(problems, ["0002_customers was edited after it was applied"]);
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_database_migrated_by_a_newer_binary() {
    let Some((_guard, store, side)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.unwrap();
    side.collection::<Document>("schema_migrations")
        .insert_one(doc! {
            "_id": 99_i64, "name": "future", "checksum": "x",
            "applied_at": mongodb::bson::DateTime::now(),
        })
        .await
        .unwrap();
    let error = store.migrate().await.unwrap_err();
    assert!(
        matches!(error, MigrationError::Unknown { version: 99, .. }),
        "{error}"
    );
    let status = store.migration_status().await.unwrap();
    assert!(
        matches!(
            status.last().map(|s| &s.state),
            Some(MigrationState::Unknown { .. })
        ),
        "{status:?}"
    );
    assert!(matches!(store.ready().await, Err(ReadyError::Mismatch(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_migration_runs_again_from_its_first_command() {
    let Some((_guard, store, side)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.unwrap();
    // As if the process died after 0004's commands, before recording it.
    side.collection::<Document>("schema_migrations")
        .delete_one(doc! { "_id": 4_i64 })
        .await
        .unwrap();
    let applied = store.migrate().await.unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].name, "interactions");
    store.ready().await.unwrap();
}

/// 0005 replaces an index by one that starts with the same key: run again
/// after it dropped the old one, it finds nothing to drop and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_check_index_replaces_the_family_index_and_runs_again() {
    let Some((_guard, store, side)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.unwrap();
    let names = || async {
        side.collection::<Document>("refresh_sessions")
            .list_index_names()
            .await
            .unwrap()
    };
    let before = names().await;
    assert!(
        before.contains(&"refresh_sessions_live_by_family".to_owned()),
        "{before:?}"
    );
    assert!(
        !before.contains(&"refresh_sessions_by_family".to_owned()),
        "{before:?}"
    );
    side.collection::<Document>("schema_migrations")
        .delete_one(doc! { "_id": 5_i64 })
        .await
        .unwrap();
    let applied = store.migrate().await.unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].name, "session_checks");
    assert_eq!(names().await, before);
    store.ready().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_migrating_at_once_record_each_migration_once() {
    let Some((_guard, store, side)) = support::empty_store().await else {
        return;
    };
    let other = store.clone();
    let (left, right) = tokio::join!(store.migrate(), other.migrate());
    let (left, right) = (left.unwrap(), right.unwrap());
    assert_eq!(left.len() + right.len(), ALL.len(), "{left:?} {right:?}");
    let recorded = side
        .collection::<Document>("schema_migrations")
        .count_documents(doc! {})
        .await
        .unwrap();
    assert_eq!(recorded, ALL.len() as u64);
    store.ready().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_validate_documents_and_carry_their_indexes() {
    let Some((_guard, store, side)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.unwrap();
    let refused = side
        .collection::<Document>("users")
        .insert_one(doc! { "_id": "x", "name": 42 })
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("121") || refused.to_string().contains("validation"),
        "{refused}"
    );
    let indexes = |collection: &'static str| {
        let side = side.clone();
        async move {
            side.collection::<Document>(collection)
                .list_indexes()
                .await
                .unwrap()
                .try_collect::<Vec<_>>()
                .await
                .unwrap()
        }
    };
    let customers = indexes("customers").await;
    let email = customers
        .iter()
        .find(|index| {
            index.options.as_ref().and_then(|o| o.name.as_deref()) == Some("customers_by_email_key")
        })
        .expect("the email key index");
    let options = email.options.as_ref().unwrap();
    assert_eq!(options.unique, Some(true));
    assert!(options.partial_filter_expression.is_some());
    for (collection, name, seconds) in [
        ("refresh_sessions", "refresh_sessions_purge", 2_592_000),
        ("ticket_idempotency", "ticket_idempotency_purge", 2_592_000),
    ] {
        let found = indexes(collection).await;
        let ttl = found
            .iter()
            .filter_map(|index| index.options.as_ref())
            .find(|o| o.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(
            ttl.expire_after.map(|d| d.as_secs()),
            Some(seconds),
            "{name} purges {seconds} s after"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_that_does_not_parse_is_a_backend_error() {
    let Some((_guard, store, side)) = support::empty_store().await else {
        return;
    };
    store.migrate().await.unwrap();
    let id = UserId::new();
    let at = mongodb::bson::DateTime::now();
    side.collection::<Document>("users")
        .insert_one(doc! {
            "_id": id.to_string(), "name": "Ann", "name_sort": "ann",
            "email": "not an email", "email_key": "not an email", "role": "agent",
            "status": "active", "company_ids": [], "created_at": at, "updated_at": at,
        })
        .await
        .unwrap();
    let error = UserRepository::get(&store, id).await.unwrap_err();
    assert!(
        matches!(error, crm_identity::ports::StoreError::Backend(_)),
        "{error:?}"
    );
    assert!(error.to_string().contains("users.email"), "{error}");
}

#[tokio::test]
async fn an_invalid_connection_string_is_refused_at_once() {
    let error = MongoStore::connect("http://localhost").await.unwrap_err();
    assert!(matches!(error, ConnectError::InvalidUri(_)), "{error}");
}
