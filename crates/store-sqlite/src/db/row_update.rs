//! Updates that name only the columns whose value changed.
//!
//! SQLite rewrites the entry of every index that has a column the `SET` of
//! an `UPDATE` names, whether the value changed or not: an update that
//! named every column of a ticket dirtied a page of each of its eight
//! indexes (customer, assignee, priority, dates, …) to resolve it, and each
//! dirty page is a frame of the write-ahead log and a write of the
//! checkpoint, and each index entry it had to find is a random page read
//! (from disk once the page cache has let it go). Named only when changed,
//! a resolution rewrites the entries of the status and last-change indexes,
//! which did change.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

/// The updatable columns of one table, in the order of the values a store
/// binds for them; the last one is the version, and the key is `id`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowUpdate {
    /// The table.
    pub(crate) table: &'static str,
    /// Its columns but `id`, ending with `version`.
    pub(crate) columns: &'static [&'static str],
}

impl RowUpdate {
    /// The stored values of [`Self::columns`] of row `id`, if it exists.
    pub(crate) fn stored(
        &self,
        conn: &Connection,
        id: &str,
    ) -> rusqlite::Result<Option<Vec<Value>>> {
        let sql = format!(
            "SELECT {} FROM {} WHERE id = ?1",
            self.columns.join(", "),
            self.table
        );
        conn.prepare_cached(&sql)?
            .query_row([id], |row| {
                (0..self.columns.len())
                    .map(|index| row.get::<_, Value>(index))
                    .collect()
            })
            .optional()
    }

    /// Sets on row `id`, if it is still at version `expected`, the columns
    /// whose value in `new` differs from `stored` (both in the order of
    /// [`Self::columns`]); answers how many rows changed (0 when the row
    /// moved on).
    pub(crate) fn apply(
        &self,
        conn: &Connection,
        id: &str,
        stored: &[Value],
        new: Vec<Value>,
        expected: i64,
    ) -> rusqlite::Result<usize> {
        let mut assignments = Vec::new();
        let mut params = vec![Value::Text(id.to_owned()), Value::Integer(expected)];
        for ((column, old), value) in self.columns.iter().zip(stored).zip(new) {
            if *old != value {
                params.push(value);
                assignments.push(format!("{column} = ?{}", params.len()));
            }
        }
        if assignments.is_empty() {
            // Nothing differs, not even the version: the row already holds
            // these values.
            return Ok(1);
        }
        let sql = format!(
            "UPDATE {} SET {} WHERE id = ?1 AND version = ?2",
            self.table,
            assignments.join(", ")
        );
        conn.prepare_cached(&sql)?.execute(params_from_iter(params))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: RowUpdate = RowUpdate {
        table: "t",
        columns: &["a", "b", "version"],
    };

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id TEXT PRIMARY KEY, a TEXT, b INTEGER, version INTEGER); \
             CREATE INDEX t_by_a ON t (a); \
             INSERT INTO t VALUES ('x', 'one', 1, 1);",
        )
        .unwrap();
        conn
    }

    fn row(conn: &Connection) -> (String, i64, i64) {
        conn.query_row("SELECT a, b, version FROM t WHERE id = 'x'", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .unwrap()
    }

    #[test]
    fn only_the_changed_columns_are_set_and_only_at_the_expected_version() {
        let conn = table();
        let stored = ROWS.stored(&conn, "x").unwrap().unwrap();
        assert_eq!(
            stored,
            vec![
                Value::Text("one".into()),
                Value::Integer(1),
                Value::Integer(1)
            ]
        );
        assert_eq!(ROWS.stored(&conn, "y").unwrap(), None);

        let new = vec![
            Value::Text("one".into()),
            Value::Integer(2),
            Value::Integer(2),
        ];
        assert_eq!(ROWS.apply(&conn, "x", &stored, new.clone(), 1).unwrap(), 1);
        assert_eq!(row(&conn), ("one".to_owned(), 2, 2));

        // A stale expected version changes nothing.
        let again = vec![
            Value::Text("two".into()),
            Value::Integer(3),
            Value::Integer(2),
        ];
        assert_eq!(ROWS.apply(&conn, "x", &stored, again, 1).unwrap(), 0);
        assert_eq!(row(&conn), ("one".to_owned(), 2, 2));
    }

    #[test]
    fn an_unchanged_column_leaves_its_index_alone() {
        let conn = table();
        let stored = ROWS.stored(&conn, "x").unwrap().unwrap();
        // SQLite leaves an index alone exactly when the SET names none of
        // its columns, and fires an `UPDATE OF a` trigger exactly when it
        // names `a`: the trigger shows what the SET named.
        conn.execute_batch(
            "CREATE TABLE fired (n INTEGER); \
             CREATE TRIGGER t_a AFTER UPDATE OF a ON t BEGIN INSERT INTO fired VALUES (1); END;",
        )
        .unwrap();
        let new = vec![
            Value::Text("one".into()),
            Value::Integer(5),
            Value::Integer(2),
        ];
        ROWS.apply(&conn, "x", &stored, new, 1).unwrap();
        let fired: i64 = conn
            .query_row("SELECT count(*) FROM fired", [], |row| row.get(0))
            .unwrap();
        assert_eq!(fired, 0, "`a` was not named in the SET");
        let stored = ROWS.stored(&conn, "x").unwrap().unwrap();
        let new = vec![
            Value::Text("two".into()),
            Value::Integer(5),
            Value::Integer(3),
        ];
        ROWS.apply(&conn, "x", &stored, new, 2).unwrap();
        let fired: i64 = conn
            .query_row("SELECT count(*) FROM fired", [], |row| row.get(0))
            .unwrap();
        assert_eq!(fired, 1);
    }
}
