//! Group commit: the writes that arrive while a transaction commits share
//! the next one.
//!
//! Every [`SqliteStore::write`](crate::SqliteStore) is a job on one queue.
//! The write that finds no group under way spawns a driver; the driver takes
//! the queued jobs (at most [`MAX_GROUP`]) and runs them on the writer
//! connection in one `BEGIN IMMEDIATE` transaction, in the order they were
//! queued, each inside its own savepoint. A job that fails rolls back to its
//! savepoint: it changes nothing, and the jobs around it keep their
//! changes. One `COMMIT` then ends the group, and only after it does a
//! job's caller get its value (or its failure: a caller that retries then
//! reads what the group committed); if the commit fails, every job of the group
//! gets the failure and none of them took effect. A job sees the writes
//! queued before it and no concurrent one, as it did alone.
//!
//! What a transaction costs whatever it holds (the log frames of the pages
//! every write touches: the full-text index's new segment and its structure
//! record, the day's counters, the right edge of each index) is paid once
//! per group instead of once per write. Durability is the same: a caller
//! hears of success only once its transaction committed.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crm_kernel::BackendError;
use deadpool_sqlite::Pool;
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::db::changes::Changes;
use crate::db::open::end_abandoned_transaction;
use crate::db::threads::StoreThreads;

/// The most jobs one transaction takes: bounds how long a write waits for
/// the others of its group.
const MAX_GROUP: usize = 64;

/// The most groups run back to back before the writer connection goes back
/// to its pool, where a migration, a health check or an import waiting for
/// it takes its turn.
const GROUPS_PER_TURN: usize = 16;

/// What a job that ran hands its caller once the group's commit is known:
/// `Err` carries why the commit failed.
type Deliver = Box<dyn FnOnce(Result<(), &str>) + Send>;

/// One write, type-erased: it runs on the writer inside its savepoint.
type Job = Box<dyn FnOnce(&Connection) -> Ran + Send>;

/// A job after it ran.
struct Ran {
    /// Whether it succeeded: its savepoint is released, else rolled back.
    kept: bool,
    /// Hands the caller its outcome; a failed job's ignores the commit.
    deliver: Deliver,
}

/// The jobs waiting for a group, and whether a driver is taking them.
#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    driving: bool,
}

/// The queue of writes in front of the writer connection (see the module).
#[derive(Clone)]
pub(crate) struct GroupCommit {
    pool: Pool,
    thread: Arc<StoreThreads>,
    queue: Arc<Mutex<Queue>>,
    /// Told of every transaction's end, before its writers hear of it.
    changes: Arc<Changes>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("queued", &self.lock().jobs.len())
            .finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Writes through `pool`, the writer's pool of one connection, on the
    /// writer's `thread`, and tells `changes` of every commit.
    pub(crate) fn new(pool: Pool, thread: Arc<StoreThreads>, changes: Arc<Changes>) -> Self {
        Self {
            pool,
            thread,
            queue: Arc::default(),
            changes,
        }
    }

    /// Runs `work` in the next group's transaction and answers once that
    /// transaction committed; `work`'s error rolls back only its own
    /// changes. Must be called inside a Tokio runtime.
    pub(crate) async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<BackendError> + Send + 'static,
    {
        let (sender, receiver) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(
            move |conn| match catch_unwind(AssertUnwindSafe(|| work(conn))) {
                Ok(Ok(value)) => Ran {
                    kept: true,
                    deliver: Box::new(move |commit| {
                        let outcome = commit
                            .map(|()| value)
                            .map_err(|why| E::from(BackendError::msg(why)));
                        let _ = sender.send(outcome);
                    }),
                },
                Ok(Err(error)) => Ran {
                    kept: false,
                    deliver: Box::new(move |_| {
                        let _ = sender.send(Err(error));
                    }),
                },
                Err(_) => {
                    tracing::error!("a write panicked: its changes are rolled back");
                    Ran {
                        kept: false,
                        deliver: Box::new(move |_| {
                            let _ =
                                sender.send(Err(E::from(BackendError::msg("the write panicked"))));
                        }),
                    }
                }
            },
        );
        self.push(job);
        receiver.await.unwrap_or_else(|_| {
            Err(E::from(BackendError::msg(
                "the write did not run: the writer connection failed (see the log)",
            )))
        })
    }

    /// Queues `job`, and spawns a driver when none is taking the queue.
    fn push(&self, job: Job) {
        let mut queue = self.lock();
        queue.jobs.push_back(job);
        if !queue.driving {
            queue.driving = true;
            tokio::spawn(self.clone().drive());
        }
    }

    /// Runs groups until the queue is empty: up to [`GROUPS_PER_TURN`] back
    /// to back on the writer's thread each time it holds the connection.
    async fn drive(self) {
        let mut stop = StopGuard {
            queue: &self.queue,
            armed: true,
        };
        loop {
            {
                let mut queue = self.lock();
                if queue.jobs.is_empty() {
                    queue.driving = false;
                    stop.armed = false;
                    return;
                }
            }
            match self.pool.get().await {
                Ok(conn) => {
                    let queue = self.clone();
                    let turn = self.thread.run(conn, move |conn| queue.run_turn(conn));
                    if let Err(error) = turn.await {
                        tracing::error!(%error, "a group of writes failed");
                    }
                }
                Err(error) => {
                    // The group's callers hear that their writes did not run.
                    drop(self.take_group());
                    tracing::error!(%error, "no writer connection for a group of writes");
                }
            }
        }
    }

    /// The next group's jobs (none when the queue is empty).
    fn take_group(&self) -> Vec<Job> {
        let mut queue = self.lock();
        let take = queue.jobs.len().min(MAX_GROUP);
        queue.jobs.drain(..take).collect()
    }

    /// Runs groups on `conn` while jobs are queued, at most
    /// [`GROUPS_PER_TURN`]: one group follows the last one's commit at once,
    /// on the same thread, with no trip through the async driver.
    fn run_turn(&self, conn: &mut Connection) {
        for _ in 0..GROUPS_PER_TURN {
            let jobs = self.take_group();
            if jobs.is_empty() {
                return;
            }
            run_group(conn, jobs, &self.changes);
        }
    }

    /// The queue, even if a panic poisoned its lock (it holds no invariant a
    /// panic could break halfway).
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many jobs wait for a group (for tests).
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.lock().jobs.len()
    }
}

/// Lets the next write spawn a driver when one stops without emptying the
/// queue (its runtime shut down); the jobs it leaves fail.
struct StopGuard<'a> {
    queue: &'a Mutex<Queue>,
    armed: bool,
}

impl Drop for StopGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.jobs.clear();
            queue.driving = false;
        }
    }
}

/// Runs `jobs` in one transaction on `conn` (see the module). A job whose
/// transaction could not begin is dropped: its caller hears that the write
/// did not run, and the log says why.
///
/// While the transaction keeps nothing yet, a job runs without a savepoint:
/// rolling the transaction back undoes it alone. So a write that finds no
/// other in its group (the bulk loader's, a quiet server's) pays for no
/// savepoint, which copies each page the write changes.
fn run_group(conn: &mut Connection, jobs: Vec<Job>, changes: &Changes) {
    let mut failed: Vec<Deliver> = Vec::new();
    commit_group(conn, jobs, changes, &mut failed);
    // A write that failed hears of it only once its group ended: a caller
    // that retries (a lost version race) then reads the winner's commit
    // instead of the version it lost on.
    for deliver in failed {
        deliver(Ok(()));
    }
}

/// [`run_group`] but for the failed jobs' answers, left in `failed`.
fn commit_group(
    conn: &mut Connection,
    jobs: Vec<Job>,
    changes: &Changes,
    failed: &mut Vec<Deliver>,
) {
    if let Err(error) = end_abandoned_transaction(conn) {
        tracing::error!(%error, "the writer connection is unusable");
        return;
    }
    let mut kept: Vec<Deliver> = Vec::with_capacity(jobs.len());
    for job in jobs {
        if conn.is_autocommit()
            && let Err(error) = conn.execute_batch("BEGIN IMMEDIATE")
        {
            tracing::error!(%error, "cannot begin a group of writes");
            return;
        }
        let alone = kept.is_empty();
        if !alone && let Err(error) = conn.execute_batch("SAVEPOINT job") {
            tracing::error!(%error, "cannot start a write of a group");
            abandon(conn, &mut kept, "the group's transaction failed");
            continue;
        }
        let ran = job(conn);
        if conn.is_autocommit() {
            // SQLite rolled the whole transaction back (an I/O error, a full
            // disk): what the group kept so far is gone.
            abandon(conn, &mut kept, "the group's transaction was rolled back");
            (ran.deliver)(Err("the group's transaction was rolled back"));
            continue;
        }
        let end = match (ran.kept, alone) {
            (true, true) => Ok(()),
            (true, false) => conn.execute_batch("RELEASE job"),
            (false, true) => conn.execute_batch("ROLLBACK"),
            (false, false) => conn.execute_batch("ROLLBACK TO job; RELEASE job"),
        };
        match end {
            Ok(()) if ran.kept => kept.push(ran.deliver),
            Ok(()) => failed.push(ran.deliver),
            Err(error) => {
                tracing::error!(%error, "cannot end a write of a group");
                abandon(conn, &mut kept, "the group's transaction failed");
                (ran.deliver)(Err("the group's transaction failed"));
            }
        }
    }
    if conn.is_autocommit() {
        return;
    }
    let committed = conn.execute_batch("COMMIT");
    // Before any writer of the group hears of it (`changes.rs`).
    changes.committed();
    match committed {
        Ok(()) => kept.into_iter().for_each(|deliver| deliver(Ok(()))),
        Err(error) => {
            tracing::error!(%error, "a group of writes did not commit");
            abandon(conn, &mut kept, "the transaction did not commit");
        }
    }
}

/// Rolls the group's transaction back and tells the jobs it kept that
/// their writes are gone, `why`.
fn abandon(conn: &Connection, kept: &mut Vec<Deliver>, why: &str) {
    if !conn.is_autocommit()
        && let Err(error) = conn.execute_batch("ROLLBACK")
    {
        tracing::error!(%error, "cannot roll back a group of writes");
    }
    kept.drain(..).for_each(|deliver| deliver(Err(why)));
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use crm_identity::ports::StoreError;

    use crate::db::error::DbError;
    use crate::db::open::SqliteStore;

    async fn store(schema: &'static str) -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("crm.db")).await.unwrap();
        store
            .with_writer(move |conn| conn.execute_batch(schema))
            .await
            .unwrap()
            .unwrap();
        (dir, store)
    }

    /// Starts a write that holds the writer until `release` is sent, and
    /// waits until it runs: the writes queued after it form one group.
    async fn hold_the_writer(
        store: &SqliteStore,
    ) -> (
        mpsc::Sender<()>,
        tokio::task::JoinHandle<Result<(), DbError>>,
    ) {
        let (release, held) = mpsc::channel::<()>();
        let (running, started) = tokio::sync::oneshot::channel();
        let writer = store.clone();
        let holder = tokio::spawn(async move {
            writer
                .write(move |_| {
                    running.send(()).unwrap();
                    held.recv().unwrap();
                    Ok::<_, DbError>(())
                })
                .await
        });
        started.await.unwrap();
        (release, holder)
    }

    async fn wait_until_queued(store: &SqliteStore, jobs: usize) {
        for _ in 0..500 {
            if store.group_commit().queued() == jobs {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("{jobs} writes never queued");
    }

    fn values(store: &SqliteStore) -> Vec<i64> {
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        let mut statement = conn.prepare("SELECT x FROM t ORDER BY x").unwrap();
        statement
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_or_panicking_write_changes_nothing_and_its_group_keeps_the_others() {
        let (_dir, store) = store("CREATE TABLE t (x INTEGER NOT NULL)").await;
        let (release, holder) = hold_the_writer(&store).await;
        let insert = |x: i64, outcome: fn() -> Result<(), DbError>| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write(move |conn| {
                        conn.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
                        outcome()
                    })
                    .await
            })
        };
        let mut writes = Vec::new();
        // The first write of the group fails alone (its transaction rolls
        // back and the next begins anew); the later ones in savepoints.
        for (x, outcome) in [
            (
                2,
                (|| Err(DbError::Refused(StoreError::NotFound))) as fn() -> Result<(), DbError>,
            ),
            (1, || Ok(())),
            (6, || Err(DbError::Refused(StoreError::NotFound))),
            (3, || Ok(())),
            (4, || panic!("a bug in a write")),
            (5, || Ok(())),
        ] {
            writes.push(insert(x, outcome));
            wait_until_queued(&store, writes.len()).await;
        }
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        let outcomes: Vec<_> = futures_join(writes).await;
        for refused in [0, 2] {
            assert!(
                matches!(
                    outcomes[refused],
                    Err(DbError::Refused(StoreError::NotFound))
                ),
                "{:?}",
                outcomes[refused]
            );
        }
        for kept in [1, 3, 5] {
            assert!(outcomes[kept].is_ok(), "{:?}", outcomes[kept]);
        }
        assert!(
            matches!(&outcomes[4], Err(DbError::Backend(error)) if error.to_string().contains("panicked")),
            "{:?}",
            outcomes[4]
        );
        assert_eq!(values(&store), vec![1, 3, 5]);
        assert_eq!(store.group_commit().queued(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_write_hears_of_it_once_its_group_committed() {
        let (_dir, store) = store("CREATE TABLE t (x INTEGER NOT NULL)").await;
        let (release, holder) = hold_the_writer(&store).await;
        let write = |x: i64, fail: bool| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write(move |conn| {
                        if fail {
                            return Err(DbError::Refused(StoreError::NotFound));
                        }
                        conn.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
                        // The group's commit comes this long after the
                        // failed write ran: an early answer would come first.
                        std::thread::sleep(Duration::from_millis(100));
                        Ok(())
                    })
                    .await
            })
        };
        let first = write(1, false);
        wait_until_queued(&store, 1).await;
        let refused = write(0, true);
        wait_until_queued(&store, 2).await;
        let second = write(2, false);
        wait_until_queued(&store, 3).await;
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        assert!(refused.await.unwrap().is_err());
        assert_eq!(
            values(&store),
            vec![1, 2],
            "the group committed before the failure was told"
        );
        first.await.unwrap().unwrap();
        second.await.unwrap().unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_write_of_a_group_sees_the_ones_queued_before_it() {
        let (_dir, store) =
            store("CREATE TABLE t (x INTEGER NOT NULL); INSERT INTO t VALUES (0);").await;
        let (release, holder) = hold_the_writer(&store).await;
        let writes: Vec<_> = (0..100)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .write(|conn| {
                            Ok::<i64, DbError>(conn.query_row(
                                "UPDATE t SET x = x + 1 RETURNING x",
                                [],
                                |row| row.get(0),
                            )?)
                        })
                        .await
                })
            })
            .collect();
        wait_until_queued(&store, 100).await;
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        let mut seen: Vec<i64> = futures_join(writes)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (1..=100).collect::<Vec<_>>());
        assert_eq!(values(&store), vec![100]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_whose_commit_fails_fails_every_write_it_kept() {
        // A deferred foreign key is checked at COMMIT (the CRM's schema
        // declares none: only an I/O failure can refuse its commits).
        let (_dir, store) = store(
            "CREATE TABLE p (id INTEGER PRIMARY KEY);
             CREATE TABLE t (x INTEGER NOT NULL REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);
             INSERT INTO p VALUES (1);",
        )
        .await;
        let (release, holder) = hold_the_writer(&store).await;
        let writes: Vec<_> = [1, 99]
            .into_iter()
            .map(|x| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .write(move |conn| {
                            conn.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
                            Ok::<_, DbError>(())
                        })
                        .await
                })
            })
            .collect();
        wait_until_queued(&store, 2).await;
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        for outcome in futures_join(writes).await {
            assert!(
                matches!(&outcome, Err(DbError::Backend(error)) if error.to_string().contains("did not commit")),
                "{outcome:?}"
            );
        }
        assert_eq!(values(&store), Vec::<i64>::new());
        // The writer is usable again.
        store
            .write(|conn| {
                conn.execute("INSERT INTO t (x) VALUES (1)", [])?;
                Ok::<_, DbError>(())
            })
            .await
            .unwrap();
        assert_eq!(values(&store), vec![1]);
    }

    async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::with_capacity(handles.len());
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    }
}
