//! The SQL of one page of the interaction list: filters, visibility, the
//! staff-only rule and the keyset position to start after.
//!
//! Pages are ordered by start, then id, in the query's direction, and
//! keyset-paginated on that pair as the other lists are: the next page starts
//! strictly after the last item's (start, id), so interactions recorded
//! between two requests never cause duplicates or gaps among those that
//! existed before. The cursor's key is the start as RFC 3339 text, which
//! sorts like the instant.
//!
//! Interactions of erased customers are not listed: the customer's record is
//! gone for every reader (`get` of such an interaction is refused by the
//! service too, as `CustomerDirectory::customer_ref` no longer finds its
//! customer).

use crm_interactions::{InteractionKind, InteractionQuery};
use crm_kernel::{PageRequest, SortDirection, Visibility};
use rusqlite::types::Value;

use crate::interaction_rows::INTERACTION_COLUMNS;

/// How one page is fetched.
#[derive(Debug)]
pub(crate) enum ListPlan {
    /// Nothing can match (nothing is visible).
    Empty,
    /// A statement and its positional parameters.
    Query {
        /// The `SELECT` of [`INTERACTION_COLUMNS`].
        sql: String,
        /// One value per `?`, in order.
        params: Vec<Value>,
    },
}

/// The query of one page: at most `limit + 1` rows, the extra one telling
/// that another page exists.
pub(crate) fn list_plan(
    query: &InteractionQuery,
    visibility: &Visibility,
    include_staff_only: bool,
    page: &PageRequest,
) -> ListPlan {
    let mut filter = Filter {
        conditions: vec!["c.erased_at IS NULL".to_owned()],
        params: Vec::new(),
    };
    match visibility {
        Visibility::Nothing => return ListPlan::Empty,
        Visibility::All => {}
        Visibility::Own(id) => filter.push("i.customer_id = ?", Value::Text(id.to_string())),
        Visibility::Agent {
            company_ids,
            owner_id,
        } => {
            let (condition, params) =
                crate::visibility_sql::agent_condition(company_ids, *owner_id);
            filter.conditions.push(condition);
            filter.params.extend(params);
        }
    }
    if !include_staff_only {
        filter.push(
            "i.kind <> ?",
            Value::Text(InteractionKind::Note.as_str().to_owned()),
        );
    }
    filter.fields(query);
    let (order, after) = match query.direction {
        SortDirection::Asc => ("ASC", ">"),
        SortDirection::Desc => ("DESC", "<"),
    };
    if let Some(position) = &page.after {
        // The cursor was signed by the server, so its key is a start this
        // query produced; it is compared as text whatever it holds.
        filter
            .conditions
            .push(format!("(i.date_time, i.id) {after} (?, ?)"));
        filter
            .params
            .push(Value::Text(position.key.clone().unwrap_or_default()));
        filter.params.push(Value::Text(position.id.clone()));
    }
    filter
        .params
        .push(Value::Integer(i64::from(page.limit.get()) + 1));
    ListPlan::Query {
        sql: format!(
            "SELECT {INTERACTION_COLUMNS} FROM interactions i \
             JOIN customers c ON c.id = i.customer_id WHERE {} \
             ORDER BY i.date_time {order}, i.id {order} LIMIT ?",
            filter.conditions.join(" AND ")
        ),
        params: filter.params,
    }
}

/// The conditions of a list query and their parameters, in order.
#[derive(Debug)]
struct Filter {
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Filter {
    fn push(&mut self, condition: impl Into<String>, param: Value) {
        self.conditions.push(condition.into());
        self.params.push(param);
    }

    /// Adds the filters of `query`.
    fn fields(&mut self, query: &InteractionQuery) {
        let text = |value: String| Value::Text(value);
        if let Some(customer) = query.customer_id {
            self.push("i.customer_id = ?", text(customer.to_string()));
        }
        if let Some(organizer) = query.organizer_id {
            self.push("i.organizer_id = ?", text(organizer.to_string()));
        }
        if let Some(kind) = query.kind {
            self.push("i.kind = ?", text(kind.as_str().to_owned()));
        }
        if let Some(status) = query.status {
            self.push("i.status = ?", text(status.as_str().to_owned()));
        }
        if let Some(from) = query.from {
            self.push("i.date_time >= ?", text(from.to_rfc3339()));
        }
        if let Some(to) = query.to {
            self.push("i.date_time < ?", text(to.to_rfc3339()));
        }
    }
}

#[cfg(test)]
mod tests {
    use crm_interactions::InteractionStatus;
    use crm_kernel::{CompanyId, CursorPosition, CustomerId, Limit, Timestamp, UserId};

    use super::*;

    fn sql_and_params(plan: ListPlan) -> (String, Vec<Value>) {
        match plan {
            ListPlan::Query { sql, params } => (sql, params),
            ListPlan::Empty => panic!("expected a query"),
        }
    }

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
}
