//! Which store a test's app runs on: SQLite (a temporary file) by default,
//! MongoDB (a fresh database on the server `CRM_TEST_MONGO_URI` names) for
//! the tests that [`also_on_mongo!`](crate::common::also_on_mongo) repeats.
//!
//! Without the variable, each MongoDB test prints a `SKIPPED` line saying
//! why, and checks nothing; `scripts/test` always sets it (it starts the
//! test server) and fails on any `SKIPPED` line.

use std::cell::Cell;
use std::io::Write as _;

/// The variable naming the MongoDB test server.
pub const MONGO_URI_VARIABLE: &str = "CRM_TEST_MONGO_URI";

/// The JWT secret of apps on MongoDB (the store needs one configured).
pub const MONGO_JWT_SECRET: &str = "a-jwt-secret-for-tests-on-mongodb-0123456789";

/// The store an app is spawned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh database on the MongoDB test server.
    Mongo,
}

thread_local! {
    /// The store of the apps this thread's test spawns.
    static STORE: Cell<Store> = const { Cell::new(Store::Sqlite) };
}

/// The store of the apps the running test spawns.
pub fn current() -> Store {
    STORE.with(Cell::get)
}

/// The MongoDB test server's connection string, or `None` after saying
/// (past the test harness's capture, so it shows) that `test` is skipped.
pub fn mongo_uri(test: &str) -> Option<String> {
    match std::env::var(MONGO_URI_VARIABLE) {
        Ok(uri) if !uri.trim().is_empty() => Some(uri),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: {MONGO_URI_VARIABLE} is not set, so there is no MongoDB server to \
                 test against (scripts/test starts one; or run \
                 `scripts/mongo-test-server.sh start` and export what it prints)"
            );
            None
        }
    }
}

/// Runs `test` (a `#[tokio::test]` function: it builds its own runtime
/// and blocks this thread on its body) with every app it spawns on
/// MongoDB; skipped, with a line saying so, without a server.
pub fn run_on_mongo(name: &str, test: fn()) {
    if mongo_uri(name).is_none() {
        return;
    }
    STORE.with(|store| store.set(Store::Mongo));
    let _reset = ResetStore;
    test();
}

/// Puts SQLite back when a test on MongoDB ends, even by a panic.
struct ResetStore;

impl Drop for ResetStore {
    fn drop(&mut self) {
        STORE.with(|store| store.set(Store::Sqlite));
    }
}

/// `uri` with its database (the path) replaced by `name`, its options kept:
/// `mongodb://h:1/?directConnection=true` → `mongodb://h:1/name?directConnection=true`.
pub fn with_database(uri: &str, name: &str) -> String {
    let (scheme, rest) = uri.split_once("://").expect("a mongodb:// URI");
    let (hosts, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let query = path.split_once('?').map(|(_, query)| query);
    match query {
        Some(query) => format!("{scheme}://{hosts}/{name}?{query}"),
        None => format!("{scheme}://{hosts}/{name}"),
    }
}

/// A new database name on the test server.
pub fn new_database_name() -> String {
    format!("crm_http_{}", uuid::Uuid::now_v7().simple())
}

/// Drops a test's MongoDB database when the test ends.
#[derive(Debug)]
pub struct DropDatabase {
    /// The test server.
    pub uri: String,
    /// The database.
    pub name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        // This drop may run on a thread blocked in a runtime (a test's):
        // drop the database from a thread and runtime of its own.
        let (uri, name) = (self.uri.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let store = crm_store_mongo::MongoStore::connect_to_database(&uri, &name)
                    .await
                    .map_err(|e| e.to_string())?;
                store.drop_database().await.map_err(|e| e.to_string())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            let _ = writeln!(
                std::io::stderr(),
                "could not drop test database {}: {dropped:?}",
                self.name
            );
        }
    }
}
