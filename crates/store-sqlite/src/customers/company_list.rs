//! The SQL of one page of the company list: text filter, the `only` ids,
//! sort order and the keyset position to start after (as the staff user
//! list does: strictly after the last item's (sort key, id)).

use crm_customers::{CompanyQuery, CompanySort};
use crm_kernel::{CompanyId, PageRequest, SortDirection};
use rusqlite::types::Value;

use crate::customers::company_rows::COMPANY_COLUMNS;
use crate::identity::user_list::escape_like;

/// How one page is fetched.
#[derive(Debug)]
pub(crate) enum CompanyListPlan {
    /// Nothing can match (`only` names no company).
    Empty,
    /// A statement and its positional parameters.
    Query {
        /// The `SELECT`: [`COMPANY_COLUMNS`], then the sort key.
        sql: String,
        /// One value per `?`, in order.
        params: Vec<Value>,
    },
}

/// The query of one page: at most `limit + 1` rows, the extra one telling
/// that another page exists.
pub(crate) fn list_plan(
    query: &CompanyQuery,
    only: Option<&[CompanyId]>,
    page: &PageRequest,
) -> CompanyListPlan {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    if let Some(ids) = only {
        if ids.is_empty() {
            return CompanyListPlan::Empty;
        }
        conditions.push(format!("co.id IN ({})", vec!["?"; ids.len()].join(", ")));
        params.extend(ids.iter().map(|id| Value::Text(id.to_string())));
    }
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
    {
        // `name_sort` is lower-cased by the store; websites are ASCII (the
        // URL serialisation punycodes hosts and percent-encodes paths), so
        // SQL's lower() is exact for them; phones are digits and `+`.
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        conditions.push(
            "(co.name_sort LIKE ? ESCAPE '\\' OR lower(co.website) LIKE ? ESCAPE '\\' \
             OR co.phone LIKE ? ESCAPE '\\')"
                .to_owned(),
        );
        params.extend([pattern.clone(), pattern.clone(), pattern].map(Value::Text));
    }
    let key = match query.sort {
        CompanySort::Name => "co.name_sort",
        CompanySort::CreatedAt => "co.created_at",
        CompanySort::UpdatedAt => "co.updated_at",
    };
    let (order, after) = match query.direction {
        SortDirection::Asc => ("ASC", ">"),
        SortDirection::Desc => ("DESC", "<"),
    };
    if let Some(position) = &page.after {
        conditions.push(format!("({key}, co.id) {after} (?, ?)"));
        params.push(Value::Text(position.key.clone().unwrap_or_default()));
        params.push(Value::Text(position.id.clone()));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    params.push(Value::Integer(i64::from(page.limit.get()) + 1));
    CompanyListPlan::Query {
        sql: format!(
            "SELECT {COMPANY_COLUMNS}, {key} FROM companies co{filter} \
             ORDER BY {key} {order}, co.id {order} LIMIT ?"
        ),
        params,
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CursorPosition, Limit};

    use super::*;

    #[test]
    fn filters_and_position_bind_in_order() {
        let query = CompanyQuery {
            text: Some(" 50%_Off ".into()),
            sort: CompanySort::UpdatedAt,
            direction: SortDirection::Desc,
        };
        let ids = [CompanyId::new(), CompanyId::new()];
        let page = PageRequest {
            limit: Limit::parse(Some(5)).unwrap(),
            after: Some(CursorPosition {
                key: Some("k".into()),
                id: "i".into(),
            }),
        };
        let CompanyListPlan::Query { sql, params } = list_plan(&query, Some(&ids), &page) else {
            panic!("expected a query");
        };
        assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
        assert!(sql.contains("co.id IN (?, ?)"), "{sql}");
        assert!(sql.contains("(co.updated_at, co.id) < (?, ?)"), "{sql}");
        assert!(
            sql.ends_with("ORDER BY co.updated_at DESC, co.id DESC LIMIT ?"),
            "{sql}"
        );
        assert!(params.contains(&Value::Text(r"%50\%\_off%".into())));
        assert_eq!(params.last(), Some(&Value::Integer(6)));
    }

    #[test]
    fn only_nothing_is_an_empty_page() {
        assert!(matches!(
            list_plan(&CompanyQuery::default(), Some(&[]), &PageRequest::default()),
            CompanyListPlan::Empty
        ));
    }
}
