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
        Err(ReadyError::Pending(pending)) => {
            assert_eq!(
                pending,
                [
                    "0001_identity",
                    "0002_customers",
                    "0003_tickets",
                    "0004_interactions",
                    "0005_session_checks",
                    "0006_email",
                    "0007_report_counters",
                    "0008_list_indexes",
                    "0009_report_totals",
                    "0010_report_leads",
                    "0011_report_email",
                    "0012_report_duration_units",
                    "0013_last_interaction_index",
                    "0014_interaction_write_indexes",
                    "0015_overlap_index",
                    "0016_long_interactions_index"
                ]
            );
        }
        other => panic!("expected pending migrations, got {other:?}"),
    }

    let applied = store.migrate().await.unwrap();
    assert_eq!(applied.len(), status.len());
    let names: Vec<(u32, &str)> = applied
        .iter()
        .map(|m| (m.version, m.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (1, "identity"),
            (2, "customers"),
            (3, "tickets"),
            (4, "interactions"),
            (5, "session_checks"),
            (6, "email"),
            (7, "report_counters"),
            (8, "list_indexes"),
            (9, "report_totals"),
            (10, "report_leads"),
            (11, "report_email"),
            (12, "report_duration_units"),
            (13, "last_interaction_index"),
            (14, "interaction_write_indexes"),
            (15, "overlap_index"),
            (16, "long_interactions_index")
        ]
    );
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

/// The SHA-256 of `sql` in lower-case hex, as `migrate` records it.
fn checksum(sql: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    Sha256::digest(sql.as_bytes())
        .iter()
        .fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

const IDENTITY: &str = include_str!("../../../migrations/sqlite/0001_identity.sql");

/// A database as the first release left it: 0001 applied and recorded,
/// one customer who signed up (and so has a credential).
fn first_release_database(path: &Path, customer: &str) {
    let conn = rusqlite::Connection::open(path).expect("side connection");
    conn.execute_batch(
        "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, \
         checksum TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT;",
    )
    .expect("SQL by hand");
    conn.execute_batch(IDENTITY).expect("SQL by hand");
    conn.execute(
        "INSERT INTO schema_migrations VALUES (1, 'identity', ?1, '2026-01-01T00:00:00.000Z')",
        [checksum(IDENTITY)],
    )
    .expect("SQL by hand");
    conn.execute(
        "INSERT INTO customers (id, first_name, last_name, email, email_key, phone, created_at, updated_at) \
         VALUES (?1, 'Early', 'Adopter', 'early@example.test', 'early@example.test', '+442079460958', \
         '2026-02-03T04:05:06.789Z', '2026-02-03T04:05:06.789Z')",
        [customer],
    )
    .expect("SQL by hand");
    conn.execute(
        "INSERT INTO credentials (customer_id, email, email_key, password_hash, created_at, updated_at) \
         VALUES (?1, 'early@example.test', 'early@example.test', 'hash', \
         '2026-02-03T04:05:06.789Z', '2026-02-03T04:05:06.789Z')",
        [customer],
    )
    .expect("SQL by hand");
}

#[tokio::test]
async fn the_customers_migration_upgrades_existing_customers() {
    use crm_customers::ports::CustomerRepository;
    use crm_customers::{CustomerQuery, LifecycleStatus, Version, Visibility};
    use crm_kernel::{CustomerId, PageRequest, PrincipalId, Timestamp};

    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("crm.db");
    let id = CustomerId::new();
    first_release_database(&path, &id.to_string());
    let store = SqliteStore::open(&path).await.unwrap();
    let applied = store.migrate().await.unwrap();
    assert_eq!(
        applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        "only the new migrations run"
    );
    store.ready().await.unwrap();

    let customer = store.get(id).await.unwrap().expect("the customer is kept");
    assert_eq!(customer.status, LifecycleStatus::Lead);
    assert_eq!(customer.version, Version::FIRST);
    assert!(customer.has_account);
    assert!(customer.tags.is_empty());
    let created = Timestamp::parse_rfc3339("2026-02-03T04:05:06.789Z").unwrap();
    let history = store.status_history(id).await.unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        (
            history[0].from,
            history[0].to,
            history[0].at,
            history[0].actor
        ),
        (
            None,
            LifecycleStatus::Lead,
            created,
            PrincipalId::Customer(id)
        ),
        "the history starts with the current status, set by the customer"
    );
    for text in ["early", "adopter", "4420794", "example"] {
        let query = CustomerQuery {
            text: Some(text.into()),
            ..CustomerQuery::default()
        };
        let page = store
            .list(&query, &Visibility::All, &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(
            page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            [id],
            "the existing customer is in the search index ({text})"
        );
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let name_sort: String = conn
        .query_row("SELECT name_sort FROM customers", [], |row| row.get(0))
        .unwrap();
    assert_eq!(name_sort, "adopter early");
}

#[tokio::test]
async fn the_status_history_is_append_only() {
    let (_folder, path, store) = open().await;
    store.migrate().await.unwrap();
    let id = crm_kernel::CustomerId::new();
    by_hand(
        &path,
        &format!(
            "INSERT INTO customers (id, first_name, last_name, name_sort, created_at, updated_at) \
             VALUES ('{id}', 'A', 'B', 'b a', 't', 't'); \
             INSERT INTO customer_status_changes (customer_id, to_status, at, actor_kind, actor_id) \
             VALUES ('{id}', 'lead', 't', 'customer', '{id}');"
        ),
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE customer_status_changes SET to_status = 'churned'",
        "DELETE FROM customer_status_changes",
    ] {
        let error = conn.execute(sql, []).unwrap_err();
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    let count: i64 = conn
        .query_row("SELECT count(*) FROM customer_status_changes", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn the_ticket_events_are_append_only() {
    let (_folder, path, store) = open().await;
    store.migrate().await.unwrap();
    let customer = crm_kernel::CustomerId::new();
    let ticket = crm_kernel::TicketId::new();
    by_hand(
        &path,
        &format!(
            "INSERT INTO customers (id, first_name, last_name, name_sort, created_at, updated_at) \
             VALUES ('{customer}', 'A', 'B', 'b a', 't', 't'); \
             INSERT INTO tickets (id, customer_id, subject, issue, search_text, status, priority, \
             priority_rank, channel, created_at, updated_at, version) \
             VALUES ('{ticket}', '{customer}', 's', 'i', 's', 'open', 'high', 2, 'api', 't', 't', 1); \
             INSERT INTO ticket_events (ticket_id, to_status, at, actor_kind, actor_id) \
             VALUES ('{ticket}', 'open', 't', 'customer', '{customer}');"
        ),
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE ticket_events SET to_status = 'closed'",
        "DELETE FROM ticket_events",
    ] {
        let error = conn.execute(sql, []).unwrap_err();
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    let count: i64 = conn
        .query_row("SELECT count(*) FROM ticket_events", [], |row| row.get(0))
        .unwrap();
    assert_eq!(count, 1);
    // The rank always matches the priority.
    let error = conn
        .execute("UPDATE tickets SET priority_rank = 0", [])
        .unwrap_err();
    assert!(error.to_string().contains("CHECK"), "{error}");
}

/// The search index is keyed by the customers' rowids; VACUUM keeps them
/// (the table has indexes), so search still finds the right customers.
#[tokio::test]
async fn search_survives_vacuum() {
    use crm_customers::ports::CustomerRepository;
    use crm_customers::{Customer, CustomerQuery, Visibility};
    use crm_kernel::PageRequest;
    use crm_testkit::builders::{customer_named, first_status_change};

    let (_folder, path, store) = open().await;
    store.migrate().await.unwrap();
    // A row far up the rowids, deleted once the others exist, leaves a gap
    // below them: a VACUUM that renumbered rowids would close it.
    by_hand(
        &path,
        "INSERT INTO customers (rowid, id, first_name, last_name, name_sort, created_at, updated_at) \
         VALUES (500, 'gap', 'Gap', 'Row', 'row gap', 't', 't');",
    );
    let names = [("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper")];
    let customers: Vec<Customer> = names
        .iter()
        .map(|(first, last)| customer_named(first, last))
        .collect();
    for customer in &customers {
        store
            .insert(customer, &first_status_change(customer))
            .await
            .unwrap();
    }
    by_hand(&path, "DELETE FROM customers WHERE id = 'gap'; VACUUM;");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let lowest: i64 = conn
        .query_row("SELECT min(rowid) FROM customers", [], |row| row.get(0))
        .unwrap();
    assert!(lowest > 500, "VACUUM kept the rowids ({lowest})");
    for customer in &customers {
        let query = CustomerQuery {
            text: Some(customer.last_name.as_str().to_owned()),
            ..CustomerQuery::default()
        };
        let page = store
            .list(&query, &Visibility::All, &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(
            page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            [customer.id],
            "{}",
            customer.last_name.as_str()
        );
    }
}
