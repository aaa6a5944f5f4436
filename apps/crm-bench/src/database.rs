//! The database of one run: a fresh SQLite file in the output folder, or a
//! fresh database on the MongoDB server that `CRM_BENCH_MONGO_URI` names
//! (named after the run, dropped at the end unless `--keep`). Everything
//! else in the bench reaches it through the ports ([`Database::stores`]),
//! its bulk path ([`Database::bulk`]) and the settings it gives the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crm_server::stores::Stores;
use crm_store_mongo::{ConnectError, MongoStore};
use crm_store_sqlite::SqliteStore;

use crate::error::BenchError;
use crate::load::BulkTarget;

/// Which store a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// The embedded SQLite store.
    Sqlite,
    /// MongoDB at `CRM_BENCH_MONGO_URI`.
    Mongo,
}

/// The variable naming the MongoDB server of `--store mongo`.
pub const MONGO_URI_VAR: &str = "CRM_BENCH_MONGO_URI";

/// The database a run loads, serves and measures.
#[derive(Debug)]
pub enum Database {
    /// An SQLite file.
    Sqlite {
        /// The file.
        path: PathBuf,
        /// The bench's own store on it (the loader's writer).
        store: Arc<SqliteStore>,
    },
    /// A database of its own on a MongoDB server.
    Mongo {
        /// The server's connection string, as given.
        uri: String,
        /// The run's database.
        name: String,
        /// Where the server writes `.eml` files (beside the reports).
        outbox: PathBuf,
        /// The bench's own store on it.
        store: Arc<MongoStore>,
    },
}

/// `uri` with its database path set to `name` (a MongoDB connection string
/// names the database between the hosts and the options).
#[must_use]
pub fn with_database(uri: &str, name: &str) -> String {
    let (scheme, rest) = uri.split_once("://").unwrap_or(("mongodb", uri));
    // Hosts hold no '/' or '?' (credentials have them percent-encoded).
    let hosts_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (hosts, tail) = rest.split_at(hosts_end);
    let options = tail.find('?').map_or("", |at| &tail[at..]);
    format!("{scheme}://{hosts}/{name}{options}")
}

impl Database {
    /// A fresh SQLite database at `path` (any earlier file removed), migrated.
    pub async fn sqlite(path: PathBuf) -> Result<Self, BenchError> {
        remove_sqlite(&path);
        let store = Arc::new(SqliteStore::open(&path).await?);
        store.migrate().await?;
        Ok(Self::Sqlite { path, store })
    }

    /// A fresh database named `name` on the server of
    /// [`MONGO_URI_VAR`], migrated; [`BenchError::Config`] without the
    /// variable or when the server cannot be reached.
    pub async fn mongo(name: String, out: &Path) -> Result<Self, BenchError> {
        let uri = std::env::var(MONGO_URI_VAR)
            .ok()
            .filter(|uri| !uri.trim().is_empty())
            .ok_or_else(|| {
                BenchError::Config(format!(
                    "--store mongo needs {MONGO_URI_VAR} (a mongodb:// connection string of a \
                     replica set; scripts/mongo-test-server.sh start runs one)"
                ))
            })?;
        let store =
            MongoStore::connect_to_database(&uri, &name)
                .await
                .map_err(|error| match error {
                    ConnectError::InvalidUri(_)
                    | ConnectError::Unavailable(_)
                    | ConnectError::NotReplicaSet => {
                        BenchError::Config(format!("{MONGO_URI_VAR}: {error}"))
                    }
                })?;
        store.migrate().await?;
        let outbox = out.join(format!("{name}.outbox"));
        Ok(Self::Mongo {
            uri,
            name,
            outbox,
            store: Arc::new(store),
        })
    }

    /// `sqlite` or `mongo`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Mongo { .. } => "mongo",
        }
    }

    /// Where it is, for the log (no credentials).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite { path, .. } => path.display().to_string(),
            Self::Mongo { name, .. } => format!("MongoDB database {name}"),
        }
    }

    /// Every port on it, as the server builds them.
    #[must_use]
    pub fn stores(&self) -> Stores {
        match self {
            Self::Sqlite { store, .. } => Stores::sqlite(store),
            Self::Mongo { store, .. } => Stores::mongo(store),
        }
    }

    /// Its bulk path.
    #[must_use]
    pub fn bulk(&self) -> Arc<dyn BulkTarget> {
        match self {
            Self::Sqlite { store, .. } => Arc::clone(store) as Arc<dyn BulkTarget>,
            Self::Mongo { store, .. } => Arc::clone(store) as Arc<dyn BulkTarget>,
        }
    }

    /// The server's `CRM_DATABASE_URL`.
    #[must_use]
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            Self::Mongo { uri, name, .. } => with_database(uri, name),
        }
    }

    /// The server's outbox folder.
    #[must_use]
    pub fn outbox(&self) -> PathBuf {
        match self {
            Self::Sqlite { path, .. } => path.with_extension("outbox"),
            Self::Mongo { outbox, .. } => outbox.clone(),
        }
    }

    /// What the ceiling server needs to read a customer (see `ceiling`).
    #[must_use]
    pub fn ceiling_env(&self) -> Vec<(String, String)> {
        match self {
            Self::Sqlite { path, .. } => vec![(
                crate::ceiling::DATABASE_VAR.into(),
                path.display().to_string(),
            )],
            Self::Mongo { uri, name, .. } => vec![
                (crate::ceiling::MONGO_URI_VAR.into(), uri.clone()),
                (crate::ceiling::MONGO_DATABASE_VAR.into(), name.clone()),
            ],
        }
    }

    /// Its size: the file and its log, or MongoDB's data and index sizes
    /// (`dbStats`; 0 when the server does not say).
    pub async fn bytes(&self) -> u64 {
        match self {
            Self::Sqlite { path, .. } => ["", "-wal"]
                .iter()
                .map(|suffix| {
                    let mut name = path.as_os_str().to_owned();
                    name.push(suffix);
                    std::fs::metadata(PathBuf::from(name)).map_or(0, |m| m.len())
                })
                .sum(),
            Self::Mongo { uri, name, .. } => mongo_bytes(uri, name).await.unwrap_or(0),
        }
    }

    /// Removes the database (and the server's outbox), unless `keep`.
    pub async fn finish(self, keep: bool) -> Result<(), BenchError> {
        match self {
            Self::Sqlite { path, store } => {
                drop(store);
                if !keep {
                    remove_sqlite(&path);
                }
            }
            Self::Mongo {
                store,
                outbox,
                name,
                ..
            } => {
                if keep {
                    tracing::info!(database = %name, "kept");
                } else {
                    store.drop_database().await?;
                    let _ = std::fs::remove_dir_all(outbox);
                }
            }
        }
        Ok(())
    }
}

async fn mongo_bytes(uri: &str, name: &str) -> Option<u64> {
    let client = mongodb::Client::with_uri_str(uri).await.ok()?;
    let stats = client
        .database(name)
        .run_command(mongodb::bson::doc! { "dbStats": 1 })
        .await
        .ok()?;
    let size = |field: &str| {
        stats
            .get(field)
            .and_then(|v| match v {
                mongodb::bson::Bson::Int32(n) => u64::try_from(*n).ok(),
                mongodb::bson::Bson::Int64(n) => u64::try_from(*n).ok(),
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "a byte count"
                )]
                mongodb::bson::Bson::Double(n) => Some(*n as u64),
                _ => None,
            })
            .unwrap_or(0)
    };
    Some(size("dataSize") + size("indexSize"))
}

fn remove_sqlite(db: &Path) {
    for suffix in ["", "-wal", "-shm", ".jwt-secret"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    let _ = std::fs::remove_dir_all(db.with_extension("outbox"));
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_run_s_database_replaces_the_one_the_connection_string_names() {
        assert_eq!(
            with_database("mongodb://127.0.0.1:53121/?directConnection=true", "run_1"),
            "mongodb://127.0.0.1:53121/run_1?directConnection=true"
        );
        assert_eq!(
            with_database(
                "mongodb://u:p%2Fq@a:1,b:2/crm?replicaSet=rs0&w=majority",
                "run_1"
            ),
            "mongodb://u:p%2Fq@a:1,b:2/run_1?replicaSet=rs0&w=majority"
        );
        assert_eq!(
            with_database("mongodb+srv://cluster.example.net", "run_1"),
            "mongodb+srv://cluster.example.net/run_1"
        );
        assert_eq!(
            with_database("mongodb://h?tls=true", "run_1"),
            "mongodb://h/run_1?tls=true"
        );
    }
}
