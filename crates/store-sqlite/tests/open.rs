//! Opening the store: folders, pragmas of every connection, and rows that
//! do not parse.

use std::time::Duration;

use crm_identity::UserQuery;
use crm_identity::ports::{CredentialStore, StoreError, UserRepository};
use crm_kernel::{PageRequest, PrincipalId, UserId};
use crm_store_sqlite::{ConnectionRole, SqliteStore};
use crm_testkit::builders::{password_hash, staff_user};

#[tokio::test]
async fn creates_missing_folders_and_the_file() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("a").join("b").join("crm.db");
    let store = SqliteStore::open(&path).await.unwrap();
    assert!(path.is_file());
    assert_eq!(store.path(), path);
}

/// The folders it creates and the database with its `-wal` and `-shm`
/// files are the owner's only (under this process's umask, usually 022; the
/// binary test of `crm-server` checks a umask of 000).
#[cfg(unix)]
#[tokio::test]
async fn created_folders_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("a").join("b").join("crm.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    for created in [folder.path().join("a"), folder.path().join("a/b")] {
        assert_eq!(mode(&created), 0o700, "{}", created.display());
    }
    for file in ["crm.db", "crm.db-wal", "crm.db-shm"] {
        let file = folder.path().join("a/b").join(file);
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    // An existing database keeps the mode its owner gave it.
    drop(store);
    let shared = folder.path().join("shared.db");
    std::fs::write(&shared, b"").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    SqliteStore::open(&shared).await.unwrap();
    assert_eq!(mode(&shared), 0o640);
}

#[tokio::test]
async fn every_connection_has_the_pragmas() {
    let folder = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&folder.path().join("crm.db"))
        .await
        .unwrap();
    for role in [ConnectionRole::Writer, ConnectionRole::Reader] {
        let pragmas = store.pragmas(role).await.unwrap();
        assert_eq!(pragmas.journal_mode, "wal", "{role:?}");
        assert!(pragmas.foreign_keys, "{role:?}");
        assert_eq!(pragmas.synchronous, "normal", "{role:?}");
        assert_eq!(pragmas.busy_timeout, Duration::from_secs(5), "{role:?}");
        assert_eq!(
            pragmas.temp_store_in_memory,
            role == ConnectionRole::Writer,
            "{role:?}"
        );
        assert_eq!(
            pragmas.query_only,
            role == ConnectionRole::Reader,
            "{role:?}"
        );
    }
}

#[tokio::test]
async fn foreign_keys_cascade_from_users_to_credentials() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let user = staff_user();
    store.insert(&user, &password_hash()).await.unwrap();
    store
        .delete(user.id, crm_identity::AdminGuard::None)
        .await
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM credentials) + (SELECT count(*) FROM user_companies)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(
        left, 0,
        "the cascade removed the credential and the companies"
    );
}

#[tokio::test]
async fn a_row_that_does_not_parse_is_a_backend_error() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let user = staff_user();
    store.insert(&user, &password_hash()).await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE users SET email = 'not an email' WHERE id = ?1",
        [user.id.to_string()],
    )
    .unwrap();
    let result = store.get(user.id).await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    let result = store
        .list(&UserQuery::default(), &PageRequest::default())
        .await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    // Other rows still read fine.
    assert!(store.get(UserId::new()).await.unwrap().is_none());
    assert!(store.exists(PrincipalId::User(user.id)).await.unwrap());
}

#[tokio::test]
async fn a_customer_or_company_row_that_does_not_parse_is_a_backend_error() {
    use crm_customers::ports::{CompanyRepository, CustomerRepository, StoreError};
    use crm_customers::{CompanyQuery, CustomerQuery, Visibility};
    use crm_testkit::builders::{company, customer, first_status_change};

    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let broken = customer();
    let fine = customer();
    for item in [&broken, &fine] {
        CustomerRepository::insert(&store, item, &first_status_change(item))
            .await
            .unwrap();
    }
    let acme = company();
    CompanyRepository::insert(&store, &acme).await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "UPDATE customers SET phone = 'not a phone' WHERE id = '{}'; \
         UPDATE companies SET website = 'not a url' WHERE id = '{}';",
        broken.id, acme.id
    ))
    .unwrap();

    let result = CustomerRepository::get(&store, broken.id).await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    let result = CustomerRepository::list(
        &store,
        &CustomerQuery::default(),
        &Visibility::All,
        &PageRequest::default(),
    )
    .await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    let result = CompanyRepository::get(&store, acme.id).await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    let result = CompanyRepository::list(
        &store,
        &CompanyQuery::default(),
        None,
        &PageRequest::default(),
    )
    .await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    // Other rows still read fine.
    assert!(
        CustomerRepository::get(&store, fine.id)
            .await
            .unwrap()
            .is_some()
    );
}
