//! The SQL of one page of the ticket list: filters, visibility and sort
//! order, on the shared planner of [`crate::sql`] (keyset pages on (sort
//! key, id), as the customer list). The cursor's key is the sort key as
//! text that sorts like it: the RFC 3339 instant, or the priority's rank
//! zero-padded.

use crm_kernel::{BackendError, PageRequest, Visibility};
use crm_tickets::{TicketQuery, TicketSortField};
use rusqlite::types::Value;

use crate::sql::{Filter, ListPlan, Order, PageSelect, Start, search_text};
use crate::tickets::rows::{SEARCH_SEPARATOR, TICKET_COLUMNS};

/// The query of one page: at most `limit + 1` rows ([`TICKET_COLUMNS`],
/// then the cursor key), the extra one telling that another page exists.
pub(crate) fn list_plan(
    query: &TicketQuery,
    visibility: &Visibility,
    page: &PageRequest,
) -> Result<ListPlan, BackendError> {
    let mut filter = Filter::new();
    if !filter.visible(visibility, "t.customer_id") {
        return Ok(ListPlan::Empty);
    }
    let from = match visibility {
        // Erased customers keep their company and owner, so their
        // tickets stay visible to the same agents.
        Visibility::Agent { .. } => "tickets t JOIN customers c ON c.id = t.customer_id",
        Visibility::All | Visibility::Own(_) | Visibility::Nothing => "tickets t",
    };
    if !fields(&mut filter, query) {
        return Ok(ListPlan::Empty);
    }
    let key = SortKey::of(query.sort.field);
    let start = Start::keyset_with(page, |position| key.bind(position))?;
    Ok(PageSelect {
        columns: &format!("{TICKET_COLUMNS}, {}", key.cursor),
        from,
        order: Order {
            key: key.column,
            id: "t.id",
            direction: query.sort.direction,
        },
    }
    .plan(filter, start, page.limit))
}

/// Adds the filters of `query`; `false` when no ticket can match.
fn fields(filter: &mut Filter, query: &TicketQuery) -> bool {
    if let Some(status) = query.status {
        filter.push_text("t.status = ?", status.as_str());
    }
    if let Some(priority) = query.priority {
        filter.push(
            "t.priority_rank = ?",
            Value::Integer(i64::from(priority.rank())),
        );
    }
    if let Some(assignee) = query.assignee_id {
        filter.push_text("t.assignee_id = ?", assignee.to_string());
    }
    if let Some(customer) = query.customer_id {
        filter.push_text("t.customer_id = ?", customer.to_string());
    }
    if let Some(words) = search_text(query.text.as_deref()) {
        if words.contains(SEARCH_SEPARATOR) {
            // Neither a subject nor an issue holds it.
            return false;
        }
        // `search_text` is lower-cased by the store (Unicode), so
        // lower-casing the pattern makes the match case-insensitive.
        filter.contains(&["t.search_text"], words);
    }
    filter.within("t.created_at", query.from, query.to);
    true
}

/// What a sort orders by and how its position is told.
#[derive(Debug, Clone, Copy)]
struct SortKey {
    /// The column the list is ordered and compared by; each has an index
    /// on (it, id).
    column: &'static str,
    /// The cursor's key: text that sorts like the column.
    cursor: &'static str,
    /// Whether the column is the integer priority rank.
    rank: bool,
}

impl SortKey {
    fn of(field: TicketSortField) -> Self {
        match field {
            TicketSortField::CreatedAt => Self {
                column: "t.created_at",
                cursor: "t.created_at",
                rank: false,
            },
            TicketSortField::UpdatedAt => Self {
                column: "t.updated_at",
                cursor: "t.updated_at",
                rank: false,
            },
            TicketSortField::Priority => Self {
                column: "t.priority_rank",
                cursor: "printf('%02d', t.priority_rank)",
                rank: true,
            },
        }
    }

    /// The cursor's key as the value the column is compared with. The
    /// cursor was signed by the server, so its key is one this query
    /// produced; a rank that does not parse is a backend error.
    fn bind(self, key: Option<&str>) -> Result<Value, BackendError> {
        if !self.rank {
            return Ok(Value::Text(key.unwrap_or_default().to_owned()));
        }
        key.and_then(|key| key.parse::<i64>().ok())
            .map(Value::Integer)
            .ok_or_else(|| BackendError::msg("the cursor is not a position of a priority list"))
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CompanyId, CursorPosition, CustomerId, Limit, Timestamp, UserId};
    use crm_tickets::{Priority, TicketSort, TicketStatus};

    use super::*;
    use crate::sql::sql_and_params;

    #[test]
    fn first_page_of_everything() {
        let (sql, params) = sql_and_params(
            list_plan(
                &TicketQuery::default(),
                &Visibility::All,
                &PageRequest::default(),
            )
            .unwrap(),
        );
        assert!(
            sql.contains("t.created_at FROM tickets t ORDER BY"),
            "{sql}"
        );
        assert!(
            sql.ends_with("ORDER BY t.created_at ASC, t.id ASC LIMIT ?"),
            "{sql}"
        );
        assert_eq!(params, vec![Value::Integer(51)]);
    }

    #[test]
    fn every_filter_binds_one_value_per_placeholder() {
        let query = TicketQuery {
            status: Some(TicketStatus::Reopened),
            priority: Some(Priority::Urgent),
            assignee_id: Some(UserId::new()),
            customer_id: Some(CustomerId::new()),
            text: Some("  50%_Off\\ ".into()),
            from: Some(Timestamp::from_millis(0).unwrap()),
            to: Some(Timestamp::from_millis(1).unwrap()),
            sort: TicketSort::parse("-priority").unwrap(),
        };
        let visibility = Visibility::Agent {
            company_ids: vec![CompanyId::new(), CompanyId::new()],
            owner_id: UserId::new(),
        };
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: Some("03".into()),
                id: "id-1".into(),
            }),
        };
        let (sql, params) = sql_and_params(list_plan(&query, &visibility, &page).unwrap());
        assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
        assert!(
            sql.contains("JOIN customers c ON c.id = t.customer_id"),
            "{sql}"
        );
        assert!(
            sql.contains("(c.company_id IN (?, ?) OR c.owner_id = ?)"),
            "{sql}"
        );
        assert!(sql.contains("(t.priority_rank, t.id) < (?, ?)"), "{sql}");
        assert!(
            sql.ends_with("ORDER BY t.priority_rank DESC, t.id DESC LIMIT ?"),
            "{sql}"
        );
        assert!(params.contains(&Value::Text(r"%50\%\_off\\%".into())));
        assert!(
            params.contains(&Value::Integer(3)),
            "the rank of urgent, and the cursor's"
        );
        assert_eq!(params.last(), Some(&Value::Integer(3)));
    }

    #[test]
    fn own_visibility_needs_no_join_and_an_agent_without_companies_sees_owned() {
        let own = CustomerId::new();
        let (sql, params) = sql_and_params(
            list_plan(
                &TicketQuery::default(),
                &Visibility::Own(own),
                &PageRequest::default(),
            )
            .unwrap(),
        );
        assert!(!sql.contains("JOIN"), "{sql}");
        assert!(sql.contains("WHERE t.customer_id = ?"), "{sql}");
        assert_eq!(params[0], Value::Text(own.to_string()));
        let (sql, _) = sql_and_params(
            list_plan(
                &TicketQuery::default(),
                &Visibility::Agent {
                    company_ids: Vec::new(),
                    owner_id: UserId::new(),
                },
                &PageRequest::default(),
            )
            .unwrap(),
        );
        assert!(sql.contains("WHERE c.owner_id = ?"), "{sql}");
    }

    #[test]
    fn nothing_visible_or_an_impossible_text_is_an_empty_page() {
        let page = PageRequest::default();
        assert!(matches!(
            list_plan(&TicketQuery::default(), &Visibility::Nothing, &page).unwrap(),
            ListPlan::Empty
        ));
        let query = TicketQuery {
            text: Some("a\u{1f}b".into()),
            ..TicketQuery::default()
        };
        assert!(matches!(
            list_plan(&query, &Visibility::All, &page).unwrap(),
            ListPlan::Empty
        ));
        let blank = TicketQuery {
            text: Some("   ".into()),
            ..TicketQuery::default()
        };
        let (sql, _) = sql_and_params(list_plan(&blank, &Visibility::All, &page).unwrap());
        assert!(!sql.contains("LIKE"), "{sql}");
    }

    /// Each sort, alone or after a position, walks an index (ending in the
    /// id) instead of sorting the table.
    #[test]
    fn every_sort_walks_an_index() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for migration in crate::db::migrations::MIGRATIONS {
            conn.execute_batch(migration.sql).unwrap();
        }
        for sort in [
            "created_at",
            "-created_at",
            "updated_at",
            "-updated_at",
            "priority",
            "-priority",
        ] {
            let query = TicketQuery {
                sort: TicketSort::parse(sort).unwrap(),
                ..TicketQuery::default()
            };
            let page = PageRequest {
                limit: Limit::default(),
                after: Some(CursorPosition {
                    key: Some("01".into()),
                    id: "x".into(),
                }),
            };
            let (sql, params) = sql_and_params(list_plan(&query, &Visibility::All, &page).unwrap());
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(rusqlite::params_from_iter(params), |row| row.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join("; ");
            assert!(plan.contains("USING INDEX tickets_by_"), "{sort}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{sort}: {plan}");
        }
    }

    #[test]
    fn priority_cursors_hold_a_zero_padded_rank() {
        let query = TicketQuery {
            sort: TicketSort::parse("priority").unwrap(),
            ..TicketQuery::default()
        };
        let (sql, _) =
            sql_and_params(list_plan(&query, &Visibility::All, &PageRequest::default()).unwrap());
        assert!(
            sql.contains("printf('%02d', t.priority_rank) FROM"),
            "{sql}"
        );
        let bad = PageRequest {
            limit: Limit::default(),
            after: Some(CursorPosition {
                key: Some("2026-01-01T00:00:00.000Z".into()),
                id: String::new(),
            }),
        };
        assert!(list_plan(&query, &Visibility::All, &bad).is_err());
        let sorted_by_time = TicketQuery {
            sort: TicketSort::parse("-updated_at").unwrap(),
            ..TicketQuery::default()
        };
        let (sql, params) =
            sql_and_params(list_plan(&sorted_by_time, &Visibility::All, &bad).unwrap());
        assert!(sql.contains("(t.updated_at, t.id) < (?, ?)"), "{sql}");
        assert_eq!(params[0], Value::Text("2026-01-01T00:00:00.000Z".into()));
    }
}
