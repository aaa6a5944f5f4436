//! The SQL of one page of the staff user list: filters and sort order, on
//! the shared planner of [`crate::sql`]. The sort key is the text that the
//! `ORDER BY` compares, selected as the last column so the cursor holds
//! exactly what the next query compares against.

use crm_identity::{UserQuery, UserSortField};
use crm_kernel::PageRequest;

use crate::identity::user_rows::USER_COLUMNS;
use crate::sql::{Filter, ListQuery, Order, PageSelect, Start, search_text};

/// The query of one page: at most `limit + 1` rows ([`USER_COLUMNS`], then
/// the sort key), the extra one telling that another page exists.
pub(crate) fn list_query(query: &UserQuery, page: &PageRequest) -> ListQuery {
    let key = sort_key(query.sort.field);
    let mut filter = Filter::new();
    if let Some(text) = search_text(query.text.as_deref()) {
        // The `*_sort` columns are lower-cased by the store, so lower-casing
        // the pattern makes the match case-insensitive beyond ASCII.
        filter.contains(&["u.name_sort", "u.email_sort", "u.phone"], text);
    }
    if let Some(role) = query.role {
        filter.push_text("u.role = ?", role.as_str());
    }
    if let Some(status) = query.status {
        filter.push_text("u.status = ?", status.as_str());
    }
    PageSelect {
        columns: &format!("{USER_COLUMNS}, {key}"),
        from: "users u",
        order: Order {
            key,
            id: "u.id",
            direction: query.sort.direction,
        },
    }
    .query(filter, Start::keyset(page), page.limit)
}

/// The column a sort field orders by; each has an index on (column, id).
fn sort_key(field: UserSortField) -> &'static str {
    match field {
        UserSortField::Name => "u.name_sort",
        UserSortField::Email => "u.email_sort",
        UserSortField::CreatedAt => "u.created_at",
        UserSortField::UpdatedAt => "u.updated_at",
    }
}

#[cfg(test)]
mod tests {
    use crm_identity::{StaffRole, UserSort, UserStatus};
    use crm_kernel::{CursorPosition, Limit};
    use rusqlite::types::Value;

    use super::*;

    fn texts(params: &[Value]) -> Vec<String> {
        params
            .iter()
            .map(|value| match value {
                Value::Text(text) => text.clone(),
                Value::Integer(n) => n.to_string(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn first_page_without_filters() {
        let query = list_query(&UserQuery::default(), &PageRequest::default());
        assert!(query.sql.contains("FROM users u ORDER BY"), "{}", query.sql);
        assert!(
            query
                .sql
                .ends_with("ORDER BY u.created_at ASC, u.id ASC LIMIT ?"),
            "{}",
            query.sql
        );
        assert_eq!(texts(&query.params), ["51"]);
    }

    #[test]
    fn filters_and_position_bind_in_order() {
        let query = UserQuery {
            text: Some("  Ann_%  ".into()),
            role: Some(StaffRole::Agent),
            status: Some(UserStatus::Active),
            sort: UserSort::parse("-name").unwrap(),
        };
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: Some("bob".into()),
                id: "id-1".into(),
            }),
        };
        let list = list_query(&query, &page);
        assert!(
            list.sql.contains("(u.name_sort, u.id) < (?, ?)"),
            "{}",
            list.sql
        );
        assert!(
            list.sql
                .ends_with("ORDER BY u.name_sort DESC, u.id DESC LIMIT ?"),
            "{}",
            list.sql
        );
        assert_eq!(list.sql.matches('?').count(), list.params.len());
        assert_eq!(
            texts(&list.params),
            [
                r"%ann\_\%%",
                r"%ann\_\%%",
                r"%ann\_\%%",
                "agent",
                "active",
                "bob",
                "id-1",
                "3"
            ]
        );
    }

    #[test]
    fn blank_text_does_not_filter() {
        let query = UserQuery {
            text: Some("   ".into()),
            ..UserQuery::default()
        };
        assert!(
            !list_query(&query, &PageRequest::default())
                .sql
                .contains("LIKE")
        );
    }
}
