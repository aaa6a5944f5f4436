//! The SQL of one page of the customer list: filters, visibility, sort
//! order and where the page starts, on the shared planner of [`crate::sql`].
//!
//! Sorted by a field, pages are keyset-paginated on (sort key text, id), as
//! the staff user list is: the next page starts strictly after the last
//! item's pair, so customers created between two requests never cause
//! duplicates or gaps among those that existed before.
//!
//! Sorted by relevance, a match ranks by tier: first the customers whose
//! name holds every word of the search, then those that also need their
//! email, their phone, their company's name, and last their notes
//! ([`fts::tier_expression`]); within a tier, in the order the customers
//! were stored. Each tier is one full-text query read in rowid order that
//! stops at the page's end, and the next tier runs only when the page is
//! not full: a page costs what its rows cost, however many customers match
//! (a `bm25` rank read every match, and a common four-letter prefix matches
//! thousands). Pages are keyset pages on (tier, rowid): they never skip nor
//! repeat a customer whose tier does not change between requests.

use crm_customers::{CustomerQuery, CustomerSortField, Visibility};
use crm_kernel::{BackendError, PageRequest, SortDirection};
use rusqlite::types::Value;

use crate::customers::fts::{self, TIERS};
use crate::customers::rows::{CUSTOMER_COLUMNS, CUSTOMER_FROM};
use crate::sql::{Filter, ListPlan, ListQuery, Order, PageSelect, Start, search_text};

/// The query of one page, at most `limit + 1` rows (the extra one telling
/// that another page exists), each row the customer's columns followed by
/// the key of its cursor position.
pub(crate) fn list_plan(
    query: &CustomerQuery,
    visibility: &Visibility,
    page: &PageRequest,
) -> Result<ListPlan, BackendError> {
    let mut filter = Filter::new();
    if !filter.visible(visibility, "c.id") {
        return Ok(ListPlan::Empty);
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
        Some(None) => return Ok(ListPlan::Empty),
    };
    match (query.sort.field, search) {
        (CustomerSortField::Relevance, Some(expression)) => relevance_plan(
            narrowed.then_some(&filter),
            &expression,
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

/// Matches of `expression` by relevance (see the module), from the
/// cursor's (tier, rowid) on: one query per tier, run one after the other
/// until the page is full. Among the customers that meet `filter`, or among
/// every match when there is no filter beyond "not erased" (`None`): then a
/// tier's matches are chosen from the full-text index alone, and only the
/// page's rows read the customer's columns (company, tags, account).
fn relevance_plan(
    filter: Option<&Filter>,
    expression: &str,
    direction: SortDirection,
    page: &PageRequest,
) -> Result<ListPlan, BackendError> {
    let start = match &page.after {
        None => None,
        Some(position) => Some(parse_tier_key(position.key.as_deref())?),
    };
    let (dir, after) = match direction {
        SortDirection::Asc => ("ASC", ">"),
        SortDirection::Desc => ("DESC", "<"),
    };
    let tiers: Vec<u8> = match direction {
        SortDirection::Asc => (1..=TIERS).collect(),
        SortDirection::Desc => (1..=TIERS).rev().collect(),
    };
    let from = match filter {
        Some(_) => "customers_fts JOIN customers c ON c.rowid = customers_fts.rowid",
        None => "customers_fts",
    };
    let rows = usize::try_from(page.limit.get())
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let mut queries = Vec::with_capacity(tiers.len());
    for tier in tiers {
        let mut matches = Filter::new();
        matches.push_text(
            "customers_fts MATCH ?",
            fts::tier_expression(expression, tier),
        );
        match start {
            // A tier listed on the pages before.
            Some((at, _)) if tiers_before(direction, tier, at) => continue,
            Some((at, rowid)) if at == tier => matches.push(
                format!("customers_fts.rowid {after} ?"),
                Value::Integer(rowid),
            ),
            _ => {}
        }
        if let Some(filter) = filter {
            matches.append(filter.clone());
        }
        let conditions = matches.where_clause();
        let mut params = matches.into_params();
        params.push(Value::Integer(i64::from(page.limit.get()) + 1));
        queries.push(ListQuery {
            sql: format!(
                "SELECT {CUSTOMER_COLUMNS}, '{tier}:' || m.rid FROM \
                 (SELECT customers_fts.rowid AS rid FROM {from}{conditions} \
                 ORDER BY customers_fts.rowid {dir} LIMIT ?) m \
                 JOIN customers c ON c.rowid = m.rid \
                 LEFT JOIN companies co ON co.id = c.company_id ORDER BY m.rid {dir}"
            ),
            params,
        });
    }
    Ok(ListPlan::Sequence { queries, rows })
}

/// Whether `tier` comes before tier `at` in a relevance list of `direction`.
fn tiers_before(direction: SortDirection, tier: u8, at: u8) -> bool {
    match direction {
        SortDirection::Asc => tier < at,
        SortDirection::Desc => tier > at,
    }
}

/// The key of a relevance position: the match's tier and rowid.
fn parse_tier_key(key: Option<&str>) -> Result<(u8, i64), BackendError> {
    key.and_then(|key| key.split_once(':'))
        .and_then(|(tier, rowid)| Some((tier.parse().ok()?, rowid.parse().ok()?)))
        .filter(|(tier, _)| (1..=TIERS).contains(tier))
        .ok_or_else(|| BackendError::msg("the cursor is not a position of a relevance list"))
}

/// Customers (matching `search`, if any) in the order of `field`, strictly
/// after the cursor's (key, id).
fn keyset_plan(
    mut filter: Filter,
    search: Option<String>,
    field: CustomerSortField,
    direction: SortDirection,
    page: &PageRequest,
) -> ListPlan {
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
    PageSelect {
        columns: &format!("{CUSTOMER_COLUMNS}, {key}"),
        from: CUSTOMER_FROM,
        order: Order {
            key,
            id: "c.id",
            direction,
        },
    }
    .plan(filter, Start::keyset(page), page.limit)
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

#[cfg(test)]
mod tests {
    use crm_customers::{CustomerSort, LifecycleStatus, Tag};
    use crm_kernel::{CompanyId, CursorPosition, CustomerId, Limit, UserId};

    use rusqlite::types::Value;

    use super::*;

    use crate::db::plans::{explain, migrated};
    use crate::sql::sql_and_params;

    /// The queries of a relevance plan, one per tier still to list.
    fn tier_queries(plan: ListPlan) -> (Vec<ListQuery>, usize) {
        match plan {
            ListPlan::Sequence { queries, rows } => (queries, rows),
            other => panic!("expected a sequence of tiers: {other:?}"),
        }
    }

    #[test]
    fn first_page_lists_only_customers_that_are_not_erased() {
        let (sql, params) = sql_and_params(
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
        let (sql, params) = sql_and_params(list_plan(&query, &visibility, &page).unwrap());
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
            list_plan(&CustomerQuery::default(), &Visibility::Nothing, &page).unwrap(),
            ListPlan::Empty
        ));
        let query = CustomerQuery {
            text: Some("\" * (".into()),
            ..CustomerQuery::default()
        };
        assert!(matches!(
            list_plan(&query, &Visibility::All, &page).unwrap(),
            ListPlan::Empty
        ));
        let blank = CustomerQuery {
            text: Some("   ".into()),
            ..CustomerQuery::default()
        };
        assert!(matches!(
            list_plan(&blank, &Visibility::All, &page).unwrap(),
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
        let (queries, rows) = tier_queries(list_plan(&search, &Visibility::All, &page).unwrap());
        assert_eq!(rows, 51);
        assert_eq!(queries.len(), usize::from(TIERS));
        for (tier, query) in (1..=TIERS).zip(&queries) {
            let inner = query.sql.split_once("FROM (").unwrap().1;
            assert!(
                inner.starts_with("SELECT customers_fts.rowid AS rid FROM customers_fts WHERE customers_fts MATCH ? ORDER BY customers_fts.rowid ASC LIMIT ?"),
                "the page of matches reads no customer row: {}",
                query.sql
            );
            assert_eq!(
                query.params,
                vec![
                    Value::Text(fts::tier_expression(r#""mill"*"#, tier)),
                    Value::Integer(51)
                ]
            );
        }
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
            let (queries, _) = tier_queries(list_plan(&query, &visibility, &page).unwrap());
            for query in queries {
                let inner = query.sql.split_once("FROM (").unwrap().1;
                assert!(
                    inner.contains(
                        "FROM customers_fts JOIN customers c ON c.rowid = customers_fts.rowid WHERE"
                    ) && inner.contains("c.erased_at IS NULL"),
                    "a filter reads the matches' customers: {}",
                    query.sql
                );
                assert_eq!(query.sql.matches('?').count(), query.params.len());
            }
        }
    }

    #[test]
    fn relevance_pages_are_keyset_pages_on_tier_and_rowid() {
        let query = CustomerQuery {
            text: Some("ann".into()),
            sort: CustomerSort::relevance(),
            ..CustomerQuery::default()
        };
        let page = PageRequest {
            limit: Limit::parse(Some(10)).unwrap(),
            after: Some(CursorPosition {
                key: Some("3:812".into()),
                id: CustomerId::new().to_string(),
            }),
        };
        let (queries, rows) = tier_queries(list_plan(&query, &Visibility::All, &page).unwrap());
        assert_eq!(rows, 11);
        assert_eq!(queries.len(), 3, "tiers 3, 4 and 5 are left");
        assert!(
            queries[0].sql.contains("customers_fts.rowid > ?"),
            "{}",
            queries[0].sql
        );
        assert!(
            queries[0]
                .sql
                .starts_with(&format!("SELECT {CUSTOMER_COLUMNS}, '3:' || m.rid"))
        );
        assert_eq!(
            queries[0].params,
            vec![
                Value::Text(fts::tier_expression(r#""ann"*"#, 3)),
                Value::Integer(812),
                Value::Integer(11)
            ]
        );
        assert!(
            !queries[1].sql.contains("customers_fts.rowid > ?"),
            "a later tier starts at its first match"
        );
        let reversed = CustomerQuery {
            sort: CustomerSort::parse("-relevance").unwrap(),
            ..query.clone()
        };
        let (queries, _) = tier_queries(list_plan(&reversed, &Visibility::All, &page).unwrap());
        assert_eq!(queries.len(), 3, "tiers 3, 2 and 1 are left");
        assert!(
            queries[0].sql.contains("customers_fts.rowid < ?")
                && queries[0].sql.ends_with("ORDER BY m.rid DESC")
        );
        assert!(
            queries[2]
                .sql
                .starts_with(&format!("SELECT {CUSTOMER_COLUMNS}, '1:' || m.rid"))
        );
        for key in ["smith", "0:1", "6:1", "2:x", "offset:20"] {
            let bad = PageRequest {
                after: Some(CursorPosition {
                    key: Some(key.into()),
                    id: String::new(),
                }),
                ..page.clone()
            };
            assert!(list_plan(&query, &Visibility::All, &bad).is_err(), "{key}");
        }
        let without_text = CustomerQuery {
            text: None,
            ..query
        };
        let (sql, _) = sql_and_params(
            list_plan(&without_text, &Visibility::All, &PageRequest::default()).unwrap(),
        );
        assert!(sql.contains("ORDER BY c.created_at ASC"), "{sql}");
    }

    /// `EXPLAIN QUERY PLAN` of a customer list page on a migrated database.
    async fn plan_of(query: &CustomerQuery, page: &PageRequest) -> String {
        let (_dir, store) = migrated().await;
        let (sql, params) = sql_and_params(list_plan(query, &Visibility::All, page).unwrap());
        explain(&store, sql, params).await
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

    #[tokio::test]
    async fn a_tier_reads_the_full_text_index_in_rowid_order_and_sorts_no_match() {
        let (_dir, store) = migrated().await;
        for sort in ["relevance", "-relevance"] {
            let query = CustomerQuery {
                text: Some("smit".into()),
                sort: CustomerSort::parse(sort).unwrap(),
                ..CustomerQuery::default()
            };
            let (queries, _) =
                tier_queries(list_plan(&query, &Visibility::All, &PageRequest::default()).unwrap());
            for query in queries {
                // The page of matches, without the join that reads its rows.
                let inner = query
                    .sql
                    .split_once("FROM (")
                    .and_then(|(_, rest)| rest.split_once(") m "))
                    .unwrap()
                    .0
                    .to_owned();
                let plan = explain(&store, inner, query.params).await;
                assert!(
                    plan.contains("SCAN customers_fts VIRTUAL TABLE"),
                    "{sort}: {plan}"
                );
                assert!(!plan.contains("TEMP B-TREE"), "{sort}: {plan}");
            }
        }
    }
}
