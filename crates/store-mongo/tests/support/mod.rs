//! A fresh, migrated MongoDB store for each test, on the server that
//! `CRM_TEST_MONGO_URI` names (`scripts/mongo-test-server.sh start` runs
//! one): a database of its own with a random name, dropped at the end.
//!
//! Without the variable a test says on the terminal that it is skipped, and
//! why, and checks nothing (`scripts/test` always sets it).

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::io::Write as _;

use crm_store_mongo::MongoStore;

/// The variable naming the test server.
pub const URI_VARIABLE: &str = "CRM_TEST_MONGO_URI";

/// Drops the test's database when the test ends.
#[derive(Debug)]
pub struct DropDatabase(Option<MongoStore>);

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let Some(store) = self.0.take() else {
            return;
        };
        // Tests run on a multi-threaded runtime: block this worker only.
        let dropped = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(store.drop_database())
        });
        if let Err(error) = dropped {
            let _ = writeln!(
                std::io::stderr(),
                "could not drop test database {}: {error}",
                store.database_name()
            );
        }
    }
}

/// The test server's connection string, or `None` after saying (past the
/// test harness's output capture, so it shows) that `test` is skipped.
pub fn server_uri(test: &str) -> Option<String> {
    match std::env::var(URI_VARIABLE) {
        Ok(uri) if !uri.trim().is_empty() => Some(uri),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: {URI_VARIABLE} is not set, so there is no MongoDB server to \
                 test against (scripts/test starts one; or run \
                 `scripts/mongo-test-server.sh start` and export what it prints)"
            );
            None
        }
    }
}

/// A store on a new database of its own (not migrated), the guard that
/// drops that database, and the database as an operator would reach it
/// with another client; `None` when no server is configured.
pub async fn empty_store() -> Option<(DropDatabase, MongoStore, mongodb::Database)> {
    // The test harness names each test's thread after the test.
    let test = std::thread::current()
        .name()
        .unwrap_or("a MongoDB test")
        .to_owned();
    let uri = server_uri(&test)?;
    let name = format!("crm_test_{}", uuid::Uuid::now_v7().simple());
    let store = MongoStore::connect_to_database(&uri, &name)
        .await
        .unwrap_or_else(|error| panic!("connect to {URI_VARIABLE}: {error}"));
    let side = mongodb::Client::with_uri_str(&uri)
        .await
        .expect("a second client")
        .database(&name);
    Some((DropDatabase(Some(store.clone())), store, side))
}

/// A new, empty, migrated store on a database of its own, and the guard
/// that drops that database; `None` when no server is configured.
pub async fn fresh_store() -> Option<(DropDatabase, MongoStore)> {
    let (guard, store, _) = empty_store().await?;
    store.migrate().await.expect("migrate the test database");
    Some((guard, store))
}

/// Forgets that migration `version` was applied and migrates again, which
/// must apply that one migration, named `name`: its backfill runs over the
/// records the test wrote.
pub async fn run_again(store: &MongoStore, database: &mongodb::Database, version: i64, name: &str) {
    database
        .collection::<mongodb::bson::Document>("schema_migrations")
        .delete_one(mongodb::bson::doc! { "_id": version })
        .await
        .unwrap_or_else(|error| panic!("forget migration {version}: {error}"));
    let applied = store.migrate().await.expect("migrate again");
    assert_eq!(applied.len(), 1, "{applied:?}");
    assert_eq!(applied[0].name, name);
}

/// The documents of `collection` that match `filter`.
pub async fn documents(
    database: &mongodb::Database,
    collection: &str,
    filter: mongodb::bson::Document,
) -> Vec<mongodb::bson::Document> {
    use futures_util::TryStreamExt as _;
    database
        .collection::<mongodb::bson::Document>(collection)
        .find(filter)
        .await
        .unwrap_or_else(|error| panic!("find in {collection}: {error}"))
        .try_collect()
        .await
        .unwrap_or_else(|error| panic!("read {collection}: {error}"))
}

/// A report counter's count (`n`) as a number.
pub fn counter_count(document: &mongodb::bson::Document) -> i64 {
    match document.get("n") {
        Some(mongodb::bson::Bson::Int32(n)) => i64::from(*n),
        Some(mongodb::bson::Bson::Int64(n)) => *n,
        other => panic!("a counter's n is {other:?}"),
    }
}

/// Every counter of `collections` that is not zero, as text (its `fields`
/// in that order, whichever path wrote the document), sorted; none may be
/// negative.
pub async fn nonzero_counters(
    database: &mongodb::Database,
    collections: &[&str],
    fields: &[&str],
) -> Vec<String> {
    let mut rows = Vec::new();
    for collection in collections {
        for document in documents(database, collection, mongodb::bson::doc! {}).await {
            let n = counter_count(&document);
            assert!(n >= 0, "a negative counter: {document}");
            if n > 0 {
                let shown: Vec<String> = fields
                    .iter()
                    .filter_map(|field| Some(format!("{field}={}", document.get(field)?)))
                    .collect();
                rows.push(format!("{collection} {} n={n}", shown.join(" ")));
            }
        }
    }
    rows.sort();
    rows
}

/// Drops the counter `collections` and runs migration `version` (`name`)
/// again, whose backfill counts them anew from the records.
pub async fn recount(
    store: &MongoStore,
    database: &mongodb::Database,
    collections: &[&str],
    version: i64,
    name: &str,
) {
    for collection in collections {
        database
            .collection::<mongodb::bson::Document>(collection)
            .drop()
            .await
            .unwrap_or_else(|error| panic!("drop {collection}: {error}"));
    }
    run_again(store, database, version, name).await;
}

/// Inserts a copy of every document of `collection` that meets `filter`,
/// each under a new id, behind the store's back; how many.
pub async fn insert_copies(
    database: &mongodb::Database,
    collection: &str,
    filter: mongodb::bson::Document,
) -> usize {
    let copies: Vec<mongodb::bson::Document> = documents(database, collection, filter)
        .await
        .into_iter()
        .map(|mut document| {
            document.insert("_id", uuid::Uuid::now_v7().to_string());
            document
        })
        .collect();
    if !copies.is_empty() {
        database
            .collection::<mongodb::bson::Document>(collection)
            .insert_many(&copies)
            .await
            .unwrap_or_else(|error| panic!("insert copies into {collection}: {error}"));
    }
    copies.len()
}

/// A report request over every customer for the periods between
/// consecutive `bounds` (RFC 3339 instants), each named by its start.
pub fn request_between(bounds: &[&str]) -> crm_analytics::CountRequest {
    let at = |text: &str| crm_kernel::Timestamp::parse_rfc3339(text).expect("an instant");
    let periods: Vec<crm_analytics::Period> = bounds
        .windows(2)
        .map(|pair| crm_analytics::Period {
            label: pair[0].to_owned(),
            start: at(pair[0]),
            end: at(pair[1]),
        })
        .collect();
    crm_analytics::CountRequest::new(&periods, crm_analytics::ReportScope::all())
}

/// The value of `field` (an id) of some live customer that has one, parsed.
pub async fn some_customer_field<T: std::str::FromStr>(
    database: &mongodb::Database,
    field: &str,
) -> T {
    use mongodb::bson::{Bson, doc};
    let found = database
        .collection::<mongodb::bson::Document>("customers")
        .find_one(doc! { field: { "$ne": Bson::Null }, "erased_at": Bson::Null })
        .await
        .expect("find")
        .unwrap_or_else(|| panic!("a customer with a {field}"));
    found
        .get_str(field)
        .ok()
        .and_then(|id| id.parse().ok())
        .expect("an id")
}

/// Deletes `company` at `at`, detaching its customers, then the staff
/// user `owner`: the writes that move every count of their customers'
/// records to other keys.
pub async fn delete_company_then_owner(
    store: &MongoStore,
    company: crm_kernel::CompanyId,
    owner: crm_kernel::UserId,
    at: crm_kernel::Timestamp,
) {
    crm_customers::ports::CompanyRepository::delete(store, company, true, at)
        .await
        .expect("delete a company, detaching its customers");
    crm_identity::ports::UserRepository::delete(store, owner, crm_identity::AdminGuard::None)
        .await
        .expect("delete an owner");
}
