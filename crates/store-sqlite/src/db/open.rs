//! Opening the store: the file, the pragmas of every connection, the writer
//! and the readers, and the helpers that run blocking work off the async threads.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crm_kernel::BackendError;
use deadpool_sqlite::{Config, Hook, HookError, Manager, Object, Pool, Runtime};
use rusqlite::Connection;
use rusqlite::config::DbConfig;

use crate::db::changes::Changes;
use crate::db::checkpoint;
use crate::db::error::DbError;
use crate::db::files;
use crate::db::group_commit::GroupCommit;
use crate::db::inline::{self, InlineReaders};
use crate::db::threads::StoreThreads;
use crate::identity::holder_cache::{HOLDER_TABLES, HolderCache};

/// How long a connection waits for another one's lock before it gives up
/// (several server processes, or a backup tool, may share the file).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Readers in the pool; WAL lets them read while the writer writes.
pub(crate) const READERS: usize = 4;
/// How long a call waits for a free connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(30);
/// Prepared statements kept per connection: every fixed statement of the
/// store, plus the list queries' few filter combinations.
const STATEMENT_CACHE: usize = 64;

/// Which connection of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionRole {
    /// The single connection that writes.
    Writer,
    /// One of the read-only connections.
    Reader,
}

/// The CRM's store on one SQLite file.
///
/// It holds one writer connection (so writes never wait on each other's
/// locks and a read-then-write inside a transaction is atomic) and a small
/// pool of read-only connections. Clones are cheap and share the connections.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    path: Arc<Path>,
    writer: Pool,
    /// The writes of [`Self::write`], grouped into shared transactions.
    writes: GroupCommit,
    /// The writer's work runs on a thread of its own (`threads.rs`).
    writer_thread: Arc<StoreThreads>,
    readers: Pool,
    /// The readers' work runs on as many threads as they are.
    reader_threads: Arc<StoreThreads>,
    inline: Arc<InlineReaders>,
    /// The writes' changes of the tables the holder cache is read from.
    changes: Arc<Changes>,
    /// The holders of recent sign-ins (`identity/holder_cache.rs`).
    pub(crate) holders: Arc<HolderCache>,
    /// Keeps the checkpoint thread going while any clone lives.
    _alive: Arc<()>,
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The folder of the database file could not be created.
    #[error("cannot create the folder {path}: {source}")]
    CreateFolder {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// SQLite could not open the file or set it up.
    #[error("cannot open the SQLite database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: BackendError,
    },
}

impl SqliteStore {
    /// Opens the database file at `path`, creating it and its folder when
    /// missing, and checks that a writer and a reader connection work.
    ///
    /// What it creates is private whatever the umask: missing folders 0700,
    /// the database file 0600, and SQLite gives its `-wal` and `-shm` files
    /// the database file's mode (Unix).
    ///
    /// Every connection runs in WAL mode with `foreign_keys=ON`,
    /// `synchronous=NORMAL` and a 5 s `busy_timeout`; readers are also
    /// `query_only`; a thread of the store checkpoints twice a second
    /// (`checkpoint.rs`), the writer only when the log grows past 32 MiB
    /// regardless. It does not migrate: call
    /// [`SqliteStore::migrate`].
    ///
    /// Must be called inside a Tokio runtime.
    #[tracing::instrument(level = "debug", skip_all, fields(path = %path.display()))]
    pub async fn open(path: &Path) -> Result<Self, OpenError> {
        let open_error = |source: BackendError| OpenError::Open {
            path: path.to_owned(),
            source,
        };
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            let folder = folder.to_owned();
            let target = folder.clone();
            tokio::task::spawn_blocking(move || files::create_private_folder(&target))
                .await
                .map_err(|error| open_error(BackendError::new(error)))?
                .map_err(|source| OpenError::CreateFolder {
                    path: folder,
                    source,
                })?;
        }
        // Before SQLite opens it: SQLite would create it 0644 less the
        // umask, and its -wal and -shm files copy its mode.
        let file = path.to_owned();
        tokio::task::spawn_blocking(move || files::create_private_file(&file))
            .await
            .map_err(|error| open_error(BackendError::new(error)))?
            .map_err(|error| open_error(BackendError::new(error)))?;
        let changes = Arc::new(Changes::new(HOLDER_TABLES));
        let writer = pool(path, ConnectionRole::Writer, 1, Some(Arc::clone(&changes)))
            .map_err(&open_error)?;
        let readers = pool(path, ConnectionRole::Reader, READERS, None).map_err(&open_error)?;
        let writer_thread =
            Arc::new(StoreThreads::new("crm-sqlite-writer", 1).map_err(&open_error)?);
        let reader_threads =
            Arc::new(StoreThreads::new("crm-sqlite-reader", READERS).map_err(&open_error)?);
        let path: Arc<Path> = path.into();
        let alive = Arc::new(());
        let store = Self {
            inline: Arc::new(InlineReaders::new(Arc::clone(&path))),
            path: Arc::clone(&path),
            writes: GroupCommit::new(
                writer.clone(),
                Arc::clone(&writer_thread),
                Arc::clone(&changes),
            ),
            writer,
            holders: Arc::new(HolderCache::new(Arc::clone(&changes))),
            changes,
            writer_thread,
            readers,
            reader_threads,
            _alive: Arc::clone(&alive),
        };
        // The writer first: it creates the file and switches it to WAL
        // before any reader opens it.
        store.with_writer(|_| ()).await.map_err(&open_error)?;
        store.with_reader(|_| ()).await.map_err(&open_error)?;
        checkpoint::spawn(path, Arc::downgrade(&alive));
        tracing::debug!("SQLite store open");
        Ok(store)
    }

    /// The path of the database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the writer connection, on the writer's thread.
    ///
    /// A writer connection is never handed over inside a transaction: if an
    /// abandoned import transaction left one open (its rollback could not
    /// run), it is rolled back first.
    pub(crate) async fn with_writer<T, F>(&self, work: F) -> Result<T, BackendError>
    where
        F: FnOnce(&mut Connection) -> T + Send + 'static,
        T: Send + 'static,
    {
        // A read after this write must see it: it starts a new snapshot.
        inline::end_shared_snapshot();
        let changes = Arc::clone(&self.changes);
        let value = run(&self.writer, &self.writer_thread, move |conn| {
            end_abandoned_transaction(conn)?;
            let value = work(conn);
            changes.committed();
            Ok(value)
        })
        .await;
        inline::end_shared_snapshot();
        value?
    }

    /// The writer connection itself, for a transaction that spans several
    /// calls (the import): nobody else writes until it is dropped. Call
    /// [`Changes::committed`] of [`Self::changes`] once it ends.
    pub(crate) async fn writer_connection(&self) -> Result<Object, BackendError> {
        inline::end_shared_snapshot();
        let conn = self.writer.get().await.map_err(BackendError::new);
        inline::end_shared_snapshot();
        conn
    }

    /// What the writes changed (see `changes.rs`).
    pub(crate) fn changes(&self) -> &Arc<Changes> {
        &self.changes
    }

    /// Runs `work` on a reader connection, on a reader thread.
    pub(crate) async fn with_reader<T, F>(&self, work: F) -> Result<T, BackendError>
    where
        F: FnOnce(&mut Connection) -> T + Send + 'static,
        T: Send + 'static,
    {
        run(&self.readers, &self.reader_threads, work).await
    }

    /// Runs a short read on a read-only connection on the caller's own
    /// thread (`inline.rs`; each statement sees the last commit, or, under
    /// [`inline::one_snapshot_per_poll`], the snapshot of the poll's first
    /// read, which no write of this store crosses). For one
    /// record or one page: long reads (whole tables, reports) belong on
    /// the pool ([`Self::with_reader`]), off the async threads.
    #[allow(
        clippy::unused_async,
        reason = "the same call shape as the writes and the pool's reads; a store on another database may await"
    )]
    pub(crate) async fn read<T, R, F>(&self, work: F) -> Result<T, DbError<R>>
    where
        F: FnOnce(&Connection) -> Result<T, DbError<R>> + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        self.inline.run(move |conn| work(conn))?
    }

    /// [`Self::read`] in a snapshot that begins now, also under
    /// [`inline::one_snapshot_per_poll`] when the poll's snapshot began
    /// earlier: for a value kept with the epoch read before it.
    #[allow(clippy::unused_async, reason = "the same call shape as `read`")]
    pub(crate) async fn read_fresh<T, R, F>(&self, work: F) -> Result<T, DbError<R>>
    where
        F: FnOnce(&Connection) -> Result<T, DbError<R>> + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        self.inline.run_fresh(move |conn| work(conn))?
    }

    /// The queue of writes (for tests).
    #[cfg(test)]
    pub(crate) fn group_commit(&self) -> &GroupCommit {
        &self.writes
    }

    /// The inline readers (for tests).
    #[cfg(test)]
    pub(crate) fn inline_readers(&self) -> &InlineReaders {
        &self.inline
    }

    /// Runs `work` in a `BEGIN IMMEDIATE` transaction on the writer, inside
    /// its own savepoint: its changes are kept when it succeeds and rolled
    /// back when it fails, and it answers once they are committed. Reads
    /// inside `work` see no concurrent write. The writes that queue while
    /// one commits share the next transaction (`group_commit.rs`).
    pub(crate) async fn write<T, R, F>(&self, work: F) -> Result<T, DbError<R>>
    where
        F: FnOnce(&Connection) -> Result<T, DbError<R>> + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        // A read after this write must see it: it starts a new snapshot.
        inline::end_shared_snapshot();
        let value = self.writes.run(work).await;
        inline::end_shared_snapshot();
        value
    }
}

/// A pool of `size` connections to `path` whose every connection gets the
/// pragmas of its role as soon as it is created.
/// A writer pool's connections report their changes to `changes`.
fn pool(
    path: &Path,
    role: ConnectionRole,
    size: usize,
    changes: Option<Arc<Changes>>,
) -> Result<Pool, BackendError> {
    let manager = Manager::from_config(&Config::new(path), Runtime::Tokio1);
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(POOL_WAIT))
        .post_create(Hook::async_fn(move |conn, _| {
            let changes = changes.clone();
            Box::pin(async move {
                conn.interact(move |conn| {
                    apply_pragmas(conn, role)?;
                    match changes {
                        Some(changes) => changes.watch(conn).map_err(HookError::Backend),
                        None => Ok(()),
                    }
                })
                .await
                .map_err(|error| HookError::message(error.to_string()))?
            })
        }))
        .build()
        .map_err(BackendError::new)
}

/// Sets the pragmas every connection of the pools needs (see [`configure`]).
fn apply_pragmas(conn: &Connection, role: ConnectionRole) -> Result<(), HookError> {
    configure(conn, role).map_err(|error| match error {
        ConfigureError::Sqlite(error) => HookError::Backend(error),
        ConfigureError::NotWal(mode) => HookError::message(format!(
            "the database refused WAL journal mode (it is in `{mode}` mode)"
        )),
    })
}

/// Why a connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigureError {
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The file stays in another journal mode.
    #[error("the database refused WAL journal mode (it is in `{0}` mode)")]
    NotWal(String),
}

/// Sets the pragmas every connection needs. `foreign_keys`, `synchronous`
/// and `busy_timeout` belong to the connection, so each one sets them;
/// `journal_mode=WAL` is stored in the file and is a no-op once set.
pub(crate) fn configure(conn: &Connection, role: ConnectionRole) -> Result<(), ConfigureError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(ConfigureError::NotWal(mode));
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
    // The query planner stability guarantee: a plan never depends on the
    // values bound. Without it SQLite compiles a statement whose plan might
    // depend on one again at its first step after each new binding: a
    // profile of `q=` spent 8% of its samples in `sqlite3Reprepare`, called
    // from the steps of the search's statements.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    match role {
        ConnectionRole::Reader => conn.execute_batch("PRAGMA query_only = ON;")?,
        // Checkpoints run on their own thread (`checkpoint.rs`); a commit
        // checkpoints only past WRITER_CHECKPOINT_PAGES, when the thread
        // could not finish one, and at most every WRITER_CHECKPOINT_GAP
        // (`checkpoint::after_commit`); the log is cut back to 64 MiB when
        // it restarts.
        // `temp_store = MEMORY`: the journals of statements and of the
        // savepoints of a group commit stay in memory, where SQLite created
        // (and unlinked) a file under /var/tmp for most writes. Readers keep
        // files: a report's large sorts would otherwise stay resident.
        ConnectionRole::Writer => {
            conn.execute_batch(
                "PRAGMA journal_size_limit = 67108864; PRAGMA temp_store = MEMORY;",
            )?;
            // In place of `wal_autocheckpoint` (which it replaces).
            conn.wal_hook(Some(checkpoint::after_commit));
        }
    }
    Ok(())
}

/// Rolls back a transaction left open on the writer (see
/// [`SqliteStore::with_writer`]); a no-op in autocommit mode.
pub(crate) fn end_abandoned_transaction(conn: &Connection) -> Result<(), BackendError> {
    if conn.is_autocommit() {
        return Ok(());
    }
    tracing::warn!("rolling back a transaction left open on the writer connection");
    conn.execute_batch("ROLLBACK").map_err(BackendError::new)
}

/// Takes a connection of `pool` and runs `work` with it on one of `threads`.
async fn run<T, F>(pool: &Pool, threads: &StoreThreads, work: F) -> Result<T, BackendError>
where
    F: FnOnce(&mut Connection) -> T + Send + 'static,
    T: Send + 'static,
{
    let conn = pool.get().await.map_err(BackendError::new)?;
    threads.run(conn, work).await
}

#[cfg(test)]
mod tests {
    use rusqlite::config::DbConfig;

    use crate::db::error::DbError;
    use crate::db::plans::migrated;

    /// Readers and the writer plan a statement once, whatever is bound to
    /// it (`configure`): the profile of `q=` had 8% of its samples in
    /// statements compiled again after each new binding.
    #[tokio::test]
    async fn every_connection_keeps_its_plans_whatever_is_bound() {
        let (_dir, store) = migrated().await;
        let reader = store
            .with_reader(|conn| conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG))
            .await
            .unwrap()
            .unwrap();
        let writer = store
            .write(|conn| Ok::<_, DbError>(conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG)?))
            .await
            .unwrap();
        assert!(reader && writer, "reader {reader}, writer {writer}");
    }
}
