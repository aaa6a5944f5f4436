//! One branch of a customer's history (`history.rs`): a source's entries
//! from where a page starts, at most a page of them, in the page's order.

use crm_kernel::{PageRequest, SortDirection};
use rusqlite::types::Value;

use crate::sql::Filter;

/// One `UNION ALL` branch of the history: what it selects from where, its
/// conditions, and the columns it is ordered by (its `at`, then the id
/// whose order is its entries' position order).
pub(crate) struct Branch {
    /// The source name its positions start with (`interaction`, `email`, …).
    pub(crate) source: &'static str,
    /// `SELECT … FROM …`, without `WHERE`.
    pub(crate) select: String,
    /// Its conditions.
    pub(crate) conditions: Filter,
    /// The expression of its `at`.
    pub(crate) key: &'static str,
    /// The column that orders its entries at one instant (as their positions do).
    pub(crate) id: &'static str,
    /// Whether that column is an integer (a status change's row id).
    pub(crate) integer_id: bool,
}

impl Branch {
    /// The branch as a subquery that reads at most `limit + 1` entries from
    /// where the page starts, in the page's order: with the index on
    /// (customer, `at`, id) that each table has, a page costs the same at
    /// any depth of a long history, instead of sorting the whole of it.
    pub(crate) fn limited(
        mut self,
        direction: SortDirection,
        page: &PageRequest,
    ) -> (String, Vec<Value>) {
        let (after, at_or_after, past) = match direction {
            SortDirection::Asc => (">", ">=", ">"),
            SortDirection::Desc => ("<", "<=", "<"),
        };
        if let Some(cursor) = &page.after {
            let key = Value::Text(cursor.key.clone().unwrap_or_default());
            let (source, id) = cursor
                .id
                .split_once(':')
                .unwrap_or((cursor.id.as_str(), ""));
            if source == self.source {
                let id = if self.integer_id {
                    Value::Integer(id.parse().unwrap_or_default())
                } else {
                    Value::Text(id.to_owned())
                };
                self.conditions.push_all(
                    format!("({}, {}) {after} (?, ?)", self.key, self.id),
                    [key, id],
                );
            } else {
                // Entries of this branch at the cursor's instant come after
                // it when this source sorts after the cursor's (positions
                // are `<source>:<id>`, and no source name is a prefix of
                // another's).
                let later_source = match direction {
                    SortDirection::Asc => self.source > source,
                    SortDirection::Desc => self.source < source,
                };
                let op = if later_source { at_or_after } else { past };
                self.conditions.push(format!("{} {op} ?", self.key), key);
            }
        }
        let dir = match direction {
            SortDirection::Asc => "ASC",
            SortDirection::Desc => "DESC",
        };
        let sql = format!(
            "SELECT * FROM ({}{} ORDER BY {} {dir}, {} {dir} LIMIT ?)",
            self.select,
            self.conditions.where_clause(),
            self.key,
            self.id
        );
        let mut params = self.conditions.into_params();
        params.push(Value::Integer(i64::from(page.limit.get()) + 1));
        (sql, params)
    }
}

#[cfg(test)]
mod tests {
    use crm_interactions::{HistoryFilter, Sources};
    use crm_kernel::{CursorPosition, CustomerId, PageRequest};

    use crate::db::plans::{explain, migrated};
    use crate::interactions::history::history_plan;
    use crate::sql::sql_and_params;

    /// `EXPLAIN QUERY PLAN` of a timeline page (every source) deep in a
    /// history, at the cursor of an interaction.
    async fn timeline_plan() -> String {
        let (_dir, store) = migrated().await;
        let filter = HistoryFilter {
            sources: Sources::ALL,
            ..HistoryFilter::default()
        };
        let page = PageRequest {
            after: Some(CursorPosition {
                key: Some("2026-01-01T00:00:00.000Z".into()),
                id: format!("interaction:{}", CustomerId::new()),
            }),
            ..PageRequest::default()
        };
        let (sql, params) = sql_and_params(history_plan(CustomerId::new(), &filter, true, &page));
        explain(&store, sql, params).await
    }

    #[tokio::test]
    async fn each_source_of_a_page_reads_its_index_from_the_cursor_in_order() {
        let plan = timeline_plan().await;
        for index in [
            "SEARCH i USING INDEX interactions_by_customer (customer_id=? AND (date_time,id)<(?,?))",
            "SEARCH t USING INDEX tickets_by_customer (customer_id=? AND created_at<?)",
            "SEARCH s USING INDEX customer_status_changes_by_customer (customer_id=? AND at<?)",
        ] {
            assert!(plan.contains(index), "{index} not in\n{plan}");
        }
        // Only the merge of the branches' pages is sorted, and the emails
        // of one customer (few, read by the customer's index).
        assert!(!plan.contains("SCAN i"), "{plan}");
        assert!(!plan.contains("SCAN t"), "{plan}");
        assert!(!plan.contains("SCAN s"), "{plan}");
    }
}
