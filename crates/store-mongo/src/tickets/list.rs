//! The queries of one page of the ticket list and of a ticket's comments.

use crm_kernel::{BackendError, PageRequest, SortDirection, TicketId, Visibility};
use crm_tickets::{TicketQuery, TicketSortField};
use mongodb::bson::{Document, doc};

use crate::bson::convert::date;
use crate::bson::keyset::{KeyKind, Order, all_of};
use crate::bson::regex;
use crate::bson::visibility::{ON_RECORDS, visible};
use crate::db::ops::{FindSpec, limit};
use crate::tickets::docs::SEARCH_SEPARATOR;

/// The order of `query`: by creation, last change or priority rank, then id.
pub(crate) fn order(query: &TicketQuery) -> Order {
    let (field, key) = match query.sort.field {
        TicketSortField::CreatedAt => ("created_at", KeyKind::Date),
        TicketSortField::UpdatedAt => ("updated_at", KeyKind::Date),
        TicketSortField::Priority => ("priority_rank", KeyKind::Int),
    };
    Order::by(field, key, query.sort.direction)
}

/// The read of one page (at most `limit + 1` tickets), or `None` when
/// nothing can match (no visibility, or a text no ticket can hold).
/// Visibility goes through the copies of the customer's company and owner
/// each ticket keeps; erased customers' tickets stay listed.
pub(crate) fn list_spec(
    query: &TicketQuery,
    visibility: &Visibility,
    page: &PageRequest,
) -> Result<Option<FindSpec>, BackendError> {
    let Some(visible) = visible(visibility, ON_RECORDS) else {
        return Ok(None);
    };
    let mut conditions = vec![visible];
    if let Some(status) = query.status {
        conditions.push(doc! { "status": status.as_str() });
    }
    if let Some(priority) = query.priority {
        conditions.push(doc! { "priority_rank": i32::from(priority.rank()) });
    }
    if let Some(assignee) = query.assignee_id {
        conditions.push(doc! { "assignee_id": assignee.to_string() });
    }
    if let Some(customer) = query.customer_id {
        conditions.push(doc! { "customer_id": customer.to_string() });
    }
    if let Some(words) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|words| !words.is_empty())
    {
        if words.contains(SEARCH_SEPARATOR) {
            // Neither a subject nor an issue holds it.
            return Ok(None);
        }
        conditions.push(doc! { "search_text": { "$regex": regex::contains(words) } });
    }
    if let Some(from) = query.from {
        conditions.push(doc! { "created_at": { "$gte": date(from) } });
    }
    if let Some(to) = query.to {
        conditions.push(doc! { "created_at": { "$lt": date(to) } });
    }
    let order = order(query);
    conditions.extend(order.after_position(page.after.as_ref())?);
    Ok(Some(FindSpec {
        filter: all_of(conditions),
        sort: order.sort(),
        limit: Some(limit(page.limit.get()) + 1),
        projection: None,
    }))
}

/// The order of a ticket's comments: oldest first, ties by id.
pub(crate) const COMMENT_ORDER: Order = Order {
    field: "created_at",
    key: KeyKind::Date,
    direction: SortDirection::Asc,
    ties: SortDirection::Asc,
};

/// The read of one page of a ticket's comments; staff-only notes only with
/// `include_internal`.
pub(crate) fn comments_spec(
    ticket: TicketId,
    include_internal: bool,
    page: &PageRequest,
) -> Result<FindSpec, BackendError> {
    let mut conditions: Vec<Document> = vec![doc! { "ticket_id": ticket.to_string() }];
    if !include_internal {
        conditions.push(doc! { "internal": false });
    }
    conditions.extend(COMMENT_ORDER.after_position(page.after.as_ref())?);
    Ok(FindSpec {
        filter: all_of(conditions),
        sort: COMMENT_ORDER.sort(),
        limit: Some(limit(page.limit.get()) + 1),
        projection: None,
    })
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CompanyId, CursorPosition, CustomerId, Limit, Timestamp, UserId};
    use crm_tickets::{Priority, TicketSort, TicketStatus};

    use super::*;

    #[test]
    fn first_page_of_everything() {
        let spec = list_spec(
            &TicketQuery::default(),
            &Visibility::All,
            &PageRequest::default(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(spec.filter, doc! {});
        assert_eq!(spec.sort, doc! { "created_at": 1, "_id": 1 });
        assert_eq!(spec.limit, Some(51));
    }

    #[test]
    fn every_filter_visibility_and_the_position() {
        let (customer, assignee, company, agent) = (
            CustomerId::new(),
            UserId::new(),
            CompanyId::new(),
            UserId::new(),
        );
        let query = TicketQuery {
            status: Some(TicketStatus::Reopened),
            priority: Some(Priority::Urgent),
            assignee_id: Some(assignee),
            customer_id: Some(customer),
            text: Some("  50%_Off\\ ".into()),
            from: Some(Timestamp::from_millis(0).unwrap()),
            to: Some(Timestamp::from_millis(1).unwrap()),
            sort: TicketSort::parse("-priority").unwrap(),
        };
        let visibility = Visibility::Agent {
            company_ids: vec![company],
            owner_id: agent,
        };
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: Some("03".into()),
                id: "t-1".into(),
            }),
        };
        let spec = list_spec(&query, &visibility, &page).unwrap().unwrap();
        let at = |millis| date(Timestamp::from_millis(millis).unwrap());
        assert_eq!(
            spec.filter,
            doc! { "$and": [
                { "$or": [
                    { "customer_company_id": { "$in": [company.to_string()] } },
                    { "customer_owner_id": agent.to_string() },
                ] },
                { "status": "reopened" },
                { "priority_rank": 3 },
                { "assignee_id": assignee.to_string() },
                { "customer_id": customer.to_string() },
                { "search_text": { "$regex": r"50\%\_off\\" } },
                { "created_at": { "$gte": at(0) } },
                { "created_at": { "$lt": at(1) } },
                { "$or": [
                    { "priority_rank": { "$lt": 3_i64 } },
                    { "priority_rank": null },
                    { "priority_rank": 3_i64, "_id": { "$lt": "t-1" } },
                ] },
            ] }
        );
        assert_eq!(spec.sort, doc! { "priority_rank": -1, "_id": -1 });
    }

    #[test]
    fn nothing_visible_or_an_impossible_text_is_no_read() {
        let page = PageRequest::default();
        assert_eq!(
            list_spec(&TicketQuery::default(), &Visibility::Nothing, &page).unwrap(),
            None
        );
        let query = TicketQuery {
            text: Some("a\u{1f}b".into()),
            ..TicketQuery::default()
        };
        assert_eq!(list_spec(&query, &Visibility::All, &page).unwrap(), None);
        let own = CustomerId::new();
        let spec = list_spec(&TicketQuery::default(), &Visibility::Own(own), &page)
            .unwrap()
            .unwrap();
        assert_eq!(spec.filter, doc! { "customer_id": own.to_string() });
    }

    #[test]
    fn comments_oldest_first_and_public_only_unless_asked() {
        let ticket = TicketId::new();
        let page = PageRequest {
            limit: Limit::parse(Some(1)).unwrap(),
            after: Some(CursorPosition {
                key: Some("1970-01-01T00:00:00.000Z".into()),
                id: "c-1".into(),
            }),
        };
        let spec = comments_spec(ticket, false, &page).unwrap();
        let at = mongodb::bson::DateTime::from_millis(0);
        assert_eq!(
            spec.filter,
            doc! { "$and": [
                { "ticket_id": ticket.to_string() },
                { "internal": false },
                { "$or": [
                    { "created_at": { "$gt": at } },
                    { "created_at": at, "_id": { "$gt": "c-1" } },
                ] },
            ] }
        );
        assert_eq!(spec.sort, doc! { "created_at": 1, "_id": 1 });
        assert_eq!(spec.limit, Some(2));
        let all = comments_spec(ticket, true, &PageRequest::default()).unwrap();
        assert_eq!(all.filter, doc! { "ticket_id": ticket.to_string() });
    }
}
