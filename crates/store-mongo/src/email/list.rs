//! The aggregation of one page of the message list: filters, the caller's
//! scope (its own messages, and those with a recipient whose customer it
//! may see), newest first by creation, keyset-paginated on (created, id).
//!
//! The time window, the cursor and the customer filter (`customer_ids`,
//! kept on the message) are one `$match` on `emails`, read in order through
//! its indexes. The recipient-status filter and the scope ask the message's
//! recipients (`$lookup` on `email_id`, an equality on an indexed field); the
//! scope reads each recipient's copies of its customer's company and owner.

use crm_email::{EmailQuery, EmailScope};
use crm_kernel::{BackendError, PageRequest, SortDirection, Visibility};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::date;
use crate::bson::keyset::{KeyKind, Order, all_of};
use crate::bson::visibility::{ON_RECORDS, visible};
use crate::db::names;
use crate::db::ops::limit;

/// Newest first by creation, ties by id.
pub(crate) const ORDER: Order = Order {
    field: "created_at",
    key: KeyKind::Date,
    direction: SortDirection::Desc,
    ties: SortDirection::Desc,
};

/// A `$lookup` of at most one recipient of the message that matches all
/// of `conditions`, into `field`.
fn some_recipient(conditions: Vec<Document>, field: &str) -> Document {
    let mut all = vec![doc! { "$expr": { "$eq": ["$email_id", "$$email"] } }];
    all.extend(conditions);
    doc! { "$lookup": {
        "from": names::EMAIL_RECIPIENTS,
        "let": { "email": "$_id" },
        "pipeline": [
            { "$match": all_of(all) },
            { "$limit": 1 },
            { "$project": { "_id": 1 } },
        ],
        "as": field,
    } }
}

/// The pipeline of one page (at most `limit + 1` messages), or `None` when
/// the scope lets see nothing.
pub(crate) fn list_pipeline(
    query: &EmailQuery,
    scope: &EmailScope,
    page: &PageRequest,
) -> Result<Option<Vec<Document>>, BackendError> {
    let mut conditions = Vec::new();
    if let Some(customer) = query.customer_id {
        conditions.push(doc! { "customer_ids": customer.to_string() });
    }
    if let Some(from) = query.from {
        conditions.push(doc! { "created_at": { "$gte": date(from) } });
    }
    if let Some(to) = query.to {
        conditions.push(doc! { "created_at": { "$lt": date(to) } });
    }
    conditions.extend(ORDER.after_position(page.after.as_ref())?);
    // The caller's own messages, or (besides) those to a customer it may see.
    let own = scope
        .sender
        .map(|sender| doc! { "sender_id": sender.to_string() });
    let recipients = match &scope.visibility {
        Visibility::All => None,
        visibility => Some(visible(visibility, ON_RECORDS)),
    };
    let mut pipeline = Vec::new();
    let mut added = Vec::new();
    match recipients {
        None => {}
        Some(None) => match own {
            Some(own) => conditions.push(own),
            None => return Ok(None),
        },
        Some(Some(visible)) => {
            let condition = vec![doc! { "customer_id": { "$ne": Bson::Null } }, visible];
            pipeline.push(doc! { "$match": all_of(conditions.clone()) });
            pipeline.push(doc! { "$sort": ORDER.sort() });
            pipeline.push(some_recipient(condition, "visible_recipient"));
            let seen = doc! { "visible_recipient": { "$ne": [] } };
            pipeline.push(doc! { "$match": match own {
                Some(own) => doc! { "$or": [own, seen] },
                None => seen,
            } });
            added.push("visible_recipient");
            conditions.clear();
        }
    }
    if pipeline.is_empty() {
        pipeline.push(doc! { "$match": all_of(conditions) });
        pipeline.push(doc! { "$sort": ORDER.sort() });
    }
    if let Some(status) = query.status {
        pipeline.push(some_recipient(
            vec![doc! { "status": status.as_str() }],
            "status_recipient",
        ));
        pipeline.push(doc! { "$match": { "status_recipient": { "$ne": [] } } });
        added.push("status_recipient");
    }
    pipeline.push(doc! { "$limit": limit(page.limit.get()) + 1 });
    if !added.is_empty() {
        let mut drop = Document::new();
        for field in added {
            drop.insert(field, 0);
        }
        pipeline.push(doc! { "$project": drop });
    }
    Ok(Some(pipeline))
}

#[cfg(test)]
mod tests {
    use crm_email::RecipientStatus;
    use crm_kernel::{CompanyId, CustomerId, Timestamp, UserId};

    use super::*;

    fn everyone() -> EmailScope {
        EmailScope {
            visibility: Visibility::All,
            sender: None,
        }
    }

    #[test]
    fn filters_on_the_message_are_one_match_in_order() {
        let customer = CustomerId::new();
        let from = Timestamp::from_millis(1_000).unwrap();
        let query = EmailQuery {
            customer_id: Some(customer),
            from: Some(from),
            ..EmailQuery::default()
        };
        let pipeline = list_pipeline(&query, &everyone(), &PageRequest::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            pipeline,
            vec![
                doc! { "$match": { "$and": [
                    { "customer_ids": customer.to_string() },
                    { "created_at": { "$gte": date(from) } },
                ] } },
                doc! { "$sort": { "created_at": -1, "_id": -1 } },
                doc! { "$limit": 51_i64 },
            ]
        );
    }

    #[test]
    fn a_status_asks_the_recipients() {
        let query = EmailQuery {
            status: Some(RecipientStatus::Sent),
            ..EmailQuery::default()
        };
        let pipeline = list_pipeline(&query, &everyone(), &PageRequest::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            pipeline[2],
            doc! { "$lookup": {
                "from": "email_recipients",
                "let": { "email": "$_id" },
                "pipeline": [
                    { "$match": { "$and": [
                        { "$expr": { "$eq": ["$email_id", "$$email"] } },
                        { "status": "sent" },
                    ] } },
                    { "$limit": 1 },
                    { "$project": { "_id": 1 } },
                ],
                "as": "status_recipient",
            } }
        );
        assert_eq!(
            pipeline[3],
            doc! { "$match": { "status_recipient": { "$ne": [] } } }
        );
        assert_eq!(
            pipeline.last(),
            Some(&doc! { "$project": { "status_recipient": 0 } })
        );
    }

    #[test]
    fn an_agent_sees_its_own_and_its_customers_messages() {
        let (agent, company) = (UserId::new(), CompanyId::new());
        let scope = EmailScope {
            visibility: Visibility::Agent {
                company_ids: vec![company],
                owner_id: agent,
            },
            sender: Some(agent),
        };
        let pipeline = list_pipeline(&EmailQuery::default(), &scope, &PageRequest::default())
            .unwrap()
            .unwrap();
        let lookup = pipeline[2].get_document("$lookup").unwrap();
        let inner = lookup.get_array("pipeline").unwrap()[0]
            .as_document()
            .unwrap()
            .get_document("$match")
            .unwrap();
        assert_eq!(
            inner,
            &doc! { "$and": [
                { "$expr": { "$eq": ["$email_id", "$$email"] } },
                { "customer_id": { "$ne": null } },
                { "$or": [
                    { "customer_company_id": { "$in": [company.to_string()] } },
                    { "customer_owner_id": agent.to_string() },
                ] },
            ] }
        );
        assert_eq!(
            pipeline[3],
            doc! { "$match": { "$or": [
                { "sender_id": agent.to_string() },
                { "visible_recipient": { "$ne": [] } },
            ] } }
        );
    }

    #[test]
    fn seeing_no_customer_leaves_the_own_messages_or_nothing() {
        let sender = UserId::new();
        let own = EmailScope {
            visibility: Visibility::Nothing,
            sender: Some(sender),
        };
        let pipeline = list_pipeline(&EmailQuery::default(), &own, &PageRequest::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            pipeline[0],
            doc! { "$match": { "sender_id": sender.to_string() } }
        );
        let nobody = EmailScope {
            visibility: Visibility::Nothing,
            sender: None,
        };
        assert_eq!(
            list_pipeline(&EmailQuery::default(), &nobody, &PageRequest::default()).unwrap(),
            None
        );
    }
}
