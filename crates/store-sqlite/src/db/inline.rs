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
//!
//! **One snapshot per poll.** Under [`one_snapshot_per_poll`], the reads a
//! future makes during one poll share one read transaction: the first
//! opens it (`BEGIN`, then its statements), the others of the same poll
//! run in it, and it ends when the poll returns. A request that checks its
//! caller's session and then reads a record takes the write-ahead log's
//! read lock once instead of twice. A poll runs on one thread without
//! interruption, so no other task's reads can join it; a write through
//! the store ends it first and again once written, so a read after a
//! write always sees it.

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use crm_kernel::BackendError;
use rusqlite::{Connection, OpenFlags};

use super::open::{ConnectionRole, configure};

/// Idle connections kept for the next reads.
const MAX_IDLE: usize = 16;

thread_local! {
    /// How many [`one_snapshot_per_poll`] polls are running on this thread.
    static POLLS: Cell<u32> = const { Cell::new(0) };
    /// The connection whose read transaction this poll's reads share.
    static SHARED: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

/// A connection inside the read transaction of the current poll.
struct Shared {
    readers: Arc<InlineReaders>,
    conn: Connection,
}

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

    /// Runs `work` on an idle connection (or a new one) on this thread; in
    /// a poll of [`one_snapshot_per_poll`], in that poll's read transaction.
    pub(crate) fn run<T>(
        self: &Arc<Self>,
        work: impl FnOnce(&mut Connection) -> T,
    ) -> Result<T, BackendError> {
        if POLLS.get() > 0 {
            let shared = SHARED.take();
            match shared {
                Some(mut shared) if Arc::ptr_eq(&shared.readers, self) => {
                    let value = work(&mut shared.conn);
                    SHARED.set(Some(shared));
                    return Ok(value);
                }
                Some(other) => {
                    // Another store's snapshot: this read goes alone.
                    SHARED.set(Some(other));
                }
                None => {
                    let mut conn = self.take()?;
                    conn.prepare_cached("BEGIN")
                        .and_then(|mut begin| begin.execute([]))
                        .map_err(BackendError::new)?;
                    let value = work(&mut conn);
                    SHARED.set(Some(Shared {
                        readers: Arc::clone(self),
                        conn,
                    }));
                    return Ok(value);
                }
            }
        }
        self.run_alone(work)
    }

    /// [`Self::run`] in a snapshot that begins now: if this poll's shared
    /// snapshot of this store began already, `work` runs alone on another
    /// connection instead of in it.
    pub(crate) fn run_fresh<T>(
        self: &Arc<Self>,
        work: impl FnOnce(&mut Connection) -> T,
    ) -> Result<T, BackendError> {
        let shared_began = SHARED.with_borrow(|shared| {
            shared
                .as_ref()
                .is_some_and(|shared| Arc::ptr_eq(&shared.readers, self))
        });
        if shared_began {
            self.run_alone(work)
        } else {
            self.run(work)
        }
    }

    /// Runs `work` outside any shared snapshot, on a connection taken for
    /// it and given back.
    fn run_alone<T>(&self, work: impl FnOnce(&mut Connection) -> T) -> Result<T, BackendError> {
        let mut conn = self.take()?;
        let value = work(&mut conn);
        self.put_back(conn);
        Ok(value)
    }

    /// An idle connection, or a new one.
    fn take(&self) -> Result<Connection, BackendError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.open(),
        }
    }

    /// Keeps `conn` for the next reads, unless enough wait already.
    fn put_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
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

/// Ends the read transaction this thread's current poll shares, if any,
/// and gives its connection back. Writes call it before and after they
/// write, so that a read after a write starts a new snapshot.
pub(crate) fn end_shared_snapshot() {
    if let Some(Shared { readers, conn }) = SHARED.take() {
        // A read-only transaction commits nothing; a connection that could
        // not end it is dropped, which ends it.
        let commit = || conn.prepare_cached("COMMIT")?.execute([]);
        if conn.is_autocommit() || commit().is_ok() {
            readers.put_back(conn);
        }
    }
}

/// Runs `future` so that the short reads of the SQLite store it makes in
/// one poll share one read transaction, which ends when the poll returns
/// (see the module's documentation). Wrap a request's whole handling in it:
/// the session check and the record read then take one snapshot. Reads of
/// other stores are not affected.
pub fn one_snapshot_per_poll<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let mut future = Box::pin(future);
    std::future::poll_fn(move |cx| {
        let _poll = PollScope::enter();
        future.as_mut().poll(cx)
    })
}

/// One poll of [`one_snapshot_per_poll`] on this thread; the outermost
/// ends the shared snapshot when it is dropped (also on a panic).
struct PollScope;

impl PollScope {
    fn enter() -> Self {
        POLLS.set(POLLS.get() + 1);
        Self
    }
}

impl Drop for PollScope {
    fn drop(&mut self) {
        let polls = POLLS.get().saturating_sub(1);
        POLLS.set(polls);
        if polls == 0 {
            end_shared_snapshot();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::one_snapshot_per_poll;
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

    async fn store_with_a_table() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("crm.db")).await.unwrap();
        store
            .with_writer(|conn| conn.execute_batch("CREATE TABLE t (x INTEGER)"))
            .await
            .unwrap()
            .unwrap();
        (dir, store)
    }

    async fn count(store: &SqliteStore) -> i64 {
        store
            .read(|conn| {
                Ok::<_, DbError>(conn.query_row("SELECT count(*) FROM t", [], |row| row.get(0))?)
            })
            .await
            .unwrap()
    }

    /// Two reads with a commit of another connection between them, and
    /// what each saw.
    async fn two_reads_around_a_commit(store: &SqliteStore) -> (i64, i64) {
        let before = count(store).await;
        let other = rusqlite::Connection::open(store.path()).unwrap();
        other.execute("INSERT INTO t (x) VALUES (1)", []).unwrap();
        (before, count(store).await)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_reads_of_one_poll_share_one_snapshot() {
        let (_dir, store) = store_with_a_table().await;
        let (before, after) = two_reads_around_a_commit(&store).await;
        assert_eq!(
            (before, after),
            (0, 1),
            "alone, each read sees the last commit"
        );
        // The same reads in one poll (none of them waits): one snapshot.
        let (before, after) = one_snapshot_per_poll(two_reads_around_a_commit(&store)).await;
        assert_eq!(
            (before, after),
            (1, 1),
            "the second read saw a later commit"
        );
        // The poll ended its transaction: the next read sees the commit,
        // on the connection given back.
        assert_eq!(count(&store).await, 2);
        assert_eq!(store.inline_readers().idle(), 1);
        let in_transaction = store
            .read(|conn| Ok::<_, DbError>(!conn.is_autocommit()))
            .await
            .unwrap();
        assert!(
            !in_transaction,
            "a connection came back inside a transaction"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_of_the_store_ends_the_shared_snapshot() {
        let (_dir, store) = store_with_a_table().await;
        let (before, after) = one_snapshot_per_poll(async {
            let before = count(&store).await;
            store
                .with_writer(|conn| conn.execute("INSERT INTO t (x) VALUES (1)", []))
                .await
                .unwrap()
                .unwrap();
            (before, count(&store).await)
        })
        .await;
        assert_eq!((before, after), (0, 1), "a read after a write must see it");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ending_the_shared_snapshot_lets_the_next_read_of_the_poll_see_new_commits() {
        // What every write of the store calls before and after it writes,
        // here within one poll (a write itself may yield, which ends the
        // poll anyway).
        let (_dir, store) = store_with_a_table().await;
        let (before, after) = one_snapshot_per_poll(async {
            let before = count(&store).await;
            let other = rusqlite::Connection::open(store.path()).unwrap();
            other.execute("INSERT INTO t (x) VALUES (1)", []).unwrap();
            super::end_shared_snapshot();
            (before, count(&store).await)
        })
        .await;
        assert_eq!((before, after), (0, 1));
        assert_eq!(
            store.inline_readers().idle(),
            1,
            "one connection, given back"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn another_stores_reads_in_the_same_poll_go_alone() {
        let (_dir_a, a) = store_with_a_table().await;
        let (_dir_b, b) = store_with_a_table().await;
        let (a_before, b_before, b_after) = one_snapshot_per_poll(async {
            let a_before = count(&a).await;
            let (b_before, b_after) = two_reads_around_a_commit(&b).await;
            (a_before, b_before, b_after)
        })
        .await;
        assert_eq!((a_before, b_before, b_after), (0, 0, 1));
        assert_eq!(count(&a).await, 0);
    }
}
