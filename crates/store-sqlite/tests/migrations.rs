//! Migrations: apply, status, readiness, and the refusals that protect a
//! database from a binary whose schema does not match it.

use std::path::{Path, PathBuf};

use crm_store_sqlite::{MigrationError, MigrationState, ReadyError, SqliteStore};
use tempfile::TempDir;

async fn open() -> (TempDir, PathBuf, SqliteStore) {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.expect("open store");
    (folder, path, store)
}

/// A side connection, as an operator with the `sqlite3` shell would have.
fn by_hand(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).expect("side connection");
    conn.execute_batch(sql).expect("SQL by hand");
}

#[tokio::test]
async fn open_does_not_migrate_and_migrate_applies_everything_once() {
    let (_folder, _path, store) = open().await;
    let status = store.migration_status().await.unwrap();
    assert!(!status.is_empty());
    assert!(
        status.iter().all(|s| s.state == MigrationState::Pending),
        "{status:?}"
    );
    match store.ready().await {
        Err(ReadyError::Pending(pending)) => assert_eq!(pending[0], "0001_identity"),
        other => panic!("expected pending migrations, got {other:?}"),
    }

    let applied = store.migrate().await.unwrap();
    assert_eq!(applied.len(), status.len());
    assert_eq!(
        (applied[0].version, applied[0].name.as_str()),
        (1, "identity")
    );
    assert_eq!(applied[0].checksum.len(), 64, "SHA-256 in hex");
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

#[tokio::test]
async fn the_schema_survives_reopening() {
    let (_folder, path, store) = open().await;
    store.migrate().await.unwrap();
    drop(store);
    let store = SqliteStore::open(&path).await.unwrap();
    store.ready().await.unwrap();
    assert!(store.migrate().await.unwrap().is_empty());
}

#[tokio::test]
async fn refuses_a_migration_edited_after_it_was_applied() {
    let (_folder, path, store) = open().await;
    store.migrate().await.unwrap();
    by_hand(
        &path,
        "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1",
    );

    let error = store.migrate().await.unwrap_err();
    assert!(
        matches!(error, MigrationError::Altered { version: 1, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("0001_identity"),
        "the error names the migration: {error}"
    );
    let status = store.migration_status().await.unwrap();
    assert!(
        matches!(status[0].state, MigrationState::Altered { .. }),
        "{status:?}"
    );
    match store.ready().await {
        Err(ReadyError::Mismatch(problems)) => assert!(problems[0].contains("0001_identity")),
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn refuses_a_database_migrated_by_a_newer_binary() {
    let (_folder, path, store) = open().await;
    store.migrate().await.unwrap();
    by_hand(
        &path,
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) \
         VALUES (9999, 'from_the_future', 'abc', '2030-01-01T00:00:00.000Z')",
    );

    let error = store.migrate().await.unwrap_err();
    assert!(
        matches!(error, MigrationError::Unknown { version: 9999, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("9999_from_the_future"),
        "{error}"
    );
    let status = store.migration_status().await.unwrap();
    let last = status.last().unwrap();
    assert_eq!(
        (last.version, last.name.as_str()),
        (9999, "from_the_future")
    );
    assert!(matches!(last.state, MigrationState::Unknown { .. }));
    assert!(matches!(store.ready().await, Err(ReadyError::Mismatch(_))));
}

#[tokio::test]
async fn refuses_before_applying_anything_new() {
    let (_folder, path, store) = open().await;
    // Record 0001 as applied with another checksum, without its tables:
    // migrate must stop at the check, not run later migrations.
    by_hand(
        &path,
        "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, \
         checksum TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT; \
         INSERT INTO schema_migrations VALUES (1, 'identity', 'other', '2026-01-01T00:00:00.000Z');",
    );
    assert!(matches!(
        store.migrate().await,
        Err(MigrationError::Altered { .. })
    ));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let users: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'users'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(users, 0);
}
