//! What the store's integration tests share.

use std::fmt::Write as _;

use rusqlite::Connection;

/// The rows of `sql`, as text, sorted.
pub fn rows_of(conn: &Connection, sql: &str) -> Vec<String> {
    let mut statement = conn.prepare(sql).expect("statement");
    let columns = statement.column_count();
    let found = statement
        .query_map([], |row| {
            let mut line = String::new();
            for i in 0..columns {
                let value: rusqlite::types::Value = row.get(i)?;
                let _ = write!(line, "{value:?}|");
            }
            Ok(line)
        })
        .expect("query");
    let mut rows: Vec<String> = found.map(|r| r.expect("row")).collect();
    rows.sort();
    rows
}
