//! Checkpoints off the writer: copying the write-ahead log back into the
//! database file (which syncs both files to disk) runs on a thread and a
//! connection of its own, not inside a commit.
//!
//! SQLite's default checkpoints in the commit that fills the log past 1000
//! pages: that commit, on the single writer, then waits for two `fsync`s,
//! and every write queued behind it waits too (on a busy disk, seconds).
//! Here this thread runs a `PASSIVE` checkpoint every [`CHECKPOINT_EVERY`],
//! which never blocks a reader or the writer, and copies (and syncs) what
//! the log holds. A passive checkpoint cannot always finish while writes go
//! on, and only a finished one lets the log start again from its beginning:
//! so the writer still checkpoints in a commit, but only past
//! [`WRITER_CHECKPOINT_PAGES`] (32 MiB), by which time the thread has copied
//! nearly everything. Without that bound a bulk load grew the log to 14 GB.
//!
//! SQLite's own `wal_autocheckpoint` tries a checkpoint after *every*
//! commit while the log is that long, and the log stays that long while
//! readers keep it from starting again: under a steady load of writes a
//! sixth of the writer's time went to those checkpoints and their two
//! `fsync`s each (a profile of `POST /api/interactions` on the `default`
//! bench database). The writer's hook ([`after_commit`]) tries one at most
//! every [`WRITER_CHECKPOINT_GAP`], and after every commit only once the
//! log passes four times the bound.
//!
//! A checkpoint that copies only part of the log (writes went on while it
//! ran) syncs the log but not the database file: SQLite syncs the file only
//! when the whole log is in it, which under steady writes happens only in
//! the writer's checkpoint, between two transactions. That `fsync` then
//! flushed everything the thread had copied since the last one (30–35 ms
//! on this machine, four times a second, with every write queued behind
//! it). So the thread syncs the file itself after every pass that copied
//! frames, and while the log keeps moving it comes back every [`CHECKPOINT_BUSY_EVERY`]
//! instead of every [`CHECKPOINT_EVERY`]: the writer's checkpoint finds
//! only the last tenth of a second to copy and sync.
//!
//! Durability is unchanged (see docs/benchmarks.md): with `synchronous =
//! NORMAL`, a commit is durable once a checkpoint has synced the log; an
//! extra sync of the database file never weakens that.

use std::cell::Cell;
use std::ffi::c_int;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use rusqlite::hooks::{CheckpointMode, Wal};
use rusqlite::{Connection, OpenFlags};

/// How often the log is copied back while the server is quiet.
pub(crate) const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// How often the log is copied back while writes keep coming (the last pass
/// copied frames).
pub(crate) const CHECKPOINT_BUSY_EVERY: Duration = Duration::from_millis(100);

/// The log's length, in pages, past which the writer checkpoints in a
/// commit (SQLite's default is 1000): 32 MiB of 4 KiB pages.
pub(crate) const WRITER_CHECKPOINT_PAGES: u32 = 8192;

/// The least time between two checkpoints of the writer while the log is
/// shorter than four times [`WRITER_CHECKPOINT_PAGES`].
pub(crate) const WRITER_CHECKPOINT_GAP: Duration = Duration::from_millis(250);

thread_local! {
    /// When the writer connection used on this thread last checkpointed.
    static WRITER_CHECKPOINTED: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The writer connection's hook after each commit (`sqlite3_wal_hook`, in
/// place of `wal_autocheckpoint`; see the module): a `PASSIVE` checkpoint
/// when the log holds `pages` ≥ [`WRITER_CHECKPOINT_PAGES`] and the last one
/// is [`WRITER_CHECKPOINT_GAP`] old, or at once past four times as many.
/// Its failure is logged, never returned: the commit has happened.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the signature rusqlite's `wal_hook` takes"
)]
pub(crate) fn after_commit(wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    let pages = u32::try_from(pages).unwrap_or(0);
    if pages < WRITER_CHECKPOINT_PAGES {
        return Ok(());
    }
    let due = pages >= 4 * WRITER_CHECKPOINT_PAGES
        || WRITER_CHECKPOINTED
            .get()
            .is_none_or(|at| at.elapsed() >= WRITER_CHECKPOINT_GAP);
    if due {
        WRITER_CHECKPOINTED.set(Some(Instant::now()));
        if let Err(error) = wal.checkpoint_v2(CheckpointMode::PASSIVE) {
            tracing::debug!(%error, "the writer's checkpoint did not run");
        }
    }
    Ok(())
}

/// Starts the checkpointer of the database at `path`; it stops within
/// [`CHECKPOINT_EVERY`] once `alive` has no strong reference left (the
/// store and all its clones are gone).
pub(crate) fn spawn(path: Arc<Path>, alive: Weak<()>) {
    let started = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || run(&path, &alive));
    if let Err(error) = started {
        tracing::warn!(%error, "cannot start the checkpoint thread; the write-ahead log will grow");
    }
}

fn run(path: &Path, alive: &Weak<()>) {
    let conn = match Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(%error, "the checkpoint thread cannot open the database");
            return;
        }
    };
    let _ = conn.busy_timeout(Duration::from_secs(5));
    // Kept open as long as the thread runs: closing a descriptor of the file
    // drops the POSIX locks every connection of this process holds on it
    // (SQLite keeps its own descriptors open for that reason). The thread
    // ends only once the store, and with it every connection, is gone.
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => Some(file),
        Err(error) => {
            tracing::warn!(%error, "the checkpoint thread cannot open the database file; the writer will sync it");
            None
        }
    };
    let mut pause = CHECKPOINT_EVERY;
    let mut last: Option<Pass> = None;
    loop {
        std::thread::sleep(pause);
        if alive.strong_count() == 0 {
            return;
        }
        pause = CHECKPOINT_EVERY;
        match checkpoint(&conn) {
            Ok(pass) if pass.copied > 0 && last != Some(pass) => {
                last = Some(pass);
                pause = CHECKPOINT_BUSY_EVERY;
                if let Some(file) = &file
                    && let Err(error) = file.sync_data()
                {
                    tracing::warn!(%error, "cannot sync the database file after a checkpoint");
                }
            }
            Ok(pass) => last = Some(pass),
            Err(error) => tracing::warn!(%error, "checkpoint failed; retrying"),
        }
    }
}

/// What a checkpoint found, in frames of the log as it saw it when it
/// began. SQLite syncs the database file only when no commit came while it
/// copied, which it does not report: a pass that copied frames (a count
/// that moved since the last pass) is followed by a sync of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pass {
    /// The frames in the log; -1 when another checkpoint was running.
    log: i64,
    /// The frames of it now in the database file.
    copied: i64,
}

/// One `PASSIVE` checkpoint: as much of the log as no reader still needs.
fn checkpoint(conn: &Connection) -> rusqlite::Result<Pass> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok(Pass {
            log: row.get(1)?,
            copied: row.get(2)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::db::error::DbError;
    use crate::db::open::SqliteStore;

    #[tokio::test]
    async fn commits_leave_the_checkpoint_to_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let auto: i64 = store
            .write(|tx| {
                Ok::<_, DbError>(tx.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        assert_eq!(
            auto, 0,
            "SQLite's checkpoint after every commit of a long log is replaced by `after_commit`"
        );
        let before = std::fs::metadata(&path).unwrap().len();
        store
            .write(|tx| {
                tx.execute_batch(
                    "CREATE TABLE t (x TEXT); \
                     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
                     INSERT INTO t SELECT printf('%0100d', i) FROM n;",
                )?;
                Ok::<_, DbError>(())
            })
            .await
            .unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            before,
            "a commit of a short log wrote the log only"
        );
        // The thread copies the log into the file within a few of its rounds.
        let mut grown = false;
        for _ in 0..40 {
            tokio::time::sleep(super::CHECKPOINT_EVERY / 2).await;
            if std::fs::metadata(&path).unwrap().len() > before {
                grown = true;
                break;
            }
        }
        assert!(
            grown,
            "the checkpoint thread copied the log into the database"
        );
    }
}
