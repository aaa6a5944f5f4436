//! The schema of either store: applying and listing migrations, and
//! whether the store can serve (`/health/ready`).

use std::fmt;
use std::sync::Arc;

use crm_store_mongo::MongoStore;
use crm_store_sqlite::SqliteStore;

/// The store's migrations and readiness. Clones share the store.
#[derive(Debug, Clone)]
pub enum Schema {
    /// The embedded SQLite file.
    Sqlite(Arc<SqliteStore>),
    /// A MongoDB database.
    Mongo(Arc<MongoStore>),
}

/// One migration as `migrate --status` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationLine {
    /// Its number.
    pub version: u32,
    /// Its name.
    pub name: String,
    /// `applied <when>`, `pending`, or what is wrong with it.
    pub state: String,
}

impl fmt::Display for MigrationLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}_{}  {}", self.version, self.name, self.state)
    }
}

/// What the status of a migration says, in one store's terms.
macro_rules! state_text {
    ($state:expr, $module:ident) => {
        match $state {
            $module::MigrationState::Applied { at } => format!("applied {at}"),
            $module::MigrationState::Pending => "pending".to_owned(),
            $module::MigrationState::Altered { at } => {
                format!("EDITED after it was applied {at}")
            }
            $module::MigrationState::Unknown { at } => {
                format!("UNKNOWN to this binary, applied {at}")
            }
        }
    };
}

impl Schema {
    /// Which store: `sqlite` or `mongodb`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Mongo(_) => "mongodb",
        }
    }

    /// Applies the pending migrations; the labels (`0001_identity`) of
    /// those it applied.
    pub async fn migrate(&self) -> Result<Vec<String>, String> {
        let label = |version: u32, name: &str| format!("{version:04}_{name}");
        match self {
            Self::Sqlite(store) => store
                .migrate()
                .await
                .map(|done| done.iter().map(|m| label(m.version, &m.name)).collect())
                .map_err(|e| e.to_string()),
            Self::Mongo(store) => store
                .migrate()
                .await
                .map(|done| done.iter().map(|m| label(m.version, &m.name)).collect())
                .map_err(|e| e.to_string()),
        }
    }

    /// Every migration this binary knows, applied or pending, then any the
    /// database has that it does not know.
    pub async fn migration_status(&self) -> Result<Vec<MigrationLine>, String> {
        match self {
            Self::Sqlite(store) => Ok(store
                .migration_status()
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|m| MigrationLine {
                    version: m.version,
                    name: m.name,
                    state: state_text!(m.state, crm_store_sqlite),
                })
                .collect()),
            Self::Mongo(store) => Ok(store
                .migration_status()
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|m| MigrationLine {
                    version: m.version,
                    name: m.name,
                    state: state_text!(m.state, crm_store_mongo),
                })
                .collect()),
        }
    }

    /// Whether the store answers and every migration is applied; why not
    /// otherwise.
    pub async fn ready(&self) -> Result<(), String> {
        match self {
            Self::Sqlite(store) => store.ready().await.map_err(|e| e.to_string()),
            Self::Mongo(store) => store.ready().await.map_err(|e| e.to_string()),
        }
    }
}
