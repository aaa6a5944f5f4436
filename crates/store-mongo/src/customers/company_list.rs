//! The query of one page of the company list.

use crm_customers::{CompanyQuery, CompanySort};
use crm_kernel::{BackendError, CompanyId, PageRequest};
use mongodb::bson::{Document, doc};

use crate::bson::keyset::{KeyKind, Order, all_of};
use crate::bson::regex;
use crate::db::ops::{FindSpec, limit};

/// The order of `query`; each field has an index on (field, `_id`).
pub(crate) fn order(query: &CompanyQuery) -> Order {
    let (field, key) = match query.sort {
        CompanySort::Name => ("name_sort", KeyKind::Text),
        CompanySort::CreatedAt => ("created_at", KeyKind::Date),
        CompanySort::UpdatedAt => ("updated_at", KeyKind::Date),
    };
    Order::by(field, key, query.direction)
}

/// The read of one page (at most `limit + 1` companies), or `None` when
/// `only` names no company.
pub(crate) fn list_spec(
    query: &CompanyQuery,
    only: Option<&[CompanyId]>,
    page: &PageRequest,
) -> Result<Option<FindSpec>, BackendError> {
    let order = order(query);
    let mut conditions: Vec<Document> = Vec::new();
    if let Some(ids) = only {
        if ids.is_empty() {
            return Ok(None);
        }
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        conditions.push(doc! { "_id": { "$in": ids } });
    }
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
    {
        let pattern = regex::contains(text);
        conditions.push(doc! { "$or": [
            { "name_sort": { "$regex": &pattern } },
            { "website_key": { "$regex": &pattern } },
            { "phone": { "$regex": &pattern } },
        ] });
    }
    conditions.extend(order.after_position(page.after.as_ref())?);
    Ok(Some(FindSpec {
        filter: all_of(conditions),
        sort: order.sort(),
        limit: Some(limit(page.limit.get()) + 1),
        projection: None,
    }))
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CursorPosition, Limit, SortDirection};

    use super::*;

    #[test]
    fn name_order_by_default() {
        let spec = list_spec(&CompanyQuery::default(), None, &PageRequest::default())
            .unwrap()
            .unwrap();
        assert_eq!(spec.filter, doc! {});
        assert_eq!(spec.sort, doc! { "name_sort": 1, "_id": 1 });
    }

    #[test]
    fn only_text_and_position() {
        let id = CompanyId::new();
        let query = CompanyQuery {
            text: Some("Acme_".into()),
            sort: CompanySort::UpdatedAt,
            direction: SortDirection::Desc,
        };
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: Some("1970-01-01T00:00:00.005Z".into()),
                id: "c-1".into(),
            }),
        };
        let spec = list_spec(&query, Some(&[id]), &page).unwrap().unwrap();
        let at = mongodb::bson::DateTime::from_millis(5);
        assert_eq!(
            spec.filter,
            doc! { "$and": [
                { "_id": { "$in": [id.to_string()] } },
                { "$or": [
                    { "name_sort": { "$regex": r"acme\_" } },
                    { "website_key": { "$regex": r"acme\_" } },
                    { "phone": { "$regex": r"acme\_" } },
                ] },
                { "$or": [
                    { "updated_at": { "$lt": at } },
                    { "updated_at": null },
                    { "updated_at": at, "_id": { "$lt": "c-1" } },
                ] },
            ] }
        );
        assert_eq!(spec.limit, Some(3));
        assert_eq!(
            list_spec(&query, Some(&[]), &PageRequest::default()).unwrap(),
            None
        );
    }
}
