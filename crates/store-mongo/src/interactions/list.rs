//! The queries of the interaction lists: one page of the list, an
//! organizer's overlapping interactions, and a staff user's calendar.

use std::time::Duration;

use crm_interactions::{InteractionKind, InteractionQuery, InteractionStatus};
use crm_kernel::{BackendError, PageRequest, SortDirection, Timestamp, UserId, Visibility};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::date;
use crate::bson::keyset::{KeyKind, Order, all_of};
use crate::bson::visibility::{ON_RECORDS, visible};
use crate::db::ops::{FindSpec, limit};

/// The order of the list: by start, then id, in `direction`.
pub(crate) fn order(direction: SortDirection) -> Order {
    Order::by("date_time", KeyKind::Date, direction)
}

/// The read of one page (at most `limit + 1` interactions), or `None` when
/// nothing is visible. Interactions of erased customers are never listed;
/// notes (staff-only) only with `include_staff_only`.
pub(crate) fn list_spec(
    query: &InteractionQuery,
    visibility: &Visibility,
    include_staff_only: bool,
    page: &PageRequest,
) -> Result<Option<FindSpec>, BackendError> {
    let Some(visible) = visible(visibility, ON_RECORDS) else {
        return Ok(None);
    };
    let mut conditions = vec![doc! { "customer_erased": false }, visible];
    if !include_staff_only {
        conditions.push(doc! { "kind": { "$ne": InteractionKind::Note.as_str() } });
    }
    if let Some(customer) = query.customer_id {
        conditions.push(doc! { "customer_id": customer.to_string() });
    }
    if let Some(organizer) = query.organizer_id {
        conditions.push(doc! { "organizer_id": organizer.to_string() });
    }
    if let Some(kind) = query.kind {
        conditions.push(doc! { "kind": kind.as_str() });
    }
    if let Some(status) = query.status {
        conditions.push(doc! { "status": status.as_str() });
    }
    if let Some(from) = query.from {
        conditions.push(doc! { "date_time": { "$gte": date(from) } });
    }
    if let Some(to) = query.to {
        conditions.push(doc! { "date_time": { "$lt": date(to) } });
    }
    let order = order(query.direction);
    conditions.extend(order.after_position(page.after.as_ref())?);
    Ok(Some(FindSpec {
        filter: all_of(conditions),
        sort: order.sort(),
        limit: Some(limit(page.limit.get()) + 1),
        projection: None,
    }))
}

/// The organizer's scheduled meetings and calls overlapping `[start, end)`,
/// by start: `[s, e)` overlaps when `s < end` and `e > start`; one without
/// end occupies its start instant. An empty window is the instant `start`.
pub(crate) fn overlapping_spec(organizer: UserId, start: Timestamp, end: Timestamp) -> FindSpec {
    let end = if end > start {
        end
    } else {
        start.plus(Duration::from_millis(1))
    };
    FindSpec::all(
        doc! {
            "organizer_id": organizer.to_string(),
            "status": InteractionStatus::Scheduled.as_str(),
            "kind": { "$in": [InteractionKind::Meeting.as_str(), InteractionKind::Call.as_str()] },
            "date_time": { "$lt": date(end) },
            "$or": [
                { "date_time": { "$gte": date(start) } },
                { "end_time": { "$gt": date(start) } },
            ],
        },
        order(SortDirection::Asc).sort(),
    )
}

/// What a staff user organises or attends as a staff attendee, starting in
/// `[from, to)`, oldest first.
pub(crate) fn calendar_spec(user: UserId, from: Timestamp, to: Timestamp) -> FindSpec {
    let user = user.to_string();
    FindSpec::all(
        doc! {
            "date_time": { "$gte": date(from), "$lt": date(to) },
            "$or": [{ "organizer_id": &user }, { "attendees.user_id": &user }],
        },
        order(SortDirection::Asc).sort(),
    )
}

/// The aggregation that finds a customer's `last_interaction`: the start
/// of its latest completed interaction (`completed`), and of its latest one
/// that is not cancelled (`latest`), the fallback when none is completed.
pub(crate) fn last_interaction_pipeline(customer: &str) -> Vec<Document> {
    last_interaction_stages(Bson::from(customer), Bson::Null)
}

/// [`last_interaction_pipeline`] for many customers at once: one group per
/// customer (`_id` its id) that has an interaction not cancelled.
pub(crate) fn last_interactions_pipeline(customers: &[String]) -> Vec<Document> {
    last_interaction_stages(
        Bson::Document(doc! { "$in": customers }),
        Bson::from("$customer_id"),
    )
}

fn last_interaction_stages(customer: Bson, group: Bson) -> Vec<Document> {
    vec![
        doc! { "$match": {
            "customer_id": customer,
            "status": { "$ne": InteractionStatus::Cancelled.as_str() },
        } },
        doc! { "$group": {
            "_id": group,
            "completed": { "$max": { "$cond": [
                { "$eq": ["$status", InteractionStatus::Completed.as_str()] },
                "$date_time",
                null,
            ] } },
            "latest": { "$max": "$date_time" },
        } },
    ]
}

/// The `last_interaction` a group of [`last_interaction_pipeline`] gives:
/// `completed`, else `latest`, else null.
pub(crate) fn last_interaction_of(group: Option<&Document>) -> Bson {
    group
        .and_then(|group| {
            [group.get("completed"), group.get("latest")]
                .into_iter()
                .flatten()
                .find(|value| matches!(value, Bson::DateTime(_)))
                .cloned()
        })
        .unwrap_or(Bson::Null)
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CompanyId, CursorPosition, CustomerId, Limit};

    use super::*;

    fn at(millis: i64) -> mongodb::bson::DateTime {
        date(Timestamp::from_millis(millis).unwrap())
    }

    #[test]
    fn first_page_of_everything_a_staff_user_sees() {
        let spec = list_spec(
            &InteractionQuery::default(),
            &Visibility::All,
            true,
            &PageRequest::default(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(spec.filter, doc! { "customer_erased": false });
        assert_eq!(spec.sort, doc! { "date_time": 1, "_id": 1 });
        assert_eq!(spec.limit, Some(51));
    }

    #[test]
    fn every_filter_visibility_and_the_position() {
        let (customer, organizer, company, agent) = (
            CustomerId::new(),
            UserId::new(),
            CompanyId::new(),
            UserId::new(),
        );
        let query = InteractionQuery {
            customer_id: Some(customer),
            organizer_id: Some(organizer),
            kind: Some(InteractionKind::Call),
            status: Some(InteractionStatus::NoShow),
            from: Some(Timestamp::from_millis(0).unwrap()),
            to: Some(Timestamp::from_millis(1).unwrap()),
            direction: SortDirection::Desc,
            mine: false,
        };
        let visibility = Visibility::Agent {
            company_ids: vec![company],
            owner_id: agent,
        };
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: Some("1970-01-01T00:00:00.007Z".into()),
                id: "i-1".into(),
            }),
        };
        let spec = list_spec(&query, &visibility, false, &page)
            .unwrap()
            .unwrap();
        assert_eq!(
            spec.filter,
            doc! { "$and": [
                { "customer_erased": false },
                { "$or": [
                    { "customer_company_id": { "$in": [company.to_string()] } },
                    { "customer_owner_id": agent.to_string() },
                ] },
                { "kind": { "$ne": "note" } },
                { "customer_id": customer.to_string() },
                { "organizer_id": organizer.to_string() },
                { "kind": "call" },
                { "status": "no_show" },
                { "date_time": { "$gte": at(0) } },
                { "date_time": { "$lt": at(1) } },
                { "$or": [
                    { "date_time": { "$lt": at(7) } },
                    { "date_time": null },
                    { "date_time": at(7), "_id": { "$lt": "i-1" } },
                ] },
            ] }
        );
        assert_eq!(spec.sort, doc! { "date_time": -1, "_id": -1 });
        assert_eq!(
            list_spec(&query, &Visibility::Nothing, true, &PageRequest::default()).unwrap(),
            None
        );
    }

    #[test]
    fn overlap_and_calendar_windows() {
        let organizer = UserId::new();
        let start = Timestamp::from_millis(100).unwrap();
        let spec = overlapping_spec(organizer, start, start);
        assert_eq!(
            spec.filter,
            doc! {
                "organizer_id": organizer.to_string(),
                "status": "scheduled",
                "kind": { "$in": ["meeting", "call"] },
                "date_time": { "$lt": at(101) },
                "$or": [{ "date_time": { "$gte": at(100) } }, { "end_time": { "$gt": at(100) } }],
            },
            "an empty window is its start instant"
        );
        let calendar = calendar_spec(organizer, start, Timestamp::from_millis(200).unwrap());
        assert_eq!(
            calendar.filter,
            doc! {
                "date_time": { "$gte": at(100), "$lt": at(200) },
                "$or": [
                    { "organizer_id": organizer.to_string() },
                    { "attendees.user_id": organizer.to_string() },
                ],
            }
        );
        assert_eq!(calendar.sort, doc! { "date_time": 1, "_id": 1 });
    }

    #[test]
    fn last_interaction_prefers_the_latest_completed_one() {
        let pipeline = last_interaction_pipeline("c-1");
        assert_eq!(
            pipeline[0],
            doc! { "$match": { "customer_id": "c-1", "status": { "$ne": "cancelled" } } }
        );
        let group = pipeline[1].get_document("$group").unwrap();
        assert!(group.contains_key("completed") && group.contains_key("latest"));
    }
}
