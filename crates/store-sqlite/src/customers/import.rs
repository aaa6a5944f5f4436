//! The import transaction: one `BEGIN IMMEDIATE` transaction on the writer
//! connection that spans several calls, each batch inside a savepoint.
//!
//! The transaction holds the writer connection object taken from the writer
//! pool (so nothing else writes until it ends) and runs every statement
//! through `interact`, on the blocking thread pool. Dropped without
//! [`commit`](ImportTransaction::commit), it rolls back from a spawned task
//! that then returns the connection to the pool; should that be impossible
//! (no runtime left), the writer rolls back the abandoned transaction the
//! next time it is used, so no later write ever runs inside it.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use crm_customers::ports::{ImportTransaction, ImportWrite, ImportWriteError, StoreError};
use crm_kernel::BackendError;
use deadpool_sqlite::Object;
use rusqlite::{Connection, DropBehavior};

use crate::customers::writes;
use crate::db::changes::Changes;
use crate::db::error::CustomerDbError;
use crate::db::open::{SqliteStore, end_abandoned_transaction};

/// An open import transaction of the SQLite store.
pub(crate) struct SqliteImport {
    /// The writer connection; `None` once committed.
    conn: Option<Object>,
    /// Told when the transaction ends (`db/changes.rs`).
    changes: Arc<Changes>,
}

impl fmt::Debug for SqliteImport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteImport")
            .field("open", &self.conn.is_some())
            .field("changes", &self.changes)
            .finish()
    }
}

impl SqliteImport {
    /// Takes the writer connection (waiting for the writes under way) and
    /// begins the transaction.
    #[tracing::instrument(level = "debug", skip_all)]
    pub(crate) async fn begin(store: &SqliteStore) -> Result<Self, StoreError> {
        let conn = store.writer_connection().await?;
        conn.interact(|conn| {
            end_abandoned_transaction(conn)?;
            conn.execute_batch("BEGIN IMMEDIATE")
                .map_err(BackendError::new)
        })
        .await
        .map_err(|error| task_failed(&error))??;
        Ok(Self {
            conn: Some(conn),
            changes: Arc::clone(store.changes()),
        })
    }
}

#[async_trait]
impl ImportTransaction for SqliteImport {
    #[tracing::instrument(level = "debug", skip_all, fields(writes = batch.len()))]
    async fn write(&mut self, batch: &[ImportWrite]) -> Result<(), ImportWriteError> {
        let at_start = |error: BackendError| ImportWriteError {
            index: 0,
            error: StoreError::Backend(error),
        };
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| at_start(BackendError::msg("the import transaction has ended")))?;
        let batch = batch.to_vec();
        conn.interact(move |conn| write_batch(conn, &batch))
            .await
            .map_err(|error| at_start(task_failed(&error)))?
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        let conn = self
            .conn
            .take()
            .ok_or_else(|| BackendError::msg("the import transaction has ended"))?;
        let changes = Arc::clone(&self.changes);
        conn.interact(move |conn| {
            let committed = conn.execute_batch("COMMIT");
            if committed.is_err() && !conn.is_autocommit() {
                // Leave nothing open for the next writer.
                let _ = conn.execute_batch("ROLLBACK");
            }
            changes.committed();
            committed.map_err(BackendError::new)
        })
        .await
        .map_err(|error| task_failed(&error))??;
        Ok(())
    }
}

impl Drop for SqliteImport {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            // The connection goes back to the pool when this task ends,
            // after the rollback: the next writer finds no transaction.
            runtime.spawn(async move {
                let rolled_back = conn
                    .interact(|conn| end_abandoned_transaction(conn))
                    .await
                    .map_err(|error| task_failed(&error))
                    .and_then(|result| result);
                match rolled_back {
                    Ok(()) => tracing::debug!("import transaction rolled back"),
                    Err(error) => {
                        tracing::error!(%error, "rolling back an import transaction failed");
                    }
                }
            });
        } else {
            tracing::warn!(
                "import transaction dropped outside a runtime: the writer rolls it back when next used"
            );
            drop(conn);
        }
    }
}

/// Writes `batch` inside a savepoint: all of it, or, at the first failing
/// write, nothing of it (the transaction stays open).
fn write_batch(conn: &mut Connection, batch: &[ImportWrite]) -> Result<(), ImportWriteError> {
    let failed = |index: usize, error: CustomerDbError| ImportWriteError {
        index,
        error: error.into(),
    };
    let mut savepoint = conn.savepoint().map_err(|error| failed(0, error.into()))?;
    for (index, write) in batch.iter().enumerate() {
        let written = match write {
            ImportWrite::Create(customer, change) => writes::insert(&savepoint, customer, change),
            ImportWrite::Update(customer, expected, change) => {
                writes::update(&savepoint, customer, *expected, change.as_ref())
            }
        };
        if let Err(error) = written {
            savepoint.set_drop_behavior(DropBehavior::Rollback);
            return match savepoint.finish() {
                Ok(()) => Err(failed(index, error)),
                // The batch could not be undone: the transaction is unusable.
                Err(rollback) => Err(failed(index, rollback.into())),
            };
        }
    }
    savepoint
        .commit()
        .map_err(|error| failed(batch.len().saturating_sub(1), error.into()))
}

fn task_failed(error: &deadpool_sqlite::InteractError) -> BackendError {
    BackendError::msg(format!("SQLite task failed: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, SqliteStore) {
        let folder = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&folder.path().join("crm.db"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        (folder, store)
    }

    async fn companies(store: &SqliteStore) -> i64 {
        store
            .read(|conn| {
                Ok::<_, CustomerDbError>(conn.query_row(
                    "SELECT count(*) FROM companies",
                    [],
                    |row| row.get(0),
                )?)
            })
            .await
            .unwrap()
    }

    /// A transaction left open on the writer connection (as an import
    /// dropped without a runtime leaves it) is rolled back before the next
    /// write, which commits on its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_next_writer_never_inherits_an_open_transaction() {
        let (_folder, store) = store().await;
        let conn = store.writer_connection().await.unwrap();
        conn.interact(|conn| {
            conn.execute_batch(
                "BEGIN IMMEDIATE; INSERT INTO companies (id, name, name_sort, created_at, updated_at) \
                 VALUES ('abandoned', 'A', 'a', 't', 't');",
            )
        })
        .await
        .unwrap()
        .unwrap();
        drop(conn);
        store
            .write(|tx| {
                tx.execute_batch(
                    "INSERT INTO companies (id, name, name_sort, created_at, updated_at) \
                     VALUES ('kept', 'K', 'k', 't', 't');",
                )?;
                Ok::<_, CustomerDbError>(())
            })
            .await
            .unwrap();
        assert_eq!(
            companies(&store).await,
            1,
            "only the later write is committed"
        );
        let open = store
            .with_writer(|conn| conn.is_autocommit())
            .await
            .unwrap();
        assert!(open, "no transaction is left open");
    }

    /// Dropping an import inside a runtime rolls it back before anyone else writes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_import_rolls_back_before_the_next_write() {
        let (_folder, store) = store().await;
        let import = SqliteImport::begin(&store).await.unwrap();
        import
            .conn
            .as_ref()
            .unwrap()
            .interact(|conn| {
                conn.execute_batch(
                    "INSERT INTO companies (id, name, name_sort, created_at, updated_at) \
                     VALUES ('dropped', 'D', 'd', 't', 't');",
                )
            })
            .await
            .unwrap()
            .unwrap();
        drop(import);
        let in_transaction = store
            .writer_connection()
            .await
            .unwrap()
            .interact(|conn| !conn.is_autocommit())
            .await
            .unwrap();
        assert!(!in_transaction, "the writer comes back rolled back");
        assert_eq!(companies(&store).await, 0);
    }
}
