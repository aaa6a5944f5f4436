//! Reads on the caller's own thread: a short read (one record, one page)
//! takes a read-only connection from a small stack, runs on the thread
//! that asked, and puts the connection back. No trip through the blocking
//! thread pool, no task switch: such a read costs a few microseconds of
//! SQLite, where two hops between threads cost more than the read itself
//! (see docs/adr/0016-short-reads-inline-checkpoints-off-the-writer.md).
//!
//! A connection is held only while its read runs, synchronously, so at
//! most one connection per thread that reads at the same moment is in use:
//! the stack stays as small as the number of such threads, and
//! connections beyond [`MAX_IDLE`] are closed when given back.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use crm_kernel::BackendError;
use rusqlite::{Connection, OpenFlags};

use super::open::{ConnectionRole, configure};

/// Idle connections kept for the next reads.
const MAX_IDLE: usize = 16;

/// The read-only connections of inline reads.
#[derive(Debug)]
pub(crate) struct InlineReaders {
    path: Arc<Path>,
    idle: Mutex<Vec<Connection>>,
}

impl InlineReaders {
    /// No connection yet: the first read opens one.
    pub(crate) fn new(path: Arc<Path>) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` on an idle connection (or a new one) on this thread.
    pub(crate) fn run<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> T,
    ) -> Result<T, BackendError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let value = work(&mut conn);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        Ok(value)
    }

    fn open(&self) -> Result<Connection, BackendError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(BackendError::new)?;
        configure(&conn, ConnectionRole::Reader).map_err(BackendError::new)?;
        Ok(conn)
    }

    /// How many connections wait idle (for tests).
    #[cfg(test)]
    pub(crate) fn idle(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use crate::db::error::DbError;
    use crate::db::open::SqliteStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_runs_on_the_calling_thread_and_keeps_its_connection() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("crm.db")).await.unwrap();
        store.migrate().await.unwrap();
        for _ in 0..3 {
            let caller = std::thread::current().id();
            let (reader, only) = store
                .read(|conn| {
                    let only: i64 = conn.query_row("PRAGMA query_only", [], |row| row.get(0))?;
                    Ok::<_, DbError>((std::thread::current().id(), only))
                })
                .await
                .unwrap();
            assert_eq!(reader, caller, "the read hopped to another thread");
            assert_eq!(only, 1, "inline connections are read-only");
        }
        assert_eq!(
            store.inline_readers().idle(),
            1,
            "sequential reads share one connection"
        );
    }
}
