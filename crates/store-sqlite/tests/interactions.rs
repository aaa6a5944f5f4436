//! What only the SQLite store of interactions can show: stored values that
//! do not parse are backend errors, never panics, and spoil only their
//! rows; the schema's constraints and cascades; and `last_interaction`
//! staying right while customer updates race with interaction writes.

use std::sync::Arc;

use crm_customers::Customer;
use crm_customers::ports::{CustomerRepository, StoreError as CustomerStoreError};
use crm_identity::ports::UserRepository;
use crm_interactions::ports::{CalendarFeeds, HistoryQuery, InteractionRepository, StoreError};
use crm_interactions::{
    Attendee, HistoryFilter, InteractionKind, InteractionQuery, InteractionStatus,
};
use crm_kernel::{PageRequest, Visibility};
use crm_store_sqlite::SqliteStore;
use crm_testkit::builders::{
    at_minute, customer, first_status_change, interaction, interaction_at, password_hash,
    person_name, staff_user,
};
use tempfile::TempDir;

async fn store() -> (TempDir, std::path::PathBuf, SqliteStore) {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.expect("open store");
    store.migrate().await.expect("migrate");
    (folder, path, store)
}

async fn add_customer(store: &SqliteStore) -> Customer {
    let item = customer();
    CustomerRepository::insert(store, &item, &first_status_change(&item))
        .await
        .expect("insert customer");
    item
}

#[tokio::test]
async fn an_interaction_that_does_not_parse_is_a_backend_error() {
    let (_folder, path, store) = store().await;
    let owner = add_customer(&store).await;
    let (broken, fine) = (interaction(owner.id), interaction(owner.id));
    InteractionRepository::insert(&store, &[broken.clone(), fine.clone()])
        .await
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE interactions SET time_zone = 'Mars/Olympus' WHERE id = ?1",
        [broken.id.to_string()],
    )
    .unwrap();

    let result = InteractionRepository::get(&store, broken.id).await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    let result = InteractionRepository::list(
        &store,
        &InteractionQuery::default(),
        &Visibility::All,
        true,
        &PageRequest::default(),
    )
    .await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    let result = HistoryQuery::history(
        &store,
        owner.id,
        &HistoryFilter::default(),
        true,
        &PageRequest::default(),
    )
    .await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    assert_eq!(
        InteractionRepository::get(&store, fine.id).await.unwrap(),
        Some(fine.clone()),
        "other rows still read fine"
    );

    conn.execute(
        "UPDATE interaction_attendees SET email = 'not an email' WHERE interaction_id = ?1",
        [fine.id.to_string()],
    )
    .unwrap();
    let result = InteractionRepository::get(&store, fine.id).await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
}

#[tokio::test]
async fn the_schema_refuses_bad_rows_and_follows_deleted_users() {
    let (_folder, path, store) = store().await;
    let owner = add_customer(&store).await;
    let (organizer, attendee) = (staff_user(), staff_user());
    for user in [&organizer, &attendee] {
        UserRepository::insert(&store, user, &password_hash())
            .await
            .unwrap();
    }
    let item = crm_interactions::Interaction {
        organizer_id: Some(organizer.id),
        attendees: vec![Attendee::Staff(attendee.id), Attendee::Staff(organizer.id)],
        ..interaction(owner.id)
    };
    InteractionRepository::insert(&store, std::slice::from_ref(&item))
        .await
        .unwrap();
    CalendarFeeds::set_feed_token(&store, organizer.id, "hash")
        .await
        .unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    let id = item.id.to_string();
    for sql in [
        format!("INSERT INTO interaction_attendees VALUES ('{id}', 9, NULL, NULL)"),
        format!(
            "INSERT INTO interaction_attendees VALUES ('{id}', 9, '{}', 'a@example.test')",
            attendee.id
        ),
        format!("UPDATE interactions SET kind = 'lunch' WHERE id = '{id}'"),
        format!("UPDATE interactions SET status = 'done' WHERE id = '{id}'"),
        format!("UPDATE interactions SET end_time = '2000-01-01T00:00:00.000Z' WHERE id = '{id}'"),
        "INSERT INTO calendar_feeds VALUES ('nobody', 'other', 't')".to_owned(),
    ] {
        assert!(conn.execute(&sql, []).is_err(), "refused: {sql}");
    }

    conn.execute(
        "DELETE FROM users WHERE id = ?1",
        [organizer.id.to_string()],
    )
    .unwrap();
    let stored = InteractionRepository::get(&store, item.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.organizer_id, None, "the organizer is unset");
    assert_eq!(
        stored.attendees,
        vec![Attendee::Staff(attendee.id)],
        "a deleted attendee leaves, the others keep their order"
    );
    assert_eq!(
        CalendarFeeds::feed_owner(&store, "hash").await.unwrap(),
        None,
        "the feed goes with its user"
    );
}

/// Customer updates read the customer, change its name and write it back
/// while interactions of that customer are recorded concurrently: the
/// maintained `last_interaction` ends as the interactions make it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customer_updates_racing_with_interaction_writes_keep_last_interaction() {
    let (_folder, _path, store) = store().await;
    let store = Arc::new(store);
    let owner = add_customer(&store).await;
    let writer = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for minute in 1..=30_u64 {
                let item = interaction_at(
                    owner.id,
                    InteractionKind::Call,
                    InteractionStatus::Completed,
                    at_minute(minute),
                    5,
                );
                InteractionRepository::insert(&*store, &[item])
                    .await
                    .unwrap();
            }
        })
    };
    let updater = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for n in 0..30 {
                let current = CustomerRepository::get(&*store, owner.id)
                    .await
                    .unwrap()
                    .unwrap();
                let next = Customer {
                    first_name: person_name(&format!("Name{n}")),
                    version: current.version.next(),
                    company: None,
                    has_account: false,
                    ..current.clone()
                };
                match CustomerRepository::update(&*store, &next, current.version, None).await {
                    Ok(()) | Err(CustomerStoreError::VersionConflict) => {}
                    Err(error) => panic!("customer update failed: {error}"),
                }
                tokio::task::yield_now().await;
            }
        })
    };
    writer.await.unwrap();
    updater.await.unwrap();
    let stored = CustomerRepository::get(&*store, owner.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.last_interaction, Some(at_minute(30)));
}

/// SQLite rewrites the entry of every index one of whose columns the `SET`
/// of an `UPDATE` names, changed or not, and fires an `AFTER UPDATE OF
/// column` trigger exactly when the `SET` names that column: triggers here
/// record what completing an interaction named.
#[tokio::test]
async fn an_update_names_only_the_columns_it_changes_and_still_checks_the_version() {
    let (_folder, path, store) = store().await;
    let owner = add_customer(&store).await;
    let planned = interaction(owner.id);
    InteractionRepository::insert(&store, std::slice::from_ref(&planned))
        .await
        .unwrap();
    let columns = [
        "customer_id",
        "kind",
        "date_time",
        "end_time",
        "time_zone",
        "location",
        "meeting_url",
        "description",
        "outcome",
        "organizer_id",
        "status",
        "created_at",
        "updated_at",
        "version",
    ];
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE named (column_name TEXT NOT NULL);")
        .unwrap();
    for column in columns {
        conn.execute_batch(&format!(
            "CREATE TRIGGER named_{column} AFTER UPDATE OF {column} ON interactions \
             BEGIN INSERT INTO named VALUES ('{column}'); END;"
        ))
        .unwrap();
    }

    let mut done = planned.clone();
    done.status = InteractionStatus::Completed;
    done.updated_at = planned.updated_at.plus(std::time::Duration::from_mins(1));
    done.version = planned.version.next();
    InteractionRepository::update(&store, &done, planned.version)
        .await
        .unwrap();

    let named: Vec<String> = conn
        .prepare("SELECT column_name FROM named ORDER BY column_name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(named, ["status", "updated_at", "version"]);
    assert_eq!(
        InteractionRepository::get(&store, planned.id)
            .await
            .unwrap(),
        Some(done.clone())
    );
    let again = InteractionRepository::update(&store, &done, planned.version).await;
    assert!(
        matches!(again, Err(StoreError::VersionConflict)),
        "{again:?}"
    );
}

/// A write that leaves the customer's `last_interaction` as it was does not
/// write the customer's row (nor, so, its two `last_interaction` indexes):
/// a trigger records every write of the column.
#[tokio::test]
async fn last_interaction_is_written_only_when_it_changes() {
    let (_folder, path, store) = store().await;
    let owner = add_customer(&store).await;
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE written (at TEXT); \
         CREATE TRIGGER last_interaction_written AFTER UPDATE OF last_interaction ON customers \
         BEGIN INSERT INTO written VALUES (new.last_interaction); END;",
    )
    .unwrap();
    let writes = || -> i64 {
        conn.query_row("SELECT count(*) FROM written", [], |row| row.get(0))
            .unwrap()
    };
    let steps = [
        (InteractionStatus::Completed, 10, Some(10), 1),
        // A later meeting, scheduled: the completed one stays the latest.
        (InteractionStatus::Scheduled, 20, Some(10), 1),
        (InteractionStatus::Cancelled, 40, Some(10), 1),
        (InteractionStatus::Completed, 5, Some(10), 1),
        (InteractionStatus::Completed, 30, Some(30), 2),
    ];
    for (status, minute, last, written) in steps {
        let item = interaction_at(
            owner.id,
            InteractionKind::Meeting,
            status,
            at_minute(minute),
            5,
        );
        InteractionRepository::insert(&store, &[item])
            .await
            .unwrap();
        let stored = CustomerRepository::get(&store, owner.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.last_interaction,
            last.map(at_minute),
            "{status:?} at {minute}"
        );
        assert_eq!(writes(), written, "{status:?} at {minute}");
    }
}
