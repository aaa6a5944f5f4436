//! Bulk loading: many records per round trip, for benchmarks and large
//! demo data sets (the MongoDB side of `crm_store_sqlite::bulk`, fed the
//! same [`CustomerHistory`] and [`TicketHistory`] values).
//!
//! Each history is turned into its documents by the builders the single
//! writes use (`docs.rs`), with what those writes derive from earlier
//! writes worked out in memory: a customer's last version with its search
//! keywords and company name, its email key claim, its status changes with
//! the copies of its company and owner that reports read and its lead
//! journeys (`prospect_at`, `customer_at`); a ticket after its last step
//! (first response, status), its events with their report fields, its
//! comments. Then one `insert_many` per collection and batch. Interactions
//! get their customer's copies, and the customers of a batch their
//! `last_interaction` recomputed by the single write's aggregation grouped
//! by customer and one multi-statement `update` command.
//!
//! References are checked per batch before anything is written (companies,
//! owners, assignees, organizers, customers: `$in` reads of 32 ids each),
//! as the single writes check theirs. Unlike the single writes a batch is
//! not one transaction: a batch that fails can leave part of itself. Load
//! into a fresh database and drop it when loading fails.
//!
//! [`BulkLoad::invariants`] (`verify.rs`) counts the records that break an
//! invariant the writes keep, so a loader can check its work.

mod docs;
mod verify;

use std::collections::{BTreeSet, HashMap};

use crm_customers::CustomerHistory;
use crm_interactions::Interaction;
use crm_kernel::BackendError;
use crm_tickets::TicketHistory;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::counters::{Counted, Tally};
use crate::analytics::sources::{event_count, status_change_count, ticket_counts};
use crate::db::client::MongoStore;
use crate::db::error::DbError;
use crate::db::names;
use crate::db::ops::{FindSpec, aggregate_all, find_all};
use crate::interactions::docs::{customer_copies, interaction_document, staff_of};
use crate::interactions::list::{last_interaction_of, last_interactions_pipeline};

pub use verify::Invariants;

/// Ids per `$in` list: reads by many ids are split into lists this long.
/// A real server answers a long list with one index seek per id; SecantusDB
/// (the test server) also checks each candidate against the whole list,
/// which made a batch's reads quadratic in its size.
const IDS_PER_READ: usize = 32;

/// Statements per `update` command (well under the server's limits of
/// 100,000 statements and 48 MB).
const UPDATES_PER_COMMAND: usize = 10_000;

/// Writes batches of records as the store's single writes would leave them;
/// see the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct BulkLoad<'a> {
    store: &'a MongoStore,
}

impl MongoStore {
    /// The bulk loader of this store.
    #[must_use]
    pub fn bulk(&self) -> BulkLoad<'_> {
        BulkLoad { store: self }
    }
}

fn backend(error: mongodb::error::Error) -> BackendError {
    BackendError::new(error)
}

impl BulkLoad<'_> {
    /// Stores customers with their status histories (counted in the report
    /// counters), email keys and search keywords, as
    /// `CustomerRepository::insert` then `update` would.
    pub async fn customers(&self, batch: Vec<CustomerHistory>) -> Result<(), BackendError> {
        let companies: BTreeSet<String> = batch
            .iter()
            .filter_map(|h| h.latest().company_id.map(|c| c.to_string()))
            .collect();
        let names_of = self.by_id(names::COMPANIES, companies, "name").await?;
        let owners = batch.iter().filter_map(|h| h.latest().owner_id);
        self.staff_exist(owners.map(|o| o.to_string())).await?;
        let (mut customers, mut keys, mut changes) = (Vec::new(), Vec::new(), Vec::new());
        for history in &batch {
            let company = match history.latest().company_id {
                None => None,
                Some(id) => Some(
                    names_of
                        .get(&id.to_string())
                        .and_then(|c| c.get_str("name").ok())
                        .ok_or_else(|| BackendError::msg(format!("unknown company {id}")))?,
                ),
            };
            let documents =
                docs::customer_documents(history, company).map_err(BackendError::msg)?;
            customers.push(documents.customer);
            keys.extend(documents.email_key);
            changes.extend(documents.status_changes);
        }
        // Keys first: a duplicate email stops the batch before its customers.
        let mut tally = Tally::default();
        for change in &changes {
            tally.add(&status_change_count(change)?, 1);
        }
        self.insert(names::EMAIL_KEYS, keys).await?;
        self.insert(names::CUSTOMERS, customers).await?;
        self.insert(names::STATUS_CHANGES, changes).await?;
        self.store
            .write_tally::<BackendError>(None, &tally)
            .await
            .map_err(DbError::into_backend)
    }

    /// Stores interactions with the copies of their customers, adds them
    /// to the report counters and recomputes the `last_interaction` of
    /// those customers, as `InteractionRepository::insert` does.
    pub async fn interactions(&self, batch: Vec<Interaction>) -> Result<(), BackendError> {
        let ids: BTreeSet<String> = batch.iter().map(|i| i.customer_id.to_string()).collect();
        let found = self
            .by_id(names::CUSTOMERS, ids.clone(), "erased_at")
            .await?;
        let copies: HashMap<String, Document> = found
            .values()
            .filter(|c| matches!(c.get("erased_at"), None | Some(Bson::Null)))
            .filter_map(|c| {
                let copy = |field| c.get(field).cloned().unwrap_or(Bson::Null);
                Some((
                    c.get_str("_id").ok()?.to_owned(),
                    customer_copies(copy("company_id"), copy("owner_id")),
                ))
            })
            .collect();
        if let Some(missing) = ids.iter().find(|id| !copies.contains_key(*id)) {
            return Err(BackendError::msg(format!(
                "an interaction names customer {missing}, which is unknown or erased"
            )));
        }
        self.staff_exist(batch.iter().flat_map(staff_of).map(|u| u.to_string()))
            .await?;
        let documents = batch
            .iter()
            .map(|i| {
                let copy = copies
                    .get(&i.customer_id.to_string())
                    .cloned()
                    .unwrap_or_default();
                interaction_document(i, copy)
            })
            .collect::<Vec<Document>>();
        let mut tally = Tally::default();
        for document in &documents {
            tally.add(&Counted::interaction(document)?, 1);
        }
        self.insert(names::INTERACTIONS, documents).await?;
        self.store
            .write_tally::<BackendError>(None, &tally)
            .await
            .map_err(DbError::into_backend)?;
        self.recompute_last_interactions(ids.into_iter().collect())
            .await
    }

    /// Stores raised tickets with their events (with their report fields)
    /// and comments, and adds them to the report counters, as
    /// `TicketRepository::insert`, `add_comment` and `update` would.
    pub async fn tickets(&self, batch: Vec<TicketHistory>) -> Result<(), BackendError> {
        let ids: BTreeSet<String> = batch
            .iter()
            .map(|h| h.raised.0.customer_id.to_string())
            .collect();
        let customers = self.by_id(names::CUSTOMERS, ids, "_id").await?;
        let assignees = batch.iter().filter_map(|h| h.latest().assignee_id);
        self.staff_exist(assignees.map(|a| a.to_string())).await?;
        let (mut tickets, mut events, mut comments) = (Vec::new(), Vec::new(), Vec::new());
        for history in &batch {
            let customer = history.raised.0.customer_id.to_string();
            let stored = customers.get(&customer).ok_or_else(|| {
                BackendError::msg(format!(
                    "ticket {} names customer {customer}, which does not exist",
                    history.raised.0.id
                ))
            })?;
            let copy = |field| stored.get(field).cloned().unwrap_or(Bson::Null);
            let documents = docs::ticket_documents(history, &copy("company_id"), &copy("owner_id"))
                .map_err(BackendError::msg)?;
            tickets.push(documents.ticket);
            events.extend(documents.events);
            comments.extend(documents.comments);
        }
        let mut tally = Tally::default();
        for ticket in &tickets {
            tally.add_all(&ticket_counts(ticket)?, 1);
        }
        for event in &events {
            tally.add_all(&event_count(event)?, 1);
        }
        self.insert(names::TICKETS, tickets).await?;
        self.insert(names::TICKET_EVENTS, events).await?;
        self.insert(names::TICKET_COMMENTS, comments).await?;
        self.store
            .write_tally::<BackendError>(None, &tally)
            .await
            .map_err(DbError::into_backend)
    }

    /// The documents of `collection` whose `_id` is one of `ids`, by id,
    /// with `field`, `company_id` and `owner_id`.
    async fn by_id(
        &self,
        collection: &'static str,
        ids: BTreeSet<String>,
        field: &str,
    ) -> Result<HashMap<String, Document>, BackendError> {
        let ids: Vec<String> = ids.into_iter().collect();
        let mut by_id = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_READ) {
            let found = self
                .find(
                    collection,
                    doc! { "_id": { "$in": chunk } },
                    doc! { field: 1, "company_id": 1, "owner_id": 1 },
                )
                .await?;
            by_id.extend(
                found
                    .into_iter()
                    .filter_map(|d| Some((d.get_str("_id").ok()?.to_owned(), d))),
            );
        }
        Ok(by_id)
    }

    async fn find(
        &self,
        collection: &'static str,
        filter: Document,
        projection: Document,
    ) -> Result<Vec<Document>, BackendError> {
        let spec = FindSpec {
            projection: Some(projection),
            ..FindSpec::all(filter, Document::new())
        };
        find_all(&self.store.collection(collection), spec, None)
            .await
            .map_err(backend)
    }

    /// An error unless every one of `users` is a staff user.
    async fn staff_exist(&self, users: impl Iterator<Item = String>) -> Result<(), BackendError> {
        let users: BTreeSet<String> = users.collect();
        let wanted = users.len();
        let found = self.by_id(names::USERS, users.clone(), "_id").await?;
        if found.len() == wanted {
            return Ok(());
        }
        let missing = users.iter().find(|u| !found.contains_key(*u));
        Err(BackendError::msg(format!(
            "a record names user {}, who is no staff user",
            missing.map_or("?", String::as_str)
        )))
    }

    async fn insert(
        &self,
        collection: &'static str,
        documents: Vec<Document>,
    ) -> Result<(), BackendError> {
        if documents.is_empty() {
            return Ok(());
        }
        self.store
            .collection(collection)
            .insert_many(documents)
            .await
            .map(|_| ())
            .map_err(backend)
    }

    /// Sets `last_interaction` of `customers` from their interactions: an
    /// aggregation per [`IDS_PER_READ`] customers, then one `update`
    /// command per [`UPDATES_PER_COMMAND`] customers.
    async fn recompute_last_interactions(
        &self,
        customers: Vec<String>,
    ) -> Result<(), BackendError> {
        let mut groups = Vec::with_capacity(customers.len());
        for chunk in customers.chunks(IDS_PER_READ) {
            groups.extend(
                aggregate_all(
                    &self.store.collection(names::INTERACTIONS),
                    last_interactions_pipeline(chunk),
                    None,
                )
                .await
                .map_err(backend)?,
            );
        }
        let by_customer: HashMap<&str, &Document> = groups
            .iter()
            .filter_map(|g| Some((g.get_str("_id").ok()?, g)))
            .collect();
        let statements: Vec<Document> = customers
            .iter()
            .map(|customer| {
                let last = last_interaction_of(by_customer.get(customer.as_str()).copied());
                doc! {
                    "q": { "_id": customer },
                    "u": { "$set": { "last_interaction": last } },
                }
            })
            .collect();
        for chunk in statements.chunks(UPDATES_PER_COMMAND) {
            let answer = self
                .store
                .database()
                .run_command(doc! {
                    "update": names::CUSTOMERS,
                    "updates": chunk,
                    "ordered": false,
                    "writeConcern": { "w": "majority" },
                })
                .await
                .map_err(backend)?;
            if let Ok(errors) = answer.get_array("writeErrors")
                && !errors.is_empty()
            {
                return Err(BackendError::msg(format!(
                    "{} of {} last_interaction updates failed, first: {}",
                    errors.len(),
                    chunk.len(),
                    errors[0]
                )));
            }
        }
        Ok(())
    }
}
