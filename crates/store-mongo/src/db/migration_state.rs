//! Where each migration stands, and the errors of migrating: which
//! applied migrations this binary knows and whether their files changed.

use crm_kernel::{BackendError, Timestamp};

use crate::db::migration_files::{Label, Migration};

/// A migration that [`MongoStore::migrate`](crate::MongoStore::migrate) applied.
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

/// One migration and its state, as [`MongoStore::migration_status`](crate::MongoStore::migration_status) lists it.
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
}
