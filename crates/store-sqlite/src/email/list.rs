//! The SQL of one page of the message list: filters, the caller's scope
//! (its own messages, and those with a recipient whose customer it may
//! see), newest first, on the shared planner of [`crate::sql`].

use crm_email::{EmailQuery, EmailScope};
use crm_kernel::{PageRequest, SortDirection, Visibility};

use crate::email::rows::EMAIL_COLUMNS;
use crate::sql::{Filter, ListPlan, Order, PageSelect, Start};

/// The query of one page: [`EMAIL_COLUMNS`] then the cursor key
/// (`created_at`), ordered by (`created_at`, id), newest first.
pub(crate) fn list_plan(query: &EmailQuery, scope: &EmailScope, page: &PageRequest) -> ListPlan {
    let mut filter = Filter::new();
    scoped(&mut filter, scope);
    if let Some(customer) = query.customer_id {
        filter.push_text(
            "EXISTS (SELECT 1 FROM email_recipients q \
             WHERE q.email_id = e.id AND q.customer_id = ?)",
            customer.to_string(),
        );
    }
    if let Some(status) = query.status {
        filter.push_text(
            "EXISTS (SELECT 1 FROM email_recipients q WHERE q.email_id = e.id AND q.status = ?)",
            status.as_str(),
        );
    }
    filter.within("e.created_at", query.from, query.to);
    PageSelect {
        columns: &format!("{EMAIL_COLUMNS}, e.created_at"),
        from: "emails e",
        order: Order {
            key: "e.created_at",
            id: "e.id",
            direction: SortDirection::Desc,
        },
    }
    .plan(filter, Start::keyset(page), page.limit)
}

/// Adds the scope: everything for `All`; otherwise the caller's own
/// messages and those with a recipient whose customer is visible.
fn scoped(filter: &mut Filter, scope: &EmailScope) {
    if scope.visibility == Visibility::All {
        return;
    }
    let mut visible = Filter::new();
    visible.condition("v.email_id = e.id");
    let some = visible.visible(&scope.visibility, "c.id");
    let sender = scope
        .sender
        .map_or_else(String::new, |sender| sender.to_string());
    if some {
        let mut params = vec![rusqlite::types::Value::Text(sender)];
        let condition = format!(
            "(e.sender_id = ? OR EXISTS (SELECT 1 FROM email_recipients v \
             JOIN customers c ON c.id = v.customer_id{}))",
            visible.where_clause()
        );
        params.extend(visible.into_params());
        filter.push_all(condition, params);
    } else {
        filter.push_text("e.sender_id = ?", sender);
    }
}
