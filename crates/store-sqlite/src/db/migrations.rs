//! Schema migrations: the SQL files of `migrations/sqlite`, embedded in the
//! binary, applied in order and recorded in `schema_migrations`.
//!
//! Each migration runs in its own transaction together with the row that
//! records it, so a failed migration leaves nothing behind. The recorded
//! SHA-256 checksum of its SQL makes an edit after the fact visible: the
//! store then refuses to migrate rather than run on a schema that no file
//! describes. A migration version the binary does not know means a newer
//! binary migrated the file; an older one refuses to touch it.
//!
//! Migration files must not contain `BEGIN`/`COMMIT`, and cannot change
//! `PRAGMA foreign_keys` (it is a no-op inside a transaction).

use std::fmt::{self, Write as _};

use crm_kernel::{BackendError, Clock, SystemClock, Timestamp};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};

use crate::db::open::SqliteStore;
use crate::db::rows;

/// One migration as embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// Its number, the `NNNN` of the file name.
    pub(crate) version: u32,
    /// The rest of the file name.
    pub(crate) name: &'static str,
    /// Its SQL.
    pub(crate) sql: &'static str,
}

mod list;

pub(crate) use list::MIGRATIONS;

const CREATE_MIGRATIONS_TABLE: &str = "
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER NOT NULL PRIMARY KEY,
        name       TEXT NOT NULL,
        checksum   TEXT NOT NULL,
        applied_at TEXT NOT NULL
    ) STRICT;";

impl Migration {
    /// The SHA-256 of its SQL, in lower-case hex.
    pub(crate) fn checksum(&self) -> String {
        checksum(self.sql)
    }

    fn label(&self) -> Label<'_> {
        Label(self.version, self.name)
    }
}

/// The SHA-256 of `sql`, in lower-case hex.
fn checksum(sql: &str) -> String {
    let digest = Sha256::digest(sql.as_bytes());
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// `0001_identity`: how a migration is named in messages.
struct Label<'a>(u32, &'a str);

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}_{}", self.0, self.1)
    }
}

/// A migration that [`SqliteStore::migrate`] applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationInfo {
    /// Its number.
    pub version: u32,
    /// Its name (the file name without number and extension).
    pub name: String,
    /// The SHA-256 of its SQL, in hex, as recorded.
    pub checksum: String,
}

/// Where one migration stands in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationState {
    /// Applied, with the SQL this binary embeds.
    Applied {
        /// When.
        at: Timestamp,
    },
    /// Not applied yet.
    Pending,
    /// Applied, but from SQL that differs from this binary's file (the file
    /// was edited afterwards): `migrate` refuses to run.
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

/// One migration and its state, as [`SqliteStore::migration_status`] lists it.
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
    /// An applied migration's SQL differs from the embedded file.
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
        /// The checksum of the SQL in this binary.
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
    /// A migration's SQL failed; nothing of it was applied.
    #[error("migration {version:04}_{name} failed: {source}")]
    Failed {
        /// Its number.
        version: u32,
        /// Its name.
        name: String,
        /// What SQLite said.
        #[source]
        source: BackendError,
    },
    /// The database could not be read or written.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<rusqlite::Error> for MigrationError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Backend(BackendError::new(error))
    }
}

/// A row of `schema_migrations`.
#[derive(Debug)]
struct Applied {
    version: u32,
    name: String,
    checksum: String,
    at: Timestamp,
}

impl SqliteStore {
    /// Applies the pending migrations, in order, and returns those it applied
    /// (none when the schema is current).
    ///
    /// Refuses, applying nothing, when an applied migration was edited
    /// afterwards ([`MigrationError::Altered`]) or the database has a
    /// migration this binary does not know ([`MigrationError::Unknown`]).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migrate(&self) -> Result<Vec<MigrationInfo>, MigrationError> {
        let applied = self
            .with_writer(|conn| migrate(conn, MIGRATIONS, &SystemClock))
            .await??;
        for info in &applied {
            tracing::info!(version = info.version, name = %info.name, "applied migration");
        }
        Ok(applied)
    }

    /// Every migration this binary knows, applied or pending, in order; then
    /// any the database has that this binary does not know.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>, MigrationError> {
        self.with_reader(|conn| status(conn, MIGRATIONS)).await?
    }
}

/// Applies the pending ones of `migrations` on `conn`.
pub(crate) fn migrate(
    conn: &mut Connection,
    migrations: &[Migration],
    clock: &dyn Clock,
) -> Result<Vec<MigrationInfo>, MigrationError> {
    conn.execute_batch(CREATE_MIGRATIONS_TABLE)?;
    // Refuse before applying anything.
    for applied in read_applied(conn)? {
        verify(&applied, migrations)?;
    }
    let mut done = Vec::new();
    for migration in migrations {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Checked again under the write lock: another process may have
        // applied it since.
        let recorded: Option<String> = tx
            .query_row(
                "SELECT checksum FROM schema_migrations WHERE version = ?1",
                [migration.version],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(recorded) = recorded {
            if recorded != migration.checksum() {
                return Err(altered(migration, recorded));
            }
            continue;
        }
        let failed = |error: rusqlite::Error| MigrationError::Failed {
            version: migration.version,
            name: migration.name.to_owned(),
            source: BackendError::new(error),
        };
        tx.execute_batch(migration.sql).map_err(failed)?;
        let checksum = migration.checksum();
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES (?1, ?2, ?3, ?4)",
            (
                migration.version,
                migration.name,
                &checksum,
                clock.now().to_rfc3339(),
            ),
        )?;
        tx.commit().map_err(failed)?;
        done.push(MigrationInfo {
            version: migration.version,
            name: migration.name.to_owned(),
            checksum,
        });
    }
    Ok(done)
}

/// The state of each of `migrations` (and of unknown applied ones) on `conn`.
fn status(
    conn: &Connection,
    migrations: &[Migration],
) -> Result<Vec<MigrationStatus>, MigrationError> {
    let has_table = conn
        .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")?
        .exists([])?;
    let applied = if has_table {
        read_applied(conn)?
    } else {
        Vec::new()
    };
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
            .into_iter()
            .filter(|row| !migrations.iter().any(|m| m.version == row.version))
            .map(|row| MigrationStatus {
                version: row.version,
                name: row.name,
                state: MigrationState::Unknown { at: row.at },
            }),
    );
    Ok(statuses)
}

/// Every row of `schema_migrations`, by version.
fn read_applied(conn: &Connection) -> Result<Vec<Applied>, MigrationError> {
    let mut statement = conn.prepare(
        "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, u32>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut applied = Vec::new();
    for row in rows {
        let (version, name, checksum, applied_at) = row?;
        let applied_at = rows::timestamp("schema_migrations.applied_at", &applied_at)
            .map_err(BackendError::new)?;
        applied.push(Applied {
            version,
            name,
            checksum,
            at: applied_at,
        });
    }
    Ok(applied)
}

/// Checks an applied migration against the embedded ones.
fn verify(applied: &Applied, migrations: &[Migration]) -> Result<(), MigrationError> {
    match migrations.iter().find(|m| m.version == applied.version) {
        None => Err(MigrationError::Unknown {
            version: applied.version,
            name: applied.name.clone(),
        }),
        Some(migration) if migration.checksum() != applied.checksum => {
            Err(altered(migration, applied.checksum.clone()))
        }
        Some(_) => Ok(()),
    }
}

fn altered(migration: &Migration, applied: String) -> MigrationError {
    tracing::error!(migration = %migration.label(), "applied migration was edited");
    MigrationError::Altered {
        version: migration.version,
        name: migration.name.to_owned(),
        applied,
        embedded: migration.checksum(),
    }
}

#[cfg(test)]
mod tests;
