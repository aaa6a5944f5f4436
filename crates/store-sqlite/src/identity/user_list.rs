//! The SQL of one page of the staff user list: filters, sort order and the
//! keyset position to start after.
//!
//! Pages are keyset-paginated on (sort key, id): the next page starts
//! strictly after the last item's pair, so items created between two
//! requests never cause duplicates or gaps. The sort key is the text that
//! the `ORDER BY` compares, selected as the last column so the cursor holds
//! exactly what the next query compares against.

use crm_identity::{UserQuery, UserSortField};
use crm_kernel::{PageRequest, SortDirection};
use rusqlite::types::Value;

use crate::identity::user_rows::USER_COLUMNS;

/// A statement and its positional parameters.
#[derive(Debug)]
pub(crate) struct ListQuery {
    /// The `SELECT`: [`USER_COLUMNS`], then the sort key.
    pub(crate) sql: String,
    /// One value per `?`, in order.
    pub(crate) params: Vec<Value>,
}

/// The query of one page: at most `limit + 1` rows, the extra one telling
/// that another page exists.
pub(crate) fn list_query(query: &UserQuery, page: &PageRequest) -> ListQuery {
    let key = sort_key(query.sort.field);
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
    {
        // The `*_sort` columns are lower-cased by the store, so lower-casing
        // the pattern makes the match case-insensitive beyond ASCII.
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        conditions.push(
            "(u.name_sort LIKE ? ESCAPE '\\' OR u.email_sort LIKE ? ESCAPE '\\' \
             OR u.phone LIKE ? ESCAPE '\\')"
                .to_owned(),
        );
        params.extend([pattern.clone(), pattern.clone(), pattern].map(Value::Text));
    }
    if let Some(role) = query.role {
        conditions.push("u.role = ?".to_owned());
        params.push(Value::Text(role.as_str().to_owned()));
    }
    if let Some(status) = query.status {
        conditions.push("u.status = ?".to_owned());
        params.push(Value::Text(status.as_str().to_owned()));
    }
    let (order, after) = match query.sort.direction {
        SortDirection::Asc => ("ASC", ">"),
        SortDirection::Desc => ("DESC", "<"),
    };
    if let Some(position) = &page.after {
        // The cursor was signed by the server, so its key is one this query
        // produced; it is compared as text whatever it holds.
        conditions.push(format!("({key}, u.id) {after} (?, ?)"));
        params.push(Value::Text(position.key.clone().unwrap_or_default()));
        params.push(Value::Text(position.id.clone()));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    params.push(Value::Integer(i64::from(page.limit.get()) + 1));
    ListQuery {
        sql: format!(
            "SELECT {USER_COLUMNS}, {key} FROM users u{filter} \
             ORDER BY {key} {order}, u.id {order} LIMIT ?"
        ),
        params,
    }
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

/// Escapes the `LIKE` wildcards (`%`, `_`) and the escape character itself,
/// so the text matches literally.
pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use crm_identity::{StaffRole, UserSort, UserStatus};
    use crm_kernel::{CursorPosition, Limit};

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
    fn escapes_like_wildcards() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
        assert_eq!(escape_like("plain"), "plain");
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
