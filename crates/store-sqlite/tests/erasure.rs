//! What erasure leaves in the SQLite file: an anonymised tombstone, and no
//! trace of the personal data in the search index.

use crm_customers::Customer;
use crm_customers::ports::{CompanyRepository, CustomerRepository};
use std::path::PathBuf;

use crm_kernel::{PrincipalId, Timestamp};
use crm_store_sqlite::SqliteStore;
use crm_testkit::builders::{
    company, customer_account, customer_named, first_status_change, long_text, password_hash,
    person_name, session_for, staff_user, tags,
};
use tempfile::TempDir;

/// A store in which a signed-up customer, given a company, an owner, notes,
/// tags and a session, was erased; another customer stays.
struct Erased {
    _folder: TempDir,
    path: PathBuf,
    customer: Customer,
    at: Timestamp,
}

async fn erased_customer() -> Erased {
    use crm_identity::ports::{CustomerAccounts, SessionStore, UserRepository};

    let folder = tempfile::tempdir().expect("set the scene");
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.expect("set the scene");
    store.migrate().await.expect("set the scene");
    let acme = company();
    CompanyRepository::insert(&store, &acme)
        .await
        .expect("set the scene");
    let owner = staff_user();
    UserRepository::insert(&store, &owner, &password_hash())
        .await
        .expect("set the scene");
    let account = crm_identity::NewCustomerAccount {
        first_name: person_name("Zebulon"),
        last_name: person_name("Quixotic"),
        ..customer_account()
    };
    store
        .register(&account, &password_hash())
        .await
        .expect("set the scene");
    SessionStore::insert(&store, &session_for(PrincipalId::Customer(account.id)))
        .await
        .expect("set the scene");
    let current = CustomerRepository::get(&store, account.id)
        .await
        .expect("set the scene")
        .expect("set the scene");
    let enriched = Customer {
        company_id: Some(acme.id),
        owner_id: Some(owner.id),
        notes: Some(long_text("Xylophone collector.")),
        tags: tags(&["vip"]),
        version: current.version.next(),
        ..current.clone()
    };
    CustomerRepository::update(&store, &enriched, current.version, None)
        .await
        .expect("set the scene");
    // Another customer keeps the index non-empty.
    let other = customer_named("Other", "Person");
    CustomerRepository::insert(&store, &other, &first_status_change(&other))
        .await
        .expect("set the scene");
    let at = Timestamp::parse_rfc3339("2026-06-01T12:00:00.000Z").expect("set the scene");
    store.erase(account.id, at).await.expect("set the scene");

    Erased {
        _folder: folder,
        path,
        customer: enriched,
        at,
    }
}

#[tokio::test]
async fn erasure_leaves_an_anonymised_tombstone() {
    let Erased {
        _folder,
        path,
        customer: enriched,
        at,
    } = erased_customer().await;
    let account = &enriched;

    let conn = rusqlite::Connection::open(&path).unwrap();
    let personal: Vec<Option<String>> = conn
        .query_row(
            "SELECT first_name, last_name, email, phone, notes, source \
             FROM customers WHERE id = ?1",
            [account.id.to_string()],
            |row| (0..6).map(|i| row.get(i)).collect(),
        )
        .unwrap();
    assert_eq!(
        personal,
        [
            Some("Erased".into()),
            Some("Customer".into()),
            None,
            None,
            None,
            None
        ],
        "names are anonymised, every other personal field is cleared"
    );
    let kept: (
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        i64,
        String,
    ) = conn
        .query_row(
            "SELECT status, company_id, owner_id, created_at, updated_at, version, erased_at \
             FROM customers WHERE id = ?1",
            [account.id.to_string()],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        kept,
        (
            "lead".into(),
            enriched.company_id.map(|id| id.to_string()),
            enriched.owner_id.map(|id| id.to_string()),
            enriched.created_at.to_rfc3339(),
            enriched.updated_at.to_rfc3339(),
            3,
            at.to_rfc3339()
        ),
        "status, company, owner and dates stay; the version is raised"
    );
    let count = |sql: &str| -> i64 {
        conn.query_row(sql, [account.id.to_string()], |row| row.get(0))
            .unwrap()
    };
    assert_eq!(
        count("SELECT count(*) FROM customer_tags WHERE customer_id = ?1"),
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM credentials WHERE customer_id = ?1"),
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM refresh_sessions WHERE principal_id = ?1"),
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM customer_status_changes WHERE customer_id = ?1"),
        1,
        "the status history stays"
    );
}

#[tokio::test]
async fn erasure_leaves_no_trace_in_the_search_index() {
    let erased = erased_customer().await;
    let conn = rusqlite::Connection::open(&erased.path).unwrap();
    // Neither the index pages nor the index's copy of the text hold the
    // erased words (FTS5 `secure-delete`); the other customer's still do.
    let holding = |word: &str| -> i64 {
        conn.query_row(
            "SELECT (SELECT count(*) FROM customers_fts_data \
                     WHERE instr(block, CAST(?1 AS BLOB)) > 0) \
                  + (SELECT count(*) FROM customers_fts_content \
                     WHERE instr(lower(c0 || ' ' || c1 || ' ' || coalesce(c6, '')), ?1) > 0)",
            [word],
            |row| row.get(0),
        )
        .unwrap()
    };
    assert!(holding("person") > 0, "the index holds the other customer");
    for erased in ["zebulon", "quixotic", "xylophone"] {
        assert_eq!(holding(erased), 0, "{erased} is still in the search index");
    }
}
