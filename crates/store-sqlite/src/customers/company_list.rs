//! The SQL of one page of the company list: text filter, the `only` ids
//! and sort order, on the shared planner of [`crate::sql`] (keyset pages,
//! as the staff user list: strictly after the last item's (sort key, id)).

use crm_customers::{CompanyQuery, CompanySort};
use crm_kernel::{CompanyId, PageRequest};

use crate::customers::company_rows::COMPANY_COLUMNS;
use crate::sql::{Filter, ListPlan, Order, PageSelect, Start, search_text};

/// The query of one page: at most `limit + 1` rows ([`COMPANY_COLUMNS`],
/// then the sort key), the extra one telling that another page exists.
pub(crate) fn list_plan(
    query: &CompanyQuery,
    only: Option<&[CompanyId]>,
    page: &PageRequest,
) -> ListPlan {
    let mut filter = Filter::new();
    if let Some(ids) = only {
        if ids.is_empty() {
            return ListPlan::Empty;
        }
        filter.one_of("co.id", ids.iter().map(ToString::to_string));
    }
    if let Some(text) = search_text(query.text.as_deref()) {
        // `name_sort` is lower-cased by the store; websites are ASCII (the
        // URL serialisation punycodes hosts and percent-encodes paths), so
        // SQL's lower() is exact for them; phones are digits and `+`.
        filter.contains(&["co.name_sort", "lower(co.website)", "co.phone"], text);
    }
    let key = match query.sort {
        CompanySort::Name => "co.name_sort",
        CompanySort::CreatedAt => "co.created_at",
        CompanySort::UpdatedAt => "co.updated_at",
    };
    PageSelect {
        columns: &format!("{COMPANY_COLUMNS}, {key}"),
        from: "companies co",
        order: Order {
            key,
            id: "co.id",
            direction: query.direction,
        },
    }
    .plan(filter, Start::keyset(page), page.limit)
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CursorPosition, Limit, SortDirection};
    use rusqlite::types::Value;

    use crate::sql::ListQuery;

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
        let ListPlan::Query(ListQuery { sql, params }) = list_plan(&query, Some(&ids), &page)
        else {
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
            ListPlan::Empty
        ));
    }
}
