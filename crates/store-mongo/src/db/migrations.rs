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

use crm_kernel::{BackendError, Timestamp};
use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use mongodb::error::ErrorKind;

use crate::bson::convert::{date, timestamp_of};
use crate::db::client::MongoStore;
use crate::db::error::is_duplicate_key;
use crate::db::migration_files::{Label, MIGRATIONS, Migration};
use crate::db::names;

/// The server's code for "the collection exists already".
const NAMESPACE_EXISTS: i32 = 48;

/// A migration that [`MongoStore::migrate`] applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationInfo {
    /// Its number.
    pub version: u32,
    /// Its name (the file name without number and extension).
    pub name: String,
    /// The SHA-256 of its file, in hex, as recorded.
    pub checksum: String,
}

/// Where one migration stands in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationState {
    /// Applied, from the file this binary embeds.
    Applied {
        /// When.
        at: Timestamp,
    },
    /// Not applied yet.
    Pending,
    /// Applied from a file that differs from this binary's (it was edited
    /// afterwards): `migrate` refuses to run.
    Altered {
        /// When it was applied.
        at: Timestamp,
    },
    /// Applied by a newer binary; this one does not know it and `migrate`
    /// refuses to run.
    Unknown {
        /// When it was applied.
        at: Timestamp,
    },
}

/// One migration and its state, as [`MongoStore::migration_status`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Its number.
    pub version: u32,
    /// Its name.
    pub name: String,
    /// Applied, pending, or a problem.
    pub state: MigrationState,
}

/// Why migrating (or reading the migration state) failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// An applied migration's file differs from the embedded one.
    #[error(
        "migration {version:04}_{name} was edited after it was applied (checksum {applied} \
         in the database, {embedded} in this binary); restore the file and add a new \
         migration instead"
    )]
    Altered {
        /// Its number.
        version: u32,
        /// Its name.
        name: String,
        /// The checksum recorded when it was applied.
        applied: String,
        /// The checksum of the file in this binary.
        embedded: String,
    },
    /// The database has a migration this binary does not know.
    #[error(
        "the database has migration {version:04}_{name}, which this binary does not know: \
         a newer version migrated it; run that version or a newer one"
    )]
    Unknown {
        /// Its number.
        version: u32,
        /// Its name as recorded.
        name: String,
    },
    /// A command of the migration failed; the migration is not recorded and
    /// runs again, from its first command, on the next `migrate`.
    #[error("migration {version:04}_{name} failed: {source}")]
    Failed {
        /// Its number.
        version: u32,
        /// Its name.
        name: String,
        /// What the server said.
        #[source]
        source: BackendError,
    },
    /// The database could not be read or written.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<mongodb::error::Error> for MigrationError {
    fn from(error: mongodb::error::Error) -> Self {
        Self::Backend(BackendError::new(error))
    }
}

/// A document of `schema_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Applied {
    pub(crate) version: u32,
    pub(crate) name: String,
    pub(crate) checksum: String,
    pub(crate) at: Timestamp,
}

impl MongoStore {
    /// Applies the pending migrations, in order, and returns those it applied
    /// (none when the schema is current).
    ///
    /// Refuses, applying nothing, when an applied migration was edited
    /// afterwards ([`MigrationError::Altered`]) or the database has a
    /// migration this binary does not know ([`MigrationError::Unknown`]).
    #[tracing::instrument(skip_all, fields(database = self.database_name()))]
    pub async fn migrate(&self) -> Result<Vec<MigrationInfo>, MigrationError> {
        self.migrate_with(MIGRATIONS).await
    }

    /// Every migration this binary knows, applied or pending, in order; then
    /// any the database has that this binary does not know.
    #[tracing::instrument(skip_all, fields(database = self.database_name()))]
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
                Err(error) if command.contains_key("create") && is_namespace_exists(&error) => {
                    if let Some(modify) = collmod_of(&command) {
                        self.database()
                            .run_command(modify)
                            .await
                            .map_err(|error| failed(BackendError::new(error)))?;
                    }
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

/// The state of each of `migrations` (then of unknown applied ones).
pub(crate) fn states(applied: &[Applied], migrations: &[Migration]) -> Vec<MigrationStatus> {
    let mut statuses: Vec<MigrationStatus> = migrations
        .iter()
        .map(|migration| {
            let state = match applied.iter().find(|row| row.version == migration.version) {
                None => MigrationState::Pending,
                Some(row) if row.checksum == migration.checksum() => {
                    MigrationState::Applied { at: row.at }
                }
                Some(row) => MigrationState::Altered { at: row.at },
            };
            MigrationStatus {
                version: migration.version,
                name: migration.name.to_owned(),
                state,
            }
        })
        .collect();
    statuses.extend(
        applied
            .iter()
            .filter(|row| !migrations.iter().any(|m| m.version == row.version))
            .map(|row| MigrationStatus {
                version: row.version,
                name: row.name.clone(),
                state: MigrationState::Unknown { at: row.at },
            }),
    );
    statuses
}

/// Checks an applied migration against the embedded ones.
pub(crate) fn verify(applied: &Applied, migrations: &[Migration]) -> Result<(), MigrationError> {
    match migrations.iter().find(|m| m.version == applied.version) {
        None => Err(MigrationError::Unknown {
            version: applied.version,
            name: applied.name.clone(),
        }),
        Some(migration) if migration.checksum() != applied.checksum => {
            tracing::error!(migration = %Label(migration.version, migration.name), "applied migration was edited");
            Err(MigrationError::Altered {
                version: migration.version,
                name: migration.name.to_owned(),
                applied: applied.checksum.clone(),
                embedded: migration.checksum(),
            })
        }
        Some(_) => Ok(()),
    }
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

fn is_namespace_exists(error: &mongodb::error::Error) -> bool {
    matches!(error.kind.as_ref(), ErrorKind::Command(command) if command.code == NAMESPACE_EXISTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: Migration = Migration {
        version: 1,
        name: "first",
        text: r#"{"commands": [{"create": "a"}]}"#,
    };
    const SECOND: Migration = Migration {
        version: 2,
        name: "second",
        text: r#"{"commands": [{"create": "b"}]}"#,
    };

    fn at() -> Timestamp {
        Timestamp::parse_rfc3339("2026-01-02T03:04:05.678Z").unwrap()
    }

    fn applied_as(migration: &Migration, checksum: String) -> Applied {
        Applied {
            version: migration.version,
            name: migration.name.to_owned(),
            checksum,
            at: at(),
        }
    }

    #[test]
    fn states_name_applied_pending_altered_and_unknown_migrations() {
        assert!(
            states(&[], &[FIRST, SECOND])
                .iter()
                .all(|s| s.state == MigrationState::Pending)
        );
        let applied = [
            applied_as(&FIRST, FIRST.checksum()),
            applied_as(&SECOND, "edited".into()),
            Applied {
                version: 3,
                name: "newer".into(),
                checksum: "x".into(),
                at: at(),
            },
        ];
        let states: Vec<(u32, MigrationState)> = states(&applied, &[FIRST, SECOND])
            .into_iter()
            .map(|s| (s.version, s.state))
            .collect();
        assert_eq!(
            states,
            vec![
                (1, MigrationState::Applied { at: at() }),
                (2, MigrationState::Altered { at: at() }),
                (3, MigrationState::Unknown { at: at() }),
            ]
        );
    }

    #[test]
    fn verify_refuses_edited_and_unknown_migrations() {
        assert!(verify(&applied_as(&FIRST, FIRST.checksum()), &[FIRST]).is_ok());
        let error = verify(&applied_as(&FIRST, "edited".into()), &[FIRST]).unwrap_err();
        assert!(
            matches!(error, MigrationError::Altered { version: 1, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("0001_first"), "{error}");
        let error = verify(&applied_as(&SECOND, SECOND.checksum()), &[FIRST]).unwrap_err();
        assert!(
            matches!(error, MigrationError::Unknown { version: 2, .. }),
            "{error}"
        );
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
