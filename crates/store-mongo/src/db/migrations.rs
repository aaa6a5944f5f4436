//! Schema migrations: the files of `migrations/mongo` (collections with
//! `$jsonSchema` validators, indexes), applied in order and recorded in
//! `schema_migrations` with the SHA-256 checksum of their text.
//!
//! As in the SQLite store, an applied migration whose file was edited
//! afterwards, or one that this binary does not know (a newer binary
//! migrated the database), makes `migrate` refuse to run. MongoDB runs no
//! transaction around index and collection commands, so a migration is made
//! of commands that can run again: a failed migration is not recorded, and
//! the next `migrate` runs it again from its first command. Two instances
//! migrating at once run the same commands and record the migration once.

use crm_kernel::BackendError;
use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use mongodb::error::ErrorKind;

use crate::bson::convert::{date, timestamp_of};
use crate::db::client::MongoStore;
use crate::db::error::is_duplicate_key;
use crate::db::migration_files::{MIGRATIONS, Migration};
use crate::db::migration_state::{Applied, states, verify};
pub use crate::db::migration_state::{
    MigrationError, MigrationInfo, MigrationState, MigrationStatus,
};
use crate::db::names;

/// The server's code for "the collection exists already".
const NAMESPACE_EXISTS: i32 = 48;

/// The server's code for "no index of that name" (of `dropIndexes`).
const INDEX_NOT_FOUND: i32 = 27;

impl MongoStore {
    /// Applies the pending migrations, in order, and returns those it applied
    /// (none when the schema is current).
    ///
    /// Refuses, applying nothing, when an applied migration was edited
    /// afterwards ([`MigrationError::Altered`]) or the database has a
    /// migration this binary does not know ([`MigrationError::Unknown`]).
    #[tracing::instrument(level = "debug", skip_all, fields(database = self.database_name()))]
    pub async fn migrate(&self) -> Result<Vec<MigrationInfo>, MigrationError> {
        self.migrate_with(MIGRATIONS).await
    }

    /// Every migration this binary knows, applied or pending, in order; then
    /// any the database has that this binary does not know.
    #[tracing::instrument(level = "debug", skip_all, fields(database = self.database_name()))]
    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>, MigrationError> {
        Ok(states(&self.applied_migrations().await?, MIGRATIONS))
    }

    pub(crate) async fn migrate_with(
        &self,
        migrations: &[Migration],
    ) -> Result<Vec<MigrationInfo>, MigrationError> {
        for applied in self.applied_migrations().await? {
            verify(&applied, migrations)?;
        }
        let mut done = Vec::new();
        for migration in migrations {
            if let Some(applied) = self.applied_migration(migration.version).await? {
                verify(&applied, migrations)?;
                continue;
            }
            self.apply(migration).await?;
            if self.record(migration).await? {
                tracing::info!(migration = %migration.label(), "applied migration");
                done.push(MigrationInfo {
                    version: migration.version,
                    name: migration.name.to_owned(),
                    checksum: migration.checksum(),
                });
            }
        }
        Ok(done)
    }

    /// Runs the commands of `migration`, in order.
    async fn apply(&self, migration: &Migration) -> Result<(), MigrationError> {
        let failed = |source: BackendError| MigrationError::Failed {
            version: migration.version,
            name: migration.name.to_owned(),
            source,
        };
        let commands = migration
            .commands()
            .map_err(|error| failed(BackendError::new(error)))?;
        for command in commands {
            match self.database().run_command(command.clone()).await {
                Ok(_) => {}
                Err(error)
                    if command.contains_key("create") && has_code(&error, NAMESPACE_EXISTS) =>
                {
                    if let Some(modify) = collmod_of(&command) {
                        self.database()
                            .run_command(modify)
                            .await
                            .map_err(|error| failed(BackendError::new(error)))?;
                    }
                }
                // Dropped by an earlier, interrupted run of this migration.
                Err(error)
                    if command.contains_key("dropIndexes") && has_code(&error, INDEX_NOT_FOUND) => {
                }
                Err(error) => return Err(failed(BackendError::new(error))),
            }
        }
        Ok(())
    }

    /// Records `migration` as applied now; `false` when a concurrent
    /// `migrate` recorded it first (with the same file, or this refuses).
    async fn record(&self, migration: &Migration) -> Result<bool, MigrationError> {
        let recorded = self
            .collection(names::MIGRATIONS)
            .insert_one(doc! {
                "_id": i64::from(migration.version),
                "name": migration.name,
                "checksum": migration.checksum(),
                "applied_at": date(crm_kernel::Clock::now(&crm_kernel::SystemClock)),
            })
            .await;
        match recorded {
            Ok(_) => Ok(true),
            Err(error) if is_duplicate_key(&error) => {
                if let Some(applied) = self.applied_migration(migration.version).await? {
                    verify(&applied, MIGRATIONS)?;
                }
                Ok(false)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Every document of `schema_migrations`, by version.
    async fn applied_migrations(&self) -> Result<Vec<Applied>, MigrationError> {
        let documents: Vec<Document> = self
            .collection(names::MIGRATIONS)
            .find(doc! {})
            .sort(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        documents.iter().map(applied).collect()
    }

    async fn applied_migration(&self, version: u32) -> Result<Option<Applied>, MigrationError> {
        self.collection(names::MIGRATIONS)
            .find_one(doc! { "_id": i64::from(version) })
            .await?
            .as_ref()
            .map(applied)
            .transpose()
    }
}

/// Reads a document of `schema_migrations`.
fn applied(document: &Document) -> Result<Applied, MigrationError> {
    let corrupt = |what: &str| {
        MigrationError::Backend(BackendError::msg(format!(
            "corrupt document in schema_migrations ({what}): {document}"
        )))
    };
    let version = match document.get("_id") {
        Some(Bson::Int32(n)) => u32::try_from(*n).ok(),
        Some(Bson::Int64(n)) => u32::try_from(*n).ok(),
        _ => None,
    }
    .ok_or_else(|| corrupt("_id"))?;
    Ok(Applied {
        version,
        name: document
            .get_str("name")
            .map_err(|_| corrupt("name"))?
            .to_owned(),
        checksum: document
            .get_str("checksum")
            .map_err(|_| corrupt("checksum"))?
            .to_owned(),
        at: document
            .get_datetime("applied_at")
            .ok()
            .and_then(|at| timestamp_of(*at))
            .ok_or_else(|| corrupt("applied_at"))?,
    })
}

/// The `collMod` that gives an existing collection what `create` would
/// have: its validator and validation settings (`None` when it sets none).
pub(crate) fn collmod_of(create: &Document) -> Option<Document> {
    let name = create.get_str("create").ok()?;
    let mut modify = doc! { "collMod": name };
    for field in ["validator", "validationLevel", "validationAction"] {
        if let Some(value) = create.get(field) {
            modify.insert(field, value.clone());
        }
    }
    (modify.len() > 1).then_some(modify)
}

fn has_code(error: &mongodb::error::Error, code: i32) -> bool {
    matches!(error.kind.as_ref(), ErrorKind::Command(command) if command.code == code)
}

#[cfg(test)]
mod tests {
    use crm_kernel::Timestamp;

    use super::*;

    fn at() -> Timestamp {
        Timestamp::parse_rfc3339("2026-01-02T03:04:05.678Z").unwrap()
    }

    #[test]
    fn create_of_an_existing_collection_becomes_a_collmod_of_its_validator() {
        let create = doc! {
            "create": "users",
            "validator": { "$jsonSchema": { "bsonType": "object" } },
            "validationLevel": "strict",
        };
        assert_eq!(
            collmod_of(&create),
            Some(doc! {
                "collMod": "users",
                "validator": { "$jsonSchema": { "bsonType": "object" } },
                "validationLevel": "strict",
            })
        );
        assert_eq!(collmod_of(&doc! { "create": "locks" }), None);
    }

    #[test]
    fn applied_documents_are_read_back() {
        let document = doc! {
            "_id": 2_i64, "name": "customers", "checksum": "abc", "applied_at": date(at()),
        };
        assert_eq!(
            applied(&document).unwrap(),
            Applied {
                version: 2,
                name: "customers".into(),
                checksum: "abc".into(),
                at: at(),
            }
        );
        assert!(applied(&doc! { "_id": "x" }).is_err());
    }
}
