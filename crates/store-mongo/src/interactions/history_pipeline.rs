//! The aggregation of a customer's history: its interactions, tickets,
//! status changes and (for staff) emails merged (`$unionWith`), ordered by
//! time, then by position (`source:id`, as the SQLite store orders them),
//! keyset-paginated on (time, position). The email branches are described
//! in `email::history`.
//!
//! Each source's own `$match` takes the keyset condition too, written on
//! its own fields (its time field and `_id`), so each branch reads only
//! what can follow the cursor, through its index on (customer, time, id).

use crm_interactions::{HistoryFilter, HistorySource, InteractionKind};
use crm_kernel::{BackendError, CustomerId, PageRequest, SortDirection};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::date;
use crate::bson::keyset::{KeyKind, Order, SortValue, all_of, beyond};
use crate::db::names;
use crate::db::ops::limit;

/// One source of the history: where it lives and how its entries look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Branch {
    /// The source its entries are of.
    pub(crate) source: HistorySource,
    /// What its entries are made of.
    pub(crate) shape: Shape,
    /// The collection it reads.
    pub(crate) collection: &'static str,
    /// The field holding the entry's instant.
    pub(crate) at: &'static str,
    /// The field holding the entry's id (its position is `source:id`).
    pub(crate) id: &'static str,
}

/// What a branch's entries are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// An interaction, kept whole.
    Interaction,
    /// A ticket: its subject and status.
    Ticket,
    /// A status change: from and to.
    StatusChange,
    /// An email entry (a message, a reply, an opt-out or bounce): the
    /// fields `email::history` reads.
    Email(&'static str),
}

impl Branch {
    /// `source:`, the prefix of the branch's positions.
    fn prefix(self) -> String {
        format!("{}:", self.source.as_str())
    }
}

const INTERACTIONS: Branch = Branch {
    source: HistorySource::Interaction,
    shape: Shape::Interaction,
    collection: names::INTERACTIONS,
    at: "date_time",
    id: "_id",
};
const TICKETS: Branch = Branch {
    source: HistorySource::Ticket,
    shape: Shape::Ticket,
    collection: names::TICKETS,
    at: "created_at",
    id: "_id",
};
const STATUS_CHANGES: Branch = Branch {
    source: HistorySource::StatusChange,
    shape: Shape::StatusChange,
    collection: names::STATUS_CHANGES,
    at: "at",
    id: "_id",
};

/// The order of entries: by `at`, then by position (the projected `_id`).
pub(crate) fn order(direction: SortDirection) -> Order {
    Order::by("at", KeyKind::Date, direction)
}

/// The collection to aggregate on and the pipeline of one page, or `None`
/// when no source is asked for (emails are staff-only).
pub(crate) fn history_plan(
    customer: CustomerId,
    filter: &HistoryFilter,
    include_staff_only: bool,
    page: &PageRequest,
) -> Result<Option<(&'static str, Vec<Document>)>, BackendError> {
    let after = page
        .after
        .as_ref()
        .map(|position| order(filter.direction).decode(position))
        .transpose()?
        .map(|(value, position)| (value, position.to_owned()));
    let customer = customer.to_string();
    let mut branches = Vec::new();
    if filter.sources.interactions {
        let mut conditions = vec![doc! { "customer_id": &customer }];
        if !include_staff_only {
            conditions.push(doc! { "kind": { "$ne": InteractionKind::Note.as_str() } });
        }
        if let Some(kind) = filter.kind {
            conditions.push(doc! { "kind": kind.as_str() });
        }
        if let Some(status) = filter.status {
            conditions.push(doc! { "status": status.as_str() });
        }
        branches.push((INTERACTIONS, conditions));
    }
    if filter.sources.tickets {
        branches.push((TICKETS, vec![doc! { "customer_id": &customer }]));
    }
    if filter.sources.status_changes {
        branches.push((STATUS_CHANGES, vec![doc! { "customer_id": &customer }]));
    }
    if filter.sources.emails && include_staff_only {
        branches.extend(crate::email::history::branches(&customer));
    }
    let mut pipelines = Vec::new();
    for (branch, mut conditions) in branches {
        if let Some(from) = filter.from {
            conditions.push(doc! { branch.at: { "$gte": date(from) } });
        }
        if let Some(to) = filter.to {
            conditions.push(doc! { branch.at: { "$lt": date(to) } });
        }
        if let Some((value, position)) = &after {
            conditions.push(branch_after(branch, filter.direction, value, position));
        }
        pipelines.push((
            branch,
            vec![
                doc! { "$match": all_of(conditions) },
                doc! { "$project": projection(branch) },
            ],
        ));
    }
    let mut pipelines = pipelines.into_iter();
    let Some((first, mut pipeline)) = pipelines.next() else {
        return Ok(None);
    };
    for (branch, branch_pipeline) in pipelines {
        pipeline.push(doc! { "$unionWith": {
            "coll": branch.collection,
            "pipeline": branch_pipeline,
        } });
    }
    pipeline.extend([
        doc! { "$sort": order(filter.direction).sort() },
        doc! { "$limit": limit(page.limit.get()) + 1 },
    ]);
    Ok(Some((first.collection, pipeline)))
}

/// What an entry of `branch` is made of: its position as `_id`, its own id,
/// source, instant, description and status (and the interaction itself,
/// or a status change's previous status).
fn projection(branch: Branch) -> Document {
    let id = format!("${}", branch.id);
    let mut projection = doc! {
        "_id": { "$concat": [branch.prefix(), &id] },
        "entry_id": id,
        "source": { "$literal": branch.source.as_str() },
        "at": format!("${}", branch.at),
    };
    match branch.shape {
        Shape::Interaction => {
            projection.insert("description", "$description");
            projection.insert("status", "$status");
            projection.insert("interaction", "$$ROOT");
        }
        Shape::Ticket => {
            projection.insert("description", "$subject");
            projection.insert("status", "$status");
        }
        Shape::StatusChange => {
            projection.insert("from", "$from");
            projection.insert("status", "$to");
        }
        Shape::Email(entry) => {
            projection.insert("email_entry", doc! { "$literal": entry });
            projection.extend(crate::email::history::fields());
        }
    }
    projection
}

/// The condition "the entry's (instant, position) comes strictly after
/// the cursor's" written on the fields of `branch`: a position is
/// `prefix + _id`, so comparing positions is comparing `_id`s when the
/// cursor's position has this branch's prefix, and true (or false) for every
/// entry of this branch when it sorts before (or after) the prefix.
pub(crate) fn branch_after(
    branch: Branch,
    direction: SortDirection,
    value: &SortValue,
    position: &str,
) -> Document {
    let prefix = branch.prefix();
    let at = value.to_bson();
    let later = doc! { branch.at: { beyond(direction): at.clone() } };
    let same_instant = if let Some(id) = position.strip_prefix(prefix.as_str()) {
        Some(doc! { branch.at: at, branch.id: { beyond(direction): id } })
    } else {
        let all_follow = match direction {
            SortDirection::Asc => position < prefix.as_str(),
            SortDirection::Desc => position > prefix.as_str(),
        };
        all_follow.then(|| doc! { branch.at: at })
    };
    match same_instant {
        Some(same) => doc! { "$or": [later, same] },
        None => later,
    }
}

/// Whether a stored `from` is null (a status change that created the customer).
pub(crate) fn is_null(value: Option<&Bson>) -> bool {
    matches!(value, None | Some(Bson::Null))
}

#[cfg(test)]
mod tests {
    use crm_interactions::{InteractionStatus, Sources};
    use crm_kernel::{CursorPosition, Limit, Timestamp};

    use super::*;

    #[test]
    fn interactions_only_by_default() {
        let customer = CustomerId::new();
        let (collection, pipeline) = history_plan(
            customer,
            &HistoryFilter::default(),
            true,
            &PageRequest::default(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(collection, "interactions");
        assert_eq!(pipeline.len(), 4, "{pipeline:?}");
        assert_eq!(
            pipeline[0],
            doc! { "$match": { "customer_id": customer.to_string() } }
        );
        assert_eq!(pipeline[2], doc! { "$sort": { "at": -1, "_id": -1 } });
        assert_eq!(pipeline[3], doc! { "$limit": 51_i64 });
    }

    #[test]
    fn every_source_and_filter() {
        let filter = HistoryFilter {
            sources: Sources::ALL,
            kind: Some(InteractionKind::Call),
            status: Some(InteractionStatus::Completed),
            from: Some(Timestamp::from_millis(0).unwrap()),
            to: Some(Timestamp::from_millis(1).unwrap()),
            direction: SortDirection::Asc,
        };
        let page = PageRequest {
            limit: Limit::parse(Some(3)).unwrap(),
            after: Some(CursorPosition {
                key: Some("1970-01-01T00:00:00.005Z".into()),
                id: "status_change:0193".into(),
            }),
        };
        let (_, pipeline) = history_plan(CustomerId::new(), &filter, false, &page)
            .unwrap()
            .unwrap();
        let unions: Vec<&Document> = pipeline
            .iter()
            .filter_map(|stage| stage.get_document("$unionWith").ok())
            .collect();
        assert_eq!(unions.len(), 2);
        assert_eq!(unions[0].get_str("coll").unwrap(), "tickets");
        assert_eq!(
            unions[1].get_str("coll").unwrap(),
            "customer_status_changes"
        );
        let matched = pipeline[0]
            .get_document("$match")
            .unwrap()
            .get_array("$and")
            .unwrap();
        assert!(matched.contains(&Bson::Document(doc! { "kind": { "$ne": "note" } })));
        assert!(matched.contains(&Bson::Document(doc! { "kind": "call" })));
        assert_eq!(pipeline.last(), Some(&doc! { "$limit": 4_i64 }));
    }

    #[test]
    fn the_cursor_is_pushed_into_each_branch() {
        let at = SortValue::Date(crm_kernel::Timestamp::from_millis(5).unwrap());
        let date = mongodb::bson::DateTime::from_millis(5);
        // The cursor's own source: compare ids.
        assert_eq!(
            branch_after(TICKETS, SortDirection::Asc, &at, "ticket:t-1"),
            doc! { "$or": [
                { "created_at": { "$gt": date } },
                { "created_at": date, "_id": { "$gt": "t-1" } },
            ] }
        );
        // `interaction:` < `status_change:` < `ticket:`.
        assert_eq!(
            branch_after(TICKETS, SortDirection::Asc, &at, "interaction:i-1"),
            doc! { "$or": [{ "created_at": { "$gt": date } }, { "created_at": date }] }
        );
        assert_eq!(
            branch_after(INTERACTIONS, SortDirection::Asc, &at, "ticket:t-1"),
            doc! { "date_time": { "$gt": date } }
        );
        assert_eq!(
            branch_after(INTERACTIONS, SortDirection::Desc, &at, "ticket:t-1"),
            doc! { "$or": [{ "date_time": { "$lt": date } }, { "date_time": date }] }
        );
        assert_eq!(
            branch_after(STATUS_CHANGES, SortDirection::Desc, &at, "interaction:i-1"),
            doc! { "at": { "$lt": date } }
        );
    }

    #[test]
    fn emails_are_read_for_staff_only() {
        let filter = HistoryFilter {
            sources: Sources {
                interactions: false,
                tickets: false,
                status_changes: false,
                emails: true,
            },
            ..HistoryFilter::default()
        };
        let customer = CustomerId::new();
        assert_eq!(
            history_plan(customer, &filter, false, &PageRequest::default()).unwrap(),
            None,
            "a customer's own history has no email entries"
        );
        let (collection, pipeline) = history_plan(customer, &filter, true, &PageRequest::default())
            .unwrap()
            .unwrap();
        assert_eq!(collection, "email_recipients");
        assert_eq!(
            pipeline[0],
            doc! { "$match": { "$and": [
                { "customer_id": customer.to_string() },
                { "first_of_customer": true },
            ] } }
        );
        let unions: Vec<&str> = pipeline
            .iter()
            .filter_map(|stage| stage.get_document("$unionWith").ok())
            .map(|union| union.get_str("coll").unwrap())
            .collect();
        assert_eq!(unions, ["inbound_messages", "email_events"]);
    }

    #[test]
    fn a_message_entry_is_positioned_by_its_message() {
        let message = crate::email::history::MESSAGES;
        let projection = projection(message);
        assert_eq!(
            projection.get_document("_id").unwrap(),
            &doc! { "$concat": ["email:", "$email_id"] }
        );
        let at = SortValue::Date(crm_kernel::Timestamp::from_millis(5).unwrap());
        let date = mongodb::bson::DateTime::from_millis(5);
        assert_eq!(
            branch_after(message, SortDirection::Asc, &at, "email:e-1"),
            doc! { "$or": [
                { "history_at": { "$gt": date } },
                { "history_at": date, "email_id": { "$gt": "e-1" } },
            ] }
        );
    }

    #[test]
    fn entries_carry_their_position_and_own_id() {
        let projection = projection(STATUS_CHANGES);
        assert_eq!(
            projection.get_document("_id").unwrap(),
            &doc! { "$concat": ["status_change:", "$_id"] }
        );
        assert_eq!(projection.get_str("status").unwrap(), "$to");
        assert!(is_null(None) && is_null(Some(&Bson::Null)));
    }
}
