//! Invariants a loader can check after loading: each is a count of the
//! records that break one, so a sound database answers zeros. Every count
//! is worked out in Rust from one read of each collection involved (no
//! `$lookup`, which some servers answer with a scan per document).

use std::collections::HashMap;

use crm_interactions::InteractionStatus;
use crm_kernel::BackendError;
use futures_util::TryStreamExt;
use mongodb::bson::{Bson, DateTime, Document, doc};

use crate::customers::docs::read_customer;
use crate::customers::search::keywords;
use crate::db::client::MongoStore;
use crate::db::names;

use super::BulkLoad;

/// How many records break each invariant the write paths keep (all zero
/// on a sound database), and how many records were checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Invariants {
    /// Customers checked.
    pub customers: u64,
    /// Customers whose status is not the `to` of their latest status change
    /// (or that have no status history at all).
    pub status_not_last_change: u64,
    /// Customers whose `last_interaction` is not what their interactions say.
    pub stale_last_interaction: u64,
    /// Customers not erased whose search keywords are not what their
    /// fields and company name give (the MongoDB search index, ADR 0013).
    pub stale_search_keywords: u64,
    /// Tickets checked.
    pub tickets: u64,
    /// Tickets whose status is not the `to` of their latest event.
    pub ticket_status_not_last_event: u64,
}

impl Invariants {
    /// Whether every invariant holds.
    #[must_use]
    pub fn hold(&self) -> bool {
        self.status_not_last_change == 0
            && self.stale_last_interaction == 0
            && self.stale_search_keywords == 0
            && self.ticket_status_not_last_event == 0
    }
}

impl BulkLoad<'_> {
    /// Counts the records that break an invariant (reads every customer,
    /// status change, interaction, ticket and ticket event once).
    pub async fn invariants(&self) -> Result<Invariants, BackendError> {
        let store = self.store;
        let last_change = latest_by(store, names::STATUS_CHANGES, "customer_id").await?;
        let last_interaction = expected_last_interactions(store).await?;
        let mut found = Invariants::default();
        let mut customers = all(store, names::CUSTOMERS, None).await?;
        while let Some(document) = customers.try_next().await.map_err(BackendError::new)? {
            found.customers += 1;
            let id = document.get_str("_id").unwrap_or_default();
            let status = document.get_str("status").ok();
            if last_change.get(id).map(|(_, to)| to.as_str()) != status {
                found.status_not_last_change += 1;
            }
            let stored = document.get("last_interaction").unwrap_or(&Bson::Null);
            let expected = last_interaction.get(id).map_or(Bson::Null, Last::bson);
            if *stored != expected {
                found.stale_last_interaction += 1;
            }
            if matches!(document.get("erased_at"), None | Some(Bson::Null))
                && !keywords_current(&document)
            {
                found.stale_search_keywords += 1;
            }
        }
        let last_event = latest_by(store, names::TICKET_EVENTS, "ticket_id").await?;
        let mut tickets = all(store, names::TICKETS, Some(doc! { "status": 1 })).await?;
        while let Some(document) = tickets.try_next().await.map_err(BackendError::new)? {
            found.tickets += 1;
            let id = document.get_str("_id").unwrap_or_default();
            if last_event.get(id).map(|(_, to)| to.as_str()) != document.get_str("status").ok() {
                found.ticket_status_not_last_event += 1;
            }
        }
        Ok(found)
    }
}

/// Whether a customer's stored keywords are those its fields give.
fn keywords_current(document: &Document) -> bool {
    let Ok(customer) = read_customer(document) else {
        return false;
    };
    let company = document.get_str("company_name").ok();
    let expected: Vec<Bson> = keywords(&customer, company)
        .into_iter()
        .map(Bson::Document)
        .collect();
    document
        .get_array("keywords")
        .is_ok_and(|stored| *stored == expected)
}

async fn all(
    store: &MongoStore,
    collection: &str,
    projection: Option<Document>,
) -> Result<mongodb::Cursor<Document>, BackendError> {
    let collection = store.collection(collection);
    let find = collection.find(doc! {});
    let find = match projection {
        Some(projection) => find.projection(projection),
        None => find,
    };
    find.await.map_err(BackendError::new)
}

/// The `to` of the latest (by `at`, then `_id`) document of `collection`
/// per value of `key`.
async fn latest_by(
    store: &MongoStore,
    collection: &str,
    key: &str,
) -> Result<HashMap<String, ((DateTime, String), String)>, BackendError> {
    let mut latest: HashMap<String, ((DateTime, String), String)> = HashMap::new();
    let mut cursor = all(store, collection, Some(doc! { key: 1, "to": 1, "at": 1 })).await?;
    while let Some(document) = cursor.try_next().await.map_err(BackendError::new)? {
        let (Ok(owner), Ok(to), Ok(at), Ok(id)) = (
            document.get_str(key),
            document.get_str("to"),
            document.get_datetime("at"),
            document.get_str("_id"),
        ) else {
            return Err(BackendError::msg(format!(
                "{collection}: an unreadable document"
            )));
        };
        let order = (*at, id.to_owned());
        match latest.get_mut(owner) {
            Some(found) if found.0 >= order => {}
            Some(found) => *found = (order, to.to_owned()),
            None => {
                latest.insert(owner.to_owned(), (order, to.to_owned()));
            }
        }
    }
    Ok(latest)
}

/// The latest completed and latest not-cancelled start of a customer's
/// interactions.
#[derive(Debug, Default)]
struct Last {
    completed: Option<DateTime>,
    latest: Option<DateTime>,
}

impl Last {
    fn bson(&self) -> Bson {
        self.completed
            .or(self.latest)
            .map_or(Bson::Null, Bson::DateTime)
    }
}

/// What each customer's `last_interaction` must be.
async fn expected_last_interactions(
    store: &MongoStore,
) -> Result<HashMap<String, Last>, BackendError> {
    let mut last: HashMap<String, Last> = HashMap::new();
    let projection = doc! { "customer_id": 1, "status": 1, "date_time": 1 };
    let mut cursor = all(store, names::INTERACTIONS, Some(projection)).await?;
    while let Some(document) = cursor.try_next().await.map_err(BackendError::new)? {
        let (Ok(customer), Ok(status), Ok(at)) = (
            document.get_str("customer_id"),
            document.get_str("status"),
            document.get_datetime("date_time"),
        ) else {
            return Err(BackendError::msg("interactions: an unreadable document"));
        };
        if status == InteractionStatus::Cancelled.as_str() {
            continue;
        }
        let entry = last.entry(customer.to_owned()).or_default();
        entry.latest = entry.latest.max(Some(*at));
        if status == InteractionStatus::Completed.as_str() {
            entry.completed = entry.completed.max(Some(*at));
        }
    }
    Ok(last)
}
