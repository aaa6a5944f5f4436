//! The SQL of one page of the customer list: filters, visibility, sort
//! order and where the page starts, on the shared planner of [`crate::sql`].
//!
//! Sorted by a field, pages are keyset-paginated on (sort key text, id), as
//! the staff user list is: the next page starts strictly after the last
//! item's pair, so customers created between two requests never cause
//! duplicates or gaps among those that existed before.
//!
//! Sorted by relevance, the `bm25` score is no stable key (it changes with
//! every write to the index), so the position is the number of matches
//! already returned (`offset:N`). Relevance pages may therefore shift, skip
//! or repeat a customer while the matching data changes between requests.

use crm_customers::{CustomerQuery, CustomerSortField, Visibility};
use crm_kernel::{BackendError, PageRequest, SortDirection};

use crate::customers::fts;
use crate::customers::rows::{CUSTOMER_COLUMNS, CUSTOMER_FROM};
use crate::sql::{Filter, ListPlan, ListQuery, Order, PageSelect, Start, search_text};

/// How the position of a page's last item is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// By its sort key, selected after the customer's columns.
    Keyset,
    /// By how many matches precede the next page; this page starts at `offset`.
    Offset {
        /// Matches before this page.
        offset: u64,
    },
}

/// The prefix of a relevance position's key.
const OFFSET_KEY: &str = "offset:";

/// The key of a relevance position after `count` matches.
pub(crate) fn offset_key(count: u64) -> String {
    format!("{OFFSET_KEY}{count}")
}

/// The query of one page, at most `limit + 1` rows (the extra one telling
/// that another page exists), and how its positions are told
/// ([`Position::Keyset`] for an empty plan).
pub(crate) fn list_plan(
    query: &CustomerQuery,
    visibility: &Visibility,
    page: &PageRequest,
) -> Result<(ListPlan, Position), BackendError> {
    let nothing = (ListPlan::Empty, Position::Keyset);
    let mut filter = Filter::new();
    if !filter.visible(visibility, "c.id") {
        return Ok(nothing);
    }
    fields(&mut filter, query);
    // Only customers that are not erased are in `customers_fts` (its
    // triggers), so a search with no other condition chooses its page from
    // the full-text index alone.
    let narrowed = !filter.is_empty();
    filter.condition("c.erased_at IS NULL");
    let search = match search_text(query.text.as_deref()).map(fts::match_expression) {
        None => None,
        Some(Some(expression)) => Some(expression),
        Some(None) => return Ok(nothing),
    };
    match (query.sort.field, search) {
        (CustomerSortField::Relevance, Some(expression)) => relevance_plan(
            narrowed.then_some(filter),
            expression,
            query.sort.direction,
            page,
        ),
        (field, search) => Ok(keyset_plan(
            filter,
            search,
            field,
            query.sort.direction,
            page,
        )),
    }
}

/// Adds the field filters of `query` (all but the text).
fn fields(filter: &mut Filter, query: &CustomerQuery) {
    if let Some(status) = query.status {
        filter.push_text("c.status = ?", status.as_str());
    }
    if let Some(company) = query.company_id {
        filter.push_text("c.company_id = ?", company.to_string());
    }
    if let Some(owner) = query.owner_id {
        filter.push_text("c.owner_id = ?", owner.to_string());
    }
    if let Some(tag) = &query.tag {
        filter.push_text(
            "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?)",
            tag.as_str(),
        );
    }
    filter.within("c.created_at", query.created_from, query.created_to);
}

/// Matches of `expression`, best first (ascending `bm25`, ties by rowid),
/// from the offset the cursor holds; among the customers that meet
/// `filter`, or among every match when there is no filter beyond "not
/// erased" (`None`).
fn relevance_plan(
    filter: Option<Filter>,
    expression: String,
    direction: SortDirection,
    page: &PageRequest,
) -> Result<(ListPlan, Position), BackendError> {
    let offset = match &page.after {
        None => 0,
        Some(position) => parse_offset(position.key.as_deref())?,
    };
    let mut matches = Filter::new();
    matches.push_text("customers_fts MATCH ?", expression);
    // The page of matches is chosen on the rank and the rowid alone; only
    // its rows then read the customer's columns (company, tags, account).
    // Without a filter it reads no customer row at all: looking up every
    // match's row was most of a search's time (a common four-letter prefix
    // matches a thousand customers or more).
    let from = match filter {
        Some(filter) => {
            matches.append(filter);
            "customers_fts JOIN customers c ON c.rowid = customers_fts.rowid"
        }
        None => "customers_fts",
    };
    let page_of_matches = PageSelect {
        columns: &format!("customers_fts.rowid AS rid, {} AS score", fts::RANK),
        from,
        order: Order {
            key: fts::RANK,
            id: "customers_fts.rowid",
            direction,
        },
    }
    .query(matches, Start::Offset(offset), page.limit);
    let dir = match direction {
        SortDirection::Asc => "ASC",
        SortDirection::Desc => "DESC",
    };
    let plan = ListPlan::Query(ListQuery {
        sql: format!(
            "SELECT {CUSTOMER_COLUMNS} FROM ({}) p JOIN customers c ON c.rowid = p.rid \
             LEFT JOIN companies co ON co.id = c.company_id ORDER BY p.score {dir}, p.rid {dir}",
            page_of_matches.sql
        ),
        params: page_of_matches.params,
    });
    Ok((plan, Position::Offset { offset }))
}

/// Customers (matching `search`, if any) in the order of `field`, strictly
/// after the cursor's (key, id).
fn keyset_plan(
    mut filter: Filter,
    search: Option<String>,
    field: CustomerSortField,
    direction: SortDirection,
    page: &PageRequest,
) -> (ListPlan, Position) {
    if let Some(expression) = search {
        filter.push_text(
            "c.rowid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?)",
            expression,
        );
    }
    let key = sort_key(field);
    if let (CustomerSortField::LastInteraction, Some(position)) = (field, &page.after) {
        // SQLite reads a range of an index on an expression only from a
        // plain comparison of that expression, not from the row value below:
        // bound it, so a page starts at its cursor instead of scanning to it.
        let op = match direction {
            SortDirection::Asc => ">=",
            SortDirection::Desc => "<=",
        };
        filter.push_text(
            format!("{key} {op} ?"),
            position.key.clone().unwrap_or_default(),
        );
    }
    let plan = PageSelect {
        columns: &format!("{CUSTOMER_COLUMNS}, {key}"),
        from: CUSTOMER_FROM,
        order: Order {
            key,
            id: "c.id",
            direction,
        },
    }
    .plan(filter, Start::keyset(page), page.limit);
    (plan, Position::Keyset)
}

/// The expression a sort field orders by; each has an index on (it, id).
/// Relevance without a search text ranks nothing, so it falls back to the
/// default order without one, creation time.
fn sort_key(field: CustomerSortField) -> &'static str {
    match field {
        CustomerSortField::Name => "c.name_sort",
        CustomerSortField::CreatedAt | CustomerSortField::Relevance => "c.created_at",
        CustomerSortField::UpdatedAt => "c.updated_at",
        CustomerSortField::LastInteraction => "coalesce(c.last_interaction, '')",
    }
}

/// The number of matches a relevance position says were returned.
fn parse_offset(key: Option<&str>) -> Result<u64, BackendError> {
    key.and_then(|key| key.strip_prefix(OFFSET_KEY))
        .and_then(|count| count.parse().ok())
        .ok_or_else(|| BackendError::msg("the cursor is not a position of a relevance list"))
}

#[cfg(test)]
mod tests {
    use crm_customers::{CustomerSort, LifecycleStatus, Tag};
    use crm_kernel::{CompanyId, CursorPosition, CustomerId, Limit, UserId};

    use rusqlite::types::Value;

    use super::*;

    fn sql_and_params((plan, position): (ListPlan, Position)) -> (String, Vec<Value>, Position) {
        let (sql, params) = crate::sql::sql_and_params(plan);
        (sql, params, position)
    }

    #[test]
    fn first_page_lists_only_customers_that_are_not_erased() {
        let (sql, params, position) = sql_and_params(
            list_plan(
                &CustomerQuery::default(),
                &Visibility::All,
                &PageRequest::default(),
            )
            .unwrap(),
        );
        assert!(sql.contains("WHERE c.erased_at IS NULL ORDER BY"), "{sql}");
        assert!(
            sql.ends_with("ORDER BY c.created_at ASC, c.id ASC LIMIT ?"),
            "{sql}"
        );
        assert_eq!(params, vec![Value::Integer(51)]);
        assert_eq!(position, Position::Keyset);
    }

    #[test]
    fn every_filter_binds_one_value_per_placeholder() {
        let query = CustomerQuery {
            status: Some(LifecycleStatus::Prospect),
            company_id: Some(CompanyId::new()),
            owner_id: Some(UserId::new()),
            tag: Some(Tag::parse("vip").unwrap()),
            created_from: Some(crm_kernel::Timestamp::from_millis(0).unwrap()),
            created_to: Some(crm_kernel::Timestamp::from_millis(1).unwrap()),
            text: Some("ann".into()),
            sort: CustomerSort::parse("-last_interaction").unwrap(),
        };
        let visibility = Visibility::Agent {
            company_ids: vec![CompanyId::new(), CompanyId::new()],
            owner_id: UserId::new(),
        };
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: Some(String::new()),
                id: CustomerId::new().to_string(),
            }),
        };
        let (sql, params, _) = sql_and_params(list_plan(&query, &visibility, &page).unwrap());
        assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
        assert!(
            sql.contains("(c.company_id IN (?, ?) OR c.owner_id = ?)"),
            "{sql}"
        );
        assert!(
            sql.contains("(coalesce(c.last_interaction, ''), c.id) < (?, ?)"),
            "{sql}"
        );
        assert!(params.contains(&Value::Text(r#""ann"*"#.into())));
    }

    #[test]
    fn nothing_visible_or_no_words_is_an_empty_page() {
        let page = PageRequest::default();
        assert!(matches!(
            list_plan(&CustomerQuery::default(), &Visibility::Nothing, &page)
                .unwrap()
                .0,
            ListPlan::Empty
        ));
        let query = CustomerQuery {
            text: Some("\" * (".into()),
            ..CustomerQuery::default()
        };
        assert!(matches!(
            list_plan(&query, &Visibility::All, &page).unwrap().0,
            ListPlan::Empty
        ));
        let blank = CustomerQuery {
            text: Some("   ".into()),
            ..CustomerQuery::default()
        };
        assert!(matches!(
            list_plan(&blank, &Visibility::All, &page).unwrap().0,
            ListPlan::Query(_)
        ));
    }

    #[test]
    fn a_search_without_filters_ranks_from_the_full_text_index_alone() {
        let search = CustomerQuery {
            text: Some("mill".into()),
            sort: CustomerSort::relevance(),
            ..CustomerQuery::default()
        };
        let page = PageRequest::default();
        let (sql, _, _) = sql_and_params(list_plan(&search, &Visibility::All, &page).unwrap());
        let inner = sql.split_once("FROM (").unwrap().1;
        assert!(
            inner.starts_with("SELECT customers_fts.rowid AS rid")
                && inner.contains("FROM customers_fts WHERE customers_fts MATCH ? ORDER BY"),
            "the page of matches reads no customer row: {sql}"
        );
        let filtered = [
            (
                CustomerQuery {
                    status: Some(LifecycleStatus::Lead),
                    ..search.clone()
                },
                Visibility::All,
            ),
            (search.clone(), Visibility::Own(CustomerId::new())),
        ];
        for (query, visibility) in filtered {
            let (sql, _, _) = sql_and_params(list_plan(&query, &visibility, &page).unwrap());
            let inner = sql.split_once("FROM (").unwrap().1;
            assert!(
                inner.contains(
                    "FROM customers_fts JOIN customers c ON c.rowid = customers_fts.rowid WHERE"
                ) && inner.contains("c.erased_at IS NULL"),
                "a filter reads the matches' customers: {sql}"
            );
        }
    }

    #[test]
    fn relevance_pages_by_offset() {
        let query = CustomerQuery {
            text: Some("ann".into()),
            sort: CustomerSort::relevance(),
            ..CustomerQuery::default()
        };
        let page = PageRequest {
            limit: Limit::parse(Some(10)).unwrap(),
            after: Some(CursorPosition {
                key: Some(offset_key(20)),
                id: CustomerId::new().to_string(),
            }),
        };
        let (sql, params, position) =
            sql_and_params(list_plan(&query, &Visibility::All, &page).unwrap());
        assert!(sql.contains("ORDER BY bm25("), "{sql}");
        assert_eq!(position, Position::Offset { offset: 20 });
        assert_eq!(params.last(), Some(&Value::Integer(20)));
        let bad = PageRequest {
            after: Some(CursorPosition {
                key: Some("smith".into()),
                id: String::new(),
            }),
            ..page
        };
        assert!(list_plan(&query, &Visibility::All, &bad).is_err());
        let without_text = CustomerQuery {
            text: None,
            ..query
        };
        let (sql, _, position) = sql_and_params(
            list_plan(&without_text, &Visibility::All, &PageRequest::default()).unwrap(),
        );
        assert!(sql.contains("ORDER BY c.created_at ASC"), "{sql}");
        assert_eq!(position, Position::Keyset);
    }

    /// `EXPLAIN QUERY PLAN` of a customer list page on a migrated database.
    async fn plan_of(query: &CustomerQuery, page: &PageRequest) -> String {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::SqliteStore::open(&dir.path().join("crm.db"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let (sql, params, _) = sql_and_params(list_plan(query, &Visibility::All, page).unwrap());
        store
            .read(move |conn| {
                let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let details: Vec<String> = statement
                    .query_map(rusqlite::params_from_iter(params), |row| row.get(3))?
                    .collect::<Result<_, _>>()?;
                Ok::<_, crate::db::error::CustomerDbError>(details.join("\n"))
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_status_filtered_page_reads_one_index_in_order_from_its_cursor() {
        for (sort, index) in [
            ("-last_interaction", "customers_by_status_last_interaction"),
            ("created_at", "customers_by_status_created_at"),
            ("-updated_at", "customers_by_status_updated_at"),
            ("name", "customers_by_status_name"),
        ] {
            let query = CustomerQuery {
                status: Some(LifecycleStatus::Customer),
                sort: CustomerSort::parse(sort).unwrap(),
                ..CustomerQuery::default()
            };
            let page = PageRequest {
                after: Some(CursorPosition {
                    key: Some("k".into()),
                    id: CustomerId::new().to_string(),
                }),
                ..PageRequest::default()
            };
            let plan = plan_of(&query, &page).await;
            assert!(
                plan.contains(&format!("SEARCH c USING INDEX {index} (status=? AND ")),
                "{sort}: {plan}"
            );
            assert!(!plan.contains("TEMP B-TREE FOR ORDER BY"), "{sort}: {plan}");
        }
    }
}
