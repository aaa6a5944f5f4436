//! The SQL of one page of the interaction list: filters, visibility and
//! the staff-only rule, on the shared planner of [`crate::sql`].
//!
//! Pages are ordered by start, then id, in the query's direction, and
//! keyset-paginated on that pair as the other lists are. The cursor's key
//! is the start as RFC 3339 text, which sorts like the instant; it is read
//! from the interaction, not selected.
//!
//! Interactions of erased customers are not listed: the customer's record is
//! gone for every reader (`get` of such an interaction is refused by the
//! service too, as `CustomerDirectory::customer_ref` no longer finds its
//! customer).

use crm_interactions::{InteractionKind, InteractionQuery};
use crm_kernel::{PageRequest, Visibility};

use crate::interactions::rows::INTERACTION_COLUMNS;
use crate::sql::{Filter, ListPlan, Order, PageSelect, Start};

/// The query of one page: at most `limit + 1` rows of
/// [`INTERACTION_COLUMNS`], the extra one telling that another page exists.
pub(crate) fn list_plan(
    query: &InteractionQuery,
    visibility: &Visibility,
    include_staff_only: bool,
    page: &PageRequest,
) -> ListPlan {
    let mut filter = Filter::new();
    filter.condition("c.erased_at IS NULL");
    if !filter.visible(visibility, "i.customer_id") {
        return ListPlan::Empty;
    }
    if !include_staff_only {
        filter.push_text("i.kind <> ?", InteractionKind::Note.as_str());
    }
    fields(&mut filter, query);
    PageSelect {
        columns: INTERACTION_COLUMNS,
        from: "interactions i JOIN customers c ON c.id = i.customer_id",
        order: Order {
            key: "i.date_time",
            id: "i.id",
            direction: query.direction,
        },
    }
    .plan(filter, Start::keyset(page), page.limit)
}

/// Adds the filters of `query`.
fn fields(filter: &mut Filter, query: &InteractionQuery) {
    if let Some(customer) = query.customer_id {
        filter.push_text("i.customer_id = ?", customer.to_string());
    }
    if let Some(organizer) = query.organizer_id {
        filter.push_text("i.organizer_id = ?", organizer.to_string());
    }
    if let Some(kind) = query.kind {
        filter.push_text("i.kind = ?", kind.as_str());
    }
    if let Some(status) = query.status {
        filter.push_text("i.status = ?", status.as_str());
    }
    filter.within("i.date_time", query.from, query.to);
}

#[cfg(test)]
mod tests {
    use crm_interactions::InteractionStatus;
    use crm_kernel::{
        CompanyId, CursorPosition, CustomerId, Limit, SortDirection, Timestamp, UserId,
    };
    use rusqlite::types::Value;

    use super::*;
    use crate::db::plans::{explain, migrated};
    use crate::sql::sql_and_params;

    #[test]
    fn first_page_of_everything_a_staff_user_sees() {
        let (sql, params) = sql_and_params(list_plan(
            &InteractionQuery::default(),
            &Visibility::All,
            true,
            &PageRequest::default(),
        ));
        assert!(sql.contains("WHERE c.erased_at IS NULL ORDER BY"), "{sql}");
        assert!(
            sql.ends_with("ORDER BY i.date_time ASC, i.id ASC LIMIT ?"),
            "{sql}"
        );
        assert_eq!(params, vec![Value::Integer(51)]);
    }

    #[test]
    fn every_filter_binds_one_value_per_placeholder() {
        let query = InteractionQuery {
            customer_id: Some(CustomerId::new()),
            organizer_id: Some(UserId::new()),
            kind: Some(InteractionKind::Call),
            status: Some(InteractionStatus::NoShow),
            from: Some(Timestamp::from_millis(0).unwrap()),
            to: Some(Timestamp::from_millis(1).unwrap()),
            direction: SortDirection::Desc,
            mine: false,
        };
        let visibility = Visibility::Agent {
            company_ids: vec![CompanyId::new(), CompanyId::new()],
            owner_id: UserId::new(),
        };
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: Some("2026-01-01T00:00:00.000Z".into()),
                id: "id-1".into(),
            }),
        };
        let (sql, params) = sql_and_params(list_plan(&query, &visibility, false, &page));
        assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
        assert!(
            sql.contains("(c.company_id IN (?, ?) OR c.owner_id = ?)"),
            "{sql}"
        );
        assert!(sql.contains("i.kind <> ?"), "{sql}");
        assert!(sql.contains("(i.date_time, i.id) < (?, ?)"), "{sql}");
        assert!(
            sql.ends_with("ORDER BY i.date_time DESC, i.id DESC LIMIT ?"),
            "{sql}"
        );
        assert_eq!(params.last(), Some(&Value::Integer(3)));
    }

    #[test]
    fn nothing_visible_is_an_empty_page() {
        assert!(matches!(
            list_plan(
                &InteractionQuery::default(),
                &Visibility::Nothing,
                true,
                &PageRequest::default()
            ),
            ListPlan::Empty
        ));
        let (sql, params) = sql_and_params(list_plan(
            &InteractionQuery::default(),
            &Visibility::Own(CustomerId::new()),
            false,
            &PageRequest::default(),
        ));
        assert!(sql.contains("i.customer_id = ?"), "{sql}");
        assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
    }

    /// A page filtered by status or kind walks the start index in page
    /// order: no index of the status or kind tempts the planner into
    /// sorting every interaction of that status (migration 0014).
    #[tokio::test]
    async fn a_page_filtered_by_status_or_kind_reads_in_page_order() {
        let (_dir, store) = migrated().await;
        let queries = [
            InteractionQuery {
                status: Some(InteractionStatus::Completed),
                ..InteractionQuery::default()
            },
            InteractionQuery {
                kind: Some(InteractionKind::Call),
                direction: SortDirection::Desc,
                ..InteractionQuery::default()
            },
        ];
        for query in queries {
            let (sql, params) = sql_and_params(list_plan(
                &query,
                &Visibility::All,
                false,
                &PageRequest::default(),
            ));
            let plan = explain(&store, sql, params).await;
            assert!(
                plan.contains("SCAN i USING INDEX interactions_by_date_time"),
                "{query:?}: {plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{query:?}: {plan}");
        }
    }
}
