//! Which commits changed the tables a cache of the store depends on.
//!
//! Every writer connection reports each row it inserts, updates or deletes
//! in a watched table (SQLite's update hook, which also sees the rows that
//! triggers and foreign-key actions change; it does not see `WITHOUT
//! ROWID` tables, so only rowid tables can be watched, nor a `DELETE`
//! without `WHERE`, which SQLite runs as a truncation). Once the
//! transaction that changed one has ended, and before any of its writers
//! hears that it committed, the *epoch* moves on ([`Changes::committed`]).
//!
//! A cache built on it keeps, with each value, the epoch it read *before*
//! the read that gave the value began; the value is current while the epoch
//! has not moved since. A write that committed before the read's snapshot
//! is in the value; one that committed after it moved the epoch after the
//! value's epoch was read. Either way, a caller that starts after a writer
//! heard of its commit never gets a value from before it.
//!
//! The watch sees this process's writes only: another process writing the
//! same file (the store serves one process, ADR 0002) is not seen, so a
//! cache also bounds how long it keeps a value.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rusqlite::Connection;

/// The watched tables' changes (see the module).
#[derive(Debug)]
pub(crate) struct Changes {
    tables: &'static [&'static str],
    /// Whether a watched row changed since the last [`Self::committed`].
    touched: AtomicBool,
    epoch: AtomicU64,
}

impl Changes {
    /// Watches the rowid tables `tables`.
    pub(crate) fn new(tables: &'static [&'static str]) -> Self {
        Self {
            tables,
            touched: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
        }
    }

    /// Reports `conn`'s changes of the watched tables (a writer connection,
    /// when it is created).
    pub(crate) fn watch(self: &Arc<Self>, conn: &Connection) -> rusqlite::Result<()> {
        let changes = Arc::clone(self);
        conn.update_hook(Some(move |_, _: &str, table: &str, _| {
            if changes.tables.contains(&table) {
                changes.touched.store(true, Ordering::Release);
            }
        }))
    }

    /// The current epoch: read it before the read whose value is kept.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// A transaction of the writer connection ended (committed or not):
    /// moves the epoch on if it changed a watched row. Call it on the
    /// writer's thread while still holding the connection, before any
    /// writer of the transaction hears of its outcome.
    pub(crate) fn committed(&self) {
        if self.touched.swap(false, Ordering::AcqRel) {
            self.epoch.fetch_add(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rusqlite::Connection;

    use super::Changes;

    #[test]
    fn the_epoch_moves_once_a_transaction_that_changed_a_watched_row_ends() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE watched (x INTEGER); CREATE TABLE other (x INTEGER); \
             CREATE TABLE log (x INTEGER); \
             CREATE TRIGGER copy AFTER INSERT ON log BEGIN INSERT INTO watched VALUES (new.x); END;",
        )
        .unwrap();
        let changes = Arc::new(Changes::new(&["watched"]));
        changes.watch(&conn).unwrap();

        conn.execute("INSERT INTO other VALUES (1)", []).unwrap();
        changes.committed();
        assert_eq!(changes.epoch(), 0, "another table");

        conn.execute_batch("BEGIN; INSERT INTO watched VALUES (1);")
            .unwrap();
        assert_eq!(changes.epoch(), 0, "not before the transaction ends");
        conn.execute_batch("COMMIT").unwrap();
        changes.committed();
        assert_eq!(changes.epoch(), 1);
        changes.committed();
        assert_eq!(changes.epoch(), 1, "once per transaction");

        for sql in [
            "UPDATE watched SET x = 2",
            "DELETE FROM watched WHERE x = 2",
            "INSERT INTO log VALUES (3)",
        ] {
            let before = changes.epoch();
            conn.execute(sql, []).unwrap();
            changes.committed();
            assert_eq!(changes.epoch(), before + 1, "{sql}");
        }
    }
}
