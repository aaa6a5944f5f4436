//! Reading one page of a list: running its query and cutting the page out
//! of the `limit + 1` rows it fetched.

use crm_kernel::{CursorPosition, Limit, Page};
use rusqlite::{Connection, Row, params_from_iter};

use super::plan::{ListPlan, ListQuery};
use crate::db::error::DbError;
use crate::db::open::SqliteStore;

impl SqliteStore {
    /// The rows of one page on a reader, each turned into an item by
    /// `read`; none for an empty plan, which reads nothing.
    pub(crate) async fn list_rows<T, R, F>(
        &self,
        plan: ListPlan,
        read: F,
    ) -> Result<Vec<T>, DbError<R>>
    where
        F: FnMut(&Row<'_>) -> Result<T, DbError<R>> + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        match plan {
            ListPlan::Empty => Ok(Vec::new()),
            ListPlan::Query(query) => self.read(move |conn| query.rows(conn, read)).await,
            ListPlan::Sequence { queries, rows } => {
                self.read(move |conn| {
                    let mut read = read;
                    let mut items = Vec::with_capacity(rows);
                    for query in queries {
                        if items.len() >= rows {
                            break;
                        }
                        items.extend(query.rows(conn, &mut read)?);
                    }
                    items.truncate(rows);
                    Ok(items)
                })
                .await
            }
        }
    }
}

impl ListQuery {
    /// Runs the query on `conn`, each row turned into an item by `read`.
    pub(crate) fn rows<T, R>(
        self,
        conn: &Connection,
        read: impl FnMut(&Row<'_>) -> Result<T, DbError<R>>,
    ) -> Result<Vec<T>, DbError<R>> {
        let mut statement = conn.prepare_cached(&self.sql)?;
        let rows = statement.query_and_then(params_from_iter(self.params), read)?;
        rows.collect()
    }
}

/// Reads an item with `read`, and the cursor key that the list selects
/// right after the item's `columns` columns.
pub(crate) fn keyed<T, R>(
    row: &Row<'_>,
    columns: usize,
    read: impl FnOnce(&Row<'_>) -> Result<T, DbError<R>>,
) -> Result<(T, String), DbError<R>> {
    let key: String = row.get(columns)?;
    Ok((read(row)?, key))
}

/// The page out of `limit + 1` fetched items, each with the key of its
/// cursor position; `id` gives the item's id, the position's other half.
pub(crate) fn keyed_page<T>(
    rows: Vec<(T, String)>,
    limit: Limit,
    id: impl Fn(&T) -> String,
) -> Page<T> {
    Page::from_overfetch(rows, limit, |(item, key)| CursorPosition {
        key: Some(key.clone()),
        id: id(item),
    })
    .map(|(item, _)| item)
}
