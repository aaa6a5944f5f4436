//! The query of one page of the staff user list: filters, order and the
//! keyset position to start after.

use crm_identity::{UserQuery, UserSortField};
use crm_kernel::{BackendError, PageRequest};
use mongodb::bson::{Document, doc};

use crate::bson::keyset::{KeyKind, Order, all_of};
use crate::bson::regex;
use crate::db::ops::{FindSpec, limit};

/// The order of `query`; each field has an index on (field, `_id`).
pub(crate) fn order(query: &UserQuery) -> Order {
    let (field, key) = match query.sort.field {
        UserSortField::Name => ("name_sort", KeyKind::Text),
        UserSortField::Email => ("email_key", KeyKind::Text),
        UserSortField::CreatedAt => ("created_at", KeyKind::Date),
        UserSortField::UpdatedAt => ("updated_at", KeyKind::Date),
    };
    Order::by(field, key, query.sort.direction)
}

/// The read of one page: at most `limit + 1` users, the extra one telling
/// that another page exists.
pub(crate) fn list_spec(query: &UserQuery, page: &PageRequest) -> Result<FindSpec, BackendError> {
    let order = order(query);
    let mut conditions: Vec<Document> = Vec::new();
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
    {
        // `name_sort` and `email_key` are lower-cased by the store, so
        // lower-casing the text makes the match case-insensitive beyond ASCII.
        let pattern = regex::contains(text);
        conditions.push(doc! { "$or": [
            { "name_sort": { "$regex": &pattern } },
            { "email_key": { "$regex": &pattern } },
            { "phone": { "$regex": &pattern } },
        ] });
    }
    if let Some(role) = query.role {
        conditions.push(doc! { "role": role.as_str() });
    }
    if let Some(status) = query.status {
        conditions.push(doc! { "status": status.as_str() });
    }
    conditions.extend(order.after_position(page.after.as_ref())?);
    Ok(FindSpec {
        filter: all_of(conditions),
        sort: order.sort(),
        limit: Some(limit(page.limit.get()) + 1),
        projection: None,
    })
}

#[cfg(test)]
mod tests {
    use crm_identity::{StaffRole, UserSort, UserStatus};
    use crm_kernel::{CursorPosition, Limit};

    use super::*;

    #[test]
    fn first_page_without_filters() {
        let spec = list_spec(&UserQuery::default(), &PageRequest::default()).unwrap();
        assert_eq!(spec.filter, doc! {});
        assert_eq!(spec.sort, doc! { "created_at": 1, "_id": 1 });
        assert_eq!(spec.limit, Some(51));
    }

    #[test]
    fn every_filter_and_the_position() {
        let query = UserQuery {
            text: Some("  50%_Ann ".into()),
            role: Some(StaffRole::Admin),
            status: Some(UserStatus::Disabled),
            sort: UserSort::parse("-name").unwrap(),
        };
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: Some("ann".into()),
                id: "id-1".into(),
            }),
        };
        let spec = list_spec(&query, &page).unwrap();
        assert_eq!(
            spec.filter,
            doc! { "$and": [
                { "$or": [
                    { "name_sort": { "$regex": r"50\%\_ann" } },
                    { "email_key": { "$regex": r"50\%\_ann" } },
                    { "phone": { "$regex": r"50\%\_ann" } },
                ] },
                { "role": "admin" },
                { "status": "disabled" },
                { "$or": [
                    { "name_sort": { "$lt": "ann" } },
                    { "name_sort": null },
                    { "name_sort": "ann", "_id": { "$lt": "id-1" } },
                ] },
            ] }
        );
        assert_eq!(spec.sort, doc! { "name_sort": -1, "_id": -1 });
        assert_eq!(spec.limit, Some(3));
    }

    #[test]
    fn blank_text_filters_nothing_and_a_foreign_cursor_is_refused() {
        let query = UserQuery {
            text: Some("   ".into()),
            ..UserQuery::default()
        };
        assert_eq!(
            list_spec(&query, &PageRequest::default()).unwrap().filter,
            doc! {}
        );
        let page = PageRequest {
            limit: Limit::default(),
            after: Some(CursorPosition {
                key: Some("yesterday".into()),
                id: "x".into(),
            }),
        };
        assert!(list_spec(&UserQuery::default(), &page).is_err());
    }
}
