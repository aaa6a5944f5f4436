//! The threads that run the store's blocking work: a few of its own, as
//! many as the connections they serve, that live as long as the store.
//!
//! On tokio's shared blocking pool, the store's calls ran on whichever of
//! dozens of threads was free, and each thread that had run a report kept the
//! memory the report had freed: the allocator gives a thread's free pages
//! back to the system only when that thread allocates again, so one
//! whole-range report (four calls, on four threads) left about 17 MiB
//! resident, and forty in a row 100 MiB. On a fixed few threads, each one
//! reuses what it freed: the resident memory is bounded by what those few
//! threads hold at their busiest, and a thread idle for [`KEEP_ALIVE`] ends
//! and gives it back.

use std::time::Duration;

use crm_kernel::BackendError;
use deadpool_sqlite::Object;
use rusqlite::Connection;
use tokio::runtime::{Builder, Handle, Runtime};

/// How long an idle thread waits for work before it ends (the next call
/// starts a new one, in tens of microseconds). A thread that ends gives
/// back what it freed and the allocator still kept; one that waits keeps
/// it: after a burst of reports the four readers held about 23 MiB until
/// they ran again (ADR 0019, "Idle threads end").
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// At most `threads` threads, named `name`, for the blocking work of one
/// pool of connections.
#[derive(Debug)]
pub(crate) struct StoreThreads {
    /// A runtime that is never driven: only its blocking pool runs.
    runtime: Option<Runtime>,
}

impl StoreThreads {
    /// Threads for a pool of `threads` connections.
    pub(crate) fn new(name: &'static str, threads: usize) -> Result<Self, BackendError> {
        Self::ending_after(name, threads, KEEP_ALIVE)
    }

    /// Threads that end once idle for `keep_alive`.
    fn ending_after(
        name: &'static str,
        threads: usize,
        keep_alive: Duration,
    ) -> Result<Self, BackendError> {
        let runtime = Builder::new_current_thread()
            .thread_name(name)
            .max_blocking_threads(threads.max(1))
            .thread_keep_alive(keep_alive)
            .build()
            .map_err(BackendError::new)?;
        Ok(Self {
            runtime: Some(runtime),
        })
    }

    fn handle(&self) -> Option<&Handle> {
        self.runtime.as_ref().map(Runtime::handle)
    }

    /// Runs `work` with the connection `conn` on one of these threads.
    ///
    /// A panic in `work` is an error; it poisons the connection, which the
    /// pool then discards.
    pub(crate) async fn run<T, F>(&self, conn: Object, work: F) -> Result<T, BackendError>
    where
        F: FnOnce(&mut Connection) -> T + Send + 'static,
        T: Send + 'static,
    {
        let handle = self
            .handle()
            .ok_or_else(|| BackendError::msg("the store's threads have stopped"))?;
        handle
            .spawn_blocking(move || {
                let mut guard = conn.lock().map_err(|_| {
                    BackendError::msg("the connection is unusable: an earlier call panicked")
                })?;
                Ok(work(&mut guard))
            })
            .await
            .map_err(|error| BackendError::msg(format!("SQLite task failed: {error}")))?
    }
}

impl Drop for StoreThreads {
    /// Lets running work finish on its own, without blocking the caller
    /// (the last clone of a store is often dropped on an async thread).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open::{READERS, SqliteStore};

    #[tokio::test]
    async fn reads_run_on_at_most_one_thread_per_reader_writes_on_the_writers_and_a_panic_is_an_error()
     {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("crm.db")).await.unwrap();
        let calls: Vec<_> = (0..32)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .with_reader(|_| {
                            std::thread::sleep(Duration::from_millis(2));
                            let thread = std::thread::current();
                            (thread.name().unwrap_or_default().to_owned(), thread.id())
                        })
                        .await
                })
            })
            .collect();
        let mut names = std::collections::HashSet::new();
        for call in calls {
            names.insert(call.await.unwrap().unwrap());
        }
        assert!(
            names.iter().all(|(name, _)| name == "crm-sqlite-reader"),
            "{names:?}"
        );
        assert!(names.len() <= READERS, "{} threads", names.len());

        let writer = store
            .write(|_| {
                Ok::<_, crate::db::error::DbError>(std::thread::current().name().map(str::to_owned))
            })
            .await
            .unwrap();
        assert_eq!(writer.as_deref(), Some("crm-sqlite-writer"));

        let panicked = store
            .with_reader(|_| -> () { panic!("a bug in a read") })
            .await;
        assert!(panicked.is_err());
        // The store goes on with its other connections.
        assert_eq!(store.with_reader(|_| 7).await.unwrap(), 7);
    }

    /// Threads of this process named `name` (Linux: `/proc/self/task`).
    fn live(name: &str) -> usize {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .filter(|comm| comm.trim_end() == name)
            .count()
    }

    #[tokio::test]
    async fn an_idle_thread_ends_and_the_next_call_starts_one() {
        const NAME: &str = "crm-test-ending";
        let threads = StoreThreads::ending_after(NAME, 2, Duration::from_millis(100)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pool = deadpool_sqlite::Config::new(dir.path().join("t.db"))
            .create_pool(deadpool_sqlite::Runtime::Tokio1)
            .unwrap();
        let answer = threads
            .run(pool.get().await.unwrap(), |conn| {
                conn.query_row("SELECT 6 * 7", [], |row| row.get::<_, i64>(0))
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(answer, 42);
        assert_eq!(live(NAME), 1, "the call ran on one thread of the pool");

        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while live(NAME) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "an idle thread is still alive after 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let again = threads
            .run(pool.get().await.unwrap(), |_| {
                std::thread::current().name().map(str::to_owned)
            })
            .await
            .unwrap();
        assert_eq!(again.as_deref(), Some(NAME));
    }
}
