//! The query of one page of the customer list: filters, visibility, search,
//! order and where the page starts.
//!
//! Sorted by a field, a page is a `find` keyset-paginated on (field, id).
//! Sorted by relevance (with a search text), it is an aggregation that
//! computes each match's tier ([`tier_expression`]) and keyset-paginates
//! on (tier, id): relevance pages never skip nor repeat a customer while
//! the matches do not change, and cost no offset.

use crm_customers::{CustomerQuery, CustomerSortField, Visibility};
use crm_kernel::{BackendError, PageRequest, SortDirection};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::keyset::{KeyKind, Order, all_of};
use crate::bson::keywords::phrases;
use crate::bson::visibility::{ON_CUSTOMERS, visible};
use crate::customers::search::{match_condition, tier_expression};
use crate::db::ops::{FindSpec, limit};

/// The computed field a relevance page is ordered by.
pub(crate) const TIER: &str = "tier";

/// How one page is read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ListPlan {
    /// Nothing can match (no visibility, or a search text without words).
    Empty,
    /// A `find` in the order of `order`.
    Find {
        /// The read.
        spec: Box<FindSpec>,
        /// The order (its field gives the cursor position).
        order: Order,
    },
    /// An aggregation ordered by [`TIER`], then id.
    Relevance {
        /// The pipeline.
        pipeline: Vec<Document>,
    },
}

/// The read of one page: at most `limit + 1` customers, the extra one
/// telling that another page exists. Erased customers are never listed.
pub(crate) fn list_plan(
    query: &CustomerQuery,
    visibility: &Visibility,
    page: &PageRequest,
) -> Result<ListPlan, BackendError> {
    let Some(visible) = visible(visibility, ON_CUSTOMERS) else {
        return Ok(ListPlan::Empty);
    };
    let mut conditions = vec![doc! { "erased_at": Bson::Null }, visible];
    conditions.extend(field_conditions(query));
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty());
    let phrases = match text.map(phrases) {
        None => None,
        Some(Some(phrases)) => Some(phrases),
        Some(None) => return Ok(ListPlan::Empty),
    };
    if let Some(phrases) = &phrases {
        conditions.push(match_condition(phrases));
    }
    let limit = limit(page.limit.get()) + 1;
    match (query.sort.field, phrases) {
        (CustomerSortField::Relevance, Some(phrases)) => {
            let order = relevance_order(query.sort.direction);
            let mut pipeline = vec![
                doc! { "$match": all_of(conditions) },
                doc! { "$addFields": { TIER: tier_expression(&phrases) } },
            ];
            if let Some(after) = order.after_position(page.after.as_ref())? {
                pipeline.push(doc! { "$match": after });
            }
            pipeline.extend([
                doc! { "$sort": order.sort() },
                doc! { "$limit": limit },
                doc! { "$project": { "keywords": 0 } },
            ]);
            Ok(ListPlan::Relevance { pipeline })
        }
        (field, _) => {
            let order = field_order(field, query.sort.direction);
            conditions.extend(order.after_position(page.after.as_ref())?);
            Ok(ListPlan::Find {
                spec: Box::new(FindSpec {
                    filter: all_of(conditions),
                    sort: order.sort(),
                    limit: Some(limit),
                    projection: Some(doc! { "keywords": 0 }),
                }),
                order,
            })
        }
    }
}

/// The order of relevance: best (lowest tier) first, ties by id; the
/// exact reverse for `-relevance`.
pub(crate) fn relevance_order(direction: SortDirection) -> Order {
    Order {
        field: TIER,
        key: KeyKind::Int,
        direction,
        ties: direction,
    }
}

/// The order of a sort by a field. Relevance without a search text ranks
/// nothing, so it falls back to the default order, creation time.
/// Customers without an interaction (null) come first ascending.
fn field_order(field: CustomerSortField, direction: SortDirection) -> Order {
    let field = match field {
        CustomerSortField::Name => return Order::by("name_sort", KeyKind::Text, direction),
        CustomerSortField::CreatedAt | CustomerSortField::Relevance => "created_at",
        CustomerSortField::UpdatedAt => "updated_at",
        CustomerSortField::LastInteraction => "last_interaction",
    };
    Order::by(field, KeyKind::Date, direction)
}

/// The conditions of the field filters of `query` (all but the text).
fn field_conditions(query: &CustomerQuery) -> Vec<Document> {
    let mut conditions = Vec::new();
    if let Some(status) = query.status {
        conditions.push(doc! { "status": status.as_str() });
    }
    if let Some(company) = query.company_id {
        conditions.push(doc! { "company_id": company.to_string() });
    }
    if let Some(owner) = query.owner_id {
        conditions.push(doc! { "owner_id": owner.to_string() });
    }
    if let Some(tag) = &query.tag {
        conditions.push(doc! { "tags": tag.as_str() });
    }
    if let Some(from) = query.created_from {
        conditions.push(doc! { "created_at": { "$gte": crate::bson::convert::date(from) } });
    }
    if let Some(to) = query.created_to {
        conditions.push(doc! { "created_at": { "$lt": crate::bson::convert::date(to) } });
    }
    conditions
}

#[cfg(test)]
mod tests {
    use crm_customers::{CustomerSort, LifecycleStatus, Tag};
    use crm_kernel::{CompanyId, CursorPosition, CustomerId, Limit, Timestamp, UserId};

    use super::*;

    fn find(plan: ListPlan) -> (FindSpec, Order) {
        match plan {
            ListPlan::Find { spec, order } => (*spec, order),
            other => panic!("expected a find, got {other:?}"),
        }
    }

    #[test]
    fn first_page_lists_only_customers_that_are_not_erased() {
        let (spec, order) = find(
            list_plan(
                &CustomerQuery::default(),
                &Visibility::All,
                &PageRequest::default(),
            )
            .unwrap(),
        );
        assert_eq!(spec.filter, doc! { "erased_at": null });
        assert_eq!(spec.sort, doc! { "created_at": 1, "_id": 1 });
        assert_eq!(spec.limit, Some(51));
        assert_eq!(spec.projection, Some(doc! { "keywords": 0 }));
        assert_eq!(order.field, "created_at");
    }

    #[test]
    fn every_filter_visibility_and_the_position() {
        let (company, other, owner, agent) = (
            CompanyId::new(),
            CompanyId::new(),
            UserId::new(),
            UserId::new(),
        );
        let query = CustomerQuery {
            status: Some(LifecycleStatus::Prospect),
            company_id: Some(company),
            owner_id: Some(owner),
            tag: Some(Tag::parse("vip").unwrap()),
            created_from: Some(Timestamp::from_millis(0).unwrap()),
            created_to: Some(Timestamp::from_millis(1).unwrap()),
            text: Some("ann".into()),
            sort: CustomerSort::parse("-last_interaction").unwrap(),
        };
        let visibility = Visibility::Agent {
            company_ids: vec![other],
            owner_id: agent,
        };
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: Some(String::new()),
                id: "id-1".into(),
            }),
        };
        let (spec, _) = find(list_plan(&query, &visibility, &page).unwrap());
        let at = |millis| crate::bson::convert::date(Timestamp::from_millis(millis).unwrap());
        assert_eq!(
            spec.filter,
            doc! { "$and": [
                { "erased_at": null },
                { "$or": [
                    { "company_id": { "$in": [other.to_string()] } },
                    { "owner_id": agent.to_string() },
                ] },
                { "status": "prospect" },
                { "company_id": company.to_string() },
                { "owner_id": owner.to_string() },
                { "tags": "vip" },
                { "created_at": { "$gte": at(0) } },
                { "created_at": { "$lt": at(1) } },
                { "keywords.t": { "$regex": "^ann" } },
                { "last_interaction": null, "_id": { "$lt": "id-1" } },
            ] }
        );
        assert_eq!(spec.sort, doc! { "last_interaction": -1, "_id": -1 });
        assert_eq!(spec.limit, Some(3));
    }

    #[test]
    fn nothing_visible_or_no_words_is_an_empty_page() {
        let page = PageRequest::default();
        assert_eq!(
            list_plan(&CustomerQuery::default(), &Visibility::Nothing, &page).unwrap(),
            ListPlan::Empty
        );
        let query = CustomerQuery {
            text: Some("\" * (".into()),
            ..CustomerQuery::default()
        };
        assert_eq!(
            list_plan(&query, &Visibility::All, &page).unwrap(),
            ListPlan::Empty
        );
        let blank = CustomerQuery {
            text: Some("   ".into()),
            ..CustomerQuery::default()
        };
        assert!(matches!(
            list_plan(&blank, &Visibility::All, &page).unwrap(),
            ListPlan::Find { .. }
        ));
    }

    #[test]
    fn relevance_pages_are_keyset_pages_on_the_tier() {
        let own = CustomerId::new();
        let query = CustomerQuery {
            text: Some("smith".into()),
            sort: CustomerSort::relevance(),
            ..CustomerQuery::default()
        };
        let page = PageRequest {
            limit: Limit::parse(Some(10)).unwrap(),
            after: Some(CursorPosition {
                key: Some("3".into()),
                id: "id-1".into(),
            }),
        };
        let ListPlan::Relevance { pipeline } =
            list_plan(&query, &Visibility::Own(own), &page).unwrap()
        else {
            panic!("a relevance plan");
        };
        assert_eq!(pipeline.len(), 6);
        assert_eq!(
            pipeline[0],
            doc! { "$match": { "$and": [
                { "erased_at": null },
                { "_id": own.to_string() },
                { "keywords.t": { "$regex": "^smith" } },
            ] } }
        );
        assert!(
            pipeline[1]
                .get_document("$addFields")
                .unwrap()
                .contains_key(TIER)
        );
        assert_eq!(
            pipeline[2],
            doc! { "$match": { "$or": [
                { "tier": { "$gt": 3_i64 } },
                { "tier": 3_i64, "_id": { "$gt": "id-1" } },
            ] } }
        );
        assert_eq!(pipeline[3], doc! { "$sort": { "tier": 1, "_id": 1 } });
        assert_eq!(pipeline[4], doc! { "$limit": 11_i64 });
        let reversed = relevance_order(SortDirection::Desc);
        assert_eq!(reversed.sort(), doc! { "tier": -1, "_id": -1 });
    }

    #[test]
    fn relevance_without_text_is_creation_order_and_bad_cursors_are_refused() {
        let query = CustomerQuery {
            sort: CustomerSort::relevance(),
            ..CustomerQuery::default()
        };
        let (spec, _) = find(list_plan(&query, &Visibility::All, &PageRequest::default()).unwrap());
        assert_eq!(spec.sort, doc! { "created_at": 1, "_id": 1 });
        let page = PageRequest {
            limit: Limit::default(),
            after: Some(CursorPosition {
                key: Some("offset:20".into()),
                id: String::new(),
            }),
        };
        assert!(list_plan(&query, &Visibility::All, &page).is_err());
    }
}
